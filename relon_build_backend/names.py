"""Unique names: one rule for the front end's function names and lowering's locals."""

from __future__ import annotations

__all__ = ["unique_name"]


def unique_name(base: str, used: set[str]) -> str:
    """``base``, else ``base_2``, ``base_3``... : the first not in ``used``, then added."""
    name, n = base, 1
    while name in used:
        n += 1
        name = f"{base}_{n}"
    used.add(name)
    return name
