"""Shared pytest configuration: a private object cache per session, and the tool markers.

Markers say which tools a test needs (registered in pyproject.toml): ``rustc`` (a
rustc for the build machine), ``cc`` (a C compiler), ``wasm_ld``, ``wasmtime``, and
``wasm`` (the wasm32 toolchain: all of rustc's wasm32 std, ``wasm_ld`` and ``wasmtime``).
Tests under the folders in :data:`NEEDS_BY_FOLDER` link native code and get ``cc``. A
test whose tool is missing is skipped, saying what to install; with
``RELON_TEST_REQUIRE_TOOLS=1`` (scripts/test.sh, so CI) it fails instead.
"""

from __future__ import annotations

import functools
import importlib.util
import os
from collections.abc import Iterator

import pytest

from relon_build_backend.errors import ToolchainMissing

#: tests/<folder> whose tests compile or link native libraries
NEEDS_BY_FOLDER = dict.fromkeys(
    ("cli", "cocompile", "codegen", "e2e", "link", "loader", "objects", "setuptools"), ("cc",)
)
TOOL_MARKERS = ("rustc", "cc", "wasm_ld", "wasmtime")
#: markers that stand for several tools
IMPLIES = {"wasm": ("wasm_ld", "wasmtime", "wasm32_std")}


def _missing_rustc(triple: str) -> str | None:
    from relon_build_backend.toolchain.rustc import find_rustc

    try:
        find_rustc(triple)
    except ToolchainMissing as exc:
        return str(exc)
    return None


@functools.cache
def missing(tool: str) -> str | None:
    """Why ``tool`` is unavailable here (what to install), or None."""
    from relon_build_backend.targets import target_for

    if tool == "rustc":
        return _missing_rustc(target_for("native").triple)
    if tool == "wasm32_std":
        return _missing_rustc(target_for("wasm32").triple)
    if tool == "cc":
        from relon_build_backend.toolchain.cc import c_compiler

        try:
            c_compiler()
        except ToolchainMissing as exc:
            return str(exc)
        return None
    if tool == "wasm_ld":
        from relon_build_backend.toolchain.wasm_ld import find_wasm_linker

        try:
            find_wasm_linker()
        except ToolchainMissing as exc:
            return str(exc)
        return None
    if tool == "wasmtime":
        found = importlib.util.find_spec("wasmtime") is not None
        return None if found else "wasmtime is not installed (pip install wasmtime)"
    raise AssertionError(f"unknown tool marker {tool!r}")


def _needs(item: pytest.Item) -> set[str]:
    names = {mark.name for mark in item.iter_markers()} & {*TOOL_MARKERS, *IMPLIES}
    folder = item.path.relative_to(item.config.rootpath / "tests").parts[0]
    names.update(NEEDS_BY_FOLDER.get(folder, ()))
    for name in list(names):
        names.update(IMPLIES.get(name, ()))
    return names - set(IMPLIES)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    require = os.environ.get("RELON_TEST_REQUIRE_TOOLS") == "1"
    for item in items:
        if not str(item.path).startswith(str(config.rootpath / "tests")):
            continue
        reasons = [why for tool in sorted(_needs(item)) if (why := missing(tool))]
        if reasons and require:
            raise pytest.UsageError(f"{item.nodeid} needs a missing tool: {reasons[0]}")
        if reasons:
            item.add_marker(pytest.mark.skip(reason=reasons[0]))


@pytest.fixture(scope="session", autouse=True)
def _private_object_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Builds in this session share one object cache of their own: nothing from an
    earlier run is reused, and nothing is left in the user's cache folder."""
    previous = os.environ.get("RELON_CACHE")
    os.environ["RELON_CACHE"] = str(tmp_path_factory.mktemp("relon-cache"))
    yield
    if previous is None:
        os.environ.pop("RELON_CACHE", None)
    else:
        os.environ["RELON_CACHE"] = previous
