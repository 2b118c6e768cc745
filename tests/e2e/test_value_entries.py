"""The value entries (``P_main_value``/``P_call_value``, docs/abi.md "Value entries"):
a result equal to the failure sentinel still comes back, every error still raises its
own exception, and a Sandbox whose rule has an effectful gated host function never
repeats a call (it takes the status entry)."""

from __future__ import annotations

import ctypes
from pathlib import Path
from typing import Any

import pytest
from support.rule_package import RulePackage, build_rule_package

from relon_build_backend._relon_runtime.abi import (
    VALUE_SENTINELS,
    call_value_symbol,
    main_value_symbol,
)

pytestmark = [pytest.mark.rustc, pytest.mark.wasm]

I64_MIN = -(1 << 63)

RULES = {
    "dec": "#main(Int x) -> Int\nx - 1",
    "twice": "#main(Float x) -> Float\nx * 2.0",
    "odd": "#main(Int x) -> Bool\nx % 2 == 1",
    "div": "#main(Int a, Int b) -> Int\na / b",
    "count": "#main(Int x) -> Int\nx / (h_count(x) % 2)",
    "text": '#main(Int x) -> String\nf"n{x}"',
}

SHIM = """
use core::sync::atomic::{AtomicI64, Ordering};

static CALLS: AtomicI64 = AtomicI64::new(0);

#[no_mangle]
pub extern "C" fn h_count(x: i64) -> i64 {
    CALLS.fetch_add(1, Ordering::SeqCst) + 1 + x - x
}
"""


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> RulePackage:
    return build_rule_package(
        Path(tmp_path_factory.mktemp("values")),
        RULES,
        shim=SHIM,
        gates={"h_count": frozenset({"uses_rng"})},
    )


def _mains(rule: Any) -> list[tuple[str, Any]]:
    return [
        ("main", rule.main),
        ("native Sandbox", rule.Sandbox(max_steps=100).main),
        ("wasm Sandbox", rule.Sandbox(backend="wasm").main),
    ]


def test_a_result_equal_to_the_sentinel_comes_back(package: RulePackage) -> None:
    assert VALUE_SENTINELS["Int"] == I64_MIN
    for where, main in _mains(package["dec"]):
        assert main(I64_MIN + 1) == I64_MIN, where
        assert main(x=I64_MIN + 1) == I64_MIN, where
        with pytest.raises(package["dec"].NumericOverflow):
            main(I64_MIN)
    sentinel = VALUE_SENTINELS["Float"]
    for where, main in _mains(package["twice"]):
        assert main(sentinel / 2) == sentinel, where
        assert main(3) == 6.0, where


def test_errors_keep_their_kind_and_message(package: RulePackage) -> None:
    rule = package["div"]
    for where, main in _mains(rule):
        assert main(7, 2) == 3, where
        with pytest.raises(rule.DivisionByZero, match="by zero"):
            main(1, 0)
        with pytest.raises(rule.MainArgTypeMismatch, match="multiple values for argument 'a'"):
            main(1, a=2)
        with pytest.raises(rule.MainArgTypeMismatch, match="missing required arguments: b"):
            main(1)
        with pytest.raises(rule.MainArgTypeMismatch, match="takes 2 arguments but 3"):
            main(1, 2, 3)
        with pytest.raises(rule.MainArgTypeMismatch, match="unexpected keyword argument 'c'"):
            main(a=1, c=2)
        assert main(b=2, a=9) == 4, where
    for where, main in _mains(package["odd"]):
        assert main(3) is True and main(4) is False, where


def test_an_effectful_host_runs_once_per_call(package: RulePackage) -> None:
    # h_count counts its calls: every second one makes the rule divide by zero. A loader
    # that repeated a failed call would see the next count and succeed instead.
    rule = package["count"]
    with pytest.raises(rule.CapabilityDenied):
        rule.main(1)  # main grants nothing: the same error however often it runs
    for backend in ("native", "wasm"):
        box = rule.Sandbox(caps={"uses_rng"}, backend=backend)
        outcomes = []
        for _ in range(4):
            try:
                outcomes.append(box.main(10))
            except rule.DivisionByZero:
                outcomes.append("div")
        first = outcomes[0]
        assert outcomes == ([10, "div"] * 2 if first == 10 else ["div", 10] * 2), backend


def test_only_scalar_rules_export_value_entries(package: RulePackage) -> None:
    library = next(package.root.glob("*.so"))
    lib = ctypes.CDLL(str(library))
    for name in ("dec", "twice", "odd", "div", "count"):
        prefix = package[name]._RULE.spec.prefix
        assert hasattr(lib, main_value_symbol(prefix)), name
        assert hasattr(lib, call_value_symbol(prefix)), name
    prefix = package["text"]._RULE.spec.prefix
    assert not hasattr(lib, main_value_symbol(prefix))
