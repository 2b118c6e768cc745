"""Methods of String and List values that are not chain stages or terminals.

``s.upper()``, ``s.substring(a, b)``, ``xs.first()``, ``xs.sort()``, ``xs.join(sep)``,
``xs.concat(ys)``... (and their ``list.f(xs, ...)`` / ``min(xs)`` forms, which
``check_chains`` routes here). Each method has one signature per receiver kind; an
Int argument where a Float is wanted is widened.
"""

from __future__ import annotations

from typing import Final, cast

from . import ast
from .check_ops import coerce, poison
from .check_values import check_expected
from .context import CheckContext
from .scope import Scope, suggest
from .stdlib import LIST_METHODS, MATH_ARITY
from .typed import Expr, ListCall, ListName, StrCall, StrName
from .types import BOOL, INT, STRING, ErrorType, ListType, Type

__all__ = ["STRING_METHODS", "check_value_method"]

#: String method -> (argument types, result type)
STRING_METHODS: Final[dict[str, tuple[tuple[Type, ...], Type]]] = {
    "len": ((), INT),
    "contains": ((STRING,), BOOL),
    "starts_with": ((STRING,), BOOL),
    "ends_with": ((STRING,), BOOL),
    "upper": ((), STRING),
    "lower": ((), STRING),
    "trim": ((), STRING),
    "substring": ((INT, INT), STRING),
    "split": ((STRING,), ListType(STRING)),
    "replace": ((STRING, STRING), STRING),
}


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
        params, result = STRING_METHODS[method]
        checked = _arguments(ctx, node, params, args, scope)
        if checked is None:
            return poison(node.span)
        return StrCall(cast(StrName, method), (receiver, *checked), result, node.span)
    if isinstance(ty, ListType) and method in LIST_METHODS:
        return _list_method(ctx, node, receiver, args, scope)
    _unknown(ctx, node, method, ty)
    return poison(node.span)


def _method(node: ast.Call | ast.MethodCall) -> str:
    return node.method if isinstance(node, ast.MethodCall) else node.callee


def _list_method(
    ctx: CheckContext,
    node: ast.Call | ast.MethodCall,
    receiver: Expr,
    args: tuple[ast.Expr, ...],
    scope: Scope,
) -> Expr:
    method, ty = _method(node), receiver.type
    assert isinstance(ty, ListType), ty
    if method == "join":
        if ty.element != STRING:
            ctx.error(f"'join' needs a List<String>, not {ty}", node.span, _join_hint(ty))
            return poison(node.span)
        checked = _arguments(ctx, node, (STRING,), args, scope)
        return poison(node.span) if checked is None else (
            StrCall("join", (receiver, *checked), STRING, node.span))  # fmt: skip
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
