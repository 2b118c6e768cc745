"""The one place a user-fixable error becomes ``relon-build: error: ...`` and exit status 1.

Used by the PEP 517 hooks and by the ``build_relon`` command (which also runs under a
plain ``setup.py build``); nothing deeper catches :class:`RelonBuildError`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from ..errors import RelonBuildError

__all__ = ["ERROR_PREFIX", "reported_errors"]

ERROR_PREFIX = "relon-build: error: "


@contextmanager
def reported_errors() -> Iterator[None]:
    """Turn a :class:`RelonBuildError` into its message on stderr and ``SystemExit(1)``.

    ``from None``: a package author needs our message, not our traceback; pip and
    build print the hook's stderr and stop on the non-zero exit.
    """
    try:
        yield
    except RelonBuildError as exc:
        sys.stderr.write(f"{ERROR_PREFIX}{exc}\n")
        sys.stderr.flush()
        raise SystemExit(1) from None
