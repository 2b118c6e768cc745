"""``relon_rt_pow`` natively (ctypes) and on wasm32 (wasmtime): the same bits on both
targets, every C99 special case, and the correctly rounded result (an exact decimal
reference) where glibc's ``math.pow`` may be 1 ulp off."""

from __future__ import annotations

import decimal
import itertools
import math
import random
import struct
from collections.abc import Callable, Iterator

import pytest
from support.rt_harness import NativeMachine, WasmMachine

from relon_build_backend.evaluator.numeric import float_pow

pytestmark = [pytest.mark.rustc, pytest.mark.wasm]

INF = math.inf
NAN = math.nan
TWO_53 = 2.0**53

SPECIAL_X = [0.0, -0.0, INF, -INF, NAN, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 3.0, -3.0, 5e-324]
SPECIAL_Y = [0.0, -0.0, INF, -INF, NAN, 1.0, -1.0, 2.0, -2.0, 3.0, -3.0, 0.5, -0.5, 1.5]
SPECIAL_Y += [-1.5, TWO_53, -TWO_53, TWO_53 + 2, 1e300, -1e300, 2.0**-1080, -(2.0**-1080)]

# (x, y, exact x ** y): representable results must come out exactly.
EXACT = [
    (2.0, 10.0, 1024.0),
    (9.0, 0.5, 3.0),
    (0.25, 0.5, 0.5),
    (4.0, -0.5, 0.5),
    (10.0, 2.0, 100.0),
    (10.0, 22.0, 1e22),
    (-3.0, 3.0, -27.0),
    (-2.0, -3.0, -0.125),
    (2.0, -1074.0, 5e-324),
    (2.0, 1023.0, 2.0**1023),
    (0.5, 1022.0, 2.0**-1022),
    (1.5, 2.0, 2.25),
    (16.0, 0.25, 2.0),
    (7.0, 18.0, 7.0**18),  # 51 bits
    # exact ties (54-bit odd results) round to even, like float(3**34)
    (3.0, 34.0, float(3**34)),
    (5.0, 23.0, float(5**23)),
    (7.0, 19.0, float(7**19)),
    (-3.0, 34.0, float(3**34)),
    (-7.0, 19.0, -float(7**19)),
    (2.0, -1075.0, 0.0),
    (0.25, 537.5, 0.0),
    (2.0, -1074.5, 5e-324),
]


def bits(x: float) -> int:
    (result,) = struct.unpack("<q", struct.pack("<d", x))
    assert isinstance(result, int)
    return result


def ulps_apart(a: float, b: float) -> int:
    """Distance in representable doubles (signs equal, both finite)."""
    assert math.copysign(1.0, a) == math.copysign(1.0, b), (a, b)
    return abs(bits(abs(a)) - bits(abs(b)))


def correctly_rounded(x: float, y: float) -> float:
    """x ** y for x > 0, rounded once to double (60 digits, then str -> float)."""
    with decimal.localcontext() as context:
        context.prec = 60
        return float((decimal.Decimal(y) * decimal.Decimal(x).ln()).exp())


@pytest.fixture(scope="module")
def both(
    native_machine: NativeMachine, wasm_machine: WasmMachine
) -> Callable[[float, float], float]:
    """pow on both targets; asserts they agree bit for bit and returns the result."""

    def call(x: float, y: float) -> float:
        native = native_machine.call("relon_rt_pow", x, y)
        wasm = wasm_machine.call("relon_rt_pow", x, y)
        assert isinstance(native, float) and isinstance(wasm, float)
        assert math.isnan(native) == math.isnan(wasm), (x, y, native, wasm)
        if not math.isnan(native):
            assert bits(native) == bits(wasm), (x, y, native, wasm)
        return native

    return call


@pytest.mark.parametrize(("x", "y"), list(itertools.product(SPECIAL_X, SPECIAL_Y)))
def test_special_cases_follow_c99(
    both: Callable[[float, float], float], x: float, y: float
) -> None:
    # GIVEN C's pow as the evaluator models it (glibc follows C99 Annex F)
    expected = float_pow(x, y)
    # WHEN pow runs on both targets
    result = both(x, y)
    # THEN NaN where C gives NaN, else the same bits (signed zeros and infinities)
    if math.isnan(expected):
        assert math.isnan(result)
    else:
        assert bits(result) == bits(expected), (x, y, result, expected)


def test_nan_base_to_zero_and_one_to_nan_are_one(both: Callable[[float, float], float]) -> None:
    assert both(NAN, 0.0) == 1.0
    assert both(NAN, -0.0) == 1.0
    assert both(1.0, NAN) == 1.0
    assert both(-1.0, INF) == 1.0


def test_negative_base_with_non_integer_power_is_nan(
    both: Callable[[float, float], float],
) -> None:
    assert math.isnan(both(-2.0, 0.5))
    assert math.isnan(both(-8.0, 1 / 3))
    assert math.isnan(both(-1e-300, 2.5))


@pytest.mark.parametrize(("x", "y", "exact"), EXACT)
def test_representable_results_are_exact(
    both: Callable[[float, float], float], x: float, y: float, exact: float
) -> None:
    assert bits(both(x, y)) == bits(exact)


def test_overflow_and_underflow(both: Callable[[float, float], float]) -> None:
    assert both(10.0, 309.0) == INF
    assert both(-10.0, 309.0) == -INF
    assert both(10.0, -330.0) == 0.0
    assert bits(both(-10.0, -331.0)) == bits(-0.0)
    assert both(1.0 + 2.0**-52, 2.0**70) == INF
    assert both(1.0 - 2.0**-53, 2.0**70) == 0.0


def _inputs(seed: int) -> Iterator[tuple[float, float]]:
    """Positive bases over the whole range, with powers that keep results finite."""
    rng = random.Random(seed)
    for _ in range(300):
        yield rng.uniform(0.0, 10.0), rng.uniform(-20.0, 20.0)
        yield math.exp(rng.uniform(-700.0, 700.0)), rng.uniform(-1.0, 1.0)
        yield rng.uniform(0.5, 2.0), rng.uniform(-1000.0, 1000.0)
        yield 1.0 + rng.uniform(-1e-9, 1e-9), rng.uniform(-1e11, 1e11)
        yield rng.uniform(1e-310, 1e-300), rng.uniform(0.9, 1.1)  # subnormal bases/results
        yield rng.uniform(1.0, 3.0), float(rng.randint(-600, 600))


def test_random_inputs_are_correctly_rounded(both: Callable[[float, float], float]) -> None:
    checked = 0
    for x, y in _inputs(2026):
        result = both(x, y)
        reference = correctly_rounded(x, y)
        if reference == 0.0 or math.isinf(reference):
            continue
        checked += 1
        assert result == reference, (x, y, result, reference)
        assert ulps_apart(result, math.pow(x, y)) <= 1, (x, y, result)
        negative = both(-x, y)
        if y != math.floor(y):
            assert math.isnan(negative)
        else:
            assert negative == (-reference if y % 2 == 1 else reference)
    assert checked > 1700
