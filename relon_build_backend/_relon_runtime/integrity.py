"""Is this file the one the rule was compiled from? Resource lookup and staleness checks.

Every problem is a :class:`~.errors.RelonLoadError` that says to rebuild: a missing or
zipped artifact, an ABI version this loader does not speak, a library compiled from
another version of the rule, or (editable installs) an input of the build changed since:
the ``.relon``, the host shim it co-compiled with (or a nearer one that appeared), the
``[tool.relon]`` table, or the backend that built it (:class:`EditableInputs`).
"""

from __future__ import annotations

import importlib
import os
import sys

from .abi import ABI_VERSION, TYPE_CHECKING, RuleSpec, _Record, source_hash
from .errors import REBUILD, RelonLoadError

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path
    from typing import Any

# An installed wheel's loader touches only resource() and check_library(): plain os.path
# strings, so that importing a rule pulls in no pathlib (docs/performance.md). Editable
# checks import pathlib when they run.

__all__ = [
    "EditableInputs",
    "check_inputs",
    "check_library",
    "resource",
    "settings_hash",
    "text_hash",
    "tree_hash",
]


class EditableInputs(_Record):
    """What an in-place (editable) build of one rule read, checked when it is imported.

    Paths are POSIX, relative to the folder of the rule's ``.relon``.
    """

    __slots__ = _fields = ("files", "settings", "backend")
    #: (path, :func:`text_hash` of it), or (path, None): a file that must not exist (a
    #: nearer host_shim.rs would replace the one the rule was compiled with)
    files: tuple[tuple[str, int | None], ...]
    #: (path of pyproject.toml, :func:`settings_hash` of its ``[tool.relon]``), if any
    settings: tuple[str, int] | None
    #: (folder, version, :func:`tree_hash`) of the relon-build-backend that built it
    backend: tuple[str, str, int] | None

    def __init__(
        self,
        files: tuple[tuple[str, int | None], ...],
        settings: tuple[str, int] | None,
        backend: tuple[str, str, int] | None,
    ) -> None:
        self._set(files=files, settings=settings, backend=backend)


def text_hash(text: str) -> int:
    """:func:`~.abi.source_hash` of ``text`` with universal newlines (how it was read)."""
    return source_hash(text.replace("\r\n", "\n").replace("\r", "\n"))


def settings_hash(table: Mapping[str, object]) -> int:
    """A hash of a ``[tool.relon]`` table that ignores formatting, order and comments."""
    import json

    canonical = json.dumps(table, sort_keys=True, separators=(",", ":"), default=str)
    return source_hash(canonical)


_TREE_SUFFIXES = (".py", ".rs", ".c")
_TREES: dict[Path, int] = {}


def tree_hash(folder: Path) -> int:
    """A hash of the source files under ``folder`` (the backend: a new version, or an
    edited checkout, hashes differently). Computed once per folder and process."""
    if folder not in _TREES:
        import hashlib

        digest = hashlib.sha256()
        files = sorted(
            p
            for p in folder.rglob("*")
            if p.suffix in _TREE_SUFFIXES and "__pycache__" not in p.parts and p.is_file()
        )
        for path in files:
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        _TREES[folder] = int.from_bytes(digest.digest()[:8], "big", signed=True)
    return _TREES[folder]


def check_inputs(spec: RuleSpec, inputs: EditableInputs) -> None:
    """Editable installs: refuse to load when anything the build read has changed."""
    from pathlib import Path

    folder = Path(_rule_folder(spec))
    for name, expected in inputs.files:
        path = Path(os.path.normpath(folder / name))  # no "rules/../" in messages
        if expected is None:
            if path.exists():
                raise RelonLoadError(f"{path} appeared since {spec.module} was compiled; {REBUILD}")
        elif not path.is_file():
            raise RelonLoadError(f"{path} is missing; {REBUILD}")
        elif not _same_text(path, expected):
            raise RelonLoadError(f"{path} changed since it was compiled; {REBUILD}")
    if inputs.settings is not None:
        _check_settings(Path(os.path.normpath(folder / inputs.settings[0])), inputs.settings[1])
    if inputs.backend is not None:
        _check_backend(*inputs.backend)


def _same_text(path: Path, expected: int) -> bool:
    raw = path.read_bytes().decode("utf-8", errors="replace")
    # the build read it with universal newlines; a hash of the raw text is accepted too
    return expected in (text_hash(raw), source_hash(raw))


def _rule_folder(spec: RuleSpec) -> str:
    return _package_folder(spec.module.rpartition(".")[0] or spec.module)


def _package_folder(package: str) -> str:
    """The folder of the (imported) package ``package``, which must be on disk.

    From the module's ``__path__``, not importlib.resources: that costs every rule
    module's import several milliseconds for the same answer."""
    module = sys.modules.get(package) or importlib.import_module(package)
    locations = list(getattr(module, "__path__", None) or ())
    folder = str(locations[0]) if locations else None
    if folder is None or not os.path.isdir(folder):  # noqa: PTH112 (see the top)
        raise RelonLoadError(f"{package} is not a folder on disk; install the package unzipped")
    return folder


def _check_settings(path: Path, expected: int) -> None:
    toml = _toml_parser()
    if toml is None:  # Python 3.10 without tomli: the one input left unchecked
        return
    try:
        document = toml.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, toml.TOMLDecodeError):
        document = None
    tool = document.get("tool", {}) if isinstance(document, dict) else None
    table = tool.get("relon", {}) if isinstance(tool, dict) else None
    if not isinstance(table, dict) or settings_hash(table) != expected:
        raise RelonLoadError(f"[tool.relon] in {path} changed since it was compiled; {REBUILD}")


def _toml_parser() -> Any:
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib
    try:  # optional, like wasmtime: reached through importlib (stdlib imports only)
        return importlib.import_module("tomli")
    except ImportError:
        return None


def _check_backend(folder: str, version: str, expected: int) -> None:
    from pathlib import Path

    where = Path(folder)
    # An isolated build's backend is gone with its build environment: nothing to compare.
    if where.is_dir() and tree_hash(where) != expected:
        raise RelonLoadError(
            f"relon-build-backend at {where} is no longer the {version} that compiled this "
            f"package; {REBUILD}"
        )


def resource(package: str, name: str) -> str:
    """The path of the file ``name`` of ``package`` on disk."""
    path = os.path.join(_package_folder(package), name)  # noqa: PTH118
    if not os.path.isfile(path):  # noqa: PTH113
        raise RelonLoadError(f"{path} is missing; {REBUILD}")
    return path


def check_library(what: str, version: int, compiled_hash: int, spec: RuleSpec) -> None:
    """``what`` (a library or .wasm asset) must speak our ABI and hold ``spec``'s rule."""
    if version != ABI_VERSION:
        raise RelonLoadError(
            f"{what} has entry ABI version {version}, this loader needs {ABI_VERSION}; {REBUILD}"
        )
    if compiled_hash != spec.source_hash:
        raise RelonLoadError(
            f"{what} was compiled from another version of {spec.module}; {REBUILD}"
        )
