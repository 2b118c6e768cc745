"""String nodes: :class:`ToText`, :class:`Concat`, :class:`StrCall` and string
equality, with the exact semantics of ``ir/nodes.py`` and ``stdlib/strings.py``.

Searching, case mapping, trimming, formatting, splitting, replacing and joining call
the runtime (docs/runtime.md) so native and wasm32 share one algorithm; lengths,
concatenation and substrings are inline. ``trim`` and ``substring`` return sub-slices
of their operand (no copy), which may point into the caller's input buffers: allowed,
since the loader copies results out before it releases the inputs (docs/abi.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..exhaustive import unreachable
from ..ir.nodes import ErrorKind, IrType
from ..stdlib import Emit, StringOp
from .unit import CTX_ARENA, CTX_TEXT
from .values import (
    alloc,
    copy_bytes,
    load_pair,
    make_pair,
    pair_parts,
    runtime_call,
    scratch,
    string_constant,
)

if TYPE_CHECKING:
    from llvmlite import ir

    from .frame import FunctionFrame

__all__ = ["emit_concat", "emit_str_call", "emit_to_text", "string_compare", "string_equal"]

_TO_TEXT = {IrType.INT: "relon_rt_i64_to_text", IrType.FLOAT: "relon_rt_f64_to_text"}


def _i32(value: int) -> ir.Constant:
    from llvmlite import ir

    return ir.IntType(32)(value)


def _i32_type() -> ir.IntType:
    from llvmlite import ir

    return ir.IntType(32)


def _flat(em: FunctionFrame, values: Sequence[ir.Value]) -> list[ir.Value]:
    """String/List values as the runtime's ``(ptr, len)`` argument pairs."""
    return [part for value in values for part in pair_parts(em, value)]


def string_compare(em: FunctionFrame, a: ir.Value, b: ir.Value) -> ir.Value:
    """-1, 0 or 1 (i32): bytewise, then by length."""
    return runtime_call(em, "relon_rt_bytes_cmp", _i32_type(), _flat(em, [a, b]))


def string_equal(em: FunctionFrame, a: ir.Value, b: ir.Value) -> ir.Value:
    """Byte equality (i1)."""
    return em.builder.icmp_signed("==", string_compare(em, a, b), _i32(0))


def emit_to_text(em: FunctionFrame, ty: IrType, value: ir.Value) -> ir.Value:
    """The text of a scalar (a String is returned unchanged): Int/Float formatted by
    the runtime into the context's scratch buffer, then copied at its exact length."""
    from llvmlite import ir

    if ty is IrType.STRING:
        return value
    b = em.builder
    if ty is IrType.BOOL:
        return b.select(value, string_constant(em, "true"), string_constant(em, "false"))
    scratch = em.field(CTX_TEXT)
    length = runtime_call(em, _TO_TEXT[ty], ir.IntType(64), [value, scratch])
    data = alloc(em, length)
    copy_bytes(em, data, scratch, length)
    return make_pair(em, data, length)


def emit_concat(em: FunctionFrame, parts: Sequence[ir.Value]) -> ir.Value:
    """One allocation of the total length, then one copy per part."""
    from llvmlite import ir

    b = em.builder
    i64 = ir.IntType(64)
    total: ir.Value = i64(0)
    for part in parts:
        # lengths of values in memory: the sum cannot overflow i64
        total = b.add(total, b.extract_value(part, 1), flags=["nuw", "nsw"])
    data = alloc(em, total)
    offset: ir.Value = i64(0)
    for part in parts:
        ptr, length = pair_parts(em, part)
        copy_bytes(em, b.gep(data, [offset], source_etype=ir.IntType(8)), ptr, length)
        offset = b.add(offset, length, flags=["nuw", "nsw"])
    return make_pair(em, data, total)


def emit_str_call(  # noqa: RET503
    em: FunctionFrame, op: StringOp, args: Sequence[ir.Value]
) -> ir.Value:
    """``op(*args)`` (arguments already evaluated, left to right), as its row says."""
    from llvmlite import ir

    b = em.builder
    symbol = op.symbol or ""
    match op.emit:
        case Emit.LENGTH:
            return b.extract_value(args[0], 1)
        case Emit.PREDICATE:
            found = runtime_call(em, symbol, _i32_type(), _flat(em, args))
            return b.icmp_signed("!=", found, _i32(0))
        case Emit.CASE_MAP:
            ptr, length = pair_parts(em, args[0])
            data = alloc(em, length)
            runtime_call(em, symbol, ir.VoidType(), [ptr, length, data])
            return make_pair(em, data, length)
        case Emit.SLICE:
            return _slice(em, symbol, args[0])
        case Emit.SUBSTRING:
            return _substring(em, symbol, *args)
        case Emit.BUILD:
            return _build(em, symbol, args)
    unreachable(op.emit)  # mypy proves this unreachable: every kind of emission is handled


def _slice(em: FunctionFrame, symbol: str, value: ir.Value) -> ir.Value:
    from llvmlite import ir

    b = em.builder
    i64 = ir.IntType(64)
    start_slot, length_slot = scratch(em, 0), scratch(em, 8)
    ptr, length = pair_parts(em, value)
    runtime_call(em, symbol, ir.VoidType(), [ptr, length, start_slot, length_slot])
    start = b.load(start_slot, typ=i64)
    data = b.gep(ptr, [start], source_etype=ir.IntType(8))
    return make_pair(em, data, b.load(length_slot, typ=i64))


def _substring(
    em: FunctionFrame, symbol: str, value: ir.Value, start: ir.Value, end: ir.Value
) -> ir.Value:
    """Bytes ``start..end``; IndexOutOfBounds unless ``0 <= start <= end <= len`` and
    both ends are char boundaries (checked in that order, the first failing wins)."""
    from llvmlite import ir

    b = em.builder
    ptr, length = pair_parts(em, value)
    i64 = ir.IntType(64)
    outside = b.or_(
        b.icmp_signed("<", start, i64(0)),
        b.or_(b.icmp_signed(">", start, end), b.icmp_signed(">", end, length)),
    )
    em.fail_if(outside, ErrorKind.INDEX_OUT_OF_BOUNDS)
    zero = _i32(0)
    for index in (start, end):
        boundary = runtime_call(em, symbol, _i32_type(), [ptr, length, index])
        em.fail_if(b.icmp_signed("==", boundary, zero), ErrorKind.INDEX_OUT_OF_BOUNDS)
    data = b.gep(ptr, [start], source_etype=ir.IntType(8))
    return make_pair(em, data, b.sub(end, start))


def _build(em: FunctionFrame, symbol: str, args: Sequence[ir.Value]) -> ir.Value:
    """The runtime allocates the result and fills an out pair; a non-zero status (out
    of memory, empty separator) is raised."""
    b = em.builder
    out = scratch(em, 0)
    status = runtime_call(em, symbol, _i32_type(), [em.field(CTX_ARENA), *_flat(em, args), out])
    with b.if_then(b.icmp_signed("!=", status, _i32(0)), likely=False):
        em.fail_status(status)
    return load_pair(em, out)
