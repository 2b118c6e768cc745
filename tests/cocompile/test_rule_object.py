"""build_rule_object: link + inline + O3, then run the result for real (ctypes, wasmtime)."""

from __future__ import annotations

import ctypes
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from relon_build_backend.cocompile import (
    CoCompiledModule,
    CompiledShim,
    build_rule_object,
    runtime_object,
)
from relon_build_backend.frontend.hosts import HostFunction
from relon_build_backend.link import link_native, link_wasm
from relon_build_backend.targets import Target

from .conftest import DATA

NATIVE_EXPORTS = ["relon_t_main", "relon_t_hash"]
WASM_EXPORTS = ["relon_t_main", "relon_t_fmod"]


def host_calls(ir: str, names: list[str]) -> list[str]:
    return [n for n in names if re.search(rf"call [^\n]*@{n}\(", ir)]


@pytest.fixture(scope="module")
def native_library(
    native: Target,
    native_shim: CompiledShim,
    hosts: tuple[HostFunction, ...],
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[ctypes.CDLL, str]:
    work = tmp_path_factory.mktemp("native")
    built = build_rule_object(
        (DATA / "rule_native.ll").read_text(),
        native_shim,
        target=native,
        opt_level=3,
        exports=NATIVE_EXPORTS,
        host_functions=hosts,
    )
    obj = work / "rule.o"
    obj.write_bytes(built.object)
    library = work / "librules.so"
    exports = [*NATIVE_EXPORTS, "relon_abi_version"]
    link_native([runtime_object(native, workdir=work), obj], library, exports=exports, workdir=work)
    return ctypes.CDLL(str(library)), built.optimized_ir


@pytest.mark.rustc
def test_native_ir_has_no_host_calls_at_all(
    native_library: tuple[ctypes.CDLL, str], hosts: tuple[HostFunction, ...]
) -> None:
    _, ir = native_library
    assert host_calls(ir, [h.name for h in hosts]) == []  # gated clock_add included
    assert not re.search(r"define [^\n]*@(host_add|clock_add)\(", ir)  # dropped after inlining
    assert re.search(r"define (internal )?[^\n]*@relon_t_main\(", ir)


@pytest.mark.rustc
def test_native_results_and_host_panic_status(native_library: tuple[ctypes.CDLL, str]) -> None:
    lib, _ = native_library
    main = lib.relon_t_main
    main.argtypes = [ctypes.c_int64, ctypes.POINTER(ctypes.c_int64)]
    main.restype = ctypes.c_int32
    out = ctypes.c_int64(-5)
    assert main(5, ctypes.byref(out)) == 0
    assert out.value == ((100 // 5 + 42) + 1000) * 3
    # host_div(0) panics: the guard turns it into status 7 and the process survives.
    out.value = -5
    assert main(0, ctypes.byref(out)) == 7
    assert out.value == -5
    # The guard is reusable after a panic.
    assert main(4, ctypes.byref(out)) == 0
    assert out.value == ((25 + 42) + 1000) * 3


@pytest.mark.rustc
def test_native_library_exports_only_what_was_asked(
    native_library: tuple[ctypes.CDLL, str],
) -> None:
    lib, _ = native_library
    lib.relon_abi_version.restype = ctypes.c_int32
    assert lib.relon_abi_version() == 1
    for hidden in ("relon_trap", "relon_guard", "host_add", "clock_add"):
        assert not hasattr(lib, hidden), hidden


@pytest.mark.rustc
def test_finalized_module_refuses_changes(native: Target, native_shim: CompiledShim) -> None:
    module = CoCompiledModule((DATA / "rule_native.ll").read_text(), target=native, opt_level=2)
    with pytest.raises(AssertionError, match="finalize"):
        module.emit_object()
    module.finalize(NATIVE_EXPORTS)
    with pytest.raises(AssertionError, match="finalized"):
        module.link_shim(native_shim)
    with pytest.raises(AssertionError, match="finalized"):
        module.finalize(NATIVE_EXPORTS)
    assert module.emit_object().startswith(b"\x7fELF")


def test_invalid_rule_ir_is_our_bug(native: Target) -> None:
    with pytest.raises(AssertionError, match="generated rule LLVM IR is invalid"):
        CoCompiledModule("define i32 @f() { ret i64 0 }", target=native, opt_level=3)


@pytest.fixture(scope="module")
def wasm_module(
    wasm32: Target,
    wasm_shim: CompiledShim,
    hosts: tuple[HostFunction, ...],
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, str]:
    work = tmp_path_factory.mktemp("wasm")
    built = build_rule_object(
        (DATA / "rule_wasm.ll").read_text(),
        wasm_shim,
        target=wasm32,
        opt_level=3,
        exports=WASM_EXPORTS,
        host_functions=hosts,
    )
    obj = work / "rule.o"
    obj.write_bytes(built.object)
    output = work / "rules.wasm"
    link_wasm(
        [runtime_object(wasm32, workdir=work), obj],
        output,
        exports=[*WASM_EXPORTS, "relon_abi_version", "relon_scratch"],
        imports=["relon_import_clock_add"],
        workdir=work,
    )
    return output, built.optimized_ir


@pytest.mark.wasm
def test_wasm_inlines_pure_hosts_and_keeps_the_gated_import(
    wasm_module: tuple[Path, str], hosts: tuple[HostFunction, ...]
) -> None:
    _, ir = wasm_module
    pure = [h.name for h in hosts if not h.is_gated]
    assert host_calls(ir, pure) == []
    assert host_calls(ir, ["relon_import_clock_add"]) == ["relon_import_clock_add"]


@pytest.mark.wasm
def test_wasm_runs_in_wasmtime_and_traps_on_panic(wasm_module: tuple[Path, str]) -> None:
    wasmtime = pytest.importorskip("wasmtime")
    path, _ = wasm_module
    engine = wasmtime.Engine()
    module = wasmtime.Module.from_file(engine, str(path))
    assert [(i.module, i.name) for i in module.imports] == [("env", "clock_add")]
    store = wasmtime.Store(engine)
    i64 = wasmtime.ValType.i64()
    clock = wasmtime.Func(store, wasmtime.FuncType([i64], [i64]), lambda x: x + 1000)
    instance = wasmtime.Instance(store, module, [clock])
    exports = instance.exports(store)
    memory = exports["memory"]
    scratch = exports["relon_scratch"](store)
    assert scratch % 8 == 0
    assert exports["relon_abi_version"](store) == 1
    assert exports["relon_t_main"](store, 5, scratch) == 0
    value = int.from_bytes(memory.read(store, scratch, scratch + 8), "little", signed=True)
    assert value == ((100 // 5 + 42) + 1000) * 3
    # checked_mul overflow path (needs __multi3 from the compiler builtins)
    assert exports["relon_t_main"](store, 1, scratch) == 0
    assert exports["relon_t_fmod"](store, 7.5, 2.0) == 1.5  # fmod from the builtins
    with pytest.raises(wasmtime.Trap):
        exports["relon_t_main"](store, 0, scratch)


NESTED = """
declare i64 @host_div(i64)
declare i32 @relon_guard(ptr, ptr)

define internal i32 @inner(ptr %frame) {
  %x = load i64, ptr %frame
  %v = call i64 @host_div(i64 %x)
  store i64 %v, ptr %frame
  ret i32 0
}

define internal i32 @outer(ptr %frame) {
  %st = call i32 @relon_guard(ptr @inner, ptr %frame)
  %wide = sext i32 %st to i64
  %slot = getelementptr i64, ptr %frame, i64 1
  store i64 %wide, ptr %slot
  ret i32 0
}

define i32 @relon_n_main(i64 %x, ptr %out) {
  %frame = alloca [2 x i64], align 8
  store i64 %x, ptr %frame
  %st = call i32 @relon_guard(ptr @outer, ptr %frame)
  %slot = getelementptr i64, ptr %frame, i64 1
  %inner = load i64, ptr %slot
  store i64 %inner, ptr %out
  ret i32 %st
}
"""


@pytest.mark.rustc
def test_nested_guards_restore_the_outer_one(
    native: Target,
    native_shim: CompiledShim,
    hosts: tuple[HostFunction, ...],
    tmp_path: Path,
) -> None:
    built = build_rule_object(
        NESTED,
        native_shim,
        target=native,
        opt_level=3,
        exports=["relon_n_main"],
        host_functions=hosts,
    )
    obj = tmp_path / "nested.o"
    obj.write_bytes(built.object)
    library = tmp_path / "libnested.so"
    runtime = runtime_object(native, workdir=tmp_path)
    link_native([runtime, obj], library, exports=["relon_n_main"], workdir=tmp_path)
    main = ctypes.CDLL(str(library)).relon_n_main
    main.argtypes = [ctypes.c_int64, ctypes.POINTER(ctypes.c_int64)]
    main.restype = ctypes.c_int32
    out = ctypes.c_int64()
    # The inner guard catches the panic (7); the outer body goes on and succeeds.
    assert main(0, ctypes.byref(out)) == 0
    assert out.value == 7
    assert main(5, ctypes.byref(out)) == 0
    assert out.value == 0


@pytest.mark.rustc
def test_panics_on_many_threads_at_once(native_library: tuple[ctypes.CDLL, str]) -> None:
    lib, _ = native_library
    main = lib.relon_t_main
    main.argtypes = [ctypes.c_int64, ctypes.POINTER(ctypes.c_int64)]
    main.restype = ctypes.c_int32

    def call(x: int) -> tuple[int, int]:
        out = ctypes.c_int64(0)
        return main(x, ctypes.byref(out)), out.value

    inputs = [i % 3 for i in range(200)]  # every third call panics
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(call, inputs))
    for x, (status, value) in zip(inputs, results, strict=True):
        assert (status, value) == ((7, 0) if x == 0 else (0, ((100 // x + 42) + 1000) * 3))


@pytest.mark.rustc
def test_host_declaration_must_match_the_shim(native: Target, native_shim: CompiledShim) -> None:
    rule = """
declare double @host_scale(double, i32)
define double @relon_s_main(double %x) {
  %y = call double @host_scale(double %x, i32 1)
  ret double %y
}
"""
    module = CoCompiledModule(rule, target=native, opt_level=3)
    with pytest.raises(
        AssertionError,
        match=r"declares host function host_scale as "
        r"double \(double, i32\), the shim defines double \(double, i1\)",
    ):
        module.link_shim(native_shim)
