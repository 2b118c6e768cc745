"""``batch``: a scalar rule over whole columns in one call, on both backends.

The reference is ``main`` called once per row: ``batch`` must give its results, or raise
the error of its first failing row (same class, message ``row N: <main's message>``,
``.row == N``), natively and on wasm alike.
"""

from __future__ import annotations

import array
import math
import re
from collections.abc import Sequence
from typing import Any

import pytest
from support.rule_package import RulePackage, build_rule_package, same
from support.threads import on_threads

pytestmark = [pytest.mark.rustc, pytest.mark.wasm]

SHIM = """
#[no_mangle]
pub extern "C" fn add_tax(cents: i64) -> i64 {
    cents + cents / 5
}

#[no_mangle]
pub extern "C" fn rate(band: i64) -> i64 {
    if band < 0 {
        panic!("no rate for band {}", band);
    }
    band * 7
}

#[no_mangle]
pub extern "C" fn secret_offset(x: i64) -> i64 {
    x + 1_700_000_000
}
"""
GATES = {"secret_offset": frozenset({"reads_env"})}

RULES = {
    "inc": "#main(Int x) -> Int\nx + 1",
    "mixed": "#main(Int a, Float f, Bool b) -> Float\nb ? f * 2.0 + a : f - a",
    "positive": "#main(Float f) -> Bool\nf > 0.0",
    "both": "#main(Bool a, Bool b) -> Bool\na && !b",
    "div": "#main(Int a, Int b) -> Int\na / b + a % b",
    "fib": (
        "#main(Int n) -> Int\nf(n) where { f: (Int n) -> Int => n < 2 ? n : f(n - 1) + f(n - 2) }"
    ),
    "total": "#main(Int n) -> Int\nrange(n).map((i) => i * i).sum()",
    "grow": '#main(Int n) -> Int\nrange(n).reduce("", (acc, i) => acc + "0123456789").len()',
    "deep": "#main(Int n) -> Int\nd(n) where { d: (Int k) -> Int => k <= 0 ? 0 : 1 + d(k - 1) }",
    "taxed": "#main(Int c, Float x) -> Float\nx / 2.0 + add_tax(c)",
    "rate": "#main(Int band) -> Int\nrate(band) + 1",
    "gated": "#main(Int x) -> Int\nsecret_offset(x)",
    "text": "#main(String s) -> Int\ns.len()",
    "nothing": "#main() -> Int\n42",
}
BACKENDS = ["native", "wasm"]


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory) -> RulePackage:
    return build_rule_package(
        tmp_path_factory.mktemp("batch"),
        RULES,
        shim=SHIM,
        gates=GATES,  # type: ignore[arg-type]
    )


def per_row(box: Any, columns: Sequence[Sequence[object]]) -> tuple[list[object], Any]:
    """What ``box.main`` gives row by row, up to the first error: (results, (row, class,
    message) of the error or None)."""
    results: list[object] = []
    for row, values in enumerate(zip(*columns, strict=True)):
        try:
            results.append(box.main(*values))
        except Exception as error:  # the reference's error, whatever it is
            return results, (row, type(error), str(error))
    return results, None


def check_batch(
    box: Any, columns: Sequence[Any], values: Sequence[Sequence[object]] | None = None
) -> Any:
    """``box.batch(*columns)`` against ``box.main`` per row of ``values`` (the Python
    values of ``columns``; default: ``columns``); returns what batch gave or raised."""
    results, failure = per_row(box, columns if values is None else values)
    if failure is not None:
        row, cls, message = failure
        with pytest.raises(cls) as info:
            box.batch(*columns)
        assert type(info.value) is cls
        assert info.value.row == row
        assert str(info.value) == f"row {row}: {message}"
        return info.value
    got = box.batch(*columns)
    assert len(got) == len(results)
    for value, expected in zip(got, results, strict=True):
        if isinstance(expected, bool):
            assert value in (0, 1)
            assert bool(value) is expected
        else:
            assert same(value, expected), (value, expected)
    return got


FLOATS = [0.0, -0.0, 1.5, -2.25, 1e300, -1e-300, math.inf, -math.inf, math.nan, 3.0]
CASES = [
    ("inc", [list(range(-5, 5))]),
    ("mixed", [list(range(10)), FLOATS, [i % 3 == 0 for i in range(10)]]),
    ("positive", [FLOATS]),
    ("both", [[True, True, False, False], [True, False, True, False]]),
    ("div", [[7, -7, 7, -7, 0, 2**63 - 1], [2, 2, -2, -2, 5, 1]]),
    ("fib", [[0, 1, 2, 10, 20, 5]]),
    ("total", [[0, 1, 10, 1000]]),
    ("grow", [[0, 3, 100]]),
    ("taxed", [[100, 0, -5, 12345], [3.0, 0.5, -1.0, 1e10]]),
    ("rate", [[0, 1, 2, 30]]),
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("rule", "columns"), CASES, ids=[name for name, _ in CASES])
def test_batch_gives_main_per_row(
    rules: RulePackage, backend: str, rule: str, columns: list[list[object]]
) -> None:
    check_batch(rules[rule].Sandbox(backend=backend), columns)


@pytest.mark.parametrize("backend", BACKENDS)
def test_results_are_arrays_of_the_result_type(rules: RulePackage, backend: str) -> None:
    inc = rules["inc"].Sandbox(backend=backend)
    assert inc.batch([1, 2]) == array.array("q", [2, 3])
    mixed = rules["mixed"].Sandbox(backend=backend)
    assert mixed.batch([1], [2.0], [True]) == array.array("d", [5.0])
    positive = rules["positive"].Sandbox(backend=backend)
    assert positive.batch([1.0, -1.0]) == array.array("B", [1, 0])


def test_module_batch_is_native(rules: RulePackage) -> None:
    assert rules["inc"].batch(range(3)) == array.array("q", [1, 2, 3])
    assert rules["inc"].batch.__name__ == "batch"
    assert "#main(Int x) -> Int" in rules["inc"].batch.__doc__


@pytest.mark.parametrize("backend", BACKENDS)
def test_overflow_in_a_row_names_the_row(rules: RulePackage, backend: str) -> None:
    inc = rules["inc"]
    with pytest.raises(inc.NumericOverflow) as info:
        inc.Sandbox(backend=backend).batch([1, 2, 2**63 - 1, 4])
    assert info.value.row == 2
    assert info.value.kind == "NumericOverflow"
    assert isinstance(info.value, OverflowError)
    assert str(info.value) == (
        "row 2: Checked Int arithmetic left the 64-bit range, or an Int argument does not fit"
        " in it."
    )
    check_batch(rules["div"].Sandbox(backend=backend), [[1, 2, 3], [1, 0, 0]])  # row 1


def test_errors_are_the_same_on_both_backends(rules: RulePackage) -> None:
    cases = [
        ("inc", [[0, 2**63 - 1]]),
        ("div", [[4, 5, 6], [2, 1, 0]]),
        ("deep", [[5, 10_000]]),
        ("gated", [[1]]),
    ]
    for rule, columns in cases:
        errors = [
            check_batch(rules[rule].Sandbox(backend=backend), columns) for backend in BACKENDS
        ]
        assert type(errors[0]) is type(errors[1])
        assert str(errors[0]) == str(errors[1])
        assert errors[0].row == errors[1].row


@pytest.mark.parametrize("backend", BACKENDS)
def test_step_budget_is_per_row(rules: RulePackage, backend: str) -> None:
    box = rules["total"].Sandbox(max_steps=100, backend=backend)
    assert list(box.batch([100, 100, 50])) == [328350, 328350, 40425]  # not 250 in all
    error = check_batch(box, [[100, 3, 101, 2]])
    assert error.row == 2
    assert isinstance(error, rules["total"].StepLimitExceeded)


@pytest.mark.parametrize("backend", BACKENDS)
def test_memory_limit_is_per_row(rules: RulePackage, backend: str) -> None:
    grow = rules["grow"]
    # the accumulator is copied at each step: 8-aligned 10, 20, ..., 10n bytes
    needed = sum((10 * k + 7) // 8 * 8 for k in range(1, 21))
    box = grow.Sandbox(max_memory=needed, backend=backend)
    assert list(box.batch([20] * 5)) == [200] * 5  # each row may use it all
    error = check_batch(box, [[20, 5, 21, 1]])
    assert isinstance(error, grow.ValueTooLarge)
    assert error.row == 2
    assert grow.main(100) == 1000  # the default limit is back


@pytest.mark.parametrize("backend", BACKENDS)
def test_recursion_limit_is_per_row(rules: RulePackage, backend: str) -> None:
    deep = rules["deep"].Sandbox(backend=backend)
    assert list(deep.batch([9_999, 9_999])) == [9_999, 9_999]
    error = check_batch(deep, [[9_999, 10_000]])
    assert isinstance(error, RecursionError)


@pytest.mark.parametrize("backend", BACKENDS)
def test_capability_denied_names_the_row(rules: RulePackage, backend: str) -> None:
    gated = rules["gated"]
    error = check_batch(gated.Sandbox(backend=backend), [[5, 6]])
    assert isinstance(error, gated.CapabilityDenied)
    assert error.row == 0
    assert "grant it with Sandbox(caps={'reads_env'})" in str(error)
    box = gated.Sandbox(caps={"reads_env"}, backend=backend)
    assert list(box.batch([5, 6])) == [1_700_000_005, 1_700_000_006]
    with pytest.raises(gated.CapabilityDenied):
        gated.batch([1])  # the module's batch, like its main, grants nothing


PANIC_AT = re.compile(r"row 2: a host function panicked at shim/host_shim\.rs:\d+:\d+: .+")


@pytest.mark.parametrize("backend", BACKENDS)
def test_host_panic_names_the_row_and_the_sandbox_survives(
    rules: RulePackage, backend: str
) -> None:
    rate = rules["rate"]
    box = rate.Sandbox(backend=backend)
    for _ in range(2):
        error = check_batch(box, [[1, 2, -3, 4]])
        assert isinstance(error, rate.HostPanic)
        assert PANIC_AT.fullmatch(str(error)), str(error)
        assert str(error).endswith(": no rate for band -3")
    assert list(box.batch([1, 2])) == [8, 15]


@pytest.mark.parametrize("backend", BACKENDS)
def test_columns_longer_than_a_wasm_chunk(rules: RulePackage, backend: str) -> None:
    n = 300_000  # more rows than the wasm backend copies at once
    box = rules["inc"].Sandbox(backend=backend)
    assert box.batch(range(n)) == array.array("q", range(1, n + 1))
    column = array.array("q", range(n))
    column[250_000] = 2**63 - 1
    with pytest.raises(rules["inc"].NumericOverflow) as info:
        box.batch(column)
    assert info.value.row == 250_000


@pytest.mark.parametrize("backend", BACKENDS)
def test_numpy_columns(rules: RulePackage, backend: str) -> None:
    np = pytest.importorskip("numpy")
    inc = rules["inc"].Sandbox(backend=backend)
    got = inc.batch(np.arange(5, dtype=np.int64))
    assert isinstance(got, np.ndarray)
    assert got.dtype == np.int64
    assert got.tolist() == [1, 2, 3, 4, 5]
    assert inc.batch(np.arange(10, dtype=np.int64)[::3]).tolist() == [1, 4, 7, 10]  # strided
    readonly = np.arange(3, dtype=np.int64)
    readonly.flags.writeable = False
    assert inc.batch(readonly).tolist() == [1, 2, 3]
    assert inc.batch(np.arange(3, dtype=np.int32)).tolist() == [1, 2, 3]  # converted
    with pytest.raises(rules["inc"].MainArgTypeMismatch) as info:
        inc.batch(np.array([1.0, 2.0]))
    assert str(info.value) == "row 0: main() argument 'x' must be int (Relon Int), not float"
    with pytest.raises(rules["inc"].MainArgTypeMismatch, match="one-dimensional"):
        inc.batch(np.zeros((2, 2), dtype=np.int64))
    mixed = rules["mixed"].Sandbox(backend=backend)
    floats = np.array(FLOATS)
    got = mixed.batch(np.arange(10), floats, np.arange(10) % 3 == 0)
    assert got.dtype == np.float64
    columns = [np.arange(10), floats, np.arange(10) % 3 == 0]
    check_batch(mixed, columns, [column.tolist() for column in columns])
    positive = rules["positive"].Sandbox(backend=backend)
    flags = positive.batch(floats)
    assert flags.dtype == np.bool_
    assert flags.tolist() == [f > 0.0 for f in FLOATS]
    # a list input with a NumPy array elsewhere still gives NumPy out
    assert isinstance(mixed.batch([1, 2], np.array([1.0, 2.0]), [True, False]), np.ndarray)
    assert inc.batch(np.array([], dtype=np.int64)).shape == (0,)


@pytest.mark.parametrize("backend", BACKENDS)
def test_array_buffer_and_sequence_columns(rules: RulePackage, backend: str) -> None:
    mixed = rules["mixed"].Sandbox(backend=backend)
    expected = array.array("d", [0.5, 5.0, -0.5])
    ints, floats, flags = [0, 1, 2], [0.5, 2.0, 1.5], [False, True, False]
    assert mixed.batch(ints, floats, flags) == expected
    assert mixed.batch(tuple(ints), tuple(floats), tuple(flags)) == expected
    assert mixed.batch(range(3), array.array("d", floats), flags) == expected
    assert mixed.batch(array.array("q", ints), memoryview(array.array("d", floats)), flags) == (
        expected
    )
    assert mixed.batch(array.array("i", ints), array.array("f", floats), flags) == expected
    assert mixed.batch(ints, ints, flags) == array.array("d", [0.0, 3.0, 0.0])  # int -> Float


@pytest.mark.parametrize("backend", BACKENDS)
def test_keyword_and_scalar_columns(rules: RulePackage, backend: str) -> None:
    mixed = rules["mixed"].Sandbox(backend=backend)
    expected = mixed.batch([0, 1, 2], [0.5, 2.0, 1.5], [False, True, False])
    assert mixed.batch(b=[False, True, False], a=[0, 1, 2], f=[0.5, 2.0, 1.5]) == expected
    assert mixed.batch([0, 1, 2], [1.5] * 3, True) == mixed.batch([0, 1, 2], 1.5, b=True)
    assert list(mixed.batch(2, [1.0, 2.0], False)) == [-1.0, 0.0]


@pytest.mark.parametrize("backend", BACKENDS)
def test_bad_columns(rules: RulePackage, backend: str) -> None:
    mixed = rules["mixed"]
    box = mixed.Sandbox(backend=backend)
    with pytest.raises(mixed.MainArgTypeMismatch) as info:
        box.batch([1, 2], [1.0], [True, False])
    assert str(info.value) == "batch() columns must have one length: 'a' has 2 rows, 'f' has 1"
    with pytest.raises(mixed.MainArgTypeMismatch, match="needs at least one column"):
        box.batch(1, 2.0, True)
    with pytest.raises(mixed.MainArgTypeMismatch, match="missing required arguments: b"):
        box.batch([1], [1.0])
    with pytest.raises(mixed.MainArgTypeMismatch, match="unexpected keyword argument 'z'"):
        box.batch([1], [1.0], [True], z=[1])
    with pytest.raises(mixed.MainArgTypeMismatch) as info:
        box.batch([1, 2, 3], [1.0, 2.0, 3.0], [True, 1, False])
    assert str(info.value) == "row 1: main() argument 'b' must be bool (Relon Bool), not int"
    assert info.value.row == 1
    with pytest.raises(mixed.NumericOverflow) as info:
        box.batch([1, 2**63], [1.0, 2.0], [True, False])
    assert str(info.value) == "row 1: main() argument 'a' does not fit in an Int (i64)"
    with pytest.raises(mixed.MainArgTypeMismatch, match="must be a column of int"):
        box.batch("12", [1.0, 2.0], [True, False])
    with pytest.raises(mixed.MainArgTypeMismatch, match="must be a column of float"):
        box.batch([1], {1.0}, [True])


@pytest.mark.parametrize("backend", BACKENDS)
def test_empty_columns(rules: RulePackage, backend: str) -> None:
    box = rules["mixed"].Sandbox(backend=backend)
    assert box.batch([], [], []) == array.array("d")
    assert rules["positive"].Sandbox(backend=backend).batch(()) == array.array("B")


@pytest.mark.parametrize("backend", BACKENDS)
def test_rules_without_a_batch_entry_say_so(rules: RulePackage, backend: str) -> None:
    text = rules["text"]
    with pytest.raises(NotImplementedError) as info:
        text.Sandbox(backend=backend).batch(["a"])
    assert str(info.value) == (
        "text has no batch(): batch() needs a rule whose #main parameters and result are all"
        " Int, Float or Bool, and its #main has a String, List or tuple; call main() once"
        " per row"
    )
    with pytest.raises(NotImplementedError, match="it has no parameters"):
        rules["nothing"].batch()
    assert "batch" not in text.__all__
    assert "batch" in rules["inc"].__all__


def test_threads_batch_concurrently(rules: RulePackage) -> None:
    total = rules["total"]
    column = array.array("q", [2000] * 2000)
    expected = total.main(2000)
    failures: list[object] = []

    def worker(_seed: int) -> None:
        for _ in range(3):
            got = total.batch(column)
            if list(got) != [expected] * len(column):
                failures.append(got)

    on_threads(worker, range(4))
    assert failures == []


def test_wasm_sandbox_batches_from_threads(rules: RulePackage) -> None:
    box = rules["total"].Sandbox(backend="wasm")  # one instance: its calls take turns
    expected = [rules["total"].main(n) for n in range(50)]
    failures: list[object] = []

    def worker(_seed: int) -> None:
        for _ in range(3):
            got = box.batch(range(50))
            if list(got) != expected:
                failures.append(got)

    on_threads(worker, range(3))
    assert failures == []


def test_wasm_only_build_batches_on_wasm(tmp_path_factory: pytest.TempPathFactory) -> None:
    package = build_rule_package(
        tmp_path_factory.mktemp("batch_wasm_only"),
        {"inc": RULES["inc"], "text": RULES["text"]},
        targets=("wasm32",),
    )
    inc = package["inc"]
    assert inc.batch([1, 2]) == array.array("q", [2, 3])  # the module's batch runs the .wasm
    with pytest.raises(inc.NumericOverflow) as info:
        inc.batch([0, 2**63 - 1])
    assert info.value.row == 1
    with pytest.raises(NotImplementedError):
        package["text"].batch(["a"])
