"""The text of an enum value: its variant's name (in ``String + e`` and f-strings).

An enum value is its variant's index below the checker, so its text is a choice of
constant names: the value bound once, then one ``==`` test per variant but the last.
"""

from __future__ import annotations

from .typed import Binder, Compare, Cond, Expr, Let, Literal_, Var
from .types import INT, STRING, EnumType

__all__ = ["enum_text"]


def enum_text(value: Expr) -> Expr:
    """The variant name of enum-typed ``value``, as a String expression."""
    enum = value.type
    assert isinstance(enum, EnumType), enum
    span = value.span
    binder = Binder("variant", enum, span)
    text: Expr = Literal_(enum.variants[-1], STRING, span)
    for index in range(len(enum.variants) - 2, -1, -1):
        test = Compare("==", Var(binder, span), Literal_(index, INT, span), INT, span)
        text = Cond(test, Literal_(enum.variants[index], STRING, span), text, STRING, span)
    return Let(binder, value, text, span)
