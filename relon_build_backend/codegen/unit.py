"""What every function emitter of one rule module shares: the llvmlite module, the
target, the per-call context layout and the declared callees.

The **context** is a small struct each entry call allocates in its own frame (so calls
on different threads share nothing) and passes by pointer to every internal function:

    { i64 caps, i64 steps, i32 status, relon_arena arena, i64 result_len,
      [400 x i8] text }

Every internal function is ``T @<P>.fn.<name>(ptr ctx, i32 depth, params...)``:
``depth`` is the number of calls active when it runs (0 for the entry's body), passed
as a value so the depth check of a call is a compare in a register, not a load and two
stores of a context field around every call.

``arena`` is the call's arena (docs/abi.md "Internal runtime interface"), reachable
from every internal function so closures can allocate. ``text`` is a scratch buffer:
``relon_rt_*_to_text`` formats into it before the exact length is copied to the arena,
and runtime functions write their out values there. ``result_len``: an internal
function returning a String or List returns only its pointer and leaves the length
here for the caller to read at once (see :func:`return_type`). Both live in the
entry's frame once rather than in every internal frame, because wasm32 keeps escaping
locals and aggregate return values on its small shadow stack (64 KiB): 16 bytes per
frame would overflow it long before ``MAX_CALL_DEPTH`` nested calls.

``steps`` is the remaining budget as an unsigned count: a negative ``max_steps``
becomes ``2**64 - 1``, which no run can exhaust, so charging a step is one compare and
one decrement with no "unlimited" branch. A module with internal functions besides the
entry's body also has an **unlimited** copy of each (``<P>.fn.<name>.unlimited``,
:attr:`CodegenUnit.unlimited`), which charges no steps at all; the entry runs it when
``max_steps`` is negative, so recursion pays nothing for a budget it cannot exhaust.
(Loops need no copy: loop versioning in ``loops.py`` takes their unchecked version.)

``status`` is the error of the innermost failing internal function (internal
functions return only their value; the caller reads ``status`` after each call), so
no internal frame needs a result slot in memory (on wasm32 such slots would live on
the small shadow stack).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..ir.nodes import HostImport, IrModule, IrType, TupleType

if TYPE_CHECKING:
    from llvmlite import ir

    from ..targets import Target

__all__ = [
    "CTX_ARENA",
    "CTX_CAPS",
    "CTX_RESULT_LEN",
    "CTX_STATUS",
    "CTX_STEPS",
    "CTX_TEXT",
    "TEXT_BUFFER_SIZE",
    "CodegenUnit",
    "HostDecl",
    "abi_type",
    "abi_types",
    "context_type",
    "intrinsic",
    "is_heap",
    "is_scalar_rule",
    "llvm_type",
    "result_type",
    "return_type",
]

#: field indices of the context struct
CTX_CAPS = 0
CTX_STEPS = 1
CTX_STATUS = 2
CTX_ARENA = 3
CTX_RESULT_LEN = 4
CTX_TEXT = 5
#: bytes of the ``text`` scratch buffer (docs/runtime.md: f64 text needs <= 400)
TEXT_BUFFER_SIZE = 400


def is_heap(ty: IrType) -> bool:
    """String and List values: ``{ptr, i64 len}`` pairs living in an arena or an input."""
    return ty is IrType.STRING or ty.is_list


def is_scalar_rule(ir_module: IrModule) -> bool:
    """Whether every parameter and the result are scalars: the rule has value entries
    (and, with a parameter, a batch entry)."""
    entry = ir_module.entry
    types = [*(p.type for p in entry.params), entry.result]
    return all(isinstance(t, IrType) and not is_heap(t) for t in types)


def llvm_type(ty: IrType) -> ir.Type:
    """The type a value has inside the module (Bool is ``i1``)."""
    from llvmlite import ir

    if ty is IrType.INT:
        return ir.IntType(64)
    if ty is IrType.FLOAT:
        return ir.DoubleType()
    if is_heap(ty):
        return ir.LiteralStructType([ir.PointerType(), ir.IntType(64)])
    return ir.IntType(1)


def result_type(ty: IrType | TupleType) -> ir.Type:
    """A function's return type: a tuple (entry only) is a literal struct of its
    elements' :func:`llvm_type`."""
    from llvmlite import ir

    if isinstance(ty, TupleType):
        return ir.LiteralStructType([llvm_type(e) for e in ty.elements])
    return llvm_type(ty)


def return_type(ty: IrType | TupleType) -> ir.Type:
    """What an internal function returns: a String/List only as its pointer (the length
    goes through the context's ``result_len``), anything else as :func:`result_type`.
    The entry's tuple stays an aggregate: it is returned once per call, not per frame."""
    from llvmlite import ir

    if isinstance(ty, IrType) and is_heap(ty):
        return ir.PointerType()
    return result_type(ty)


def abi_type(ty: IrType) -> ir.Type:
    """The type a scalar has at the entry ABI (Bool crosses as ``i32`` 0/1)."""
    from llvmlite import ir

    assert not is_heap(ty), ty
    return ir.IntType(32) if ty is IrType.BOOL else llvm_type(ty)


def abi_types(ty: IrType) -> list[ir.Type]:
    """The entry arguments one parameter crosses as: a scalar's :func:`abi_type`, or
    ``(ptr, i64 len)`` for a String or List."""
    from llvmlite import ir

    if is_heap(ty):
        return [ir.PointerType(), ir.IntType(64)]
    return [abi_type(ty)]


def context_type() -> ir.LiteralStructType:
    from llvmlite import ir

    i64, i32 = ir.IntType(64), ir.IntType(32)
    arena = ir.ArrayType(i64, 2)
    text = ir.ArrayType(ir.IntType(8), TEXT_BUFFER_SIZE)
    return ir.LiteralStructType([i64, i64, i32, arena, i64, text])


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
    target: Target
    prefix: str
    functions: Mapping[str, ir.Function]  # Relon IR function name -> internal function
    hosts: Mapping[str, HostDecl]
    #: the same names -> their copies charging no steps (empty: the module has none)
    unlimited: Mapping[str, ir.Function]


def intrinsic(module: ir.Module, name: str, ret: ir.Type, args: list[ir.Type]) -> ir.Function:
    """Get or declare the intrinsic ``name`` (type-mangled, e.g. ``llvm.floor.f64``)."""
    from llvmlite import ir

    existing = module.globals.get(name)
    if existing is not None:
        assert isinstance(existing, ir.Function)
        return existing
    return ir.Function(module, ir.FunctionType(ret, args), name=name)
