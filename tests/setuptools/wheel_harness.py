"""Helpers of the end-to-end packaging tests: running commands, a clean environment,
and the virtual environment the backend is installed in."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGES = REPO / "tests" / "packages"
#: What a copy of the backend's source tree leaves out (tests, caches, build output).
NOT_BACKEND = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "tests", "sample_project", ".ci",
    "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache",
)  # fmt: skip


def run(
    cmd: Sequence[str | Path],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run ``cmd``; with ``check``, fail the test showing its output."""
    proc = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    if check and proc.returncode != 0:
        pytest.fail(f"{cmd} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


def clean_env(**extra: str) -> dict[str, str]:
    """The environment minus anything that would leak the dev tree into a build."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "RELON_"))}
    if "RELON_CACHE" in os.environ:  # the session's private object cache (tests/conftest.py)
        env["RELON_CACHE"] = os.environ["RELON_CACHE"]
    env.update(extra)
    return env


@dataclass(frozen=True)
class BackendVenv:
    """A virtual environment with the backend (from ``wheelhouse``) installed."""

    python: Path
    wheelhouse: Path

    def pip(
        self, *args: str | Path, cwd: Path | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        return run([self.python, "-m", "pip", *args], cwd=cwd, env=clean_env(), check=check)
