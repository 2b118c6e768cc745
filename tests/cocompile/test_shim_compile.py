"""compile_shim with real rustc: the no_std crate root, std-needing shims, skew errors."""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from relon_build_backend.cocompile import CompiledShim, compile_shim
from relon_build_backend.cocompile.shim_compiler import crate_root, parse_shim_module
from relon_build_backend.errors import ShimError
from relon_build_backend.targets import Target

from .conftest import DATA


def test_crate_root_adds_panic_handler_unless_the_shim_has_one() -> None:
    plain = crate_root(DATA / "host_shim.rs", "")
    assert "#![no_std]" in plain and "#[panic_handler]" in plain
    assert f'#[path = "{(DATA / "host_shim.rs").resolve()}"]' in plain
    own = crate_root(DATA / "x.rs", "#[panic_handler]\nfn p(_: &PanicInfo) -> ! { loop {} }")
    assert "#[panic_handler]" not in own
    # A commented-out handler does not count.
    assert "#[panic_handler]" in crate_root(DATA / "x.rs", "// #[panic_handler]")


@pytest.mark.rustc
def test_native_shim_is_post_lto_bitcode(native_shim: CompiledShim) -> None:
    assert native_shim.ir_format == "bitcode"
    assert native_shim.staticlib.is_file()
    module = parse_shim_module(native_shim)
    defined = {f.name for f in module.functions if not f.is_declaration}
    undefined = {
        f.name for f in module.functions if f.is_declaration and not f.name.startswith("llvm.")
    }
    assert {"host_add", "host_div", "clock_add"} <= defined
    # the panic handler's runtime calls; core's fmt code names rustc's personality
    # routine, which nothing calls with panic=abort (no symbol of it survives linking)
    assert undefined <= {"relon_trap", "relon_note", "rust_eh_personality"}


@pytest.mark.rustc
def test_shim_with_its_own_no_std_and_panic_handler(native: Target, tmp_path: Path) -> None:
    shim = compile_shim(DATA / "own_panic_handler.rs", native, workdir=tmp_path)
    names = {f.name for f in parse_shim_module(shim).functions}
    assert "host_add" in names


@pytest.mark.rustc
def test_std_needing_shim_explains_no_std(native: Target, tmp_path: Path) -> None:
    with pytest.raises(ShimError) as info:
        compile_shim(DATA / "needs_std.rs", native, workdir=tmp_path)
    message = str(info.value)
    assert message.startswith(f"rustc could not compile {DATA / 'needs_std.rs'} (")
    assert "cannot find type `Vec` in this scope" in message  # rustc's own words
    assert "hint: host shims are compiled as #![no_std] (only `core` is available" in message


@pytest.mark.rustc
def test_rustc_errors_are_shown(native: Target, tmp_path: Path) -> None:
    shim = tmp_path / "host_shim.rs"
    shim.write_text('#[no_mangle]\npub extern "C" fn f(x: i64) -> i64 { x + true }\n')
    with pytest.raises(ShimError, match=r"cannot add `bool` to `i64`") as info:
        compile_shim(shim, native, workdir=tmp_path)
    assert "no_std" not in str(info.value)


@pytest.mark.rustc
def test_unreadable_ir_names_both_llvm_versions(native_shim: CompiledShim) -> None:
    newer = dataclasses.replace(native_shim.rustc, llvm_version=(99, 0, 0))
    broken = dataclasses.replace(native_shim, ir=b"BC\xc0\xde garbage", rustc=newer)
    with pytest.raises(ShimError) as info:
        parse_shim_module(broken)
    message = str(info.value)
    assert "cannot read the LLVM bitcode rustc made from" in message
    assert "uses LLVM 99.0.0, llvmlite uses LLVM 22." in message
    assert "use a rustc whose LLVM major is at most 22" in message


@pytest.mark.rustc
def test_compiles_are_cached_per_shim_and_target(
    native: Target, native_shim: CompiledShim, tmp_path: Path
) -> None:
    again = compile_shim(DATA / "host_shim.rs", native, workdir=tmp_path)
    assert again is native_shim


@pytest.mark.rustc
def test_concurrent_compiles_use_separate_directories(native: Target, tmp_path: Path) -> None:
    shims = []
    for name in ("a", "b"):
        folder = tmp_path / name
        folder.mkdir()
        shim = folder / "host_shim.rs"
        shim.write_text(f'#[no_mangle]\npub extern "C" fn {name}(x: i64) -> i64 {{ x }}\n')
        shims.append(shim)
    work = tmp_path / "work"
    work.mkdir()
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda s: compile_shim(s, native, workdir=work), shims))
    assert results[0].staticlib.parent != results[1].staticlib.parent
    for result, name in zip(results, ("a", "b"), strict=True):
        assert name in {f.name for f in parse_shim_module(result).functions}
