"""``List<List<T>>`` parameters compiled for real (relon-subset.md "Lists may nest").

A list of lists crosses as its offsets and its elements (docs/abi.md "Lists of lists");
a rule reads an element list without copying it. Every rule runs natively, on wasm and
in the reference evaluator, which must agree on every result and error.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import support.evaluation as evaluation
from support.rule_package import RulePackage, build_rule_package, outcome

pytestmark = [pytest.mark.rustc, pytest.mark.wasm]

RULES = {
    "ints": "#main(List<List<Int>> xs) -> Int\n"
    "xs.map((r) => r.sum()).sum() + len(xs) * 100 + [len(r) for r in xs if len(r) > 1].sum()",
    "pick": "#main(List<List<Int>> xs, Int i, Int j) -> Int\nxs[i][j]",
    "texts": "#main(List<List<String>> rows, Int i) -> String\n"
    'rows[i].join(",") + "|" + rows.filter((r) => len(r) > 1).map((r) => r[0])'
    '.reduce("", (a, x) => a + x)',
    "floats": "#main(List<List<Float>> m) -> List<Float>\n"
    "m.map((r) => r.reduce(0.0, (a, x) => a + x))",
    "bools": "#main(List<List<Bool>> m, Int k) -> Bool\n"
    "m.any((r) => r.all((x) => x) && len(r) == k)",
    "helper": "#main(List<List<Int>> m) -> List<Int>\n"
    "m.map((r) => top(r)) where { top: (List<Int> r) -> Int => len(r) > 0 ? r.max() : -1 }",
    "sums": "#main(List<List<Int>> m) -> Int\n"
    "m.reduce(0, (acc, r) => acc + r.reduce(0, (a, x) => a + x))",
}
BACKENDS = ["native", "wasm"]


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory) -> RulePackage:
    return build_rule_package(Path(tmp_path_factory.mktemp("nested")), RULES)


def oracle(rule: str, args: tuple[Any, ...]) -> Any:
    return evaluation.outcome(RULES[rule], *args, name=rule)


run = outcome  # what the compiled rule gives on a backend: its value or its error's kind


CASES = [
    ("ints", ([[1, 2], [3], []],), 6 + 300 + 2),
    ("ints", ([],), 0),
    ("ints", (((5,), [6, 7]),), 18 + 200 + 2),
    ("ints", ([[2**62], [2**62, 2**62]],), "NumericOverflow"),
    ("pick", ([[1, 2], [3]], 1, 0), 3),
    ("pick", ([[1, 2], [3]], 0, 1), 2),
    ("pick", ([[1, 2], [3]], 1, 1), "IndexOutOfBounds"),
    ("pick", ([[1, 2], [3]], 2, 0), "IndexOutOfBounds"),
    ("pick", ([[1, 2], [3]], -1, 0), "IndexOutOfBounds"),
    ("pick", ([[1, 2], [3]], 2**63 - 1, 0), "IndexOutOfBounds"),
    ("pick", ([], 0, 0), "IndexOutOfBounds"),
    ("texts", ([["a", "b"], ["c"], []], 0), "a,b|a"),
    ("texts", ([["xy", "z"], ["q", "r"], ["Zürich"]], 2), "Zürich|xyq"),
    ("texts", ([["a"]], 1), "IndexOutOfBounds"),
    ("floats", ([[1.5, 2], [], [0.25]],), [3.5, 0.0, 0.25]),
    ("bools", ([[True, True], [False], []], 2), True),
    ("bools", ([[True, False], [True]], 2), False),
    ("bools", ([[]], 0), True),
    ("helper", ([[3, 9, 2], [], [-4]],), [9, -1, -4]),
    ("sums", ([[1, 2, 3], [10], []],), 16),
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("rule", "args", "expected"), CASES)
def test_lists_of_lists(
    rules: RulePackage, backend: str, rule: str, args: tuple[Any, ...], expected: Any
) -> None:
    assert run(rules, rule, args, backend) == expected
    assert oracle(rule, args) == expected


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        ([[1, "x"]], "MainArgTypeMismatch", "argument 'xs[0][1]' must be int"),
        ([[1], [True]], "MainArgTypeMismatch", "argument 'xs[1][0]' must be int"),
        ([[1], 2], "MainArgTypeMismatch", "argument 'xs[1]' must be a sequence (List<Int>)"),
        ([[1], "ab"], "MainArgTypeMismatch", "argument 'xs[1]' must be a sequence"),
        ("ab", "MainArgTypeMismatch", "argument 'xs' must be a sequence of sequences"),
        ([[2**63]], "NumericOverflow", "does not fit in an Int"),
    ],
)
def test_a_bad_list_of_lists_is_refused(
    rules: RulePackage, backend: str, value: Any, error: str, message: str
) -> None:
    module = rules["ints"]
    with pytest.raises(getattr(module, error), match=re.escape(message)):
        module.Sandbox(backend=backend).main(value)
    assert oracle("ints", (value,)) == error


def test_main_and_its_stub_show_the_list_of_lists(rules: RulePackage) -> None:
    assert rules["pick"].main.__doc__.startswith("#main(List<List<Int>> xs, Int i, Int j) -> Int")
    stub = (rules.root / "pick.py").read_text()
    assert "def main(xs: Sequence[Sequence[int] | Buffer], i: int, j: int) -> int:" in stub
    assert rules["ints"].main(xs=[[1]]) == 101
