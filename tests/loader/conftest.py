"""Fixtures of the loader tests: fake built packages (:mod:`support.fake_library`)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.fake_library import FakePackage, make_package


@pytest.fixture(scope="session")
def packages_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("loader")
    sys.path.insert(0, str(root))
    yield root
    sys.path.remove(str(root))


@pytest.fixture(scope="session")
def fake(packages_root: Path) -> FakePackage:
    """The shared fake package (do not rewrite its loaders; use ``fresh`` for that)."""
    return make_package(packages_root)


@pytest.fixture
def fresh(packages_root: Path) -> FakePackage:
    """A package of its own, for tests that rewrite files."""
    return make_package(packages_root)


@pytest.fixture(autouse=True)
def _no_disk_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELON_WASM_CACHE", "0")
