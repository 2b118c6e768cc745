"""uv users: ``uv sync`` rebuilds the project when a rule changes, given the README's
``[tool.uv] cache-keys`` (without them uv only watches pyproject.toml)."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from wheel_harness import BackendVenv, clean_env, run

pytestmark = pytest.mark.slow

#: what README.md tells uv users to add (kept in step with it by a test below)
CACHE_KEYS = """
[tool.uv]
cache-keys = [
    { file = "pyproject.toml" },
    { file = "**/*.relon" },
    { file = "**/host_shim.rs" },
]
"""

README = Path(__file__).resolve().parents[2] / "README.md"


def _uv() -> str:
    try:
        import uv
    except ImportError:
        pytest.skip("uv is not installed (pip install uv)")
    return str(uv.find_uv_bin())


def test_readme_gives_these_cache_keys() -> None:
    assert CACHE_KEYS.strip() in README.read_text(encoding="utf-8")


def test_uv_sync_rebuilds_after_a_rule_edit(
    backend_venv: BackendVenv, copy_project: Callable[[str], Path], tmp_path: Path
) -> None:
    uv = _uv()
    project = copy_project("flat_pure")
    with (project / "pyproject.toml").open("a", encoding="utf-8") as toml:
        toml.write(CACHE_KEYS)
    env = clean_env(
        UV_CACHE_DIR=str(tmp_path / "uv-cache"),
        UV_FIND_LINKS=str(backend_venv.wheelhouse),
        UV_PYTHON=sys.executable,
        UV_NO_CONFIG="1",
    )
    env.pop("VIRTUAL_ENV", None)
    call = [project / ".venv" / "bin" / "python", "-c"]
    call.append("from flatpure.rules import discount; print(discount.main(2, 10.0, False))")

    run([uv, "sync", "--quiet"], cwd=project, env=env)
    assert run(call, cwd=tmp_path, env=env).stdout.strip() == "20.0"
    rule = project / "flatpure" / "rules" / "discount.relon"
    rule.write_text(rule.read_text(encoding="utf-8").replace("1.0)", "3.0)"), encoding="utf-8")
    run([uv, "sync", "--quiet"], cwd=project, env=env)
    assert run(call, cwd=tmp_path, env=env).stdout.strip() == "60.0"
    shutil.rmtree(tmp_path / "uv-cache", ignore_errors=True)
