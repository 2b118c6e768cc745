"""Hand-written IR modules built with the real toolchain and called on both targets.

The codegen tests write rules as IR (no front end) so that every node, and every way
it can fail, is reached on purpose. All rules of a test module are linked into one
LLVM module per target (one ``cc``, one ``wasm-ld``), like a real library holding many
rules. Host functions are written as LLVM IR (linked in before O3, as the co-compiler
does with the Rust shim); gated hosts on wasm32 are Python imports, as the generated
loader supplies them.

Scalar rules link their IR alone (:func:`build_native`, :func:`build_wasm`); rules over
Strings, Lists and tuples also link ``relon_rt.rs`` compiled by the target's rustc
(:func:`build_native_heap`, :func:`build_wasm_heap`). One caller per target serves
both, so the scalar and the heap tests cross the ABI the same way, as docs/abi.md says:
scalars as themselves, Strings and Lists as ``(ptr, len)`` argument pairs; a scalar
result in one 8-byte slot, any other in 16-byte slots plus the result handle (released
afterwards); nothing written past the slots.
"""

from __future__ import annotations

import ctypes
import math
import shutil
import struct
import subprocess
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

import llvmlite.binding as llvm
import pytest
import wasmtime

from relon_build_backend.cocompile import WASM_TRAP_IR, compile_runtime, runtime_object
from relon_build_backend.cocompile.runtime_crate import runtime_crate_text
from relon_build_backend.cocompile.shim_compiler import parse_rust_ir
from relon_build_backend.codegen import generate_llvm_ir
from relon_build_backend.frontend.source import SourceFile, Span
from relon_build_backend.ir import nodes as n
from relon_build_backend.targets import Target, TargetName, target_for

SPAN = Span(SourceFile("<test>", ""), 0, 0)
INT, FLOAT, BOOL, STRING = n.IrType.INT, n.IrType.FLOAT, n.IrType.BOOL, n.IrType.STRING
Value = int | float | bool
HeapValue = Any  # int | float | bool | str | list[...] | tuple[...] (normalized)
Result = tuple[int, HeapValue]  # (status, normalized value or None)

# --------------------------------------------------------------------------- IR DSL


def const(value: Value) -> n.Const:
    if isinstance(value, bool):
        return n.Const(value, BOOL, SPAN)
    return n.Const(value, INT if isinstance(value, int) else FLOAT, SPAN)


def loc(name: str, ty: n.IrType = INT) -> n.Local:
    return n.Local(name, ty, SPAN)


def binary(op: n.BinOp, left: n.Expr, right: n.Expr) -> n.Binary:
    kind, name = op.value.split(".")
    is_compare = name in {"eq", "ne", "lt", "le", "gt", "ge"}
    ty = BOOL if is_compare else INT if kind == "int" else FLOAT
    return n.Binary(op, left, right, ty, SPAN)


def rule(
    name: str,
    params: Sequence[tuple[str, n.IrType]],
    body: n.Expr,
    *,
    functions: Sequence[n.Function] = (),
    hosts: Sequence[n.HostImport] = (),
) -> n.IrModule:
    ps = tuple(n.Param(p, t) for p, t in params)
    entry = n.Function("main", ps, body.type, body, SPAN)
    return n.IrModule(
        name, entry, tuple(functions), tuple(sorted(hosts, key=lambda h: h.name)), SPAN
    )


def prefix(module: n.IrModule) -> str:
    return f"relon_{module.name}_00000000"


def rule_ir(module: n.IrModule, target: TargetName | Target, source_hash: int = 0) -> str:
    """The LLVM IR text codegen writes for ``module`` under its test symbol prefix."""
    spec = target_for(target) if isinstance(target, str) else target
    return generate_llvm_ir(
        module, symbol_prefix=prefix(module), source_hash=source_hash, target=spec
    )


def panicking_host_ll(name: str) -> str:
    """A pure host ``i64 -> i64`` that returns its argument but panics on 7
    (``relon_trap``: a longjmp natively, a trap on wasm32)."""
    return f"""
define i64 @{name}(i64 %x) {{
  %c = icmp eq i64 %x, 7
  br i1 %c, label %bad, label %ok
bad:
  call void @relon_trap()
  unreachable
ok:
  ret i64 %x
}}
"""


# --------------------------------------------------------------------------- building

# the real runtimes: runtime.c natively (guard, trap, note, arenas), and on wasm32 the
# IR runtime plus the trap every rule module links (llvm.trap: a bare `unreachable`
# would be UB that O3 may delete)
_WASM_TRAP_LL = WASM_TRAP_IR
_BUILTINS = sorted(
    Path("/usr/lib/rustlib/wasm32-unknown-unknown/lib").glob("libcompiler_builtins-*.rlib")
)
RT_SOURCE = Path(n.__file__).parent.parent / "cocompile" / "relon_rt.rs"
#: the rustc with the native std (rustup's), and the one with the wasm32 std (Debian's)
RUSTUP_RUSTC = Path.home() / ".cargo/bin/rustc"
DEBIAN_RUSTC = Path("/usr/bin/rustc")
WASM_TARGET = ("--target", "wasm32-unknown-unknown")
#: what a heap module exports besides its rules' entries (the callers need them)
WASM_HEAP_EXPORTS = ("relon_heap_mark", "relon_alloc", "relon_heap_reset", "relon_release")
_RUST_FLAGS = ["--crate-type=staticlib", "--emit=llvm-bc,link", "-O", "-C", "codegen-units=1"]
_RUST_FLAGS += ["-C", "panic=abort", "-C", "lto=fat"]


def _run(cmd: list[str]) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"{cmd}: {proc.stderr}"


def rust_bitcode(rustc: Path, source: Path, *target: str, crate_name: str | None = None) -> bytes:
    """``source`` compiled as the co-compiler does (post-LTO bitcode) next to itself;
    skips the test when ``rustc`` is not installed."""
    if not rustc.exists():
        pytest.skip(f"{rustc} not installed")
    named = [f"--crate-name={crate_name}"] if crate_name else []
    out = source.parent
    _run([str(rustc), *_RUST_FLAGS, *named, "--out-dir", str(out), *target, str(source)])
    return (out / f"{crate_name or source.stem}.bc").read_bytes()


def runtime_bitcode(rustc: Path, tmp: Path, *target: str) -> bytes:
    """``relon_rt.rs`` post-LTO bitcode (its only undefined symbols: relon_trap,
    relon_note and relon_arena_alloc)."""
    if not rustc.exists():
        pytest.skip(f"{rustc} not installed")
    out = tmp / ("rt-" + (target[-1] if target else "native"))
    out.mkdir()
    source = out / RT_SOURCE.name
    source.write_text(runtime_crate_text(), encoding="utf-8")  # with the panic handler
    return rust_bitcode(rustc, source, *target, crate_name="relon_rt")


def optimized_module(
    modules: Sequence[n.IrModule], spec: Target, host_ll: str, shim_bc: bytes | None = None
) -> llvm.ModuleRef:
    """Generate, link (rules + hosts), verify and O3 every rule for ``spec``."""
    tm = spec.create_target_machine(opt_level=3)
    header = f'target triple = "{spec.triple}"\ntarget datalayout = "{tm.target_data}"\n'
    linked = llvm.parse_assembly(header + host_ll)
    if shim_bc is not None:
        shim = llvm.parse_bitcode(shim_bc)
        shim.triple, shim.data_layout = spec.triple, str(tm.target_data)
        linked.link_in(shim)
    for module in modules:
        rule_ir_module = llvm.parse_assembly(rule_ir(module, spec, len(module.name)))
        rule_ir_module.verify()
        linked.link_in(rule_ir_module)
    if _declares(linked):
        _link_pow(linked, spec)
    linked.verify()
    pto = llvm.create_pipeline_tuning_options(speed_level=3)
    pb = llvm.create_pass_builder(tm, pto)
    pb.getModulePassManager().run(linked, pb)
    linked.verify()
    return linked


def _declares(module: llvm.ModuleRef) -> bool:
    """Whether the rules call relon_rt_pow and no linked shim defines it."""
    return any(f.name == "relon_rt_pow" and f.is_declaration for f in module.functions)


def _link_pow(linked: llvm.ModuleRef, spec: Target) -> None:
    """Link the runtime crate (Float pow is ``relon_rt_pow``), every function of it
    internal so that O3 keeps only what the rules call (no arena references)."""
    with tempfile.TemporaryDirectory() as work:
        runtime = compile_runtime(spec, workdir=Path(work))
    module = parse_rust_ir(runtime.ir, runtime.ir_format, runtime.rustc, runtime.source)
    module.triple, module.data_layout = linked.triple, linked.data_layout
    names = {f.name for f in module.functions if not f.is_declaration}
    linked.link_in(module)
    for function in linked.functions:
        if function.name in names:
            function.linkage = llvm.Linkage.internal


def build_native(
    modules: Sequence[n.IrModule],
    host_ll: str,
    tmp: Path,
    shim_bc: bytes | None = None,
    *,
    stem: str = "rules",
) -> ctypes.CDLL:
    """``<stem>.so`` in ``tmp``: the rules, their hosts and the C runtime."""
    spec = target_for("native")
    linked = optimized_module(modules, spec, "declare void @relon_trap()\n" + host_ll, shim_bc)
    obj, library = tmp / f"{stem}.o", tmp / f"{stem}.so"
    obj.write_bytes(spec.create_target_machine(opt_level=3).emit_object(linked))
    runtime = runtime_object(spec, workdir=tmp)
    _run(["cc", "-shared", "-fPIC", "-o", str(library), str(obj), str(runtime)])
    return ctypes.CDLL(str(library))


def build_native_heap(modules: Sequence[n.IrModule], host_ll: str, tmp: Path) -> ctypes.CDLL:
    """``heap.so``: :func:`build_native` with the native runtime crate linked in."""
    if shutil.which("cc") is None:
        pytest.skip("cc not installed")
    rt = runtime_bitcode(RUSTUP_RUSTC, tmp)
    return build_native(modules, host_ll, tmp, rt, stem="heap")


def _link_wasm(
    modules: Sequence[n.IrModule],
    host_ll: str,
    tmp: Path,
    exports: Sequence[str],
    *,
    builtins: bool,
    shim_bc: bytes | None,
    stem: str,
) -> Path:
    spec = target_for("wasm32")
    linked = optimized_module(modules, spec, host_ll + _WASM_TRAP_LL, shim_bc)
    obj, out = tmp / f"{stem}.wasm.o", tmp / f"{stem}.wasm"
    obj.write_bytes(spec.create_target_machine(opt_level=3).emit_object(linked))
    runtime = runtime_object(spec, workdir=tmp)
    cmd = ["wasm-ld", "--no-entry", *(f"--export={name}" for name in exports), "-o", str(out)]
    _run([*cmd, str(obj), str(runtime), *(str(p) for p in _BUILTINS if builtins)])
    return out


def build_wasm(
    modules: Sequence[n.IrModule],
    host_ll: str,
    tmp: Path,
    *,
    builtins: bool = True,
    shim_bc: bytes | None = None,
) -> Path:
    """``rules.wasm``: every rule's call, main and hash entry, and ``__heap_base`` (where
    :class:`WasmRules` puts the result slot)."""
    entries = [f"{prefix(m)}_{e}" for m in modules for e in ("call", "main", "hash")]
    exports = ["__heap_base", *entries]
    return _link_wasm(
        modules, host_ll, tmp, exports, builtins=builtins, shim_bc=shim_bc, stem="rules"
    )


def build_wasm_heap(modules: Sequence[n.IrModule], host_ll: str, tmp: Path) -> Path:
    """``heap.wasm``: :func:`build_wasm` with the wasm32 runtime crate linked in, every
    rule's call entry and the heap functions :class:`WasmHeapRules` calls."""
    rt = runtime_bitcode(DEBIAN_RUSTC, tmp, *WASM_TARGET)
    exports = [*(f"{prefix(m)}_call" for m in modules), *WASM_HEAP_EXPORTS]
    return _link_wasm(modules, host_ll, tmp, exports, builtins=True, shim_bc=rt, stem="heap")


# --------------------------------------------------------------------------- values

#: bytes after ``out`` that must stay untouched (the entry writes nothing beyond)
GUARD = b"\xa5" * 16
#: the status of a rule whose host panicked (a wasm trap)
HOST_PANIC = int(n.ErrorKind.HOST_PANIC)
_PACK = {INT: "<q", FLOAT: "<d", BOOL: "<B"}
_SLOT = {INT: "<q", FLOAT: "<d", BOOL: "<i"}
_CTYPE: dict[n.IrType, type[ctypes.c_int64 | ctypes.c_double | ctypes.c_int32]] = {
    INT: ctypes.c_int64,
    FLOAT: ctypes.c_double,
    BOOL: ctypes.c_int32,
}
_WASM_TYPE = {
    INT: wasmtime.ValType.i64(),
    FLOAT: wasmtime.ValType.f64(),
    BOOL: wasmtime.ValType.i32(),
}


def normalize(ty: n.IrType, raw: HeapValue) -> HeapValue:
    """Floats compare by bits (so -0.0 != 0.0), every NaN as one value; Bools must be
    0 or 1; lists element by element."""
    if ty.is_list:
        return [normalize(ty.element, x) for x in raw]
    if ty is FLOAT:
        assert isinstance(raw, float)
        return "nan" if math.isnan(raw) else struct.pack("<d", raw).hex()
    if ty is BOOL:
        assert raw in (0, 1), raw
        return bool(raw)
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


def _handle(module: n.IrModule) -> int | None:
    """Where the result handle sits after ``out``, if the result holds a String/List."""
    results = _results(module)
    return 16 * len(results) if any(_heap(t) for t in results) else None


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

    def arguments(self, module: n.IrModule, args: Sequence[HeapValue]) -> list[int | float]:
        """The entry arguments of all parameters, in order."""
        params = module.entry.params
        return [a for p, v in zip(params, args, strict=True) for a in self.encode(p.type, v)]

    def decode(self, ty: n.IrType, address: int) -> HeapValue:
        """The value in the 16-byte slot (or RelonStr) at ``address``."""
        if not _heap(ty):
            fmt = _SLOT[ty]
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


# --------------------------------------------------------------------------- calling


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


def _native_arguments(module: n.IrModule, flat: Sequence[int | float]) -> list[Any]:
    """The entry arguments as ctypes values: a pointer and an i64 per String/List."""
    out: list[Any] = []
    values = iter(flat)
    for param in module.entry.params:
        if _heap(param.type):
            out += [ctypes.c_void_p(int(next(values))), ctypes.c_int64(int(next(values)))]
        else:
            out.append(_CTYPE[param.type](next(values)))  # type: ignore[arg-type]
    return out


@dataclass
class NativeRules:
    """The rules of one native library, called through ctypes."""

    lib: ctypes.CDLL

    def call(
        self, module: n.IrModule, args: Sequence[HeapValue], *, caps: int = 0, steps: int = -1
    ) -> Result:
        memory = _NativeMemory()
        flat = _native_arguments(module, memory.arguments(module, args))
        size = _out_size(module)
        out = ctypes.create_string_buffer(bytes(size) + GUARD, size + len(GUARD))
        fn = getattr(self.lib, f"{prefix(module)}_call")
        fn.restype = ctypes.c_int32
        status = fn(ctypes.c_int64(caps), ctypes.c_int64(steps), *flat, out)
        assert out.raw[size:] == GUARD, "the entry wrote past its result slots"
        if status != 0:
            return status, None
        value = memory.results(module, ctypes.addressof(out))
        handle = _handle(module)
        if handle is not None:
            self.lib.relon_release.argtypes = [ctypes.c_int64]
            self.lib.relon_release(struct.unpack_from("<q", out.raw, handle)[0])
        return 0, value


class _WasmMemory(_Memory):
    def __init__(self, rules: WasmRules) -> None:
        self.rules = rules

    def read(self, address: int, size: int) -> bytes:
        return bytes(self.rules.memory.read(self.rules.store, address, address + size))

    def place(self, data: bytes) -> int:
        address = self.rules.alloc(max(len(data), 1))
        self.rules.memory.write(self.rules.store, data, address)
        return address

    def ptr_word(self, address: int) -> int:
        return int(struct.unpack("<I", self.read(address, 4))[0])


#: a wasm import the loader would provide: its parameter and result types and the model
WasmImport = tuple[Sequence[n.IrType], n.IrType, Callable[..., Value]]
W = TypeVar("W", bound="WasmRules")


@dataclass
class WasmRules:
    """The scalar rules of one wasm module, called through wasmtime. A scalar module
    exports no allocator: the one thing a call places in memory, its result slot,
    sits at ``__heap_base`` (memory no scalar rule touches)."""

    store: wasmtime.Store
    instance: wasmtime.Instance
    #: the engine's native stack for wasm code, when wasmtime's default is too small
    MAX_STACK: ClassVar[int | None] = None

    @classmethod
    def load(cls: type[W], path: Path, imports: Mapping[str, WasmImport] | None = None) -> W:
        config = wasmtime.Config()
        if cls.MAX_STACK is not None:
            config.max_wasm_stack = cls.MAX_STACK
        engine = wasmtime.Engine(config)
        store = wasmtime.Store(engine)
        linker = wasmtime.Linker(engine)
        for name, (params, result, fn) in (imports or {}).items():
            ftype = wasmtime.FuncType([_WASM_TYPE[p] for p in params], [_WASM_TYPE[result]])
            linker.define_func("env", name, ftype, fn)
        module = wasmtime.Module.from_file(engine, str(path))
        return cls(store, linker.instantiate(store, module))

    @property
    def memory(self) -> wasmtime.Memory:
        memory = self.instance.exports(self.store)["memory"]
        assert isinstance(memory, wasmtime.Memory)
        return memory

    def export(self, name: str) -> wasmtime.Func:
        func = self.instance.exports(self.store)[name]
        assert isinstance(func, wasmtime.Func), name
        return func

    def alloc(self, size: int) -> int:
        """Where to place ``size`` bytes for one call (here: only its result slot)."""
        heap_base = self.instance.exports(self.store)["__heap_base"]
        assert isinstance(heap_base, wasmtime.Global)
        return int(heap_base.value(self.store))

    def call(
        self, module: n.IrModule, args: Sequence[HeapValue], *, caps: int = 0, steps: int = -1
    ) -> Result:
        memory = _WasmMemory(self)
        flat = memory.arguments(module, args)
        size = _out_size(module)
        out = memory.place(bytes(size) + GUARD)
        try:
            status = self.export(f"{prefix(module)}_call")(self.store, caps, steps, *flat, out)
        except wasmtime.Trap:
            return HOST_PANIC, None
        assert memory.read(out + size, len(GUARD)) == GUARD, "wrote past its result slots"
        return (status, None) if status else (0, memory.results(module, out))


class WasmHeapRules(WasmRules):
    """The rules of a heap module: arguments and result slots in the runtime's heap,
    which every call leaves as it found it."""

    # wasmtime's default 512 KiB native stack ends ~5,000 nested calls of a frame
    # as large as a string-building closure's: less than MAX_CALL_DEPTH
    MAX_STACK = 2 << 20

    def alloc(self, size: int) -> int:
        address = int(self.export("relon_alloc")(self.store, size))
        assert address != 0
        return address

    def heap_mark(self) -> int:
        return int(self.export("relon_heap_mark")(self.store))

    def call(
        self, module: n.IrModule, args: Sequence[HeapValue], *, caps: int = 0, steps: int = -1
    ) -> Result:
        mark = self.heap_mark()
        try:
            return super().call(module, args, caps=caps, steps=steps)
        finally:
            self.export("relon_heap_reset")(self.store, mark)


@dataclass
class Targets(Generic[W]):
    """One test module's rules built for both targets."""

    native: NativeRules
    wasm: W

    def call(
        self, module: n.IrModule, args: Sequence[HeapValue], *, caps: int = 0, steps: int = -1
    ) -> Result:
        """The result on both targets, which must be the same."""
        native = self.native.call(module, args, caps=caps, steps=steps)
        wasm = self.wasm.call(module, args, caps=caps, steps=steps)
        assert native == wasm, f"{module.name}{tuple(args)}: native {native} != wasm {wasm}"
        return native


ScalarTargets = Targets[WasmRules]
HeapTargets = Targets[WasmHeapRules]


def scalar_targets(
    modules: Sequence[n.IrModule], host_ll: str, tmp: Path, imports: Mapping[str, WasmImport]
) -> ScalarTargets:
    """Scalar rules built into ``rules.so`` and ``rules.wasm`` (given ``imports``)."""
    native = NativeRules(build_native(modules, host_ll, tmp))
    return Targets(native, WasmRules.load(build_wasm(modules, host_ll, tmp), imports))


def heap_targets(modules: Sequence[n.IrModule], host_ll: str, tmp: Path) -> HeapTargets:
    """Rules over Strings, Lists and tuples built into ``heap.so`` and ``heap.wasm``."""
    native = NativeRules(build_native_heap(modules, host_ll, tmp))
    return Targets(native, WasmHeapRules.load(build_wasm_heap(modules, host_ll, tmp)))
