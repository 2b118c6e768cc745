"""Load-time checks: missing artifacts, ABI version, stale libraries and sources, wasm cache."""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

import pytest
from support.fake_library import FakePackage, make_package, wat_source

from relon_build_backend._relon_runtime.abi import ABI_VERSION, ERROR_KINDS, Status
from relon_build_backend.frontend.hosts import CAPABILITIES
from relon_build_backend.loader import RUNTIME_MODULE, runtime_files

REBUILD = "rebuild the package (pip install . again, or pip install -e . for an editable install)"


def load_error(pkg: FakePackage, rule: str) -> ImportError:
    with pytest.raises(ImportError) as info:
        pkg.load(rule)
    assert type(info.value).__name__ == "RelonLoadError"
    return info.value


def test_the_shipped_runtime_maps_every_status_to_its_error(fake: FakePackage) -> None:
    runtime = importlib.import_module(f"{fake.name}.{RUNTIME_MODULE}")
    assert runtime.ABI_VERSION == ABI_VERSION
    assert runtime.CAPABILITIES == CAPABILITIES
    errors = runtime.errors.STATUS_ERRORS
    assert sorted(errors) == sorted(Status.codes().values())
    assert {status: error.kind for status, error in errors.items()} == ERROR_KINDS
    assert all(error.__name__ == error.kind for error in errors.values())


def test_runtime_imports_only_the_stdlib() -> None:
    import ast
    import sys

    imported: set[str] = set()
    for text in runtime_files().values():
        tree = ast.parse(text)
        imported |= {
            alias.name.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        }
        imported |= {
            (node.module or "").split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.level == 0
        }
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}


def test_missing_library(fresh: FakePackage) -> None:
    fresh.write_rule("rules.quote", library="libgone.so")
    error = load_error(fresh, "rules.quote")
    assert str(error) == f"{fresh.dir / 'libgone.so'} is missing; {REBUILD}"


def test_abi_version_mismatch(packages_root: Path) -> None:
    pkg = make_package(packages_root, abi=2)
    error = load_error(pkg, "rules.quote")
    assert "has entry ABI version 2, this loader needs 1" in str(error)


def test_stale_library_hash(fresh: FakePackage) -> None:
    fresh.write_rule("rules.quote", text="#main(Int qty, Float price, Bool gold) -> Float\n1.0\n")
    error = load_error(fresh, "rules.quote")
    assert "was compiled from another version of" in str(error)
    assert REBUILD in str(error)


def test_missing_entry_symbol(fresh: FakePackage) -> None:
    fresh.write_rule("rules.quote", prefix="relon_quote_00000000")
    assert "has no relon_quote_00000000_hash" in str(load_error(fresh, "rules.quote"))


def test_editable_source_check(fresh: FakePackage) -> None:
    source = fresh.write_rule("rules.quote", check=True).with_suffix(".relon")
    assert fresh.load("rules.quote").main(1, 2.0, False) == 2.0
    source.write_text(source.read_text() + "// edited\n")
    error = load_error(fresh, "rules.quote")
    assert str(error) == f"{source} changed since it was compiled; {REBUILD}"
    source.unlink()
    assert "is missing" in str(load_error(fresh, "rules.quote"))


def test_editable_source_check_accepts_crlf_either_way(fresh: FakePackage) -> None:
    source = fresh.write_rule("flag", check=True).with_suffix(".relon")
    assert b"\r\n" in source.read_bytes()
    assert fresh.load("flag").main(True, 1) is False


def test_wasm_only_build(fresh: FakePackage) -> None:
    fresh.write_rule("rules.quote", library=None)
    quote: Any = fresh.load("rules.quote")
    assert quote.main(3, 9.5, True) == 57.0  # runs the .wasm asset
    with pytest.raises(ImportError, match="built without the native target"):
        quote.Sandbox()


def test_native_only_build(fresh: FakePackage) -> None:
    fresh.write_rule("rules.quote", wasm=None)
    quote: Any = fresh.load("rules.quote")
    assert quote.main(3, 9.5, True) == 57.0
    with pytest.raises(ImportError, match="built without the wasm32 target"):
        quote.Sandbox(backend="wasm")


def test_wasm_stale_hash(fresh: FakePackage) -> None:
    # the native library is right, the .wasm is from another build
    wasmtime = pytest.importorskip("wasmtime")
    wat = wat_source(fresh.name, salt="// edited")
    (fresh.dir / "fake.wasm").write_bytes(wasmtime.wat2wasm(wat))
    quote: Any = fresh.load("rules.quote")
    with pytest.raises(ImportError, match=r"the \.wasm asset was compiled from another") as info:
        quote.Sandbox(backend="wasm")
    assert REBUILD in str(info.value)


def test_wasm_of_another_package(fresh: FakePackage) -> None:
    other = make_package(fresh.root)
    (fresh.dir / "fake.wasm").write_bytes((other.dir / "fake.wasm").read_bytes())
    quote: Any = fresh.load("rules.quote")
    prefix = quote._RULE.spec.prefix
    with pytest.raises(ImportError, match=f"the .wasm asset has no export {prefix}_call"):
        quote.Sandbox(backend="wasm")


def test_invalid_wasm(fresh: FakePackage) -> None:
    (fresh.dir / "fake.wasm").write_bytes(b"\0asm garbage")
    quote: Any = fresh.load("rules.quote")
    with pytest.raises(ImportError, match=r"the \.wasm asset is invalid"):
        quote.Sandbox(backend="wasm")


def test_disk_cache(fresh: FakePackage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELON_WASM_CACHE", str(tmp_path))
    runtime = importlib.import_module(f"{fresh.name}.{RUNTIME_MODULE}.wasm")
    quote: Any = fresh.load("rules.quote")
    assert quote.Sandbox(backend="wasm").main(2, 1.5, False) == 3.0
    (cached,) = tmp_path.glob("*.cwasm")
    # a new process would deserialize it: simulate by dropping the per-process module
    runtime._WASM_STATE.clear()
    assert quote.Sandbox(backend="wasm").main(2, 1.5, True) == 6.0
    cached.write_bytes(b"not a module")  # a corrupt entry is recompiled and replaced
    runtime._WASM_STATE.clear()
    assert quote.Sandbox(backend="wasm").main(1, 1.5, False) == 1.5
    assert cached.read_bytes() != b"not a module"


def test_disk_cache_is_pruned(
    fresh: FakePackage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RELON_WASM_CACHE", str(tmp_path))
    for i in range(70):
        old = tmp_path / f"{i:064x}.cwasm"
        old.write_bytes(b"old")
        os.utime(old, (1_000_000 + i, 1_000_000 + i))
    quote: Any = fresh.load("rules.quote")
    assert quote.Sandbox(backend="wasm").main(2, 1.5, False) == 3.0
    kept = sorted(tmp_path.glob("*.cwasm"))
    assert len(kept) == 64
    assert tmp_path / f"{0:064x}.cwasm" not in kept  # the oldest went first
    assert tmp_path / f"{69:064x}.cwasm" in kept
