"""The front end refuses bad input with diagnostics, never with an internal error."""

from __future__ import annotations

import pytest

from relon_build_backend.frontend.diagnostics import SourceError
from relon_build_backend.frontend.parser import parse_module
from relon_build_backend.frontend.scanner import MAX_SOURCE_BYTES
from relon_build_backend.frontend.source import SourceFile

from .fuzz import inputs, run


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_thousand_fuzzed_inputs_each_pass_or_get_diagnostics(seed: int) -> None:
    failures = run(seed, 1000)
    assert not failures, [(type(e).__name__, str(e)[:200], t[:200]) for t, e in failures[:5]]


def test_the_fuzzer_makes_varied_inputs_of_each_kind() -> None:
    made = list(inputs(5, 300, ["#main() -> Int\n1 + 2\n"]))
    assert len(set(made)) > 250
    assert any("\ufffd" in text for text in made[0::3])  # random bytes
    assert all(text.count(" ") >= text.count("\n") for text in made[1::3])  # token soups
    assert any("1 + 2" not in text for text in made[2::3])  # mutations change the program


def test_a_file_over_the_size_limit_is_one_diagnostic_at_its_start() -> None:
    text = "#main() -> Int\n[" + "1, " * (MAX_SOURCE_BYTES // 3) + "1].len()"
    with pytest.raises(SourceError) as info:
        parse_module(SourceFile("big.relon", text))
    (diagnostic,) = info.value.diagnostics
    assert diagnostic.span.start == 0  # shown as big.relon:1:1
    assert f"a rule file may have at most {MAX_SOURCE_BYTES:,}" in diagnostic.message
    assert diagnostic.hint and "split it" in diagnostic.hint


def test_a_file_at_the_size_limit_is_read() -> None:
    body = "1 + 2"
    text = "#main() -> Int\n" + body + " " * (MAX_SOURCE_BYTES - len(body) - 16) + "\n"
    assert len(text.encode()) == MAX_SOURCE_BYTES
    parse_module(SourceFile("edge.relon", text))
