"""Strings, lists and tuples in the evaluator, against ir/nodes.py (StringOp, ListOp,
ToText) and docs (relon-subset.md)."""

from __future__ import annotations

import math

import pytest
from support.evaluation import outcome

NAN = math.nan

CASES: list[tuple[str, tuple[object, ...], object]] = [
    # text of scalars: Rust's {} Display for f64
    ('#main(Float x) -> String\n"" + x', (1.0,), "1"),
    ('#main(Float x) -> String\n"" + x', (-0.0,), "-0"),
    ('#main(Float x) -> String\n"" + x', (1e21,), "1000000000000000000000"),
    ('#main(Float x) -> String\n"" + x', (1e-7,), "0.0000001"),
    ('#main(Float x) -> String\n"" + x', (0.1 + 0.2,), "0.30000000000000004"),
    ('#main(Float x) -> String\n"" + x', (-math.inf,), "-inf"),
    ('#main(Float x) -> String\n"" + x', (NAN,), "NaN"),
    ('#main(Int n, Bool b) -> String\nf"n=${n} b=${b} m=${n * 2}"', (-3, True), "n=-3 b=true m=-6"),
    # string functions, byte based
    ("#main(String s) -> Int\ns.len()", ("héllo",), 6),
    ("#main(String s) -> String\ns.substring(1, 3)", ("héllo",), "é"),
    ("#main(String s) -> String\ns.substring(1, 2)", ("héllo",), "IndexOutOfBounds"),
    ("#main(String s) -> String\ns.substring(2, 1)", ("hello",), "IndexOutOfBounds"),
    ("#main(String s) -> String\ns.substring(0, 6)", ("hello",), "IndexOutOfBounds"),
    ("#main(String s) -> String\ns.upper()", ("straße é",), "STRAßE é"),
    ("#main(String s) -> String\ns.trim()", ("\u3000 x\x1f ",), "x\x1f"),
    ('#main(String s) -> List<String>\ns.split(",")', ("a,,b",), ["a", "", "b"]),
    ('#main(String s) -> List<String>\ns.split("")', ("ab",), "EmptyList"),
    ('#main(String s) -> String\ns.replace("", "-")', ("ab",), "-a-b-"),
    (
        '#main(String s) -> Bool\ns.contains("") && s.starts_with("a") && !s.ends_with("a")',
        ("ab",),
        True,
    ),
    ('#main(List<String> xs) -> String\nxs.join("+")', (["a", "b"],), "a+b"),
    ("#main(String a, String b) -> Bool\na == b", ("é", "e\u0301"), False),
    # lists
    ("#main(List<Int> xs, Int i) -> Int\nxs[i]", ([5, 6], 1), 6),
    ("#main(List<Int> xs, Int i) -> Int\nxs[i]", ([5, 6], -1), "IndexOutOfBounds"),
    ("#main(List<Int> xs) -> Int\nxs.first()", ([],), "EmptyList"),
    ("#main(List<Float> xs) -> Float\nxs.max()", ([1.0, NAN, 2.0],), NAN),
    ("#main(List<Float> xs) -> Float\nxs.min()", ([0.0, -0.0],), -0.0),
    ("#main(List<Bool> xs) -> Bool\nxs.max()", ([False, True, False],), True),
    ("#main(List<String> xs) -> String\nxs.min()", (["b", "ab", "é"],), "ab"),
    ("#main(List<Float> xs) -> Bool\nxs.contains(NaN)", ([1.0, NAN],), True),
    ("#main(List<Float> xs) -> Bool\nxs.contains(0.0)", ([-0.0],), True),
    (
        "#main(List<Float> xs) -> List<Float>\nxs.sort()",
        ([1.0, NAN, -0.0, 0.0, -math.inf],),
        [-math.inf, -0.0, 0.0, 1.0, NAN],
    ),
    ("#main(List<Float> xs) -> List<Float>\nxs.unique()", ([0.0, -0.0, NAN, NAN],), [0.0, NAN]),
    ("#main(List<Int> xs) -> List<Int>\n(xs + [1]).reverse()", ([3, 2],), [1, 2, 3]),
    # chains over lists, comprehensions, tuples
    ("#main(List<Int> xs) -> Int\nxs.map((x) => x * 2).sum()", ([1, 2, 3],), 12),
    ("#main(List<Int> xs) -> List<Int>\n[x * 2 for x in xs if x > 1]", ([1, 2, 3],), [4, 6]),
    ("#main(List<Int> xs) -> List<Int>\nxs.map((x) => 10 / x)", ([1, 0, 2],), "DivisionByZero"),
    ("#main(List<Int> xs) -> (Int, Int)\n(xs[0], xs.len())", ([5, 6],), (5, 2)),
    ("#main(List<Int> xs) -> Int\nt.1 where { t: (xs.len(), xs[0]) }", ([7],), 7),
]


def same(actual: object, expected: object) -> bool:
    if isinstance(expected, float) and isinstance(actual, float):
        both_nan = math.isnan(expected) and math.isnan(actual)
        return both_nan or (actual == expected and str(actual) == str(expected))
    if isinstance(expected, (list, tuple)) and isinstance(actual, type(expected)):
        return len(actual) == len(expected) and all(map(same, actual, expected))
    return type(actual) is type(expected) and actual == expected


@pytest.mark.parametrize(("source", "args", "expected"), CASES, ids=lambda v: repr(v)[-40:])
def test_case(source: str, args: tuple[object, ...], expected: object) -> None:
    actual = outcome(source, *args)
    assert same(actual, expected), f"{source!r}{args}: got {actual!r}, want {expected!r}"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (([1, 2], "x"), 3),
        (((1, 2), "x"), 3),
        (([1, 2.0], "x"), "MainArgTypeMismatch"),
        (([1, 2**63], "x"), "NumericOverflow"),
        (("12", "x"), "MainArgTypeMismatch"),
        (([1], b"x"), "MainArgTypeMismatch"),
    ],
)
def test_list_and_string_arguments(args: tuple[object, ...], expected: object) -> None:
    assert outcome("#main(List<Int> xs, String s) -> Int\nxs.sum()", *args) == expected
