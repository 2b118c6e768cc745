"""The backend's own version, as its installed metadata gives it."""

from __future__ import annotations

__all__ = ["backend_version"]


def backend_version() -> str:
    """``relon-build-backend``'s version, or ``"unknown"`` for an uninstalled checkout."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("relon-build-backend")
    except PackageNotFoundError:
        return "unknown"
