"""Strings, lists and tuples, compiled for real, natively (ctypes) and on wasm (wasmtime).

Expected values come from the language's semantics: byte-based strings, Rust's float
Display for text, checked sums, bounds checks, stable sorts.
"""

from __future__ import annotations

import array
import math
from typing import Any

import pytest
from support.rule_package import RulePackage, build_rule_package, outcome, same
from support.runtime_models import float_order_key, float_text

pytestmark = [pytest.mark.rustc, pytest.mark.wasm]

I64_MAX = 2**63 - 1
NAN = float("nan")
BACKENDS = ["native", "wasm"]


def ascii_upper(s: str) -> str:
    return "".join(c.upper() if "a" <= c <= "z" else c for c in s)


RULES = {
    "concat": "#main(String a, String b) -> String\na + b",
    "render": '#main(String s, Int n, Float x, Bool b) -> String\ns + n + " " + x + " " + b',
    "ftext": '#main(Float x) -> String\n"" + x',
    "fstring": ('#main(String name, Int n) -> String\nf"Hello ${name}, you have ${n * 2} items"'),
    "streq": "#main(String a, String b) -> Bool\na == b && !(a != b)",
    "slen": "#main(String s) -> Int\nlen(s) * 100 + s.len()",
    "contains": "#main(String s, String t) -> Int\n"
    "(s.contains(t) ? 1 : 0) + (s.starts_with(t) ? 10 : 0) + (s.ends_with(t) ? 100 : 0)",
    "upper": '#main(String s) -> String\ns.upper() + "|" + s.lower()',
    "trim": "#main(String s) -> String\ns.trim()",
    "substring": "#main(String s, Int a, Int b) -> String\ns.substring(a, b)",
    "split": "#main(String s, String sep) -> List<String>\ns.split(sep)",
    "replace": "#main(String s, String a, String b) -> String\ns.replace(a, b)",
    "join": "#main(List<String> xs, String sep) -> String\nxs.join(sep)",
    "sum": "#main(List<Int> xs) -> Int\nxs.sum()",
    "fsum": "#main(List<Float> xs) -> Float\nxs.sum()",
    "index": "#main(List<Int> xs, Int i) -> Int\nxs[i]",
    "first_last": "#main(List<Int> xs) -> Int\nxs.first() * 1000 + xs.last()",
    "minmax": "#main(List<Int> xs) -> Int\nxs.min() * 1000 + xs.max()",
    "fminmax": "#main(List<Float> xs) -> Float\nxs.min() + xs.max()",
    "chain": (
        "#main(List<Int> xs) -> Int\n"
        "xs.map((x) => x * 2).filter((x) => x > 2).reduce(0, (a, x) => a + x)"
    ),
    "squares": "#main(List<Int> xs) -> List<Int>\nxs.map((x) => x * x)",
    "compr": "#main(List<Int> xs) -> List<Int>\n[x * 2 for x in xs if x > 0]",
    "lconcat": "#main(List<Int> xs, List<Int> ys) -> List<Int>\nxs + ys",
    "literal": "#main(Int n) -> List<Int>\n[1, 2, n]",
    "sort": "#main(List<Int> xs) -> List<Int>\nxs.sort()",
    "fsort": "#main(List<Float> xs) -> List<Float>\nxs.sort()",
    "ssort": "#main(List<String> xs) -> List<String>\nxs.sort()",
    "unique": "#main(List<Int> xs) -> List<Int>\nxs.unique()",
    "funique": "#main(List<Float> xs) -> List<Float>\nxs.unique()",
    "reverse": "#main(List<String> xs) -> List<String>\nxs.reverse()",
    "lcontains": "#main(List<Float> xs, Float x) -> Bool\nxs.contains(x)",
    "supper": "#main(List<String> xs) -> List<String>\nxs.map((s) => s.upper())",
    "bools": "#main(List<Bool> xs) -> Int\nxs.filter((b) => b).len() * 10 + len(xs)",
    "rangelist": "#main(Int n) -> List<Int>\nrange(n).map((i) => i * i)",
    "words": ('#main(String s) -> String\ns.split(" ").map((w) => w.upper()).join("_") + "!"'),
    "divmod": "#main(Int a, Int b) -> (Int, Int)\n(a / b, a % b)",
    "labelled": '#main(String s) -> (String, Int, Bool)\n(s + "!", len(s), s == "")',
    "tuplevar": "#main(Int a) -> Int\nt.0 + t.1 where { t: (a, a * 2) }",
}

Expected = Any

CASES: list[tuple[str, tuple[Any, ...], Expected]] = [
    ("concat", ("ab", "cd"), "abcd"),
    ("concat", ("é", "ü✓"), "éü✓"),
    ("concat", ("", ""), ""),
    ("render", ("n=", 42, 1.5, True), "n=42 1.5 true"),
    ("render", ("", -7, 1.0, False), "-7 1 false"),
    ("fstring", ("Ann", 3), "Hello Ann, you have 6 items"),
    ("streq", ("abc", "abc"), True),
    ("streq", ("abc", "abd"), False),
    ("streq", ("", ""), True),
    ("slen", ("café",), 505),
    ("contains", ("hello", "he"), 11),
    ("contains", ("hello", "lo"), 101),
    ("contains", ("hello", ""), 111),
    ("contains", ("hello", "x"), 0),
    ("upper", ("Straße é",), ascii_upper("Straße é") + "|straße é"),
    ("trim", ("  \t hi there \n",), "hi there"),
    ("trim", ("\u3000 x \u00a0",), "x"),
    ("substring", ("héllo", 0, 1), "h"),
    ("substring", ("héllo", 1, 3), "é"),
    ("substring", ("héllo", 1, 2), "IndexOutOfBounds"),
    ("substring", ("héllo", 2, 1), "IndexOutOfBounds"),
    ("substring", ("héllo", 0, 99), "IndexOutOfBounds"),
    ("substring", ("héllo", -1, 2), "IndexOutOfBounds"),
    ("substring", ("héllo", 6, 6), ""),
    ("split", ("a,b,,c", ","), ["a", "b", "", "c"]),
    ("split", ("", ","), [""]),
    ("split", ("a::b", "::"), ["a", "b"]),
    ("split", ("abc", ""), "EmptyList"),
    ("replace", ("aaa", "a", "bb"), "bbbbbb"),
    ("replace", ("ab", "", "-"), "-a-b-"),
    ("replace", ("héllo", "é", "e"), "hello"),
    ("join", (["a", "b", "c"], "-"), "a-b-c"),
    ("join", ([], "-"), ""),
    ("sum", ([1, 2, 3],), 6),
    ("sum", ([],), 0),
    ("sum", ([I64_MAX, 1],), "NumericOverflow"),
    ("fsum", ([0.5, 0.25, 1e16, 1.0],), ((0.5 + 0.25) + 1e16) + 1.0),
    ("index", ([10, 20, 30], 1), 20),
    ("index", ([10, 20, 30], 3), "IndexOutOfBounds"),
    ("index", ([10, 20, 30], -1), "IndexOutOfBounds"),
    ("index", ([], 0), "IndexOutOfBounds"),
    ("first_last", ([4, 5, 6],), 4006),
    ("first_last", ([],), "EmptyList"),
    ("minmax", ([3, -1, 7],), -1000 + 7),
    ("minmax", ([],), "EmptyList"),
    ("fminmax", ([1.5, -2.0, 0.5],), -0.5),
    ("fminmax", ([1.0, NAN],), NAN),
    ("chain", ([1, 2, 3],), 4 + 6),
    ("chain", ([I64_MAX],), "NumericOverflow"),
    ("squares", ([1, -2, 3],), [1, 4, 9]),
    ("squares", ([],), []),
    ("compr", ([1, -2, 3, 0],), [2, 6]),
    ("lconcat", ([1, 2], [3]), [1, 2, 3]),
    ("literal", (9,), [1, 2, 9]),
    ("sort", ([3, 1, 2, 1],), [1, 1, 2, 3]),
    ("fsort", ([2.0, -0.0, 0.0, -1.5, math.inf],), [-1.5, -0.0, 0.0, 2.0, math.inf]),
    ("ssort", (["b", "a", "é", "B", ""],), sorted(["b", "a", "é", "B", ""], key=str.encode)),
    ("unique", ([1, 2, 1, 3, 2],), [1, 2, 3]),
    ("funique", ([0.0, -0.0, NAN, 1.0, NAN],), [0.0, NAN, 1.0]),
    ("reverse", (["x", "y", "z"],), ["z", "y", "x"]),
    ("lcontains", ([1.0, NAN], NAN), True),
    ("lcontains", ([1.0, -0.0], 0.0), True),
    ("lcontains", ([1.0], 2.0), False),
    ("supper", (["ab", "Cd"],), ["AB", "CD"]),
    ("bools", ([True, False, True],), 23),
    ("rangelist", (4,), [0, 1, 4, 9]),
    ("rangelist", (0,), []),
    ("words", ("fast cheap good",), "FAST_CHEAP_GOOD!"),
    ("divmod", (7, 2), (3, 1)),
    ("divmod", (7, 0), "DivisionByZero"),
    ("labelled", ("hey",), ("hey!", 3, False)),
    ("labelled", ("",), ("!", 0, True)),
    ("tuplevar", (5,), 15),
]

FLOAT_TEXTS = [1.0, -0.0, 0.0, 0.1, 1.5, 1e-7, 1e21, 123456789.125, math.inf, -math.inf, NAN,
               5e-324, 1.7976931348623157e308, 2.0**-30, 1 / 3, -2.5e-10]  # fmt: skip


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory) -> RulePackage:
    return build_rule_package(tmp_path_factory.mktemp("strings_lists"), RULES)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("rule", "args", "expected"), CASES, ids=lambda v: repr(v)[:40])
def test_case(
    rules: RulePackage, rule: str, args: tuple[Any, ...], expected: Any, backend: str
) -> None:
    actual = outcome(rules, rule, args, backend)
    assert same(actual, expected), f"{rule}{args} on {backend}: got {actual!r}, want {expected!r}"


@pytest.mark.parametrize("backend", BACKENDS)
def test_float_to_text_is_rust_display(rules: RulePackage, backend: str) -> None:
    box = rules["ftext"].Sandbox(backend=backend)
    for x in FLOAT_TEXTS:
        assert box.main(x) == float_text(x), x


@pytest.mark.parametrize("backend", BACKENDS)
def test_float_sort_is_total_order_and_stable(rules: RulePackage, backend: str) -> None:
    values = [3.0, -0.0, NAN, 0.0, -math.inf, -0.0, 1e-300, -NAN]
    result = rules["fsort"].Sandbox(backend=backend).main(values)
    expected = sorted(values, key=float_order_key)
    assert [float_order_key(v) for v in result] == [float_order_key(v) for v in expected]


@pytest.mark.parametrize("backend", BACKENDS)
def test_buffers_and_sequences_are_accepted(rules: RulePackage, backend: str) -> None:
    box = rules["sum"].Sandbox(backend=backend)
    assert box.main(array.array("q", range(100))) == sum(range(100))
    assert box.main((1, 2, 3)) == 6
    assert box.main(range(10)) == 45
    assert rules["fsum"].Sandbox(backend=backend).main(array.array("d", [0.5, 1.5])) == 2.0
    assert rules["fsum"].Sandbox(backend=backend).main([1, 2]) == 3.0  # ints widen


@pytest.mark.parametrize("backend", BACKENDS)
def test_bad_list_arguments(rules: RulePackage, backend: str) -> None:
    module = rules["sum"]
    box = module.Sandbox(backend=backend)
    for bad in (["1"], [1.5], [True], 5, None, "123"):
        with pytest.raises(module.MainArgTypeMismatch):
            box.main(bad)
    with pytest.raises(module.NumericOverflow):
        box.main([2**63])
    with pytest.raises(rules["join"].MainArgTypeMismatch):
        rules["join"].Sandbox(backend=backend).main("abc", "-")  # a str is not a List<String>
    with pytest.raises(rules["concat"].MainArgTypeMismatch):
        rules["concat"].Sandbox(backend=backend).main("\ud800", "x")  # not encodable as UTF-8


@pytest.mark.parametrize("backend", BACKENDS)
def test_numpy_arrays_are_accepted(rules: RulePackage, backend: str) -> None:
    np = pytest.importorskip("numpy")
    ints = np.arange(1000, dtype=np.int64)
    assert rules["sum"].Sandbox(backend=backend).main(ints) == int(ints.sum())
    assert rules["sum"].Sandbox(backend=backend).main(ints[::2]) == int(ints[::2].sum())
    floats = np.linspace(0.0, 1.0, 11)
    assert rules["fsum"].Sandbox(backend=backend).main(floats) == sum(floats.tolist())
    assert rules["bools"].Sandbox(backend=backend).main(np.array([True, False, True])) == 23
    assert rules["squares"].Sandbox(backend=backend).main(np.array([3, 4], dtype=np.int32)) == [
        9,
        16,
    ]
