"""benchmarks/cocompile_speed.py builds and its contenders agree (correctness, not speed)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

pytestmark = [pytest.mark.rustc, pytest.mark.wasm]

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "cocompile_speed.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("cocompile_speed", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while defining
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def contenders(bench: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> list[Any]:
    built: list[Any] = bench.build_contenders(tmp_path_factory.mktemp("bench"))
    return built


def test_every_contender_computes_the_same_result(bench: ModuleType, contenders: list[Any]) -> None:
    results = bench.check_agreement(contenders)
    expected = {k.name: k.python(*k.args) for k in bench.KERNELS}
    assert results == expected
    labels = {(c.kernel, c.label) for c in contenders if c.computes}
    for kernel in bench.KERNELS:
        for label in ("ours native", "ours wasm", "rust checked", "rust wrapping", "python"):
            assert (kernel.name, label) in labels
    assert ("host", "rust checked, mix #[inline(never)]") in labels


def test_checked_rust_reports_the_overflow_the_rule_raises(
    bench: ModuleType, contenders: list[Any]
) -> None:
    calls = {c.label: c.call.func for c in contenders if c.kernel == "trivial"}
    i64_max = 2**63 - 1
    with pytest.raises(OverflowError):
        calls["ours native"](i64_max)
    with pytest.raises(OverflowError, match="trivial_checked returned status 1"):
        calls["rust checked"](i64_max)
    assert calls["rust wrapping"](i64_max) == -(2**63)


def test_a_disagreement_fails_loudly(bench: ModuleType) -> None:
    contenders = [
        bench.Contender("k", "right", lambda: 42),
        bench.Contender("k", "wrong", lambda: 43),
        bench.Contender("k", "a cost", lambda: None, computes=False),
    ]
    with pytest.raises(
        AssertionError, match=r"disagree on kernel 'k': \{'right': 42, 'wrong': 43\}"
    ):
        bench.check_agreement(contenders)
