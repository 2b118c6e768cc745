"""List values and the list functions (``ListOp`` in ir/nodes.py).

Lists are Python ``list`` objects, never mutated once built. Equality is the
language's (``NaN == NaN``, ``-0.0 == 0.0``); Float ordering for ``sort`` is IEEE
totalOrder, for ``min``/``max`` the math functions' rules.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

from . import numeric
from .values import EvaluationError, Value

__all__ = ["equal", "list_call"]

_MAGNITUDE = (1 << 63) - 1


def equal(a: Value, b: Value) -> bool:
    """Relon ``==`` on two values of one type."""
    if isinstance(a, float) and isinstance(b, float):
        return numeric.float_eq(a, b)
    return a == b


def _total_order(x: Value) -> int:
    """Sort key of IEEE totalOrder: -NaN < -inf < ... < -0.0 < 0.0 < ... < inf < NaN."""
    assert isinstance(x, float), x
    bits = int.from_bytes(struct.pack("<d", x), "little")
    return bits if bits >> 63 == 0 else -(bits & _MAGNITUDE) - 1


def _plain_order(x: Value) -> int | str:
    """Sort key of Int (by value), Bool (false < true) and String (bytewise: UTF-8
    preserves code point order, which Python compares)."""
    assert isinstance(x, int | str), x
    return x


def _pick(a: Value, b: Value, *, pick_min: bool) -> Value:
    """``min``/``max`` of two elements with the math functions' rules."""
    if isinstance(a, float) and isinstance(b, float):
        return numeric.float_minmax(a, b, pick_min=pick_min)
    if isinstance(a, bool) and isinstance(b, bool):
        return (a and b) if pick_min else (a or b)  # false < true
    assert type(a) is type(b) and isinstance(a, int | str), (a, b)
    if pick_min:
        return a if a < b else b  # type: ignore[operator]  # both int or both str
    return a if a > b else b  # type: ignore[operator]


def _unique(xs: Sequence[Value]) -> list[Value]:
    kept: list[Value] = []
    for x in xs:
        if not any(equal(x, k) for k in kept):
            kept.append(x)
    return kept


def _ends(name: str, xs: Sequence[Value]) -> Value:
    if not xs:
        raise EvaluationError("EmptyList", f"{name} of an empty list")
    if name == "first":
        return xs[0]
    if name == "last":
        return xs[-1]
    result = xs[0]
    for x in xs[1:]:  # folds left to right, like the math functions
        result = _pick(result, x, pick_min=name == "min")
    return result


def list_call(name: str, args: Sequence[Value]) -> Value:
    """List function ``name`` of ``args`` (the list first)."""
    xs = args[0]
    assert isinstance(xs, list), xs
    if name == "len":
        return len(xs)
    if name == "index":
        i = args[1]
        assert isinstance(i, int), i
        if not 0 <= i < len(xs):
            raise EvaluationError("IndexOutOfBounds", f"index {i} of a list of {len(xs)}")
        return xs[i]
    if name in ("first", "last", "min", "max"):
        return _ends(name, xs)
    if name == "contains":
        return any(equal(x, args[1]) for x in xs)
    if name == "reverse":
        return xs[::-1]
    if name == "sort":
        if xs and isinstance(xs[0], float):
            return sorted(xs, key=_total_order)
        return sorted(xs, key=_plain_order)
    if name == "unique":
        return _unique(xs)
    assert name == "concat", name
    ys = args[1]
    assert isinstance(ys, list), ys
    return xs + ys
