"""Stage 6: per-rule loader modules and the runtime they call.

``runtime.py`` is copied verbatim into each built package as ``<pkg>/_relon_runtime.py``
(:func:`runtime_source`); :func:`render_loader` writes one small module per rule that
describes the rule to it. Built wheels never import relon_build_backend.
"""

from __future__ import annotations

from importlib import resources

from .generate import RUNTIME_MODULE, render_loader

__all__ = ["RUNTIME_MODULE", "render_loader", "runtime_source"]


def runtime_source() -> str:
    """The text of ``loader/runtime.py``, to be written as ``<pkg>/_relon_runtime.py``."""
    return resources.files(__name__).joinpath("runtime.py").read_text(encoding="utf-8")
