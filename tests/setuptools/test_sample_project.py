"""sample_project/ end to end: build its wheel with pip, install it into a fresh venv that
has no Relon tooling, and run the sample's own test suite and demo there."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from wheel_harness import REPO, BackendVenv, clean_env, run

pytestmark = [pytest.mark.slow, pytest.mark.rustc, pytest.mark.wasm]


def test_sample_project_wheel_passes_its_own_tests(
    backend_venv: BackendVenv, tmp_path: Path
) -> None:
    project = Path(shutil.copytree(REPO / "sample_project", tmp_path / "sample_project"))
    dist = tmp_path / "dist"
    backend_venv.pip(
        "wheel", "--no-deps", "--no-build-isolation", "-w", dist, project, cwd=tmp_path
    )
    (wheel,) = dist.glob("shipquote-1.0.0-py3-none-manylinux_*.whl")

    users = tmp_path / "users"
    run([sys.executable, "-m", "venv", users], env=clean_env())
    python = users / "bin" / "python"
    run([python, "-m", "pip", "install", "-q", wheel, "wasmtime", "pytest"], env=clean_env())
    installed = run([python, "-m", "pip", "list"], env=clean_env()).stdout
    assert "relon" not in installed.lower().replace("shipquote", "")
    assert "llvmlite" not in installed

    # Run from a folder without the sources, so only the installed wheel is importable.
    tests = Path(shutil.copytree(project / "tests", tmp_path / "sample_tests"))
    result = run(
        [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", tests],
        cwd=tmp_path,
        env=clean_env(),
    )
    assert " passed" in result.stdout and "failed" not in result.stdout, result.stdout
    demo = run([python, project / "demo.py"], cwd=tmp_path, env=clean_env()).stdout
    assert "1860" in demo and "HostPanic" in demo and "CapabilityDenied" in demo
