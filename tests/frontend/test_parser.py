"""The parser: tree shapes (as compact s-expressions), desugaring, spans and directives."""

from __future__ import annotations

import math

import pytest

from relon_build_backend.frontend import ast
from relon_build_backend.frontend.parser import parse_module
from relon_build_backend.frontend.source import SourceFile, Span


def sx(node: ast.Expr | ast.TypeExpr) -> str:
    """A compact, unambiguous rendering of a tree: ``(+ 1 (* 2 3))``."""
    match node:
        case ast.IntLiteral(value=value) | ast.BoolLiteral(value=value):
            return str(value).lower()
        case ast.FloatLiteral(value=value):
            return f"{value!r}f"
        case ast.StringLiteral(value=value):
            return repr(value)
        case ast.Name(name=name):
            return name
        case ast.FStringLiteral(parts=parts):
            return "(f " + " ".join(repr(p) if isinstance(p, str) else sx(p) for p in parts) + ")"
        case ast.ListLiteral(elements=elements):
            return "[" + " ".join(sx(e) for e in elements) + "]"
        case ast.TupleLiteral(elements=elements):
            return "(tuple" + "".join(" " + sx(e) for e in elements) + ")"
        case ast.Comprehension(element=element, var=var, iterable=iterable, condition=cond):
            tail = "" if cond is None else " if " + sx(cond)
            return f"(for {var} {sx(iterable)} {sx(element)}{tail})"
        case ast.Unary(op=op, operand=operand):
            return f"({op} {sx(operand)})"
        case ast.Binary(op=op, left=left, right=right):
            return f"({op} {sx(left)} {sx(right)})"
        case ast.Ternary(condition=c, then=then, otherwise=otherwise):
            return f"(? {sx(c)} {sx(then)} {sx(otherwise)})"
        case ast.Call(callee=callee, args=args):
            return f"(call {callee}" + "".join(" " + sx(a) for a in args) + ")"
        case ast.MethodCall(receiver=receiver, method=method, args=args):
            return f"(.{method} {sx(receiver)}" + "".join(" " + sx(a) for a in args) + ")"
        case ast.Index(target=target, index=index):
            return f"(index {sx(target)} {sx(index)})"
        case ast.FieldAccess(target=target, position=position):
            return f"(.{position} {sx(target)})"
        case ast.Closure(params=params, result=result, body=body):
            ret = "" if result is None else f" -> {sx(result)}"
            return f"(=> ({', '.join(param(p) for p in params)}){ret} {sx(body)})"
        case ast.Where(body=body, bindings=bindings):
            binds = "".join(f" ({b.name} {sx(b.value)})" for b in bindings)
            return f"(where {sx(body)}{binds})"
        case ast.NamedType(name=name, args=args):
            return name + (f"<{', '.join(sx(a) for a in args)}>" if args else "")
        case ast.TupleType(elements=elements):
            return "(" + ", ".join(sx(e) for e in elements) + ")"
    raise AssertionError(node)


def param(p: ast.Param) -> str:
    return p.name if p.type is None else f"{sx(p.type)} {p.name}"


def parse(text: str) -> ast.Module:
    return parse_module(SourceFile("t.relon", text))


def body(text: str) -> str:
    return sx(parse(text).body)


def text_of(span: Span) -> str:
    return span.source.text[span.start : span.end]


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("1 + 2 * 3", "(+ 1 (* 2 3))"),
        ("1 * 2 + 3", "(+ (* 1 2) 3)"),
        ("a - b - c", "(- (- a b) c)"),
        ("a / b % c * d", "(* (% (/ a b) c) d)"),
        ("a || b && c", "(|| a (&& b c))"),
        ("a && b || c && d", "(|| (&& a b) (&& c d))"),
        ("a == b && c != d", "(&& (== a b) (!= c d))"),
        ("a < b == c >= d", "(== (< a b) (>= c d))"),
        ("a + 1 <= b * 2", "(<= (+ a 1) (* b 2))"),
        ("-a * -b", "(* (- a) (- b))"),
        ("!a && !!b", "(&& (! a) (! (! b)))"),
        ("-x.abs()", "(- (.abs x))"),
        ("-9223372036854775807 - 1", "(- (- 9223372036854775807) 1)"),
        ("c ? a : b", "(? c a b)"),
        ("a ? b : c ? d : e", "(? a b (? c d e))"),
        ("a ? b ? c : d : e", "(? a (? b c d) e)"),
        ("a || b ? x + 1 : y", "(? (|| a b) (+ x 1) y)"),
        ("(1 + 2) * 3", "(* (+ 1 2) 3)"),
    ],
)
def test_precedence_and_associativity(text: str, tree: str) -> None:
    assert body(text) == tree


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("x | f", "(call f x)"),
        ("x | f(a, b)", "(call f x a b)"),
        ("x | f | g(1)", "(call g (call f x) 1)"),
        ("a * xs | sum", "(* a (call sum xs))"),
        ("a + xs | f() * 2", "(+ a (* (call f xs) 2))"),
    ],
)
def test_pipes_become_calls_and_bind_tighter_than_star(text: str, tree: str) -> None:
    assert body(text) == tree


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("42", "42"),
        ("0x2a", "42"),
        ("1.5", "1.5f"),
        ("Infinity", "inff"),
        ("true != false", "(!= true false)"),
        ('"a\\tb"', "'a\\tb'"),
        ('r"a\\tb"', "'a\\\\tb'"),
        ("[]", "[]"),
        ("[1, 2, 3,]", "[1 2 3]"),
        ("()", "(tuple)"),
        ("(a,)", "(tuple a)"),
        ("(a, b + 1,)", "(tuple a (+ b 1))"),
        ("(a)", "a"),
        ("t.0", "(.0 t)"),
        ("t.1.0", "(.0 (.1 t))"),
        ("xs[i + 1][0]", "(index (index xs (+ i 1)) 0)"),
        ("f(1, g(2),)", "(call f 1 (call g 2))"),
        (
            "range(n).map(f).filter(p).reduce(0, g)",
            "(.reduce (.filter (.map (call range n) f) p) 0 g)",
        ),
        ("list.sum(xs)", "(.sum list xs)"),
        ('"ab".len()', "(.len 'ab')"),
        ("1.5.round()", "(.round 1.5f)"),
        ("[x * 2 for x in xs]", "(for x xs (* x 2))"),
        ("[x for x in range(10) if x % 2 == 0]", "(for x (call range 10) x if (== (% x 2) 0))"),
    ],
)
def test_atoms_and_postfix_forms(text: str, tree: str) -> None:
    assert body(text) == tree


def test_nan_literal() -> None:
    node = parse("NaN").body
    assert isinstance(node, ast.FloatLiteral)
    assert math.isnan(node.value)


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("(x) => x * 2", "(=> (x) (* x 2))"),
        ("() => 1", "(=> () 1)"),
        ("(Int a, b) -> Int => a + b", "(=> (Int a, b) -> Int (+ a b))"),
        ("(List<Int> xs, (Int, Float) t) => t", "(=> (List<Int> xs, (Int, Float) t) t)"),
        ("xs.map((x) => x + 1)", "(.map xs (=> (x) (+ x 1)))"),
        ("(_, x) => x", "(=> (_, x) x)"),
        ("xs.reduce(0, (acc, x) => acc + x)", "(.reduce xs 0 (=> (acc, x) (+ acc x)))"),
    ],
)
def test_closures(text: str, tree: str) -> None:
    assert body(text) == tree


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("k where { k: 3 }", "(where k (k 3))"),
        ("a + b where { a: 1, b: 2, }", "(where (+ a b) (a 1) (b 2))"),
        ("x where {} where { x: 1 }", "(where (where x) (x 1))"),
        # Each ternary branch is a full expression: a trailing `where` belongs to the
        # else branch, exactly as in the reference parser.
        ("c ? a : b where { b: 1 }", "(? c a (where b (b 1)))"),
        ("(c ? a : b) where { b: 1 }", "(where (? c a b) (b 1))"),
        (
            "f(5) where { f: (Int n) -> Int => n < 2 ? 1 : n * f(n - 1) }",
            "(where (call f 5) (f (=> (Int n) -> Int (? (< n 2) 1 (* n (call f (- n 1)))))))",
        ),
    ],
)
def test_where(text: str, tree: str) -> None:
    assert body(text) == tree


def test_fstring_interpolations_are_parsed_with_spans_into_the_file() -> None:
    module = parse('f"x=${x} y=${n * 2}!{not} ${s.upper()}"')
    node = module.body
    assert sx(node) == "(f 'x=' x ' y=' (* n 2) '!{not} ' (.upper s))"
    assert isinstance(node, ast.FStringLiteral)
    product = node.parts[3]
    assert isinstance(product, ast.Binary)
    assert text_of(product.span) == "n * 2"
    assert text_of(product.op_span) == "*"


def test_nested_fstrings() -> None:
    assert body('f"a${f"b${1 + 2}"}"') == "(f 'a' (f 'b' (+ 1 2)))"


def test_spans_cover_each_node_and_op_span_is_the_operator() -> None:
    text = "  foo(a, b)  *  xs[0].len()  "
    node = parse(text).body
    assert isinstance(node, ast.Binary)
    assert text_of(node.span) == "foo(a, b)  *  xs[0].len()"
    assert text_of(node.op_span) == "*"
    assert isinstance(node.left, ast.Call)
    assert text_of(node.left.callee_span) == "foo"
    assert isinstance(node.right, ast.MethodCall)
    assert text_of(node.right.method_span) == "len"
    assert text_of(node.right.receiver.span) == "xs[0]"


def test_pipe_call_span_runs_from_the_piped_value() -> None:
    node = parse("xs | f(1)").body
    assert isinstance(node, ast.Call)
    assert text_of(node.span) == "xs | f(1)"
    assert text_of(node.callee_span) == "f"


def test_comprehension_var_span_and_tuple_span() -> None:
    comp = parse("[x for x in xs]").body
    assert isinstance(comp, ast.Comprehension)
    assert comp.var_span.start == 7
    assert text_of(comp.span) == "[x for x in xs]"
    tup = parse("(1, 2)").body
    assert text_of(tup.span) == "(1, 2)"


def test_directives_and_doc() -> None:
    text = (
        "// Quote a price.\n"
        "//\n"
        "//   indented detail\n"
        "\n"
        '#import list from "std/list"\n'
        "#main(Int qty, Float price, List<Int> xs) -> (Int, Float) // not doc\n"
        "#relaxed\n"
        "#unstrict\n"
        "// not doc either\n"
        "(qty, price)\n"
    )
    module = parse(text)
    assert module.doc == "Quote a price.\n\n  indented detail"
    assert [(i.name, i.module) for i in module.imports] == [("list", "std/list")]
    assert text_of(module.imports[0].span) == '#import list from "std/list"'
    assert [f.name for f in module.flags] == ["relaxed", "unstrict"]
    main = module.main
    assert main is not None
    assert [param(p) for p in main.params] == ["Int qty", "Float price", "List<Int> xs"]
    assert text_of(main.params[2].span) == "List<Int> xs"
    assert main.result is not None
    assert sx(main.result) == "(Int, Float)"
    assert text_of(main.span) == "#main(Int qty, Float price, List<Int> xs) -> (Int, Float)"
    assert sx(module.body) == "(tuple qty price)"
    assert (module.span.start, module.span.end) == (0, len(text))


def test_main_without_result_and_no_doc() -> None:
    module = parse("#main()\n1")
    assert module.main is not None
    assert module.main.params == ()
    assert module.main.result is None
    assert module.doc == ""
    assert module.imports == ()


def test_doc_without_directives_is_the_leading_comment_block() -> None:
    assert parse("// adds one\n/* skip */ x + 1").doc == "adds one"


def test_parenthesised_expression_keeps_its_node_but_spans_the_parentheses() -> None:
    node = parse("(a + b) * c").body
    assert isinstance(node, ast.Binary)
    assert isinstance(node.left, ast.Binary)
    assert text_of(node.span) == "(a + b) * c"
    assert text_of(node.left.span) == "(a + b)"
    assert text_of(node.left.op_span) == "+"


def test_a_realistic_rule() -> None:
    text = """// Price of an order.
#import math from "std/math"
#main(Int qty, Float price, Bool gold, List<Int> extras) -> Float
/* discount applies to gold customers */
total * (gold ? 0.9 : 1.0) where {
  base: qty * price,
  total: base + extras.map((e) => e * 2).filter((e) => e > 0).sum() + math.max(0, bonus(qty)),
  bonus: (Int q) -> Int => q > 10 ? q - 10 : 0,
}
"""
    module = parse(text)
    assert module.doc == "Price of an order."
    assert sx(module.body) == (
        "(where (* total (? gold 0.9f 1.0f))"
        " (base (* qty price))"
        " (total (+ (+ base (.sum (.filter (.map extras (=> (e) (* e 2))) (=> (e) (> e 0)))))"
        " (.max math 0 (call bonus qty))))"
        " (bonus (=> (Int q) -> Int (? (> q 10) (- q 10) 0))))"
    )
