"""Documents compiled for real: schemas in, dict documents out, enums and match.

Each rule runs natively, on wasm and in the reference evaluator; the three must agree
on every result and error. Expected values are worked out by hand from the semantics
(relon-subset.md "Documents").
"""

from __future__ import annotations

import dataclasses
import re
from types import SimpleNamespace
from typing import Any, NamedTuple

import pytest
import support.evaluation as evaluation
from support.rule_package import RulePackage, build_rule_package, outcome

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

ENUM_TEXT = """\
#enum Light { Red, Amber, Green }
#main(Light now) -> String
"light " + now + f" (${now})"
"""

INVOICE = """\
// The reference's invoice pricing, in integer cents.
#enum Kind { Book, Pen, Desk }
#schema LineItem {
    String sku: *,
    #expect "qty must be > 0"
    Int qty: (n) => n > 0,
    #expect "unit_cents must be >= 0"
    Int unit_cents: (c) => c >= 0,
    Kind kind: *
}
#schema Order {
    List<LineItem> items: *,
    #expect "tier must be one of: standard / gold"
    String tier: (t) => t == "standard" || t == "gold"
}
#main(Order order) -> Dict
{
    #internal
    Int line_total(LineItem it): it.qty * it.unit_cents,
    #internal
    volume_bps(sub): sub >= 100000 ? 1000 : sub >= 50000 ? 500 : 0,
    subtotal: [it.qty * it.unit_cents for it in order.items].sum(),
    by_method: order.items.map(line_total).reduce(0, (a, x) => a + x),
    books: order.items.filter((it) => it.kind == Kind.Book).map((it) => it.qty).sum(),
    has_desk: order.items.any((it) => it.kind == Kind.Desk),
    lines: len(order.items),
    discount_bps: volume_bps(&sibling.subtotal) + (order.tier == "gold" ? 300 : 0),
    discount: &sibling.subtotal * &sibling.discount_bps / 10000,
    total: &sibling.subtotal - &sibling.discount
}
"""

PAIRS = """\
#enum Size { S, M, L }
// weights by size: a list of (size, grams) tuples and a threshold
#main(List<(Size, Int)> parcels, Int heavy) -> Dict
{
    count: len(parcels),
    grams: parcels.map((p) => p.1).sum(),
    heavy: [p.1 for p in parcels if p.1 >= heavy].len(),
    large: parcels.filter((p) => p.0 == Size.L).len(),
    first: len(parcels) > 0 ? parcels[0].0 : Size.S,
    points: parcels.reduce(0, (acc, p) => acc + (p.0 match { S: 1, M: 2, L: 3 }))
}
"""

KINDS = """\
#enum Kind { Book, Pen, Desk }
#schema Shelf { List<Kind> holds: *, Int slots: * }
#main(List<Kind> order, Shelf shelf) -> Dict
{
    books: order.filter((k) => k == Kind.Book).len(),
    swapped: order.map((k) => k match { Book: Kind.Pen, Pen: Kind.Book, _: k }),
    fits: [k for k in order if shelf.holds.contains(k)],
    distinct: order.sort().unique(),
    first: order[0],
    label: "top " + order.max(),
    spare: shelf.slots - len(order),
    defaults: [Kind.Desk, shelf.slots > 2 ? Kind.Pen : Kind.Book]
}
"""

PICKED = """\
#enum Kind { Book, Pen }
#schema Line { String sku: *, Int qty: *, Kind kind: * }
#main(List<Line> lines, Int min) -> Dict
{
    big: lines.filter((l) => l.qty >= min),
    books: [l for l in lines if l.kind == Kind.Book],
    big_units: big.map((l) => l.qty).sum(),
    pens_in_big: [l.sku for l in big.filter((l) => l.kind == Kind.Pen)],
    first_big: len(big) > 0 ? big[0].sku : "-"
}
"""

TAGGED = """\
#schema Item {
    String sku: *,
    #expect "needs a tag"
    List<String> tags: (t) => len(t) > 0,
    List<Int> qty: *
}
#main(List<Item> items, Int i) -> Dict
{
    units: items.map((it) => it.qty.sum()).sum(),
    labels: [it.sku + ":" + it.tags.join("+") for it in items],
    first_tag: items[i].tags[0],
    split: items.filter((it) => len(it.qty) > 1).len(),
    all: items
}
"""

RULES = {
    "workflow": WORKFLOW,
    "pricing": PRICING,
    "literals": LITERALS,
    "light": ENUM_IN_OUT,
    "invoice": INVOICE,
    "light_text": ENUM_TEXT,
    "order": "#main(String a, String b) -> (Bool, Bool, Bool, Bool)\n"
    "(a < b, a <= b, a > b, a >= b)",
    "list_eq": "#main(List<Float> a, List<Float> b, List<String> s, List<String> t)"
    " -> (Bool, Bool)\n(a == b, s != t)",
    "fib": "#main(Int n) -> Int\nf(n) where { f: (n) => n < 2 ? n : f(n - 1) + f(n - 2) }",
    "pairs": PAIRS,
    "kinds": KINDS,
    "tagged": TAGGED,
    "picked": PICKED,
    "ends": "#schema I { Int q: *, String s: * }\n#main(List<I> xs, List<(Int, Bool)> ps) -> Dict\n"
    "{ a: xs.first().q, b: xs.last().s, c: ps.last().1, d: ps.first().0 }",
    "paired": "#enum Lane { Slow, Fast }\n#schema P { Int q: *, Lane lane: * }\n"
    "#main(P p) -> (Int, Lane)\n(p.q * 2, p.lane == Lane.Slow ? Lane.Fast : Lane.Slow)",
}
BACKENDS = ["native", "wasm"]


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory) -> RulePackage:
    return build_rule_package(tmp_path_factory.mktemp("documents"), RULES)


def oracle(rule: str, args: tuple[Any, ...]) -> Any:
    return evaluation.outcome(RULES[rule], *args, name=rule)


run = outcome  # what the compiled rule gives on a backend: its value or its error's kind


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
        ({**line(), "qty": "3"}, "ValidationError", "line.qty must be int (Relon Int), not str"),
        ({**line(), "discounts_bps": [1, 2.5]}, "ValidationError", "line.discounts_bps[1]"),
        ({**line(), "customer": 7}, "ValidationError", "line.customer must be a Customer"),
        ({**line(), "qty": 2**63}, "NumericOverflow", "'line.qty' does not fit"),
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
    assert rules["invoice"].main.__doc__.startswith("#main(Order order) -> Dict")
    assert rules["pricing"].main.__doc__.startswith("#main(Line line) -> Dict")
    assert rules["workflow"].main.__doc__.splitlines()[0] == (
        "#main(State state, Event event) -> Dict"
    )
    assert "order workflow" in rules["workflow"].main.__doc__
    assert rules["light"].main("Red", 1) == "Green"


ITEMS = [
    {"sku": "BOOK-01", "qty": 300, "unit_cents": 10000, "kind": "Book"},
    {"sku": "PEN-09", "qty": 4, "unit_cents": 5000, "kind": "Pen"},
    {"sku": "DESK-22", "qty": 1, "unit_cents": 30000, "kind": "Desk"},
]
# subtotal 3,000,000 + 20,000 + 30,000 = 3,050,000; volume 1000 bps + gold 300 bps
INVOICE_RESULT = {
    "subtotal": 3_050_000,
    "by_method": 3_050_000,
    "books": 300,
    "has_desk": True,
    "lines": 3,
    "discount_bps": 1300,
    "discount": 396_500,
    "total": 2_653_500,
}


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_list_of_records_in(rules: RulePackage, backend: str) -> None:
    order = {"items": ITEMS, "tier": "gold"}
    assert run(rules, "invoice", (order,), backend) == INVOICE_RESULT
    assert oracle("invoice", (order,)) == INVOICE_RESULT
    empty = run(rules, "invoice", ({"items": [], "tier": "standard"},), backend)
    assert empty == {**dict.fromkeys(INVOICE_RESULT, 0), "has_desk": False}


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_list_of_records_may_come_as_columns(rules: RulePackage, backend: str) -> None:
    np = pytest.importorskip("numpy")
    columns = {
        "sku": [i["sku"] for i in ITEMS],
        "qty": np.array([i["qty"] for i in ITEMS], dtype=np.int64),
        "unit_cents": [i["unit_cents"] for i in ITEMS],
        "kind": [i["kind"] for i in ITEMS],
    }
    assert run(rules, "invoice", ({"items": columns, "tier": "gold"},), backend) == INVOICE_RESULT
    structured = np.array(
        [(i["sku"], i["qty"], i["unit_cents"], i["kind"]) for i in ITEMS],
        dtype=[("sku", "U10"), ("qty", "i8"), ("unit_cents", "i8"), ("kind", "U10")],
    )
    assert run(rules, "invoice", ({"items": structured, "tier": "gold"},), backend) == (
        INVOICE_RESULT
    )
    assert oracle("invoice", ({"items": columns, "tier": "gold"},)) == INVOICE_RESULT
    module = rules["invoice"]
    short = {**columns, "qty": columns["qty"][:2]}
    with pytest.raises(module.RelonError, match=r"order.items.qty has 2 values") as info:
        module.Sandbox(backend=backend).main({"items": short, "tier": "gold"})
    assert info.value.kind == "ValidationError"
    floats = {**columns, "unit_cents": [1.5, 2.5, 3.5]}
    with pytest.raises(module.RelonError, match=r"order.items\[\].unit_cents") as info:
        module.Sandbox(backend=backend).main({"items": floats, "tier": "gold"})
    assert info.value.kind == "ValidationError"


@pytest.mark.parametrize("backend", BACKENDS)
def test_each_record_of_a_list_is_validated_with_its_index(
    rules: RulePackage, backend: str
) -> None:
    bad = [ITEMS[0], {**ITEMS[1], "unit_cents": -5}, {**ITEMS[2], "qty": 0}]
    module = rules["invoice"]
    with pytest.raises(module.RelonError) as info:
        module.Sandbox(backend=backend).main({"items": bad, "tier": "gold"})
    assert info.value.kind == "ValidationError"
    assert str(info.value) == "order.items[1].unit_cents: unit_cents must be >= 0"
    assert oracle("invoice", ({"items": bad, "tier": "gold"},)) == "ValidationError"
    missing = [ITEMS[0], {"sku": "X", "qty": 1}]
    with pytest.raises(module.RelonError, match=r"order.items\[1\].unit_cents: missing"):
        module.Sandbox(backend=backend).main({"items": missing, "tier": "gold"})
    unknown = [{**ITEMS[0], "kind": "Lamp"}]
    with pytest.raises(module.RelonError, match=r"order.items\[0\].kind must be one of"):
        module.Sandbox(backend=backend).main({"items": unknown, "tier": "gold"})


USER_OK = """\
from __future__ import annotations

from dataclasses import dataclass

from {pkg} import invoice, light


@dataclass
class Item:
    sku: str
    qty: int
    unit_cents: int
    kind: str = "Pen"


def total() -> int:
    result = invoice.main({{"items": [{{"sku": "a", "qty": 1, "unit_cents": 2, "kind": "Pen"}}],
                           "tier": "gold"}})
    return result["total"] + result["lines"]


def light_after() -> str:
    return light.main("Red", 1)
"""

USER_BAD = """\
from {pkg} import invoice, light

light.main("Blue", 1)
invoice.main({{"items": [], "tier": "gold"}})["nope"]
x: str = invoice.main({{"items": [], "tier": "gold"}})["total"]
"""


def test_the_stubs_describe_schemas_documents_and_enums(rules: RulePackage, tmp_path: Any) -> None:
    import subprocess
    import sys

    (tmp_path / "user_ok.py").write_text(USER_OK.format(pkg=rules.name))
    (tmp_path / "user_bad.py").write_text(USER_BAD.format(pkg=rules.name))
    cmd = [
        sys.executable,
        "-m",
        "mypy",
        "--strict",
        "--no-incremental",
        "--config-file",
        "/dev/null",
    ]
    env = {"MYPYPATH": str(rules.root.parent), "PATH": "/usr/bin:/bin"}
    ok = subprocess.run(
        [*cmd, "user_ok.py"], capture_output=True, text=True, cwd=tmp_path, env=env, check=False
    )
    assert ok.returncode == 0, ok.stdout
    bad = subprocess.run(
        [*cmd, "user_bad.py"], capture_output=True, text=True, cwd=tmp_path, env=env, check=False
    )
    lines = [line.split(":")[1] for line in bad.stdout.splitlines() if ": error:" in line]
    assert lines == ["3", "4", "5"], bad.stdout


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_recursive_closure_needs_no_annotation(rules: RulePackage, backend: str) -> None:
    assert [run(rules, "fib", (n,), backend) for n in (0, 1, 2, 10, 20)] == [0, 1, 1, 55, 6765]


NAN = float("nan")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("a", "b"), [("abc", "abd"), ("é", "z"), ("", ""), ("b", "a"), ("ab", "abc"), ("Z", "a")]
)
def test_strings_are_ordered_by_bytes(rules: RulePackage, backend: str, a: str, b: str) -> None:
    # UTF-8 byte order is code point order, which is Python's str order
    expected = (a < b, a <= b, a > b, a >= b)
    assert run(rules, "order", (a, b), backend) == expected
    assert oracle("order", (a, b)) == expected


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (([1.0, NAN], [1.0, NAN], ["a"], ["a"]), (True, False)),  # NaN == NaN, as for Floats
        (([0.0], [-0.0], ["a"], ["a", "b"]), (True, True)),
        (([1.0], [2.0], [], []), (False, False)),
        (([], [1.0], ["x"], ["y"]), (False, True)),
    ],
)
def test_lists_compare_by_length_and_elements(
    rules: RulePackage, backend: str, args: tuple[Any, ...], expected: tuple[bool, bool]
) -> None:
    assert run(rules, "list_eq", args, backend) == expected
    assert oracle("list_eq", args) == expected


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_enum_value_renders_as_its_variant_name(rules: RulePackage, backend: str) -> None:
    for name in ("Red", "Amber", "Green"):
        assert run(rules, "light_text", (name,), backend) == f"light {name} ({name})"
        assert oracle("light_text", (name,)) == f"light {name} ({name})"


class _Subclass(dict):  # type: ignore[type-arg]
    """Takes the general path: only exact dicts take the specialized one."""


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    "arg",
    [
        line(),
        line(qty=0),
        {**line(), "qty": "3"},
        {**line(), "qty": True},
        {**line(), "customer": {"name": "Ada"}},
        {**line(), "discounts_bps": (1, 2)},
        {**line(), "unit_cents": 2**64},
    ],
)
def test_the_fast_and_the_general_path_agree(rules: RulePackage, backend: str, arg: Any) -> None:
    def deep(value: Any) -> Any:
        if isinstance(value, dict):
            return _Subclass({k: deep(v) for k, v in value.items()})
        return value

    module = rules["pricing"]
    main = module.Sandbox(backend=backend).main

    def outcome(value: Any) -> Any:
        try:
            return main(value)
        except module.RelonError as exc:
            return (exc.kind, str(exc))

    assert outcome(arg) == outcome(deep(arg))
    kind = outcome(arg)[0] if isinstance(outcome(arg), tuple) else None
    assert (kind or "value") == (oracle("pricing", (arg,)) if kind else "value")


def test_a_list_of_records_parameter_is_spelled_as_written() -> None:
    from relon_build_backend._relon_runtime.shapes import shape

    item = ("record", "Item", (("q", "Int"),))
    spelled = [shape(s).spelled() for s in ("Int", item, ("list", item))]
    assert spelled == ["Int", "Item", "List<Item>"]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    "given",
    [{"q": 21, "lane": "Slow"}, SimpleNamespace(q=21, lane="Slow")],
    ids=["dict", "object"],
)
def test_a_tuple_result_of_a_rule_over_a_record(
    rules: RulePackage, backend: str, given: object
) -> None:
    # an exact dict takes the specialized entry, an object the general one: both
    # give the tuple, with the enum by name
    assert run(rules, "paired", (given,), backend) == (42, "Fast")
    assert oracle("paired", (given,)) == (42, "Fast")


PARCELS = [("S", 200), ["L", 5000], ("M", 1200), ("L", 900)]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_list_of_tuples_in(rules: RulePackage, backend: str) -> None:
    expected = {"count": 4, "grams": 7300, "heavy": 2, "large": 2, "first": "S", "points": 9}
    assert run(rules, "pairs", (PARCELS, 1000), backend) == expected
    assert oracle("pairs", (PARCELS, 1000)) == expected
    nothing = {"count": 0, "grams": 0, "heavy": 0, "large": 0, "first": "S", "points": 0}
    assert run(rules, "pairs", ((), 1), backend) == nothing


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("parcels", "message"),
    [
        ([("S", 1), ("M",)], "parcels[1] must have 2 elements, not 1"),
        ([("S", 1, 2)], "parcels[0] must have 2 elements, not 3"),
        ([("XL", 1)], "parcels[0][0] must be one of S, M, L"),
        ([("S", 1.5)], "parcels[0][1] must be int"),
        ([7], "parcels[0] must be a (Size, Int) tuple, not int"),
        ([{"0": "S", "1": 1}], "parcels[0] must be a (Size, Int) tuple, not dict"),
    ],
)
def test_a_tuple_of_the_wrong_shape_is_refused(
    rules: RulePackage, backend: str, parcels: Any, message: str
) -> None:
    module = rules["pairs"]
    with pytest.raises(module.ValidationError, match=re.escape(message)):
        module.Sandbox(backend=backend).main(parcels, 1)
    assert oracle("pairs", (parcels, 1)) == "ValidationError"
    with pytest.raises(module.MainArgTypeMismatch, match="must be a sequence of"):
        module.main("S1", 1)


def test_the_stubs_spell_a_list_of_tuples(rules: RulePackage) -> None:
    stub = (rules.root / "pairs.py").read_text()
    assert "def main(parcels: Sequence[tuple[Size, int]], heavy: int) -> MainResult:" in stub
    assert rules["pairs"].main.__doc__.startswith("#main(List<(Size, Int)> parcels, Int heavy)")


SHELF = {"holds": ["Pen", "Book"], "slots": 5}


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_list_of_enums_in_and_out(rules: RulePackage, backend: str) -> None:
    order = ["Desk", "Book", "Pen", "Book"]
    expected = {
        "books": 2,
        "swapped": ["Desk", "Pen", "Book", "Pen"],
        "fits": ["Book", "Pen", "Book"],
        "distinct": ["Book", "Pen", "Desk"],
        "first": "Desk",
        "label": "top Desk",
        "spare": 1,
        "defaults": ["Desk", "Pen"],
    }
    assert run(rules, "kinds", (order, SHELF), backend) == expected
    assert oracle("kinds", (order, SHELF)) == expected
    assert run(rules, "kinds", ([], SHELF), backend) == "IndexOutOfBounds"
    assert oracle("kinds", ([], SHELF)) == "IndexOutOfBounds"


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_unknown_variant_in_a_list_names_its_index(rules: RulePackage, backend: str) -> None:
    module = rules["kinds"]
    with pytest.raises(module.ValidationError, match=re.escape("order[1] must be one of Book")):
        module.Sandbox(backend=backend).main(["Pen", "Lamp"], SHELF)
    with pytest.raises(module.ValidationError, match=re.escape("shelf.holds[0] must be one of")):
        module.Sandbox(backend=backend).main(["Pen"], {"holds": [3], "slots": 1})
    with pytest.raises(module.MainArgTypeMismatch, match="must be a sequence of Kind"):
        module.main("Pen", SHELF)
    stub = (rules.root / "kinds.py").read_text()
    assert "def main(order: Sequence[Kind], shelf: ShelfIn) -> MainResult:" in stub


@pytest.mark.parametrize("backend", BACKENDS)
def test_first_and_last_of_records_and_tuples(rules: RulePackage, backend: str) -> None:
    items = [{"q": 1, "s": "x"}, {"q": 2, "s": "yz"}]
    args = (items, [(5, False), (6, True)])
    assert run(rules, "ends", args, backend) == {"a": 1, "b": "yz", "c": True, "d": 5}
    assert oracle("ends", args) == {"a": 1, "b": "yz", "c": True, "d": 5}
    assert run(rules, "ends", ([], [(1, True)]), backend) == "EmptyList"
    assert run(rules, "ends", (items, []), backend) == "EmptyList"
    assert oracle("ends", ([], [(1, True)])) == "EmptyList"


TAGGED_ITEMS = [
    {"sku": "A", "tags": ["x", "y"], "qty": [1, 2]},
    {"sku": "B", "tags": ["z"], "qty": [5]},
]


@pytest.mark.parametrize("backend", BACKENDS)
def test_records_of_a_list_may_hold_lists(rules: RulePackage, backend: str) -> None:
    expected = {
        "units": 8,
        "labels": ["A:x+y", "B:z"],
        "first_tag": "z",
        "split": 1,
        "all": TAGGED_ITEMS,
    }
    assert run(rules, "tagged", (TAGGED_ITEMS, 1), backend) == expected
    assert oracle("tagged", (TAGGED_ITEMS, 1)) == expected
    columns = {k: [item[k] for item in TAGGED_ITEMS] for k in ("sku", "tags", "qty")}
    assert run(rules, "tagged", (columns, 1), backend) == expected
    untagged = [{"sku": "C", "tags": [], "qty": []}]
    module = rules["tagged"]
    with pytest.raises(module.ValidationError, match=re.escape("items[0].tags: needs a tag")):
        module.Sandbox(backend=backend).main(untagged, 0)
    assert oracle("tagged", (untagged, 0)) == "ValidationError"
    assert run(rules, "tagged", (TAGGED_ITEMS, 2), backend) == "IndexOutOfBounds"
    with pytest.raises(module.ValidationError, match=re.escape("items[1].qty[0] must be int")):
        module.main([TAGGED_ITEMS[0], {"sku": "D", "tags": ["t"], "qty": ["1"]}], 0)


LINES = [
    {"sku": "B1", "qty": 5, "kind": "Book"},
    {"sku": "P1", "qty": 1, "kind": "Pen"},
    {"sku": "P2", "qty": 9, "kind": "Pen"},
]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_filtered_list_of_records_is_a_value(rules: RulePackage, backend: str) -> None:
    expected = {
        "big": [LINES[0], LINES[2]],
        "books": [LINES[0]],
        "big_units": 14,
        "pens_in_big": ["P2"],
        "first_big": "B1",
    }
    assert run(rules, "picked", (LINES, 3), backend) == expected
    assert oracle("picked", (LINES, 3)) == expected
    none = {"big": [], "books": [LINES[0]], "big_units": 0, "pens_in_big": [], "first_big": "-"}
    assert run(rules, "picked", (LINES, 100), backend) == none
    assert oracle("picked", (LINES, 100)) == none
