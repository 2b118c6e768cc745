"""The IR text form round-trips: print -> read -> print is the identity, and what is
read back passes the verifier (so the text carries every name, type and operator)."""

from __future__ import annotations

from pathlib import Path

import pytest

from relon_build_backend.ir.printer import format_module
from relon_build_backend.ir.reader import read_module
from relon_build_backend.ir.verify import check_ir

from .golden import read_cases

DATA = Path(__file__).parent / "data"
IR_TEXTS = [
    case.expected
    for path in sorted(DATA.glob("*.test"))
    for case in read_cases(path)
    if case.expected.startswith("module ")
]


@pytest.mark.parametrize("text", IR_TEXTS, ids=[t.split("\n", 1)[0] for t in IR_TEXTS])
def test_golden_ir_text_round_trips(text: str) -> None:
    module = read_module(text)
    assert check_ir(module) == []
    assert format_module(module) == text
