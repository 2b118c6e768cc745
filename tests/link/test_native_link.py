"""link_native: exports, reproducibility, atomic output, $CC."""

from __future__ import annotations

import ctypes
import hashlib
from pathlib import Path

import pytest

from relon_build_backend.cocompile import build_rule_object, runtime_object
from relon_build_backend.errors import ToolchainMissing, ToolFailed
from relon_build_backend.link import link_native
from relon_build_backend.link.native import version_script
from relon_build_backend.targets import Target, target_for

RULE = """
define i64 @relon_r_main(i64 %x) {
  %y = call i64 @helper(i64 %x)
  ret i64 %y
}
define i64 @helper(i64 %x) {
  %y = mul i64 %x, 7
  ret i64 %y
}
define double @relon_r_pow(double %x, double %y) {
  %r = call double @llvm.pow.f64(double %x, double %y)
  ret double %r
}
declare double @llvm.pow.f64(double, double)
"""
EXPORTS = ["relon_r_main", "relon_r_pow", "relon_abi_version"]


@pytest.fixture(scope="module")
def native() -> Target:
    return target_for("native")


def build(native: Target, work: Path, output: Path) -> None:
    work.mkdir(parents=True, exist_ok=True)
    rule = work / "rule.o"
    rule.write_bytes(
        build_rule_object(
            RULE, None, target=native, opt_level=3, exports=EXPORTS[:2], host_functions=()
        ).object
    )
    link_native([runtime_object(native, workdir=work), rule], output, exports=EXPORTS, workdir=work)


def test_library_works_and_exports_only_the_list(native: Target, tmp_path: Path) -> None:
    output = tmp_path / "out" / "lib.so"
    build(native, tmp_path / "w", output)
    lib = ctypes.CDLL(str(output))
    lib.relon_r_main.argtypes = [ctypes.c_int64]
    lib.relon_r_main.restype = ctypes.c_int64
    assert lib.relon_r_main(6) == 42
    lib.relon_r_pow.argtypes = [ctypes.c_double, ctypes.c_double]
    lib.relon_r_pow.restype = ctypes.c_double
    assert lib.relon_r_pow(2.0, 10.0) == 1024.0  # pow from -lm
    assert not hasattr(lib, "helper")
    assert not hasattr(lib, "relon_guard")
    assert [p.name for p in output.parent.iterdir()] == ["lib.so"]  # no temp left


def test_same_inputs_give_the_same_bytes(native: Target, tmp_path: Path) -> None:
    first, second = tmp_path / "a" / "lib.so", tmp_path / "b" / "lib.so"
    build(native, tmp_path / "work-one", first)
    build(native, tmp_path / "another-work-dir", second)
    digest = [hashlib.sha256(p.read_bytes()).hexdigest() for p in (first, second)]
    assert digest[0] == digest[1]


def test_failed_link_leaves_nothing(native: Target, tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.o"
    bogus.write_bytes(b"not an object")
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ToolFailed, match=r"`cc -shared .* failed with exit code 1"):
        link_native([bogus], out / "lib.so", exports=["f"], workdir=tmp_path)
    assert list(out.iterdir()) == []


def test_previous_output_survives_a_failed_link(native: Target, tmp_path: Path) -> None:
    output = tmp_path / "lib.so"
    output.write_bytes(b"old")
    bogus = tmp_path / "bogus.o"
    bogus.write_bytes(b"nope")
    with pytest.raises(ToolFailed):
        link_native([bogus], output, exports=["f"], workdir=tmp_path)
    assert output.read_bytes() == b"old"


def test_cc_env_is_honoured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CC", str(tmp_path / "no-cc") + " -O2")
    with pytest.raises(ToolchainMissing) as info:
        link_native([], tmp_path / "lib.so", exports=["f"], workdir=tmp_path)
    assert str(info.value) == (
        f"C compiler '{tmp_path / 'no-cc'}' not found (needed to build the native runtime "
        "and link the shared library); install a C compiler (`apt-get install gcc` on "
        "Debian/Ubuntu) or set $CC"
    )


def test_version_script() -> None:
    assert version_script(["b", "a", "b"]) == "{\n  global:\n    a;\n    b;\n  local:\n    *;\n};\n"
    with pytest.raises(AssertionError):
        version_script(["not a symbol"])
