"""Exhaustive tree walks: every ``match`` over a node union ends in :func:`unreachable`.

After a ``match`` whose cases all return, mypy narrows the subject to ``Never``; a
node type the walk forgot stays in the type and makes the call to
:func:`unreachable` a type error. (``typing.assert_never`` is Python 3.11+.)
"""

from __future__ import annotations

from typing import NoReturn

__all__ = ["unreachable"]


def unreachable(value: NoReturn) -> NoReturn:
    """Mark a point no value reaches; at run time, our bug."""
    raise AssertionError(f"unhandled node {value!r}")
