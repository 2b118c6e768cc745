"""Run one worker on many threads at once: the thread-safety tests of e2e, loader and
the stress script.

Each test keeps its own list of failures and asserts it is empty afterwards: a worker
that raised would only print a warning on its thread, so workers record, not assert.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable


def on_threads(worker: Callable[[int], object], seeds: Iterable[int]) -> None:
    """``worker(seed)`` for every seed, each on its own thread, all started before any
    is waited for (so that they run at the same time); returns when all have ended."""
    threads = [threading.Thread(target=worker, args=(seed,)) for seed in seeds]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
