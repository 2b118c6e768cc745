"""Calls: where-bound closures, math functions, host functions and ``module.f(...)``.

(``len(x)``, ``min(xs)``, ``range(n)`` and ``list.f(xs)`` hand over to the chain and
method checks.)

A bare name is resolved innermost first: a where-bound closure, then the standard
library (``len``, the math functions), then the host functions (so a stdlib name wins a
clash with a host function, as in the reference). A where-bound closure is checked once
per distinct argument-type signature (:func:`instantiate`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from . import ast
from .check_chains import check_list_method
from .check_ops import coerce, poison
from .check_values import check_source
from .context import CheckContext
from .instances import arity_message, instantiate, read_annotation
from .scope import ClosureDef, Scope, suggest
from .source import Span
from .stdlib import (
    MATH_ARITY,
    MATH_FLOAT_ONLY,
    MATH_INT_IDENTITY,
    STD_MODULES,
)
from .typed import Binder, CallFunction, CallHost, CallMath, Collect, Expr, MathName, Pipeline
from .types import FLOAT, INT, ErrorType, ListType, Scalar, Type

__all__ = ["check_call", "check_math", "check_method_call"]


def check_call(ctx: CheckContext, node: ast.Call, scope: Scope) -> Expr:
    """``f(a, b)`` for a bare name ``f``."""
    entry = scope.lookup(node.callee)
    if isinstance(entry, Binder):
        if isinstance(entry.type, ErrorType):  # its binding already has a diagnostic
            return poison(node.span)
        ctx.error(
            f"'{node.callee}' is a value of type {entry.type}, not a function", node.callee_span
        )
        return poison(node.span)
    if node.callee == "len" and entry is None:
        return check_list_method(ctx, node, "len", node.args, scope)
    if node.callee == "range" and entry is None:
        return _range_value(ctx, node, scope)
    if node.callee in ("min", "max") and entry is None and len(node.args) == 1:
        return check_list_method(ctx, node, node.callee, node.args, scope)  # min(xs)
    if isinstance(entry, ClosureDef):
        wanted = _annotations(ctx, entry, len(node.args))
        args = tuple(ctx.check(a, scope, w) for a, w in zip(node.args, wanted, strict=True))
        return call_closure(ctx, entry, args, node.span)
    args = tuple(ctx.check(arg, scope) for arg in node.args)
    if node.callee in MATH_ARITY:
        return check_math(ctx, node.callee, args, node.span)
    host = ctx.hosts.get(node.callee)
    if host is not None:
        if len(args) != len(host.params):
            ctx.error(
                arity_message(f"host function '{host.name}'", len(host.params), len(args)),
                node.span,
            )
            return poison(node.span)
        checked = tuple(
            coerce(ctx, arg, Scalar(ty), f"argument {i} of host function '{host.name}'")
            for i, (arg, ty) in enumerate(zip(args, host.params, strict=True), start=1)
        )
        return CallHost(host, checked, Scalar(host.result), node.span)
    known = [*scope.names(), *MATH_ARITY, "len", "range", *ctx.hosts]
    hint = suggest(node.callee, known) or (
        'host functions come from the #[no_mangle] pub extern "C" fns of host_shim.rs'
    )
    ctx.error(f"unknown function '{node.callee}'", node.callee_span, hint)
    return poison(node.span)


def _range_value(ctx: CheckContext, node: ast.Call, scope: Scope) -> Expr:
    """``range(n)`` used as a List<Int> value."""
    source, _ = check_source(ctx, node, scope)
    if source is None:
        return poison(node.span)
    return Pipeline(source, (), Collect(ListType(INT), node.span), node.span)


def check_method_call(ctx: CheckContext, node: ast.MethodCall, scope: Scope) -> Expr:
    """``math.abs(x)``, ``list.sum(chain)`` or a method on a range chain."""
    receiver = node.receiver
    if isinstance(receiver, ast.Name) and scope.lookup(receiver.name) is None:
        module = ctx.imports.get(receiver.name)
        if module is not None:
            return _check_module_call(ctx, node, module, scope)
        if receiver.name in ("math", "list"):
            ctx.error(
                f"'{receiver.name}' is not imported",
                receiver.span,
                f'add `#import {receiver.name} from "std/{receiver.name}"` at the top',
            )
            return poison(node.span)
    return check_list_method(ctx, node, node.method, (receiver, *node.args), scope)


def _check_module_call(ctx: CheckContext, node: ast.MethodCall, module: str, scope: Scope) -> Expr:
    functions = STD_MODULES.get(module)
    if functions is None:  # an unknown module: its #import is already reported
        return poison(node.span)
    if node.method not in functions:
        hint = suggest(node.method, functions)
        ctx.error(f"'{module}' has no function '{node.method}'", node.method_span, hint)
        return poison(node.span)
    if module == "std/list":
        return check_list_method(ctx, node, node.method, node.args, scope)
    args = tuple(ctx.check(arg, scope) for arg in node.args)
    return check_math(ctx, cast(MathName, node.method), args, node.span)


def check_math(ctx: CheckContext, name: MathName, args: Sequence[Expr], span: Span) -> Expr:
    """``abs``, ``min``, ... over Int/Float arguments (see ``MathOp`` in ir/nodes.py)."""
    arity = MATH_ARITY[name]
    if len(args) != arity:
        ctx.error(arity_message(f"'{name}'", arity, len(args)), span)
        return poison(span)
    bad = False
    for i, arg in enumerate(args, start=1):
        if arg.type not in (INT, FLOAT) and not isinstance(arg.type, ErrorType):
            ctx.error(f"argument {i} of '{name}' must be Int or Float, not {arg.type}", arg.span)
            bad = True
    if bad or any(isinstance(arg.type, ErrorType) for arg in args):
        return poison(span)
    all_int = all(arg.type == INT for arg in args)
    if all_int and name in MATH_INT_IDENTITY:
        return args[0]
    ty = INT if all_int and name not in MATH_FLOAT_ONLY else FLOAT
    operands = tuple(coerce(ctx, arg, ty, "a math argument") for arg in args)
    return CallMath(name, operands, ty, span)


def call_closure(ctx: CheckContext, cdef: ClosureDef, args: Sequence[Expr], span: Span) -> Expr:
    """A call of a where-bound closure with checked arguments."""
    inst = instantiate(ctx, cdef, tuple(arg.type for arg in args), span)
    if inst is None:
        return poison(span)
    if inst.result is None:
        ctx.error(
            f"the recursive call of '{cdef.name}' needs the closure's result type",
            span,
            f"annotate the result type, e.g. `{cdef.name}: ({_params(cdef)}) -> Int => ...`",
        )
        return poison(span)
    checked = tuple(
        coerce(ctx, arg, ty, f"argument {i} of '{cdef.name}'")
        for i, (arg, ty) in enumerate(zip(args, inst.params, strict=True), start=1)
    )
    return CallFunction(inst.name, checked, inst.result, span)


def _annotations(ctx: CheckContext, cdef: ClosureDef, count: int) -> tuple[Type | None, ...]:
    """The declared parameter types of ``cdef`` (types a ``[]`` argument), padded to
    ``count`` (an arity mistake is reported by the call)."""
    declared = [
        None if p.type is None else read_annotation(ctx, p.type) for p in cdef.closure.params
    ]
    return (*declared[:count], *[None] * (count - len(declared)))


def _params(cdef: ClosureDef) -> str:
    return ", ".join(p.name for p in cdef.closure.params)
