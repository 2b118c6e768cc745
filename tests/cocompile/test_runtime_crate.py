"""The runtime crate: compile, cache (process and disk), link with rules that have a shim."""

from __future__ import annotations

import ctypes
import re
import struct
from pathlib import Path

import pytest
import wasmtime
from support.rt_harness import DECLS, RT_NAMES

from relon_build_backend.cocompile import (
    NATIVE_EXPORTS,
    WASM_EXPORTS,
    CoCompiledModule,
    CompiledRuntime,
    CompiledShim,
    build_rule_object,
    build_runtime_object,
    compile_runtime,
    declares_runtime,
    runtime_cache_dir,
    runtime_calls,
    runtime_object,
)
from relon_build_backend.cocompile import runtime_crate as crate_module
from relon_build_backend.cocompile.shim_compiler import parse_rust_ir
from relon_build_backend.frontend.hosts import HostFunction
from relon_build_backend.link import link_native, link_wasm
from relon_build_backend.targets import Target

from .conftest import DATA

RULE = (DATA / "rule_rt.ll").read_text()
RULE_EXPORTS = ["relon_t_text", "relon_t_has"]


def test_declares_runtime_finds_plain_and_quoted_names() -> None:
    assert declares_runtime("declare i64 @relon_rt_f64_to_text(double, ptr)\n")
    assert declares_runtime('x\ndeclare i32 @"relon_rt_sort"(ptr %.1, i32 %.2)\n')
    assert not declares_runtime("declare i64 @host_add(i64)\n")
    assert not declares_runtime("; declare i64 @relon_rt_x()\ndefine void @relon_rt_y() {}\n")


def test_runtime_cache_dir_follows_the_environment(tmp_path: Path) -> None:
    assert runtime_cache_dir({"RELON_RT_CACHE": "0"}) is None
    assert runtime_cache_dir({"RELON_RT_CACHE": str(tmp_path)}) == tmp_path
    xdg = runtime_cache_dir({"XDG_CACHE_HOME": "/x"})
    assert xdg == Path("/x/relon-build-backend")
    assert runtime_cache_dir({"HOME": "/h"}) == Path("/h/.cache/relon-build-backend")


@pytest.mark.rustc
@pytest.mark.parametrize("which", ["native_runtime", "wasm_runtime"])
def test_runtime_defines_every_function_and_needs_only_the_arena(
    which: str, request: pytest.FixtureRequest
) -> None:
    runtime: CompiledRuntime = request.getfixturevalue(which)
    module = parse_rust_ir(runtime.ir, runtime.ir_format, runtime.rustc, runtime.source)
    defined = {f.name for f in module.functions if not f.is_declaration}
    assert set(RT_NAMES) <= defined
    needed = {
        f.name
        for f in module.functions
        if f.is_declaration and not f.name.startswith("llvm.") and f.name in _called(module)
    }
    # memcmp/bcmp/memcpy come from libc natively and the compiler builtins on wasm32;
    # relon_note and relon_trap from the C/IR runtime (the panic handler's).
    runtime_side = {"relon_trap", "relon_note", "relon_arena_alloc"}
    assert needed <= {*runtime_side, "memcmp", "bcmp", "memcpy", "memset"}


def _text(runtime: CompiledRuntime) -> str:
    return str(parse_rust_ir(runtime.ir, runtime.ir_format, runtime.rustc, runtime.source))


def _called(module: object) -> set[str]:
    return set(re.findall(r"call [^\n]*?@([\w.]+)\(", str(module)))


@pytest.mark.rustc
def test_runtime_is_compiled_once_per_process(
    native: Target, native_runtime: CompiledRuntime, tmp_path: Path
) -> None:
    assert compile_runtime(native, workdir=tmp_path) is native_runtime
    assert list(tmp_path.iterdir()) == []


@pytest.mark.rustc
def test_disk_cache_is_written_then_reused(
    native: Target,
    native_runtime: CompiledRuntime,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setattr(crate_module, "_compiled", {})
    first = compile_runtime(native, workdir=tmp_path, cache_dir=cache)
    (entry,) = cache.iterdir()
    assert entry.name.startswith("relon_rt-") and entry.read_bytes() == first.ir
    # Reproducible (as IR: bitcode bytes depend on what the LLVM context has seen).
    assert _text(first) == _text(native_runtime)

    def no_rustc(*args: object, **kwargs: object) -> None:
        raise AssertionError("rustc ran although the runtime was cached")

    monkeypatch.setattr(crate_module, "_compiled", {})
    monkeypatch.setattr(crate_module, "run_rustc", no_rustc)
    again = compile_runtime(native, workdir=tmp_path, cache_dir=cache)
    assert again.ir == first.ir and again.rustc == first.rustc


@pytest.mark.rustc
def test_unwritable_cache_is_not_an_error(
    native: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setattr(crate_module, "_compiled", {})
    assert compile_runtime(native, workdir=tmp_path, cache_dir=blocker / "cache").ir


@pytest.mark.rustc
def test_rule_declaring_runtime_functions_needs_the_runtime(native: Target) -> None:
    with pytest.raises(AssertionError, match="link_runtime first"):
        build_rule_object(DECLS, None, target=native, opt_level=3, exports=[], host_functions=())


def _build(
    target: Target,
    shim: CompiledShim,
    runtime: CompiledRuntime,
    hosts: tuple[HostFunction, ...],
    work: Path,
) -> tuple[Path, str]:
    built = build_rule_object(
        RULE,
        shim,
        target=target,
        opt_level=3,
        exports=RULE_EXPORTS,
        host_functions=hosts,
        runtime=runtime,
    )
    obj = work / "rule.o"
    obj.write_bytes(built.object)
    # As a library links it: the crate once, keeping what the rules call.
    crate = work / "relon_rt.o"
    called = runtime_calls(built.optimized_ir)
    crate.write_bytes(build_runtime_object(runtime, target=target, opt_level=3, keep=called))
    objects = [runtime_object(target, workdir=work), obj, crate]
    if target.name == "native":
        out = work / "librule.so"
        link_native(objects, out, exports=[*RULE_EXPORTS, *NATIVE_EXPORTS], workdir=work)
    else:
        out = work / "rule.wasm"
        exports = [*RULE_EXPORTS, *WASM_EXPORTS]
        link_wasm(objects, out, exports=exports, imports=[], workdir=work)
    return out, built.optimized_ir


def _only_exports_defined(ir: str) -> list[str]:
    return sorted(re.findall(r"^define (?!internal|private)[^@]*@([\w.]+)", ir, re.MULTILINE))


@pytest.mark.rustc
def test_native_rule_links_shim_and_runtime(
    native: Target,
    native_shim: CompiledShim,
    native_runtime: CompiledRuntime,
    hosts: tuple[HostFunction, ...],
    tmp_path: Path,
) -> None:
    library, ir = _build(native, native_shim, native_runtime, hosts, tmp_path)
    assert _only_exports_defined(ir) == sorted(RULE_EXPORTS)
    assert "relon_rt_sort" not in ir  # unused runtime functions are dropped
    lib = ctypes.CDLL(str(library))
    lib.relon_t_text.argtypes = [ctypes.c_double, ctypes.c_int64, ctypes.c_void_p]
    lib.relon_t_text.restype = ctypes.c_int32
    lib.relon_release.argtypes = [ctypes.c_int64]
    slots = (ctypes.c_int64 * 3)()
    for _ in range(200):  # memory is released each time (see test_arena for the count)
        assert lib.relon_t_text(0.5, 1, ctypes.addressof(slots)) == 0
        assert ctypes.string_at(slots[0], slots[1]) == b"43.5"
        assert slots[2] != 0
        lib.relon_release(slots[2])
    lib.relon_t_has.argtypes = [ctypes.c_char_p, ctypes.c_int64, ctypes.c_char_p, ctypes.c_int64]
    lib.relon_t_has.argtypes += [ctypes.c_void_p]
    assert lib.relon_t_has(b"haystack", 8, b"st", 2, ctypes.addressof(slots)) == 0
    assert slots[0] & 0xFFFFFFFF == 1


@pytest.mark.wasm
def test_wasm_rule_links_shim_and_runtime(
    wasm32: Target,
    wasm_shim: CompiledShim,
    wasm_runtime: CompiledRuntime,
    hosts: tuple[HostFunction, ...],
    tmp_path: Path,
) -> None:
    path, ir = _build(wasm32, wasm_shim, wasm_runtime, hosts, tmp_path)
    assert _only_exports_defined(ir) == sorted(RULE_EXPORTS)
    engine = wasmtime.Engine()
    module = wasmtime.Module.from_file(engine, str(path))
    assert module.imports == []
    assert {e.name for e in module.exports} == {*RULE_EXPORTS, *WASM_EXPORTS, "memory"}
    store = wasmtime.Store(engine)
    exports = wasmtime.Instance(store, module, []).exports(store)
    memory = exports["memory"]
    assert isinstance(memory, wasmtime.Memory)

    def call(name: str, *args: int | float) -> object:
        function = exports[name]
        assert isinstance(function, wasmtime.Func)
        return function(store, *args)

    mark = call("relon_heap_mark")
    scratch = call("relon_scratch")
    assert isinstance(mark, int) and isinstance(scratch, int)
    assert call("relon_t_text", -0.25, 1, scratch) == 0
    pointer, _, length, handle = struct.unpack("<IIqq", memory.read(store, scratch, scratch + 24))
    assert bytes(memory.read(store, pointer, pointer + length)) == b"42.75"
    assert handle == 0
    call("relon_release", handle)
    call("relon_heap_reset", mark)
    assert call("relon_heap_mark") == mark


@pytest.mark.rustc
def test_runtime_declaration_must_match_the_crate(
    native: Target, native_runtime: CompiledRuntime
) -> None:
    rule = "declare i32 @relon_rt_bytes_cmp(ptr, i32, ptr, i32)\n"
    module = CoCompiledModule(rule, target=native, opt_level=3)
    with pytest.raises(AssertionError) as caught:
        module.link_runtime(native_runtime)
    assert str(caught.value) == (
        "rule declares runtime function relon_rt_bytes_cmp as i32 (ptr, i32, ptr, i32), "
        "the runtime crate defines i32 (ptr, i64, ptr, i64)"
    )
