"""Diagnostics as data, and the one renderer that prints them.

A stage collects every :class:`Diagnostic` of a file and raises them together as a
:class:`SourceError`. :func:`render_diagnostic` prints::

    rules/quote.relon:3:11: error: unknown function 'frobnicate'
        qty * frobnicate(price)
              ^~~~~~~~~~
      hint: host functions come from host_shim.rs next to the file
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ..errors import RelonBuildError
from .source import Span

__all__ = ["Diagnostic", "SourceError", "render_diagnostic"]


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem at one place. ``hint`` says what to do, when we know."""

    message: str
    span: Span
    hint: str | None = None
    severity: Literal["error", "warning"] = "error"


def render_diagnostic(diag: Diagnostic) -> str:
    """``file:line:col: error: message``, the source line, a caret line, then the hint."""
    line, col = diag.span.line_col
    source = diag.span.source
    text = source.line_text(line)
    end_line, end_col = source.line_col(max(diag.span.start, diag.span.end - 1))
    width = max(1, end_col - col + 1) if end_line == line else max(1, len(text) - col + 1)
    caret = " " * (col - 1) + "^" + "~" * (width - 1)
    out = [
        f"{source.path}:{line}:{col}: {diag.severity}: {diag.message}",
        f"    {text}",
        f"    {caret}",
    ]
    if diag.hint:
        out.append(f"  hint: {diag.hint}")
    return "\n".join(out)


class SourceError(RelonBuildError):
    """One or more ``.relon`` (or shim) source diagnostics; all of a file's are reported."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        assert diagnostics, "a SourceError needs at least one diagnostic"
        self.diagnostics = tuple(diagnostics)
        super().__init__(self.render())

    def render(self) -> str:
        """All diagnostics, each as ``file:line:col: error: msg`` + source line + caret."""
        return "\n".join(render_diagnostic(d) for d in self.diagnostics)
