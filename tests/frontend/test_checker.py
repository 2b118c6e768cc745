"""The type checker: the CheckedModule contract and full rendered diagnostics."""

from __future__ import annotations

import pytest

from relon_build_backend.errors import SourceError
from relon_build_backend.frontend import typed
from relon_build_backend.frontend.checker import CheckedModule, check_module
from relon_build_backend.frontend.hosts import HostFunction
from relon_build_backend.frontend.parser import parse_module
from relon_build_backend.frontend.source import SourceFile, Span
from relon_build_backend.frontend.types import FLOAT, INT

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


def test_recursion_without_a_result_type_asks_for_one() -> None:
    assert errors("#main(Int n) -> Int\nf(n) where { f: (k) => k < 1 ? 0 : f(k - 1) }") == (
        "rule.relon:2:36: error: the recursive call of 'f' needs the closure's result type\n"
        "    f(n) where { f: (k) => k < 1 ? 0 : f(k - 1) }\n"
        "                                       ^~~~~~~~\n"
        "  hint: annotate the result type, e.g. `f: (k) -> Int => ...`"
    )


def test_missing_main_and_unsupported_values() -> None:
    assert errors('"text"') == (
        "rule.relon:1:1: error: this file has no #main directive\n"
        '    "text"\n'
        "    ^~~~~~\n"
        "  hint: declare the entry signature before the expression, e.g. `#main(Int n) -> Int`\n"
        "rule.relon:1:1: error: String values are not supported by the AOT compiler yet\n"
        '    "text"\n'
        "    ^~~~~~"
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
        ("#main(Int n) -> Int\nrange(n).map((i) => i)", "a List value (the result of '.map')"),
        ("#main(Int n) -> Int\nrange(n).reduce(0, (a, i) => a + 0.5)", "returns Float, but"),
        ("#main(Bool p) -> Int\np ? 1 : 2.0", "different types: Int and Float"),
        ("#main(Int n) -> Int\nn ? 1 : 2", "condition of '?:' must be Bool"),
        ("#main(Int n) -> Bool\n-true", "unary '-' needs an Int or Float"),
        ("#main(Int n) -> Int\nabs(1, 2)", "'abs' takes 1 argument, got 2"),
        ("#main(Int n) -> Int\nrange(n).all((i) => i)", "predicate must return Bool"),
        ("#main(Int n) -> Int\nn where { a: 1, a: 2 }", "'a' is bound twice"),
        ("#main(Int n, Int n) -> Int\nn", "duplicate #main parameter 'n'"),
        ("#main(Int n) -> Int\nf(n) where { f: (a, b) => a }", "'f' takes 2 arguments, got 1"),
        ("#main(Int n) -> Int\n(n, n)", "tuples are not supported by the AOT compiler yet"),
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
