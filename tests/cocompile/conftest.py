"""Fixtures for the co-compile tests: shims compiled once per module."""

from __future__ import annotations

from pathlib import Path

import pytest

from relon_build_backend.cocompile import CompiledShim, compile_shim, read_host_functions
from relon_build_backend.codegen.targets import TargetSpec, target_spec
from relon_build_backend.frontend.hosts import Capability, HostFunction

DATA = Path(__file__).parent / "data"
GATES: dict[str, frozenset[Capability]] = {"clock_add": frozenset({"reads_clock"})}


@pytest.fixture(scope="session")
def native() -> TargetSpec:
    return target_spec("native")


@pytest.fixture(scope="session")
def wasm32() -> TargetSpec:
    return target_spec("wasm32")


@pytest.fixture(scope="session")
def hosts() -> tuple[HostFunction, ...]:
    return read_host_functions(DATA / "host_shim.rs", GATES)


@pytest.fixture(scope="session")
def native_shim(native: TargetSpec, tmp_path_factory: pytest.TempPathFactory) -> CompiledShim:
    return compile_shim(DATA / "host_shim.rs", native, workdir=tmp_path_factory.mktemp("n"))


@pytest.fixture(scope="session")
def wasm_shim(wasm32: TargetSpec, tmp_path_factory: pytest.TempPathFactory) -> CompiledShim:
    return compile_shim(DATA / "host_shim.rs", wasm32, workdir=tmp_path_factory.mktemp("w"))
