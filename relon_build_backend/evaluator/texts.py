"""String values: text of scalars and the string operations (``stdlib/strings.py``).

Strings are Python ``str``; every length and offset is in UTF-8 bytes, as in Relon.
Python compares ``str`` by code point, which for UTF-8 is the same order as bytewise.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal

from ..exhaustive import unreachable
from ..stdlib import StringOp
from .values import EvaluationError, Value, as_int

__all__ = ["str_call", "to_text"]

# Unicode White_Space (what Rust's str::trim strips); Python's isspace() differs
# (it also strips U+001C..U+001F).
_WHITE_SPACE = (
    "\t\n\v\f\r \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + ("\u2028\u2029\u202f\u205f\u3000")
)
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _float_text(x: float) -> str:
    """Rust's ``{}`` for f64: shortest round-trip digits (as ``repr``), plain decimal."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    text = format(Decimal(repr(x)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def to_text(value: Value) -> str:
    """The text of a scalar in ``String + x`` and f-strings (a String is unchanged)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float_text(value)
    assert isinstance(value, str), value
    return value


def _boundary(data: bytes, offset: int) -> bool:
    # a UTF-8 continuation byte is 0b10xxxxxx
    return offset == len(data) or (data[offset] & 0xC0) != 0x80


def _substring(s: str, start: int, end: int) -> str:
    data = s.encode()
    if not 0 <= start <= end <= len(data) or not (_boundary(data, start) and _boundary(data, end)):
        raise EvaluationError("IndexOutOfBounds", f"substring({start}, {end}) of {len(data)} bytes")
    return data[start:end].decode()


def str_call(op: StringOp, args: Sequence[Value]) -> Value:  # noqa: RET503
    """The string operation ``op`` of ``args`` (the subject first; for ``join`` the list)."""
    if op is StringOp.JOIN:
        items, sep = args
        assert isinstance(items, list), items
        return str(sep).join(str(x) for x in items)
    s, *rest = args
    assert isinstance(s, str), s
    match op:
        case StringOp.LEN:
            return len(s.encode())
        case StringOp.CONTAINS:
            return str(rest[0]) in s
        case StringOp.STARTS_WITH:
            return s.startswith(str(rest[0]))
        case StringOp.ENDS_WITH:
            return s.endswith(str(rest[0]))
        case StringOp.UPPER:
            return s.translate(_ASCII_UPPER)
        case StringOp.LOWER:
            return s.translate(_ASCII_LOWER)
        case StringOp.TRIM:
            return s.strip(_WHITE_SPACE)
        case StringOp.SUBSTRING:
            return _substring(s, as_int(rest[0]), as_int(rest[1]))
        case StringOp.SPLIT:
            if rest[0] == "":
                raise EvaluationError("EmptyList", "split by an empty separator")
            return [*s.split(str(rest[0]))]
        case StringOp.REPLACE:
            return s.replace(str(rest[0]), str(rest[1]))  # "" inserts at every char boundary
    unreachable(op)  # mypy proves this unreachable: every operation is handled
