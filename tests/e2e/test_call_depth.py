"""Deep recursion reaches MAX_CALL_DEPTH (10,000 nested calls) on both backends.

On wasm32 every frame that kept a value on the 64 KiB shadow stack (e.g. the i128
``__multi3`` a checked multiply used to lower to) trapped at ~4,000 calls, and
wasmtime's default native stack limit trapped soon after; either way a HostPanic
instead of the RecursionLimitExceeded the language defines.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from support.rule_package import RulePackage, build_rule_package, outcome

from relon_build_backend.ir.nodes import MAX_CALL_DEPTH

pytestmark = [pytest.mark.rustc, pytest.mark.wasm]

BACKENDS = ("native", "wasm")
I64_MAX = 2**63 - 1
I64_MIN = -(2**63)

RULES = {
    # the reproducer of test_differential: a constant times an argument at each level
    "mul_const": (
        "#main(Int n, Int p) -> Int\n"
        "r(n, 127) where { r: (Int k, Int acc) -> Int => k <= 0 ? acc : r(k - 1, -(127) * p) }"
    ),
    "mul_acc": (
        "#main(Int n, Int p) -> Int\n"
        "r(n, 1) where { r: (Int k, Int acc) -> Int => k <= 0 ? acc : r(k - 1, acc * p) }"
    ),
    # operands wider than 32 bits: every level takes the wasm slow path (the helper)
    "mul_wide": (
        "#main(Int n, Int p, Int q) -> Int\n"
        "r(n, 0) where { r: (Int k, Int acc) -> Int => k <= 0 ? acc : r(k - 1, p * q) }"
    ),
    "str_build": (
        "#main(Int n) -> String\n"
        'r(n) where { r: (Int k) -> String => k <= 0 ? "" : "a" + r(k - 1) }'
    ),
    "str_accumulate": (
        "#main(Int n) -> String\n"
        'r(n, "") where { r: (Int k, String s) -> String => k <= 0 ? s : r(k - 1, s + k) }'
    ),
    "times": "#main(Int a, Int b) -> Int\na * b",
    "times_const": "#main(Int p) -> Int\n-(127) * p",
    "times_wide_const": "#main(Int p) -> Int\n1099511627776 * p",
}

DEEPEST = MAX_CALL_DEPTH - 1  # main(DEEPEST) makes MAX_CALL_DEPTH nested calls of r
WIDE = 2**40


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory) -> RulePackage:
    return build_rule_package(tmp_path_factory.mktemp("depth"), RULES)


DEEP_CASES: list[tuple[str, tuple[Any, ...], Any]] = [
    ("mul_const", (DEEPEST, 1), -127),
    ("mul_acc", (DEEPEST, 1), 1),
    ("mul_acc", (DEEPEST, -1), -1),
    ("mul_wide", (DEEPEST, WIDE, 3), 3 * WIDE),
    ("mul_wide", (DEEPEST, -WIDE, WIDE), "NumericOverflow"),
    ("str_build", (DEEPEST,), "a" * DEEPEST),
    ("str_accumulate", (DEEPEST,), "".join(str(k) for k in range(DEEPEST, 0, -1))),
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("rule", "args", "expected"), DEEP_CASES, ids=lambda v: repr(v)[:30])
def test_recursion_just_below_the_limit(
    rules: RulePackage, rule: str, args: tuple[Any, ...], expected: Any, backend: str
) -> None:
    assert outcome(rules, rule, args, backend) == expected


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    "rule", ["mul_const", "mul_acc", "mul_wide", "str_build", "str_accumulate"]
)
@pytest.mark.parametrize("extra", [0, 1, 5000])
def test_recursion_past_the_limit_is_recursion_limit_exceeded(
    rules: RulePackage, rule: str, extra: int, backend: str
) -> None:
    args = {"mul_const": (1,), "mul_acc": (1,), "mul_wide": (WIDE, 3)}.get(rule, ())
    got = outcome(rules, rule, (MAX_CALL_DEPTH + extra, *args), backend)
    assert got == "RecursionLimitExceeded"


def test_wasm_recursion_limit_in_a_thread(rules: RulePackage) -> None:
    # wasm code runs on the calling thread's native stack: a worker thread must do too
    results: list[Any] = []
    worker = threading.Thread(
        target=lambda: results.extend(
            outcome(rules, "str_accumulate", (n,), "wasm") for n in (DEEPEST, MAX_CALL_DEPTH)
        )
    )
    worker.start()
    worker.join()
    assert results == [DEEP_CASES[-1][2], "RecursionLimitExceeded"]


MUL_SAMPLES = [
    0,
    1,
    -1,
    127,
    -128,
    2**31 - 1,
    -(2**31),
    2**31,
    WIDE,
    -WIDE,
    I64_MAX // 127,
    I64_MAX // 127 + 1,
    I64_MIN // 127,
    -(I64_MIN // -127),
    -(I64_MIN // -127) - 1,
    I64_MAX // WIDE,
    I64_MAX // WIDE + 1,
    I64_MIN // WIDE,
    I64_MIN // WIDE - 1,
    I64_MAX,
    I64_MIN,
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("rule", "factor"), [("times_const", -127), ("times_wide_const", WIDE)])
def test_multiply_by_a_constant_checks_overflow(
    rules: RulePackage, rule: str, factor: int, backend: str
) -> None:
    # a constant operand lets O3 specialise the wasm overflow helper: still exact
    for p in MUL_SAMPLES:
        product = factor * p
        expected = product if I64_MIN <= product <= I64_MAX else "NumericOverflow"
        assert outcome(rules, rule, (p,), backend) == expected, (rule, p)


@pytest.mark.parametrize("backend", BACKENDS)
def test_multiply_checks_overflow(rules: RulePackage, backend: str) -> None:
    # both operands within 32 bits take the wasm fast path, the others the division
    for a in MUL_SAMPLES:
        for b in MUL_SAMPLES:
            product = a * b
            expected = product if I64_MIN <= product <= I64_MAX else "NumericOverflow"
            assert outcome(rules, "times", (a, b), backend) == expected, (a, b)
