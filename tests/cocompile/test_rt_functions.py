"""Every relon_rt_* function, natively (ctypes) and on wasm32 (wasmtime), against
the Python models: the same expectations on both targets, so their results agree."""

from __future__ import annotations

import math
import random
import struct

import pytest
import support.runtime_models as model
import wasmtime
from support.rt_harness import Item, Rt, RtStatus, WasmMachine

pytestmark = [pytest.mark.rustc, pytest.mark.wasm]

NAN = float("nan")
NEG_NAN = -float("nan")
INF = float("inf")

FLOAT_TEXT = [
    (1.0, "1"),
    (-0.0, "-0"),
    (0.0, "0"),
    (0.1, "0.1"),
    (1e-7, "0.0000001"),
    (1e21, "1000000000000000000000"),
    (1.5e300, "15" + "0" * 299),
    (INF, "inf"),
    (-INF, "-inf"),
    (NAN, "NaN"),
    (NEG_NAN, "NaN"),
    (5e-324, "0." + "0" * 323 + "5"),
    (-5e-324, "-0." + "0" * 323 + "5"),
    (1.7976931348623157e308, "17976931348623157" + "0" * 292),
    (2.5, "2.5"),
    (-123.456, "-123.456"),
    (1 / 3, "0.3333333333333333"),
    (9007199254740993.0, "9007199254740992"),
]


@pytest.mark.parametrize(("x", "text"), FLOAT_TEXT)
def test_float_text_table(rt: Rt, x: float, text: str) -> None:
    assert rt.f64_to_text(x) == text
    assert model.float_text(x) == text


def test_float_text_random_bits(rt: Rt) -> None:
    rng = random.Random(4)
    values = [struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0] for _ in range(300)]
    values += [rng.uniform(-1e6, 1e6) for _ in range(100)] + [float(i) / 8 for i in range(-50, 50)]
    for x in values:
        assert rt.f64_to_text(x) == model.float_text(x), x


@pytest.mark.parametrize("x", [0, 1, -1, 42, 2**63 - 1, -(2**63), -(10**18)])
def test_int_text(rt: Rt, x: int) -> None:
    assert rt.i64_to_text(x) == str(x)


PAIRS = [
    ("", ""),
    ("", "a"),
    ("a", ""),
    ("abc", "abd"),
    ("abc", "ab"),
    ("ab", "abc"),
    ("é", "e"),
    ("\xff", "\u0100"),
    ("hello world", "o w"),
    ("hello", "hello"),
    ("aaa", "aa"),
    ("日本語", "本"),
    ("日本語", "語"),
]


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_comparisons_and_searches(rt: Rt, a: str, b: str) -> None:
    x, y = a.encode(), b.encode()
    assert rt.binary("bytes_cmp", x, y) == model.compare(x, y)
    assert rt.binary("str_contains", x, y) == int(y in x)
    assert rt.binary("str_starts_with", x, y) == int(x.startswith(y))
    assert rt.binary("str_ends_with", x, y) == int(x.endswith(y))


@pytest.mark.parametrize("s", ["", "Hello, World!", "ÄÖü straße", "日本 abc ǅ", "MiXeD 123_z"])
def test_ascii_case_changes_only_ascii_letters(rt: Rt, s: str) -> None:
    assert rt.case("ascii_upper", s) == s.encode().upper().decode()
    assert rt.case("ascii_lower", s) == s.encode().lower().decode()


TRIMS = [
    "",
    "x",
    "  x  ",
    "\t\n x y \r\n",
    "   ",
    "\u3000\u2003全角\u00a0",
    "\x85a\u2028",
    "\x1cx\x1f",  # not White_Space: Rust keeps them (Python's strip would not)
    "\u200bzero width\u200b",  # not White_Space either
    "\u202fa b\u205f",
]


@pytest.mark.parametrize("s", TRIMS)
def test_trim_is_unicode_white_space(rt: Rt, s: str) -> None:
    assert rt.trim(s) == model.trim(s)


def test_trim_keeps_separator_controls() -> None:
    assert model.trim("\x1cx\x1f") == (0, 3)


@pytest.mark.parametrize("s", ["", "abc", "aé日😀z"])
def test_char_boundaries(rt: Rt, s: str) -> None:
    size = len(s.encode())
    for index in range(-2, size + 3):
        assert rt.is_char_boundary(s, index) == model.is_char_boundary(s, index), index


REPLACES = [
    ("hello world", "o", "0"),
    ("aaaa", "aa", "b"),
    ("abc", "", "-"),
    ("", "", "x"),
    ("", "a", "b"),
    ("日本語", "", "|"),
    ("abcabc", "abc", ""),
    ("abc", "abcd", "x"),
    ("a.b.c", ".", "日本"),
    ("no match", "zz", "yy"),
]


@pytest.mark.parametrize(("s", "old", "new"), REPLACES)
def test_replace_is_rust_replace(rt: Rt, s: str, old: str, new: str) -> None:
    assert rt.replace(s, old, new) == s.replace(old, new)


SPLITS = [
    ("a,b,,c", ","),
    ("", ","),
    (",", ","),
    ("abc", "abc"),
    ("aaa", "aa"),
    ("a--b---c", "--"),
    ("日本語日本", "本"),
    ("no separator", "|"),
    (" a  b ", " "),
]


@pytest.mark.parametrize(("s", "sep"), SPLITS)
def test_split_is_rust_split(rt: Rt, s: str, sep: str) -> None:
    assert rt.split(s, sep) == s.split(sep)


def test_split_with_empty_separator_is_empty_list(rt: Rt) -> None:
    with pytest.raises(RtStatus) as caught:
        rt.split("abc", "")
    assert caught.value.status == 4


@pytest.mark.parametrize(
    ("items", "sep"),
    [
        ([], ","),
        (["a"], ","),
        (["a", "b", "c"], ", "),
        (["", ""], "x"),
        (["日", "本"], ""),
        (["a", ""], "-"),
    ],
)
def test_join(rt: Rt, items: list[str], sep: str) -> None:
    assert rt.join(items, sep) == sep.join(items)


def test_split_join_round_trip_random(rt: Rt) -> None:
    rng = random.Random(7)
    for _ in range(40):
        s = "".join(rng.choice("ab,é ") for _ in range(rng.randrange(0, 20)))
        sep = rng.choice([",", "a", "ab", "é", " ,"])
        assert rt.split(s, sep) == s.split(sep)
        assert rt.join(s.split(sep), sep) == s
        assert rt.replace(s, sep, "<>") == s.replace(sep, "<>")


SORT_CASES: list[tuple[str, list[Item]]] = [
    ("int", []),
    ("int", [5]),
    ("int", [3, -1, 2**63 - 1, -(2**63), 0, 3, 2]),
    ("float", [0.0, -0.0, NAN, NEG_NAN, INF, -INF, 1.5, -0.0, 0.0, 1e-300]),
    ("float", [2.0, 1.0, NAN, 1.0, -0.0]),
    ("bool", [True, False, True, False, False]),
    ("string", ["b", "a", "", "ab", "a", "é", "e", "b", "日"]),
]


def _exact(pairs: list[tuple[Item, int]]) -> list[tuple[object, int]]:
    return [(model.bits(item), origin) for item, origin in pairs]


@pytest.mark.parametrize(("kind", "items"), SORT_CASES)
def test_sort_is_stable_total_order(rt: Rt, kind: str, items: list[Item]) -> None:
    expected = model.sort(kind, items)
    got = rt.sort(kind, items)
    if kind != "string":  # only strings carry their origin through the runtime
        expected = [(item, -1) for item, _ in expected]
    assert _exact(got) == _exact(expected)


def test_sort_float_order_is_total_order(rt: Rt) -> None:
    got = [model.bits(x) for x, _ in rt.sort("float", [NAN, 0.0, -INF, -0.0, NEG_NAN])]
    assert got == [model.bits(x) for x in [NEG_NAN, -INF, -0.0, 0.0, NAN]]


def test_sort_strings_keeps_equal_strings_in_input_order(rt: Rt) -> None:
    items: list[Item] = ["x", "a", "x", "a", "a", "x"]
    assert [origin for _, origin in rt.sort("string", items)] == [1, 3, 4, 0, 2, 5]


@pytest.mark.parametrize("kind", ["int", "float", "bool", "string"])
def test_sort_random_lists(rt: Rt, kind: str) -> None:
    rng = random.Random(kind)
    for n in [2, 3, 17, 64, 257]:
        items = [_random_item(rng, kind) for _ in range(n)]
        expected = model.sort(kind, items)
        if kind != "string":
            expected = [(item, -1) for item, _ in expected]
        assert _exact(rt.sort(kind, items)) == _exact(expected)


def _random_item(rng: random.Random, kind: str) -> Item:
    if kind == "int":
        return rng.choice([rng.randrange(-5, 5), rng.getrandbits(64) - 2**63])
    if kind == "float":
        return rng.choice([0.0, -0.0, NAN, NEG_NAN, INF, float(rng.randrange(-3, 3)), rng.random()])
    if kind == "bool":
        return rng.random() < 0.5
    return "".join(rng.choice("aéb") for _ in range(rng.randrange(0, 3)))


UNIQUE_CASES: list[tuple[str, list[Item]]] = [
    ("int", []),
    ("int", [1, 2, 1, 3, 2, 2, 1]),
    ("float", [0.0, -0.0, NAN, NEG_NAN, 1.0, 1.0, -0.0]),
    ("float", [-0.0, 0.0, NEG_NAN, NAN]),
    ("bool", [False, False, True, False]),
    ("string", ["b", "a", "b", "", "a", "", "é"]),
]


@pytest.mark.parametrize(("kind", "items"), UNIQUE_CASES)
def test_unique_keeps_first_occurrences(rt: Rt, kind: str, items: list[Item]) -> None:
    expected = model.unique(kind, items)
    if kind != "string":
        expected = [(item, -1) for item, _ in expected]
    assert _exact(rt.unique(kind, items)) == _exact(expected)


def test_unique_language_equality_for_floats(rt: Rt) -> None:
    got = rt.unique("float", [-0.0, 0.0, NEG_NAN, NAN, 2.0])
    assert [model.bits(x) for x, _ in got] == [model.bits(x) for x in [-0.0, NEG_NAN, 2.0]]
    assert math.copysign(1.0, float(got[0][0])) == -1.0


@pytest.mark.parametrize("kind", ["int", "float", "bool", "string"])
def test_unique_random_lists(rt: Rt, kind: str) -> None:
    rng = random.Random(f"u{kind}")
    for n in [2, 5, 40, 200]:
        items = [_random_item(rng, kind) for _ in range(n)]
        expected = model.unique(kind, items)
        if kind != "string":
            expected = [(item, -1) for item, _ in expected]
        assert _exact(rt.unique(kind, items)) == _exact(expected)


def test_unknown_kind_is_a_trap_not_a_status(wasm_machine: WasmMachine) -> None:
    # A codegen bug, routed through the panic handler to relon_trap (a wasm trap;
    # natively it would abort, so only wasm32 runs this).
    with pytest.raises(wasmtime.Trap):
        wasm_machine.call("relon_rt_sort", 0, 9, 0, 2)
