"""Lexical scopes of the checker: what a bare name means at one point of a file.

A name is a value (:class:`~.typed.Binder`: a ``#main`` parameter, a where value, a
closure or stage parameter) or a where-bound closure (:class:`ClosureDef`). Scopes are
immutable; entering a where block or a closure makes a child scope.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeAlias, final

from . import ast
from .typed import Binder

__all__ = ["ClosureDef", "Entry", "Scope", "suggest"]


@final
@dataclass(frozen=True, slots=True, eq=False)
class ClosureDef:
    """``name: (params) => body`` in a where block.

    ``scope`` is the scope the closure was defined in (earlier bindings and everything
    outside); the closure itself is added when its body is checked, so it may recurse.
    """

    name: str
    closure: ast.Closure
    scope: Scope


Entry: TypeAlias = Binder | ClosureDef


@final
@dataclass(frozen=True, slots=True)
class Scope:
    entries: Mapping[str, Entry] = field(default_factory=dict)
    parent: Scope | None = None

    def child(self, entries: Mapping[str, Entry]) -> Scope:
        return Scope(dict(entries), self)

    def lookup(self, name: str) -> Entry | None:
        scope: Scope | None = self
        while scope is not None:
            entry = scope.entries.get(name)
            if entry is not None:
                return entry
            scope = scope.parent
        return None

    def names(self) -> list[str]:
        """Every visible name, innermost first (for "did you mean")."""
        seen: dict[str, None] = {}
        scope: Scope | None = self
        while scope is not None:
            seen.update(dict.fromkeys(scope.entries))
            scope = scope.parent
        return list(seen)


def suggest(name: str, candidates: Iterable[str]) -> str | None:
    """``did you mean 'x'?`` for the closest candidate, or None."""
    close = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None
