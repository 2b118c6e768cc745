"""The checked-tree nodes of fused chains (re-exported by ``typed``).

A :class:`Pipeline` is a source (a range or a list value), ``map``/``filter`` stages and
one terminal; the lowering makes it one fused loop. Kept apart from ``typed`` only for
size: a Pipeline is a member of :data:`~.typed.Expr` like every other checked node.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias, final

from .source import Span
from .types import BOOL, INT, ListType, Type

if TYPE_CHECKING:
    from .typed import Binder, Expr

__all__ = [
    "AllOf",
    "AnyOf",
    "Collect",
    "Count",
    "FilterOf",
    "Inline",
    "ListOf",
    "MapOf",
    "Named",
    "Pipeline",
    "RangeOf",
    "Reduce",
    "Source",
    "StageFn",
    "Sum",
    "Terminal",
]


@final
@dataclass(frozen=True, slots=True)
class Inline:
    """An inline closure used as a stage function: its parameters bind the stage's
    values (the accumulator first for reduce). A parameter may be Float where the value
    is Int: the lowering widens."""

    params: tuple[Binder, ...]
    body: Expr
    span: Span


@final
@dataclass(frozen=True, slots=True)
class Named:
    """A where-bound closure used as a stage function: call ``function`` per element."""

    function: str
    params: tuple[Type, ...]
    result: Type
    span: Span


StageFn: TypeAlias = Inline | Named


@final
@dataclass(frozen=True, slots=True)
class MapOf:
    fn: StageFn
    element: Type  # the element type going in
    span: Span


@final
@dataclass(frozen=True, slots=True)
class FilterOf:
    fn: StageFn
    element: Type
    span: Span


@final
@dataclass(frozen=True, slots=True)
class Reduce:
    """``acc := init``; per element ``acc := fn(acc, x)`` (result widened to Float if
    ``widen_update``)."""

    init: Expr
    fn: StageFn
    element: Type
    type: Type
    widen_update: bool
    span: Span


@final
@dataclass(frozen=True, slots=True)
class Sum:
    type: Type
    span: Span


@final
@dataclass(frozen=True, slots=True)
class Count:
    span: Span

    @property
    def type(self) -> Type:
        return INT


@final
@dataclass(frozen=True, slots=True)
class AnyOf:
    fn: StageFn
    element: Type
    span: Span

    @property
    def type(self) -> Type:
        return BOOL


@final
@dataclass(frozen=True, slots=True)
class AllOf:
    fn: StageFn
    element: Type
    span: Span

    @property
    def type(self) -> Type:
        return BOOL


@final
@dataclass(frozen=True, slots=True)
class Collect:
    """The elements reaching the end of the chain, as a list of ``type``."""

    type: ListType
    span: Span


Terminal: TypeAlias = Reduce | Sum | Count | AnyOf | AllOf | Collect


@final
@dataclass(frozen=True, slots=True)
class RangeOf:
    """``range(start, end)`` (``range(n)`` has ``start`` 0)."""

    start: Expr
    end: Expr
    span: Span


@final
@dataclass(frozen=True, slots=True)
class ListOf:
    """The elements of the list value ``list``."""

    list: Expr
    span: Span


Source: TypeAlias = RangeOf | ListOf


@final
@dataclass(frozen=True, slots=True)
class Pipeline:
    """``source`` then ``stages`` then ``terminal``: one fused loop."""

    source: Source
    stages: tuple[MapOf | FilterOf, ...]
    terminal: Terminal
    span: Span

    @property
    def type(self) -> Type:
        return self.terminal.type
