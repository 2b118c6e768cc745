"""Build and call rules with String/List/tuple parameters and results, natively and on
wasm32, against the real runtime: ``cocompile/runtime.c`` (arenas, guard) natively or
the wasm32 runtime object, plus ``relon_rt.rs`` compiled by the target's rustc and
linked into the rules' LLVM module before O3 (as the co-compiler does).

Values cross exactly as docs/abi.md "Strings, lists and tuples" says: ``(ptr, len)``
argument pairs, 16-byte result slots, then the result handle (released afterwards).
"""

from __future__ import annotations

import ctypes
import math
import shutil
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import wasmtime

from relon_build_backend.cocompile.runtime import runtime_object
from relon_build_backend.cocompile.runtime_crate import runtime_crate_text
from relon_build_backend.ir import nodes as n
from relon_build_backend.targets import target_for

from .harness import _BUILTINS, _WASM_TRAP_LL, _run, optimized_module, prefix

INT, FLOAT, BOOL, STRING = n.IrType.INT, n.IrType.FLOAT, n.IrType.BOOL, n.IrType.STRING
RT_SOURCE = Path(n.__file__).parent.parent / "cocompile" / "relon_rt.rs"
RUSTUP_RUSTC = Path.home() / ".cargo/bin/rustc"
DEBIAN_RUSTC = Path("/usr/bin/rustc")
WASM_EXPORTS = ("relon_heap_mark", "relon_alloc", "relon_heap_reset", "relon_release")

HeapValue = Any  # int | float | bool | str | list[...] | tuple[...] (normalized)
Result = tuple[int, HeapValue]
_PACK = {INT: "<q", FLOAT: "<d", BOOL: "<B"}


def runtime_bitcode(rustc: Path, tmp: Path, *target: str) -> bytes:
    """``relon_rt.rs`` post-LTO bitcode (its only undefined symbols: relon_trap,
    relon_note and relon_arena_alloc)."""
    if not rustc.exists():
        pytest.skip(f"{rustc} not installed")
    flags = ["--crate-type=staticlib", "--emit=llvm-bc,link", "-O", "-C", "codegen-units=1"]
    flags += ["-C", "panic=abort", "-C", "lto=fat", "--crate-name=relon_rt"]
    out = tmp / ("rt-" + (target[-1] if target else "native"))
    out.mkdir()
    source = out / RT_SOURCE.name
    source.write_text(runtime_crate_text(), encoding="utf-8")  # with the panic handler
    _run([str(rustc), *flags, "--out-dir", str(out), *target, str(source)])
    return (out / "relon_rt.bc").read_bytes()


def normalize(ty: n.IrType, raw: HeapValue) -> HeapValue:
    if ty is FLOAT:
        return "nan" if math.isnan(raw) else struct.pack("<d", raw).hex()
    if ty is BOOL:
        assert raw in (0, 1), raw
        return bool(raw)
    if ty.is_list:
        return [normalize(ty.element, x) for x in raw]
    return raw


def _results(module: n.IrModule) -> tuple[n.IrType, ...]:
    result = module.entry.result
    return result.elements if isinstance(result, n.TupleType) else (result,)


def _heap(ty: n.IrType) -> bool:
    return ty is STRING or ty.is_list


def _out_size(module: n.IrModule) -> int:
    """Bytes the entry may write at ``out``: one scalar's 8 (the scalar ABI, unchanged),
    else 16 per result slot, plus the 8-byte handle when any result is a String/List."""
    results = _results(module)
    if not isinstance(module.entry.result, n.TupleType) and not _heap(results[0]):
        return 8
    return 16 * len(results) + (8 if any(_heap(t) for t in results) else 0)


#: bytes after ``out`` that must stay untouched (the entry writes nothing beyond)
GUARD = b"\xa5" * 16


class _Memory:
    """Byte access to one target's memory (ctypes addresses or a wasm linear memory)."""

    def read(self, address: int, size: int) -> bytes:
        raise NotImplementedError

    def place(self, data: bytes) -> int:
        """Copy ``data`` into memory the callee may read; returns its address."""
        raise NotImplementedError

    def ptr_word(self, address: int) -> int:
        raise NotImplementedError

    def encode(self, ty: n.IrType, value: HeapValue) -> list[int | float]:
        """The entry arguments of one parameter."""
        if not _heap(ty):
            return [int(value) if ty is BOOL else value]
        if ty is STRING:
            data = value.encode()
            return [self.place(data), len(data)]
        if ty.element is STRING:
            items = b"".join(struct.pack("<QQ", *self.encode(STRING, s)) for s in value)
        else:
            items = b"".join(struct.pack(_PACK[ty.element], x) for x in value)
        return [self.place(items), len(value)]

    def decode(self, ty: n.IrType, address: int) -> HeapValue:
        """The value in the 16-byte slot (or RelonStr) at ``address``."""
        if not _heap(ty):
            fmt = {INT: "<q", FLOAT: "<d", BOOL: "<i"}[ty]
            return normalize(ty, struct.unpack(fmt, self.read(address, struct.calcsize(fmt)))[0])
        ptr = self.ptr_word(address)
        (length,) = struct.unpack("<q", self.read(address + 8, 8))
        if ty is STRING:
            return self.read(ptr, length).decode() if length else ""
        element = ty.element
        if element is STRING:
            return [self.decode(STRING, ptr + 16 * i) for i in range(length)]
        size = struct.calcsize(_PACK[element])
        raw = self.read(ptr, size * length) if length else b""
        return normalize(
            ty, [struct.unpack_from(_PACK[element], raw, size * i)[0] for i in range(length)]
        )

    def results(self, module: n.IrModule, out: int) -> HeapValue:
        types = _results(module)
        values = tuple(self.decode(t, out + 16 * i) for i, t in enumerate(types))
        return values if isinstance(module.entry.result, n.TupleType) else values[0]


class _NativeMemory(_Memory):
    def __init__(self) -> None:
        self.keep: list[ctypes.Array[ctypes.c_char]] = []

    def read(self, address: int, size: int) -> bytes:
        return ctypes.string_at(address, size)

    def place(self, data: bytes) -> int:
        buffer = ctypes.create_string_buffer(data, max(len(data), 1))
        self.keep.append(buffer)
        return ctypes.addressof(buffer)

    def ptr_word(self, address: int) -> int:
        return int(struct.unpack("<Q", self.read(address, 8))[0])


@dataclass
class NativeHeapRules:
    lib: ctypes.CDLL

    def call(self, module: n.IrModule, args: Sequence[HeapValue], *, steps: int = -1) -> Result:
        memory = _NativeMemory()
        flat: list[Any] = []
        for param, value in zip(module.entry.params, args, strict=True):
            parts = memory.encode(param.type, value)
            if _heap(param.type):
                flat += [ctypes.c_void_p(int(parts[0])), ctypes.c_int64(int(parts[1]))]
            else:
                ctype = {INT: ctypes.c_int64, FLOAT: ctypes.c_double, BOOL: ctypes.c_int32}
                flat.append(ctype[param.type](parts[0]))  # type: ignore[arg-type]
        size = _out_size(module)
        out = ctypes.create_string_buffer(bytes(size) + GUARD, size + len(GUARD))
        fn = getattr(self.lib, f"{prefix(module)}_call")
        fn.restype = ctypes.c_int32
        status = fn(ctypes.c_int64(0), ctypes.c_int64(steps), *flat, out)
        assert out.raw[size:] == GUARD, "the entry wrote past its result slots"
        if status != 0:
            return status, None
        address = ctypes.addressof(out)
        value = memory.results(module, address)
        if any(_heap(t) for t in _results(module)):
            (handle,) = struct.unpack_from("<q", out.raw, 16 * len(_results(module)))
            self.lib.relon_release.argtypes = [ctypes.c_int64]
            self.lib.relon_release(handle)
        return 0, value


class _WasmMemory(_Memory):
    def __init__(self, rules: WasmHeapRules) -> None:
        self.rules = rules

    def read(self, address: int, size: int) -> bytes:
        return bytes(self.rules.memory.read(self.rules.store, address, address + size))

    def place(self, data: bytes) -> int:
        address = int(self.rules.export("relon_alloc")(self.rules.store, max(len(data), 1)))
        assert address != 0
        self.rules.memory.write(self.rules.store, data, address)
        return address

    def ptr_word(self, address: int) -> int:
        return int(struct.unpack("<I", self.read(address, 4))[0])


@dataclass
class WasmHeapRules:
    store: wasmtime.Store
    instance: wasmtime.Instance

    @classmethod
    def load(cls, path: Path) -> WasmHeapRules:
        config = wasmtime.Config()
        # wasmtime's default 512 KiB native stack ends ~5,000 nested calls of a frame
        # as large as a string-building closure's: less than MAX_CALL_DEPTH
        config.max_wasm_stack = 2 << 20
        engine = wasmtime.Engine(config)
        store = wasmtime.Store(engine)
        module = wasmtime.Module.from_file(engine, str(path))
        return cls(store, wasmtime.Instance(store, module, []))

    @property
    def memory(self) -> wasmtime.Memory:
        memory = self.instance.exports(self.store)["memory"]
        assert isinstance(memory, wasmtime.Memory)
        return memory

    def export(self, name: str) -> wasmtime.Func:
        func = self.instance.exports(self.store)[name]
        assert isinstance(func, wasmtime.Func), name
        return func

    def heap_mark(self) -> int:
        return int(self.export("relon_heap_mark")(self.store))

    def call(self, module: n.IrModule, args: Sequence[HeapValue], *, steps: int = -1) -> Result:
        mark = self.heap_mark()
        memory = _WasmMemory(self)
        try:
            flat: list[Any] = []
            for param, value in zip(module.entry.params, args, strict=True):
                flat += memory.encode(param.type, value)
            size = _out_size(module)
            out = memory.place(bytes(size) + GUARD)
            try:
                status = self.export(f"{prefix(module)}_call")(self.store, 0, steps, *flat, out)
            except wasmtime.Trap:
                return 7, None
            assert memory.read(out + size, len(GUARD)) == GUARD, "wrote past its result slots"
            return (status, None) if status else (0, memory.results(module, out))
        finally:
            self.export("relon_heap_reset")(self.store, mark)


def build_native_heap(modules: Sequence[n.IrModule], host_ll: str, tmp: Path) -> ctypes.CDLL:
    if shutil.which("cc") is None:
        pytest.skip("cc not installed")
    spec = target_for("native")
    rt = runtime_bitcode(RUSTUP_RUSTC, tmp)
    linked = optimized_module(modules, spec, "declare void @relon_trap()\n" + host_ll, rt)
    (tmp / "heap.o").write_bytes(spec.create_target_machine(opt_level=3).emit_object(linked))
    runtime = runtime_object(spec, workdir=tmp)
    _run(["cc", "-shared", "-fPIC", "-o", str(tmp / "heap.so"), str(tmp / "heap.o"), str(runtime)])
    return ctypes.CDLL(str(tmp / "heap.so"))


def build_wasm_heap(modules: Sequence[n.IrModule], host_ll: str, tmp: Path) -> Path:
    spec = target_for("wasm32")
    rt = runtime_bitcode(DEBIAN_RUSTC, tmp, "--target", "wasm32-unknown-unknown")
    linked = optimized_module(modules, spec, host_ll + _WASM_TRAP_LL, rt)
    (tmp / "heap.wasm.o").write_bytes(spec.create_target_machine(opt_level=3).emit_object(linked))
    runtime = runtime_object(spec, workdir=tmp)
    exports = [f"--export={prefix(m)}_call" for m in modules]
    exports += [f"--export={name}" for name in WASM_EXPORTS]
    out = tmp / "heap.wasm"
    cmd = ["wasm-ld", "--no-entry", *exports, "-o", str(out), str(tmp / "heap.wasm.o")]
    _run([*cmd, str(runtime), *(str(p) for p in _BUILTINS)])
    return out
