"""The batch entry of a scalar rule: the rule over whole columns in one call (docs/abi.md
"Batch entry").

For symbol prefix ``P`` and a rule whose ``#main`` parameters and result are all Int,
Float or Bool (:func:`batchable`):

- ``i32 P_batch(i64 caps, i64 max_steps, i64 n, ptr column..., ptr out, ptr failed_row)``

One column per parameter, ``n`` elements each (Int ``i64``, Float ``double``, Bool one
byte, non-zero is true); ``out`` gets ``n`` results of the same layouts. ``P_batch`` is
one loop over the rows calling ``P_call(caps, max_steps, column[i]..., &slot)`` for each,
so every row is one call in every respect (its own context, step budget, arena, guard
and errors). O3 inlines ``P_call`` into the loop when it is small (``x + 1`` becomes a
load, an add, an overflow check and a store per row). ``P_call``, ``P.run`` and the
rule's functions are untouched: calling ``P_call`` (an export, whose inlining into
``P_main`` no extra caller changes) rather than ``P.run`` leaves ``main``'s code as it was.

The first failing row stops the loop: its status is returned, its note left as it wrote
it, and ``*failed_row`` holds its index. A native host panic is caught by the row's
``P_call`` (status 7). On wasm32 a panic is a trap that leaves the whole loop, so when
the module can panic (it calls a host function or the runtime crate) ``*failed_row`` is
written before every row instead, for the loader to read after the trap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._relon_runtime.abi import batch_symbol
from ..ir.nodes import IrModule, IrType
from .unit import CodegenUnit, is_scalar_rule

if TYPE_CHECKING:
    from llvmlite import ir

__all__ = ["batchable", "define_batch"]


def batchable(ir_module: IrModule) -> bool:
    """Whether the rule gets ``P_batch``: one or more parameters, all scalars, and a
    scalar result (a superset of ``abi.has_batch``, which also leaves out records)."""
    return bool(ir_module.entry.params) and is_scalar_rule(ir_module)


def define_batch(unit: CodegenUnit, ir_module: IrModule, call: ir.Function) -> None:
    """Define ``P_batch`` over ``call`` (``P_call``) when the rule is :func:`batchable`."""
    if not batchable(ir_module):
        return
    from llvmlite import ir

    i8, i32, i64, ptr = ir.IntType(8), ir.IntType(32), ir.IntType(64), ir.PointerType()
    kinds = [p.type for p in ir_module.entry.params]
    result = ir_module.entry.result
    assert isinstance(result, IrType)
    params = [i64, i64, i64, *[ptr] * len(kinds), ptr, ptr]
    batch = ir.Function(unit.module, ir.FunctionType(i32, params), name=batch_symbol(unit.prefix))
    caps, max_steps, n, *columns, out, failed = batch.args
    announce = _may_trap(unit, ir_module)
    start = batch.append_basic_block("entry")
    head, body, ok, fail, done = (
        batch.append_basic_block(name) for name in ("head", "body", "ok", "fail", "done")
    )
    b = ir.IRBuilder(start)
    slot = b.alloca(_slot_type(result), name="slot")  # P_call's out (Bool as i32 0/1)
    b.branch(head)

    b.position_at_end(head)
    row = b.phi(i64, name="row")
    row.add_incoming(i64(0), start)
    b.cbranch(b.icmp_signed("<", row, n), body, done)

    b.position_at_end(body)
    if announce:
        b.store(row, failed)
    args = [_load(b, column, row, kind) for column, kind in zip(columns, kinds, strict=True)]
    status = b.call(call, [caps, max_steps, *args, slot])
    b.cbranch(b.icmp_signed("==", status, i32(0)), ok, fail)

    b.position_at_end(fail)
    if not announce:
        b.store(row, failed)
    b.ret(status)

    b.position_at_end(ok)
    value = b.load(slot, typ=_slot_type(result))
    if result is IrType.BOOL:
        value = b.trunc(value, i8)
    b.store(value, b.gep(out, [row], source_etype=_column_type(result)))
    row.add_incoming(b.add(row, i64(1), flags=("nuw", "nsw")), ok)
    b.branch(head)

    b.position_at_end(done)
    b.ret(i32(0))


def _may_trap(unit: CodegenUnit, ir_module: IrModule) -> bool:
    """Whether a row can leave ``P_batch`` by a trap rather than a status: on wasm32, when
    the module calls a host function or the runtime crate (both panic by trapping)."""
    if unit.target.trap != "unreachable":
        return False  # natively the row's own guard catches a panic: status 7
    return bool(ir_module.host_imports) or any(
        name.startswith("relon_rt_") and name != "relon_rt_pow" for name in unit.module.globals
    )


def _column_type(ty: IrType) -> ir.Type:
    """A column element: Int ``i64``, Float ``double``, Bool ``i8``."""
    from llvmlite import ir

    if ty is IrType.INT:
        return ir.IntType(64)
    if ty is IrType.FLOAT:
        return ir.DoubleType()
    return ir.IntType(8)


def _slot_type(ty: IrType) -> ir.Type:
    """What ``P_call`` writes to its out slot (Bool as ``i32`` 0/1)."""
    from llvmlite import ir

    return ir.IntType(32) if ty is IrType.BOOL else _column_type(ty)


def _load(b: ir.IRBuilder, column: ir.Value, row: ir.Value, ty: IrType) -> ir.Value:
    """Row ``row`` of ``column`` as ``P_call`` takes it (Bool: ``i32`` 0/1, from any
    non-zero byte)."""
    from llvmlite import ir

    element = _column_type(ty)
    value = b.load(b.gep(column, [row], source_etype=element), typ=element)
    if ty is IrType.BOOL:
        return b.zext(b.icmp_unsigned("!=", value, ir.IntType(8)(0)), ir.IntType(32))
    return value
