"""The backend's own identity: its version, and a hash of its sources (what a cached or
in-place build was made by)."""

from __future__ import annotations

from pathlib import Path

from ._relon_runtime.integrity import tree_hash

__all__ = ["BACKEND_DIR", "backend_fingerprint", "backend_version"]

#: This package's folder.
BACKEND_DIR = Path(__file__).resolve().parent


def backend_version() -> str:
    """``relon-build-backend``'s version, or ``"unknown"`` for an uninstalled checkout."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("relon-build-backend")
    except PackageNotFoundError:
        return "unknown"


def backend_fingerprint() -> int:
    """A hash of the backend's sources: changes with every release and every edit."""
    return tree_hash(BACKEND_DIR)
