"""List nodes: :class:`ListLiteral` and :class:`ListCall`, with the exact semantics of
``ListOp`` in ``ir/nodes.py``.

Literals, indexing, ``first``/``last``, ``min``/``max``, ``contains``, ``reverse`` and
``concat`` are inline; ``sort`` and ``unique`` copy the operand into the arena and call
``relon_rt_sort``/``relon_rt_unique`` on the copy (values are immutable). Element
equality and ordering are the language's: Float equality by ``arith.float_eq``,
min/max by ``MathOp`` FLOAT_MIN/FLOAT_MAX, Strings bytewise, Bool false < true.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..ir.nodes import ErrorKind, IrType, ListOp, MathOp
from . import arith
from .strings import string_compare, string_equal
from .unit import CTX_ARENA, llvm_type
from .values import (
    ELEMENT_SIZE,
    RUNTIME_KIND,
    alloc_array,
    copy_bytes,
    counted_loop,
    load_element,
    make_pair,
    pair_parts,
    runtime_call,
    scratch,
    store_element,
)

if TYPE_CHECKING:
    from llvmlite import ir

    from .frame import FunctionFrame

__all__ = ["elements_equal", "emit_list_call", "emit_list_literal"]

_MIN_MAX = {
    (IrType.INT, ListOp.MIN): MathOp.INT_MIN,
    (IrType.INT, ListOp.MAX): MathOp.INT_MAX,
    (IrType.FLOAT, ListOp.MIN): MathOp.FLOAT_MIN,
    (IrType.FLOAT, ListOp.MAX): MathOp.FLOAT_MAX,
}


def _i64(value: int) -> ir.Constant:
    from llvmlite import ir

    return ir.IntType(64)(value)


def emit_list_literal(em: FunctionFrame, ty: IrType, values: Sequence[ir.Value]) -> ir.Value:
    """``[values...]`` as a fresh arena list of type ``ty``."""
    element = ty.element
    data = alloc_array(em, element, _i64(len(values)))
    for i, value in enumerate(values):
        store_element(em, data, _i64(i), element, value)
    return make_pair(em, data, _i64(len(values)))


def elements_equal(em: FunctionFrame, element: IrType, a: ir.Value, b: ir.Value) -> ir.Value:
    """The language's equality of two elements (i1)."""
    if element is IrType.FLOAT:
        return arith.float_eq(em, a, b)
    if element is IrType.STRING:
        return string_equal(em, a, b)
    return em.builder.icmp_signed("==", a, b)


def lists_equal(em: FunctionFrame, element: IrType, a: ir.Value, b: ir.Value) -> ir.Value:
    """``a == b`` for two lists (i1): equal lengths, then each element by its ``==``
    (so NaN equals NaN and -0.0 equals 0.0, as for Floats)."""
    from llvmlite import ir

    bld = em.builder
    (a_ptr, a_len), (b_ptr, b_len) = pair_parts(em, a), pair_parts(em, b)
    same = em.alloca(ir.IntType(1), "list.eq")
    bld.store(bld.icmp_signed("==", a_len, b_len), same)
    with (
        bld.if_then(bld.load(same, typ=ir.IntType(1))),
        counted_loop(em, _i64(0), a_len, "eq") as loop,
    ):
        x = load_element(em, a_ptr, loop.index, element)
        y = load_element(em, b_ptr, loop.index, element)
        with bld.if_then(bld.not_(elements_equal(em, element, x, y))):
            bld.store(ir.IntType(1)(0), same)
            bld.branch(loop.exit)
    return bld.load(same, typ=ir.IntType(1))


def emit_list_call(em: FunctionFrame, op: ListOp, ty: IrType, args: Sequence[ir.Value]) -> ir.Value:
    """``op(*args)`` on a list of type ``ty`` (arguments already evaluated)."""
    b = em.builder
    element = ty.element
    ptr, length = pair_parts(em, args[0])
    if op is ListOp.LEN:
        return length
    if op is ListOp.INDEX:
        # unsigned: a negative index is a huge one
        em.fail_if(b.icmp_unsigned(">=", args[1], length), ErrorKind.INDEX_OUT_OF_BOUNDS)
        return load_element(em, ptr, args[1], element)
    if op in (ListOp.FIRST, ListOp.LAST, ListOp.MIN, ListOp.MAX):
        em.fail_if(b.icmp_signed("==", length, _i64(0)), ErrorKind.EMPTY_LIST)
        if op is ListOp.FIRST:
            return load_element(em, ptr, _i64(0), element)
        if op is ListOp.LAST:
            return load_element(em, ptr, b.sub(length, _i64(1)), element)
        return _fold_extreme(em, op, element, ptr, length)
    if op is ListOp.CONTAINS:
        return _contains(em, element, ptr, length, args[1])
    if op is ListOp.REVERSE:
        return _reverse(em, element, ptr, length)
    if op is ListOp.CONCAT:
        return _concat(em, element, args[0], args[1])
    if op is ListOp.SLICE:
        return _slice(em, element, (ptr, length), args[1:])
    assert op in (ListOp.SORT, ListOp.UNIQUE), op
    return _sorted_or_unique(em, op, element, ptr, length)


def _pick(em: FunctionFrame, op: ListOp, element: IrType, acc: ir.Value, x: ir.Value) -> ir.Value:
    """One fold step of min/max: ``op(acc, x)``."""
    from llvmlite import ir

    b = em.builder
    if (element, op) in _MIN_MAX:
        return arith.emit_math(em, _MIN_MAX[element, op], [acc, x])
    if element is IrType.BOOL:
        return b.and_(acc, x) if op is ListOp.MIN else b.or_(acc, x)
    order = string_compare(em, x, acc)
    better = b.icmp_signed("<" if op is ListOp.MIN else ">", order, ir.IntType(32)(0))
    return b.select(better, x, acc)


def _fold_extreme(
    em: FunctionFrame, op: ListOp, element: IrType, ptr: ir.Value, length: ir.Value
) -> ir.Value:
    b = em.builder
    ty = llvm_type(element)
    acc = em.alloca(ty, "list.acc")
    b.store(load_element(em, ptr, _i64(0), element), acc)
    with counted_loop(em, _i64(1), length, "list.fold") as loop:
        x = load_element(em, ptr, loop.index, element)
        b.store(_pick(em, op, element, b.load(acc, typ=ty), x), acc)
    return b.load(acc, typ=ty)


def _contains(
    em: FunctionFrame, element: IrType, ptr: ir.Value, length: ir.Value, needle: ir.Value
) -> ir.Value:
    from llvmlite import ir

    b = em.builder
    i1 = ir.IntType(1)
    found = em.alloca(i1, "list.found")
    b.store(i1(0), found)
    with counted_loop(em, _i64(0), length, "list.contains") as loop:
        x = load_element(em, ptr, loop.index, element)
        with b.if_then(elements_equal(em, element, x, needle)):
            b.store(i1(1), found)
            b.branch(loop.exit)
    return b.load(found, typ=i1)


def _reverse(em: FunctionFrame, element: IrType, ptr: ir.Value, length: ir.Value) -> ir.Value:
    b = em.builder
    data = alloc_array(em, element, length)
    last = b.sub(length, _i64(1))
    with counted_loop(em, _i64(0), length, "list.reverse") as loop:
        x = load_element(em, ptr, loop.index, element)
        store_element(em, data, b.sub(last, loop.index), element, x)
    return make_pair(em, data, length)


def _copy(em: FunctionFrame, element: IrType, dst: ir.Value, src: ir.Value, n: ir.Value) -> None:
    copy_bytes(em, dst, src, em.builder.mul(n, _i64(ELEMENT_SIZE[element])))


def _concat(em: FunctionFrame, element: IrType, xs: ir.Value, ys: ir.Value) -> ir.Value:
    from llvmlite import ir

    b = em.builder
    (xp, xn), (yp, yn) = pair_parts(em, xs), pair_parts(em, ys)
    total = b.add(xn, yn, flags=["nuw", "nsw"])
    data = alloc_array(em, element, total)
    _copy(em, element, data, xp, xn)
    tail = b.gep(data, [b.mul(xn, _i64(ELEMENT_SIZE[element]))], source_etype=ir.IntType(8))
    _copy(em, element, tail, yp, yn)
    return make_pair(em, data, total)


def _slice(
    em: FunctionFrame, element: IrType, list_: tuple[ir.Value, ir.Value], bounds: Sequence[ir.Value]
) -> ir.Value:
    """The ``count`` elements from ``start`` as a list sharing ``ptr``'s memory."""
    from llvmlite import ir

    (ptr, length), (start, count) = list_, bounds
    b = em.builder
    # unsigned: a negative start or count is a huge one; start <= length first, so that
    # length - start cannot wrap
    em.fail_if(b.icmp_unsigned(">", start, length), ErrorKind.INDEX_OUT_OF_BOUNDS)
    em.fail_if(b.icmp_unsigned(">", count, b.sub(length, start)), ErrorKind.INDEX_OUT_OF_BOUNDS)
    offset = b.mul(start, _i64(ELEMENT_SIZE[element]))
    return make_pair(em, b.gep(ptr, [offset], source_etype=ir.IntType(8)), count)


def _sorted_or_unique(
    em: FunctionFrame, op: ListOp, element: IrType, ptr: ir.Value, length: ir.Value
) -> ir.Value:
    """Sort or deduplicate an arena copy in place with the runtime."""
    from llvmlite import ir

    b = em.builder
    i32, i64 = ir.IntType(32), ir.IntType(64)
    data = alloc_array(em, element, length)
    _copy(em, element, data, ptr, length)
    kind = i32(RUNTIME_KIND[element])
    arena = em.field(CTX_ARENA)
    assert op.symbol is not None, op
    if op is ListOp.SORT:
        status = runtime_call(em, op.symbol, i32, [arena, kind, data, length])
        new_length = length
    else:
        slot = scratch(em, 0)
        status = runtime_call(em, op.symbol, i32, [arena, kind, data, length, slot])
    with b.if_then(b.icmp_signed("!=", status, i32(0)), likely=False):
        em.fail_status(status)
    if op is ListOp.UNIQUE:
        new_length = b.load(slot, typ=i64)
    return make_pair(em, data, new_length)
