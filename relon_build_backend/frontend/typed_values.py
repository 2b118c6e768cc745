"""The checked-tree nodes of strings, lists and tuples (re-exported by ``typed``).

Kept apart only for size: they are members of :data:`~.typed.Expr` like every other
checked node, and are documented with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypeAlias, final

from ..stdlib import StringOp
from .source import Span
from .types import STRING, ListType, TupleOf, Type

if TYPE_CHECKING:
    from .typed import Expr

__all__ = [
    "Concat",
    "ListCall",
    "ListLiteral",
    "ListName",
    "MakeTuple",
    "StrCall",
    "ToText",
    "TupleField",
]


@final
@dataclass(frozen=True, slots=True)
class ToText:
    """The text of an Int, Float or Bool operand (``String + x``, f-strings)."""

    operand: Expr
    span: Span

    @property
    def type(self) -> Type:
        return STRING


@final
@dataclass(frozen=True, slots=True)
class Concat:
    """String ``parts`` joined left to right (each part is a String already)."""

    parts: tuple[Expr, ...]
    span: Span

    @property
    def type(self) -> Type:
        return STRING


@final
@dataclass(frozen=True, slots=True)
class StrCall:
    """A string operation (a row of ``stdlib/strings.py``); the subject is ``args[0]``
    (for ``join``: the List<String>)."""

    op: StringOp
    args: tuple[Expr, ...]
    type: Type
    span: Span


@final
@dataclass(frozen=True, slots=True)
class ListLiteral:
    """``[e1, e2]``; every element has the element type of ``type`` already."""

    elements: tuple[Expr, ...]
    type: ListType
    span: Span


ListName: TypeAlias = Literal[
    "len", "index", "first", "last", "min", "max", "contains", "reverse", "sort", "unique",
    "concat",
]  # fmt: skip


@final
@dataclass(frozen=True, slots=True)
class ListCall:
    """A list function (``ListOp`` in ir/nodes.py) on the list ``args[0]``; the other
    arguments have their final types (a ``contains`` needle is the element type)."""

    name: ListName
    args: tuple[Expr, ...]
    type: Type
    span: Span


@final
@dataclass(frozen=True, slots=True)
class MakeTuple:
    """``(a, b)``: elements of value types; or a record (``record`` is its type, whose
    elements may be records too)."""

    elements: tuple[Expr, ...]
    span: Span
    record: TupleOf | None = None

    @property
    def type(self) -> Type:
        if self.record is not None:
            return self.record
        return TupleOf(tuple(e.type for e in self.elements))


@final
@dataclass(frozen=True, slots=True)
class TupleField:
    """``target.position`` of a tuple-typed ``target``."""

    target: Expr
    position: int
    type: Type
    span: Span
