"""``batch`` column conversion, without a compiled rule: a fake backend reads the columns
it is handed (docs/abi.md "Batch entry" layouts) and records their addresses."""

from __future__ import annotations

import array
import ctypes
from collections.abc import Callable, Sequence

import pytest

from relon_build_backend._relon_runtime.abi import RuleSpec
from relon_build_backend._relon_runtime.batch import BatchShape, batch_entry
from relon_build_backend._relon_runtime.entry import RuleShape
from relon_build_backend._relon_runtime.errors import MainArgTypeMismatch, NumericOverflow

SPEC = RuleSpec(
    module="pkg.score",
    prefix="relon_score_00000000",
    params=(("n", "Int"), ("f", "Float"), ("b", "Bool")),
    result="Float",
    source_hash=0,
    doc="",
    gated_hosts=(),
)


class FakeRows:
    """Result of row i: ``n + f`` when ``b``, else ``-1.0``; keeps what it was given."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, list[int]]] = []

    def __call__(self, n: int, columns: Sequence[int], out: int) -> None:
        self.calls.append((n, list(columns)))
        ints = (ctypes.c_int64 * n).from_address(columns[0])[:]
        floats = (ctypes.c_double * n).from_address(columns[1])[:]
        flags = (ctypes.c_uint8 * n).from_address(columns[2])[:]
        results = (ctypes.c_double * n).from_address(out)
        for i in range(n):
            results[i] = ints[i] + floats[i] if flags[i] else -1.0


class Pair(ctypes.Structure):
    _fields_ = (("a", ctypes.c_int64), ("b", ctypes.c_int64))


@pytest.fixture
def rows() -> FakeRows:
    return FakeRows()


def batch(rows: FakeRows) -> Callable[..., object]:
    return batch_entry(BatchShape(RuleShape(SPEC)), rows, sandboxed=False)


def test_sequences_are_packed(rows: FakeRows) -> None:
    got = batch(rows)([1, 2, 3], (0.5, 1, 2.5), [True, False, True])
    assert got == array.array("d", [1.5, -1.0, 5.5])
    assert rows.calls[0][0] == 3


def test_matching_buffers_are_borrowed(rows: FakeRows) -> None:
    ints, floats = array.array("q", [1, 2]), array.array("d", [0.5, 0.25])
    got = batch(rows)(ints, memoryview(floats), [True, True])
    assert got == array.array("d", [1.5, 2.25])
    addresses = rows.calls[0][1]
    assert addresses[:2] == [ints.buffer_info()[0], floats.buffer_info()[0]]


def test_numpy_columns_are_borrowed_and_give_numpy(rows: FakeRows) -> None:
    np = pytest.importorskip("numpy")
    ints, floats, flags = np.arange(4), np.linspace(0, 1, 4), np.array([1, 0, 1, 1], bool)
    got = batch(rows)(ints, floats, flags)
    assert isinstance(got, np.ndarray)
    assert got.dtype == np.float64
    assert got.tolist() == [0.0, -1.0, 2 + 2 / 3, 4.0]
    assert rows.calls[0][1] == [a.ctypes.data for a in (ints, floats, flags)]
    ints32 = np.arange(4, dtype=np.int32)  # another layout: converted, not borrowed
    batch(rows)(ints32, floats, flags)
    assert rows.calls[1][1][0] != ints32.ctypes.data


def test_scalars_are_broadcast(rows: FakeRows) -> None:
    got = batch(rows)(10, [0.5, 1.5], True)
    assert got == array.array("d", [10.5, 11.5])


def test_errors_name_the_row(rows: FakeRows) -> None:
    entry = batch(rows)
    with pytest.raises(MainArgTypeMismatch) as info:
        entry([1, 2, 3], [0.5, "x", 1.0], [True] * 3)
    assert str(info.value) == "row 1: main() argument 'f' must be float (Relon Float), not str"
    assert info.value.row == 1
    with pytest.raises(NumericOverflow) as overflow:
        entry([1, 2, -(2**63) - 1], [0.5] * 3, [True] * 3)
    assert overflow.value.row == 2
    with pytest.raises(NumericOverflow) as overflow:
        entry([1], [10**400], [True])
    assert str(overflow.value) == "row 0: main() argument 'f' is too large for a Float"
    with pytest.raises(MainArgTypeMismatch) as info:
        entry([1], [1.0], array.array("B", [1]))
    assert str(info.value) == "row 0: main() argument 'b' must be bool (Relon Bool), not int"
    pairs = (Pair * 1)()
    with pytest.raises(MainArgTypeMismatch, match="argument 'n' is a buffer of format 'T"):
        entry(pairs, [1.0], [True])
    assert rows.calls == []


def test_unreadable_sequence(rows: FakeRows) -> None:
    class Broken(Sequence[int]):
        def __len__(self) -> int:
            return 2

        def __getitem__(self, index: object) -> int:
            raise KeyError(index)

    with pytest.raises(MainArgTypeMismatch, match="its Broken raised KeyError"):
        batch(rows)(Broken(), [1.0, 2.0], [True, True])


def test_no_rows_no_call(rows: FakeRows) -> None:
    assert batch(rows)([], [], []) == array.array("d")
    assert rows.calls == []


def test_signature_and_doc(rows: FakeRows) -> None:
    import inspect

    entry = batch(rows)
    assert str(inspect.signature(entry)) == "(n, f, b)"
    assert "#main(Int n, Float f, Bool b) -> Float" in (entry.__doc__ or "")


def test_numpy_object_arrays_and_array_likes(rows: FakeRows) -> None:
    np = pytest.importorskip("numpy")

    class Series:  # like a pandas Series: no buffer, an __array__
        def __init__(self, data: object) -> None:
            self.data = data

        def __array__(self, dtype: object = None, copy: object = None) -> object:
            return self.data

    ints = np.arange(3)
    got = batch(rows)(Series(ints), np.array([0.5, 1, 2.0], dtype=object), True)
    assert isinstance(got, np.ndarray)
    assert got.tolist() == [0.5, 2.0, 4.0]
    assert rows.calls[0][1][0] == ints.ctypes.data  # the array behind it, not a copy
    with pytest.raises(MainArgTypeMismatch) as info:
        batch(rows)([1], np.array(["x"], dtype=object), True)
    assert str(info.value) == "row 0: main() argument 'f' must be float (Relon Float), not str"
