"""Build hand-written IR modules with the real toolchain and call them on both targets.

All rules of a test module are linked into one LLVM module per target (one ``cc``, one
``wasm-ld``), like a real library holding many rules. Host functions are written as
LLVM IR (linked in before O3, as the co-compiler does with the Rust shim); gated hosts
on wasm32 are Python imports, like the generated loader supplies them.
"""

from __future__ import annotations

import ctypes
import math
import struct
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import llvmlite.binding as llvm
import wasmtime

from relon_build_backend.cocompile import WASM_TRAP_IR, compile_runtime, runtime_object
from relon_build_backend.cocompile.shim_compiler import parse_rust_ir
from relon_build_backend.codegen import generate_llvm_ir
from relon_build_backend.frontend.source import SourceFile, Span
from relon_build_backend.ir import nodes as n
from relon_build_backend.targets import Target, target_for

SPAN = Span(SourceFile("<test>", ""), 0, 0)
INT, FLOAT, BOOL = n.IrType.INT, n.IrType.FLOAT, n.IrType.BOOL
Value = int | float | bool

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


# --------------------------------------------------------------------------- building

# the real runtimes: runtime.c natively (guard, trap, note, arenas), and on wasm32 the
# IR runtime plus the trap every rule module links (llvm.trap: a bare `unreachable`
# would be UB that O3 may delete)
_WASM_TRAP_LL = WASM_TRAP_IR
_BUILTINS = sorted(
    Path("/usr/lib/rustlib/wasm32-unknown-unknown/lib").glob("libcompiler_builtins-*.rlib")
)


def _run(cmd: list[str]) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"{cmd}: {proc.stderr}"


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
        text = generate_llvm_ir(
            module, symbol_prefix=prefix(module), source_hash=len(module.name), target=spec
        )
        rule_ir = llvm.parse_assembly(text)
        rule_ir.verify()
        linked.link_in(rule_ir)
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
    modules: Sequence[n.IrModule], host_ll: str, tmp: Path, shim_bc: bytes | None = None
) -> ctypes.CDLL:
    spec = target_for("native")
    linked = optimized_module(modules, spec, "declare void @relon_trap()\n" + host_ll, shim_bc)
    (tmp / "rules.o").write_bytes(spec.create_target_machine(opt_level=3).emit_object(linked))
    runtime = runtime_object(spec, workdir=tmp)
    library = tmp / "rules.so"
    _run(["cc", "-shared", "-fPIC", "-o", str(library), str(tmp / "rules.o"), str(runtime)])
    return ctypes.CDLL(str(library))


def build_wasm(
    modules: Sequence[n.IrModule],
    host_ll: str,
    tmp: Path,
    *,
    builtins: bool = True,
    shim_bc: bytes | None = None,
) -> Path:
    spec = target_for("wasm32")
    linked = optimized_module(modules, spec, host_ll + _WASM_TRAP_LL, shim_bc)
    (tmp / "rules.wasm.o").write_bytes(spec.create_target_machine(opt_level=3).emit_object(linked))
    exports = [f"--export={prefix(m)}_{e}" for m in modules for e in ("call", "main", "hash")]
    cmd = ["wasm-ld", "--no-entry", "--export=__heap_base", *exports, "-o", str(tmp / "rules.wasm")]
    runtime = runtime_object(spec, workdir=tmp)
    objects = [str(tmp / "rules.wasm.o"), str(runtime), *(str(p) for p in _BUILTINS if builtins)]
    _run([*cmd, *objects])
    return tmp / "rules.wasm"


# --------------------------------------------------------------------------- calling

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
Result = tuple[int, Value | str | None]  # (status, normalized value)


def normalize(ty: n.IrType, raw: Value) -> Value | str:
    """Floats compare by bits (so -0.0 != 0.0), every NaN as one value."""
    if ty is FLOAT:
        assert isinstance(raw, float)
        return "nan" if math.isnan(raw) else struct.pack("<d", raw).hex()
    if ty is BOOL:
        assert raw in (0, 1), raw
        return bool(raw)
    return raw


@dataclass
class NativeRules:
    lib: ctypes.CDLL

    def call(self, module: n.IrModule, args: Sequence[Value], *, caps: int, steps: int) -> Result:
        entry = module.entry
        fn = getattr(self.lib, f"{prefix(module)}_call")
        fn.restype = ctypes.c_int32
        fn.argtypes = [
            ctypes.c_int64,
            ctypes.c_int64,
            *(_CTYPE[p.type] for p in entry.params),
            ctypes.c_void_p,
        ]
        result = entry.result
        assert isinstance(result, n.IrType), "scalar rules only (see heap_harness.py)"
        out = _CTYPE[result](0)
        status = fn(caps, steps, *args, ctypes.byref(out))
        return status, normalize(result, out.value) if status == 0 else None


@dataclass
class WasmRules:
    store: wasmtime.Store
    instance: wasmtime.Instance

    @classmethod
    def load(
        cls,
        path: Path,
        imports: dict[str, tuple[Sequence[n.IrType], n.IrType, Callable[..., Value]]],
    ) -> WasmRules:
        engine = wasmtime.Engine()
        store = wasmtime.Store(engine)
        linker = wasmtime.Linker(engine)
        for name, (params, result, fn) in imports.items():
            ftype = wasmtime.FuncType([_WASM_TYPE[p] for p in params], [_WASM_TYPE[result]])
            linker.define_func("env", name, ftype, fn)
        module = wasmtime.Module.from_file(engine, str(path))
        return cls(store, linker.instantiate(store, module))

    def export(self, name: str) -> wasmtime.Func:
        func = self.instance.exports(self.store)[name]
        assert isinstance(func, wasmtime.Func), name
        return func

    def call(self, module: n.IrModule, args: Sequence[Value], *, caps: int, steps: int) -> Result:
        exports = self.instance.exports(self.store)
        heap_base, memory = exports["__heap_base"], exports["memory"]
        assert isinstance(heap_base, wasmtime.Global)
        assert isinstance(memory, wasmtime.Memory)
        out = heap_base.value(self.store)
        fn = self.export(f"{prefix(module)}_call")
        try:
            status = fn(
                self.store, caps, steps, *(int(a) if isinstance(a, bool) else a for a in args), out
            )
        except wasmtime.Trap:
            return 7, None
        if status != 0:
            return status, None
        raw = bytes(memory.read(self.store, out, out + 8))
        result = module.entry.result
        assert isinstance(result, n.IrType), "scalar rules only (see heap_harness.py)"
        fmt = {INT: "<q", FLOAT: "<d", BOOL: "<i4x"}[result]
        return status, normalize(result, struct.unpack(fmt, raw)[0])
