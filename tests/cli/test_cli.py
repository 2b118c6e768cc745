"""The ``relon-build`` command, run as a real subprocess (contract section 7)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

RULE = (
    "// Doubles.\n#main(Int n) -> Int\n"
    "n * 2 + helper(n) where { helper: (Int x) -> Int => x + 1 }\n"
)


def relon_build(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "relon_build_backend", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


def test_check_clean_folder(tmp_path: Path) -> None:
    (tmp_path / "a.relon").write_text(RULE)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.relon").write_text("#main(Bool b) -> Bool\n!b")
    result = relon_build("check", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "2 files checked" in result.stdout


def test_check_reports_every_file_with_location_and_caret(tmp_path: Path) -> None:
    (tmp_path / "bad_type.relon").write_text("#main(Int n) -> Int\nn + true\n")
    (tmp_path / "bad_call.relon").write_text("#main(Int n) -> Int\nn * frobnicate(n)\n")
    result = relon_build("check", "bad_type.relon", "bad_call.relon", cwd=tmp_path)
    assert result.returncode == 1
    err = result.stderr
    assert re.search(r"^bad_type\.relon:2:\d+: error: ", err, re.M), err
    assert re.search(r"^bad_call\.relon:2:5: error: .*frobnicate", err, re.M), err
    # the source line and a caret under the unknown name
    assert "    n * frobnicate(n)\n        ^" in err, err
    assert "Traceback" not in err


def test_check_syntax_error(tmp_path: Path) -> None:
    (tmp_path / "syntax.relon").write_text("#main(Int n) -> Int\n(n + 1\n")
    result = relon_build("check", "syntax.relon", cwd=tmp_path)
    assert result.returncode == 1
    assert re.search(r"^syntax\.relon:\d+:\d+: error: ", result.stderr, re.M), result.stderr
    assert "Traceback" not in result.stderr


def test_unsupported_construct_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "dict.relon").write_text("#main(Int n) -> Int\n{ a: n }\n")
    result = relon_build("check", "dict.relon", cwd=tmp_path)
    assert result.returncode == 1
    assert "not supported by the AOT compiler" in result.stderr
    assert re.search(r"^dict\.relon:2:1: error: ", result.stderr, re.M), result.stderr


def test_ir_prints_the_relon_ir(tmp_path: Path) -> None:
    (tmp_path / "a.relon").write_text(RULE)
    result = relon_build("ir", str(tmp_path / "a.relon"))
    assert result.returncode == 0, result.stderr
    assert "int.mul" in result.stdout and "int.add" in result.stdout


@pytest.mark.parametrize("target", ["native", "wasm32"])
def test_llvm_ir_before_and_after_optimization(tmp_path: Path, target: str) -> None:
    (tmp_path / "a.relon").write_text(RULE)
    plain = relon_build("llvm-ir", str(tmp_path / "a.relon"), "--target", target)
    assert plain.returncode == 0, plain.stderr
    assert "target triple" in plain.stdout
    optimized = relon_build("llvm-ir", str(tmp_path / "a.relon"), "--target", target, "--optimized")
    assert optimized.returncode == 0, optimized.stderr
    assert "_main(" in optimized.stdout


def test_compile_folder(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "a.relon").write_text(RULE)
    result = relon_build("compile", str(rules), "-o", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    outputs = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert outputs == ["librelon-rules.so", "relon-rules.wasm"]
    only_native = relon_build(
        "compile", str(rules), "-o", str(tmp_path / "n"), "--target", "native"
    )
    assert only_native.returncode == 0, only_native.stderr
    assert [p.name for p in (tmp_path / "n").iterdir()] == ["librelon-rules.so"]


def test_compile_error_leaves_nothing_behind(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "a.relon").write_text("#main(Int n) -> Int\nn +\n")
    out = tmp_path / "out"
    result = relon_build("compile", str(rules), "-o", str(out))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert not out.exists() or not any(out.iterdir())


def test_doctor_reports_the_toolchain() -> None:
    result = relon_build("doctor")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "llvmlite" in text and "LLVM" in text
    assert "rustc" in text and "wasm-ld" in text


def test_gates_of_the_nearest_pyproject_apply(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.relon.host-functions]\nclock = { capabilities = ["reads_clock"] }\n'
    )
    rules = tmp_path / "pkg" / "rules"
    rules.mkdir(parents=True)
    (rules / "host_shim.rs").write_text(
        '#[no_mangle]\npub extern "C" fn clock(x: i64) -> i64 { x + 1 }\n'
    )
    (rules / "r.relon").write_text("#main(Int n) -> Int\nclock(n)\n")
    result = relon_build("ir", str(rules / "r.relon"))
    assert result.returncode == 0, result.stderr
    assert "host clock(int) -> int [reads_clock]" in result.stdout
    (tmp_path / "pyproject.toml").write_text("[tool.relon]\nopt-levle = 2\n")
    bad = relon_build("check", str(rules))
    assert bad.returncode == 1
    assert "opt-levle" in bad.stderr and "opt-level" in bad.stderr  # did-you-mean
