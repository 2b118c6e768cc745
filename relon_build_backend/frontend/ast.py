"""The untyped syntax tree the parser produces and the checker consumes.

Every node is an immutable value carrying its :class:`~.source.Span`. Nodes compare
by identity (``eq=False``) so later stages can key side tables (types, resolutions)
by node. Dispatch over :data:`Expr` with ``match`` ending in ``assert_never``.

Desugaring done by the parser (so later stages never see it):

- a pipe ``x | f(a, b)`` becomes ``Call("f", (x, a, b))`` and ``x | f`` becomes
  ``Call("f", (x,))``; ``x | obj.m(a)`` is not supported.
- parentheses leave no node; ``(e,)`` and ``(a, b)`` are :class:`TupleLiteral`.
- ``-<number literal>`` stays a :class:`Unary` (``-9223372036854775808`` is therefore
  an out-of-range literal, exactly as in the reference implementation).

Documents (relon-subset.md "Documents"): ``#schema`` and ``#enum`` directives are
:class:`SchemaDecl` / :class:`EnumDecl` on the :class:`Module`; a ``{ ... }`` literal
is a :class:`Document`, ``&sibling.x`` / ``&root.a.b`` a :class:`Reference`,
``x.name`` (a schema field or ``Enum.Variant``) a :class:`NamedField` and
``e match { ... }`` a :class:`Match`.

Constructs outside the AOT subset (``?.``, spreads, named arguments, decorators) never
become nodes: the parser reports "not supported by the AOT compiler" at their location.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

from .source import Span

__all__ = [
    "Binary",
    "BinaryOp",
    "Binding",
    "BoolLiteral",
    "Call",
    "Closure",
    "Comprehension",
    "DocField",
    "Document",
    "EnumDecl",
    "Expr",
    "FStringLiteral",
    "FieldAccess",
    "FlagDirective",
    "FloatLiteral",
    "ImportDirective",
    "Index",
    "IntLiteral",
    "ListLiteral",
    "MainDirective",
    "Match",
    "MatchArm",
    "MethodCall",
    "Module",
    "Name",
    "NamedField",
    "NamedType",
    "Param",
    "Reference",
    "SchemaDecl",
    "SchemaField",
    "StringLiteral",
    "Ternary",
    "TupleLiteral",
    "TupleType",
    "TypeExpr",
    "Unary",
    "UnaryOp",
    "Where",
]

# --------------------------------------------------------------------------- types


@dataclass(frozen=True, slots=True, eq=False)
class NamedType:
    """``Int``, ``Float``, ``Bool``, ``String``, ``List<Int>``: a name and type arguments."""

    name: str
    args: tuple[TypeExpr, ...]
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class TupleType:
    """``(Int, String)``."""

    elements: tuple[TypeExpr, ...]
    span: Span


TypeExpr: TypeAlias = NamedType | TupleType

# --------------------------------------------------------------------------- expressions


@dataclass(frozen=True, slots=True, eq=False)
class IntLiteral:
    """``42``, ``0x2a``, ``0o52``, ``0b101010``; ``value`` already fits in i64."""

    value: int
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class FloatLiteral:
    """``1.5``, ``1e3``, ``Infinity``, ``NaN``."""

    value: float
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class BoolLiteral:
    value: bool
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class StringLiteral:
    """``"text\\n"`` or ``r"raw"``; ``value`` has escapes already decoded."""

    value: str
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class FStringLiteral:
    """``f"x=${x} y=${n * 2}"``: alternating text pieces and interpolated expressions.

    ``parts`` holds ``str`` (decoded literal text) and :data:`Expr` items in order.
    """

    parts: tuple[str | Expr, ...]
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class ListLiteral:
    """``[1, 2, 3]`` (possibly empty)."""

    elements: tuple[Expr, ...]
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class Comprehension:
    """``[element for var in iterable if condition]``."""

    element: Expr
    var: str
    var_span: Span
    iterable: Expr
    condition: Expr | None
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class TupleLiteral:
    """``(a, b)`` or ``(a,)``."""

    elements: tuple[Expr, ...]
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class Name:
    """A bare identifier: a ``#main`` parameter, a ``where`` binding, a closure parameter."""

    name: str
    span: Span


UnaryOp: TypeAlias = Literal["-", "!"]


@dataclass(frozen=True, slots=True, eq=False)
class Unary:
    op: UnaryOp
    operand: Expr
    span: Span


BinaryOp: TypeAlias = Literal["||", "&&", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%"]


@dataclass(frozen=True, slots=True, eq=False)
class Binary:
    """A binary operator; ``&&``/``||`` short-circuit. ``op_span`` is the operator token."""

    op: BinaryOp
    left: Expr
    right: Expr
    op_span: Span
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class Ternary:
    """``condition ? then : otherwise`` (right-associative)."""

    condition: Expr
    then: Expr
    otherwise: Expr
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class Call:
    """``f(a, b)`` where ``f`` is a bare name: stdlib function, ``where`` closure or host
    function (resolved by the checker). Calling anything but a bare name is unsupported."""

    callee: str
    callee_span: Span
    args: tuple[Expr, ...]
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class MethodCall:
    """``receiver.method(args)``, e.g. ``range(n).map(f)``, ``s.contains("x")``,
    ``list.sum(xs)`` (``list``/``math`` module receivers are plain :class:`Name` nodes
    here; the checker tells module calls from method calls)."""

    receiver: Expr
    method: str
    method_span: Span
    args: tuple[Expr, ...]
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class Index:
    """``target[index]``."""

    target: Expr
    index: Expr
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class FieldAccess:
    """``target.0``: a tuple position (only numeric fields are in the subset)."""

    target: Expr
    position: int
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class NamedField:
    """``target.name``: a schema field, or ``Enum.Variant`` when ``target`` names an enum."""

    target: Expr
    name: str
    name_span: Span
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class Reference:
    """``&sibling.a.b`` (a field of the enclosing document) or ``&root.a.b`` (of the
    outermost one): ``path`` holds at least one name."""

    anchor: Literal["sibling", "root"]
    path: tuple[str, ...]
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class MatchArm:
    """``pattern: body``; ``pattern`` is ``"_"``, a variant name, or a literal."""

    pattern: str | IntLiteral | StringLiteral | BoolLiteral
    body: Expr
    pattern_span: Span


@dataclass(frozen=True, slots=True, eq=False)
class Match:
    """``subject match { A: x, B: y, _: z }``."""

    subject: Expr
    arms: tuple[MatchArm, ...]
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class DocField:
    """A field of a :class:`Document`: ``[#internal] [Type] name: value``, or a helper
    method ``[#internal] [Type] name(params): body`` (``value`` is then a
    :class:`Closure` and ``method`` is true; methods never appear in the result)."""

    name: str
    type: TypeExpr | None
    value: Expr
    internal: bool
    method: bool
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class Document:
    """``{ a: e1, b: &sibling.a + 1, nested: { ... } }``: a dict result."""

    fields: tuple[DocField, ...]
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class Param:
    """A closure or ``#main`` parameter: ``Int x`` or just ``x``."""

    name: str
    type: TypeExpr | None
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class Closure:
    """``(Int a, b) -> Int => a + b``; annotations optional."""

    params: tuple[Param, ...]
    result: TypeExpr | None
    body: Expr
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class Binding:
    """``name: value`` inside ``where { ... }``."""

    name: str
    value: Expr
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class Where:
    """``body where { a: e1, b: e2 }``: bindings evaluated once, in order, before ``body``.

    A binding sees the bindings before it; a closure binding also sees itself (recursion).
    """

    body: Expr
    bindings: tuple[Binding, ...]
    span: Span


Expr: TypeAlias = (
    IntLiteral
    | FloatLiteral
    | BoolLiteral
    | StringLiteral
    | FStringLiteral
    | ListLiteral
    | Comprehension
    | TupleLiteral
    | Name
    | Unary
    | Binary
    | Ternary
    | Call
    | MethodCall
    | Index
    | FieldAccess
    | NamedField
    | Reference
    | Match
    | Document
    | Closure
    | Where
)

# --------------------------------------------------------------------------- file level


@dataclass(frozen=True, slots=True, eq=False)
class MainDirective:
    """``#main(Int n, Float x) -> Float``; ``result`` is None when the arrow is omitted."""

    params: tuple[Param, ...]
    result: TypeExpr | None
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class ImportDirective:
    """``#import list from "std/list"`` (only ``std/*`` modules exist)."""

    name: str
    module: str
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class FlagDirective:
    """A bare directive: ``#relaxed`` or ``#unstrict``."""

    name: Literal["relaxed", "unstrict"]
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class SchemaField:
    """``[#expect "message"] Type name: *`` or ``...: (x) => predicate``."""

    name: str
    type: TypeExpr
    predicate: Closure | None
    message: str | None
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class SchemaDecl:
    """``#schema Name { fields }``."""

    name: str
    fields: tuple[SchemaField, ...]
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class EnumDecl:
    """``#enum Name { A, B }``; ``variants`` pairs each name with its span."""

    name: str
    variants: tuple[tuple[str, Span], ...]
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class Module:
    """A whole ``.relon`` file.

    ``doc`` is the text of the leading ``//`` comment block (the lines before the first
    directive, comment markers and one following space stripped, joined with newlines),
    used as the generated loader's docstring; empty when there is none.
    """

    main: MainDirective | None
    imports: tuple[ImportDirective, ...]
    flags: tuple[FlagDirective, ...]
    body: Expr
    doc: str
    span: Span
    schemas: tuple[SchemaDecl, ...] = ()
    enums: tuple[EnumDecl, ...] = ()
