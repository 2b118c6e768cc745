"""What an in-place (editable) build read, for the loader to check at import time.

An editable install runs the tree's loaders, so a rule whose inputs changed after the
build must refuse to load rather than run stale code: its ``.relon``, the host shim it
was co-compiled with (and the nearer ``host_shim.rs`` that would now replace it), the
``[tool.relon]`` table, and the backend that built it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from .._relon_runtime.integrity import EditableInputs, settings_hash, text_hash
from ..compiler import shim_candidates
from ..version import BACKEND_DIR, backend_fingerprint, backend_version

__all__ = ["editable_inputs"]


def editable_inputs(
    relon_file: Path,
    shim: Path | None,
    package_dir: Path,
    pyproject: Path,
    settings: Mapping[str, object],
) -> EditableInputs:
    """The inputs of the rule in ``relon_file`` of top-level package ``package_dir``,
    co-compiled with ``shim`` (None: it calls no host function), under the project whose
    ``pyproject`` holds the ``[tool.relon]`` table ``settings``."""
    folder = relon_file.parent
    files: list[tuple[str, int | None]] = [(relon_file.name, _hash_of(relon_file))]
    if shim is not None:
        for candidate in shim_candidates(relon_file, package_dir):
            if candidate == shim:
                files.append((_relative(shim, folder), _hash_of(shim)))
                break
            files.append((_relative(candidate, folder), None))
    recorded = (_relative(pyproject, folder), settings_hash(settings))
    backend = (str(BACKEND_DIR), backend_version(), backend_fingerprint())
    return EditableInputs(
        files=tuple(files),
        settings=recorded if pyproject.is_file() else None,
        backend=backend,
    )


def _hash_of(path: Path) -> int:
    return text_hash(path.read_text(encoding="utf-8"))


def _relative(path: Path, folder: Path) -> str:
    return Path(os.path.relpath(path, folder)).as_posix()
