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
from ..frontend.types import FLOAT, INT, ListType, Type
from ..ir import nodes as ir
from . import tuples
from .scope import FunctionScope, ir_type, is_row

__all__ = ["lower_pipeline"]


def lower_pipeline(fl: FunctionScope, node: t.Pipeline) -> ir.Expr:
    """The loop of ``node``. Over a list of records the loop runs over the indices of
    its columns: a stage (or terminal) that receives a record gets the index and reads
    each leaf from its column (so a filter passes a record on as its index)."""
    source: ir.Source
    columns: tuple[ir.Expr, ...] = ()
    bindings: list[tuple[str, ir.Expr]] = []
    if isinstance(node.source, t.RangeOf):
        start, end = fl.expr(node.source.start), fl.expr(node.source.end)
        source = ir.RangeSource(start, end, node.source.span)
    elif is_row(node.source.list.type):
        bindings, columns = _columns(fl, node.source.list)
        span = node.source.span
        length = tuples.row_count(columns, node.source.list.type, span)
        source = ir.RangeSource(ir.Const(0, ir.IrType.INT, span), length, span)
    else:
        source = ir.ListSource(fl.expr(node.source.list), node.source.span)
    stages: list[ir.Stage] = []
    for stage in node.stages:
        (var,), body = _apply(fl, stage.fn, (stage.element,), ("x",), columns)
        var_type = _var_type(stage.element, columns)
        if isinstance(stage, t.MapOf):
            stages.append(ir.MapStage(var, var_type, body, stage.span))
            columns = ()  # what a map passes on is a value (never a record or a list)
        else:
            stages.append(ir.FilterStage(var, var_type, body, stage.span))
    loop = ir.Loop(source, tuple(stages), _terminal(fl, node.terminal, columns), node.span)
    return tuples.wrap(bindings, loop)


def _columns(
    fl: FunctionScope, records: t.Expr
) -> tuple[list[tuple[str, ir.Expr]], tuple[ir.Expr, ...]]:
    """The columns of a list of records, each bound to a local (read once per element)."""
    bindings, columns = tuples.split_args(fl, (records,))
    bound: list[ir.Expr] = []
    for column in columns:
        if isinstance(column, ir.Local):
            bound.append(column)
            continue
        name = fl.fresh("column")
        bindings.append((name, column))
        bound.append(ir.Local(name, column.type, column.span))  # type: ignore[arg-type]
    return list(bindings), tuple(bound)


def _var_type(element: Type, columns: tuple[ir.Expr, ...]) -> ir.IrType:
    """A stage variable's type: an element of a list held as columns (a record, a list
    of a List<List<T>>) travels as its index."""
    return ir.IrType.INT if columns else ir_type(element)


def _terminal(  # noqa: RET503 - the match is exhaustive
    fl: FunctionScope, term: t.Terminal, columns: tuple[ir.Expr, ...]
) -> ir.Terminal:
    match term:
        case t.Sum():
            return ir.SumTerminal(ir_type(term.type), term.span)
        case t.Count():
            return ir.CountTerminal(term.span)
        case t.Collect():
            return ir.CollectTerminal(ir_type(term.type), term.span)
        case t.AnyOf() | t.AllOf():
            (var,), condition = _apply(fl, term.fn, (term.element,), ("x",), columns)
            kind = ir.AnyTerminal if isinstance(term, t.AnyOf) else ir.AllTerminal
            return kind(var, _var_type(term.element, columns), condition, term.span)
        case t.Reduce():
            init = fl.expr(term.init)
            values = (term.type, term.element)
            (acc, var), update = _apply(fl, term.fn, values, ("acc", "x"), columns)
            if term.widen_update:
                update = ir.IntToFloat(update, update.span)
            ty = ir_type(term.type)
            element = _var_type(term.element, columns)
            return ir.ReduceTerminal(acc, var, element, init, update, ty, term.span)
        case _:
            unreachable(term)


def _apply(
    fl: FunctionScope,
    fn: t.StageFn,
    values: tuple[Type, ...],
    bases: tuple[str, ...],
    columns: tuple[ir.Expr, ...] = (),
) -> tuple[tuple[str, ...], ir.Expr]:
    """Variables receiving ``values`` and the expression computing ``fn`` of them. With
    ``columns`` the last value, the element, arrives as its index into them (a record,
    or a list of a List<List<T>>); the others (an accumulator) are values."""
    if isinstance(fn, t.Inline):
        return _apply_inline(fl, fn, values, columns)
    names = tuple(fl.fresh(base) for base in bases)
    args: list[ir.Expr] = []
    for i, (name, value, param) in enumerate(zip(names, values, fn.params, strict=True)):
        if columns and i == len(values) - 1:
            index = ir.Local(name, ir.IrType.INT, fn.span)
            args += tuples.element_at(fl, columns, index, ListType(value))
        else:
            args.append(_widened(ir.Local(name, ir_type(value), fn.span), value, param))
    call_args = fl.call_args(fn.function, tuple(args), fn.span)
    return names, ir.Call(fn.function, call_args, ir_type(fn.result), fn.span)


def _apply_inline(
    fl: FunctionScope, fn: t.Inline, values: tuple[Type, ...], columns: tuple[ir.Expr, ...]
) -> tuple[tuple[str, ...], ir.Expr]:
    names: list[str] = []
    widen: list[tuple[str, str, Span]] = []  # (param name, Int variable, span)
    records: list[tuple[t.Binder, str]] = []  # (element param, index variable)
    for i, (param, value) in enumerate(zip(fn.params, values, strict=True)):
        if columns and i == len(values) - 1:
            index = fl.fresh(f"{param.name}_at")
            names.append(index)
            records.append((param, index))
            continue
        if param.type == value:
            names.append(fl.bind(param))
            continue
        assert (value, param.type) == (INT, FLOAT), (value, param.type)
        raw = fl.fresh(f"{param.name}_int")
        names.append(raw)
        widen.append((fl.bind(param), raw, param.span))
    leaves: list[tuple[str, ir.Expr]] = []
    for param, index in records:
        at = ir.Local(index, ir.IrType.INT, param.span)
        names_of = fl.bind_tuple(param) if is_row(param.type) else (fl.bind(param),)
        elements = tuples.element_at(fl, columns, at, ListType(param.type))
        leaves += zip(names_of, elements, strict=True)
    body = fl.expr(fn.body)
    for name, raw, span in reversed(widen):
        widened = ir.IntToFloat(ir.Local(raw, ir.IrType.INT, span), span)
        body = ir.Let(name, widened, body, span)
    return tuple(names), tuples.wrap(leaves, body)


def _widened(local: ir.Local, value: Type, param: Type) -> ir.Expr:
    if value == param:
        return local
    assert (value, param) == (INT, FLOAT), (value, param)
    return ir.IntToFloat(local, local.span)
