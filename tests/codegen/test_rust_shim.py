"""Host functions compiled by real rustc (the Bool ABI: ``zeroext i1``) on both targets."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import wasmtime
from support.ir_rules import (
    DEBIAN_RUSTC,
    RUSTUP_RUSTC,
    WASM_TARGET,
    NativeRules,
    Result,
    Value,
    WasmRules,
    build_native,
    build_wasm,
    rust_bitcode,
)

from .rules import RULES

pytestmark = [pytest.mark.rustc, pytest.mark.wasm]

SHIM = r"""
#![no_std]
extern "C" { fn relon_trap() -> !; }
#[panic_handler]
fn on_panic(_: &core::panic::PanicInfo) -> ! { unsafe { relon_trap() } }
#[no_mangle] pub extern "C" fn host_not(b: bool) -> bool { !b }
#[no_mangle] pub extern "C" fn host_add(x: i64) -> i64 { x.wrapping_add(42) }
#[no_mangle] pub extern "C" fn host_boom(x: i64) -> i64 { if x == 7 { panic!("boom") } x }
"""


def shim_bitcode(rustc: Path, tmp: Path, *target: str) -> bytes:
    if not rustc.exists() or shutil.which("cc") is None:
        pytest.skip(f"{rustc} not installed")
    source = tmp / "host_shim.rs"
    source.write_text(SHIM)
    return rust_bitcode(rustc, source, *target)


def test_rust_hosts_native(tmp_path: Path) -> None:
    modules = [RULES[name] for name in ("pure", "hnot", "boom")]
    lib = NativeRules(build_native(modules, "", tmp_path, shim_bitcode(RUSTUP_RUSTC, tmp_path)))

    def check(name: str, arg: Value) -> Result:
        return lib.call(RULES[name], [arg], caps=0, steps=-1)

    assert check("pure", 1) == (0, 44)
    assert check("hnot", True) == (0, False)
    assert check("hnot", False) == (0, True)
    assert check("boom", 7) == (7, None)
    assert check("boom", 8) == (0, 8)


def test_rust_hosts_wasm(tmp_path: Path) -> None:
    modules = [RULES[name] for name in ("pure", "hnot", "boom")]
    shim = shim_bitcode(DEBIAN_RUSTC, tmp_path, *WASM_TARGET)
    wasm = WasmRules.load(build_wasm(modules, "", tmp_path, shim_bc=shim), {})
    assert not wasmtime.Module.from_file(wasmtime.Engine(), str(tmp_path / "rules.wasm")).imports

    def check(name: str, arg: Value) -> Result:
        return wasm.call(RULES[name], [arg], caps=0, steps=-1)

    assert check("pure", 1) == (0, 44)
    assert check("hnot", True) == (0, False)
    assert check("hnot", False) == (0, True)
    assert check("boom", 7) == (7, None)
    assert check("boom", 8) == (0, 8)
