"""Every String/List/tuple rule of ``heap_rules.py`` runs natively (ctypes) and on wasm32
(wasmtime) against the real runtime; both must give the expected status and value."""

from __future__ import annotations

from pathlib import Path

import llvmlite.binding as llvm
import pytest
from support.ir_rules import (
    FLOAT,
    HeapTargets,
    HeapValue,
    Result,
    heap_targets,
    normalize,
    prefix,
    rule_ir,
)

from relon_build_backend.ir import nodes as n
from relon_build_backend.targets import TargetName

from .heap_rules import HEAP_HOST_LL, HEAP_RULES, LIST
from .rules import RULES
from .test_module_shape import FAST_MATH

pytestmark = [pytest.mark.rustc, pytest.mark.wasm]

NAN, INF = float("nan"), float("inf")
IOOB, EMPTY, DIV0, STEPS, PANIC, DEPTH, TOO_LARGE = 3, 4, 2, 6, 7, 8, 9


@pytest.fixture(scope="module")
def targets(tmp_path_factory: pytest.TempPathFactory) -> HeapTargets:
    tmp: Path = tmp_path_factory.mktemp("heap")
    return heap_targets(list(HEAP_RULES.values()), HEAP_HOST_LL, tmp)


def run(targets: HeapTargets, name: str, *args: HeapValue, steps: int = -1) -> Result:
    mark = targets.wasm.heap_mark()
    result = targets.call(HEAP_RULES[name], args, steps=steps)
    assert targets.wasm.heap_mark() == mark  # the heap is flat over calls
    return result


def ok(value: HeapValue) -> Result:
    return 0, value


def floats(*values: float) -> list[str]:
    return [normalize(FLOAT, v) for v in values]


def err(status: int) -> Result:
    return status, None


@pytest.mark.parametrize(
    ("name", "args", "expected"),
    [
        ("s_len", ("h\u00e9llo",), ok(6)),
        ("s_len", ("",), ok(0)),
        ("s_eq", ("ab", "ab"), ok(True)),
        ("s_eq", ("ab", "abc"), ok(False)),
        ("s_ne", ("ab", "aB"), ok(True)),
        ("s_concat", ("ab", "\u2603"), ok("ab-\u2603")),
        ("s_concat_empty", (), ok("")),
        ("s_const", (), ok("h\u00e9llo \u2603")),
        ("s_ident", ("input",), ok("input")),
        ("s_pick", (True, "yes"), ok("yes")),
        ("s_pick", (False, "yes"), ok("no")),
        ("s_upper", ("a\u00e9Z1",), ok("A\u00e9Z1")),
        ("s_lower", ("A\u00c9z!",), ok("a\u00c9z!")),
        ("s_trim", (" \t\u3000 x y\n\u2029",), ok("x y")),
        ("s_trim", ("\x1fx",), ok("\x1fx")),  # not Unicode White_Space
        ("s_contains", ("hello", "ll"), ok(True)),
        ("s_contains", ("hello", ""), ok(True)),
        ("s_contains", ("hello", "lo!"), ok(False)),
        ("s_starts", ("hello", "he"), ok(True)),
        ("s_starts", ("hello", "lo"), ok(False)),
        ("s_ends", ("hello", "lo"), ok(True)),
        ("s_split", ("a,b,,c", ","), ok(["a", "b", "", "c"])),
        ("s_split", ("", ","), ok([""])),
        ("s_split", ("a::b", "::"), ok(["a", "b"])),
        ("s_split", ("abc", ""), err(EMPTY)),
        ("s_replace", ("aaa", "aa", "b"), ok("ba")),
        ("s_replace", ("h\u00e9", "", "-"), ok("-h-\u00e9-")),
        ("s_replace", ("abc", "x", "y"), ok("abc")),
        ("s_join", (["a", "b", "c"], ", "), ok("a, b, c")),
        ("s_join", ([], ", "), ok("")),
        ("s_sub", ("h\u00e9llo", 1, 3), ok("\u00e9")),
        ("s_sub", ("h\u00e9llo", 0, 0), ok("")),
        ("s_sub", ("h\u00e9llo", 6, 6), ok("")),
        ("s_sub", ("h\u00e9llo", 0, 2), err(IOOB)),
        ("s_sub", ("h\u00e9llo", 2, 3), err(IOOB)),
        ("s_sub", ("abc", 2, 1), err(IOOB)),
        ("s_sub", ("abc", -1, 1), err(IOOB)),
        ("s_sub", ("abc", 0, 4), err(IOOB)),
        ("s_text_int", (-(2**63),), ok("-9223372036854775808")),
        ("s_text_int", (0,), ok("0")),
        ("s_text_float", (1.0,), ok("1")),
        ("s_text_float", (0.1,), ok("0.1")),
        ("s_text_float", (-0.0,), ok("-0")),
        ("s_text_float", (INF,), ok("inf")),
        ("s_text_float", (-INF,), ok("-inf")),
        ("s_text_float", (NAN,), ok("NaN")),
        ("s_text_float", (1e21,), ok("1" + "0" * 21)),
        ("s_text_float", (1.5e-7,), ok("0.00000015")),
        ("s_text_float", (-5e-324,), ok("-0." + "0" * 323 + "5")),
        ("s_text_bool", (True,), ok("true")),
        ("s_text_bool", (False,), ok("false")),
        ("s_text_str", ("same",), ok("same")),
        ("s_fstring", (-3, 2.5), ok("x=-3, y=2.5")),
    ],
)
def test_strings(
    targets: HeapTargets, name: str, args: tuple[HeapValue, ...], expected: Result
) -> None:
    assert run(targets, name, *args) == expected


SAMPLES: dict[str, list[HeapValue]] = {
    "int": [3, -1, 7, 3, -(2**63)],
    "float": [2.5, -0.0, 0.0, -1.0, 2.5],
    "bool": [True, False, True],
    "str": ["pear", "apple", "", "pear", "\u00e9"],
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_list_basics(targets: HeapTargets, name: str) -> None:
    xs = SAMPLES[name]
    element = {"int": n.IrType.INT, "float": FLOAT, "bool": n.IrType.BOOL, "str": n.IrType.STRING}[
        name
    ]
    norm = normalize(LIST[element], xs)
    assert run(targets, f"l_len_{name}", xs) == ok(len(xs))
    assert run(targets, f"l_len_{name}", []) == ok(0)
    assert run(targets, f"l_ident_{name}", xs) == ok(norm)
    for i in range(len(xs)):
        assert run(targets, f"l_index_{name}", xs, i) == ok(norm[i])
    for i in (-1, len(xs), -(2**63), 2**63 - 1):
        assert run(targets, f"l_index_{name}", xs, i) == err(IOOB)
    assert run(targets, f"l_first_{name}", xs) == ok(norm[0])
    assert run(targets, f"l_last_{name}", xs) == ok(norm[-1])
    for op in ("first", "last", "min", "max"):
        assert run(targets, f"l_{op}_{name}", []) == err(EMPTY)
    assert run(targets, f"l_reverse_{name}", xs) == ok(norm[::-1])
    assert run(targets, f"l_reverse_{name}", []) == ok([])
    assert run(targets, f"l_concat_{name}", xs, xs[:2]) == ok(norm + norm[:2])
    assert run(targets, f"l_concat_{name}", [], []) == ok([])
    assert run(targets, f"l_literal_{name}", xs[0]) == ok([norm[0], norm[0]])
    assert run(targets, f"l_contains_{name}", xs, xs[1]) == ok(True)
    assert run(targets, f"l_contains_{name}", [], xs[1]) == ok(False)


def test_int_and_string_orderings(targets: HeapTargets) -> None:
    ints = SAMPLES["int"]
    assert run(targets, "l_min_int", ints) == ok(-(2**63))
    assert run(targets, "l_max_int", ints) == ok(7)
    assert run(targets, "l_sort_int", ints) == ok(sorted(ints))
    assert run(targets, "l_unique_int", ints) == ok([3, -1, 7, -(2**63)])
    assert run(targets, "l_contains_int", ints, 8) == ok(False)
    strs = SAMPLES["str"]
    assert run(targets, "l_min_str", strs) == ok("")
    assert run(targets, "l_max_str", strs) == ok("\u00e9")
    assert run(targets, "l_sort_str", ["b", "ab", "a", "", "\u00e9", "z"]) == ok(
        ["", "a", "ab", "b", "z", "\u00e9"]
    )
    assert run(targets, "l_unique_str", strs) == ok(["pear", "apple", "", "\u00e9"])
    assert run(targets, "l_contains_str", strs, "pea") == ok(False)
    bools = SAMPLES["bool"]
    assert run(targets, "l_min_bool", bools) == ok(False)
    assert run(targets, "l_max_bool", [False, False]) == ok(False)
    assert run(targets, "l_sort_bool", bools) == ok([False, True, True])
    assert run(targets, "l_unique_bool", bools) == ok([True, False])
    assert run(targets, "l_contains_bool", [True], False) == ok(False)


def test_float_orderings_and_equality(targets: HeapTargets) -> None:
    assert run(targets, "l_min_float", [0.0, -0.0, 1.0]) == ok(floats(-0.0)[0])
    assert run(targets, "l_max_float", [-0.0, 0.0, -1.0]) == ok(floats(0.0)[0])
    assert run(targets, "l_max_float", [1.0, NAN, 2.0]) == ok("nan")
    assert run(targets, "l_min_float", [1.0, 2.0, NAN]) == ok("nan")
    assert run(targets, "l_sort_float", [NAN, 1.0, 0.0, -0.0, -INF, 1.0]) == ok(
        floats(-INF, -0.0, 0.0, 1.0, 1.0, NAN)
    )
    assert run(targets, "l_unique_float", [0.0, -0.0, NAN, NAN, 1.0]) == ok(floats(0.0, NAN, 1.0))
    assert run(targets, "l_contains_float", [1.0, NAN], NAN) == ok(True)
    assert run(targets, "l_contains_float", [1.0, -0.0], 0.0) == ok(True)
    assert run(targets, "l_contains_float", [1.0], 2.0) == ok(False)


def test_list_literals(targets: HeapTargets) -> None:
    assert run(targets, "l_literal_empty") == ok([])
    assert run(targets, "l_literal_mixed", "mid") == ok(["x", "mid", "42"])


def test_loops_over_lists(targets: HeapTargets) -> None:
    assert run(targets, "loop_sum", [1, 2, 3]) == ok(6)
    assert run(targets, "loop_sum", [2**62, 2**62]) == err(1)
    assert run(targets, "loop_sum", [1, 2, 3], steps=2) == err(STEPS)
    assert run(targets, "loop_sum", [1, 2, 3], steps=3) == ok(6)
    assert run(targets, "loop_collect", [1, -2, 3]) == ok([2, 6])
    assert run(targets, "loop_collect", []) == ok([])
    assert run(targets, "loop_drain", [1, 2, 5]) == ok([10, 5, 2])
    assert run(targets, "loop_drain", [1, 0, 5]) == err(DIV0)
    assert run(targets, "loop_strings", ["a", "bc", "", "def"]) == ok(["bc!", "def!"])
    assert run(targets, "loop_count_strs", ["a", "bc", "", "def"]) == ok(2)
    assert run(targets, "loop_reduce_strs", ["a", "", "\u00e9"]) == ok(">a\u00e9")
    assert run(targets, "loop_reduce_strs", []) == ok(">")
    assert run(targets, "loop_any_bools", [False, False, True]) == ok(True)
    assert run(targets, "loop_any_bools", [False, False]) == ok(False)
    assert run(targets, "loop_float_sum", [0.5, -0.0, 2.0]) == ok(normalize(FLOAT, 2.5))
    assert run(targets, "loop_float_sum", [-0.0]) == ok(normalize(FLOAT, -0.0 + 0.0))
    assert run(targets, "loop_range_text", 4) == ok(["0", "1", "2", "3"])
    assert run(targets, "loop_range_text", -4) == ok([])
    assert run(targets, "loop_range_text", 2**50) == err(TOO_LARGE)  # absurd capacity


def test_tuples_and_calls(targets: HeapTargets) -> None:
    assert run(targets, "t_mixed", "ab", 7) == ok(("abab", 7, True, normalize(FLOAT, 0.5)))
    assert run(targets, "t_scalars", -2) == ok((-2, normalize(FLOAT, 1.5)))
    assert run(targets, "t_let", "Ab") == ok(("AB", "Ab"))
    assert run(targets, "c_greet", "you") == ok("hi you")
    # 9,999 nested calls each trimming (the runtime's out values live in the context,
    # not in every frame on wasm32's small shadow stack), then the call-depth limit
    assert run(targets, "c_deep", "x", 9_999) == ok("x")
    assert run(targets, "c_deep", "x", 10_000) == err(DEPTH)
    assert run(targets, "h_boom", "ab", 5) == ok("abab5")
    assert run(targets, "h_boom", "ab", 7) == err(PANIC)


def test_many_calls_keep_the_native_heap_bounded(targets: HeapTargets) -> None:
    # arenas are freed on success (release) and on error (the drain fails after its
    # collect allocated; the host panics after a concat allocated, longjmp-ing past
    # the body): a leaked 4 KiB chunk per call would add 60 MB here
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    words, numbers = ["x" * 50] * 20, [*range(1, 200), 0]
    for _ in range(5_000):
        assert targets.native.call(HEAP_RULES["s_join"], (words, "-"))[0] == 0
        assert targets.native.call(HEAP_RULES["loop_drain"], (numbers,)) == err(DIV0)
        assert targets.native.call(HEAP_RULES["h_boom"], ("ab", 7)) == err(PANIC)
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 10_000, grown_kib


# --------------------------------------------------------------------------- shape


def test_scalar_rules_keep_their_entry_and_never_touch_the_arena() -> None:
    module = RULES["add"]
    text = rule_ir(module, "native", 0)
    assert "relon_arena" not in text
    assert "relon_rt_" not in text
    parsed = llvm.parse_assembly(text)
    call = parsed.get_function(f"{prefix(module)}_call")
    assert [str(a.type) for a in call.arguments] == ["i64", "i64", "i64", "i64", "ptr"]


def test_string_params_cross_as_pointer_length_pairs() -> None:
    module = HEAP_RULES["s_sub"]
    for kind in ("native", "wasm32"):
        text = rule_ir(module, kind, 0)
        call = llvm.parse_assembly(text).get_function(f"{prefix(module)}_call")
        types = [str(a.type) for a in call.arguments]
        assert types == ["i64", "i64", "ptr", "i64", "i64", "i64", "ptr"], kind


@pytest.mark.parametrize("kind", ["native", "wasm32"])
def test_every_heap_rule_verifies_without_traps_or_fast_math(kind: TargetName) -> None:
    for name, module in HEAP_RULES.items():
        text = rule_ir(module, kind, 0)
        llvm.parse_assembly(text).verify()
        assert "llvm.trap" not in text, name
        assert not FAST_MATH.findall(text), name
        # strings are constants or arena memory: no mutable global state
        assert " global " not in text, name
