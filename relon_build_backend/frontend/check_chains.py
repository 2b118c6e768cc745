"""Chains: ``xs.map(f).filter(p).reduce(init, g)``, ``range(a, b).map(f).sum()``...

A chain is a source (a ``range(n)`` / ``range(a, b)`` call or any List value), any
number of ``map``/``filter`` stages, and one terminal (``reduce``, ``sum``, ``len``,
``any``, ``all``), written as methods or as ``list.f(xs, ...)`` / ``len(xs)`` calls. It
is checked into one :class:`~.typed.Pipeline` (the lowering makes it one fused loop).
A chain ending in a stage is a List value: its terminal is :class:`~.typed.Collect`.
Other methods of List and String values are in ``check_methods``.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import ast
from .check_methods import check_value_method
from .check_ops import coerce, poison
from .check_values import check_expected, check_source, collectable_record, element_ok
from .context import CheckContext
from .instances import instantiate, read_annotation
from .scope import ClosureDef, Scope
from .source import Span
from .stdlib import LIST_STAGES, LIST_TERMINALS
from .typed import (
    AllOf,
    AnyOf,
    Binder,
    Collect,
    Count,
    Expr,
    FilterOf,
    Inline,
    MapOf,
    Named,
    Pipeline,
    Reduce,
    StageFn,
    Sum,
    Terminal,
)
from .types import BOOL, FLOAT, INT, ErrorType, ListType, TupleOf, Type, is_flat_record

__all__ = ["check_list_method", "check_stage_fn"]

_TERMINAL_ARITY = {"reduce": 2, "sum": 0, "len": 0, "any": 1, "all": 1}

# (the call node, the method name, its arguments after the receiver)
_StageCall = tuple[ast.Expr, str, tuple[ast.Expr, ...]]


def check_list_method(
    ctx: CheckContext,
    node: ast.Call | ast.MethodCall,
    method: str,
    args: tuple[ast.Expr, ...],
    scope: Scope,
) -> Expr:
    """``args[0].method(*args[1:])``: a chain, or a method of a String or List value."""
    if not args:
        ctx.error(f"'{method}' needs a List argument, e.g. `{method}(xs)`", node.span)
        return poison(node.span)
    plain_len = method == "len" and not _is_chain(ctx, args[0], scope)
    if plain_len or (method not in LIST_STAGES and method not in LIST_TERMINALS):
        # no loop for the length of a String or of a list value
        receiver = ctx.check(args[0], scope)
        return check_value_method(ctx, node, receiver, args[1:], scope)
    base, stage_calls = _collect(ctx, args[0], scope)
    if method in LIST_STAGES:
        stage_calls.append((node, method, args[1:]))
    source, element = check_source(ctx, base, scope)
    if source is None:
        return poison(node.span)
    stages = _check_stages(ctx, stage_calls, element, scope)
    if stages is None:
        return poison(node.span)
    element = stages[-1][1] if stages else element
    if method in LIST_STAGES:
        if not (collectable_record(element) or element_ok(ctx, element, node, "list elements")):
            return poison(node.span)
        terminal: Terminal | None = Collect(ListType(element), node.span)
    else:
        terminal = _check_terminal(
            ctx, node, method=method, args=args[1:], element=element, scope=scope
        )
    if terminal is None:
        return poison(node.span)
    return Pipeline(source, tuple(s for s, _ in stages), terminal, node.span)


def _is_chain(ctx: CheckContext, expr: ast.Expr, scope: Scope) -> bool:
    base, stages = _collect(ctx, expr, scope)
    return bool(stages) or (
        isinstance(base, ast.Call) and base.callee == "range" and scope.lookup("range") is None
    )


def _check_stages(
    ctx: CheckContext, calls: list[_StageCall], element: Type, scope: Scope
) -> list[tuple[MapOf | FilterOf, Type]] | None:
    """Each stage and the element type after it."""
    stages: list[tuple[MapOf | FilterOf, Type]] = []
    for stage_node, name, stage_args in calls:
        if len(stage_args) != 1:
            ctx.error(f"'.{name}' takes 1 argument, got {len(stage_args)}", stage_node.span)
            return None
        checked = check_stage_fn(ctx, stage_args[0], (element,), scope, f"'.{name}'")
        if checked is None:
            return None
        fn, _, result = checked
        if name == "map":
            stages.append((MapOf(fn, element, stage_node.span), result))
            element = result
        else:
            _expect_bool(ctx, result, stage_args[0], "'.filter'")
            stages.append((FilterOf(fn, element, stage_node.span), element))
    return stages


def _collect(ctx: CheckContext, expr: ast.Expr, scope: Scope) -> tuple[ast.Expr, list[_StageCall]]:
    """The source expression and the stage calls (in order) of a chain."""
    stages: list[_StageCall] = []
    while isinstance(expr, ast.MethodCall) and expr.method in LIST_STAGES:
        if _is_list_module(ctx, expr.receiver, scope):
            if not expr.args:
                break
            stages.append((expr, expr.method, expr.args[1:]))
            expr = expr.args[0]
        else:
            stages.append((expr, expr.method, expr.args))
            expr = expr.receiver
    stages.reverse()
    return expr, stages


def _is_list_module(ctx: CheckContext, expr: ast.Expr, scope: Scope) -> bool:
    return (
        isinstance(expr, ast.Name)
        and scope.lookup(expr.name) is None
        and ctx.imports.get(expr.name) == "std/list"
    )


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
    init = check_expected(ctx, init_node, scope, _annotated_acc(ctx, fn_node, scope))
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
    result type). A Float parameter may receive an Int value (the lowering widens).
    Only flat records and tuples flow through a chain, as the elements of a list of them
    (no accumulator or result is a record or tuple)."""
    if any(isinstance(v, TupleOf) and not is_flat_record(v) and not v.is_record for v in values):
        ctx.error(f"a tuple passed to {what} is not supported by the AOT compiler", node.span)
        return None
    if isinstance(node, ast.Closure):
        checked = _inline(ctx, node, values, scope, what)
        if checked is not None and isinstance(checked[2], TupleOf):
            ctx.error(
                f"a closure of {what} returning a tuple is not supported by the AOT compiler",
                node.span,
            )
            return None
        return checked
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
    declared = None if node.result is None else read_annotation(ctx, node.result)
    body = check_expected(ctx, node.body, scope.child({b.name: b for b in binders}), declared)
    if declared is not None:
        body = coerce(ctx, body, declared, "the closure's result")
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


def _annotated_acc(ctx: CheckContext, fn_node: ast.Expr, scope: Scope) -> Type | None:
    """The declared accumulator type of a reduce closure (types an empty ``[]`` init)."""
    closure = fn_node
    if isinstance(fn_node, ast.Name):
        entry = scope.lookup(fn_node.name)
        closure = entry.closure if isinstance(entry, ClosureDef) else fn_node
    if isinstance(closure, ast.Closure) and closure.params and closure.params[0].type:
        return read_annotation(ctx, closure.params[0].type)
    return None
