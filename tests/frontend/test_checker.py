"""The type checker: the CheckedModule contract and full rendered diagnostics."""

from __future__ import annotations

import pytest

from relon_build_backend.frontend import typed
from relon_build_backend.frontend.checker import CheckedModule, check_module
from relon_build_backend.frontend.diagnostics import SourceError
from relon_build_backend.frontend.hosts import HostFunction
from relon_build_backend.frontend.parser import parse_module
from relon_build_backend.frontend.source import SourceFile, Span
from relon_build_backend.frontend.types import FLOAT, INT, STRING

SHIM = SourceFile("host_shim.rs", '#[no_mangle]\npub extern "C" fn tick(x: i64) -> i64 { x }\n')
TICK = HostFunction("tick", ("Int",), "Int", frozenset({"reads_clock"}), Span(SHIM, 13, 56))


def check(text: str, hosts: tuple[HostFunction, ...] = ()) -> CheckedModule:
    return check_module(parse_module(SourceFile("rule.relon", text)), hosts)


def errors(text: str, hosts: tuple[HostFunction, ...] = ()) -> str:
    with pytest.raises(SourceError) as info:
        check(text, hosts)
    return info.value.render()


def test_checked_module_exposes_the_main_signature_and_doc() -> None:
    checked = check(
        "// Quote a price.\n// Two lines.\n#main(Int qty, Float price, Bool gold) -> Float\n"
        "gold ? qty * price * 0.9 : qty * price"
    )
    assert checked.main_params == (("qty", "Int"), ("price", "Float"), ("gold", "Bool"))
    assert checked.main_result == "Float"
    assert checked.doc == "Quote a price.\nTwo lines."
    assert checked.module.doc == checked.doc
    assert checked.result == FLOAT
    assert [p.name for p in checked.params] == ["qty", "price", "gold"]


def test_widening_is_explicit_in_the_typed_tree() -> None:
    body = check("#main(Int n, Float x) -> Float\nn + x").body
    assert isinstance(body, typed.Arith)
    assert body.type == FLOAT
    assert isinstance(body.left, typed.Widen)
    assert isinstance(body.right, typed.Var)


def test_unannotated_closure_gets_one_instance_per_signature() -> None:
    checked = check(
        "#main(Int n, Float x) -> Float\nf(n) + f(x) + f(n + 1) where { f: (v) => v * 2 }"
    )
    assert [(f.name, [p.type for p in f.params], f.result) for f in checked.functions] == [
        ("f", [INT], INT),
        ("f_2", [FLOAT], FLOAT),
    ]


def test_unused_unannotated_closure_is_not_emitted() -> None:
    assert check("#main(Int n) -> Int\nn where { f: (v) => v * 2 }").functions == ()


def test_type_error_in_the_fail_type_package_renders_fully() -> None:
    assert errors("#main(Int x) -> Int\nx && true\n") == (
        "rule.relon:2:1: error: the left operand of '&&' must be Bool, not Int\n"
        "    x && true\n"
        "    ^\n"
        "  hint: compare explicitly, e.g. `x != 0`"
    )


def test_int_float_equality_is_an_error_with_a_hint() -> None:
    assert errors("#main(Int n, Float x) -> Bool\nx != n") == (
        "rule.relon:2:3: error: cannot compare Int with Float using '!='\n"
        "    x != n\n"
        "      ^~\n"
        "  hint: make both sides Float: write a Float literal (`1.0`, not `1`) or widen the "
        "Int side with `* 1.0`"
    )


def test_all_errors_of_a_file_are_reported_in_source_order() -> None:
    assert errors("#main(Int count) -> Int\ncont + frobnicate(count) + range(count).sume()") == (
        "rule.relon:2:1: error: unknown name 'cont'\n"
        "    cont + frobnicate(count) + range(count).sume()\n"
        "    ^~~~\n"
        "  hint: did you mean 'count'?\n"
        "rule.relon:2:8: error: unknown function 'frobnicate'\n"
        "    cont + frobnicate(count) + range(count).sume()\n"
        "           ^~~~~~~~~~\n"
        '  hint: host functions come from the #[no_mangle] pub extern "C" fns of host_shim.rs\n'
        "rule.relon:2:41: error: unknown list method 'sume'\n"
        "    cont + frobnicate(count) + range(count).sume()\n"
        "                                            ^~~~\n"
        "  hint: did you mean 'sum'?"
    )


def test_host_function_mistakes_name_the_call_site() -> None:
    assert errors("#main(Int n) -> Int\ntick(n, n) + tik(1.5)", (TICK,)) == (
        "rule.relon:2:1: error: host function 'tick' takes 1 argument, got 2\n"
        "    tick(n, n) + tik(1.5)\n"
        "    ^~~~~~~~~~\n"
        "rule.relon:2:14: error: unknown function 'tik'\n"
        "    tick(n, n) + tik(1.5)\n"
        "                 ^~~\n"
        "  hint: did you mean 'tick'?"
    )


def test_recursion_without_a_base_case_asks_for_a_result_type() -> None:
    assert errors("#main(Int n) -> Int\nf(n) where { f: (k) => f(k - 1) }") == (
        "rule.relon:2:24: error: the recursive call of 'f' needs the closure's result type\n"
        "    f(n) where { f: (k) => f(k - 1) }\n"
        "                           ^~~~~~~~\n"
        "  hint: annotate the result type, e.g. `f: (k) -> Int => ...`"
    )


@pytest.mark.parametrize(
    ("closure", "result"),
    [
        ("(n) => n < 2 ? n : f(n - 1) + f(n - 2)", INT),
        ("(n) => n > 0 ? f(n - 1) * 0.5 : 1.0", FLOAT),
        ('(n) => n match { 0: "", _: f(n - 1) + "x" }', STRING),
    ],
)
def test_a_recursive_closure_takes_its_base_case_type(closure: str, result: object) -> None:
    checked = check(f"#main(Int n) -> {result}\nf(n) where {{ f: {closure} }}")
    (function,) = checked.functions
    assert function.result == result


def test_missing_main_and_unsupported_values() -> None:
    assert errors("[[1]]") == (
        "rule.relon:1:1: error: this file has no #main directive\n"
        "    [[1]]\n"
        "    ^~~~~\n"
        "  hint: declare the entry signature before the expression, e.g. `#main(Int n) -> Int`\n"
        "rule.relon:1:2: error: list elements of type List<Int> are not supported by the AOT "
        "compiler\n"
        "    [[1]]\n"
        "     ^~~\n"
        "  hint: list elements are Int, Float, Bool, String or enum values"
    )


def test_where_binding_sees_only_earlier_bindings() -> None:
    assert errors("#main(Int n) -> Int\na where { a: b + 1, b: n }") == (
        "rule.relon:2:14: error: unknown name 'b'\n"
        "    a where { a: b + 1, b: n }\n"
        "                 ^"
    )


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("#main(Int n) -> Int\nrange(n).map((i) => i)", "must be Int, not List<Int>"),
        ("#main(Int n) -> Int\nrange(n).reduce(0, (a, i) => a + 0.5)", "returns Float, but"),
        ("#main(Bool p) -> Int\np ? 1 : 2.0", "different types: Int and Float"),
        ("#main(Int n) -> Int\nn ? 1 : 2", "condition of '?:' must be Bool"),
        ("#main(Int n) -> Bool\n-true", "unary '-' needs an Int or Float"),
        ("#main(Int n) -> Int\nabs(1, 2)", "'abs' takes 1 argument, got 2"),
        ("#main(Int n) -> Int\nrange(n).all((i) => i)", "predicate must return Bool"),
        ("#main(Int n) -> Int\nn where { a: 1, a: 2 }", "'a' is bound twice"),
        ("#main(Int n, Int n) -> Int\nn", "duplicate #main parameter 'n'"),
        ("#main(Int n) -> Int\nf(n) where { f: (a, b) => a }", "'f' takes 2 arguments, got 1"),
        ("#main(Int n) -> Int\n(n, n)", "must be Int, not (Int, Int)"),
        ("#main(Bool s) -> Bool\ns < s", "'<' needs Int or Float operands"),
        ("#main(List<Int> xs) -> Int\nxs.sum(1)", "'.sum' takes 0 arguments, got 1"),
        ("#main(List<Int> xs) -> Int\nxs[true]", "a list index must be Int, not Bool"),
        ("#main(String s) -> String\ns.substring(1)", "'.substring' takes 2 arguments"),
        ("#main(Int n) -> Int\nn.upper()", "Int has no method 'upper'"),
        ("#main(List<Int> xs) -> Int\nxs.upper()", "'upper' is a String method"),
        ("#main(List<Int> xs) -> Int\n(xs, 1).2", "the tuple (List<Int>, Int) has no element 2"),
        ("#main(Int n) -> Int\nt.0 where { t: 5 }", "'.0' needs a tuple, not Int"),
        ("#main(Int n) -> (Int, Int)\n(n, (n, n))", "a tuple element of type (Int, Int)"),
        ("#main(Int n) -> Int\nlen(n)", "Int has no method 'len'"),
        ("#main(Int n) -> List<Int>\n[x for x in n]", "a List or range(...) is needed here"),
        ("#main(Int n) -> Int\n[1, 2].map((x) => x).reduce([], (a, x) => a)", "empty list"),
        ("#main(Int n) -> Float\nrange(n).map((i) => true).sum()", "needs Int or Float elements"),
    ],
)
def test_error_messages(source: str, message: str) -> None:
    assert message in errors(source)


def test_too_deep_a_tree_is_a_diagnostic_not_a_recursion_error() -> None:
    chain = " + ".join(["a"] * 250)
    rendered = errors(f"#main(Int a) -> Int\n{chain}")
    assert rendered.startswith("rule.relon:2:5: error: expression nested too deeply (250 levels")
    assert "rule.relon:2:5" in rendered


def test_a_deep_but_allowed_tree_goes_through() -> None:
    chain = " + ".join(["a"] * 190)
    assert check(f"#main(Int a) -> Int\n{chain}").result == INT


def test_strings_lists_and_tuples_in_the_main_signature() -> None:
    checked = check(
        "#main(String s, List<Int> xs, List<String> ws) -> (String, List<Float>, Bool)\n"
        "(s + len(xs), xs.map((x) => x * 0.5), ws.contains(s))"
    )
    assert checked.main_params == (("s", "String"), ("xs", "List<Int>"), ("ws", "List<String>"))
    assert checked.main_result == "(String, List<Float>, Bool)"
    assert isinstance(checked.body, typed.MakeTuple)
    first, second, third = checked.body.elements
    assert isinstance(first, typed.Concat)
    assert isinstance(first.parts[1], typed.ToText)
    assert isinstance(second, typed.Pipeline)
    assert isinstance(second.source, typed.ListOf)
    assert isinstance(second.terminal, typed.Collect)
    assert isinstance(third, typed.ListCall)
    assert third.name == "contains"


def test_concatenation_is_one_flat_concat() -> None:
    body = check('#main(String s, Float x) -> String\ns + x + "|" + (s + true)').body
    assert isinstance(body, typed.Concat)
    assert [type(p).__name__ for p in body.parts] == ["Var", "ToText", "Literal_", "Var", "ToText"]


def test_min_of_one_list_is_a_list_call_and_of_two_numbers_math() -> None:
    body = check("#main(List<Float> xs, Int n) -> Float\nmin(xs) + max(n, 2.5)").body
    assert isinstance(body, typed.Arith)
    assert isinstance(body.left, typed.ListCall)
    assert body.left.name == "min"
    assert isinstance(body.right, typed.CallMath)


def test_length_of_a_list_value_is_no_loop_but_of_a_chain_is() -> None:
    body = check("#main(List<Int> xs) -> Int\nxs.len() + xs.filter((x) => x > 0).len()").body
    assert isinstance(body, typed.Arith)
    assert isinstance(body.left, typed.ListCall)
    assert isinstance(body.right, typed.Pipeline)
    assert isinstance(body.right.terminal, typed.Count)


def test_string_on_the_right_of_plus_asks_for_a_string_first() -> None:
    assert errors("#main(String s, Int n) -> String\nn + s") == (
        "rule.relon:2:3: error: '+' cannot add a String to Int\n"
        "    n + s\n"
        "      ^\n"
        '  hint: start with a String to concatenate, e.g. `"" + x + s`, or write an f-string: '
        '`f"${x}${s}"`'
    )


def test_indexing_a_string_suggests_substring() -> None:
    assert errors("#main(String s) -> String\ns[0]") == (
        "rule.relon:2:1: error: a String cannot be indexed\n"
        "    s[0]\n"
        "    ^~~~\n"
        "  hint: take a substring of byte offsets instead: `s.substring(i, i + 1)`"
    )


def test_empty_list_without_context_asks_for_one() -> None:
    assert errors("#main(Int n) -> Int\nlen([])") == (
        "rule.relon:2:5: error: the element type of an empty list is unknown here\n"
        "    len([])\n"
        "        ^~\n"
        "  hint: give it a type from context, e.g. declare `-> List<Int>` in #main"
    )


def test_a_closure_returning_a_tuple_is_rejected() -> None:
    assert errors("#main(Int n) -> Int\nf(n).0 where { f: (k) => (k, k) }") == (
        "rule.relon:2:26: error: a closure returning a tuple is not supported by the AOT "
        "compiler ('f')\n"
        "    f(n).0 where { f: (k) => (k, k) }\n"
        "                             ^~~~~~\n"
        "  hint: bind the tuple in the where block instead: `t: (a, b)`"
    )


@pytest.mark.parametrize(
    "source",
    [
        "#main(List<Float> xs) -> List<Float>\n[1, 2.5] + xs + []",
        '#main(Bool b) -> List<String>\nb ? [] : ["x"]',
        "#main(List<Int> xs) -> Int\nxs.reduce(0.5, (acc, x) => acc + x) > 1.0 ? 1 : 0",
        '#main(String s) -> List<String>\ns.split(",").filter((w) => w != "").sort()',
        "#main(Int n) -> Int\n[i for i in range(n) if i % 2 == 0].sum()",
        '#main(Int n) -> Bool\nrange(n).map((i) => f"${i}").any((s) => s.ends_with("7"))',
        '#import list from "std/list"\n#main(List<Int> xs) -> Int\nlist.max(list.unique(xs))',
    ],
)
def test_accepted_programs(source: str) -> None:
    check(source)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("#main(List<Int> xs) -> Int\nxs.map((x) => (x, x)).len()", "returning a tuple"),
        ("#main(List<Int> xs) -> Int\nxs.reduce((0, 0), (a, x) => a).0", "returning a tuple"),
        ("#main(Int n) -> Int\nrange(n).any((i) => (i, i))", "returning a tuple"),
    ],
)
def test_tuples_flow_through_a_chain_only_as_list_elements(source: str, message: str) -> None:
    assert message in errors(source)


@pytest.mark.parametrize(
    "source",
    [
        "#main(List<(Int, String)> ps) -> Int\nps.map((p) => p.0).sum() + len(ps) + ps[0].0",
        "#main(List<(Int, String)> ps) -> List<String>\n[p.1 for p in ps if p.0 > 0]",
        "#main(List<(Int, Int)> ps) -> (Int, Int)\nps[0]",
        "#main(List<(Int, Int)> ps) -> List<(Int, Int)>\nps",
    ],
)
def test_lists_of_tuples_are_accepted(source: str) -> None:
    check(source)


def test_a_list_of_tuples_holding_lists_of_tuples_is_refused() -> None:
    assert "List<(Int, List<(Int, Int)>)> values are not supported" in errors(
        "#main(List<(Int, List<(Int, Int)>)> ps) -> Int\nlen(ps)"
    )


@pytest.mark.parametrize(
    "source",
    [
        "#main(Bool b) -> List<Int>\nb ? [] : []",
        "#main(Bool b) -> List<Float>\n[1, 2] where { k: 1 }",
        "#main(Bool b) -> List<Float>\n(b ? [1] : []) where { k: 1 }",
        "#main(Int n) -> List<Int>\nf(n) where { f: (k) -> List<Int> => [] }",
        "#main(List<Int> xs) -> Int\nxs.map((x) -> List<Float> => [x]).len()",
    ],
)
def test_the_expected_type_flows_into_list_literals(source: str) -> None:
    check(source)


def test_an_empty_list_argument_takes_the_annotated_parameter_type() -> None:
    checked = check("#main(Int n) -> Int\nf([]) where { f: (List<String> ws) => len(ws) }")
    assert [str(p.type) for p in checked.functions[0].params] == ["List<String>"]


def test_result_mismatch_points_at_the_body_not_its_where_bindings() -> None:
    from relon_build_backend.frontend.checker import check_module
    from relon_build_backend.frontend.diagnostics import SourceError
    from relon_build_backend.frontend.parser import parse_module
    from relon_build_backend.frontend.source import SourceFile

    source = SourceFile("r.relon", "#main(Int n) -> Int\n1.5 * n where { a: 1 }\n")
    with pytest.raises(SourceError) as info:
        check_module(parse_module(source), ())
    assert info.value.render() == (
        "r.relon:2:1: error: the result of #main must be Int, not Float\n"
        "    1.5 * n where { a: 1 }\n"
        "    ^~~~~~~\n"
        "  hint: declare `-> Float` in #main if that is what the rule returns"
    )


def test_first_of_records_holding_lists_is_refused() -> None:
    source = "#schema I { List<Int> xs: * }\n#main(List<I> items) -> Int\nitems.first().xs.sum()"
    assert "'first' of a List<I> (its records hold lists) is not supported" in errors(source)
