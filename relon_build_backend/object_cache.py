"""The persistent cache of compiled objects: an unchanged rule is never compiled twice.

An entry is the object code of one rule for one target (or of the runtime crate
optimised for one library), keyed by a hash of everything that decides its bytes: the
rule's text and module name, the host functions it may call and the shim they come
from, the target, the options, and the tools (this backend's own sources, llvmlite's
LLVM, rustc). Never a path: two checkouts of one project share their entries.

Entries live in ``$RELON_CACHE/objects`` (default ``~/.cache/relon-build-backend``;
``RELON_CACHE=0`` turns the cache off). Concurrent builds are safe: an entry is written
to a temporary file and renamed into place, and read back only if its checksum holds,
so a reader never trusts half an entry. The cache only saves time; a folder that cannot
be written is not an error. It is pruned to :data:`KEEP_BYTES`, least recently used first.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["KEEP_BYTES", "CachedObject", "ObjectCache", "cache_key", "cache_root"]

log = logging.getLogger(__name__)

#: Bumped when the entry layout or the meaning of a key changes.
_FORMAT = 1
#: What pruning leaves: enough for many projects' worth of rules.
KEEP_BYTES = 512 << 20


def cache_root(
    env: Mapping[str, str] | None = None, *, variable: str = "RELON_CACHE"
) -> Path | None:
    """The backend's cache folder: ``$variable`` if set (``0``: off, then ``None``), else
    ``$RELON_CACHE`` likewise, else ``~/.cache/relon-build-backend``."""
    env = os.environ if env is None else env
    explicit = env.get(variable, "")
    if explicit == "0":
        return None
    if explicit:
        return Path(explicit).expanduser()
    if variable != "RELON_CACHE":
        return cache_root(env)
    base = env.get("XDG_CACHE_HOME") or str(Path(env.get("HOME", "~")).expanduser() / ".cache")
    return Path(base) / "relon-build-backend"


def cache_key(facts: Mapping[str, object]) -> str:
    """The key of an entry: a hash of ``facts`` (JSON data), whatever their order."""
    text = json.dumps({"format": _FORMAT, **facts}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class CachedObject:
    """An object file and the runtime crate functions it calls."""

    object: bytes
    runtime_calls: tuple[str, ...] = ()


class ObjectCache:
    """Entries under ``folder`` (None: a cache that never hits and keeps nothing)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.hits = 0
        self.stored = 0

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None) -> ObjectCache:
        root = cache_root(env)
        return cls(None if root is None else root / "objects")

    def get(self, key: str) -> CachedObject | None:
        path = self._path(key)
        if path is None:
            return None
        try:
            data = path.read_bytes()
        except OSError:
            return None
        entry = _decode(data)
        if entry is None:
            log.debug("ignoring the damaged cache entry %s", path)
            return None
        self.hits += 1
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: pruned last
        return entry

    def put(self, key: str, entry: CachedObject) -> None:
        path = self._path(key)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
            with os.fdopen(fd, "wb") as file:
                file.write(_encode(entry))
            Path(name).replace(path)  # atomic: readers see the old entry or the new one
        except OSError as exc:
            log.debug("cannot cache an object in %s: %s", path.parent, exc)
            return
        self.stored += 1

    def prune(self, keep_bytes: int = KEEP_BYTES) -> None:
        """Delete the least recently used entries beyond ``keep_bytes`` in all."""
        if self.folder is None or not self.stored:
            return
        try:
            entries = [(p.stat(), p) for p in self.folder.glob("*/*.o")]
        except OSError:
            return
        entries.sort(key=lambda item: item[0].st_mtime, reverse=True)
        total = 0
        for stat, path in entries:
            total += stat.st_size
            if total > keep_bytes:
                path.unlink(missing_ok=True)

    def _path(self, key: str) -> Path | None:
        return None if self.folder is None else self.folder / key[:2] / f"{key}.o"


def _encode(entry: CachedObject) -> bytes:
    header = {"sha256": hashlib.sha256(entry.object).hexdigest(), "calls": entry.runtime_calls}
    return json.dumps(header).encode() + b"\n" + entry.object


def _decode(data: bytes) -> CachedObject | None:
    head, newline, body = data.partition(b"\n")
    try:
        header = json.loads(head)
        valid = newline and hashlib.sha256(body).hexdigest() == header["sha256"]
        calls = tuple(str(name) for name in header["calls"])
    except (ValueError, KeyError, TypeError):
        return None
    return CachedObject(body, calls) if valid else None
