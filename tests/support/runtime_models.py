"""Python models of the runtime functions (the semantics of ir/nodes.py StringOp/ListOp).

The runtime tests check every ``relon_rt_*`` function against them; the end-to-end
tests check compiled rules' float text and float sort order against two of them, so
Rust's float Display and IEEE totalOrder are modelled once."""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence
from decimal import Decimal

# Unicode White_Space, what Rust's str::trim removes (Python's isspace adds U+001C..1F).
WHITE_SPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + "\u2028\u2029\u202f\u205f\u3000"
)

Item = int | float | bool | str


def float_text(x: float) -> str:
    """Rust's ``{}`` of an f64: shortest round-trip digits, never an exponent."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    text = format(Decimal(repr(x)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def compare(a: bytes, b: bytes) -> int:
    return (a > b) - (a < b)


def trim(s: str) -> tuple[int, int]:
    """``(start, len)`` in bytes of ``s.trim()``."""
    stripped = s.strip(WHITE_SPACE)
    if not stripped:
        return 0, 0  # Rust's trim_matches: nothing rejected -> the empty prefix
    start = len(s[: len(s) - len(s.lstrip(WHITE_SPACE))].encode())
    return start, len(stripped.encode())


def is_char_boundary(s: str, index: int) -> int:
    data = s.encode()
    if index in (0, len(data)):
        return 1
    return int(0 < index < len(data) and data[index] & 0xC0 != 0x80)


def float_order_key(x: float) -> int:
    """IEEE totalOrder as an integer key."""
    bits: int = struct.unpack("<q", struct.pack("<d", x))[0]
    return bits if bits >= 0 else -(bits & 0x7FFF_FFFF_FFFF_FFFF) - 1


def sort_key(kind: str, x: Item) -> int | bytes:
    if kind == "float":
        assert isinstance(x, float)
        return float_order_key(x)
    if kind == "string":
        assert isinstance(x, str)
        return x.encode()
    assert isinstance(x, int)  # bool is an int
    return x


def equal(kind: str, a: Item, b: Item) -> bool:
    """Language equality: NaN == NaN, -0.0 == 0.0."""
    if kind == "float":
        assert isinstance(a, float) and isinstance(b, float)
        return a == b or (math.isnan(a) and math.isnan(b))
    return a == b


def sort(kind: str, items: Sequence[Item]) -> list[tuple[Item, int]]:
    """Stable ascending; with the input index of each item."""
    order = sorted(range(len(items)), key=lambda i: sort_key(kind, items[i]))
    return [(items[i], i) for i in order]


def unique(kind: str, items: Sequence[Item]) -> list[tuple[Item, int]]:
    """First occurrences in order; with the input index of each."""
    kept: list[tuple[Item, int]] = []
    for i, item in enumerate(items):
        if not any(equal(kind, item, k) for k, _ in kept):
            kept.append((item, i))
    return kept


def bits(x: Item) -> object:
    """What identifies a float exactly (sign of zero, NaN payload)."""
    return struct.pack("<d", x) if isinstance(x, float) else x
