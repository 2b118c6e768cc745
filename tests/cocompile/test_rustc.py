"""rustc discovery and choice, the skew bridge decision, missing-toolchain messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from relon_build_backend.cocompile import choose_ir_format, compile_shim
from relon_build_backend.cocompile.runtime_crate import RUNTIME_PURPOSE
from relon_build_backend.errors import ToolchainMissing
from relon_build_backend.targets import Target
from relon_build_backend.toolchain import discover_rustcs
from relon_build_backend.toolchain.rustc import RustcInfo, rustc_candidates, select_rustc

from .conftest import DATA

NATIVE = "x86_64-unknown-linux-gnu"
WASM = "wasm32-unknown-unknown"


def fake(name: str, llvm: int | None, *targets: str) -> RustcInfo:
    return RustcInfo(
        path=Path(f"/opt/{name}/rustc"),
        release=name,
        host=NATIVE,
        llvm_version=None if llvm is None else (llvm, 1, 0),
        sysroot=Path(f"/opt/{name}"),
        targets=tuple(sorted(targets)),
    )


@pytest.mark.parametrize(
    ("rustc_llvm", "ours", "expected"),
    [(22, 22, "bitcode"), (14, 22, "bitcode"), (23, 22, "text"), (None, 22, "text")],
)
def test_skew_bridge_uses_bitcode_only_when_readable(
    rustc_llvm: int | None, ours: int, expected: str
) -> None:
    assert choose_ir_format(rustc_llvm, ours) == expected


def test_select_prefers_a_rustc_whose_llvm_is_not_newer() -> None:
    newer, older = fake("new", 23, NATIVE), fake("old", 14, NATIVE, WASM)
    assert select_rustc(NATIVE, [newer, older], llvmlite_major=22) is older
    # Only a newer one: still used (through textual IR).
    assert select_rustc(NATIVE, [newer], llvmlite_major=22) is newer


def test_select_picks_by_target_std() -> None:
    host_only, with_wasm = fake("a", 22, NATIVE), fake("b", 14, NATIVE, WASM)
    assert select_rustc(WASM, [host_only, with_wasm], llvmlite_major=22) is with_wasm
    assert select_rustc(NATIVE, [host_only, with_wasm], llvmlite_major=22) is host_only


def test_missing_wasm_std_says_what_was_found_and_how_to_install() -> None:
    with pytest.raises(ToolchainMissing) as info:
        select_rustc(WASM, [fake("a", 22, NATIVE)], llvmlite_major=22)
    message = str(info.value)
    assert "no rustc with the wasm32-unknown-unknown standard library found" in message
    assert "/opt/a/rustc (rustc a, LLVM 22.1.0) has std for x86_64-unknown-linux-gnu" in message
    assert "apt-get install rustc libstd-rust-dev-wasm32 lld" in message
    assert "rustup target add wasm32-unknown-unknown" in message


def test_missing_rustc_for_the_runtime_says_so() -> None:
    with pytest.raises(ToolchainMissing) as info:
        select_rustc(WASM, [fake("a", 22, NATIVE)], llvmlite_major=22, purpose=RUNTIME_PURPOSE)
    assert str(info.value).startswith(
        "no rustc with the wasm32-unknown-unknown standard library found (needed to compile "
        "the Relon runtime (used by rules with strings, lists or pow) for wasm32-unknown-unknown); "
        "found: /opt/a/rustc"
    )


def test_no_rustc_at_all() -> None:
    with pytest.raises(ToolchainMissing, match=r"no rustc found .*rustup\.rs.*\$RUSTC"):
        select_rustc(NATIVE, [], llvmlite_major=22)


def test_rustc_env_pointing_nowhere_is_reported(
    monkeypatch: pytest.MonkeyPatch, native: Target, tmp_path: Path
) -> None:
    monkeypatch.setenv("RUSTC", str(tmp_path / "no-such-rustc"))
    with pytest.raises(ToolchainMissing) as info:
        compile_shim(DATA / "host_shim.rs", native, workdir=tmp_path)
    assert str(info.value).startswith(
        f"$RUSTC is set to '{tmp_path / 'no-such-rustc'}', which is not an executable; "
        "fix or unset $RUSTC (install Rust with rustup"
    )


def test_empty_path_and_home_leave_only_the_system_rustc(tmp_path: Path) -> None:
    found = rustc_candidates({"PATH": "", "HOME": str(tmp_path)})
    system = Path("/usr/bin/rustc")
    assert found == ([system] if system.exists() else [])


def test_rustc_env_comes_first(tmp_path: Path) -> None:
    rustc = tmp_path / "rustc"
    rustc.write_text("#!/bin/sh\nexit 1\n")
    rustc.chmod(0o755)
    assert rustc_candidates({"RUSTC": str(rustc), "PATH": "", "HOME": str(tmp_path)})[0] == rustc


@pytest.mark.rustc
def test_real_rustcs_are_probed() -> None:
    rustcs = discover_rustcs()
    assert rustcs, "this machine has rustc"
    for info in rustcs:
        assert info.llvm_version is not None and info.llvm_version[0] >= 10
        assert (info.sysroot / "lib" / "rustlib").is_dir()
    assert len({r.sysroot for r in rustcs}) == len(rustcs)
