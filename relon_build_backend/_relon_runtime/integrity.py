"""Is this file the one the rule was compiled from? Resource lookup and staleness checks.

Every problem is a :class:`~.errors.RelonLoadError` that says to rebuild: a missing or
zipped artifact, an ABI version this loader does not speak, a library compiled from
another version of the rule, or (editable installs) a ``.relon`` edited since.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from .abi import ABI_VERSION, RuleSpec, source_hash
from .errors import REBUILD, RelonLoadError

__all__ = ["check_library", "check_source", "resource"]


def resource(package: str, name: str) -> Path:
    """The file ``name`` of ``package`` on disk."""
    path = resources.files(package).joinpath(name)
    if not isinstance(path, Path):
        raise RelonLoadError(
            f"{package}/{name} is not a file on disk; install the package unzipped"
        )
    if not path.is_file():
        raise RelonLoadError(f"{path} is missing; {REBUILD}")
    return path


def check_source(spec: RuleSpec, file_name: str) -> None:
    """Editable installs: the ``.relon`` next to the module must be what was compiled."""
    path = resource(spec.module.rpartition(".")[0] or spec.module, file_name)
    raw = path.read_bytes().decode("utf-8", errors="replace")
    # the compiler may have read the text with universal newlines: accept either form
    for text in (raw, raw.replace("\r\n", "\n").replace("\r", "\n")):
        if source_hash(text) == spec.source_hash:
            return
    raise RelonLoadError(f"{path} changed since it was compiled; {REBUILD}")


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
