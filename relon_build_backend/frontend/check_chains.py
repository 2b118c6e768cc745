"""Range chains: ``range(a, b).map(f).filter(p).reduce(init, g)`` and friends.

A chain is a ``range(n)`` / ``range(a, b)`` source, any number of ``map``/``filter``
stages, and one terminal (``reduce``, ``sum``, ``len``, ``any``, ``all``), written as
methods or as ``list.f(xs, ...)`` / ``len(xs)`` calls. It is checked into one
:class:`~.typed.Pipeline` (the lowering makes it one fused loop). A chain without a
terminal would be a List value, which the AOT compiler does not support yet.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import ast
from .check_ops import coerce, poison
from .context import CheckContext
from .instances import instantiate, read_annotation
from .scope import ClosureDef, Scope, suggest
from .source import Span
from .stdlib import (
    LIST_FUNCTIONS,
    LIST_STAGES,
    LIST_TERMINALS,
    MATH_ARITY,
    UNSUPPORTED_LIST_METHODS,
)
from .typed import (
    AllOf,
    AnyOf,
    Binder,
    Count,
    Expr,
    FilterOf,
    Inline,
    Literal_,
    MapOf,
    Named,
    Pipeline,
    Reduce,
    StageFn,
    Sum,
    Terminal,
)
from .types import BOOL, FLOAT, INT, ErrorType, Type

__all__ = ["check_list_method"]

_TERMINAL_ARITY = {"reduce": 2, "sum": 0, "len": 0, "any": 1, "all": 1}
_NOT_A_LIST_HINT = "end the chain with .reduce(init, f), .sum(), .len(), .any(p) or .all(p)"

# (the call node, the method name, its arguments after the receiver)
_StageCall = tuple[ast.Expr, str, tuple[ast.Expr, ...]]


def check_list_method(
    ctx: CheckContext,
    node: ast.Call | ast.MethodCall,
    method: str,
    args: tuple[ast.Expr, ...],
    scope: Scope,
) -> Expr:
    """``args[0].method(*args[1:])`` where ``args[0]`` should be a range chain."""
    if method in LIST_STAGES:
        ctx.error(
            f"a List value (the result of '.{method}') is not supported by the AOT compiler yet",
            node.span,
            _NOT_A_LIST_HINT,
        )
        return poison(node.span)
    if method in UNSUPPORTED_LIST_METHODS:
        ctx.error(f"'{method}' on a List is not supported by the AOT compiler yet", node.span)
        return poison(node.span)
    if not args:
        ctx.error(f"'{method}' needs a range chain argument, e.g. `{method}(range(n))`", node.span)
        return poison(node.span)
    chain = _collect(ctx, args[0], scope)
    if chain is not None and method not in LIST_TERMINALS:
        span = node.method_span if isinstance(node, ast.MethodCall) else node.callee_span
        ctx.error(f"unknown list method '{method}'", span, suggest(method, LIST_FUNCTIONS))
        return poison(node.span)
    if chain is None:
        receiver = ctx.check(args[0], scope)
        if isinstance(receiver.type, ErrorType):
            return poison(node.span)
        if method in LIST_TERMINALS:
            message = f"'{method}' needs a range(...) chain, not {receiver.type}"
            ctx.error(message, args[0].span)
        else:
            hint = suggest(method, LIST_FUNCTIONS)
            if method in MATH_ARITY:
                hint = f"call it as a function: `{method}(...)`"
            ctx.error(f"{receiver.type} has no method '{method}'", node.span, hint)
        return poison(node.span)
    range_call, stage_calls = chain
    start, end = _check_range(ctx, range_call, scope)
    element: Type = INT
    stages: list[MapOf | FilterOf] = []
    for stage_node, name, stage_args in stage_calls:
        if len(stage_args) != 1:
            ctx.error(f"'.{name}' takes 1 argument, got {len(stage_args)}", stage_node.span)
            return poison(node.span)
        checked = check_stage_fn(ctx, stage_args[0], (element,), scope, f"'.{name}'")
        if checked is None:
            return poison(node.span)
        fn, _, result = checked
        if name == "map":
            stages.append(MapOf(fn, element, stage_node.span))
            element = result
        else:
            _expect_bool(ctx, result, stage_args[0], "'.filter'")
            stages.append(FilterOf(fn, element, stage_node.span))
    terminal = _check_terminal(
        ctx, node, method=method, args=args[1:], element=element, scope=scope
    )
    if terminal is None:
        return poison(node.span)
    return Pipeline(start, end, tuple(stages), terminal, node.span)


def _collect(
    ctx: CheckContext, expr: ast.Expr, scope: Scope
) -> tuple[ast.Call, list[_StageCall]] | None:
    """The range call and the stage calls (in order) of a chain; None if not a chain."""
    stages: list[_StageCall] = []
    while True:
        if isinstance(expr, ast.Call) and expr.callee == "range" and scope.lookup("range") is None:
            stages.reverse()
            return expr, stages
        if not isinstance(expr, ast.MethodCall) or expr.method not in LIST_STAGES:
            return None
        receiver = expr.receiver
        if _is_list_module(ctx, receiver, scope):
            if not expr.args:
                return None
            stages.append((expr, expr.method, expr.args[1:]))
            expr = expr.args[0]
        else:
            stages.append((expr, expr.method, expr.args))
            expr = receiver


def _is_list_module(ctx: CheckContext, expr: ast.Expr, scope: Scope) -> bool:
    return (
        isinstance(expr, ast.Name)
        and scope.lookup(expr.name) is None
        and ctx.imports.get(expr.name) == "std/list"
    )


def _check_range(ctx: CheckContext, call: ast.Call, scope: Scope) -> tuple[Expr, Expr]:
    bounds = [ctx.check(arg, scope) for arg in call.args]
    if len(bounds) not in (1, 2):
        ctx.error(f"'range' takes 1 or 2 arguments, got {len(bounds)}", call.span)
        return poison(call.span), poison(call.span)
    bounds = [coerce(ctx, b, INT, f"argument {i} of 'range'") for i, b in enumerate(bounds, 1)]
    if len(bounds) == 1:
        return Literal_(0, INT, call.callee_span), bounds[0]
    return bounds[0], bounds[1]


def _check_terminal(
    ctx: CheckContext,
    node: ast.Call | ast.MethodCall,
    *,
    method: str,
    args: Sequence[ast.Expr],
    element: Type,
    scope: Scope,
) -> Terminal | None:
    arity = _TERMINAL_ARITY[method]
    if len(args) != arity:
        plural = "" if arity == 1 else "s"
        ctx.error(f"'.{method}' takes {arity} argument{plural}, got {len(args)}", node.span)
        return None
    span = node.span
    if method == "len":
        return Count(span)
    if method == "sum":
        if element not in (INT, FLOAT) and not isinstance(element, ErrorType):
            ctx.error(f"'.sum()' needs Int or Float elements, not {element}", span)
        return Sum(element, span)
    if method == "reduce":
        return _check_reduce(ctx, args[0], args[1], element=element, span=span, scope=scope)
    checked = check_stage_fn(ctx, args[0], (element,), scope, f"'.{method}'")
    if checked is None:
        return None
    fn, _, result = checked
    _expect_bool(ctx, result, args[0], f"'.{method}'")
    return AnyOf(fn, element, span) if method == "any" else AllOf(fn, element, span)


def _check_reduce(
    ctx: CheckContext,
    init_node: ast.Expr,
    fn_node: ast.Expr,
    *,
    element: Type,
    span: Span,
    scope: Scope,
) -> Terminal | None:
    init = ctx.check(init_node, scope)
    checked = check_stage_fn(ctx, fn_node, (init.type, element), scope, "'.reduce'")
    if checked is None:
        return None
    fn, params, result = checked
    acc = params[0]
    init = coerce(ctx, init, acc, "the initial value of '.reduce'")
    widen = acc == FLOAT and result == INT
    unknown = isinstance(result, ErrorType) or isinstance(acc, ErrorType)
    if result != acc and not widen and not unknown:
        hint = "start from a Float, e.g. `0.0` instead of `0`" if acc == INT else None
        message = f"the '.reduce' closure returns {result}, but the accumulator is {acc}"
        ctx.error(message, fn_node.span, hint)
    return Reduce(init, fn, element, acc, widen, span)


def check_stage_fn(
    ctx: CheckContext,
    node: ast.Expr,
    values: tuple[Type, ...],
    scope: Scope,
    what: str,
) -> tuple[StageFn, tuple[Type, ...], Type] | None:
    """A stage function receiving ``values``: (the function, its parameter types, its
    result type). A Float parameter may receive an Int value (the lowering widens)."""
    if isinstance(node, ast.Closure):
        return _inline(ctx, node, values, scope, what)
    entry = scope.lookup(node.name) if isinstance(node, ast.Name) else None
    if not isinstance(entry, ClosureDef):
        ctx.error(
            f"{what} needs a closure, e.g. `(x) => x * 2`, or the name of a where-bound closure",
            node.span,
        )
        return None
    inst = instantiate(ctx, entry, values, node.span)
    if inst is None:
        return None
    if inst.result is None:
        ctx.error(
            f"'{entry.name}' is used inside itself and needs its result type",
            node.span,
            f"annotate the result type, e.g. `{entry.name}: (...) -> Int => ...`",
        )
        return None
    for param, value in zip(inst.params, values, strict=True):
        _accepts(ctx, param, value, node, entry.name)
    return Named(inst.name, inst.params, inst.result, node.span), inst.params, inst.result


def _inline(
    ctx: CheckContext, node: ast.Closure, values: tuple[Type, ...], scope: Scope, what: str
) -> tuple[StageFn, tuple[Type, ...], Type] | None:
    if len(node.params) != len(values):
        plural = "" if len(values) == 1 else "s"
        ctx.error(
            f"{what} needs a closure of {len(values)} parameter{plural}, "
            f"this one takes {len(node.params)}",
            node.span,
        )
        return None
    binders: list[Binder] = []
    for param, value in zip(node.params, values, strict=True):
        ty = value if param.type is None else read_annotation(ctx, param.type)
        _accepts(ctx, ty, value, param, param.name)
        binders.append(Binder(param.name, ty, param.span))
    body = ctx.check(node.body, scope.child({b.name: b for b in binders}))
    if node.result is not None:
        body = coerce(ctx, body, read_annotation(ctx, node.result), "the closure's result")
    types = tuple(b.type for b in binders)
    return Inline(tuple(binders), body, node.span), types, body.type


def _accepts(
    ctx: CheckContext, param: Type, value: Type, node: ast.Expr | ast.Param, name: str
) -> None:
    if param == value or (param == FLOAT and value == INT):
        return
    if isinstance(param, ErrorType) or isinstance(value, ErrorType):
        return
    ctx.error(f"'{name}' takes {param} here, but receives {value}", node.span)


def _expect_bool(ctx: CheckContext, result: Type, node: ast.Expr, what: str) -> None:
    if result != BOOL and not isinstance(result, ErrorType):
        ctx.error(f"the {what} predicate must return Bool, not {result}", node.span)
