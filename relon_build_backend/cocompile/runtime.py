"""The small runtime every library links: relon_abi_version, guards, scratch, arenas.

Natively it is ``runtime.c`` (setjmp/longjmp host-panic guard, malloc'd arena
chunks, ``relon_release``) compiled by ``cc``; on wasm32 it is an object made here
from LLVM IR (``relon_abi_version``, the loader's ``relon_scratch`` buffer, the bump
heap ``relon_heap_mark``/``relon_alloc``/``relon_heap_reset``, arenas over it and the
note ``relon_note_buffer``/``relon_note``;
traps need no runtime there). :data:`NATIVE_EXPORTS`/:data:`WASM_EXPORTS` are the
library-wide symbols a library exports besides its rules' entries.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from .._relon_runtime.abi import (
    ABI_VERSION,
    DEFAULT_MAX_MEMORY,
    NATIVE_LIBRARY_SYMBOLS,
    NOTE_CAPACITY,
    WASM_LIBRARY_SYMBOLS,
    Status,
)
from ..targets import Target
from ..toolchain.cc import c_compiler
from ..toolchain.tools import run_tool

__all__ = ["NATIVE_EXPORTS", "WASM_EXPORTS", "runtime_object"]

#: Library-wide exports of a native library (docs/abi.md).
NATIVE_EXPORTS = NATIVE_LIBRARY_SYMBOLS
#: Library-wide exports of a wasm32 module (besides ``memory``).
WASM_EXPORTS = tuple(sorted(WASM_LIBRARY_SYMBOLS))
#: The ABI facts runtime.c is compiled with (it refuses to compile without them).
_C_DEFINES = (
    f"-DRELON_ABI_VERSION={ABI_VERSION}",
    f"-DRELON_STATUS_HOST_PANIC={int(Status.HOST_PANIC)}",
    f"-DRELON_NOTE_CAPACITY={NOTE_CAPACITY}",
    f"-DRELON_DEFAULT_MAX_MEMORY={DEFAULT_MAX_MEMORY}LL",
)

_RUNTIME_C = Path(__file__).with_name("runtime.c")

# The wasm32 bump heap (docs/abi.md "Memory during a call"): it starts at the linker's
# __heap_base and grows the memory as needed; an arena is a mark to reset to, so
# detaching hands out no handle (the loader resets the heap after each call).
_WASM_RUNTIME = f"""
@relon_scratch_buffer = internal global [64 x i8] zeroinitializer, align 8
@relon_memory_limit = internal global i64 {DEFAULT_MAX_MEMORY}, align 8
@relon_note_area = internal global {{ i64, [{NOTE_CAPACITY} x i8] }} zeroinitializer, align 8
@__heap_base = external global i8
@relon_heap_top = internal global ptr @__heap_base, align 4

declare i32 @llvm.wasm.memory.size.i32(i32 immarg)
declare i32 @llvm.wasm.memory.grow.i32(i32 immarg, i32)
declare void @llvm.memcpy.p0.p0.i32(ptr, ptr, i32, i1 immarg)

define i32 @relon_abi_version() {{
  ret i32 {ABI_VERSION}
}}

define ptr @relon_scratch() {{
  ret ptr @relon_scratch_buffer
}}

define ptr @relon_note_buffer() {{
  ret ptr @relon_note_area
}}

; replaces the note with len bytes of text (cut to the capacity); an i32 length makes
; the copy a bulk-memory memory.copy, not a call to a libc the module may not link
define void @relon_note(ptr %text, i64 %len) {{
  %negative = icmp slt i64 %len, 0
  %floor = select i1 %negative, i64 0, i64 %len
  %long = icmp sgt i64 %floor, {NOTE_CAPACITY}
  %kept = select i1 %long, i64 {NOTE_CAPACITY}, i64 %floor
  %count = trunc i64 %kept to i32
  %dest = getelementptr inbounds i8, ptr @relon_note_area, i32 8
  call void @llvm.memcpy.p0.p0.i32(ptr %dest, ptr %text, i32 %count, i1 false)
  store i64 %kept, ptr @relon_note_area, align 8
  ret void
}}

define i64 @relon_heap_mark() {{
  %top = load ptr, ptr @relon_heap_top, align 4
  %mark = ptrtoint ptr %top to i64
  ret i64 %mark
}}

define void @relon_heap_reset(i64 %mark) {{
  %top = inttoptr i64 %mark to ptr
  store ptr %top, ptr @relon_heap_top, align 4
  ret void
}}

; 8-aligned bytes from the top of the heap, growing the memory if needed; NULL when
; the request is negative or the memory cannot grow (a 4 GiB address space at most).
define ptr @relon_alloc(i64 %size) {{
entry:
  %too_big = icmp ugt i64 %size, 4294967295
  br i1 %too_big, label %fail, label %sized
sized:
  %top = load ptr, ptr @relon_heap_top, align 4
  %start = ptrtoint ptr %top to i64
  %padded = add i64 %size, 7
  %need = and i64 %padded, -8
  %end = add i64 %start, %need
  %pages = call i32 @llvm.wasm.memory.size.i32(i32 0)
  %pages64 = zext i32 %pages to i64
  %limit = shl i64 %pages64, 16
  %fits = icmp ule i64 %end, %limit
  br i1 %fits, label %bump, label %grow
grow:
  %past_4g = icmp uge i64 %end, 4294967296
  br i1 %past_4g, label %fail, label %try_grow
try_grow:
  %missing = sub i64 %end, %limit
  %round = add i64 %missing, 65535
  %more64 = lshr i64 %round, 16
  %more = trunc i64 %more64 to i32
  %old = call i32 @llvm.wasm.memory.grow.i32(i32 0, i32 %more)
  %failed = icmp eq i32 %old, -1
  br i1 %failed, label %fail, label %bump
bump:
  %new_top = inttoptr i64 %end to ptr
  store ptr %new_top, ptr @relon_heap_top, align 4
  ret ptr %top
fail:
  ret ptr null
}}

define void @relon_set_memory_limit(i64 %bytes) {{
  %negative = icmp slt i64 %bytes, 0
  %limit = select i1 %negative, i64 0, i64 %bytes
  store i64 %limit, ptr @relon_memory_limit, align 8
  ret void
}}

; an arena is {{ i64 heap mark, i64 budget }}: the bytes the call may still allocate
define void @relon_arena_init(ptr %arena) {{
  %mark = call i64 @relon_heap_mark()
  store i64 %mark, ptr %arena, align 8
  %limit = load i64, ptr @relon_memory_limit, align 8
  %budget_at = getelementptr inbounds i8, ptr %arena, i32 8
  store i64 %limit, ptr %budget_at, align 8
  ret void
}}

; counted as natively: 8-aligned requests, NULL past the budget (ValueTooLarge)
define ptr @relon_arena_alloc(ptr %arena, i64 %size) {{
entry:
  %budget_at = getelementptr inbounds i8, ptr %arena, i32 8
  %budget = load i64, ptr %budget_at, align 8
  %negative = icmp slt i64 %size, 0
  %padded = add i64 %size, 7
  %need = and i64 %padded, -8
  %over = icmp sgt i64 %need, %budget
  %refused = or i1 %negative, %over
  br i1 %refused, label %fail, label %take
take:
  %left = sub i64 %budget, %need
  store i64 %left, ptr %budget_at, align 8
  %block = call ptr @relon_alloc(i64 %size)
  ret ptr %block
fail:
  ret ptr null
}}

define void @relon_arena_free(ptr %arena) {{
  %mark = load i64, ptr %arena, align 8
  call void @relon_heap_reset(i64 %mark)
  ret void
}}

define i64 @relon_arena_detach(ptr %arena) {{
  ret i64 0
}}

define void @relon_release(i64 %handle) {{
  ret void
}}
"""


def runtime_object(target: Target, *, workdir: Path) -> Path:
    """The runtime object file for ``target``, written in a fresh directory under
    ``workdir``. Raises :class:`ToolchainMissing` or :class:`ToolFailed`."""
    out = Path(tempfile.mkdtemp(prefix="runtime-", dir=workdir)) / "relon_runtime.o"
    if target.runtime_source == "llvm-ir":
        out.write_bytes(_wasm_runtime(target))
        return out
    # Compiled from its own folder by bare name so no build path ends up in the object.
    run_tool(
        [*c_compiler(), "-O2", "-fPIC", *_C_DEFINES, "-c", _RUNTIME_C.name, "-o", str(out)],
        cwd=_RUNTIME_C.parent,
    )
    return out


def _wasm_runtime(target: Target) -> bytes:
    import llvmlite.binding as llvm

    machine = target.create_target_machine(opt_level=2)
    module = llvm.parse_assembly(_WASM_RUNTIME)
    module.triple = target.triple
    module.data_layout = str(machine.target_data)
    module.verify()
    return bytes(machine.emit_object(module))
