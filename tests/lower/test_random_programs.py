"""Well-typed random programs go through check -> lower -> verify -> print -> read back.

The programs come from the generators the differential test runs (tests/support/):
every scalar feature, host calls, closures and recursion, chains with every terminal
(:class:`ProgramGenerator`), and strings, lists, comprehensions and tuples
(:class:`ValueGenerator`). Each must check without a diagnostic and lower to IR that
passes the verifier (``lower_module`` runs it); lowering twice gives the same text,
which reads back (``ir/reader.py``) to a module that verifies and prints the same.
"""

from __future__ import annotations

import pytest
from support.hosts import HOST_SIGNATURES, HOSTS
from support.program_gen import ProgramGenerator
from support.value_gen import ValueGenerator

from relon_build_backend.frontend.checker import check_module
from relon_build_backend.frontend.parser import parse_module
from relon_build_backend.frontend.source import SourceFile
from relon_build_backend.ir.printer import format_module
from relon_build_backend.ir.reader import read_module
from relon_build_backend.ir.verify import check_ir
from relon_build_backend.lower import lower_module

GENERATORS = {"scalar": ProgramGenerator, "values": ValueGenerator}


def _lowered(text: str) -> str:
    checked = check_module(parse_module(SourceFile("r.relon", text)), HOSTS)
    return format_module(lower_module(checked, name="r"))


@pytest.mark.parametrize("kind", sorted(GENERATORS))
@pytest.mark.parametrize("batch", range(4))
def test_random_well_typed_programs_lower_to_valid_ir(kind: str, batch: int) -> None:
    generator = GENERATORS[kind](7000 + batch, HOST_SIGNATURES)
    for _ in range(50):
        text = generator.generate().source
        first = _lowered(text)
        assert _lowered(text) == first, text  # deterministic
        read_back = read_module(first)
        assert check_ir(read_back) == [], first
        assert format_module(read_back) == first, text
