"""Resource limits, the same on both backends: RecursionLimitExceeded past 10,000 nested
calls, ValueTooLarge past ``Sandbox(max_memory=...)`` (default 1 GiB) for the arguments
and the values a call builds, never an out-of-memory kill."""

from __future__ import annotations

import pytest
from support.rule_package import RulePackage, build_rule_package, outcome

pytestmark = [pytest.mark.rustc, pytest.mark.wasm]

RULES = {
    # each step copies the whole accumulator: memory grows quadratically until refused
    "grow": '#main(Int n) -> Int\nrange(n).reduce("", (acc, i) => acc + "0123456789").len()',
    "echo": "#main(String s) -> Int\ns.len()",
    "total": "#main(List<Int> xs) -> Int\nxs.sum()",
    "pad": '#main(Int n) -> String\nrange(n).reduce("", (acc, i) => acc + "ab")',
    "deep": "#main(Int n) -> Int\nd(n) where { d: (Int k) -> Int => k <= 0 ? 0 : 1 + d(k - 1) }",
}
BACKENDS = ["native", "wasm"]


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory) -> RulePackage:
    return build_rule_package(tmp_path_factory.mktemp("resources"), RULES)


@pytest.mark.parametrize("backend", BACKENDS)
def test_building_values_without_end_is_value_too_large(rules: RulePackage, backend: str) -> None:
    assert outcome(rules, "grow", (100,), backend) == 1000
    assert outcome(rules, "grow", (1_000_000,), backend) == "ValueTooLarge"  # not an OOM kill
    with pytest.raises(MemoryError):
        rules["grow"].Sandbox(backend=backend).main(1_000_000)
    assert outcome(rules, "grow", (10,), backend) == 100  # still usable


@pytest.mark.parametrize("backend", BACKENDS)
def test_max_memory_bounds_the_values_a_call_builds(rules: RulePackage, backend: str) -> None:
    pad = rules["pad"]
    # "ab" * n is built by copying: 8-aligned 2, 4, ..., 2n bytes
    needed = sum((2 * k + 7) // 8 * 8 for k in range(1, 21))
    assert pad.Sandbox(max_memory=needed, backend=backend).main(20) == "ab" * 20
    with pytest.raises(pad.ValueTooLarge):
        pad.Sandbox(max_memory=needed - 8, backend=backend).main(20)
    assert pad.Sandbox(max_memory=0, backend=backend).main(0) == ""


@pytest.mark.parametrize("backend", BACKENDS)
def test_max_memory_counts_the_arguments(rules: RulePackage, backend: str) -> None:
    echo, total = rules["echo"], rules["total"]
    assert echo.Sandbox(max_memory=1000, backend=backend).main("x" * 1000) == 1000
    with pytest.raises(echo.ValueTooLarge, match="the arguments take 1,008 bytes"):
        echo.Sandbox(max_memory=1000, backend=backend).main("x" * 1001)
    with pytest.raises(total.ValueTooLarge):
        total.Sandbox(max_memory=1000, backend=backend).main(list(range(200)))  # 1,600 bytes
    assert total.Sandbox(max_memory=1600, backend=backend).main(list(range(200))) == 19900


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_limited_sandbox_leaves_other_calls_unlimited(rules: RulePackage, backend: str) -> None:
    pad = rules["pad"]
    with pytest.raises(pad.ValueTooLarge):
        pad.Sandbox(max_memory=16, backend=backend).main(100)
    assert pad.main(100) == "ab" * 100  # the default limit is back on this thread
    assert pad.Sandbox(backend=backend).main(100) == "ab" * 100


@pytest.mark.parametrize("backend", BACKENDS)
def test_deep_recursion_is_recursion_limit_exceeded(rules: RulePackage, backend: str) -> None:
    deep = rules["deep"]
    assert deep.Sandbox(backend=backend).main(9_999) == 9_999
    with pytest.raises(deep.RecursionLimitExceeded) as info:
        deep.Sandbox(backend=backend).main(10_000)
    assert isinstance(info.value, RecursionError)
    assert info.value.kind == "RecursionLimitExceeded"


def test_max_memory_is_checked(rules: RulePackage) -> None:
    sandbox = rules["echo"].Sandbox
    with pytest.raises(ValueError, match="max_memory must be between 0 and"):
        sandbox(max_memory=-1)
    with pytest.raises(TypeError, match="max_memory must be an int or None, not str"):
        sandbox(max_memory="1GB")
    assert "max_memory=4096" in repr(sandbox(max_memory=4096))
    assert "max_memory" not in repr(sandbox())
