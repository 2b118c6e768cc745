"""Documents compiled for real: schemas in, dict documents out, enums and match.

Each rule runs natively, on wasm and in the reference evaluator; the three must agree
on every result and error. Expected values are worked out by hand from the semantics
(relon-subset.md "Documents").
"""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace
from typing import Any, NamedTuple

import pytest

from relon_build_backend.evaluator import EvaluationError, evaluate
from relon_build_backend.frontend.checker import check_module
from relon_build_backend.frontend.parser import parse_module
from relon_build_backend.frontend.source import SourceFile

from .harness import RulePackage, build_rule_package

pytestmark = [pytest.mark.rustc, pytest.mark.wasm]

WORKFLOW = """\
// The reference's order workflow: state and event in, next state and effects out.
#enum State { Placed, Paid, Shipped, Delivered, Cancelled }
#enum Event { Pay, Ship, Deliver, Cancel }
#main(State state, Event event) -> Dict
{
    #internal
    State step(State s, Event e): e match {
        Pay: s match { Placed: State.Paid, _: s },
        Ship: s match { Paid: State.Shipped, _: s },
        Deliver: s match { Shipped: State.Delivered, _: s },
        Cancel: s match { Placed: State.Cancelled, Paid: State.Cancelled, _: s }
    },
    #internal
    String label(State s): s match {
        Placed: "placed", Paid: "paid", Shipped: "shipped",
        Delivered: "delivered", Cancelled: "cancelled"
    },
    State next: step(state, event),
    String next_label: label(&sibling.next),
    Bool moved: &sibling.next != state
}
"""

PRICING = """\
#schema Customer {
    String name: *,
    #expect "tier must be standard or gold"
    String tier: (t) => t == "standard" || t == "gold"
}
#schema Line {
    #expect "qty must be > 0"
    Int qty: (n) => n > 0,
    #expect "unit_cents must be >= 0"
    Int unit_cents: (c) => c >= 0,
    Customer customer: *,
    List<Int> discounts_bps: *
}
#main(Line line)
{
    // fields out of order: each is evaluated after what it reads
    total: &sibling.taxable + &sibling.tax,
    subtotal: line.qty * line.unit_cents,
    #internal
    rate_bps: line.customer.tier == "gold" ? 300 : 0,
    discount: subtotal * (rate_bps + line.discounts_bps.sum()) / 10000,
    taxable: &sibling.subtotal - &sibling.discount,
    tax: &sibling.taxable * 8 / 100,
    display: {
        who: line.customer.name,
        total: &root.total,
        cents: &root.total % 100
    }
}
"""

LITERALS = """\
#main(Int code, String region, Bool vip) -> (String, Int)
(
    code match { 200: "ok", 404: "missing", -1: "negative", _: "other" },
    (region match { "eu": 1, "us": 2, _: 0 }) * 10 + (vip match { true: 1, false: 0 })
)
"""

ENUM_IN_OUT = """\
#enum Light { Red, Amber, Green }
#main(Light now, Int ticks) -> Light
ticks <= 0 ? now : now match { Red: Light.Green, Green: Light.Amber, Amber: Light.Red }
"""

RULES = {"workflow": WORKFLOW, "pricing": PRICING, "literals": LITERALS, "light": ENUM_IN_OUT}
BACKENDS = ["native", "wasm"]


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory) -> RulePackage:
    return build_rule_package(tmp_path_factory.mktemp("documents"), RULES)


def oracle(rule: str, args: tuple[Any, ...]) -> Any:
    checked = check_module(parse_module(SourceFile(f"{rule}.relon", RULES[rule])), ())
    try:
        return evaluate(checked, args)
    except EvaluationError as exc:
        return exc.kind


def run(rules: RulePackage, rule: str, args: tuple[Any, ...], backend: str) -> Any:
    module = rules[rule]
    try:
        return module.Sandbox(backend=backend).main(*args)
    except module.RelonError as exc:
        return exc.kind


def line(qty: int = 3, cents: int = 1250, tier: str = "gold", bps: list[int] | None = None) -> Any:
    customer = {"name": "Ada", "tier": tier}
    return {
        "qty": qty,
        "unit_cents": cents,
        "customer": customer,
        "discounts_bps": [200] if bps is None else bps,
    }


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("state", "event", "expected"),
    [
        ("Placed", "Pay", {"next": "Paid", "next_label": "paid", "moved": True}),
        ("Paid", "Ship", {"next": "Shipped", "next_label": "shipped", "moved": True}),
        ("Shipped", "Pay", {"next": "Shipped", "next_label": "shipped", "moved": False}),
        ("Paid", "Cancel", {"next": "Cancelled", "next_label": "cancelled", "moved": True}),
        ("Delivered", "Cancel", {"next": "Delivered", "next_label": "delivered", "moved": False}),
    ],
)
def test_the_workflow_document(
    rules: RulePackage, backend: str, state: str, event: str, expected: dict[str, Any]
) -> None:
    assert run(rules, "workflow", (state, event), backend) == expected
    assert oracle("workflow", (state, event)) == expected


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_schema_in_and_a_document_out(rules: RulePackage, backend: str) -> None:
    # subtotal 3750; discount 3750 * (300 + 200) / 10000 = 187; taxable 3563;
    # tax 3563 * 8 / 100 = 285; total 3848
    expected = {
        "total": 3848,
        "subtotal": 3750,
        "discount": 187,
        "taxable": 3563,
        "tax": 285,
        "display": {"who": "Ada", "total": 3848, "cents": 48},
    }
    assert run(rules, "pricing", (line(),), backend) == expected
    assert oracle("pricing", (line(),)) == expected
    assert list(run(rules, "pricing", (line(),), backend)) == list(expected)  # field order


@dataclasses.dataclass
class Customer:
    name: str
    tier: str


class LineTuple(NamedTuple):
    qty: int
    unit_cents: int
    customer: Customer
    discounts_bps: tuple[int, ...]


@pytest.mark.parametrize("backend", BACKENDS)
def test_records_come_from_mappings_dataclasses_named_tuples_and_objects(
    rules: RulePackage, backend: str
) -> None:
    from_dict = run(rules, "pricing", (line(tier="standard", bps=[]),), backend)
    from_objects = LineTuple(3, 1250, Customer("Ada", "standard"), ())
    attrs = SimpleNamespace(
        qty=3,
        unit_cents=1250,
        customer=SimpleNamespace(name="Ada", tier="standard"),
        discounts_bps=[],
    )
    assert from_dict["subtotal"] == 3750 and from_dict["discount"] == 0
    assert run(rules, "pricing", (from_objects,), backend) == from_dict
    assert run(rules, "pricing", (attrs,), backend) == from_dict
    assert rules["pricing"].Sandbox(backend=backend).main(line=attrs) == from_dict


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("arg", "message"),
    [
        (line(qty=0), "line.qty: qty must be > 0"),
        (line(cents=-1), "line.unit_cents: unit_cents must be >= 0"),
        (line(tier="silver"), "line.customer.tier: tier must be standard or gold"),
    ],
)
def test_a_failed_expect_raises_validation_error_with_its_path(
    rules: RulePackage, backend: str, arg: Any, message: str
) -> None:
    module = rules["pricing"]
    with pytest.raises(module.RelonError) as info:
        module.Sandbox(backend=backend).main(arg)
    assert info.value.kind == "ValidationError"
    assert isinstance(info.value, ValueError)
    assert str(info.value) == message
    assert oracle("pricing", (arg,)) == "ValidationError"


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("arg", "kind", "text"),
    [
        ({"qty": 1}, "ValidationError", "line.unit_cents: missing field of Line"),
        ({**line(), "qty": "3"}, "ValidationError", "line.qty must be Int, not str"),
        ({**line(), "discounts_bps": [1, 2.5]}, "ValidationError", "line.discounts_bps[1]"),
        ({**line(), "customer": 7}, "ValidationError", "line.customer must be a Customer"),
        ({**line(), "qty": 2**63}, "NumericOverflow", "line.qty does not fit"),
        (42, "MainArgTypeMismatch", "argument line must be a Line"),
    ],
)
def test_a_value_that_does_not_match_its_schema_is_refused(
    rules: RulePackage, backend: str, arg: Any, kind: str, text: str
) -> None:
    module = rules["pricing"]
    with pytest.raises(module.RelonError) as info:
        module.Sandbox(backend=backend).main(arg)
    assert info.value.kind == kind
    assert text in str(info.value)
    assert oracle("pricing", (arg,)) == kind


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((200, "eu", True), ("ok", 11)),
        ((404, "us", False), ("missing", 20)),
        ((-1, "apac", True), ("negative", 1)),
        ((7, "", False), ("other", 0)),
    ],
)
def test_match_on_int_string_and_bool_literals(
    rules: RulePackage, backend: str, args: tuple[Any, ...], expected: tuple[str, int]
) -> None:
    assert run(rules, "literals", args, backend) == expected
    assert oracle("literals", args) == expected


@pytest.mark.parametrize("backend", BACKENDS)
def test_enum_values_cross_as_variant_names(rules: RulePackage, backend: str) -> None:
    main = rules["light"].Sandbox(backend=backend).main
    assert [main(x, 1) for x in ("Red", "Amber", "Green")] == ["Green", "Red", "Amber"]
    assert main("Amber", 0) == "Amber"
    assert run(rules, "light", ("Blue", 1), backend) == "ValidationError"
    assert run(rules, "light", (0, 1), backend) == "MainArgTypeMismatch"
    assert oracle("light", ("Blue", 1)) == "ValidationError"


def test_main_shows_the_signature_as_written(rules: RulePackage) -> None:
    assert rules["pricing"].main.__doc__.startswith("#main(Line line) -> Dict")
    assert rules["workflow"].main.__doc__.splitlines()[0] == (
        "#main(State state, Event event) -> Dict"
    )
    assert "order workflow" in rules["workflow"].main.__doc__
    assert rules["light"].main("Red", 1) == "Green"
