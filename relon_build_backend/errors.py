"""The exceptions a user of the backend can see and fix.

Every failure a package author can do something about is a :class:`RelonBuildError`
subclass whose message says what went wrong and what to do next (source diagnostics
are the front end's :class:`~.frontend.diagnostics.SourceError`). The boundaries
(PEP 517 hooks, the setuptools command, the CLI) turn them into
``relon-build: error: ...`` and exit status 1 without a traceback; nothing deeper
catches them. Our own bugs raise :class:`AssertionError`, never one of these.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "RelonBuildError",
    "ShimError",
    "ToolFailed",
    "ToolchainMissing",
]


class RelonBuildError(Exception):
    """Root of every error the user can fix."""


class ShimError(RelonBuildError):
    """A ``host_shim.rs`` that cannot be used (bad signature, needs std, rustc rejected it)."""


class ConfigError(RelonBuildError):
    """An invalid ``[tool.relon]`` value or environment override."""


class ToolchainMissing(RelonBuildError):
    """A required external tool (rustc with a target, a linker) could not be found."""


class ToolFailed(RelonBuildError):
    """An external tool ran and failed; the message shows command, exit code and stderr."""
