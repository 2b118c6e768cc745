"""Every scalar feature, compiled for real, run natively (ctypes) and on wasm (wasmtime).

Each case states the expected value (or error ``.kind``) from the language's semantics;
both backends must produce exactly it.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from support.rule_package import RulePackage, build_rule_package, outcome, same

pytestmark = [pytest.mark.rustc, pytest.mark.wasm]

I64_MAX = 2**63 - 1
I64_MIN = -(2**63)
NAN = float("nan")

RULES = {
    "add": "#main(Int a, Int b) -> Int\na + b",
    "sub": "#main(Int a, Int b) -> Int\na - b",
    "mul": "#main(Int a, Int b) -> Int\na * b",
    "div": "#main(Int a, Int b) -> Int\na / b",
    "rem": "#main(Int a, Int b) -> Int\na % b",
    "neg": "#main(Int a) -> Int\n-a",
    "fdiv": "#main(Float a, Float b) -> Float\na / b",
    "frem": "#main(Float a, Float b) -> Float\na % b",
    "fneg": "#main(Float a) -> Float\n-a",
    "mixed": "#main(Int a, Float b) -> Float\na / 2 + b * a",
    "feq": "#main(Float a, Float b) -> Bool\na == b",
    "fne": "#main(Float a, Float b) -> Bool\na != b",
    "flt": "#main(Float a, Float b) -> Bool\na < b",
    "fge": "#main(Float a, Float b) -> Bool\na >= b",
    "mixcmp": "#main(Int a, Float b) -> Bool\na < b",
    "logic": "#main(Bool p, Int d) -> Bool\np && 10 / d > 1 || !p",
    "orshort": "#main(Bool p, Int d) -> Bool\np || 10 / d > 1",
    "tern": "#main(Int x) -> Int\nx > 0 ? x * 2 : x < 0 ? 0 - x : 100",
    "fib": (
        "#main(Int n) -> Int\n"
        "fib(n) where { fib: (Int k) -> Int => k < 2 ? k : fib(k - 1) + fib(k - 2) }"
    ),
    "deep": (
        "#main(Int n) -> Int\n"
        "down(n) where { down: (Int k) -> Int => k <= 0 ? 0 : 1 + down(k - 1) }"
    ),
    "capture": (
        "#main(Int n, Int m) -> Int\n"
        "scale(n) where { factor: m * 2, scale: (Int x) -> Int => x * factor }"
    ),
    "chain": "#main(Int n) -> Int\nc where { a: n + 1, b: a * 2, c: b - 3 }",
    "unused": "#main(Int n) -> Int\nn where { bad: 1 / n }",
    "sumsq": "#main(Int n) -> Int\nrange(n).map((i) => i * i).sum()",
    "rng2": "#main(Int a, Int b) -> Int\nrange(a, b).reduce(0, (acc, i) => acc * 2 + i)",
    "filt": "#main(Int n) -> Int\nrange(n).filter((i) => i % 3 == 0).len()",
    "anyall": (
        "#main(Int n) -> Bool\nrange(n).any((i) => i * i > 50) && range(n).all((i) => i < 100)"
    ),
    "wa": "#main(Int n) -> Int\nrange(n).reduce(0, (acc, i) => acc + (i % 7) * (i % 13))",
    "wc": (
        "#main(Int n) -> Int\n"
        "range(n).reduce(0, (acc, i) => i % 3 == 0 ? acc + i * i : "
        "(i % 3 == 1 ? acc + i : acc - i))"
    ),
    "wf": "#main(Float x, Int n) -> Float\nrange(n).reduce(x, (acc, i) => acc + 1.5)",
    "wg": (
        "#main(Int n) -> Int\n"
        "range(n).map((i) => (i % 11) * (i % 17) + (i % 5)).reduce(0, (acc, x) => acc + x)"
    ),
    "fuse_map": (
        "#main(Int n) -> Int\n"
        "range(n).map((i) => 100 / (5 - i)).reduce(1, (acc, x) => acc * 1000000007)"
    ),
    "fuse_filter": (
        "#main(Int n) -> Int\n"
        "range(n).filter((i) => 10 / (3 - i) > 0).map((i) => i * 4611686018427387904).sum()"
    ),
    "any_drain": "#main(Int n) -> Bool\nrange(n).map((i) => 10 / (7 - i)).any((x) => x > 1)",
    "named_hof": (
        "#main(Int n) -> Int\n"
        "range(n).map(sq).filter(odd).sum() where { sq: (x) => x * x, odd: (x) => x % 2 == 1 }"
    ),
    "rounding": "#main(Float x) -> Float\nfloor(x) + ceil(x) * 10.0 + round(x) * 100.0",
    "round": "#main(Float x) -> Float\nround(x)",
    "iabs": "#main(Int a) -> Int\nabs(a)",
    "fabs": "#main(Float a) -> Float\nabs(a)",
    "clamp": "#main(Int x) -> Int\nclamp(x, 0, 10)",
    "sqrt": "#main(Float x) -> Float\nsqrt(x)",
    "pow": "#main(Float x, Float y) -> Float\npow(x, y)",
    "fminmax": "#main(Float a, Float b) -> Float\nmin(a, b) * 1000.0 + max(a, b)",
    "imported": (
        '#import math from "std/math"\n#main(Int a) -> Int\nmath.max(a, 3) + math.min(a, 3)'
    ),
    "pipe": "#main(Int a) -> Int\na | max(3) | min(10)",
    "literals": "#main(Int a) -> Int\na + 0x10 + 0b11 + 0o7",
    "floats": "#main() -> Float\n1e3 + 0.5",
    "nan_eq": "#main(Float x) -> Bool\nx == NaN",
    "inf": "#main(Float x) -> Float\nx * 1e308 * 10.0",
    "bools": "#main(Bool a, Bool b) -> Bool\n(a == b) != !a",
}

Expected = Any  # a value, or an error kind name (str)

CASES: list[tuple[str, tuple[Any, ...], Expected]] = [
    ("add", (2, 3), 5),
    ("add", (I64_MAX, 1), "NumericOverflow"),
    ("add", (I64_MIN, -1), "NumericOverflow"),
    ("sub", (I64_MIN, 1), "NumericOverflow"),
    ("sub", (-5, 7), -12),
    ("mul", (3037000500, 3037000500), "NumericOverflow"),
    ("mul", (-4611686018427387904, 2), I64_MIN),
    ("mul", (I64_MIN, -1), "NumericOverflow"),
    ("div", (-7, 2), -3),
    ("div", (21, -2), -10),
    ("div", (1, 0), "DivisionByZero"),
    ("div", (I64_MIN, -1), "NumericOverflow"),
    ("rem", (-7, 3), -1),
    ("rem", (7, -3), 1),
    ("rem", (5, 0), "DivisionByZero"),
    ("rem", (I64_MIN, -1), "NumericOverflow"),
    ("neg", (5,), -5),
    ("neg", (I64_MIN,), "NumericOverflow"),
    ("fdiv", (1.0, 4.0), 0.25),
    ("fdiv", (1.0, 0.0), "DivisionByZero"),
    ("fdiv", (1.0, -0.0), "DivisionByZero"),
    ("fdiv", (1e308, 1e-308), math.inf),
    ("frem", (-7.5, 2.0), -1.5),
    ("frem", (7.5, -0.0), "DivisionByZero"),
    ("fneg", (0.0,), -0.0),
    ("mixed", (7, 0.5), 3 + 3.5),
    ("feq", (NAN, NAN), True),
    ("feq", (-0.0, 0.0), True),
    ("feq", (1.0, NAN), False),
    ("fne", (NAN, NAN), False),
    ("flt", (NAN, 1.0), False),
    ("fge", (1.0, NAN), False),
    ("fge", (2.0, 1.0), True),
    ("mixcmp", (2, 2.5), True),
    ("logic", (False, 0), True),
    ("logic", (True, 0), "DivisionByZero"),
    ("logic", (True, 5), True),
    ("orshort", (True, 0), True),
    ("orshort", (False, 0), "DivisionByZero"),
    ("tern", (4,), 8),
    ("tern", (-4,), 4),
    ("tern", (0,), 100),
    ("fib", (20,), 6765),
    ("deep", (5000,), 5000),
    ("deep", (50000,), "RecursionLimitExceeded"),
    ("capture", (5, 3), 30),
    ("chain", (4,), 7),
    ("unused", (0,), "DivisionByZero"),
    ("unused", (3,), 3),
    ("sumsq", (10,), 285),
    ("sumsq", (0,), 0),
    ("sumsq", (-3,), 0),
    ("sumsq", (4_000_000,), "NumericOverflow"),
    ("rng2", (3, 6), ((0 * 2 + 3) * 2 + 4) * 2 + 5),
    ("rng2", (6, 3), 0),
    ("filt", (10,), 4),
    ("anyall", (9,), True),
    ("anyall", (8,), False),
    ("wa", (100_000,), 1_799_895),
    ("wc", (100_000,), 111_112_777_727_778),
    ("wf", (0.0, 100_000), 150000.0),
    ("wg", (100_000,), 4_199_705),
    ("fuse_map", (10,), "DivisionByZero"),
    ("fuse_map", (4,), "NumericOverflow"),
    ("fuse_map", (2,), 1000000007 * 1000000007),
    ("fuse_filter", (5,), "DivisionByZero"),
    ("fuse_filter", (3,), "NumericOverflow"),
    ("fuse_filter", (2,), 4611686018427387904),
    ("any_drain", (10,), "DivisionByZero"),
    ("any_drain", (5,), True),
    ("named_hof", (10,), 1 + 9 + 25 + 49 + 81),
    ("rounding", (2.5,), 2.0 + 30.0 + 200.0),
    ("rounding", (-2.5,), -3.0 - 20.0 - 200.0),
    ("round", (3.5,), 4.0),
    ("round", (0.5,), 0.0),
    ("iabs", (-9,), 9),
    ("iabs", (I64_MIN,), "NumericOverflow"),
    ("fabs", (-0.0,), 0.0),
    ("clamp", (15,), 10),
    ("clamp", (-3,), 0),
    ("clamp", (4,), 4),
    ("sqrt", (2.25,), 1.5),
    ("sqrt", (-1.0,), NAN),
    ("pow", (2.0, 10.0), 1024.0),
    ("pow", (9.0, 0.5), 3.0),
    ("fminmax", (1.5, -2.0), -2000.0 + 1.5),
    ("fminmax", (NAN, 1.0), NAN),
    ("imported", (1,), 3 + 1),
    ("imported", (7,), 7 + 3),
    ("pipe", (1,), 3),
    ("pipe", (99,), 10),
    ("literals", (1,), 1 + 16 + 3 + 7),
    ("floats", (), 1000.5),
    ("nan_eq", (NAN,), True),
    ("nan_eq", (1.0,), False),
    ("inf", (1.0,), math.inf),
    ("bools", (True, False), False),
    ("bools", (True, True), True),
    ("bools", (False, True), True),
]


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory) -> RulePackage:
    return build_rule_package(tmp_path_factory.mktemp("scalar"), RULES)


@pytest.mark.parametrize("backend", ["native", "wasm"])
@pytest.mark.parametrize(("rule", "args", "expected"), CASES, ids=lambda v: repr(v)[:40])
def test_case(
    rules: RulePackage, rule: str, args: tuple[Any, ...], expected: Any, backend: str
) -> None:
    actual = outcome(rules, rule, args, backend)
    assert same(actual, expected), f"{rule}{args} on {backend}: got {actual!r}, want {expected!r}"


def test_main_is_the_native_unlimited_call(rules: RulePackage) -> None:
    assert rules["fib"].main(15) == 610
    assert rules["fib"].main(n=15) == 610


@pytest.mark.parametrize("backend", ["native", "wasm"])
def test_step_budget_counts_loop_iterations(rules: RulePackage, backend: str) -> None:
    sumsq = rules["sumsq"]
    assert sumsq.Sandbox(max_steps=10, backend=backend).main(10) == 285
    with pytest.raises(sumsq.StepLimitExceeded) as info:
        sumsq.Sandbox(max_steps=9, backend=backend).main(10)
    assert isinstance(info.value, RuntimeError)
    assert info.value.kind == "StepLimitExceeded"


@pytest.mark.parametrize("backend", ["native", "wasm"])
def test_step_budget_counts_calls(rules: RulePackage, backend: str) -> None:
    # fib(10) makes 177 calls of the closure.
    fib = rules["fib"]
    assert fib.Sandbox(max_steps=177, backend=backend).main(10) == 55
    with pytest.raises(fib.StepLimitExceeded):
        fib.Sandbox(max_steps=176, backend=backend).main(10)


@pytest.mark.parametrize("backend", ["native", "wasm"])
def test_argument_errors(rules: RulePackage, backend: str) -> None:
    add = rules["add"].Sandbox(backend=backend)
    module = rules["add"]
    with pytest.raises(module.NumericOverflow):
        add.main(2**63, 1)
    for bad in [(1.5, 2), ("1", 2), (True, 2), (None, 2)]:
        with pytest.raises(module.MainArgTypeMismatch) as info:
            add.main(*bad)
        assert isinstance(info.value, TypeError)
    with pytest.raises(module.MainArgTypeMismatch):
        add.main(1)
    with pytest.raises(module.MainArgTypeMismatch):
        add.main(1, 2, 3)
    with pytest.raises(module.MainArgTypeMismatch):
        add.main(1, b=2, c=3)
    assert rules["fdiv"].Sandbox(backend=backend).main(1, 4) == 0.25  # int accepted for Float


def test_built_artifacts_exist(rules: RulePackage, tmp_path: Path) -> None:
    names = {p.name for p in rules.root.iterdir()}
    assert f"librelon-{rules.name}.so" in names
    assert f"relon-{rules.name}.wasm" in names
