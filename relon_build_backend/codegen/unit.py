"""What every function emitter of one rule module shares: the llvmlite module, the
target kind, the per-call context layout and the declared callees.

The **context** is a small struct each entry call allocates in its own frame (so calls
on different threads share nothing) and passes by pointer to every internal function:

    { i64 caps, i64 steps, i32 depth, i32 status }

``steps`` is the remaining budget as an unsigned count: a negative ``max_steps``
becomes ``2**64 - 1``, which no run can exhaust, so charging a step is one compare and
one decrement with no "unlimited" branch. ``status`` is the error of the innermost
failing internal function (internal functions return only their value; the caller
reads ``status`` after each call), so no internal frame needs a result slot in memory
(on wasm32 such slots would live on the small shadow stack).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..ir.nodes import HostImport, IrType

if TYPE_CHECKING:
    from llvmlite import ir

    from .targets import TargetKind

__all__ = [
    "CTX_CAPS",
    "CTX_DEPTH",
    "CTX_STATUS",
    "CTX_STEPS",
    "CodegenUnit",
    "HostDecl",
    "abi_type",
    "context_type",
    "intrinsic",
    "llvm_type",
]

#: field indices of the context struct
CTX_CAPS = 0
CTX_STEPS = 1
CTX_DEPTH = 2
CTX_STATUS = 3


def llvm_type(ty: IrType) -> ir.Type:
    """The type a value has inside the module (Bool is ``i1``)."""
    from llvmlite import ir

    if ty is IrType.INT:
        return ir.IntType(64)
    if ty is IrType.FLOAT:
        return ir.DoubleType()
    return ir.IntType(1)


def abi_type(ty: IrType) -> ir.Type:
    """The type a value has at the entry ABI (Bool crosses as ``i32`` 0/1)."""
    from llvmlite import ir

    return ir.IntType(32) if ty is IrType.BOOL else llvm_type(ty)


def context_type() -> ir.LiteralStructType:
    from llvmlite import ir

    i64, i32 = ir.IntType(64), ir.IntType(32)
    return ir.LiteralStructType([i64, i64, i32, i32])


@dataclass(frozen=True, slots=True)
class HostDecl:
    """A declared host function. ``wasm_import``: a gated import on wasm32, declared as
    ``relon_import_<name>`` with Bool as ``i32`` (docs/abi.md "Gated host functions")."""

    host: HostImport
    function: ir.Function
    wasm_import: bool

    def call(self, builder: ir.IRBuilder, args: list[ir.Value]) -> ir.Value:
        """Call it; Bool arguments carry ``zeroext`` at the call site too, as Rust's
        extern "C" ABI expects, in case the shim is not inlined."""
        zext = {i: ("zeroext",) for i, t in enumerate(self.host.params) if t is IrType.BOOL}
        return builder.call(self.function, args, arg_attrs=zext or None)


@dataclass(frozen=True, slots=True)
class CodegenUnit:
    """One rule module under construction; the mappings are filled before any body is
    emitted and only read afterwards."""

    module: ir.Module
    kind: TargetKind
    prefix: str
    functions: Mapping[str, ir.Function]  # Relon IR function name -> internal function
    hosts: Mapping[str, HostDecl]


def intrinsic(module: ir.Module, name: str, ret: ir.Type, args: list[ir.Type]) -> ir.Function:
    """Get or declare the intrinsic ``name`` (type-mangled, e.g. ``llvm.floor.f64``)."""
    from llvmlite import ir

    existing = module.globals.get(name)
    if existing is not None:
        assert isinstance(existing, ir.Function)
        return existing
    return ir.Function(module, ir.FunctionType(ret, args), name=name)
