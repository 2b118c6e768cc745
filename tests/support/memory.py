"""Resident-memory measurement for leak tests (Linux ``/proc/self/statm``, else ``resource``).

Usage from another test package whose parent folder is on ``sys.path`` (pytest's
rootdir-relative imports: ``tests/`` has no ``__init__.py``, so this is ``loader.memory``)::

    from support.memory import rss_growth

    assert rss_growth(100_000, lambda i: rule.main("ab", [i])) < 4 * 1024 * 1024
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

__all__ = ["resident_bytes", "rss_growth"]


def resident_bytes() -> int:
    """Resident set size of this process now (Linux), or its peak (elsewhere)."""
    statm = Path("/proc/self/statm")
    if statm.exists():
        return int(statm.read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # bytes on macOS, KiB elsewhere


def rss_growth(calls: int, call: Callable[[int], object], *, warmup: int | None = None) -> int:
    """Bytes the resident set grew by over ``calls`` calls of ``call(i)``.

    A warm-up (default: a tenth of ``calls``) first fills allocator pools and caches, so
    only growth that keeps going is counted: a leak of ``n`` bytes a call shows as at
    least ``n * calls`` bytes.
    """
    for i in range(calls // 10 if warmup is None else warmup):
        call(i)
    before = resident_bytes()
    for i in range(calls):
        call(i)
    return resident_bytes() - before
