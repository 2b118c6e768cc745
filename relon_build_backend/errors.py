"""The exceptions a user of the backend can see and fix.

Every failure a package author can do something about is a :class:`RelonBuildError`
subclass whose message says what went wrong and what to do next. The boundaries
(PEP 517 hooks, the setuptools command, the CLI) turn them into
``relon-build: error: ...`` and exit status 1 without a traceback; nothing deeper
catches them. Our own bugs raise :class:`AssertionError`, never one of these.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .frontend.diagnostics import Diagnostic

__all__ = [
    "ConfigError",
    "RelonBuildError",
    "ShimError",
    "SourceError",
    "ToolFailed",
    "ToolchainMissing",
]


class RelonBuildError(Exception):
    """Root of every error the user can fix."""


class SourceError(RelonBuildError):
    """One or more ``.relon`` (or shim) source diagnostics; all of a file's are reported."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        assert diagnostics, "a SourceError needs at least one diagnostic"
        self.diagnostics = tuple(diagnostics)
        super().__init__(self.render())

    def render(self) -> str:
        """All diagnostics, each as ``file:line:col: error: msg`` + source line + caret."""
        from .frontend.diagnostics import render_diagnostic

        return "\n".join(render_diagnostic(d) for d in self.diagnostics)


class ShimError(RelonBuildError):
    """A ``host_shim.rs`` that cannot be used (bad signature, needs std, rustc rejected it)."""


class ConfigError(RelonBuildError):
    """An invalid ``[tool.relon]`` value or environment override."""


class ToolchainMissing(RelonBuildError):
    """A required external tool (rustc with a target, a linker) could not be found."""


class ToolFailed(RelonBuildError):
    """An external tool ran and failed; the message shows command, exit code and stderr."""
