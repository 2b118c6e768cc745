"""A compiler worker process: ``python -m relon_build_backend._worker``.

Reads one pickled ``(task, arguments)`` from stdin, runs ``task`` on each argument and
writes the pickled list of outcomes to stdout: ``(True, result)`` or ``(False, error)``.
A plain subprocess rather than :mod:`multiprocessing`: that would re-run the script of
whoever called the build (its ``__main__``), which need not guard against it.
"""

from __future__ import annotations

import pickle
import sys


def main() -> int:
    task, arguments = pickle.loads(sys.stdin.buffer.read())
    outcomes = []
    for argument in arguments:
        try:
            outcomes.append((True, task(argument)))
        except Exception as exc:
            outcomes.append((False, _portable(exc)))
    sys.stdout.buffer.write(pickle.dumps(outcomes))
    return 0


def _portable(exc: Exception) -> Exception:
    """``exc`` if it survives pickling, else a RuntimeError with its text."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


if __name__ == "__main__":
    sys.exit(main())
