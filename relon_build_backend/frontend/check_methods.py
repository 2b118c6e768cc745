"""Methods of String and List values that are not chain stages or terminals.

``s.upper()``, ``s.substring(a, b)``, ``xs.first()``, ``xs.sort()``, ``xs.join(sep)``,
``xs.concat(ys)``... (and their ``list.f(xs, ...)`` / ``min(xs)`` forms, which
``check_chains`` routes here). Each method has one signature per receiver kind; an
Int argument where a Float is wanted is widened.
"""

from __future__ import annotations

from typing import Final, cast

from ..stdlib import StringOp
from . import ast
from .check_ops import coerce, poison
from .check_values import check_expected
from .context import CheckContext
from .scope import Scope, suggest
from .stdlib import LIST_METHODS, MATH_ARITY
from .typed import Expr, ListCall, ListName, StrCall
from .types import BOOL, INT, STRING, ErrorType, ListType, TupleOf, Type

__all__ = ["STRING_METHODS", "check_value_method"]

#: The types the string table (``stdlib/strings.py``) names, by their spelling.
_TABLE_TYPES: Final[dict[str, Type]] = {str(ty): ty for ty in (INT, BOOL, STRING, ListType(STRING))}

#: The methods of a String value.
STRING_METHODS: Final = StringOp.methods("String")


def check_value_method(
    ctx: CheckContext,
    node: ast.Call | ast.MethodCall,
    receiver: Expr,
    args: tuple[ast.Expr, ...],
    scope: Scope,
) -> Expr:
    """``receiver.method(args)`` for a String or List ``receiver`` (already checked);
    the method is the one ``node`` names (``xs.sort()``, ``list.sort(xs)``, ``min(xs)``)."""
    method = _method(node)
    ty = receiver.type
    if isinstance(ty, ErrorType):
        for arg in args:  # still report mistakes in the arguments
            ctx.check(arg, scope)
        return poison(node.span)
    if ty == STRING and method in STRING_METHODS:
        return _string_op(ctx, node, receiver, args, scope)
    if isinstance(ty, ListType) and method in LIST_METHODS:
        return _list_method(ctx, node, receiver, args, scope)
    _unknown(ctx, node, method, ty)
    return poison(node.span)


def _method(node: ast.Call | ast.MethodCall) -> str:
    return node.method if isinstance(node, ast.MethodCall) else node.callee


def _string_op(
    ctx: CheckContext,
    node: ast.Call | ast.MethodCall,
    receiver: Expr,
    args: tuple[ast.Expr, ...],
    scope: Scope,
) -> Expr:
    """A method the string table has for the receiver's type."""
    op = StringOp.of(str(receiver.type), _method(node))
    assert op is not None, (receiver.type, node)
    params = tuple(_TABLE_TYPES[p] for p in op.params[1:])
    checked = _arguments(ctx, node, params, args, scope)
    if checked is None:
        return poison(node.span)
    return StrCall(op, (receiver, *checked), _TABLE_TYPES[op.result], node.span)


def _list_method(
    ctx: CheckContext,
    node: ast.Call | ast.MethodCall,
    receiver: Expr,
    args: tuple[ast.Expr, ...],
    scope: Scope,
) -> Expr:
    method, ty = _method(node), receiver.type
    assert isinstance(ty, ListType), ty
    if isinstance(ty.element, ListType) and method != "len":
        ctx.error(
            f"'{method}' of a {ty} is not supported by the AOT compiler",
            node.span,
            "read its lists with map/filter/reduce/any/all, a comprehension, `len` or `xs[i]`",
        )
        return poison(node.span)
    if isinstance(ty.element, TupleOf) and method in ("first", "last") and _holds_lists(ty.element):
        ctx.error(
            f"'{method}' of a {ty} (its records hold lists) is not supported by the AOT"
            " compiler yet",
            node.span,
            "index it instead: `xs[0]`, `xs[len(xs) - 1]`",
        )
        return poison(node.span)
    if isinstance(ty.element, TupleOf) and method not in ("len", "first", "last"):
        ctx.error(
            f"'{method}' of a {ty} is not supported by the AOT compiler",
            node.span,
            "read records with map/filter/reduce/any/all, a comprehension, `len`, `xs[i]`,"
            " `first` or `last`",
        )
        return poison(node.span)
    if method == "join":
        if ty.element != STRING:
            ctx.error(f"'join' needs a List<String>, not {ty}", node.span, _join_hint(ty))
            return poison(node.span)
        return _string_op(ctx, node, receiver, args, scope)
    params: tuple[Type, ...] = ()
    result: Type = ty
    if method == "len":
        result = INT
    elif method in ("first", "last", "min", "max"):
        result = ty.element
    elif method == "contains":
        params, result = (ty.element,), BOOL
    elif method == "concat":
        params = (ty,)
    checked = _arguments(ctx, node, params, args, scope)
    if checked is None:
        return poison(node.span)
    return ListCall(cast(ListName, method), (receiver, *checked), result, node.span)


def _arguments(
    ctx: CheckContext,
    node: ast.Call | ast.MethodCall,
    params: tuple[Type, ...],
    args: tuple[ast.Expr, ...],
    scope: Scope,
) -> tuple[Expr, ...] | None:
    method = _method(node)
    if len(args) != len(params):
        plural = "" if len(params) == 1 else "s"
        ctx.error(f"'.{method}' takes {len(params)} argument{plural}, got {len(args)}", node.span)
        for arg in args:
            ctx.check(arg, scope)
        return None
    checked = tuple(
        coerce(ctx, check_expected(ctx, arg, scope, ty), ty, f"argument {i} of '.{method}'")
        for i, (arg, ty) in enumerate(zip(args, params, strict=True), start=1)
    )
    if any(isinstance(arg.type, ErrorType) for arg in checked):
        return None
    return checked


def _unknown(ctx: CheckContext, node: ast.Call | ast.MethodCall, method: str, ty: Type) -> None:
    span = node.method_span if isinstance(node, ast.MethodCall) else node.callee_span
    if ty == STRING:
        hint = suggest(method, STRING_METHODS)
        ctx.error(f"unknown String method '{method}'", span, hint)
    elif isinstance(ty, ListType):
        hint = suggest(method, (*LIST_METHODS, "map", "filter", "reduce", "sum", "any", "all"))
        if method in STRING_METHODS:
            hint = f"'{method}' is a String method; apply it per element with `.map(...)`"
        ctx.error(f"unknown list method '{method}'", span, hint)
    else:
        hint = f"call it as a function: `{method}(...)`" if method in MATH_ARITY else None
        ctx.error(f"{ty} has no method '{method}'", node.span, hint)


def _join_hint(ty: ListType) -> str:
    return f'render the elements first: `xs.map((x) => "" + x).join(sep)` ({ty})'


def _holds_lists(record: TupleOf) -> bool:
    return any(
        isinstance(e, ListType) or (isinstance(e, TupleOf) and _holds_lists(e))
        for e in record.elements
    )
