"""Relon's scalar operators and math functions on Python values, exactly as specified.

Takes Python ``int`` (an i64), ``float`` (binary64) and ``bool`` operands and returns
the result or raises :class:`~.values.EvaluationError`. The definitions follow the
op comments of ``ir/nodes.py`` and docs (relon-subset.md "Semantics"); they are written
from the specification, not from the code generator, so the differential test compares
two independent readings. Python's ``math`` functions raise where C returns an IEEE
special value (``fmod(inf, y)``, ``pow(0.0, -1.0)``, ``floor(nan)``...): each wrapper
below restores the C / LLVM intrinsic result.
"""

from __future__ import annotations

import decimal
import fractions
import math
import struct

from .values import I64_MAX, I64_MIN, EvaluationError

__all__ = [
    "float_eq",
    "float_minmax",
    "float_pow",
    "float_rem",
    "float_round",
    "int_abs",
    "int_arith",
    "int_pow",
]


def _checked(value: int) -> int:
    if not I64_MIN <= value <= I64_MAX:
        raise EvaluationError("NumericOverflow")
    return value


def int_arith(op: str, a: int, b: int) -> int:
    """``a op b`` for Int: checked, truncating ``/``, dividend-signed ``%``."""
    if op == "+":
        return _checked(a + b)
    if op == "-":
        return _checked(a - b)
    if op == "*":
        return _checked(a * b)
    if b == 0:  # the zero divisor is reported before MIN / -1
        raise EvaluationError("DivisionByZero")
    quotient = _checked(abs(a) // abs(b) * (1 if (a < 0) == (b < 0) else -1))
    return quotient if op == "/" else a - b * quotient


def float_rem(a: float, b: float) -> float:
    """C ``fmod`` (the divisor is known non-zero); Python raises for an infinite dividend."""
    if math.isnan(a) or math.isnan(b) or math.isinf(a):
        return math.nan
    return math.fmod(a, b)


def float_eq(a: float, b: float) -> bool:
    """``==`` for Float: NaN equals NaN, -0.0 equals 0.0."""
    return a == b or (math.isnan(a) and math.isnan(b))


def _bits(x: float) -> int:
    return int.from_bytes(struct.pack("<d", x), "little")


def _from_bits(bits: int) -> float:
    return float(struct.unpack("<d", bits.to_bytes(8, "little"))[0])


def float_minmax(a: float, b: float, *, pick_min: bool) -> float:
    """``min``/``max`` for Float: NaN if either operand is NaN; of two equal operands
    (only +-0.0 differ) ``min`` keeps a set sign bit and ``max`` a clear one."""
    if math.isnan(a) or math.isnan(b):
        return math.nan
    if a != b:
        return min(a, b) if pick_min else max(a, b)
    bits = _bits(a) | _bits(b) if pick_min else _bits(a) & _bits(b)
    return _from_bits(bits)


def _signed_zero(result: float, x: float) -> float:
    # floor/ceil/round of a value in (-1, 1) is a zero with the sign of the operand
    return math.copysign(0.0, x) if result == 0 else result


def float_round(name: str, x: float) -> float:
    """``floor``/``ceil``/``round`` (ties to even) for Float, IEEE specials kept."""
    if not math.isfinite(x):
        return x
    if name == "floor":
        return _signed_zero(float(math.floor(x)), x)
    if name == "ceil":
        return _signed_zero(float(math.ceil(x)), x)
    assert name == "round", name
    return _signed_zero(float(round(x)), x)  # Python rounds half to even


def _odd_integer(y: float) -> bool:
    return math.isfinite(y) and y == math.floor(y) and math.fmod(y, 2.0) != 0


#: integral exponents up to this are computed exactly (a 53-bit base to this power
#: stays a number of a few hundred kilobits)
_EXACT_EXPONENT = 4096


def float_pow(x: float, y: float) -> float:
    """C99 ``pow``, correctly rounded (ties to even), as the compiled runtime's
    ``relon_rt_pow`` computes it. glibc's ``pow`` (``math.pow``) gives the C99 special
    cases but is 1 ulp off for a few inputs, so finite non-zero results are rounded
    from a 60-digit decimal power instead."""
    try:
        approx = math.pow(x, y)
    except OverflowError:
        approx = -math.inf if x < 0 and _odd_integer(y) else math.inf
    except ValueError:
        if x == 0:  # zero to a negative power: a pole
            return math.copysign(math.inf, x) if _odd_integer(y) else math.inf
        return math.nan  # a negative base to a non-integer power
    if x == 0 or not (math.isfinite(x) and math.isfinite(y)) or math.isnan(approx):
        return approx  # the C99 special cases are exact
    if y == math.floor(y) and abs(y) <= _EXACT_EXPONENT:
        # exact rational power; int / int true division rounds correctly (ties to even)
        exact = fractions.Fraction(x) ** int(y)
        try:
            return exact.numerator / exact.denominator
        except OverflowError:
            return math.copysign(math.inf, x) if _odd_integer(y) else math.inf
    context = decimal.Context(prec=60, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN, traps=[])
    magnitude = float(context.power(decimal.Decimal(abs(x)), decimal.Decimal(y)))
    return -magnitude if x < 0 and _odd_integer(y) else magnitude


def int_pow(base: int, exp: int) -> int:
    """``pow`` for Int: checked; a negative exponent is NumericOverflow."""
    if exp < 0:
        raise EvaluationError("NumericOverflow")
    if abs(base) >= 2 and exp >= 64:  # |result| >= 2**64: avoid a huge exact power
        raise EvaluationError("NumericOverflow")
    return _checked(base**exp)


def int_abs(x: int) -> int:
    return _checked(abs(x))
