"""Eliminating tuples (``ir.TupleType``'s docstring): a tuple is a row of values.

A tuple-typed expression of the checked tree is one of: a tuple literal, a tuple-bound
name, a ``let`` around a tuple expression, or ``c ? t1 : t2`` of tuple expressions
(closures, lists and chains never hold tuples: the checker rejects that). It is
lowered to *bindings* (``let``\\ s to evaluate first, in order) and one IR expression
per element.

Under a ``?:`` a branch's own ``let``\\ s must run only when that branch is chosen, so
each is *guarded*: the binding is ``if guard then value else <zero>``, where the guard
is the conjunction of the conditions leading to the branch (each condition is bound
once, to ``cond``, ``cond_2``...). Each element becomes ``if cond then a else b``. So
the condition, then the chosen branch's bindings and elements are evaluated, in
source order, and nothing of the other branch: the language's order of evaluation.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from ..frontend import typed as t
from ..frontend.source import Span
from ..frontend.types import INT, ListType, TupleOf, Type
from ..ir import nodes as ir
from .scope import FunctionScope, ir_type, is_row, leaves

__all__ = [
    "element_at",
    "lower_entry_tuple",
    "lower_field",
    "lower_list_of_lists_index",
    "lower_record_list_len",
    "lower_tuple_let",
    "lower_validate",
    "record_at",
    "row_count",
    "split_args",
    "wrap",
]

_Bindings = list[tuple[str, ir.Expr]]
_Split = tuple[_Bindings, tuple[ir.Expr, ...]]


def lower_entry_tuple(fl: FunctionScope, body: t.Expr) -> ir.Expr:
    """The entry body of a tuple-returning rule: bindings, then a :class:`ir.MakeTuple`."""
    bindings, elements = _split(fl, body, None)
    return _wrap(bindings, ir.MakeTuple(elements, body.span))


def lower_tuple_let(fl: FunctionScope, node: t.Let) -> ir.Expr:
    """``t := (a, b)`` then body: one ``let`` per element (``t_0``, ``t_1``)."""
    bindings = _bind(fl, node.binder, node.value, None)
    return _wrap(bindings, fl.expr(node.body))


def lower_field(fl: FunctionScope, node: t.TupleField) -> ir.Expr:
    """``target.N`` of a value type (a record field that is a record is split instead)."""
    bindings, elements = _split_field(fl, node, None)
    assert len(elements) == 1, node
    return _wrap(bindings, elements[0])


def lower_validate(fl: FunctionScope, node: t.Validate) -> tuple[str, ir.Expr]:
    """The binding that checks ``node``'s condition (:class:`ir.Expect`) before its body."""
    check = ir.Expect(fl.expr(node.condition), fl.expr(node.message), node.span)
    return fl.fresh("valid"), check


def split_args(fl: FunctionScope, args: Sequence[t.Expr], guard: ir.Expr | None = None) -> _Split:
    """Call arguments (or a tuple's elements), a record (or list of records) as its
    leaves, left to right; a row's own bindings evaluated only under ``guard``."""
    bindings: _Bindings = []
    flat: list[ir.Expr] = []
    for arg in args:
        if is_row(arg.type):
            inner, parts = _split(fl, arg, guard)
            bindings += inner
            flat += parts
        else:
            flat.append(fl.expr(arg))
    return bindings, tuple(flat)


def wrap(bindings: Sequence[tuple[str, ir.Expr]], body: ir.Expr) -> ir.Expr:
    """``body`` under ``bindings``' lets."""
    return _wrap(bindings, body)


def lower_record_list_len(fl: FunctionScope, node: t.ListCall) -> ir.Expr:
    """``len(records)``: the length of its first column (all columns are one length);
    of a list of lists, its offsets less one."""
    bindings, columns = _split(fl, node.args[0], None)
    return _wrap(bindings, row_count(columns, node.args[0].type, node.span))


def row_count(columns: Sequence[ir.Expr], ty: Type, span: Span) -> ir.Expr:
    """The number of elements of a list of records or lists held as ``columns``."""
    length = ir.ListCall(ir.ListOp.spelled("list.len"), (columns[0],), ir.IrType.INT, span)
    if not _of_lists(ty):
        return length
    one = ir.Const(1, ir.IrType.INT, span)
    return ir.Binary(ir.BinOp.INT_SUB, length, one, ir.IrType.INT, span)


def _of_lists(ty: Type) -> bool:
    return isinstance(ty, ListType) and isinstance(ty.element, ListType)


def element_at(
    fl: FunctionScope, columns: Sequence[ir.Expr], index: ir.Expr, ty: Type
) -> tuple[ir.Expr, ...]:
    """The leaves of element ``index`` (a Local or Const) of the list of type ``ty``
    held as ``columns``: a record's leaves, or a list of lists' one list."""
    if _of_lists(ty):
        return (list_at(fl, columns, index),)
    assert isinstance(ty, ListType), ty
    return record_at(fl, columns, index, ty.element)


def list_at(fl: FunctionScope, columns: Sequence[ir.Expr], index: ir.Expr) -> ir.Expr:
    """Element ``index`` (a Local or Const) of a List<List<T>> held as ``(offsets,
    elements)``: ``elements`` from ``offsets[index]`` to ``offsets[index + 1]``, no copy.
    ``offsets[index]`` is read first, so an index out of range fails before ``+ 1``."""
    offsets, elements = columns
    span, op, int_ = index.span, ir.ListOp.spelled("list.index"), ir.IrType.INT
    start = ir.Local(fl.fresh("start"), int_, span)
    end = ir.Local(fl.fresh("end"), int_, span)
    next_index = ir.Binary(ir.BinOp.INT_ADD, index, ir.Const(1, int_, span), int_, span)
    count = ir.Binary(ir.BinOp.INT_SUB, end, start, int_, span)
    ty = _value_type(elements)
    sliced = ir.ListCall(ir.ListOp.spelled("list.slice"), (elements, start, count), ty, span)
    body = ir.Let(end.name, ir.ListCall(op, (offsets, next_index), int_, span), sliced, span)
    return ir.Let(start.name, ir.ListCall(op, (offsets, index), int_, span), body, span)


def record_at(
    fl: FunctionScope, columns: Sequence[ir.Expr], index: ir.Expr, record: Type
) -> tuple[ir.Expr, ...]:
    """The leaves of the record at ``index`` (a Local or Const) of a list of ``record``:
    a scalar leaf from its column, a list leaf from its two (offsets and elements)."""
    op = ir.ListOp.spelled("list.index")
    out: list[ir.Expr] = []
    position = 0
    for leaf in leaves(record):
        if isinstance(leaf, ListType):
            out.append(list_at(fl, columns[position : position + 2], index))
            position += 2
            continue
        column = columns[position]
        out.append(ir.ListCall(op, (column, index), _value_type(column).element, index.span))
        position += 1
    assert position == len(columns), (record, columns)
    return tuple(out)


def _split_record_at(fl: FunctionScope, node: t.ListCall, guard: ir.Expr | None) -> _Split:
    """``records[i]``: the columns, then the index, bound once; then one element per leaf."""
    bindings, columns, index = _columns_and_index(fl, node, guard)
    records = node.args[0].type
    assert isinstance(records, ListType), records
    return bindings, record_at(fl, columns, index, records.element)


def _split_collected(fl: FunctionScope, node: t.Pipeline, guard: ir.Expr | None) -> _Split:
    """A filtered list of records (``xs.filter(...)``, ``[r for r in xs if ...]``): the
    indices of the records kept, collected by the chain itself (an element of a list of
    records travels as its index), then each column gathered at those indices."""
    span = node.span
    indices = t.Collect(ListType(INT), span)
    kept = fl.fresh("kept")
    picked = fl.expr(dataclasses.replace(node, terminal=indices))  # a chain, lowered as one
    assert isinstance(node.source, t.ListOf), node.source
    bindings, columns = _split(fl, node.source.list, guard)
    bindings.append((kept, _guarded(guard, picked)))
    at = ir.Local(kept, ir.IrType.LIST_INT, span)
    gathered = []
    for column in columns:
        name = fl.fresh("j")
        ty = _value_type(column)
        value = ir.ListCall(
            ir.ListOp.spelled("list.index"),
            (column, ir.Local(name, ir.IrType.INT, span)),
            ty.element,
            span,
        )
        stage = ir.MapStage(name, ir.IrType.INT, value, span)
        loop = ir.Loop(ir.ListSource(at, span), (stage,), ir.CollectTerminal(ty, span), span)
        gathered.append(_guarded(guard, loop))
    return bindings, tuple(gathered)


def _columns_and_index(
    fl: FunctionScope, node: t.ListCall, guard: ir.Expr | None
) -> tuple[_Bindings, tuple[ir.Expr, ...], ir.Expr]:
    bindings, columns = _split(fl, node.args[0], guard)
    index = fl.expr(node.args[1])
    if not isinstance(index, ir.Local | ir.Const):
        name = fl.fresh("at")
        bindings.append((name, _guarded(guard, index)))
        index = ir.Local(name, ir.IrType.INT, index.span)
    return bindings, columns, index


def lower_list_of_lists_index(fl: FunctionScope, node: t.ListCall) -> ir.Expr:
    """``xss[i]`` of a List<List<T>>: its list (a slice of the elements)."""
    bindings, columns, index = _columns_and_index(fl, node, None)
    return _wrap(bindings, list_at(fl, columns, index))


def _split_record_end(fl: FunctionScope, node: t.ListCall, guard: ir.Expr | None) -> _Split:
    """``records.first()``/``.last()``: that element of every column (all one length,
    so the first column's EmptyList is the one raised)."""
    bindings, columns = _split(fl, node.args[0], guard)
    op = ir.ListOp.spelled(f"list.{node.name}")
    return bindings, tuple(
        ir.ListCall(op, (column,), _value_type(column).element, node.span) for column in columns
    )


def _value_type(expr: ir.Expr) -> ir.IrType:
    ty = expr.type
    assert isinstance(ty, ir.IrType), ty
    return ty


def _split_field(fl: FunctionScope, node: t.TupleField, guard: ir.Expr | None) -> _Split:
    """``target.N``: every leaf of ``target`` is evaluated (for its errors), in order;
    the elements are the leaves of field N."""
    bindings, elements = _split(fl, node.target, guard)
    assert isinstance(node.target.type, TupleOf), node.target.type
    picked: list[ir.Expr] = []
    for i, (element, ty) in enumerate(zip(elements, leaves(node.target.type), strict=True)):
        if isinstance(element, ir.Local | ir.Const):
            picked.append(element)
            continue
        name = fl.fresh(f"field_{i}")
        bindings.append((name, _guarded(guard, element)))
        picked.append(ir.Local(name, ir_type(ty), element.span))
    sizes = [len(leaves(e)) for e in node.target.type.elements]
    start = sum(sizes[: node.position])
    return bindings, tuple(picked[start : start + sizes[node.position]])


def _bind(fl: FunctionScope, binder: t.Binder, value: t.Expr, guard: ir.Expr | None) -> _Bindings:
    bindings, elements = _split(fl, value, guard)  # the binder is not in scope in its value
    names = fl.bind_tuple(binder)
    bindings += ((n, _guarded(guard, e)) for n, e in zip(names, elements, strict=True))
    return bindings


def _split(fl: FunctionScope, expr: t.Expr, guard: ir.Expr | None) -> _Split:
    """Bindings and elements of tuple-typed ``expr``, evaluated only under ``guard``."""
    match expr:
        case t.MakeTuple():
            return split_args(fl, expr.elements, guard)
        case t.TupleField():
            return _split_field(fl, expr, guard)
        case t.ListCall() if expr.name == "index":
            return _split_record_at(fl, expr, guard)
        case t.ListCall() if expr.name in ("first", "last"):
            return _split_record_end(fl, expr, guard)
        case t.Pipeline():
            return _split_collected(fl, expr, guard)
        case t.Validate():
            name, check = lower_validate(fl, expr)
            rest, elements = _split(fl, expr.body, guard)
            return [(name, _guarded(guard, check)), *rest], elements
        case t.Var():
            return [], fl.locals(expr.binder, expr.span)
        case t.Let() if is_row(expr.binder.type):
            bindings = _bind(fl, expr.binder, expr.value, guard)
            rest, elements = _split(fl, expr.body, guard)
            return bindings + rest, elements
        case t.Let():
            value = _guarded(guard, fl.expr(expr.value))
            first = (fl.bind(expr.binder), value)
            rest, elements = _split(fl, expr.body, guard)
            return [first, *rest], elements
        case t.Cond():
            return _split_cond(fl, expr, guard)
    raise AssertionError(f"a tuple of unsupported form reached the lowering: {expr!r}")


def _split_cond(fl: FunctionScope, expr: t.Cond, guard: ir.Expr | None) -> _Split:
    span = expr.condition.span
    name = fl.fresh("cond")
    condition = fl.expr(expr.condition)
    if guard is not None:  # under an untaken branch the condition is not evaluated
        condition = ir.And(guard, condition, span)
    chosen = ir.Local(name, ir.IrType.BOOL, span)
    not_chosen: ir.Expr = ir.Not(chosen, span)
    if guard is not None:
        not_chosen = ir.And(guard, not_chosen, span)
    then_bindings, then = _split(fl, expr.then, chosen)
    else_bindings, otherwise = _split(fl, expr.otherwise, not_chosen)
    assert is_row(expr.type), expr.type
    elements = tuple(
        ir.If(chosen, a, b, ir_type(ty), expr.span)
        for a, b, ty in zip(then, otherwise, leaves(expr.type), strict=True)
    )
    return [(name, condition), *then_bindings, *else_bindings], elements


def _guarded(guard: ir.Expr | None, value: ir.Expr) -> ir.Expr:
    """``value``, evaluated only when ``guard`` holds (a placeholder zero otherwise)."""
    if guard is None or isinstance(value, ir.Local | ir.Const):
        return value
    ty = value.type
    assert not isinstance(ty, ir.TupleType), "a tuple element that is a tuple"
    return ir.If(guard, value, _zero(ty, value), ty, value.span)


def _zero(ty: ir.IrType, at: ir.Expr) -> ir.Expr:
    if ty.is_list:
        return ir.ListLiteral((), ty, at.span)
    zeros: dict[ir.IrType, int | float | bool | str] = {
        ir.IrType.INT: 0,
        ir.IrType.FLOAT: 0.0,
        ir.IrType.BOOL: False,
        ir.IrType.STRING: "",
    }
    return ir.Const(zeros[ty], ty, at.span)


def _wrap(bindings: Sequence[tuple[str, ir.Expr]], body: ir.Expr) -> ir.Expr:
    for name, value in reversed(bindings):
        body = ir.Let(name, value, body, value.span)
    return body
