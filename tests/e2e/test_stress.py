"""A small run of tests/e2e/stress.py: threads x calls on both backends beside
concurrent builds sharing one cold object cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from .stress import run_stress

pytestmark = [pytest.mark.rustc, pytest.mark.wasm, pytest.mark.slow]


def test_threads_calls_and_builds_at_once(tmp_path: Path) -> None:
    run_stress(tmp_path, threads=4, calls=400, builds=2)
