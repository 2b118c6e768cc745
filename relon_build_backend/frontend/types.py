"""Relon value types as the checker sees them, and reading type annotations.

Takes the :data:`~.ast.TypeExpr` of an annotation and returns a :data:`Type`. The AOT
compiler handles the scalars (``Int``, ``Float``, ``Bool``) today; ``String``,
``List<T>`` and tuples already have a type here so the language-breadth work only has
to lift the "not supported by the AOT compiler yet" checks, not redesign this module.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Literal, TypeAlias, final

from . import ast
from .diagnostics import Diagnostic

__all__ = [
    "BOOL",
    "ERROR",
    "FLOAT",
    "INT",
    "STRING",
    "ErrorType",
    "ListType",
    "Scalar",
    "ScalarName",
    "TupleOf",
    "Type",
    "is_scalar",
    "resolve_type",
]

ScalarName: TypeAlias = Literal["Int", "Float", "Bool", "String"]


@final
@dataclass(frozen=True, slots=True)
class Scalar:
    """``Int``, ``Float``, ``Bool`` or ``String``."""

    name: ScalarName

    def __str__(self) -> str:
        return self.name


@final
@dataclass(frozen=True, slots=True)
class ListType:
    """``List<T>``."""

    element: Type

    def __str__(self) -> str:
        return f"List<{self.element}>"


@final
@dataclass(frozen=True, slots=True)
class TupleOf:
    """``(A, B)``."""

    elements: tuple[Type, ...]

    def __str__(self) -> str:
        return "(" + ", ".join(map(str, self.elements)) + ")"


@final
@dataclass(frozen=True, slots=True)
class ErrorType:
    """The type of an expression that already has a diagnostic: checks against it pass
    silently, so one mistake yields one error instead of a cascade."""

    def __str__(self) -> str:
        return "<error>"


Type: TypeAlias = Scalar | ListType | TupleOf | ErrorType

INT = Scalar("Int")
FLOAT = Scalar("Float")
BOOL = Scalar("Bool")
STRING = Scalar("String")
ERROR = ErrorType()

#: The types the AOT compiler can compile today.
_SUPPORTED: frozenset[Type] = frozenset({INT, FLOAT, BOOL})
_SCALARS: dict[str, Scalar] = {"Int": INT, "Float": FLOAT, "Bool": BOOL, "String": STRING}
_TYPE_NAMES = ("Int", "Float", "Bool", "String", "List")


def is_scalar(ty: Type) -> bool:
    """True for the types the AOT compiler handles now (Int, Float, Bool)."""
    return ty in _SUPPORTED


def resolve_type(expr: ast.TypeExpr, diagnostics: list[Diagnostic]) -> Type:
    """The type an annotation denotes; appends a diagnostic and returns :data:`ERROR`
    when it is unknown or not supported by the AOT compiler yet."""
    ty = _read(expr, diagnostics)
    if isinstance(ty, ErrorType) or is_scalar(ty):
        return ty
    diagnostics.append(
        Diagnostic(f"{ty} values are not supported by the AOT compiler yet", expr.span)
    )
    return ERROR


def _read(expr: ast.TypeExpr, diagnostics: list[Diagnostic]) -> Type:
    if isinstance(expr, ast.TupleType):
        elements = tuple(_read(e, diagnostics) for e in expr.elements)
        return ERROR if ERROR in elements else TupleOf(elements)
    if expr.name == "List" and len(expr.args) == 1:
        element = _read(expr.args[0], diagnostics)
        return ERROR if element == ERROR else ListType(element)
    scalar = _SCALARS.get(expr.name)
    if scalar is not None and not expr.args:
        return scalar
    if expr.name == "List":
        message, hint = "List takes exactly one element type", "write e.g. `List<Int>`"
    elif expr.name in _TYPE_NAMES:
        message, hint = f"{expr.name} takes no type arguments", f"write just `{expr.name}`"
    else:
        message = f"unknown type '{expr.name}'"
        close = difflib.get_close_matches(expr.name, _TYPE_NAMES, n=1)
        hint = f"did you mean '{close[0]}'?" if close else "use Int, Float or Bool"
    diagnostics.append(Diagnostic(message, expr.span, hint))
    return ERROR
