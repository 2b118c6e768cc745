"""The evaluator against the semantics of docs (relon-subset.md) and ir/nodes.py.

Each case states the expected value (or error kind) worked out from the text of the
semantics, independently of the compiler; the differential test then holds the
compiled code to the same evaluator.
"""

from __future__ import annotations

import math
import struct

import pytest
from support.evaluation import outcome

MAX = 2**63 - 1
MIN = -(2**63)
NAN = math.nan
INF = math.inf

CASES: list[tuple[str, tuple[object, ...], object]] = [
    # checked Int arithmetic
    ("#main(Int a, Int b) -> Int\na + b", (MAX, 1), "NumericOverflow"),
    ("#main(Int a, Int b) -> Int\na - b", (MIN, 1), "NumericOverflow"),
    ("#main(Int a, Int b) -> Int\na * b", (3037000500, 3037000500), "NumericOverflow"),
    ("#main(Int a, Int b) -> Int\na * b", (-4611686018427387904, 2), MIN),
    ("#main(Int a) -> Int\n-a", (MIN,), "NumericOverflow"),
    ("#main(Int a, Int b) -> Int\na / b", (-7, 2), -3),
    ("#main(Int a, Int b) -> Int\na / b", (7, -2), -3),
    ("#main(Int a, Int b) -> Int\na % b", (-7, 3), -1),
    ("#main(Int a, Int b) -> Int\na % b", (7, -3), 1),
    ("#main(Int a, Int b) -> Int\na % b", (MIN, 0), "DivisionByZero"),
    ("#main(Int a, Int b) -> Int\na / b", (MIN, -1), "NumericOverflow"),
    ("#main(Int a, Int b) -> Int\na % b", (MIN, -1), "NumericOverflow"),
    ("#main(Int a, Int b) -> Int\na % b", (MIN, 3), -2),
    # Float arithmetic
    ("#main(Float a, Float b) -> Float\na / b", (1.0, -0.0), "DivisionByZero"),
    ("#main(Float a, Float b) -> Float\na % b", (NAN, 0.0), "DivisionByZero"),
    ("#main(Float a, Float b) -> Float\na / b", (1e308, 1e-308), INF),
    ("#main(Float a, Float b) -> Float\na % b", (-7.5, 2.0), -1.5),
    ("#main(Float a, Float b) -> Float\na % b", (INF, 2.0), NAN),
    ("#main(Float a, Float b) -> Float\na % b", (5.0, INF), 5.0),
    ("#main(Float a, Float b) -> Float\na % b", (-0.0, 3.0), -0.0),
    ("#main(Float a) -> Float\n-a", (0.0,), -0.0),
    ("#main(Int a, Float b) -> Float\na / 2 + b * a", (7, 0.5), 6.5),
    ("#main(Int a) -> Float\na + 0.0", (2**53 + 1,), 9007199254740992.0),
    # comparisons
    ("#main(Float a, Float b) -> Bool\na == b", (NAN, NAN), True),
    ("#main(Float a, Float b) -> Bool\na == b", (-0.0, 0.0), True),
    ("#main(Float a, Float b) -> Bool\na != b", (NAN, 1.0), True),
    ("#main(Float a, Float b) -> Bool\na <= b", (NAN, NAN), False),
    ("#main(Int a, Float b) -> Bool\na < b", (2, 2.5), True),
    ("#main(Bool a, Bool b) -> Bool\n(a == b) != !a", (True, False), False),
    # short circuit, ternary, where
    ("#main(Bool p, Int d) -> Bool\np && 10 / d > 1 || !p", (False, 0), True),
    ("#main(Bool p, Int d) -> Bool\np || 10 / d > 1", (False, 0), "DivisionByZero"),
    ("#main(Int x) -> Int\nx > 0 ? x * 2 : 1 / 0", (4,), 8),
    ("#main(Int n) -> Int\nn where { bad: 1 / n }", (0,), "DivisionByZero"),
    ("#main(Int n) -> Int\nc where { a: n + 1, b: a * 2, c: b - 3 }", (4,), 7),
    ("#main(Int n, Int m) -> Int\ns(n) where { k: m * 2, s: (Int x) -> Int => x * k }", (5, 3), 30),
    # math
    ("#main(Float x) -> Float\nround(x)", (2.5,), 2.0),
    ("#main(Float x) -> Float\nround(x)", (-0.4,), -0.0),
    ("#main(Float x) -> Float\nceil(x)", (-0.5,), -0.0),
    ("#main(Float x) -> Float\nfloor(x)", (-0.0,), -0.0),
    ("#main(Float x) -> Float\nfloor(x)", (NAN,), NAN),
    ("#main(Float x) -> Float\nceil(x)", (-INF,), -INF),
    ("#main(Int x) -> Int\nfloor(x)", (MIN,), MIN),
    ("#main(Float x) -> Float\nsqrt(x)", (-1.0,), NAN),
    ("#main(Float x) -> Float\nsqrt(x)", (-0.0,), -0.0),
    ("#main(Int x) -> Float\nsqrt(x)", (9,), 3.0),
    ("#main(Float x, Float y) -> Float\npow(x, y)", (0.0, -1.0), INF),
    ("#main(Float x, Float y) -> Float\npow(x, y)", (-0.0, -3.0), -INF),
    ("#main(Float x, Float y) -> Float\npow(x, y)", (-8.0, 1 / 3), NAN),
    ("#main(Float x, Float y) -> Float\npow(x, y)", (-10.0, 309.0), -INF),
    ("#main(Float x, Float y) -> Float\npow(x, y)", (NAN, 0.0), 1.0),
    ("#main(Int x, Int y) -> Int\npow(x, y)", (-2, 63), MIN),
    ("#main(Int x, Int y) -> Int\npow(x, y)", (2, 63), "NumericOverflow"),
    ("#main(Int x, Int y) -> Int\npow(x, y)", (1, -1), "NumericOverflow"),
    ("#main(Int x, Int y) -> Int\npow(x, y)", (-1, MAX), -1),
    ("#main(Int x, Int y) -> Int\npow(x, y)", (0, 0), 1),
    ("#main(Int x) -> Int\nabs(x)", (MIN,), "NumericOverflow"),
    ("#main(Float x) -> Float\nabs(x)", (-0.0,), 0.0),
    ("#main(Float a, Float b) -> Float\nmin(a, b)", (0.0, -0.0), -0.0),
    ("#main(Float a, Float b) -> Float\nmax(a, b)", (-0.0, 0.0), 0.0),
    ("#main(Float a, Float b) -> Float\nmax(a, b)", (NAN, 1.0), NAN),
    ("#main(Float a, Float b) -> Float\nmin(a, b)", (1.0, NAN), NAN),
    ("#main(Float x) -> Float\nclamp(x, 0.0, 1.0)", (NAN,), NAN),
    ("#main(Float x) -> Float\nclamp(x, 0.0, 1.0)", (-0.0,), 0.0),
    ("#main(Int x) -> Int\nclamp(x, 0, 10)", (15,), 10),
    ("#main(Int x) -> Int\nclamp(x, 10, 0)", (5,), 10),
    ('#import math from "std/math"\n#main(Int a) -> Int\nmath.max(a, 3) | min(10)', (99,), 10),
    # range chains, unfused
    ("#main(Int n) -> Int\nrange(n).map((i) => i * i).sum()", (10,), 285),
    ("#main(Int n) -> Int\nrange(n).map((i) => i * i).sum()", (-3,), 0),
    ("#main(Int a, Int b) -> Int\nrange(a, b).reduce(0, (acc, i) => acc * 2 + i)", (3, 6), 25),
    ("#main(Int n) -> Int\nrange(n).filter((i) => i % 3 == 0).len()", (10,), 4),
    ("#main(Int n) -> Float\nrange(n).reduce(0.5, (acc, x) => x)", (3,), 2.0),
    (
        "#main(Int n) -> Float\nrange(n).map(h).sum() where { h: (Float x) -> Float => x / 2 }",
        (3,),
        1.5,
    ),
    ("#main(Int n) -> Float\nrange(n).map((x) => -0.0).sum()", (2,), 0.0),
    # map fails late (i = 5), the reduce overflows early: the map's error wins
    (
        "#main(Int n) -> Int\n"
        "range(n).map((i) => 100 / (5 - i)).reduce(1, (acc, x) => acc * 1000000007)",
        (10,),
        "DivisionByZero",
    ),
    (
        "#main(Int n) -> Int\n"
        "range(n).map((i) => 100 / (5 - i)).reduce(1, (acc, x) => acc * 1000000007)",
        (4,),
        "NumericOverflow",
    ),
    # a failing reduce init loses to a stage error, and is raised without one
    (
        "#main(Int n) -> Int\nrange(n).map((i) => 1 / (2 - i)).reduce(1 / 0, (a, x) => a)",
        (5,),
        "DivisionByZero",
    ),
    (
        "#main(Int n) -> Int\nrange(n).map((i) => i - 9223372036854775807 - 2).reduce(1 / 0, "
        "(a, x) => a)",
        (5,),
        "NumericOverflow",
    ),
    ("#main(Int n) -> Int\nrange(n).reduce(1 / 0, (a, x) => a)", (0,), "DivisionByZero"),
    # any decided early still raises a later stage error; with no stages it stops
    (
        "#main(Int n) -> Bool\nrange(n).map((i) => 10 / (7 - i)).any((x) => x > 1)",
        (10,),
        "DivisionByZero",
    ),
    ("#main(Int n) -> Bool\nrange(n).map((i) => 10 / (7 - i)).any((x) => x > 1)", (5,), True),
    ("#main(Int n) -> Bool\nrange(n).any((i) => i >= 0 || 1 / 0 > 0)", (10,), True),
    ("#main(Int n) -> Bool\nrange(n).all((i) => i > 0 && 1 / 0 > 0)", (10,), False),
    (
        "#main(Int n) -> Int\nrange(n).map((i) => 4611686018427387904).sum()",
        (3,),
        "NumericOverflow",
    ),
    # recursion and the call depth bound
    (
        "#main(Int n) -> Int\n"
        "fib(n) where { fib: (Int k) -> Int => k < 2 ? k : fib(k - 1) + fib(k - 2) }",
        (20,),
        6765,
    ),
    (
        "#main(Int n) -> Int\nd(n) where { d: (Int k) -> Int => k <= 0 ? 0 : 1 + d(k - 1) }",
        (9999,),
        9999,
    ),
    (
        "#main(Int n) -> Int\nd(n) where { d: (Int k) -> Int => k <= 0 ? 0 : 1 + d(k - 1) }",
        (10000,),
        "RecursionLimitExceeded",
    ),
]


def same(actual: object, expected: object) -> bool:
    if isinstance(expected, float) and isinstance(actual, float):
        if math.isnan(expected):
            return math.isnan(actual)
        return struct.pack("<d", actual) == struct.pack("<d", expected)
    return type(actual) is type(expected) and actual == expected


@pytest.mark.parametrize(("source", "args", "expected"), CASES, ids=lambda v: repr(v)[-40:])
def test_case(source: str, args: tuple[object, ...], expected: object) -> None:
    actual = outcome(source, *args)
    assert same(actual, expected), f"{source!r}{args}: got {actual!r}, want {expected!r}"
