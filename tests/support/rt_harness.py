"""Run the runtime crate for real: natively through ctypes and on wasm32 in wasmtime.

Both libraries are built the way ``build_runtime_object`` builds a library's runtime
(the crate linked into an empty module, finalized at O3 keeping every ``relon_rt_*``
function, linked with the runtime object), except that the functions stay visible
so that the test can call them. :class:`Rt` drives either one through a small :class:`Machine`
interface (allocate, read, write, call), so every test runs the same code on both.
"""

from __future__ import annotations

import contextlib
import ctypes
import re
import struct
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

import wasmtime

from relon_build_backend.cocompile import (
    NATIVE_EXPORTS,
    WASM_EXPORTS,
    CoCompiledModule,
    CompiledRuntime,
    runtime_object,
)
from relon_build_backend.link import link_native, link_wasm
from relon_build_backend.targets import Target

#: the runtime declarations generated code uses (a data file of the cocompile tests)
DECLS = (Path(__file__).parents[1] / "cocompile" / "data" / "rt_decls.ll").read_text()
# name -> (return type, parameter types), from the declarations codegen will use.
SIGNATURES: dict[str, tuple[str, tuple[str, ...]]] = {
    m[2]: (m[1], tuple(filter(None, (p.strip() for p in m[3].split(",")))))
    for m in re.finditer(r"^declare (\S+) @(\w+)\(([^)]*)\)", DECLS, re.MULTILINE)
}
ARENA_SIGNATURES: dict[str, tuple[str, tuple[str, ...]]] = {
    "relon_arena_init": ("void", ("ptr",)),
    "relon_arena_alloc": ("ptr", ("ptr", "i64")),
    "relon_arena_free": ("void", ("ptr",)),
    "relon_arena_detach": ("i64", ("ptr",)),
    "relon_release": ("void", ("i64",)),
}
RT_NAMES = sorted(SIGNATURES)
ARENA_NAMES = sorted(ARENA_SIGNATURES)
KINDS = {"int": 0, "float": 1, "bool": 2, "string": 3}

_CTYPES: dict[str, type[ctypes._SimpleCData[Any]] | None] = {
    "ptr": ctypes.c_void_p,
    "i64": ctypes.c_int64,
    "i32": ctypes.c_int32,
    "double": ctypes.c_double,
    "void": None,
}


def _object(runtime: CompiledRuntime, target: Target) -> bytes:
    module = CoCompiledModule(DECLS, target=target, opt_level=3)
    module.link_runtime(runtime)
    module.finalize(RT_NAMES)
    return module.emit_object()


def build_native(runtime: CompiledRuntime, target: Target, work: Path) -> Path:
    """A shared library exporting the runtime and arena functions."""
    obj = work / "rt.o"
    obj.write_bytes(_object(runtime, target))
    library = work / "librt.so"
    exports = [*RT_NAMES, *ARENA_NAMES, *NATIVE_EXPORTS]
    link_native([runtime_object(target, workdir=work), obj], library, exports=exports, workdir=work)
    return library


def build_wasm(runtime: CompiledRuntime, target: Target, work: Path) -> Path:
    """A wasm module exporting the runtime, arena and heap functions."""
    obj = work / "rt.o"
    obj.write_bytes(_object(runtime, target))
    module = work / "rt.wasm"
    exports = [*RT_NAMES, *ARENA_NAMES, *WASM_EXPORTS]
    objects = [runtime_object(target, workdir=work), obj]
    link_wasm(objects, module, exports=exports, imports=[], workdir=work)
    return module


class Machine(Protocol):
    """Memory and calls of one loaded library."""

    pointer_size: int

    def alloc(self, size: int) -> int: ...
    def write(self, address: int, data: bytes) -> None: ...
    def read(self, address: int, size: int) -> bytes: ...
    def call(self, name: str, *args: int | float) -> int | float | None: ...
    def scope(self) -> contextlib.AbstractContextManager[None]: ...


class NativeMachine:
    pointer_size = 8

    def __init__(self, library: Path) -> None:
        self.lib = ctypes.CDLL(str(library))
        self._buffers: list[ctypes.Array[ctypes.c_char]] = []
        for name, (result, params) in {**SIGNATURES, **ARENA_SIGNATURES}.items():
            function = getattr(self.lib, name)
            function.restype = _CTYPES[result]
            function.argtypes = [_CTYPES[p] for p in params]

    def alloc(self, size: int) -> int:
        buffer = ctypes.create_string_buffer(max(size, 1))
        self._buffers.append(buffer)
        return ctypes.addressof(buffer)

    def write(self, address: int, data: bytes) -> None:
        ctypes.memmove(address, data, len(data))

    def read(self, address: int, size: int) -> bytes:
        return bytes(ctypes.string_at(address, size)) if size else b""

    def call(self, name: str, *args: int | float) -> int | float | None:
        result = getattr(self.lib, name)(*args)
        if result is None and {**SIGNATURES, **ARENA_SIGNATURES}[name][0] == "ptr":
            return 0  # c_void_p returns NULL as None
        assert result is None or isinstance(result, int | float)
        return result

    @contextlib.contextmanager
    def scope(self) -> Iterator[None]:
        try:
            yield
        finally:
            self._buffers.clear()


class WasmMachine:
    pointer_size = 4

    def __init__(self, module: Path, *, memory_limit: int = -1) -> None:
        self.path = module
        engine = wasmtime.Engine()
        self.store = wasmtime.Store(engine)
        self.store.set_limits(memory_size=memory_limit)  # -1: wasmtime's default
        instance = wasmtime.Instance(self.store, wasmtime.Module.from_file(engine, module), [])
        self.exports = instance.exports(self.store)
        memory = self.exports["memory"]
        assert isinstance(memory, wasmtime.Memory)
        self.memory = memory

    def function(self, name: str) -> wasmtime.Func:
        function = self.exports[name]
        assert isinstance(function, wasmtime.Func)
        return function

    def alloc(self, size: int) -> int:
        address = self.call("relon_alloc", size)
        assert isinstance(address, int) and address != 0, "relon_alloc failed"
        return address

    def write(self, address: int, data: bytes) -> None:
        self.memory.write(self.store, data, address)

    def read(self, address: int, size: int) -> bytes:
        return bytes(self.memory.read(self.store, address, address + size))

    def call(self, name: str, *args: int | float) -> int | float | None:
        result = self.function(name)(self.store, *args)
        assert result is None or isinstance(result, int | float)
        return result

    @contextlib.contextmanager
    def scope(self) -> Iterator[None]:
        mark = self.call("relon_heap_mark")
        assert isinstance(mark, int)
        try:
            yield
        finally:
            self.call("relon_heap_reset", mark)


class RtStatus(Exception):
    """A runtime function returned a non-zero status."""

    def __init__(self, status: int) -> None:
        super().__init__(f"status {status}")
        self.status = status


Item = int | float | bool | str


class Rt:
    """The runtime functions with Python values in and out."""

    def __init__(self, machine: Machine) -> None:
        self.m = machine

    def _int(self, name: str, *args: int | float) -> int:
        result = self.m.call(name, *args)
        assert isinstance(result, int)
        return result

    def _bytes(self, data: bytes) -> tuple[int, int]:
        # At least a byte: distinct addresses tell strings apart (sort stability).
        address = self.m.alloc(max(len(data), 1))
        self.m.write(address, data)
        return address, len(data)

    def _str(self, text: str) -> tuple[int, int]:
        return self._bytes(text.encode())

    def _read_str(self, address: int) -> tuple[int, str]:
        raw = self.m.read(address, 16)
        pointer, padding, length = struct.unpack("<IIq", raw)
        if self.m.pointer_size == 8:
            pointer |= padding << 32
        else:
            assert padding == 0, "wasm32 RelonStr padding must be zero"
        return pointer, self.m.read(pointer, length).decode()

    @contextlib.contextmanager
    def _arena(self) -> Iterator[int]:
        with self.m.scope():
            arena = self.m.alloc(16)
            self.m.call("relon_arena_init", arena)
            try:
                yield arena
            finally:
                self.m.call("relon_arena_free", arena)

    def _check(self, status: int) -> None:
        if status != 0:
            raise RtStatus(status)

    def f64_to_text(self, x: float) -> str:
        with self.m.scope():
            buffer = self.m.alloc(400)
            return self.m.read(buffer, self._int("relon_rt_f64_to_text", x, buffer)).decode()

    def i64_to_text(self, x: int) -> str:
        with self.m.scope():
            buffer = self.m.alloc(20)
            return self.m.read(buffer, self._int("relon_rt_i64_to_text", x, buffer)).decode()

    def binary(self, name: str, a: bytes, b: bytes) -> int:
        """``bytes_cmp``, ``str_contains``, ``str_starts_with``, ``str_ends_with``."""
        with self.m.scope():
            return self._int(f"relon_rt_{name}", *self._bytes(a), *self._bytes(b))

    def case(self, name: str, s: str) -> str:
        """``ascii_upper`` / ``ascii_lower``."""
        with self.m.scope():
            data = s.encode()
            out = self.m.alloc(len(data))
            self.m.call(f"relon_rt_str_{name}", *self._bytes(data), out)
            return self.m.read(out, len(data)).decode()

    def trim(self, s: str) -> tuple[int, int]:
        with self.m.scope():
            slots = self.m.alloc(16)
            self.m.call("relon_rt_str_trim", *self._str(s), slots, slots + 8)
            start, length = struct.unpack("<qq", self.m.read(slots, 16))
            return start, length

    def is_char_boundary(self, s: str, index: int) -> int:
        with self.m.scope():
            return self._int("relon_rt_str_is_char_boundary", *self._str(s), index)

    def replace(self, s: str, old: str, new: str) -> str:
        with self._arena() as arena:
            out = self.m.alloc(16)
            args = (*self._str(s), *self._str(old), *self._str(new))
            self._check(self._int("relon_rt_str_replace", arena, *args, out))
            return self._read_str(out)[1]

    def split(self, s: str, sep: str) -> list[str]:
        with self._arena() as arena:
            out = self.m.alloc(16)
            args = (*self._str(s), *self._str(sep))
            self._check(self._int("relon_rt_str_split", arena, *args, out))
            items, count = self._read_str_list_header(out)
            return [self._read_str(items + 16 * i)[1] for i in range(count)]

    def _read_str_list_header(self, address: int) -> tuple[int, int]:
        pointer, padding, count = struct.unpack("<IIq", self.m.read(address, 16))
        return pointer | (padding << 32 if self.m.pointer_size == 8 else 0), count

    def join(self, items: Sequence[str], sep: str) -> str:
        with self._arena() as arena:
            array, _ = self._write_items("string", items)
            return self._join(arena, array, len(items), sep)

    def join_repeated(self, item: str, n: int) -> str:
        """``item`` joined ``n`` times (one copy in memory, ``n`` references to it)."""
        with self._arena() as arena:
            array, _ = self._bytes(struct.pack("<Qq", *self._str(item)) * n)
            return self._join(arena, array, n, "")

    def _join(self, arena: int, array: int, n: int, sep: str) -> str:
        out = self.m.alloc(16)
        self._check(self._int("relon_rt_str_join", arena, array, n, *self._str(sep), out))
        return self._read_str(out)[1]

    def _write_items(self, kind: str, items: Sequence[Item]) -> tuple[int, dict[int, int]]:
        """The array's address, and for strings which index each text pointer had."""
        origins: dict[int, int] = {}
        if kind == "string":
            slots = [self._str(str(item)) for item in items]
            origins = {pointer: i for i, (pointer, _) in enumerate(slots)}
            data = b"".join(struct.pack("<Qq", pointer, length) for pointer, length in slots)
        else:
            code = {"int": "q", "float": "d", "bool": "B"}[kind]
            data = struct.pack(f"<{len(items)}{code}", *items)
        return self._bytes(data)[0], origins

    def _read_items(
        self, kind: str, array: int, n: int, origins: dict[int, int]
    ) -> list[tuple[Item, int]]:
        """The items, each with the input index its text came from (strings) or -1."""
        if kind == "string":
            texts = [self._read_str(array + 16 * i) for i in range(n)]
            return [(text, origins[pointer]) for pointer, text in texts]
        code, size = {"int": ("q", 8), "float": ("d", 8), "bool": ("B", 1)}[kind]
        values = struct.unpack(f"<{n}{code}", self.m.read(array, n * size))
        return [(bool(v) if kind == "bool" else v, -1) for v in values]

    def sort(self, kind: str, items: Sequence[Item]) -> list[tuple[Item, int]]:
        with self._arena() as arena:
            array, origins = self._write_items(kind, items)
            self._check(self._int("relon_rt_sort", arena, KINDS[kind], array, len(items)))
            return self._read_items(kind, array, len(items), origins)

    def unique(self, kind: str, items: Sequence[Item]) -> list[tuple[Item, int]]:
        with self._arena() as arena:
            array, origins = self._write_items(kind, items)
            out = self.m.alloc(8)
            status = self._int("relon_rt_unique", arena, KINDS[kind], array, len(items), out)
            self._check(status)
            (length,) = struct.unpack("<q", self.m.read(out, 8))
            return self._read_items(kind, array, length, origins)
