"""Documents in the checker: what schemas, enums, match and dict documents become, and
each mistake's located diagnostic."""

from __future__ import annotations

import pytest

from relon_build_backend.frontend import typed
from relon_build_backend.frontend.checker import CheckedModule, check_module
from relon_build_backend.frontend.diagnostics import SourceError
from relon_build_backend.frontend.parser import parse_module
from relon_build_backend.frontend.source import SourceFile
from relon_build_backend.frontend.types import INT, STRING, EnumType, TupleOf


def check(text: str) -> CheckedModule:
    return check_module(parse_module(SourceFile("rule.relon", text)), ())


def first_error(text: str) -> tuple[str, str, str | None]:
    """``(line:col, message, hint)`` of the first diagnostic."""
    with pytest.raises(SourceError) as info:
        check(text)
    diag = info.value.diagnostics[0]
    line, col = diag.span.source.line_col(diag.span.start)
    return f"{line}:{col}", diag.message, diag.hint


SCHEMA = '#schema Item { #expect "qty must be > 0"\nInt qty: (n) => n > 0, String sku: * }\n'


def test_a_schema_parameter_is_a_record_and_its_checks_wrap_the_body() -> None:
    checked = check(SCHEMA + "#main(Item it) -> Int\nit.qty * 2")
    (param,) = checked.params
    assert param.type == TupleOf((INT, STRING), ("qty", "sku"), "Item")
    assert isinstance(checked.body, typed.Validate)
    assert isinstance(checked.body.message, typed.Literal_)
    assert checked.body.message.value == "it.qty: qty must be > 0"
    assert checked.surface == (
        (("it", ("record", "Item", (("qty", "Int"), ("sku", "String")))),),
        "Int",
    )


def test_a_document_is_lets_in_dependency_order_then_a_record() -> None:
    checked = check("#main(Int n)\n{ b: &sibling.a + 1, a: n * 2, #internal c: 0 }")
    assert checked.result == TupleOf((INT, INT), ("b", "a"), "Dict")
    body = checked.body
    order = []
    while isinstance(body, typed.Let):
        order.append(body.binder.name)
        body = body.body
    assert order == ["a", "b", "c"]
    assert isinstance(body, typed.MakeTuple)


def test_an_enum_value_is_its_index() -> None:
    checked = check("#enum C { R, G, B }\n#main() -> C\nC.B")
    assert checked.result == EnumType("C", ("R", "G", "B"))
    assert isinstance(checked.body, typed.EnumValue) and checked.body.index == 2


@pytest.mark.parametrize(
    ("text", "at", "message"),
    [
        ("#main(Int n)\n{ a: &sibling.b, b: &sibling.a }", "2:21", "reference cycle: a -> b -> a"),
        ("#main(Int n)\n{ a: a + 1 }", "2:6", "reference cycle: a -> a"),
        ("#main(Int n)\n{ a: &sibling.c }", "2:6", "the enclosing document has no field 'c'"),
        ("#main(Int n)\n{ a: 1, x: { b: &root.z } }", "2:17", "the root document has no field 'z'"),
        ("#main(Int n) -> Int\n&sibling.a", "2:1", "'&sibling' can only be used inside"),
        ("#main(Int n)\n{ #internal a: 1 }", "2:1", "a document needs at least one field"),
        ("#main(Int n) -> Dict\nn", "2:1", "a -> Dict rule must return a document, not Int"),
        ("#main(Int n)\n{ a: 1, a: 2 }", "2:9", "'a' is defined twice in this document"),
    ],
)
def test_document_mistakes(text: str, at: str, message: str) -> None:
    where, got, _ = first_error(text)
    assert (where, got[: len(message)]) == (at, message)


@pytest.mark.parametrize(
    ("text", "at", "message"),
    [
        (
            "#enum C { R, G, B }\n#main(C c) -> Int\nc match { R: 1, G: 2 }",
            "3:1",
            "this match does not cover B",
        ),
        (
            "#main(Int n) -> Int\nn match { 1: 10, 2: 20 }",
            "2:1",
            "this match on Int needs a '_' arm",
        ),
        (
            "#enum C { R }\n#main(C c) -> Int\nc match { Q: 1, _: 0 }",
            "3:11",
            "#enum C has no variant",
        ),
        ('#main(Int n) -> Int\nn match { "a": 1, _: 0 }', "2:11", "a String pattern cannot match"),
        ("#main(Int n) -> Int\nn match { _: 1, 2: 0 }", "2:17", "this arm can never match"),
        ("#main(Int n) -> Int\nn match { 1: 1, 1: 2, _: 0 }", "2:17", "this arm repeats"),
        ("#main(Bool b) -> Int\nb match { true: 1 }", "2:1", "this match does not cover false"),
        ('#main(Int n) -> Int\nn match { 1: 1, _: "x" }', "2:20", "the arms of this match"),
        ("#enum C { R, R }\n#main() -> Int\n1", "1:14", "duplicate variant 'R'"),
        ("#main(Float x) -> Int\nx match { _: 1 }", "2:1", "match needs an enum, Int"),
    ],
)
def test_enum_and_match_mistakes(text: str, at: str, message: str) -> None:
    where, got, _ = first_error(text)
    assert (where, got[: len(message)]) == (at, message)


@pytest.mark.parametrize(
    ("text", "at", "message"),
    [
        ("#schema S { Int a: * }\n#main(S s) -> Int\ns.b", "3:3", "S has no field 'b'"),
        ("#main(Int n) -> Int\nn.b", "2:3", "Int has no field 'b'"),
        ("#schema S { Int a: *, Int a: * }\n#main() -> Int\n1", "1:23", "duplicate field 'a'"),
        (
            "#schema S { Int a: * }\n#schema S { Int b: * }\n#main() -> Int\n1",
            "2:1",
            "the type name",
        ),
        ("#schema S { Int a: 3 }\n#main() -> Int\n1", "1:20", "the check of schema field"),
        (
            "#schema S { Int a: (x) => x + 1 }\n#main(S s) -> Int\ns.a",
            "1:13",
            "the #expect check of 'a' must be Bool",
        ),
        (
            "#schema T { Int x: * }\n#schema S { List<T> a: * }\n#main(List<S> xs) -> Int\n1",
            "3:7",
            "List<S> values are not supported",
        ),
        ("#schema S { Intt a: * }\n#main() -> Int\n1", "1:13", "unknown type 'Intt'"),
    ],
)
def test_schema_mistakes(text: str, at: str, message: str) -> None:
    where, got, _ = first_error(text)
    assert (where, got[: len(message)]) == (at, message)
