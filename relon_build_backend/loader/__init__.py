"""Stage 6: per-rule loader modules and the runtime they call.

The runtime is the private package ``relon_build_backend._relon_runtime``, copied
verbatim into each built package as ``<pkg>/_relon_runtime/`` (:func:`runtime_files`);
:func:`render_loader` writes one small module per rule that describes the rule to it.
Built wheels never import relon_build_backend.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path, PurePosixPath

from .. import _relon_runtime
from .generate import GENERATED_MARKER, RUNTIME_MODULE, render_loader

__all__ = [
    "RUNTIME_MODULE",
    "is_generated_loader",
    "render_loader",
    "runtime_files",
    "write_runtime",
]

#: A loader's docstring is short; reading this much of a file finds its end.
_HEAD_BYTES = 64 * 1024


def is_generated_loader(path: Path) -> bool:
    """Whether ``path`` is a loader module a build wrote (its docstring ends with the
    marker), as opposed to one the author wrote, which a build must never replace."""
    try:
        with path.open("rb") as file:
            head = file.read(_HEAD_BYTES)
    except OSError:
        return False
    return f'{GENERATED_MARKER}\n"""'.encode() in head


def runtime_files() -> dict[PurePosixPath, str]:
    """``_relon_runtime/<module>.py`` -> text, for every module a built package ships."""
    root = resources.files(_relon_runtime)
    return {
        PurePosixPath(RUNTIME_MODULE, item.name): item.read_text(encoding="utf-8")
        for item in sorted(root.iterdir(), key=lambda item: item.name)
        if item.name.endswith(".py")
    }


def write_runtime(package_dir: Path) -> None:
    """Write the runtime package into ``package_dir`` (a built package's folder)."""
    for name, text in runtime_files().items():
        path = package_dir.joinpath(*name.parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
