"""link_wasm: linker discovery, builtins, allowed imports, reproducibility."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from relon_build_backend.cocompile import build_rule_object, runtime_object
from relon_build_backend.errors import ToolchainMissing, ToolFailed
from relon_build_backend.link import WasmImport, link_wasm, read_imports
from relon_build_backend.targets import Target, target_for
from relon_build_backend.toolchain.wasm_ld import find_wasm_linker, wasm_linker_candidates

RULE = """
declare i64 @relon_import_tick(i64) #0
define i64 @relon_r_main(i64 %x) {
  %t = call i64 @relon_import_tick(i64 %x)
  %y = mul i64 %t, 7
  ret i64 %y
}
define double @relon_r_fmod(double %x, double %y) {
  %r = frem double %x, %y
  ret double %r
}
attributes #0 = { "wasm-import-module"="env" "wasm-import-name"="tick" }
"""
EXPORTS = ["relon_r_main", "relon_r_fmod", "relon_abi_version", "relon_scratch"]


@pytest.fixture(scope="module")
def wasm32() -> Target:
    return target_for("wasm32")


def objects(wasm32: Target, work: Path) -> list[Path]:
    work.mkdir(parents=True, exist_ok=True)
    rule = work / "rule.o"
    built = build_rule_object(
        RULE, None, target=wasm32, opt_level=3, exports=EXPORTS[:2], host_functions=()
    )
    rule.write_bytes(built.object)
    return [runtime_object(wasm32, workdir=work), rule]


@pytest.mark.wasm
def test_module_imports_only_the_gated_function(wasm32: Target, tmp_path: Path) -> None:
    output = tmp_path / "out" / "m.wasm"
    link_wasm(
        objects(wasm32, tmp_path / "w"),
        output,
        exports=EXPORTS,
        imports=["relon_import_tick"],
        workdir=tmp_path,
    )
    assert read_imports(output.read_bytes()) == (WasmImport("env", "tick", "func"),)
    wasmtime = pytest.importorskip("wasmtime")
    engine = wasmtime.Engine()
    module = wasmtime.Module(engine, output.read_bytes())
    assert sorted(e.name for e in module.exports) == sorted([*EXPORTS, "memory"])
    store = wasmtime.Store(engine)
    i64 = wasmtime.ValType.i64()
    tick = wasmtime.Func(store, wasmtime.FuncType([i64], [i64]), lambda x: x + 1)
    exports = wasmtime.Instance(store, module, [tick]).exports(store)
    assert exports["relon_r_main"](store, 5) == 42
    assert exports["relon_r_fmod"](store, -7.5, 2.0) == -1.5
    assert [p.name for p in output.parent.iterdir()] == ["m.wasm"]


@pytest.mark.wasm
def test_an_unlisted_import_is_caught(wasm32: Target, tmp_path: Path) -> None:
    # wasm-ld imports symbols with explicit import names on its own; link_wasm checks.
    output = tmp_path / "m.wasm"
    with pytest.raises(AssertionError, match=r"unexpected imports: \['env.tick \(func\)'\]"):
        link_wasm(objects(wasm32, tmp_path), output, exports=EXPORTS, imports=[], workdir=tmp_path)
    assert not output.exists()


@pytest.mark.wasm
def test_a_missing_export_fails_the_link(wasm32: Target, tmp_path: Path) -> None:
    output = tmp_path / "m.wasm"
    with pytest.raises(ToolFailed, match="relon_r_missing"):
        link_wasm(
            objects(wasm32, tmp_path),
            output,
            exports=[*EXPORTS, "relon_r_missing"],
            imports=["relon_import_tick"],
            workdir=tmp_path,
        )
    assert not output.exists()


@pytest.mark.wasm
def test_same_inputs_give_the_same_bytes(wasm32: Target, tmp_path: Path) -> None:
    digests = []
    for name in ("one", "two"):
        output = tmp_path / name / "m.wasm"
        link_wasm(
            objects(wasm32, tmp_path / f"work-{name}"),
            output,
            exports=EXPORTS,
            imports=["relon_import_tick"],
            workdir=tmp_path / f"work-{name}",
        )
        digests.append(hashlib.sha256(output.read_bytes()).hexdigest())
    assert digests[0] == digests[1]


def test_wasm_ld_env_pointing_nowhere(tmp_path: Path) -> None:
    with pytest.raises(ToolchainMissing) as info:
        find_wasm_linker({"WASM_LD": str(tmp_path / "nope"), "PATH": "", "HOME": str(tmp_path)})
    assert str(info.value) == (
        f"$WASM_LD is set to '{tmp_path / 'nope'}', which is not an executable; fix or unset "
        "$WASM_LD (install LLD (`apt-get install lld` on Debian/Ubuntu) or a rustup toolchain "
        "(its rust-lld is used), or point $WASM_LD at a wasm-ld)"
    )


def test_no_wasm_ld_anywhere(tmp_path: Path) -> None:
    with pytest.raises(ToolchainMissing, match=r"^no wasm-ld found .*apt-get install lld"):
        find_wasm_linker({"PATH": "", "HOME": str(tmp_path)})


def test_versioned_linkers_newest_first(tmp_path: Path) -> None:
    for version in ("9", "14", "17"):
        tool = tmp_path / f"wasm-ld-{version}"
        tool.write_text("#!/bin/sh\n")
        tool.chmod(0o755)
    found = wasm_linker_candidates({"PATH": str(tmp_path), "HOME": str(tmp_path)})
    assert [Path(c[0]).name for c in found] == ["wasm-ld-17", "wasm-ld-14", "wasm-ld-9"]


def test_rustup_lld_is_a_fallback(tmp_path: Path) -> None:
    lld = tmp_path / ".rustup/toolchains/stable-x/lib/rustlib/x86_64-unknown-linux-gnu/bin"
    lld.mkdir(parents=True)
    (lld / "rust-lld").write_text("#!/bin/sh\n")
    (lld / "rust-lld").chmod(0o755)
    found = wasm_linker_candidates({"PATH": "", "HOME": str(tmp_path)})
    assert found == [(str(lld / "rust-lld"), "-flavor", "wasm")]


def test_read_imports_of_a_module_without_imports() -> None:
    assert read_imports(b"\0asm\1\0\0\0") == ()
