"""The checked (typed, resolved) tree the checker produces and the lowering consumes.

Every name is resolved to a :class:`Binder` (compared by identity), every call to
what it calls, every operator to its operand type, and every Int-to-Float widening is
an explicit :class:`Widen`. A where-bound closure appears once per distinct
argument-type signature it is used with, as a :class:`FunctionInstance` named
uniquely in the module. What is left for the lowering: unique local names, captures
(lambda lifting) and fused loops.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Literal, TypeAlias, final

from .hosts import HostFunction
from .source import Span
from .types import BOOL, ERROR, FLOAT, INT, Scalar, Type

__all__ = [
    "AllOf",
    "AnyOf",
    "Arith",
    "ArithOp",
    "Binder",
    "CallFunction",
    "CallHost",
    "CallMath",
    "Compare",
    "CompareOp",
    "Cond",
    "Count",
    "Expr",
    "FilterOf",
    "FunctionInstance",
    "Inline",
    "Invalid",
    "Let",
    "Literal_",
    "Logic",
    "MapOf",
    "MathName",
    "Named",
    "Neg",
    "Not",
    "Pipeline",
    "Reduce",
    "StageFn",
    "Sum",
    "Terminal",
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

    value: int | float | bool
    type: Scalar
    span: Span


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
    """Both operands have ``operand_type`` already; the result is Bool."""

    op: CompareOp
    left: Expr
    right: Expr
    operand_type: Scalar
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


# --------------------------------------------------------------------------- range chains


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


Terminal: TypeAlias = Reduce | Sum | Count | AnyOf | AllOf


@final
@dataclass(frozen=True, slots=True)
class Pipeline:
    """``range(start, end)`` then ``stages`` then ``terminal``: one fused loop."""

    start: Expr
    end: Expr
    stages: tuple[MapOf | FilterOf, ...]
    terminal: Terminal
    span: Span

    @property
    def type(self) -> Type:
        return self.terminal.type


Expr: TypeAlias = (
    Literal_
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
