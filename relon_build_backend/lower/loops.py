"""Chains (over a range or a list) -> one fused :class:`~relon_build_backend.ir.nodes.Loop`.

Each stage function becomes the stage's variable(s) and an expression: an inline
closure's parameters become the variables and its body the expression; a where-bound
closure becomes a :class:`~relon_build_backend.ir.nodes.Call` of its lifted function
on fresh variables. A Float parameter fed Int elements gets an explicit widening
``Let`` (the IR never widens implicitly).
"""

from __future__ import annotations

from ..exhaustive import unreachable
from ..frontend import typed as t
from ..frontend.source import Span
from ..frontend.types import FLOAT, INT, Type
from ..ir import nodes as ir
from .scope import FunctionScope, ir_type

__all__ = ["lower_pipeline"]


def lower_pipeline(fl: FunctionScope, node: t.Pipeline) -> ir.Loop:
    source: ir.Source
    if isinstance(node.source, t.RangeOf):
        start, end = fl.expr(node.source.start), fl.expr(node.source.end)
        source = ir.RangeSource(start, end, node.source.span)
    else:
        source = ir.ListSource(fl.expr(node.source.list), node.source.span)
    stages: list[ir.Stage] = []
    for stage in node.stages:
        (var,), body = _apply(fl, stage.fn, (stage.element,), ("x",))
        var_type = ir_type(stage.element)
        if isinstance(stage, t.MapOf):
            stages.append(ir.MapStage(var, var_type, body, stage.span))
        else:
            stages.append(ir.FilterStage(var, var_type, body, stage.span))
    return ir.Loop(source, tuple(stages), _terminal(fl, node.terminal), node.span)


def _terminal(fl: FunctionScope, term: t.Terminal) -> ir.Terminal:  # noqa: RET503 - the match is exhaustive
    match term:
        case t.Sum():
            return ir.SumTerminal(ir_type(term.type), term.span)
        case t.Count():
            return ir.CountTerminal(term.span)
        case t.Collect():
            return ir.CollectTerminal(ir_type(term.type), term.span)
        case t.AnyOf() | t.AllOf():
            (var,), condition = _apply(fl, term.fn, (term.element,), ("x",))
            kind = ir.AnyTerminal if isinstance(term, t.AnyOf) else ir.AllTerminal
            return kind(var, ir_type(term.element), condition, term.span)
        case t.Reduce():
            init = fl.expr(term.init)
            (acc, var), update = _apply(fl, term.fn, (term.type, term.element), ("acc", "x"))
            if term.widen_update:
                update = ir.IntToFloat(update, update.span)
            ty = ir_type(term.type)
            return ir.ReduceTerminal(acc, var, ir_type(term.element), init, update, ty, term.span)
        case _:
            unreachable(term)


def _apply(
    fl: FunctionScope, fn: t.StageFn, values: tuple[Type, ...], bases: tuple[str, ...]
) -> tuple[tuple[str, ...], ir.Expr]:
    """Variables receiving ``values`` and the expression computing ``fn`` of them."""
    if isinstance(fn, t.Inline):
        return _apply_inline(fl, fn, values)
    names = tuple(fl.fresh(base) for base in bases)
    args = tuple(
        _widened(ir.Local(name, ir_type(value), fn.span), value, param)
        for name, value, param in zip(names, values, fn.params, strict=True)
    )
    call_args = fl.call_args(fn.function, args, fn.span)
    return names, ir.Call(fn.function, call_args, ir_type(fn.result), fn.span)


def _apply_inline(
    fl: FunctionScope, fn: t.Inline, values: tuple[Type, ...]
) -> tuple[tuple[str, ...], ir.Expr]:
    names: list[str] = []
    widen: list[tuple[str, str, Span]] = []  # (param name, Int variable, span)
    for param, value in zip(fn.params, values, strict=True):
        if param.type == value:
            names.append(fl.bind(param))
            continue
        assert (value, param.type) == (INT, FLOAT), (value, param.type)
        raw = fl.fresh(f"{param.name}_int")
        names.append(raw)
        widen.append((fl.bind(param), raw, param.span))
    body = fl.expr(fn.body)
    for name, raw, span in reversed(widen):
        widened = ir.IntToFloat(ir.Local(raw, ir.IrType.INT, span), span)
        body = ir.Let(name, widened, body, span)
    return tuple(names), body


def _widened(local: ir.Local, value: Type, param: Type) -> ir.Expr:
    if value == param:
        return local
    assert (value, param) == (INT, FLOAT), (value, param)
    return ir.IntToFloat(local, local.span)
