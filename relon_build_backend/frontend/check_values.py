"""Strings, lists and tuples as values: literals, f-strings, comprehensions, ``xs[i]``
and ``t.0``.

Each function takes the AST node and returns the typed node, reporting mistakes to the
:class:`~.context.CheckContext`. An empty list literal has no element type of its own:
it is typed from the expected type of its context (:func:`check_expected`), else it is
an error asking for one.
"""

from __future__ import annotations

from . import ast
from .check_ops import coerce, poison
from .context import CheckContext
from .enums import enum_text
from .scope import Scope
from .typed import (
    Binder,
    Collect,
    Concat,
    Expr,
    FilterOf,
    Inline,
    ListCall,
    ListLiteral,
    ListOf,
    Literal_,
    MakeTuple,
    MapOf,
    Pipeline,
    RangeOf,
    Source,
    ToText,
    TupleField,
)
from .types import (
    BOOL,
    FLOAT,
    INT,
    STRING,
    EnumType,
    ErrorType,
    ListType,
    TupleOf,
    Type,
    is_flat_record,
    is_value,
)

__all__ = [
    "check_comprehension",
    "check_expected",
    "check_field",
    "check_fstring",
    "check_index",
    "check_list_literal",
    "check_source",
    "check_tuple_literal",
    "collectable_record",
    "element_ok",
    "to_text",
]

_EMPTY_HINT = "give it a type from context, e.g. declare `-> List<Int>` in #main"


def check_expected(ctx: CheckContext, node: ast.Expr, scope: Scope, expected: Type | None) -> Expr:
    """``node`` checked knowing the type its context wants (see
    :meth:`CheckContext.check`)."""
    return ctx.check(node, scope, expected)


def collectable_record(ty: Type) -> bool:
    """A record (or tuple) a filtered chain may collect into a list: scalar, String and
    enum leaves only (the lowering gathers each column at the kept indices)."""
    return is_flat_record(ty) and all(not isinstance(leaf, ListType) for leaf in _leaves(ty))


def _leaves(ty: Type) -> list[Type]:
    if isinstance(ty, TupleOf):
        return [leaf for e in ty.elements for leaf in _leaves(e)]
    return [ty]


def element_ok(ctx: CheckContext, ty: Type, node: ast.Expr, what: str) -> bool:
    """Whether ``ty`` may be a list element; reports it at ``node`` otherwise."""
    if isinstance(ty, ErrorType | EnumType) or ty in (INT, FLOAT, BOOL, STRING):
        return True
    ctx.error(
        f"{what} of type {ty} are not supported by the AOT compiler",
        node.span,
        "list elements are Int, Float, Bool, String or enum values",
    )
    return False


def check_list_literal(
    ctx: CheckContext, node: ast.ListLiteral, scope: Scope, expected: ListType | None = None
) -> Expr:
    """``[a, b]``: one element type (Int elements widened in a Float list); ``[]``
    only where ``expected`` gives the type."""
    wanted = None if expected is None else expected.element
    elements = [ctx.check(e, scope, wanted) for e in node.elements]
    if wanted is None and not elements:
        ctx.error("the element type of an empty list is unknown here", node.span, _EMPTY_HINT)
        return poison(node.span)
    if any(isinstance(e.type, ErrorType) for e in elements):
        return poison(node.span)
    element = wanted if wanted is not None else _common(elements)
    if element is None:
        types = ", ".join(dict.fromkeys(str(e.type) for e in elements))
        ctx.error(f"the elements of a list must have one type, not {types}", node.span)
        return poison(node.span)
    pairs = zip(elements, node.elements, strict=True)
    if not all([element_ok(ctx, e.type, n, "list elements") for e, n in pairs]):  # noqa: C419
        return poison(node.span)  # (a list, not a generator: report every element)
    checked = tuple(coerce(ctx, e, element, "a list element") for e in elements)
    return ListLiteral(checked, ListType(element), node.span)


def _common(elements: list[Expr]) -> Type | None:
    """The element type: all equal, or Int and Float mixed (widened to Float)."""
    types = {e.type for e in elements}
    if len(types) == 1:
        return types.pop()
    return FLOAT if types == {INT, FLOAT} else None


def to_text(ctx: CheckContext, expr: Expr, what: str) -> Expr:
    """``expr`` as a String part: a String as is, an Int/Float/Bool rendered, an enum
    value its variant's name."""
    if expr.type == STRING or isinstance(expr.type, ErrorType):
        return expr
    if expr.type in (INT, FLOAT, BOOL):
        return ToText(expr, expr.span)
    if isinstance(expr.type, EnumType):
        return enum_text(expr)
    ctx.error(
        f"{what} must be a String, Int, Float or Bool, not {expr.type}",
        expr.span,
        "join a List<String> with `.join(sep)` first",
    )
    return poison(expr.span)


def check_fstring(ctx: CheckContext, node: ast.FStringLiteral, scope: Scope) -> Expr:
    parts: list[Expr] = []
    for part in node.parts:
        if isinstance(part, str):
            if part:
                parts.append(Literal_(part, STRING, node.span))
            continue
        parts.append(to_text(ctx, ctx.check(part, scope), "an f-string interpolation"))
    if any(isinstance(p.type, ErrorType) for p in parts):
        return poison(node.span)
    if not parts:
        return Literal_("", STRING, node.span)
    return Concat(tuple(parts), node.span)


def check_comprehension(ctx: CheckContext, node: ast.Comprehension, scope: Scope) -> Expr:
    """``[element for var in iterable if condition]``: a filter (if any) and a map
    stage over a range or a list, collected into a list."""
    source, item = check_source(ctx, node.iterable, scope)
    if source is None:
        return poison(node.span)
    stages: list[MapOf | FilterOf] = []
    bad = False
    # one binder per stage: the lowering binds each stage variable once
    if node.condition is not None:
        binder = Binder(node.var, item, node.var_span)
        condition = ctx.check(node.condition, scope.child({node.var: binder}))
        condition = coerce(ctx, condition, BOOL, "the condition of a comprehension")
        bad = isinstance(condition.type, ErrorType)
        stages.append(FilterOf(Inline((binder,), condition, node.span), item, node.span))
    kept = isinstance(node.element, ast.Name) and node.element.name == node.var
    if kept and collectable_record(item):  # [r for r in records if ...]: the records kept
        if bad:
            return poison(node.span)
        return Pipeline(source, tuple(stages), Collect(ListType(item), node.span), node.span)
    binder = Binder(node.var, item, node.var_span)
    element = ctx.check(node.element, scope.child({node.var: binder}))
    if bad or isinstance(element.type, ErrorType):
        return poison(node.span)
    if not element_ok(ctx, element.type, node.element, "list elements"):
        return poison(node.span)
    stages.append(MapOf(Inline((binder,), element, node.span), item, node.span))
    collect = Collect(ListType(element.type), node.span)
    return Pipeline(source, tuple(stages), collect, node.span)


def check_source(ctx: CheckContext, node: ast.Expr, scope: Scope) -> tuple[Source | None, Type]:
    """A ``range(...)`` call or a list value, and its element type."""
    if isinstance(node, ast.Call) and node.callee == "range" and scope.lookup("range") is None:
        bounds = [ctx.check(arg, scope) for arg in node.args]
        if len(bounds) not in (1, 2):
            ctx.error(f"'range' takes 1 or 2 arguments, got {len(bounds)}", node.span)
            return None, INT
        bounds = [coerce(ctx, b, INT, f"argument {i} of 'range'") for i, b in enumerate(bounds, 1)]
        if len(bounds) == 1:
            bounds.insert(0, Literal_(0, INT, node.callee_span))
        return RangeOf(bounds[0], bounds[1], node.span), INT
    value = ctx.check(node, scope)
    if isinstance(value.type, ListType):
        return ListOf(value, node.span), value.type.element
    if not isinstance(value.type, ErrorType):
        ctx.error(f"a List or range(...) is needed here, not {value.type}", node.span)
    return None, INT


def check_index(ctx: CheckContext, node: ast.Index, scope: Scope) -> Expr:
    target = ctx.check(node.target, scope)
    index = coerce(ctx, ctx.check(node.index, scope), INT, "a list index")
    if isinstance(target.type, ErrorType) or isinstance(index.type, ErrorType):
        return poison(node.span)
    if isinstance(target.type, ListType):
        return ListCall("index", (target, index), target.type.element, node.span)
    if target.type == STRING:
        ctx.error(
            "a String cannot be indexed",
            node.span,
            "take a substring of byte offsets instead: `s.substring(i, i + 1)`",
        )
    else:
        ctx.error(f"only a List can be indexed, not {target.type}", node.span)
    return poison(node.span)


def check_tuple_literal(
    ctx: CheckContext, node: ast.TupleLiteral, scope: Scope, expected: Type | None = None
) -> Expr:
    """``(a, b)``; with an ``expected`` tuple type of the same length (the #main
    result) each element is typed by and widened to its expected element type."""
    wanted: tuple[Type | None, ...] = (None,) * len(node.elements)
    if isinstance(expected, TupleOf) and len(expected.elements) == len(node.elements):
        wanted = expected.elements
    elements = tuple(ctx.check(e, scope, w) for e, w in zip(node.elements, wanted, strict=True))
    if any(isinstance(e.type, ErrorType) for e in elements):
        return poison(node.span)
    for element in elements:
        if not is_value(element.type):
            ctx.error(
                f"a tuple element of type {element.type} is not supported by the AOT compiler",
                element.span,
                "tuple elements are Int, Float, Bool, String or List<...> of those",
            )
            return poison(node.span)
    if isinstance(expected, TupleOf) and len(expected.elements) == len(elements):
        elements = tuple(
            coerce(ctx, e, w, f"element {i} of the tuple")
            for i, (e, w) in enumerate(zip(elements, expected.elements, strict=True))
        )
        if any(isinstance(e.type, ErrorType) for e in elements):
            return poison(node.span)
    return MakeTuple(elements, node.span)


def check_field(ctx: CheckContext, node: ast.FieldAccess, scope: Scope) -> Expr:
    target = ctx.check(node.target, scope)
    ty = target.type
    if isinstance(ty, ErrorType):
        return poison(node.span)
    if not isinstance(ty, TupleOf):
        ctx.error(f"'.{node.position}' needs a tuple, not {ty}", node.span)
        return poison(node.span)
    if node.position >= len(ty.elements):
        ctx.error(
            f"the tuple {ty} has no element {node.position}",
            node.span,
            f"elements are numbered 0 to {len(ty.elements) - 1}",
        )
        return poison(node.span)
    return TupleField(target, node.position, ty.elements[node.position], node.span)
