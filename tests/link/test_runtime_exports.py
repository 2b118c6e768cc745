"""Library-wide exports: relon_release natively; the heap functions on wasm32; and a
compiled package exports exactly those besides its rules' entries."""

from __future__ import annotations

import ctypes
from pathlib import Path

import pytest
import wasmtime

from relon_build_backend.cocompile import NATIVE_EXPORTS, WASM_EXPORTS, runtime_object
from relon_build_backend.compiler import CompileOptions, RuleSource, compile_package
from relon_build_backend.link import link_native, link_wasm
from relon_build_backend.targets import target_for

RULE = "#main(Int x) -> Int\nx * 2\n"


def test_native_runtime_exports_release_and_hides_arenas(tmp_path: Path) -> None:
    native = target_for("native")
    library = tmp_path / "librt.so"
    objects = [runtime_object(native, workdir=tmp_path)]
    link_native(objects, library, exports=NATIVE_EXPORTS, workdir=tmp_path)
    lib = ctypes.CDLL(str(library))
    assert hasattr(lib, "relon_release") and hasattr(lib, "relon_abi_version")
    for internal in ["relon_arena_alloc", "relon_arena_init", "relon_guard", "relon_trap"]:
        assert not hasattr(lib, internal), internal


@pytest.mark.wasm
def test_wasm_runtime_exports_the_heap(tmp_path: Path) -> None:
    wasm32 = target_for("wasm32")
    output = tmp_path / "rt.wasm"
    objects = [runtime_object(wasm32, workdir=tmp_path)]
    link_wasm(objects, output, exports=WASM_EXPORTS, imports=[], workdir=tmp_path)
    module = wasmtime.Module.from_file(wasmtime.Engine(), str(output))
    assert module.imports == []
    assert {e.name for e in module.exports} == {*WASM_EXPORTS, "memory"}


@pytest.mark.wasm
def test_compiled_package_exports_the_runtime_interface(tmp_path: Path) -> None:
    source = tmp_path / "pkg" / "double.relon"
    source.parent.mkdir()
    source.write_text(RULE)
    rule = RuleSource(source, "pkg.double", "pkg/double.relon")
    built = compile_package(source.parent, "pkg", [rule], tmp_path / "out", CompileOptions())
    assert built.library is not None and built.wasm is not None
    lib = ctypes.CDLL(str(built.library))
    assert hasattr(lib, "relon_release")
    module = wasmtime.Module.from_file(wasmtime.Engine(), str(built.wasm))
    names = {e.name for e in module.exports}
    assert {*WASM_EXPORTS, "memory"} <= names
    (prefix,) = {p.prefix for p in built.rules}
    assert names - {*WASM_EXPORTS, "memory"} == {
        f"{prefix}_call",
        f"{prefix}_main",
        f"{prefix}_hash",
        f"{prefix}_call_value",
        f"{prefix}_main_value",
        f"{prefix}_batch",
    }
