"""Fixtures for the co-compile tests: shims and the runtime crate compiled once."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.rt_harness import Machine, NativeMachine, Rt, WasmMachine, build_native, build_wasm

from relon_build_backend.cocompile import (
    CompiledRuntime,
    CompiledShim,
    compile_runtime,
    compile_shim,
    read_host_functions,
)
from relon_build_backend.frontend.hosts import Capability, HostFunction
from relon_build_backend.targets import Target, target_for

DATA = Path(__file__).parent / "data"
GATES: dict[str, frozenset[Capability]] = {"clock_add": frozenset({"reads_clock"})}


@pytest.fixture(scope="session")
def native() -> Target:
    return target_for("native")


@pytest.fixture(scope="session")
def wasm32() -> Target:
    return target_for("wasm32")


@pytest.fixture(scope="session")
def hosts() -> tuple[HostFunction, ...]:
    return read_host_functions(DATA / "host_shim.rs", GATES)


@pytest.fixture(scope="session")
def native_shim(native: Target, tmp_path_factory: pytest.TempPathFactory) -> CompiledShim:
    return compile_shim(DATA / "host_shim.rs", native, workdir=tmp_path_factory.mktemp("n"))


@pytest.fixture(scope="session")
def wasm_shim(wasm32: Target, tmp_path_factory: pytest.TempPathFactory) -> CompiledShim:
    return compile_shim(DATA / "host_shim.rs", wasm32, workdir=tmp_path_factory.mktemp("w"))


@pytest.fixture(scope="session")
def native_runtime(native: Target, tmp_path_factory: pytest.TempPathFactory) -> CompiledRuntime:
    return compile_runtime(native, workdir=tmp_path_factory.mktemp("rt-n"))


@pytest.fixture(scope="session")
def wasm_runtime(wasm32: Target, tmp_path_factory: pytest.TempPathFactory) -> CompiledRuntime:
    return compile_runtime(wasm32, workdir=tmp_path_factory.mktemp("rt-w"))


@pytest.fixture(scope="session")
def native_machine(
    native_runtime: CompiledRuntime, native: Target, tmp_path_factory: pytest.TempPathFactory
) -> NativeMachine:
    return NativeMachine(build_native(native_runtime, native, tmp_path_factory.mktemp("lib-n")))


@pytest.fixture(scope="session")
def wasm_machine(
    wasm_runtime: CompiledRuntime, wasm32: Target, tmp_path_factory: pytest.TempPathFactory
) -> WasmMachine:
    return WasmMachine(build_wasm(wasm_runtime, wasm32, tmp_path_factory.mktemp("lib-w")))


@pytest.fixture(scope="session", params=["native", "wasm32"])
def rt(request: pytest.FixtureRequest) -> Rt:
    """The runtime functions on each target in turn (same tests, same expectations)."""
    name = "native_machine" if request.param == "native" else "wasm_machine"
    machine: Machine = request.getfixturevalue(name)
    return Rt(machine)
