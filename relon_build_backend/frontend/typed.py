"""The checked (typed, resolved) tree the checker produces and the lowering consumes.

Every name is resolved to a :class:`Binder` (compared by identity), every call to
what it calls, every operator to its operand type, and every Int-to-Float widening is
an explicit :class:`Widen`. A where-bound closure appears once per distinct
argument-type signature it is used with, as a :class:`FunctionInstance` named
uniquely in the module. What is left for the lowering: unique local names, captures
(lambda lifting), fused loops and eliminating tuples (a tuple-typed expression is
only ever a :class:`MakeTuple`, a :class:`Var`, a :class:`Let` around one, or a
:class:`Cond` of them: the checker keeps tuples out of closures, lists and chains).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Literal, TypeAlias, final

from ..stdlib import StringOp
from .hosts import HostFunction
from .source import Span
from .types import BOOL, ERROR, FLOAT, INT, STRING, EnumType, ListType, Scalar, TupleOf, Type

__all__ = [
    "AllOf",
    "AnyOf",
    "Arith",
    "ArithOp",
    "Binder",
    "CallFunction",
    "CallHost",
    "CallMath",
    "Collect",
    "Compare",
    "CompareOp",
    "Concat",
    "Cond",
    "Count",
    "EnumValue",
    "Expr",
    "FilterOf",
    "FunctionInstance",
    "Inline",
    "Invalid",
    "Let",
    "ListCall",
    "ListLiteral",
    "ListName",
    "ListOf",
    "Literal_",
    "Logic",
    "MakeTuple",
    "MapOf",
    "MathName",
    "Named",
    "Neg",
    "Not",
    "Pipeline",
    "RangeOf",
    "Reduce",
    "Source",
    "StageFn",
    "StrCall",
    "Sum",
    "Terminal",
    "ToText",
    "TupleField",
    "Validate",
    "Var",
    "Widen",
]

_binder_ids = itertools.count()


@final
@dataclass(frozen=True, slots=True, eq=False)
class Binder:
    """One binding occurrence: a parameter, a where value or a closure/stage parameter.

    ``order`` is a creation counter: captures are ordered by it, so output is stable.
    """

    name: str
    type: Type
    span: Span
    order: int = field(default_factory=lambda: next(_binder_ids))


@final
@dataclass(frozen=True, slots=True)
class Literal_:
    """A constant (``Literal`` would shadow :data:`typing.Literal`)."""

    value: int | float | bool | str
    type: Scalar
    span: Span


@final
@dataclass(frozen=True, slots=True)
class EnumValue:
    """``Enum.Variant``: the variant's ``index`` in its ``#enum`` declaration."""

    index: int
    type: EnumType
    span: Span


@final
@dataclass(frozen=True, slots=True)
class Validate:
    """``#expect`` at the entry: ``condition`` (Bool) must hold, else the call fails
    with ValidationError and the String ``message`` (evaluated only then); then ``body``."""

    condition: Expr
    message: Expr
    body: Expr
    span: Span

    @property
    def type(self) -> Type:
        return self.body.type


@final
@dataclass(frozen=True, slots=True)
class Invalid:
    """Stands for an expression that has a diagnostic; never reaches the lowering."""

    span: Span

    @property
    def type(self) -> Type:
        return ERROR


@final
@dataclass(frozen=True, slots=True)
class Var:
    binder: Binder
    span: Span

    @property
    def type(self) -> Type:
        return self.binder.type


@final
@dataclass(frozen=True, slots=True)
class Let:
    """``binder := value`` then ``body`` (a where value binding)."""

    binder: Binder
    value: Expr
    body: Expr
    span: Span

    @property
    def type(self) -> Type:
        return self.body.type


@final
@dataclass(frozen=True, slots=True)
class Neg:
    """Checked Int or IEEE Float negation; ``type`` is the operand type."""

    operand: Expr
    type: Scalar
    span: Span


@final
@dataclass(frozen=True, slots=True)
class Not:
    operand: Expr
    span: Span

    @property
    def type(self) -> Type:
        return BOOL


ArithOp: TypeAlias = Literal["+", "-", "*", "/", "%"]
CompareOp: TypeAlias = Literal["==", "!=", "<", "<=", ">", ">="]


@final
@dataclass(frozen=True, slots=True)
class Arith:
    """Both operands have ``type`` (Int or Float) already."""

    op: ArithOp
    left: Expr
    right: Expr
    type: Scalar
    span: Span


@final
@dataclass(frozen=True, slots=True)
class Compare:
    """Both operands have ``operand_type`` already (a list only for ``==``/``!=``); the
    result is Bool."""

    op: CompareOp
    left: Expr
    right: Expr
    operand_type: Scalar | ListType
    span: Span

    @property
    def type(self) -> Type:
        return BOOL


@final
@dataclass(frozen=True, slots=True)
class Widen:
    """Int to Float."""

    operand: Expr
    span: Span

    @property
    def type(self) -> Type:
        return FLOAT


@final
@dataclass(frozen=True, slots=True)
class Logic:
    """Short-circuit ``&&`` / ``||`` over Bool operands."""

    op: Literal["&&", "||"]
    left: Expr
    right: Expr
    span: Span

    @property
    def type(self) -> Type:
        return BOOL


@final
@dataclass(frozen=True, slots=True)
class Cond:
    condition: Expr
    then: Expr
    otherwise: Expr
    type: Type
    span: Span


@final
@dataclass(frozen=True, slots=True)
class CallFunction:
    """Call the :class:`FunctionInstance` named ``function`` (captures are added later)."""

    function: str
    args: tuple[Expr, ...]
    type: Type
    span: Span


@final
@dataclass(frozen=True, slots=True)
class CallHost:
    host: HostFunction
    args: tuple[Expr, ...]
    type: Type
    span: Span


MathName: TypeAlias = Literal["abs", "min", "max", "clamp", "floor", "ceil", "round", "sqrt", "pow"]


@final
@dataclass(frozen=True, slots=True)
class CallMath:
    """A math function over arguments that all have ``operand_type`` already."""

    name: MathName
    args: tuple[Expr, ...]
    operand_type: Scalar
    span: Span

    @property
    def type(self) -> Type:
        return self.operand_type


# Strings, lists and tuples.


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


# Fused chains: a Pipeline is a source (a range or a list value), map/filter stages and
# one terminal; the lowering makes it one fused loop.


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


Expr: TypeAlias = (
    Literal_
    | EnumValue
    | Validate
    | Invalid
    | Var
    | Let
    | Neg
    | Not
    | Arith
    | Compare
    | Widen
    | Logic
    | Cond
    | CallFunction
    | CallHost
    | CallMath
    | Pipeline
    | ToText
    | Concat
    | StrCall
    | ListLiteral
    | ListCall
    | MakeTuple
    | TupleField
)


@final
@dataclass(frozen=True, slots=True)
class FunctionInstance:
    """A where-bound closure at one argument-type signature (module-unique ``name``)."""

    name: str
    params: tuple[Binder, ...]
    result: Type
    body: Expr
    span: Span
