"""The manylinux tag of a Linux wheel, from the ELF needs of real libraries built here
with the system C compiler (what the native link uses too)."""

from __future__ import annotations

import platform
import shutil
import subprocess
from pathlib import Path

import pytest

from relon_build_backend.link.elf import ElfError, read_elf_needs
from relon_build_backend.setuptools.manylinux import ManylinuxError, manylinux_platform

pytestmark = [
    pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler"),
    pytest.mark.skipif(platform.machine() != "x86_64", reason="glibc versions of x86_64"),
]


def shared_library(tmp_path: Path, name: str, code: str, *link: str) -> Path:
    source = tmp_path / f"{name}.c"
    source.write_text(code)
    out = tmp_path / f"lib{name}.so"
    cmd = ["cc", "-shared", "-fPIC", "-o", str(out), str(source), f"-L{tmp_path}", *link]
    subprocess.run(cmd, check=True, capture_output=True)
    return out


def test_a_library_needing_only_old_glibc_gets_manylinux1(tmp_path: Path) -> None:
    lib = shared_library(tmp_path, "plain", "int twice(int x) { return 2 * x; }\n")
    assert read_elf_needs(lib).architecture == "x86_64"
    assert manylinux_platform([lib], "x86_64") == "manylinux_2_5_x86_64.manylinux1_x86_64"


def test_memcpy_at_glibc_2_14_makes_it_manylinux2014(tmp_path: Path) -> None:
    code = "#include <string.h>\nvoid copy(char *d, const char *s, size_t n) { memcpy(d, s, n); }\n"
    lib = shared_library(tmp_path, "copies", code)
    assert "GLIBC_2.14" in read_elf_needs(lib).versions["libc.so.6"]
    plain = shared_library(tmp_path, "plain", "int one(void) { return 1; }\n")
    tag = manylinux_platform([plain, lib], "x86_64")  # the newest need wins
    assert tag == "manylinux_2_17_x86_64.manylinux2014_x86_64"


def test_a_library_outside_the_policy_is_an_error_naming_it(tmp_path: Path) -> None:
    shared_library(tmp_path, "helper", "int helper(void) { return 3; }\n")
    code = "int helper(void);\nint uses(void) { return helper(); }\n"
    lib = shared_library(tmp_path, "user", code, "-lhelper")
    assert "libhelper.so" in read_elf_needs(lib).needed
    with pytest.raises(ManylinuxError) as info:
        manylinux_platform([lib], "x86_64")
    assert str(info.value).startswith("libuser.so needs libhelper.so, which manylinux")


def test_a_library_for_another_architecture_is_an_error(tmp_path: Path) -> None:
    lib = shared_library(tmp_path, "plain", "int one(void) { return 1; }\n")
    with pytest.raises(ManylinuxError, match="built for x86_64, the wheel for aarch64"):
        manylinux_platform([lib], "aarch64")


def test_a_file_that_is_not_elf_is_refused(tmp_path: Path) -> None:
    (tmp_path / "fake.so").write_bytes(b"MZ not an ELF file")
    with pytest.raises(ElfError, match="not an ELF file"):
        read_elf_needs(tmp_path / "fake.so")
