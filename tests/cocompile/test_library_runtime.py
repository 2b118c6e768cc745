"""The runtime crate linked once per library: rules keep ``relon_rt_*`` external,
one hidden object defines them, and nothing of it is exported."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import wasmtime

from relon_build_backend.cocompile import (
    CoCompiledModule,
    CompiledRuntime,
    CompiledShim,
    build_rule_object,
    build_runtime_object,
    runtime_calls,
)
from relon_build_backend.cocompile import rule_object as rule_object_module
from relon_build_backend.compiler import CompileOptions, RuleSource, compile_package
from relon_build_backend.frontend.hosts import HostFunction
from relon_build_backend.targets import Target
from relon_build_backend.toolchain import run_tool

from .conftest import DATA

RULE = (DATA / "rule_rt.ll").read_text()
RULES = {
    "ftext": '#main(Float x) -> String\n"" + x',
    "upper": '#main(String s) -> String\ns.upper() + "|" + s.lower()',
}


def test_runtime_calls_lists_declared_runtime_functions() -> None:
    text = (
        "declare i64 @relon_rt_f64_to_text(double, ptr) #0\n"
        'declare noundef i32 @"relon_rt_sort"(ptr, i32, ptr, i64)\n'
        "declare i64 @relon_rt_f64_to_text(double, ptr)\n"
        "declare i64 @host_add(i64)\n"
        "; declare i64 @relon_rt_x()\n"
        "define void @relon_rt_y() {}\n"
    )
    assert runtime_calls(text) == ("relon_rt_f64_to_text", "relon_rt_sort")
    assert runtime_calls("declare i64 @host_add(i64)\n") == ()


@pytest.mark.rustc
def test_rule_keeps_runtime_calls_external(
    native: Target,
    native_shim: CompiledShim,
    native_runtime: CompiledRuntime,
    hosts: tuple[HostFunction, ...],
) -> None:
    built = build_rule_object(
        RULE,
        native_shim,
        target=native,
        opt_level=3,
        exports=["relon_t_text", "relon_t_has"],
        host_functions=hosts,
        runtime=native_runtime,
    )
    assert runtime_calls(built.optimized_ir) == ("relon_rt_f64_to_text", "relon_rt_str_contains")
    assert not re.search(r"^define [^\n]*@relon_rt_", built.optimized_ir, re.MULTILINE)


@pytest.mark.rustc
def test_runtime_declaration_is_checked_without_linking(
    native: Target, native_runtime: CompiledRuntime
) -> None:
    module = CoCompiledModule(
        "declare i32 @relon_rt_bytes_cmp(ptr, i32, ptr, i32)\n", target=native, opt_level=3
    )
    with pytest.raises(AssertionError) as caught:
        module.check_runtime_calls(native_runtime)
    assert str(caught.value) == (
        "rule declares runtime function relon_rt_bytes_cmp as i32 (ptr, i32, ptr, i32), "
        "the runtime crate defines i32 (ptr, i64, ptr, i64)"
    )
    unknown = CoCompiledModule("declare void @relon_rt_nope()\n", target=native, opt_level=3)
    with pytest.raises(AssertionError, match="defines no relon_rt_nope"):
        unknown.check_runtime_calls(native_runtime)


def _symbols(obj: bytes, work: Path) -> dict[str, tuple[str, str]]:
    """Defined symbols of an ELF object: name -> (binding, visibility)."""
    path = work / "o.o"
    path.write_bytes(obj)
    table: dict[str, tuple[str, str]] = {}
    for line in run_tool(["readelf", "-sW", str(path)]).splitlines():
        fields = line.split()
        if len(fields) == 8 and fields[3] == "FUNC" and fields[6] != "UND":
            table[fields[7]] = (fields[4], fields[5])
    return table


@pytest.mark.rustc
def test_runtime_object_keeps_only_called_functions_hidden(
    native: Target,
    native_runtime: CompiledRuntime,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(rule_object_module, "_runtime_objects", {})
    keep = ["relon_rt_bytes_cmp", "relon_rt_str_contains"]
    obj = build_runtime_object(native_runtime, target=native, opt_level=3, keep=keep)
    symbols = _symbols(obj, tmp_path)
    assert {name for name, (bind, _) in symbols.items() if bind == "GLOBAL"} == set(keep)
    assert all(symbols[name] == ("GLOBAL", "HIDDEN") for name in keep)
    # Float formatting (most of core) is not reachable, so it is not there.
    with_floats = build_runtime_object(
        native_runtime, target=native, opt_level=3, keep=[*keep, "relon_rt_f64_to_text"]
    )
    assert len(obj) * 2 < len(with_floats)
    assert build_runtime_object(native_runtime, target=native, opt_level=3, keep=keep) is obj


@pytest.mark.rustc
def test_runtime_object_is_reproducible(
    native: Target, native_runtime: CompiledRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    keep = ["relon_rt_f64_to_text"]
    objects = []
    for _ in range(2):
        monkeypatch.setattr(rule_object_module, "_runtime_objects", {})
        objects.append(build_runtime_object(native_runtime, target=native, opt_level=3, keep=keep))
    assert objects[0] == objects[1]


def _build(root: Path) -> tuple[bytes, bytes]:
    package_dir = root / "relon_libtest"
    package_dir.mkdir(parents=True)
    for stem, text in RULES.items():
        (package_dir / f"{stem}.relon").write_text(text)
    sources = [
        RuleSource(package_dir / f"{s}.relon", f"relon_libtest.{s}", f"relon_libtest/{s}.relon")
        for s in RULES
    ]
    built = compile_package(package_dir, "relon_libtest", sources, root / "out", CompileOptions())
    assert built.library is not None and built.wasm is not None
    return built.library.read_bytes(), built.wasm.read_bytes()


@pytest.mark.rustc
@pytest.mark.wasm
def test_library_links_runtime_once_exports_none_and_is_reproducible(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # LLVM keeps process-wide state that the first wasm32 build changes: a native
    # object optimised before any wasm32 build differs from one optimised after it
    # (so did the per-rule objects before). Separate processes always agree.
    builds = []
    for name in ("warm-up", "a", "b"):
        monkeypatch.setattr(rule_object_module, "_runtime_objects", {})
        builds.append(_build(tmp_path / name))
    assert builds[1] == builds[2]
    library, wasm = builds[2]
    so = tmp_path / "lib.so"
    so.write_bytes(library)
    dynamic = run_tool(["nm", "-D", "--defined-only", str(so)])
    assert "relon_ftext_" in dynamic and "relon_rt_" not in dynamic
    # One copy of the float formatting: the symbol table (before strip) has one definition.
    assert run_tool(["nm", str(so)]).count(" relon_rt_f64_to_text\n") <= 1
    module = wasmtime.Module(wasmtime.Engine(), wasm)
    exported = {e.name for e in module.exports}
    assert any(name.startswith("relon_upper_") for name in exported)
    assert not [name for name in exported if name.startswith("relon_rt_")]
    assert module.imports == []
