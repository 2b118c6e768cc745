"""Hand-written String, List and tuple programs with edge inputs, for the differential
test (beside the generated ones of ``value_gen.py``).

Each entry is ``(source, [argument tuples])``; the inputs aim at the edges of the
semantics in ir/nodes.py (StringOp, ListOp, ToText): byte offsets off char boundaries,
Unicode white space, empty separators, NaN and signed zeros in lists, overflowing sums.
"""

from __future__ import annotations

__all__ = ["VALUE_PROGRAMS"]

NAN = float("nan")
INF = float("inf")
MAX = 2**63 - 1

_FLOAT_LISTS: list[tuple[object, ...]] = [
    ([],),
    ([NAN, -0.0, 0.0, -NAN, 1.5, -INF],),
    ([0.0, -0.0],),
    ([-0.0, 0.0],),
    ([1e308, 1e308, -1.0],),
    ([2.5, NAN, 2.5, -2.5],),
]
_STRINGS: list[tuple[object, ...]] = [
    ("",),
    ("héllo wörld",),
    ("\u3000 a,b,,c \x1f\u2028",),
    ("A,b;C",),
    ("日本語,テキスト",),
    (",",),
]

VALUE_PROGRAMS: list[tuple[str, list[tuple[object, ...]]]] = [
    ("#main(Float x) -> String\n\"\" + x + \"|\" + (x * 3.0)",
     [(x,) for x in (1.0, -0.0, 1e21, 1e-7, 0.1, NAN, -INF, 5e-324, 123456.789, 1e16)]),
    ('#main(Int n, Bool b) -> String\nf"n=${n} b=${b} h=${n / 2}"',
     [(0, True), (-7, False), (MAX, True), (-MAX - 1, False)]),
    ("#main(String s) -> (Int, String, String, String)\n(s.len(), s.upper(), s.lower(), s.trim())",
     _STRINGS),
    ("#main(String s, Int a, Int b) -> String\ns.substring(a, b)",
     [("héllo", 0, 1), ("héllo", 1, 2), ("héllo", 1, 3), ("héllo", 3, 2), ("héllo", 0, 6),
      ("héllo", 0, 7), ("", 0, 0), ("héllo", -1, 2)]),
    ('#main(String s) -> (List<String>, Int)\n(s.split(","), s.split(",").len())', _STRINGS),
    ('#main(String s, String sep) -> List<String>\ns.split(sep)',
     [("a,b", ""), ("a--b----c", "--"), ("abc", "abc"), ("", "x")]),
    ('#main(String s) -> (String, String, Bool, Bool)\n'
     '(s.replace("", "-"), s.replace(",", ""), s.contains(""), s.starts_with("\u3000"))',
     _STRINGS),
    ('#main(String s) -> String\ns.split(",").join("+")', _STRINGS),
    ("#main(List<Float> xs) -> (List<Float>, List<Float>, List<Float>)\n"
     "(xs.sort(), xs.unique(), xs.reverse())", _FLOAT_LISTS),
    ("#main(List<Float> xs) -> (Float, Float)\n(xs.min(), xs.max())", _FLOAT_LISTS),
    ("#main(List<Float> xs) -> (Float, Int, Bool, Bool)\n"
     "(xs.sum(), xs.len(), xs.contains(NaN), xs.contains(0.0))", _FLOAT_LISTS),
    ("#main(List<Int> xs, Int i) -> (Int, Int, Int)\n(xs[i], xs.first(), xs.last())",
     [([], 0), ([5], 0), ([5, 6], 1), ([5, 6], 2), ([5, 6], -1)]),
    ("#main(List<Int> xs) -> (Int, List<Int>, List<Int>)\n"
     "(xs.sum(), [x * 2 for x in xs if x % 2 == 0], xs.sort() + xs.unique())",
     [([],), ([3, 1, 2, 1],), ([MAX, 1, -1],), ([MAX, -1, 1],), ([-MAX - 1, 2, 4],)]),
    ("#main(List<Int> xs) -> Int\n"
     "xs.map((x) => 100 / x).filter((y) => y > 10).reduce(0, (a, y) => a * 1000000007 + y)",
     [([1, 2, 3],), ([5, 0, 3],), ([1, 1, 1, 1, 0],), ([2, 1],)]),
    ("#main(List<String> xs) -> (String, String, Bool, List<String>)\n"
     '(xs.min(), xs.max(), xs.contains("b"), xs.sort())',
     [([],), (["b", "ab", "é", "e"],), (["", "\u3000"],)]),
    ("#main(List<Bool> xs) -> (Bool, Bool, List<Bool>, List<Bool>)\n"
     "(xs.min(), xs.max(), xs.sort(), xs.unique())",
     [([],), ([True, False, True],), ([True],)]),
]  # fmt: skip
