"""Session fixtures for the end-to-end packaging tests: the backend as a wheel, and a
throwaway virtual environment with it installed (built once per test session)."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from wheel_harness import NOT_BACKEND, PACKAGES, REPO, BackendVenv, clean_env, run


@pytest.fixture(scope="session")
def backend_wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding a wheel of the backend built from a copy of this checkout
    (a copy: an in-tree build would leave build/ and *.egg-info in the checkout)."""
    source = tmp_path_factory.mktemp("backend") / "relon-build-backend"
    shutil.copytree(REPO, source, ignore=NOT_BACKEND)
    wheelhouse = tmp_path_factory.mktemp("wheelhouse")
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    run([*cmd, "-w", wheelhouse, source], env=clean_env())
    return wheelhouse


@pytest.fixture(scope="session")
def backend_venv(tmp_path_factory: pytest.TempPathFactory, backend_wheelhouse: Path) -> BackendVenv:
    root = tmp_path_factory.mktemp("venv")
    run([sys.executable, "-m", "venv", root], env=clean_env())
    venv = BackendVenv(root / "bin" / "python", backend_wheelhouse)
    (wheel,) = backend_wheelhouse.glob("relon_build_backend-*.whl")
    venv.pip("install", "--find-links", backend_wheelhouse, wheel, "wasmtime", "build")
    return venv


@pytest.fixture
def copy_project(tmp_path: Path) -> Callable[[str], Path]:
    """``copy_project(name)``: a fresh copy of ``tests/packages/<name>`` (builds write
    build/ and *.egg-info into the project folder)."""

    def copy(name: str) -> Path:
        return Path(shutil.copytree(PACKAGES / name, tmp_path / name))

    return copy
