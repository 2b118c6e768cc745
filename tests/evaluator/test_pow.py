"""The evaluator's Float ``pow`` is correctly rounded like the compiled ``relon_rt_pow``."""

from __future__ import annotations

import math

import pytest

from relon_build_backend.evaluator.numeric import float_pow


@pytest.mark.parametrize(
    ("x", "y", "expected"),
    [
        (2.5, 2.5, 9.882117688026186),  # glibc's pow is correct here too
        (3.0, 34.0, 16677181699666568.0),  # 3**34 is odd and 54 bits: a tie, to even
        (2.0, -1075.0, 0.0),  # half the smallest subnormal: a tie, to even (zero)
        (2.0, -1074.0, 5e-324),
        (-2.0, 1025.0, -math.inf),
        (-1.5, -3.0, -1 / 3.375),
        (9.0, 0.5, 3.0),
        (0.0, -1.0, math.inf),
        (-0.0, -3.0, -math.inf),
        (math.nan, 0.0, 1.0),
        (1.0, math.nan, 1.0),
        (1e300, 1e300, math.inf),
        (1e-300, 1e300, 0.0),
    ],
)
def test_pow_cases(x: float, y: float, expected: float) -> None:
    got = float_pow(x, y)
    assert got == expected and math.copysign(1, got) == math.copysign(1, expected)


def test_pow_nan_cases() -> None:
    assert math.isnan(float_pow(-2.0, 0.5))
    assert math.isnan(float_pow(math.nan, 1.0))
