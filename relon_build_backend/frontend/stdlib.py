"""The standard library the AOT compiler knows: ``std/math`` and the list operations.

Pure data: names, arities and the modules ``#import`` may name. The checks that use
them live in ``check_calls`` (math), ``check_chains`` (chains) and ``check_methods``
(the other list operations).
"""

from __future__ import annotations

from typing import Final, cast

from ..stdlib.lists import ListOp
from ..stdlib.math import FLOAT_ONLY, INT_IDENTITY
from ..stdlib.math import MATH_ARITY as _ARITY
from .typed import MathName

__all__ = [
    "LIST_FUNCTIONS",
    "LIST_METHODS",
    "LIST_STAGES",
    "LIST_TERMINALS",
    "MATH_ARITY",
    "MATH_FLOAT_ONLY",
    "MATH_INT_IDENTITY",
    "STD_MODULES",
]

#: Every math function and its number of arguments (from the stdlib table).
MATH_ARITY: Final = cast("dict[MathName, int]", _ARITY)

#: Functions computed in Float only: Int arguments are widened.
MATH_FLOAT_ONLY: Final = FLOAT_ONLY

#: Rounding functions: on an Int they return the argument itself.
MATH_INT_IDENTITY: Final = INT_IDENTITY

#: ``xs.map(f)`` / ``xs.filter(p)``: stages of a fused chain.
LIST_STAGES: Final = ("map", "filter")

#: Methods that end a chain (the chain then is one loop, not a list).
LIST_TERMINALS: Final = ("reduce", "sum", "len", "any", "all")

#: The other list methods (``len`` of a plain list value is one of them too): the list
#: table's rows but indexing (``xs[i]``), and the string table's ``join``.
LIST_METHODS: Final = (
    *(op.method for op in ListOp if op not in (ListOp.INDEX, ListOp.SLICE)),
    "join",
)

#: ``list.f(xs, ...)`` means ``xs.f(...)``.
LIST_FUNCTIONS: Final = LIST_STAGES + LIST_TERMINALS + LIST_METHODS[1:]

#: The modules ``#import name from "..."`` may name, and their functions.
STD_MODULES: Final[dict[str, tuple[str, ...]]] = {
    "std/math": tuple(MATH_ARITY),
    "std/list": LIST_FUNCTIONS,
}
