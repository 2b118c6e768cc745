"""Source -> IR text goldens (see golden.py; regenerate with RELON_UPDATE_GOLDENS=1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .golden import UPDATE, GoldenCase, read_cases, run_case, update_goldens

DATA = Path(__file__).parent / "data"
FILES = sorted(DATA.glob("*.test"))

if UPDATE:
    for _path in FILES:
        update_goldens(_path)

CASES = [case for path in FILES for case in read_cases(path)]


def test_goldens_exist() -> None:
    assert len(CASES) >= 15
    assert len({(c.path, c.name) for c in CASES}) == len(CASES), "duplicate case names"


@pytest.mark.parametrize("case", CASES, ids=[f"{c.path.stem}:{c.name}" for c in CASES])
def test_golden(case: GoldenCase) -> None:
    assert run_case(case) == case.expected
