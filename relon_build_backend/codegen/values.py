"""Memory-level building blocks for String and List values (docs/abi.md "Strings, lists
and tuples").

Inside a module a String or List value is a ``{ptr, i64 len}`` struct (``llvm_type``);
its bytes or elements live in the call's arena, in a constant, or in the caller's
input buffers (values are immutable, so sharing is always safe). Element layout in
memory, the same as at the entry boundary:

- Int ``i64``, Float ``double``, Bool ``u8`` 0/1;
- String ``RelonStr``: the pointer stored zero-extended to 64 bits, then ``i64 len``
  (16 bytes). On wasm32 this writes the 4 padding bytes after the pointer as zero, as
  the runtime does, so a reader may take either the 4-byte pointer or the 8-byte word.

Allocation goes through ``relon_arena_alloc`` on the context's arena; NULL (out of
memory, or the call's memory limit reached) raises ``ValueTooLarge``. Runtime functions
are declared external on first use; the linker stage supplies them (docs/runtime.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .._relon_runtime.abi import NOTE_FUNCTION
from ..ir.nodes import ErrorKind, IrType
from .unit import CTX_ARENA, CTX_TEXT, intrinsic, llvm_type

if TYPE_CHECKING:
    from llvmlite import ir

    from .frame import FunctionFrame

__all__ = [
    "ELEMENT_SIZE",
    "RUNTIME_KIND",
    "CountedLoop",
    "alloc",
    "alloc_array",
    "copy_bytes",
    "counted_loop",
    "element_address",
    "leave_note",
    "leave_note_value",
    "load_element",
    "load_pair",
    "make_pair",
    "pair_parts",
    "runtime_call",
    "scratch",
    "store_element",
    "store_pair",
    "string_constant",
]

#: bytes per list element (see the module docstring)
ELEMENT_SIZE: dict[IrType, int] = {
    IrType.INT: 8,
    IrType.FLOAT: 8,
    IrType.BOOL: 1,
    IrType.STRING: 16,
}
#: the ``kind`` argument of ``relon_rt_sort`` / ``relon_rt_unique`` (docs/runtime.md)
RUNTIME_KIND: dict[IrType, int] = {IrType.INT: 0, IrType.FLOAT: 1, IrType.BOOL: 2, IrType.STRING: 3}


def _i64(value: int) -> ir.Constant:
    from llvmlite import ir

    return ir.IntType(64)(value)


def make_pair(em: FunctionFrame, ptr: ir.Value, length: ir.Value) -> ir.Value:
    """The ``{ptr, i64 len}`` value of a String or List."""
    from llvmlite import ir

    b = em.builder
    ty = ir.LiteralStructType([ir.PointerType(), ir.IntType(64)])
    return b.insert_value(b.insert_value(ir.Constant(ty, None), ptr, 0), length, 1)


def pair_parts(em: FunctionFrame, value: ir.Value) -> tuple[ir.Value, ir.Value]:
    """``(ptr, len)`` of a String or List value."""
    return em.builder.extract_value(value, 0), em.builder.extract_value(value, 1)


def runtime_call(em: FunctionFrame, name: str, ret: ir.Type, args: list[ir.Value]) -> ir.Value:
    """Call ``relon_rt_*``/``relon_arena_*`` function ``name``, declaring it on first use
    with the argument types given."""
    from llvmlite import ir

    module = em.unit.module
    function = module.globals.get(name)
    if function is None:
        function = ir.Function(module, ir.FunctionType(ret, [a.type for a in args]), name=name)
    assert isinstance(function, ir.Function)
    return em.builder.call(function, args)


def scratch(em: FunctionFrame, offset: int) -> ir.Value:
    """Address of byte ``offset`` of the context's scratch buffer: where runtime
    functions write their out values (read right after the call, so nothing overlaps).
    Not a local ``alloca``: an escaping local would stay on wasm32's shadow stack in
    every frame of a recursive function."""
    from llvmlite import ir

    return em.builder.gep(em.field(CTX_TEXT), [_i64(offset)], source_etype=ir.IntType(8))


def alloc(em: FunctionFrame, size: ir.Value) -> ir.Value:
    """``size`` (i64) 8-aligned bytes from the call's arena; raises ValueTooLarge
    when the arena is out of memory."""
    from llvmlite import ir

    b = em.builder
    block = runtime_call(em, "relon_arena_alloc", ir.PointerType(), [em.field(CTX_ARENA), size])
    out_of_memory = b.icmp_unsigned("==", block, ir.Constant(ir.PointerType(), None))
    em.fail_if(out_of_memory, ErrorKind.VALUE_TOO_LARGE)
    return block


def alloc_array(em: FunctionFrame, element: IrType, count: ir.Value) -> ir.Value:
    """Room for ``count`` elements (``count`` is at most a list length already in
    memory, or bounded by the caller, so the multiplication cannot overflow)."""
    return alloc(em, em.builder.mul(count, _i64(ELEMENT_SIZE[element])))


def copy_bytes(em: FunctionFrame, dst: ir.Value, src: ir.Value, size: ir.Value) -> None:
    """``llvm.memcpy`` of ``size`` (i64) bytes; on wasm32 with an i32 length, so it
    becomes ``memory.copy`` (bulk-memory) rather than a libc call."""
    from llvmlite import ir

    ptr, i1 = ir.PointerType(), ir.IntType(1)
    if em.unit.target.pointer_bits == 32:
        size = em.builder.trunc(size, ir.IntType(32))
    name = f"llvm.memcpy.p0.p0.i{size.type.width}"
    memcpy = intrinsic(em.unit.module, name, ir.VoidType(), [ptr, ptr, size.type, i1])
    em.builder.call(memcpy, [dst, src, size, i1(0)])


def element_address(
    em: FunctionFrame, base: ir.Value, index: ir.Value, element: IrType
) -> ir.Value:
    from llvmlite import ir

    b = em.builder
    offset = b.mul(index, _i64(ELEMENT_SIZE[element]))
    return b.gep(base, [offset], source_etype=ir.IntType(8))


def store_pair(b: ir.IRBuilder, address: ir.Value, value: ir.Value) -> None:
    """Store a String/List value as ``{u64 ptr, i64 len}`` (RelonStr, result slots)."""
    from llvmlite import ir

    i64 = ir.IntType(64)
    ptr, length = b.extract_value(value, 0), b.extract_value(value, 1)
    b.store(b.ptrtoint(ptr, i64), address, align=8)
    b.store(length, b.gep(address, [_i64(8)], source_etype=ir.IntType(8)), align=8)


def load_pair(em: FunctionFrame, address: ir.Value) -> ir.Value:
    """Load a RelonStr (the pointer from its first word, little-endian on both targets)."""
    from llvmlite import ir

    b = em.builder
    ptr = b.load(address, typ=ir.PointerType(), align=8)
    length = b.load(b.gep(address, [_i64(8)], source_etype=ir.IntType(8)), typ=ir.IntType(64))
    return make_pair(em, ptr, length)


def load_element(em: FunctionFrame, base: ir.Value, index: ir.Value, element: IrType) -> ir.Value:
    """Element ``index`` of the array at ``base`` as an in-module value."""
    from llvmlite import ir

    b = em.builder
    address = element_address(em, base, index, element)
    if element is IrType.STRING:
        return load_pair(em, address)
    if element is IrType.BOOL:
        return b.icmp_unsigned("!=", b.load(address, typ=ir.IntType(8)), ir.IntType(8)(0))
    return b.load(address, typ=llvm_type(element))


def store_element(
    em: FunctionFrame, base: ir.Value, index: ir.Value, element: IrType, value: ir.Value
) -> None:
    from llvmlite import ir

    b = em.builder
    address = element_address(em, base, index, element)
    if element is IrType.STRING:
        store_pair(b, address, value)
    elif element is IrType.BOOL:
        b.store(b.zext(value, ir.IntType(8)), address)
    else:
        b.store(value, address)


def string_constant(em: FunctionFrame, text: str) -> ir.Value:
    """A String constant: private bytes in the module (one NUL of padding so even the
    empty string has a valid, non-null address)."""
    from llvmlite import ir

    module = em.unit.module
    data = text.encode() + b"\0"
    array = ir.ArrayType(ir.IntType(8), len(data))
    variable = ir.GlobalVariable(
        module, array, name=module.get_unique_name(f"{em.unit.prefix}.str")
    )
    variable.global_constant = True
    variable.linkage = "private"
    variable.unnamed_addr = True
    variable.initializer = ir.Constant(array, bytearray(data))
    return make_pair(em, variable, _i64(len(data) - 1))


def leave_note(em: FunctionFrame, text: str) -> None:
    """Put ``text`` in the library's note (docs/abi.md "Notes") for the loader to read
    after the call fails; on error paths only."""
    leave_note_value(em, string_constant(em, text))


def leave_note_value(em: FunctionFrame, pair: ir.Value) -> None:
    """Put a String value in the library's note (see :func:`leave_note`)."""
    from llvmlite import ir

    ptr, length = pair_parts(em, pair)
    runtime_call(em, NOTE_FUNCTION, ir.VoidType(), [ptr, length])


@dataclass(frozen=True, slots=True)
class CountedLoop:
    """The current index (i64) of a :func:`counted_loop` and the block after it."""

    index: ir.Value
    exit: ir.Block


@contextmanager
def counted_loop(
    em: FunctionFrame, start: ir.Value, end: ir.Value, name: str
) -> Iterator[CountedLoop]:
    """``for index in start..end``: the ``with`` body is the loop body (it may branch to
    ``exit`` to stop early). No step is charged: list operations are free
    (``ListOp``). The builder ends positioned at ``exit``."""
    from llvmlite import ir

    b = em.builder
    slot = em.alloca(ir.IntType(64), f"{name}.i")
    b.store(start, slot)
    head, body, done = em.new_block(f"{name}.head"), em.new_block(name), em.new_block(f"{name}.end")
    b.branch(head)
    b.position_at_end(head)
    index = b.load(slot, typ=ir.IntType(64))
    b.cbranch(b.icmp_signed("<", index, end), body, done)
    b.position_at_end(body)
    yield CountedLoop(index, done)
    if not b.block.is_terminated:
        b.store(b.add(index, _i64(1), flags=["nsw"]), slot)
        b.branch(head)
    b.position_at_end(done)
