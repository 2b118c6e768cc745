"""String, List and tuple rules through generated loaders (the fixture of compound.py).

Behavioural tests run on both backends (wasm through both wasmtime call paths): native
and wasm must agree on values and on errors.
"""

from __future__ import annotations

import array
import ctypes
import importlib
import inspect
import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from support.compound_package import MAX_PAGES, RULES, CompoundPackage, make_compound_package
from support.memory import rss_growth
from support.threads import on_threads

pytest.importorskip("wasmtime")


@pytest.fixture(scope="module")
def pkg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CompoundPackage]:
    import sys

    root = tmp_path_factory.mktemp("compound")
    sys.path.insert(0, str(root))
    yield make_compound_package(root, "relon_compound_fixture")
    sys.path.remove(str(root))


@pytest.fixture(params=["native", "wasm", "wasm-public"])
def backend(
    request: pytest.FixtureRequest, pkg: CompoundPackage, monkeypatch: pytest.MonkeyPatch
) -> str:
    """The backend to test; "wasm-public" forces wasmtime's public (slow) call path."""
    if request.param == "wasm-public":
        runtime = importlib.import_module(f"{pkg.name}._relon_runtime.wasm")
        monkeypatch.setattr(runtime, "_fast_path", lambda *_args: None)
        return "wasm"
    return str(request.param)


@pytest.fixture(scope="module")
def rules(pkg: CompoundPackage) -> dict[str, Any]:
    return {name.replace("text.", ""): pkg.load(name) for name in RULES}


def box(rules: dict[str, Any], rule: str, backend: str, **kwargs: Any) -> Any:
    return rules[rule].Sandbox(backend=backend, **kwargs)


class Letters(Sequence[str]):
    """A user-defined Sequence (not a list or tuple)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __len__(self) -> int:
        return len(self.text)

    def __getitem__(self, i: Any) -> Any:
        return self.text[i]


@pytest.mark.parametrize("text", ["", "a", "héllo wörld ✓", "nul\0inside", "😀" * 100])
def test_strings_round_trip(rules: dict[str, Any], backend: str, text: str) -> None:
    got = box(rules, "echo", backend).main(text, 0)
    assert got == text and type(got) is str


def test_string_results_in_new_memory(rules: dict[str, Any], backend: str) -> None:
    upper = box(rules, "upper", backend)
    assert upper.main("abc xyz é") == "ABC XYZ é"
    assert upper.main("") == ""
    assert upper.main(s="q") == "Q"


def test_lists_and_tuples(rules: dict[str, Any], backend: str) -> None:
    lists = box(rules, "lists", backend)
    got = lists.main([1, -2, 3], [0.5, -0.0, math.inf], [True, False, False])
    assert got == ([2, -4, 6], [0.5, -0.0, math.inf], [False, True, True], 1 + 3000 + 3000000)
    assert type(got) is tuple and all(type(part) is list for part in got[:3])
    assert math.copysign(1.0, got[1][1]) == -1.0
    assert [type(b) for b in got[2]] == [bool, bool, bool]
    assert math.isnan(lists.main([], [math.nan], [])[1][0])
    assert lists.main([], [], []) == ([], [], [], 0)
    assert lists.main(xs=(), ys=range(2), bs=[]) == ([], [0.0, 1.0], [], 2000000)


def test_list_of_strings(rules: dict[str, Any], backend: str) -> None:
    words = box(rules, "words", backend)
    assert words.main(["a", "bc", "", "é"], ", ") == (["é", "", "bc", "a"], "a, bc, , é", 5)
    assert words.main([], "-") == ([], "", 0)
    assert words.main(("x",), "") == (["x"], "x", 1)
    assert words.main(Letters("abc"), "+") == (["c", "b", "a"], "a+b+c", 3)


def test_list_to_scalar(rules: dict[str, Any], backend: str) -> None:
    total = box(rules, "total", backend)
    assert total.main(range(101)) == 5050
    assert total.main(array.array("q", [2**63 - 1, 1])) == -(2**63)  # the fixture wraps
    assert total.main([]) == 0
    assert total.main(xs=[7]) == 7


def test_scalar_tuple(rules: dict[str, Any], backend: str) -> None:
    pair = box(rules, "pair", backend)
    assert pair.main(3, 1.5) == (4, 3.0, True)
    assert pair.main(-1, 2) == (0, 4.0, False)
    assert [type(v) for v in pair.main(0, 0.0)] == [int, float, bool]


def test_buffers_of_matching_layout(rules: dict[str, Any], backend: str) -> None:
    lists = box(rules, "lists", backend)
    xs = array.array("q", [1, 2, 3])
    ys = array.array("d", [0.25])
    assert lists.main(xs, ys, bytes([1, 0])) == ([2, 4, 6], [0.25], [False, True], 1003001)
    xs.append(4)  # the loader's export of the buffer ended with the call
    assert lists.main(array.array("l", [5]), memoryview(ys), bytearray([1]))[0] == [10]
    assert lists.main(memoryview(bytes(16)).cast("q"), [], array.array("B", [1, 1]))[3] == 2002
    assert lists.main(memoryview(xs)[::2], [], [])[0] == [2, 6]  # strided: copied in order
    assert lists.main([], [], memoryview(bytes([1, 0, 1])).cast("?"))[2] == [False, True, False]


def test_buffers_of_other_layouts_are_checked_per_value(
    rules: dict[str, Any], backend: str
) -> None:
    lists = box(rules, "lists", backend)
    assert lists.main(array.array("i", [7, -8]), array.array("f", [0.5]), [])[:2] == (
        [14, -16],
        [0.5],
    )
    assert lists.main(b"\x01\x02", [], [])[0] == [2, 4]  # bytes is a sequence of ints
    assert lists.main(array.array("Q", [2**62 - 1]), [], [])[0] == [2**63 - 2]
    with pytest.raises(rules["lists"].NumericOverflow, match="does not fit in an Int"):
        lists.main(array.array("Q", [2**63]), [], [])


class Record(ctypes.Structure):
    _fields_ = [("a", ctypes.c_int64)]


def records() -> Any:
    return (Record * 2)()


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        (
            ("abc", [], []),
            "MainArgTypeMismatch",
            "'xs' must be a sequence of int (Relon List<Int>), not str",
        ),
        (
            (None, [], []),
            "MainArgTypeMismatch",
            "'xs' must be a sequence of int (Relon List<Int>), not NoneType",
        ),
        (({1, 2}, [], []), "MainArgTypeMismatch", "not set"),
        ((iter([1]), [], []), "MainArgTypeMismatch", "not list_iterator"),
        ((5, [], []), "MainArgTypeMismatch", "not int"),
        (
            ([1, True], [], []),
            "MainArgTypeMismatch",
            "argument 'xs[1]' must be int (Relon Int), not bool",
        ),
        (
            ([1.0], [], []),
            "MainArgTypeMismatch",
            "argument 'xs[0]' must be int (Relon Int), not float",
        ),
        (
            ([], ["1"], []),
            "MainArgTypeMismatch",
            "argument 'ys[0]' must be float (Relon Float), not str",
        ),
        (([], [False], []), "MainArgTypeMismatch", "'ys[0]' must be float (Relon Float), not bool"),
        (
            ([], [], [1]),
            "MainArgTypeMismatch",
            "argument 'bs[0]' must be bool (Relon Bool), not int",
        ),
        (([], [], bytes([0, 2])), "MainArgTypeMismatch", "'bs' holds values other than 0 and 1"),
        (
            ([2**63], [], []),
            "NumericOverflow",
            "an int in main() argument 'xs' does not fit in an Int",
        ),
        (([1, -(2**63) - 1], [], []), "NumericOverflow", "does not fit in an Int"),
        (([], [10**400], []), "NumericOverflow", "too large for a Float"),
        (
            (memoryview(bytes(16)).cast("q", (2, 1)), [], []),
            "MainArgTypeMismatch",
            "one-dimensional",
        ),
        ((records(), [], []), "MainArgTypeMismatch", "is a buffer of format 'T{<q:a:}'"),
        (([], [], []), None, ""),
    ],
)
def test_bad_list_arguments(
    rules: dict[str, Any], backend: str, args: tuple[Any, ...], error: str | None, message: str
) -> None:
    module = rules["lists"]
    if error is None:
        assert box(rules, "lists", backend).main(*args)[3] == 0
        return
    with pytest.raises(getattr(module, error)) as info:
        box(rules, "lists", backend).main(*args)
    assert info.value.kind == error
    assert message in str(info.value)


def test_int_and_float_subclasses_in_lists(rules: dict[str, Any], backend: str) -> None:
    class MyInt(int):
        def __index__(self) -> int:
            raise AssertionError("must not run user code")

    class MyStr(str):
        def encode(self, *_args: object, **_kwargs: object) -> bytes:
            raise AssertionError("must not run user code")

    assert box(rules, "lists", backend).main([MyInt(4)], [MyInt(1)], [])[:2] == ([8], [1.0])
    assert box(rules, "words", backend).main([MyStr("a"), "b"], MyStr("/"))[1] == "a/b"


@pytest.mark.parametrize(
    ("rule", "args", "message"),
    [
        ("echo", ("\ud800", 0), "argument 's' is not valid Unicode text"),
        ("echo", (b"abc", 0), "argument 's' must be str (Relon String), not bytes"),
        ("echo", (None, 0), "must be str (Relon String), not NoneType"),
        ("words", ("abc", "-"), "(Relon List<String>), not a single str; pass a list: [ws]"),
        ("words", (["a", 1], "-"), "argument 'ws[1]' must be str (Relon String), not int"),
        ("words", (["a", "b\udfff"], "-"), "argument 'ws[1]' is not valid Unicode text"),
        ("words", (b"ab", "-"), "argument 'ws[0]' must be str (Relon String), not int"),
        ("words", (["a"],), "missing required arguments: sep"),
        ("words", (["a"], "-", 3), "takes 2 arguments but 3 were given"),
    ],
)
def test_bad_string_arguments(
    rules: dict[str, Any], backend: str, rule: str, args: tuple[Any, ...], message: str
) -> None:
    module = rules[rule]
    with pytest.raises(module.MainArgTypeMismatch) as info:
        box(rules, rule, backend).main(*args)
    assert isinstance(info.value, TypeError)
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (1, "NumericOverflow"),
        (2, "DivisionByZero"),
        (3, "IndexOutOfBounds"),
        (4, "EmptyList"),
        (5, "CapabilityDenied"),
        (6, "StepLimitExceeded"),
        (7, "HostPanic"),
        (99, "HostPanic"),  # unknown status
        (-1, "HostPanic"),  # a trap in wasm
    ],
)
def test_status_maps_to_error_kind(
    rules: dict[str, Any], backend: str, status: int, kind: str
) -> None:
    echo = box(rules, "echo", backend)
    with pytest.raises(rules["echo"].RelonError) as info:
        echo.main("x", status)
    assert info.value.kind == kind
    assert echo.main("still usable", 0) == "still usable"


def test_step_limit_fails_before_allocating(
    pkg: CompoundPackage, rules: dict[str, Any], backend: str
) -> None:
    assert box(rules, "upper", backend, max_steps=3).main("abc") == "ABC"
    with pytest.raises(rules["upper"].StepLimitExceeded):
        box(rules, "upper", backend, max_steps=3).main("abcd")
    assert pkg.live_handles() == 0


def test_native_results_are_always_released(pkg: CompoundPackage, rules: dict[str, Any]) -> None:
    upper, lists, words = rules["upper"].main, rules["lists"].main, rules["words"].main
    for i in range(200):
        assert upper(f"n{i}") == f"N{i}"
        assert lists([i], [], [True])[0] == [2 * i]
        assert words(["a", str(i)], "")[1] == f"a{i}"
        with pytest.raises(rules["lists"].NumericOverflow):
            lists([2**62], [], [])
    assert pkg.live_handles() == 0


def test_native_release_happens_when_reading_fails(
    pkg: CompoundPackage, rules: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = importlib.import_module(f"{pkg.name}._relon_runtime.conversion")

    def broken(*_args: object) -> object:
        raise MemoryError("simulated")

    monkeypatch.setattr(runtime, "_read", broken)
    with pytest.raises(MemoryError):
        rules["upper"].main("abc")
    assert pkg.live_handles() == 0


def wasm_heap_top(sandbox: Any) -> int:
    instance = sandbox._wasm
    func, fast = instance._heap[0]
    return int(instance._invoke(func, fast, ()))


def test_wasm_heap_is_reset_after_every_call(rules: dict[str, Any]) -> None:
    upper = box(rules, "upper", "wasm")
    echo = box(rules, "echo", "wasm")
    start = wasm_heap_top(upper)
    assert upper.main("abc" * 1000) == "ABC" * 1000
    assert wasm_heap_top(upper) == start
    with pytest.raises(rules["echo"].DivisionByZero):
        echo.main("x", 2)
    assert wasm_heap_top(echo) == start
    with pytest.raises(rules["echo"].MainArgTypeMismatch):
        echo.main("x", 2.5)  # fails before the heap is touched
    assert wasm_heap_top(echo) == start


def test_wasm_memory_grows_and_runs_out(rules: dict[str, Any]) -> None:
    upper = box(rules, "upper", "wasm")
    big = "ab" * 1_000_000  # 2 MB: more than the initial 128 KiB, grown on demand
    assert upper.main(big) == big.upper()
    too_big = "x" * (MAX_PAGES * 65536)  # more than the module may ever hold
    with pytest.raises(rules["upper"].ValueTooLarge, match="ran out of memory"):
        upper.main(too_big)
    assert upper.main("ok") == "OK"


def test_public_surface(rules: dict[str, Any]) -> None:
    lists, words = rules["lists"], rules["words"]
    assert str(inspect.signature(words.main)) == (
        "(ws: collections.abc.Sequence[str], sep: str) -> tuple[list[str], str, int]"
    )
    assert lists.main.__doc__.startswith(
        "#main(List<Int> xs, List<Float> ys, List<Bool> bs)"
        " -> (List<Int>, List<Float>, List<Bool>, Int)\n\n"
    )
    assert rules["echo"].main.__annotations__ == {"s": str, "status": int, "return": str}
    assert lists.Sandbox().main.__qualname__ == "Sandbox.main"


def test_concurrent_native_calls(rules: dict[str, Any]) -> None:
    upper, words, lists = rules["upper"].main, rules["words"].main, rules["lists"].main
    failures: list[str] = []

    def worker(seed: int) -> None:
        for i in range(300):
            text = f"w{seed}-{i}" * (i % 7)
            items = [f"{seed}", "x" * (i % 5), text]
            values = list(range(seed, seed + i % 11))
            ok = (
                upper(text) == text.upper()
                and words(items, ".") == (items[::-1], ".".join(items), sum(map(len, items)))
                and lists(values, [], [])[0] == [2 * v for v in values]
            )
            if not ok:
                failures.append(f"{seed}/{i}")

    on_threads(worker, range(6))
    assert failures == []


def test_shared_wasm_sandbox_across_threads(rules: dict[str, Any]) -> None:
    words = box(rules, "words", "wasm")
    failures: list[str] = []

    def worker(seed: int) -> None:
        for i in range(100):
            items = [f"{seed}:{i}", "é" * (i % 4)]
            if words.main(items, "/") != (
                items[::-1],
                "/".join(items),
                sum(len(s.encode()) for s in items),
            ):
                failures.append(f"{seed}/{i}")

    on_threads(worker, range(4))
    assert failures == []


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="reads /proc/self/statm")
def test_memory_stays_flat(pkg: CompoundPackage, rules: dict[str, Any]) -> None:
    upper, words = rules["upper"].main, rules["words"].main
    wasm_upper = box(rules, "upper", "wasm")
    xs = list(range(50))

    def call(i: int) -> None:
        upper("abc" * 20)
        words(["a", "b", "c"], "-")
        rules["lists"].main(xs, [1.5], [True])
        if i % 4 == 0:
            wasm_upper.main("xyz" * 20)

    # 20 000 calls of each: a leak of even 100 bytes a call would show as 2 MB
    assert rss_growth(20_000, call) < 2 * 1024 * 1024
    assert pkg.live_handles() == 0


class _Oops(Exception):
    """The caller's own exception; its str() fails too (only its type may be shown)."""

    def __str__(self) -> str:
        raise RuntimeError("str() of the caller's exception must not be needed")


class _StrsFromIter(list):  # type: ignore[type-arg]
    """A list subclass whose own storage holds ints but whose iteration yields str."""

    def __iter__(self) -> Any:
        return iter(["a", "b"])

    def __getitem__(self, i: Any) -> Any:
        return "a"


class _RaisingLen(Sequence[int]):
    def __len__(self) -> int:
        raise _Oops

    def __getitem__(self, i: Any) -> Any:
        raise _Oops


class _LyingLen(Sequence[int]):
    """Claims ten items, has three."""

    def __len__(self) -> int:
        return 10

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, int) and 0 <= i < 3:
            return i
        raise IndexError(i)


class _HugeLen(_LyingLen):
    def __len__(self) -> int:
        return 2**62


class _RaisingIter(list):  # type: ignore[type-arg]
    def __iter__(self) -> Any:
        raise _Oops


@pytest.mark.parametrize(
    ("value", "message", "cause"),
    [
        (_StrsFromIter([1, 2]), "argument 'xs[0]' must be int (Relon Int), not str", None),
        (_RaisingLen(), "its _RaisingLen raised _Oops", _Oops),
        (_RaisingIter([1]), "its _RaisingIter raised _Oops", _Oops),
        (_HugeLen(), "its _HugeLen raised", BaseException),
    ],
    ids=["list-subclass-yields-str", "raising-len", "raising-iter", "huge-len"],
)
def test_hostile_sequences_are_argument_errors(
    rules: dict[str, Any], backend: str, value: Any, message: str, cause: type | None
) -> None:
    module = rules["lists"]
    with pytest.raises(module.MainArgTypeMismatch) as info:
        box(rules, "lists", backend).main(value, [], [])
    assert message in str(info.value)
    if cause is not None:  # the caller's own exception is chained
        assert isinstance(info.value.__cause__, cause)
    assert box(rules, "lists", backend).main([1], [], [])[0] == [2]  # still usable


def test_a_sequence_that_lies_about_its_length_gives_what_it_yields(
    rules: dict[str, Any], backend: str
) -> None:
    assert box(rules, "lists", backend).main(_LyingLen(), [], [])[0] == [0, 2, 4]
