"""Atomic outputs: a linker writes a temp file next to the output, then it is renamed.

A failed link leaves nothing behind, and a reader never sees half a library.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_output"]


@contextlib.contextmanager
def atomic_output(output: Path) -> Iterator[Path]:
    """Yield a temp path in ``output``'s folder; on success it replaces ``output``."""
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".tmp", dir=output.parent)
    os.close(fd)
    temp = Path(name)
    try:
        yield temp
        # Like any file a build writes: not executable-only, readable by all.
        temp.chmod(0o644)
        temp.replace(output)
    finally:
        temp.unlink(missing_ok=True)
