"""The ``relon-build`` command, run as a real subprocess (contract section 7)."""

from __future__ import annotations

import os
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
    (tmp_path / "spread.relon").write_text("#main(List<Int> xs) -> List<Int>\n[...xs]\n")
    result = relon_build("check", "spread.relon", cwd=tmp_path)
    assert result.returncode == 1
    assert "not supported by the AOT compiler" in result.stderr
    assert re.search(r"^spread\.relon:2:2: error: ", result.stderr, re.M), result.stderr


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


def test_version() -> None:
    result = relon_build("--version")
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"relon-build \d+\.\d+\S*\n", result.stdout), result.stdout


def test_doctor_fails_when_a_tool_is_missing(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PATH": str(tmp_path),
        "HOME": str(tmp_path),
        "CC": "no-such-cc",
        "WASM_LD": "",
    }
    env.pop("RUSTC", None)
    result = subprocess.run(
        [sys.executable, "-m", "relon_build_backend", "doctor"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "missing:" in result.stdout and "cc (" in result.stdout
    assert "Traceback" not in result.stderr


def test_a_failing_wasm_link_leaves_no_library(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "a.relon").write_text(RULE)
    out = tmp_path / "out"
    env = {**os.environ, "WASM_LD": str(tmp_path / "no-such-wasm-ld")}
    result = subprocess.run(
        [sys.executable, "-m", "relon_build_backend", "compile", str(rules), "-o", str(out)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 1
    assert "relon-build: error:" in result.stderr and "WASM_LD" in result.stderr
    assert not out.exists()
    out.mkdir()
    (out / "kept.txt").write_text("mine")
    again = subprocess.run(
        [sys.executable, "-m", "relon_build_backend", "compile", str(rules), "-o", str(out)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert again.returncode == 1
    assert sorted(p.name for p in out.iterdir()) == ["kept.txt"]


def test_commands_find_the_shim_of_a_parent_folder_like_the_build(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    rules = package / "rules"
    rules.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (rules / "__init__.py").write_text("")
    (package / "host_shim.rs").write_text(
        '#[no_mangle]\npub extern "C" fn bump(x: i64) -> i64 { x + 1 }\n'
    )
    (rules / "r.relon").write_text("#main(Int n) -> Int\nbump(n)\n")
    assert relon_build("check", str(rules)).returncode == 0
    ir = relon_build("ir", str(rules / "r.relon"))
    assert ir.returncode == 0, ir.stderr
    assert "host bump(int) -> int" in ir.stdout
    llvm_ir = relon_build("llvm-ir", str(rules / "r.relon"), "--optimized")
    assert llvm_ir.returncode == 0, llvm_ir.stderr
    built = relon_build("compile", str(rules), "-o", str(tmp_path / "out"), "--target", "native")
    assert built.returncode == 0, built.stderr
    # Outside the top-level package the shim is not seen, as in a build.
    (tmp_path / "loose").mkdir()
    (tmp_path / "loose" / "r.relon").write_text("#main(Int n) -> Int\nbump(n)\n")
    (tmp_path / "host_shim.rs").write_text((package / "host_shim.rs").read_text())
    (package / "host_shim.rs").unlink()
    outside = relon_build("check", str(rules))
    assert outside.returncode == 1 and "bump" in outside.stderr


def test_compile_uses_the_pyproject_opt_level(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "a.relon").write_text(
        "#main(Int n) -> Int\nrange(n).reduce(0, (acc, i) => acc + i * i % 7)\n"
    )

    def library(name: str, *args: str) -> bytes:
        out = tmp_path / name
        result = relon_build("compile", str(rules), "-o", str(out), "--target", "native", *args)
        assert result.returncode == 0, result.stderr
        return (out / "librelon-rules.so").read_bytes()

    (tmp_path / "pyproject.toml").write_text("[tool.relon]\nopt-level = 0\n")
    from_pyproject = library("p")
    assert from_pyproject == library("o0", "--opt-level", "0")
    assert from_pyproject != library("o3", "--opt-level", "3")


@pytest.mark.parametrize(
    ("cpu", "message"),
    [("haswel", "did you mean 'haswell'"), ("i386", "cannot generate code for")],
)
def test_bad_target_cpu_is_a_clear_error(tmp_path: Path, cpu: str, message: str) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "a.relon").write_text(RULE)
    temp = tmp_path / "tmp"
    temp.mkdir()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "relon_build_backend",
            "compile",
            str(rules),
            "-o",
            str(tmp_path / "out"),
            "--target-cpu",
            cpu,
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "TMPDIR": str(temp)},
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert re.search(rf"^relon-build: error: target-cpu '{cpu}'.*{message}", result.stderr, re.M), (
        result.stderr
    )
    assert "LLVM ERROR" not in result.stderr.split("error:", 1)[0]
    assert not list(temp.iterdir())
    assert not (tmp_path / "out").exists()


def _optimized_main(tmp_path: Path, body: str) -> str:
    (tmp_path / "k.relon").write_text(f"#main(Int n) -> Int\n{body}\n")
    result = relon_build("llvm-ir", str(tmp_path / "k.relon"), "--optimized")
    assert result.returncode == 0, result.stderr
    match = re.search(r"^define [^\n]*_main\(.*?^}$", result.stdout, re.M | re.S)
    assert match, result.stdout
    return match.group(0)


def test_unlimited_counted_loop_has_no_step_bookkeeping(tmp_path: Path) -> None:
    # benchmark kernel `wa`: `main` runs with no step limit, so its loop carries the
    # index and the sum only (no step counter, no StepLimitExceeded = status 6 exit),
    # and the overflow check left is the sum's: `i % 7 * (i % 13)` cannot overflow
    main = _optimized_main(tmp_path, "range(n).reduce(0, (acc, i) => acc + (i % 7) * (i % 13))")
    assert len(re.findall(r"= phi i64 ", main)) == 3, main  # index, sum, and the result
    assert not re.search(r"\bi32 6\b|\[ 6, ", main), main
    assert main.count(".with.overflow.") == 1, main


def test_range_facts_remove_overflow_checks(tmp_path: Path) -> None:
    # the index of range(n) is in [0, n): i - 1, i + 1 and a product of remainders
    # cannot overflow, and the count needs no check
    main = _optimized_main(tmp_path, "range(n).filter((i) => i - 1 < (i + 1) % 7 * (i % 5)).len()")
    assert ".with.overflow." not in main, main
