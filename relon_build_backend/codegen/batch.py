"""The batch entry of a scalar rule: the rule over whole columns in one call (docs/abi.md
"Batch entry").

For symbol prefix ``P`` and a rule whose ``#main`` parameters and result are all Int,
Float or Bool (:func:`batchable`):

- ``i32 P_batch(i64 caps, i64 max_steps, i64 n, ptr column..., ptr out, ptr failed_row)``

One column per parameter, ``n`` elements each (Int ``i64``, Float ``double``, Bool one
byte, non-zero is true); ``out`` gets ``n`` results of the same layouts. Row ``i`` runs
exactly as ``P_call(caps, max_steps, column[i]..., &out[i])`` would: ``P.run`` (which
sets the row's capabilities, its own step budget and its status) inlines into one loop
over the rows, each row with its own arena (``P.run`` and the entry's body are marked
``alwaysinline``, so ``P_call`` still inlines them as when it was their only caller).
The first failing row stops the loop: its status is returned, its note left as it wrote
it, and ``*failed_row`` holds its index.

When the module can panic (it calls a host function or the runtime crate, whose panic
handlers call ``relon_trap``), ``*failed_row`` is written before every row rather than
on failure only, so it names the row a panic leaves the loop from (natively a
``longjmp`` to the guard around the whole loop, on wasm32 a trap the loader catches).
Natively the loop runs under ``relon_guard`` when ``P_call`` does; a panicking row's
arena is freed after the guard returns, as in ``P_call``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .._relon_runtime.abi import batch_symbol
from ..ir.nodes import IrModule, IrType
from .unit import CTX_ARENA, CodegenUnit, context_type, is_heap

if TYPE_CHECKING:
    from llvmlite import ir

__all__ = ["batchable", "define_batch"]

#: ``guard(unit, name, target)``: ``target`` run under ``relon_guard`` (``entry.py``)
Guard = Callable[[CodegenUnit, str, "ir.Function"], "ir.Function"]


def batchable(ir_module: IrModule) -> bool:
    """Whether the rule gets ``P_batch``: one or more parameters, all scalars, and a
    scalar result (a superset of ``abi.has_batch``, which also leaves out records)."""
    entry = ir_module.entry
    params = [p.type for p in entry.params]
    return (
        bool(params)
        and isinstance(entry.result, IrType)
        and not any(is_heap(t) for t in [*params, entry.result])
    )


def define_batch(
    unit: CodegenUnit,
    ir_module: IrModule,
    run: ir.Function,
    *,
    guard: Guard | None,
    uses_arena: bool,
) -> None:
    """Define ``P_batch`` over ``run`` (``P.run``, unguarded) when the rule is
    :func:`batchable`; ``guard`` wraps the row loop when host panics must be caught."""
    if not batchable(ir_module):
        return
    from llvmlite import ir

    i32, i64, void, ptr = ir.IntType(32), ir.IntType(64), ir.VoidType(), ir.PointerType()
    count = len(ir_module.entry.params)
    params = [i64, i64, i64, *[ptr] * count, ptr, ptr]
    # run and the entry's body (its two versions) had one caller each, P_call (or its
    # guard's thunk), which O3 then always inlined them into; with a second caller it
    # might not, so force them into both (the entry's body is never recursive)
    name = ir_module.entry.name
    for function in (run, unit.functions[name], unit.unlimited.get(name)):
        if function is not None:
            function.attributes.add("alwaysinline")
    may_trap = bool(ir_module.host_imports) or any(
        name.startswith("relon_rt_") and name != "relon_rt_pow" for name in unit.module.globals
    )
    rows = _define_rows(unit, ir_module, run, uses_arena=uses_arena, may_trap=may_trap)
    if guard is not None:
        rows = guard(unit, f"{unit.prefix}.batch.guarded", rows)
        rows.linkage = "internal"
    batch = ir.Function(unit.module, ir.FunctionType(i32, params), name=batch_symbol(unit.prefix))
    b = ir.IRBuilder(batch.append_basic_block("entry"))
    ctx = b.alloca(context_type(), name="ctx")
    status = b.call(rows, [ctx, *batch.args])
    if uses_arena:  # the failing row's arena (a panic left it before its free)
        with b.if_then(b.icmp_signed("!=", status, i32(0)), likely=False):
            arena = b.gep(ctx, [i32(0), i32(CTX_ARENA)], inbounds=True)
            b.call(_runtime(unit.module, "relon_arena_free", void), [arena])
    b.ret(status)


def _define_rows(
    unit: CodegenUnit, ir_module: IrModule, run: ir.Function, *, uses_arena: bool, may_trap: bool
) -> ir.Function:
    """``i32 P.batch.rows(ptr ctx, i64 caps, i64 max_steps, i64 n, ptr column..., ptr out,
    ptr failed_row)``: the loop over the rows."""
    from llvmlite import ir

    i8, i32, i64, void, ptr = (
        ir.IntType(8),
        ir.IntType(32),
        ir.IntType(64),
        ir.VoidType(),
        ir.PointerType(),
    )
    kinds = [p.type for p in ir_module.entry.params]
    result = ir_module.entry.result
    assert isinstance(result, IrType)
    params = [ptr, i64, i64, i64, *[ptr] * len(kinds), ptr, ptr]
    rows = ir.Function(unit.module, ir.FunctionType(i32, params), name=f"{unit.prefix}.batch.rows")
    rows.linkage = "internal"
    ctx, caps, max_steps, n, *columns, out, failed = rows.args
    start = rows.append_basic_block("entry")
    head, body, done = (rows.append_basic_block(name) for name in ("head", "body", "done"))
    b = ir.IRBuilder(start)
    slot = b.alloca(_abi_slot(result), name="slot")  # run writes the result's ABI value
    arena = b.gep(ctx, [i32(0), i32(CTX_ARENA)], inbounds=True, source_etype=context_type())
    b.branch(head)

    b.position_at_end(head)
    row = b.phi(i64, name="row")
    row.add_incoming(i64(0), start)
    b.cbranch(b.icmp_signed("<", row, n), body, done)

    b.position_at_end(body)
    if may_trap:
        b.store(row, failed)
    if uses_arena:
        b.call(_runtime(unit.module, "relon_arena_init", void), [arena])
    args = [_load(b, column, row, kind) for column, kind in zip(columns, kinds, strict=True)]
    status = b.call(run, [ctx, caps, max_steps, *args, slot])
    ok = rows.append_basic_block("ok")
    fail = rows.append_basic_block("fail")
    b.cbranch(b.icmp_signed("==", status, i32(0)), ok, fail)
    b.position_at_end(fail)
    if not may_trap:
        b.store(row, failed)
    b.ret(status)

    b.position_at_end(ok)
    if uses_arena:
        b.call(_runtime(unit.module, "relon_arena_free", void), [arena])
    value = b.load(slot, typ=_abi_slot(result))
    if result is IrType.BOOL:
        value = b.trunc(value, i8)
    b.store(value, b.gep(out, [row], source_etype=_column_type(result)))
    following = b.add(row, i64(1), flags=("nuw", "nsw"))
    row.add_incoming(following, b.block)
    b.branch(head)

    b.position_at_end(done)
    b.ret(i32(0))
    return rows


def _column_type(ty: IrType) -> ir.Type:
    """A column element: Int ``i64``, Float ``double``, Bool ``i8``."""
    from llvmlite import ir

    if ty is IrType.INT:
        return ir.IntType(64)
    if ty is IrType.FLOAT:
        return ir.DoubleType()
    return ir.IntType(8)


def _abi_slot(ty: IrType) -> ir.Type:
    """What ``P.run`` stores into its out slot (Bool as ``i32`` 0/1)."""
    from llvmlite import ir

    return ir.IntType(32) if ty is IrType.BOOL else _column_type(ty)


def _load(b: ir.IRBuilder, column: ir.Value, row: ir.Value, ty: IrType) -> ir.Value:
    """Row ``row`` of ``column`` as ``P.run`` takes it (Bool: ``i32`` 0/1, from any
    non-zero byte)."""
    from llvmlite import ir

    element = _column_type(ty)
    value = b.load(b.gep(column, [row], source_etype=element), typ=element)
    if ty is IrType.BOOL:
        return b.zext(b.icmp_unsigned("!=", value, ir.IntType(8)(0)), ir.IntType(32))
    return value


def _runtime(module: ir.Module, name: str, ret: ir.Type) -> ir.Function:
    """Get or declare the arena function ``ret name(relon_arena *)`` (docs/abi.md)."""
    from llvmlite import ir

    existing = module.globals.get(name)
    if existing is None:
        existing = ir.Function(module, ir.FunctionType(ret, [ir.PointerType()]), name=name)
    assert isinstance(existing, ir.Function)
    return existing
