"""What the three tables share: finding a row by its IR spelling (its enum value)."""

from __future__ import annotations

import enum
from typing import TypeVar, cast

__all__ = ["by_spelling"]

_Row = TypeVar("_Row", bound=enum.Enum)


def by_spelling(table: type[_Row], spelling: str, what: str) -> _Row:
    """The row of ``table`` whose IR spelling is ``spelling`` (``what`` names the
    table's kind of row in the error). :raises ValueError: if there is none."""
    row = table._value2member_map_.get(spelling)
    if row is None:
        raise ValueError(f"no {what} {spelling!r}")
    return cast(_Row, row)
