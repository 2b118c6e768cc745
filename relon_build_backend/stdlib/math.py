"""Math functions (``std/math``, or called bare), one row per function and operand type.

A row is the Relon name, the operand type (every argument and the result) and the
arity; its value is the IR spelling (``int.abs``). The comment on each row is its exact
semantics, shared by both backends and the evaluator. Int arguments of a function that
only exists for Float are widened; a rounding function of an Int is the Int itself.
"""

from __future__ import annotations

import enum
from typing import Literal

from .rows import by_spelling

__all__ = ["FLOAT_ONLY", "INT_IDENTITY", "MATH_ARITY", "MathOp"]

Operand = Literal["Int", "Float"]


class MathOp(enum.Enum):
    """A math function at one operand type."""

    function: str
    operand: Operand
    arity: int

    def __new__(cls, function: str, operand: Operand, arity: int) -> MathOp:
        op = object.__new__(cls)
        op._value_ = f"{operand.lower()}.{function}"
        op.function, op.operand, op.arity = function, operand, arity
        return op

    # abs(i64::MIN) -> NumericOverflow
    INT_ABS = ("abs", "Int", 1)
    FLOAT_ABS = ("abs", "Float", 1)
    INT_MIN = ("min", "Int", 2)
    INT_MAX = ("max", "Int", 2)
    # if either is NaN -> NaN
    FLOAT_MIN = ("min", "Float", 2)
    FLOAT_MAX = ("max", "Float", 2)
    # (x, lo, hi) -> max(lo, min(x, hi))
    INT_CLAMP = ("clamp", "Int", 3)
    # the same formula with FLOAT_MIN / FLOAT_MAX
    FLOAT_CLAMP = ("clamp", "Float", 3)
    FLOAT_FLOOR = ("floor", "Float", 1)
    FLOAT_CEIL = ("ceil", "Float", 1)
    # ties to even
    FLOAT_ROUND = ("round", "Float", 1)
    # negative -> NaN
    FLOAT_SQRT = ("sqrt", "Float", 1)
    # C pow semantics (correctly rounded, the same bits on every target)
    FLOAT_POW = ("pow", "Float", 2)
    # (base, exp); checked; exp < 0 -> NumericOverflow
    INT_POW = ("pow", "Int", 2)

    @classmethod
    def of(cls, function: str, operand: Operand) -> MathOp | None:
        """The row of ``function`` at ``operand``, if there is one."""
        return _BY_NAME.get((function, operand))

    @classmethod
    def spelled(cls, spelling: str) -> MathOp:
        """The row whose IR spelling is ``spelling``. :raises ValueError: if none."""
        return by_spelling(cls, spelling, "math function")


_BY_NAME = {(op.function, op.operand): op for op in MathOp}

#: Every math function and its number of arguments.
MATH_ARITY: dict[str, int] = {op.function: op.arity for op in MathOp}
#: Functions computed in Float only: Int arguments are widened.
FLOAT_ONLY = frozenset(f for f in MATH_ARITY if MathOp.of(f, "Int") is None) - {
    "floor",
    "ceil",
    "round",
}
#: Rounding functions: on an Int they return the argument itself.
INT_IDENTITY = frozenset({"floor", "ceil", "round"})
