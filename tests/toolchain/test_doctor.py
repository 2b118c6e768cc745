"""doctor: what is found, and install hints for what is not."""

from __future__ import annotations

from pathlib import Path

import llvmlite
import pytest

from relon_build_backend.toolchain import diagnose, doctor_report


@pytest.mark.rustc
def test_report_lists_llvmlite_and_every_rustc() -> None:
    report = diagnose()
    text = doctor_report()
    assert text.startswith(f"llvmlite {llvmlite.__version__} (LLVM 22.")
    for rustc in report.rustcs:
        assert f"rustc: {rustc.path} (rustc {rustc.release}, LLVM " in text
    assert "cc: " in text and "wasm-ld: " in text


def test_missing_pieces_come_with_install_hints(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CC", str(tmp_path / "no-cc"))
    monkeypatch.setenv("WASM_LD", str(tmp_path / "no-wasm-ld"))
    monkeypatch.setenv("RUSTC", str(tmp_path / "no-rustc"))
    report = diagnose()
    assert report.cc is None and report.wasm_ld is None and report.rustcs == ()
    text = doctor_report()
    assert "cc: not found" in text
    assert "  cc (links the native shared library): install a C compiler" in text
    assert "  wasm-ld (links the wasm32 module): install LLD (`apt-get install lld`" in text
    assert "  $RUSTC (it is set but unusable): $RUSTC is set to" in text
    assert "rustup target add wasm32-unknown-unknown" in text
