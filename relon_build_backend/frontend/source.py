"""Source files and spans.

A :class:`Span` is a half-open byte range ``[start, end)`` into the text of a
:class:`SourceFile`. Line and column are computed only when a message is rendered.
Lines and columns are 1-based; the column counts characters (code points), not bytes.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

__all__ = ["SourceFile", "Span"]


@dataclass(frozen=True, eq=False)
class SourceFile:
    """A source text and the path it is reported under (as given, not resolved)."""

    path: str
    text: str
    _line_starts: tuple[int, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        starts = [0]
        starts.extend(i + 1 for i, ch in enumerate(self.text) if ch == "\n")
        object.__setattr__(self, "_line_starts", tuple(starts))

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset into :attr:`text`."""
        line_index = bisect.bisect_right(self._line_starts, offset) - 1
        return line_index + 1, offset - self._line_starts[line_index] + 1

    def line_text(self, line: int) -> str:
        """The text of 1-based ``line`` without its newline."""
        start = self._line_starts[line - 1]
        end = self.text.find("\n", start)
        return self.text[start : len(self.text) if end < 0 else end]


@dataclass(frozen=True, slots=True)
class Span:
    """Where a token, node or IR instruction came from: ``text[start:end]`` of ``source``.

    ``start``/``end`` are offsets into the (str) text, i.e. character offsets.
    """

    source: SourceFile
    start: int
    end: int

    def to(self, other: Span) -> Span:
        """The span covering ``self`` through ``other`` (same file)."""
        return Span(self.source, self.start, max(self.end, other.end))

    @property
    def line_col(self) -> tuple[int, int]:
        return self.source.line_col(self.start)

    def __str__(self) -> str:
        line, col = self.line_col
        return f"{self.source.path}:{line}:{col}"
