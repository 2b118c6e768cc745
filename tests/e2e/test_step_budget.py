"""Loop versioning on the step budget never moves a StepLimitExceeded, nor changes
which error wins (codegen/loops.py ``_Versions``).

Every case is built twice from one template: the rule as written, whose counted loops
get an unchecked version taken when the budget covers them, and a twin whose loop holds
a nested ``range(z).sum()`` (called with ``z = 0``): it charges nothing and changes no
value, but a nested loop gives the enclosing loop no static step bound, so the twin only
has the exact, step-by-step loop. For every budget from 0 to past what the call needs,
both rules must give the same outcome natively and on wasm; the unlimited runs (``main``
and ``max_steps=None``, the copies that charge no steps) must agree too.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from support.hosts import GATES, SHIM
from support.rule_package import RulePackage, build_rule_package

pytestmark = [pytest.mark.rustc, pytest.mark.wasm]

#: the spelling of ``{z}`` in the exact twin: adds 0 and charges 0 steps
SPOILER = " + range(z).sum()"

#: name -> (template: ``#main`` with a last parameter ``Int z``, inputs without ``z``)
CASES: dict[str, tuple[str, list[tuple[object, ...]]]] = {
    "plain": (
        "#main(Int n, Int z) -> Int\nrange(n).reduce(0, (acc, i) => acc + i{z})",
        [(0,), (1,), (5,)],
    ),
    "two_loops": (
        "#main(Int n, Int z) -> Int\nrange(n).sum() + range(2, n).map((i) => i * i{z}).sum()",
        [(1,), (6,)],
    ),
    "list": (
        "#main(List<Int> xs, Int z) -> Int\nxs.map((x) => x * 3{z}).filter((x) => x > 0).sum()",
        [([],), ([1, -2, 3, 4],), ([2**62, 1, 2],)],
    ),
    "nested": (
        "#main(Int n, Int z) -> Int\nrange(n).map((i) => range(i).map((j) => j{z}).sum()).sum()",
        [(4,)],
    ),
    "closure": (
        "#main(Int n, Int z) -> Int\nrange(n).map((i) => f(i){z}).sum() "
        "where { f: (Int k) -> Int => k < 1 ? 0 : f(k - 1) + 1 }",
        [(4,)],
    ),
    "host": (
        "#main(Int n, Int z) -> Int\nrange(n).map((i) => i % 2 == 0 ? h_tick(i) : i{z}).sum()",
        [(5,)],
    ),
    "pending_div": (
        "#main(Int n, Int z) -> Int\nrange(n).map((i) => 10 / (i - 3{z}))"
        ".filter((x) => x > -100).reduce(0, (acc, x) => acc + x)",
        [(3,), (7,)],
    ),
    "pending_overflow": (
        "#main(Int n, Int z) -> Int\n"
        "range(n).map((i) => 10 / (6 - i{z})).reduce(9223372036854775800, (acc, x) => acc + x)",
        [(3,), (5,), (8,)],
    ),
    "init_fails": (
        "#main(Int n, Int z) -> Int\n"
        "range(n).map((i) => i{z}).reduce(9223372036854775806 + n, (acc, x) => acc + x)",
        [(1,), (4,)],
    ),
    "any_stops": (
        "#main(Int n, Int z) -> Int\n(range(n).any((i) => i{z} == 3) ? range(n).sum() : -1)",
        [(2,), (6,)],
    ),
    "any_drains": (
        "#main(Int n, Int z) -> Bool\nrange(n).map((i) => 100 / (i - 5{z})).any((x) => x > 30)",
        [(4,), (8,)],
    ),
    "collect": (
        "#main(Int n, Int z) -> List<Int>\nrange(-2, n).filter((i) => i % 3{z} == 0)",
        [(0,), (7,)],
    ),
    "float": (
        "#main(Float x, Int n, Int z) -> Float\nrange(n).reduce(x, (acc, i) => acc + 1.5 * (i{z}))",
        [(0.5, 6)],
    ),
}

#: budgets swept: 0 up to past the most any case needs
BUDGETS = range(40)
#: the capability grants tried (the ``host`` case's ``h_tick`` needs ``reads_clock``)
GRANTS = ((), ("reads_clock",))


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> RulePackage:
    rules = {}
    for name, (template, _) in CASES.items():
        rules[f"{name}_versioned"] = template.replace("{z}", "")
        rules[f"{name}_exact"] = template.replace("{z}", SPOILER)
    return build_rule_package(
        Path(tmp_path_factory.mktemp("budget")), rules, shim=SHIM, gates=GATES
    )


def _outcome(rule: ModuleType, args: tuple[object, ...], **sandbox: object) -> object:
    try:
        return ("value", rule.Sandbox(**sandbox).main(*args))
    except rule.RelonError as error:
        return ("error", error.kind)


def _runs(rule: ModuleType, args: tuple[object, ...]) -> Iterator[tuple[str, object]]:
    for caps in GRANTS:
        for backend in ("native", "wasm"):
            yield (
                f"{backend} caps={caps} unlimited",
                _outcome(rule, args, caps=caps, backend=backend),
            )
            for budget in BUDGETS:
                outcome = _outcome(rule, args, caps=caps, max_steps=budget, backend=backend)
                yield f"{backend} caps={caps} max_steps={budget}", outcome


@pytest.mark.parametrize("name", sorted(CASES))
def test_versioned_loops_fail_exactly_where_exact_loops_do(package: RulePackage, name: str) -> None:
    versioned, exact = package[f"{name}_versioned"], package[f"{name}_exact"]
    for inputs in CASES[name][1]:
        args = (*inputs, 0)
        got = dict(_runs(versioned, args))
        want = dict(_runs(exact, args))
        assert got == want, (name, inputs)
        # the sweep reaches past the budget the call needs
        assert (
            got["native caps=('reads_clock',) max_steps=39"]
            == got["native caps=('reads_clock',) unlimited"]
        ), (name, inputs)


@pytest.mark.parametrize("backend", ["native", "wasm"])
def test_a_loop_of_t_iterations_needs_exactly_t_steps(package: RulePackage, backend: str) -> None:
    plain, two_loops = package["plain_versioned"], package["two_loops_versioned"]
    steps = plain.StepLimitExceeded
    for t in (1, 5):
        assert plain.Sandbox(max_steps=t + 1, backend=backend).main(t, 0) == t * (t - 1) // 2
        assert plain.Sandbox(max_steps=t, backend=backend).main(t, 0) == t * (t - 1) // 2
        with pytest.raises(steps):
            plain.Sandbox(max_steps=t - 1, backend=backend).main(t, 0)
    # 6 + 4 iterations: the budget left after the first (versioned) loop is exact
    assert two_loops.Sandbox(max_steps=10, backend=backend).main(6, 0) == 15 + 54
    with pytest.raises(steps):
        two_loops.Sandbox(max_steps=9, backend=backend).main(6, 0)
    # the sum overflows at element 3 of 8 (pending), the drain's map divides by zero at
    # element 6 and that earlier stage's error wins; the 8 iterations all charge a step
    pending = package["pending_overflow_versioned"]
    with pytest.raises(pending.RelonError) as info:
        pending.Sandbox(max_steps=7, backend=backend).main(8, 0)
    assert info.value.kind == "StepLimitExceeded"
    with pytest.raises(pending.RelonError) as info:
        pending.Sandbox(max_steps=8, backend=backend).main(8, 0)
    assert info.value.kind == "DivisionByZero"
    with pytest.raises(pending.RelonError) as info:
        pending.Sandbox(max_steps=5, backend=backend).main(5, 0)
    assert info.value.kind == "NumericOverflow"
