"""Relon IR: a typed, target-independent, tree-shaped intermediate form.

One :class:`IrModule` per ``.relon`` file. The lowering (``lower/``) produces it from
the checked AST; codegen (``codegen/``) turns it into LLVM IR; the printer
(``ir/printer.py``) gives its text form (``relon-build ir``).

Design rules, each chosen so codegen stays a plain tree walk:

- **Expressions only.** Every node is an expression with a result :class:`IrType`
  (``node.type``). Control flow is :class:`If`, :class:`And`/:class:`Or`
  (short-circuit) and :class:`Loop`.
- **Everything explicit.** Int/Float widening is an :class:`IntToFloat` node; each
  operator names its operand type (``INT_ADD`` is checked, ``FLOAT_ADD`` is IEEE);
  closures are lambda-lifted into :class:`Function`\\ s whose first parameters are the
  captured values, and every :class:`Call` passes captures explicitly. Codegen never
  sees closures, scopes or names it has to resolve beyond :class:`Local`.
- **Names are unique per function**: the lowering renames so a :class:`Local` refers to
  exactly one binder (a function parameter, a :class:`Let`, or a loop/stage variable).
- **Errors** are the statuses of ``ErrorKind``; any node may fail, and a failure
  leaves the whole entry with that status (codegen: status return, never a trap).
- **Steps**: one step is charged per :class:`Loop` iteration (drain iterations
  included) and per :class:`Call` / :class:`HostCall`, *before* the callee runs (for a
  host call: after its capability check, before its arguments). When the budget is
  exhausted the entry fails with ``StepLimitExceeded``.
- **Recursion depth**: each :class:`Call` increments a depth counter; past
  ``MAX_CALL_DEPTH`` the entry fails with ``RecursionLimitExceeded`` (so deep recursion
  can never overflow the native or wasm stack).
- **Memory**: values are allocated from the call's arena; past the call's memory limit
  the entry fails with ``ValueTooLarge``. Like ``StepLimitExceeded``, both are raised at
  once, even inside a loop holding a pending error.

Every node carries the :class:`~relon_build_backend.frontend.source.Span` it came from.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TypeAlias

from .._relon_runtime.abi import MAX_CALL_DEPTH
from .._relon_runtime.abi import Status as ErrorKind
from ..frontend.hosts import Capability
from ..frontend.source import Span
from ..stdlib import ListOp, MathOp, StringOp

__all__ = [
    "MAX_CALL_DEPTH",
    "AllTerminal",
    "And",
    "AnyTerminal",
    "BinOp",
    "Binary",
    "Call",
    "CollectTerminal",
    "Concat",
    "Const",
    "CountTerminal",
    "ErrorKind",
    "Expect",
    "Expr",
    "FilterStage",
    "Function",
    "HostCall",
    "HostImport",
    "If",
    "IntToFloat",
    "IrModule",
    "IrType",
    "Let",
    "ListCall",
    "ListLiteral",
    "ListOp",
    "ListSource",
    "Local",
    "Loop",
    "MakeTuple",
    "MapStage",
    "MathCall",
    "MathOp",
    "Not",
    "Or",
    "Param",
    "RangeSource",
    "ReduceTerminal",
    "Source",
    "Stage",
    "StrCall",
    "StringOp",
    "SumTerminal",
    "Terminal",
    "ToText",
    "TupleType",
    "UnOp",
    "Unary",
]


class IrType(enum.Enum):
    """Value types. Strings and lists are immutable (pointer, length) values."""

    INT = "int"  # i64
    FLOAT = "float"  # IEEE binary64
    BOOL = "bool"
    STRING = "string"  # UTF-8 bytes (always valid UTF-8)
    LIST_INT = "list<int>"
    LIST_FLOAT = "list<float>"
    LIST_BOOL = "list<bool>"
    LIST_STRING = "list<string>"

    @property
    def is_list(self) -> bool:
        return self in _ELEMENT

    @property
    def element(self) -> IrType:
        """The element type of a list type."""
        return _ELEMENT[self]

    @staticmethod
    def list_of(element: IrType) -> IrType:
        """The list type whose elements are ``element`` (a scalar or STRING)."""
        return next(t for t, e in _ELEMENT.items() if e is element)


_ELEMENT: dict[IrType, IrType] = {
    IrType.LIST_INT: IrType.INT,
    IrType.LIST_FLOAT: IrType.FLOAT,
    IrType.LIST_BOOL: IrType.BOOL,
    IrType.LIST_STRING: IrType.STRING,
}


@dataclass(frozen=True, slots=True)
class TupleType:
    r"""A tuple of values; only ever the result type of the entry function.

    The lowering eliminates tuples everywhere else (a where-bound tuple becomes one
    :class:`Let` per element, ``t.0`` a :class:`Local`, and a tuple-valued :class:`If`
    becomes a :class:`MakeTuple` of per-element ``If``\ s on a shared condition).
    """

    elements: tuple[IrType, ...]


class UnOp(enum.Enum):
    INT_NEG = "int.neg"  # checked: -i64::MIN -> NumericOverflow
    FLOAT_NEG = "float.neg"  # flips the sign bit (also of 0.0 and NaN)


class BinOp(enum.Enum):
    """Binary operators, each for one operand type. Result type in the comment."""

    INT_ADD = "int.add"  # int; checked
    INT_SUB = "int.sub"  # int; checked
    INT_MUL = "int.mul"  # int; checked
    INT_DIV = "int.div"  # int; zero -> DivisionByZero first, MIN/-1 -> NumericOverflow; truncates
    INT_REM = "int.rem"  # int; same checks as INT_DIV; sign of dividend
    FLOAT_ADD = "float.add"  # float; IEEE
    FLOAT_SUB = "float.sub"
    FLOAT_MUL = "float.mul"
    FLOAT_DIV = "float.div"  # float; divisor == 0.0 or -0.0 -> DivisionByZero
    FLOAT_REM = "float.rem"  # float; fmod; divisor == +-0.0 -> DivisionByZero
    INT_EQ = "int.eq"  # bool
    INT_NE = "int.ne"
    INT_LT = "int.lt"
    INT_LE = "int.le"
    INT_GT = "int.gt"
    INT_GE = "int.ge"
    FLOAT_EQ = "float.eq"  # bool; NaN == NaN is true, -0.0 == 0.0 is true
    FLOAT_NE = "float.ne"  # bool; exactly !FLOAT_EQ
    FLOAT_LT = "float.lt"  # bool; false when either side is NaN (ordered compares)
    FLOAT_LE = "float.le"
    FLOAT_GT = "float.gt"
    FLOAT_GE = "float.ge"
    BOOL_EQ = "bool.eq"
    BOOL_NE = "bool.ne"
    STRING_EQ = "string.eq"  # bool; byte equality
    STRING_NE = "string.ne"
    STRING_LT = "string.lt"  # bool; byte (= code point) order
    STRING_LE = "string.le"
    STRING_GT = "string.gt"
    STRING_GE = "string.ge"
    LIST_INT_EQ = "list<int>.eq"  # bool; same length, elements equal as by their own ==
    LIST_INT_NE = "list<int>.ne"
    LIST_FLOAT_EQ = "list<float>.eq"
    LIST_FLOAT_NE = "list<float>.ne"
    LIST_BOOL_EQ = "list<bool>.eq"
    LIST_BOOL_NE = "list<bool>.ne"
    LIST_STRING_EQ = "list<string>.eq"
    LIST_STRING_NE = "list<string>.ne"


# --------------------------------------------------------------------------- expressions


@dataclass(frozen=True, slots=True)
class Const:
    """A literal: ``int`` for INT, ``float`` for FLOAT, ``bool`` for BOOL, ``str`` for
    STRING."""

    value: int | float | bool | str
    type: IrType
    span: Span


@dataclass(frozen=True, slots=True)
class Local:
    """Read a function parameter, :class:`Let` name, or loop/stage variable."""

    name: str
    type: IrType
    span: Span


@dataclass(frozen=True, slots=True)
class Let:
    """Evaluate ``value``, bind it to ``name`` (unique in the function), then ``body``."""

    name: str
    value: Expr
    body: Expr
    span: Span

    @property
    def type(self) -> IrType | TupleType:
        return self.body.type


@dataclass(frozen=True, slots=True)
class Unary:
    op: UnOp
    operand: Expr
    span: Span

    @property
    def type(self) -> IrType:
        ty = self.operand.type
        assert isinstance(ty, IrType), "negation of a tuple"
        return ty


@dataclass(frozen=True, slots=True)
class Not:
    """Boolean negation."""

    operand: Expr
    span: Span

    @property
    def type(self) -> IrType:
        return IrType.BOOL


@dataclass(frozen=True, slots=True)
class Binary:
    """``left op right``; both operands evaluated (left first) before the operation."""

    op: BinOp
    left: Expr
    right: Expr
    type: IrType
    span: Span


@dataclass(frozen=True, slots=True)
class IntToFloat:
    """Int widened to Float (round to nearest, like Rust ``as f64``)."""

    operand: Expr
    span: Span

    @property
    def type(self) -> IrType:
        return IrType.FLOAT


@dataclass(frozen=True, slots=True)
class And:
    """Short-circuit ``&&``: ``right`` is evaluated only when ``left`` is true."""

    left: Expr
    right: Expr
    span: Span

    @property
    def type(self) -> IrType:
        return IrType.BOOL


@dataclass(frozen=True, slots=True)
class Or:
    """Short-circuit ``||``: ``right`` is evaluated only when ``left`` is false."""

    left: Expr
    right: Expr
    span: Span

    @property
    def type(self) -> IrType:
        return IrType.BOOL


@dataclass(frozen=True, slots=True)
class If:
    """``condition ? then : otherwise``; exactly one branch is evaluated."""

    condition: Expr
    then: Expr
    otherwise: Expr
    type: IrType
    span: Span


@dataclass(frozen=True, slots=True)
class Call:
    """Call a :class:`Function` of this module by name (captures first, then arguments).

    Arguments are evaluated left to right, then one step is charged and the call depth
    checked, then the callee runs.
    """

    function: str
    args: tuple[Expr, ...]
    type: IrType
    span: Span


@dataclass(frozen=True, slots=True)
class HostCall:
    """Call host function ``name`` (a :class:`HostImport` of this module).

    Order: every capability of the import is checked against the caller's grant
    (missing -> CapabilityDenied), *then* one step is charged, *then* the arguments
    are evaluated left to right, then the host function runs (a panic -> HostPanic).
    """

    name: str
    args: tuple[Expr, ...]
    type: IrType
    span: Span


@dataclass(frozen=True, slots=True)
class MathCall:
    """A :class:`MathOp` applied to ``args`` (evaluated left to right)."""

    op: MathOp
    args: tuple[Expr, ...]
    type: IrType
    span: Span


@dataclass(frozen=True, slots=True)
class ToText:
    """The text of a scalar: Int in decimal, Float exactly like Rust's ``{}`` Display
    (shortest round-trip digits, plain decimal, ``1`` for 1.0, ``-0``, ``inf``, ``NaN``),
    Bool ``true``/``false``. A STRING operand is returned unchanged."""

    operand: Expr
    span: Span

    @property
    def type(self) -> IrType:
        return IrType.STRING


@dataclass(frozen=True, slots=True)
class Concat:
    """Concatenate STRING ``parts`` left to right (``+`` on strings, f-strings)."""

    parts: tuple[Expr, ...]
    span: Span

    @property
    def type(self) -> IrType:
        return IrType.STRING


@dataclass(frozen=True, slots=True)
class StrCall:
    """A :class:`StringOp` (one row of ``stdlib/strings.py``) applied to ``args``
    (evaluated left to right)."""

    op: StringOp
    args: tuple[Expr, ...]
    type: IrType
    span: Span


@dataclass(frozen=True, slots=True)
class ListLiteral:
    """``[e1, e2, ...]`` of list ``type`` (elements evaluated left to right)."""

    elements: tuple[Expr, ...]
    type: IrType
    span: Span


@dataclass(frozen=True, slots=True)
class ListCall:
    """A :class:`ListOp` applied to ``args`` (evaluated left to right)."""

    op: ListOp
    args: tuple[Expr, ...]
    type: IrType
    span: Span


@dataclass(frozen=True, slots=True)
class Expect:
    """A schema field's ``#expect`` check: ``condition``, else the call fails with
    ValidationError and the String ``message`` (evaluated only then, left in the note,
    docs/abi.md). Its value is true."""

    condition: Expr
    message: Expr
    span: Span

    @property
    def type(self) -> IrType:
        return IrType.BOOL


@dataclass(frozen=True, slots=True)
class MakeTuple:
    """The entry's tuple result; appears only as (the tail of) the entry body."""

    elements: tuple[Expr, ...]
    span: Span

    @property
    def type(self) -> TupleType:
        return TupleType(tuple(e.type for e in self.elements))  # type: ignore[misc]


# --------------------------------------------------------------------------- fused loops


@dataclass(frozen=True, slots=True)
class RangeSource:
    """The integers ``start, start+1, ..., end-1`` (empty when ``end <= start``).

    ``range(n)`` lowers to ``start = Const(0)``. ``start`` is evaluated before ``end``.
    """

    start: Expr
    end: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class MapStage:
    """Bind the current element to ``var``, replace it with ``value``."""

    var: str
    var_type: IrType
    value: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class FilterStage:
    """Bind the current element to ``var``; drop it unless ``condition`` is true."""

    var: str
    var_type: IrType
    condition: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class ListSource:
    """The elements of a list value, in order (``list`` is evaluated once, first)."""

    list: Expr
    span: Span


Source: TypeAlias = RangeSource | ListSource

Stage: TypeAlias = MapStage | FilterStage


@dataclass(frozen=True, slots=True)
class ReduceTerminal:
    """``acc := init``; for each element ``var``: ``acc := update``; result ``acc``."""

    acc: str
    var: str
    var_type: IrType
    init: Expr
    update: Expr
    type: IrType
    span: Span


@dataclass(frozen=True, slots=True)
class SumTerminal:
    """Checked sum of the elements (INT: NumericOverflow on the first bad partial sum;
    FLOAT: IEEE, left to right); 0 / 0.0 when empty."""

    type: IrType
    span: Span


@dataclass(frozen=True, slots=True)
class CountTerminal:
    """Number of elements reaching the terminal (``len``); INT."""

    span: Span

    @property
    def type(self) -> IrType:
        return IrType.INT


@dataclass(frozen=True, slots=True)
class AnyTerminal:
    """True when ``condition`` holds for some element (``var``); false when empty."""

    var: str
    var_type: IrType
    condition: Expr
    span: Span

    @property
    def type(self) -> IrType:
        return IrType.BOOL


@dataclass(frozen=True, slots=True)
class AllTerminal:
    """True when ``condition`` holds for every element (``var``); true when empty."""

    var: str
    var_type: IrType
    condition: Expr
    span: Span

    @property
    def type(self) -> IrType:
        return IrType.BOOL


@dataclass(frozen=True, slots=True)
class CollectTerminal:
    """Materialize the elements reaching the terminal as a list of ``type`` (a map or
    filter chain used as a value, a comprehension)."""

    type: IrType
    span: Span


Terminal: TypeAlias = (
    ReduceTerminal | SumTerminal | CountTerminal | AnyTerminal | AllTerminal | CollectTerminal
)


@dataclass(frozen=True, slots=True)
class Loop:
    """A fused pipeline: ``source`` -> ``stages`` in order -> ``terminal``. No list exists.

    **Semantics are those of the unfused chain** (each stage over the whole sequence
    before the next), which fusion must preserve exactly, errors included:

    1. the source bounds are evaluated (start, then end); then ``terminal.init`` for a
       reduce. Then, per element, the stages run in order, then the terminal.
    2. If stage ``k`` (the terminal, or ``init``, counts as the last stage) fails at
       element ``i``, the error is *pending*: the loop continues over the elements after
       ``i`` ("drain") running only stages ``0..k-1``. If one of those fails, its error
       becomes the pending error and the drain continues with even fewer stages. After
       the last element the pending error is raised. (Only the resource errors,
       ``StepLimitExceeded``, ``RecursionLimitExceeded`` and ``ValueTooLarge``, are
       raised at once.) A failing ``init`` drains all stages from the first element.
    3. ``any``/``all`` decided early (a true/false condition) likewise drain the stages
       before the terminal over the remaining elements, raising a stage error if one
       occurs, else returning the decided value. With no stages the loop just stops.
    4. One step is charged per iteration of the loop, draining ones included. (Codegen
       may check the budget once before the loop when it covers every step the loop can
       charge, ``codegen/loops.py``; the step that fails is always the same.)
    """

    source: Source
    stages: tuple[Stage, ...]
    terminal: Terminal
    span: Span

    @property
    def type(self) -> IrType:
        return self.terminal.type


Expr: TypeAlias = (
    Const
    | Local
    | Let
    | Unary
    | Not
    | Binary
    | IntToFloat
    | And
    | Or
    | If
    | Call
    | HostCall
    | MathCall
    | Loop
    | ToText
    | Concat
    | StrCall
    | ListLiteral
    | ListCall
    | Expect
    | MakeTuple
)

# --------------------------------------------------------------------------- module level


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    type: IrType


@dataclass(frozen=True, slots=True)
class Function:
    """A lifted closure (or the entry body). ``params`` = captures, then declared params."""

    name: str
    params: tuple[Param, ...]
    result: IrType | TupleType  # TupleType only for the entry
    body: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class HostImport:
    """A host function this module calls: its signature and required capabilities."""

    name: str
    params: tuple[IrType, ...]
    result: IrType
    capabilities: tuple[Capability, ...]  # in CAPABILITIES order; empty = pure
    span: Span


@dataclass(frozen=True, slots=True)
class IrModule:
    """One rule. ``entry`` is the ``#main`` body with the ``#main`` parameters (in
    declaration order, named as written) as its parameters."""

    name: str  # the rule name: the file stem, e.g. "quote"
    entry: Function
    functions: tuple[Function, ...]  # lifted closures, in definition order
    host_imports: tuple[HostImport, ...]  # sorted by name
    span: Span
