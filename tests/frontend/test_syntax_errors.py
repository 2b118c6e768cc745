"""Syntax and lexical errors, checked by their full rendered text (caret column included)."""

from __future__ import annotations

import random

import pytest

from relon_build_backend.errors import RelonBuildError
from relon_build_backend.frontend.diagnostics import SourceError
from relon_build_backend.frontend.parser import parse_module
from relon_build_backend.frontend.source import SourceFile

UNSUPPORTED = "not supported by the AOT compiler"


def rendered(text: str, path: str = "rules/t.relon") -> str:
    with pytest.raises(SourceError) as info:
        parse_module(SourceFile(path, text))
    assert isinstance(info.value, RelonBuildError)
    return info.value.render()


def lines(*parts: str) -> str:
    return "\n".join(parts)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "#main(Int a, Int b, Int c) -> Bool\na < b < c",
            lines(
                "rules/t.relon:2:7: error: comparison operators cannot be chained",
                "    a < b < c",
                "          ^",
                "  hint: combine two comparisons with '&&', e.g. 'a < b && b < c'",
            ),
            id="chained-comparison",
        ),
        pytest.param(
            "f(x, y\n  where)",
            lines(
                "rules/t.relon:2:8: error: expected '{' after 'where', found ')'",
                "      where)",
                "           ^",
            ),
            id="where-needs-braces",
        ),
        pytest.param(
            "max(1,\n  2",
            lines(
                "rules/t.relon:2:4: error: expected ')' after arguments, found end of file",
                "      2",
                "       ^",
            ),
            id="eof-reported-after-last-token",
        ),
        pytest.param(
            "a ++ b",
            lines(
                "rules/t.relon:1:3: error: '++' is not an operator",
                "    a ++ b",
                "      ^~",
                "  hint: use '+' to add or concatenate",
            ),
            id="plus-plus",
        ),
        pytest.param(
            "x * +1",
            lines(
                "rules/t.relon:1:5: error: prefix '+' is not allowed",
                "    x * +1",
                "        ^",
                "  hint: remove it",
            ),
            id="prefix-plus",
        ),
        pytest.param(
            "#main(Int n) -> Int\n",
            lines(
                "rules/t.relon:1:20: error: expected an expression after the directives",
                "    #main(Int n) -> Int",
                "                       ^",
                "  hint: a .relon file is its directives followed by one expression",
            ),
            id="no-body",
        ),
        pytest.param(
            "#main(n) -> Int\nn",
            lines(
                "rules/t.relon:1:7: error: #main parameter 'n' needs a type",
                "    #main(n) -> Int",
                "          ^",
                "  hint: write the type before the name, e.g. 'Int n' "
                "(Int, Float, Bool, String, List<Int>, (Int, Float))",
            ),
            id="untyped-main-param",
        ),
        pytest.param(
            "1 + 9223372036854775808",
            lines(
                "rules/t.relon:1:5: error: integer literal 9223372036854775808 does not fit in"
                " Int (i64)",
                "    1 + 9223372036854775808",
                "        ^~~~~~~~~~~~~~~~~~~",
                "  hint: the largest Int is 9223372036854775807; write a Float (e.g. 1e19) for"
                " larger numbers",
            ),
            id="int-out-of-range",
        ),
        pytest.param(
            "x +\n  /* never closed\n 1",
            lines(
                "rules/t.relon:2:3: error: unterminated block comment",
                "      /* never closed",
                "      ^~",
                "  hint: close it with '*/' (block comments do not nest)",
            ),
            id="unterminated-block-comment",
        ),
        pytest.param(
            'é + "ok" + $',
            lines(
                "rules/t.relon:1:1: error: unexpected character 'é'",
                '    é + "ok" + $',
                "    ^",
                "  hint: identifiers are ASCII letters, digits and '_'",
                "rules/t.relon:1:12: error: unexpected character '$'",
                '    é + "ok" + $',
                "               ^",
                '  hint: interpolation ${...} only works inside f-strings: f"x=${x}"',
            ),
            id="all-bad-characters",
        ),
        pytest.param(
            'f"total=${n +}"',
            lines(
                "rules/t.relon:1:14: error: expected an expression, found '}'",
                '    f"total=${n +}"',
                "                 ^",
            ),
            id="error-inside-fstring-points-into-file",
        ),
        pytest.param(
            "a = 1",
            lines(
                "rules/t.relon:1:3: error: expected an operator or the end of the file, found '='",
                "    a = 1",
                "      ^",
                "  hint: compare with '=='; inside 'where { }' bind with 'name: value'",
            ),
            id="single-equals",
        ),
        pytest.param(
            'x + "abc',
            lines(
                "rules/t.relon:1:5: error: unterminated string literal",
                '    x + "abc',
                "        ^",
                '  hint: close it with "',
            ),
            id="unterminated-string",
        ),
    ],
)
def test_rendered_syntax_errors(text: str, expected: str) -> None:
    assert rendered(text) == expected


@pytest.mark.parametrize(
    ("text", "what", "caret"),
    [
        ("&uncle.total", "the reference '&uncle'", (1, "^~~~~~")),
        ("x match { V(a): 1 }", "a destructuring pattern", (11, "^~")),
        ('{ "k": 1 }', "a quoted document key", (3, "^~~")),
        ("{ #default a: 1 }", "the field attribute '#default'", (3, "^~~~~~~~")),
        ("user?.name", "optional chaining '?.'", (5, "^~")),
        ("xs?[0]", "optional indexing '?['", (3, "^~")),
        ("[1, ...xs]", "spread '...'", (5, "^~~")),
        ("f(...xs)", "spread '...'", (3, "^~~")),
        ("f(x = 1)", "the named argument 'x = ...'", (3, "^~~")),
        ("#schema S { #brand Int a: * }\n1", "the schema attribute '#brand'", (13, "^~~~~~")),
        ("#enum E { A(Int) }\n1", "an enum variant with data", (11, "^")),
        ("#derive X\n1", "the directive '#derive'", (1, "^~~~~~~")),
        ("@pure\n1", "a decorator '@...'", (1, "^~~~~")),
        ("null", "'null'", (1, "^~~~")),
        ("None", "'None'", (1, "^~~~")),
        ("1 + _", "'_' as an expression", (5, "^")),
        ("x | xs.map(f)", "piping into a method call 'x | obj.m(...)'", (5, "^~~~~~~~~")),
        ('#import * from "std/list"\n1', "'#import *'", (1, "^~~~~~~~~")),
        ('#import m from "./m.relon"\n1', 'importing "./m.relon"', (16, "^~~~~~~~~~~")),
        ("#main(lib.User u) -> Int\n1", "a dotted type name", (7, "^~~~~~~~")),
        ("x where { f(a): a }", "the method shorthand 'name(params): body'", (11, "^")),
        ("x where { Int k: 3 }", "a typed 'where' binding", (11, "^~~")),
        (
            '#import l from "std/list" sha256: "00"\n1',
            "an integrity pin on #import",
            (27, "^~~~~~"),
        ),
    ],
)
def test_unsupported_constructs_get_one_located_error(
    text: str, what: str, caret: tuple[int, str]
) -> None:
    with pytest.raises(SourceError) as info:
        parse_module(SourceFile("t.relon", text))
    (diag,) = info.value.diagnostics
    assert diag.message == f"{what} is {UNSUPPORTED}"
    column, marker = caret
    first_line = text.split("\n", maxsplit=1)[0]
    assert info.value.render().split("\n")[:3] == [
        f"t.relon:1:{column}: error: {diag.message}",
        f"    {first_line}",
        "    " + " " * (column - 1) + marker,
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "expected an expression after the directives"),
        ("// just a comment\n", "expected an expression after the directives"),
        ("(a, b", "expected ',' or ')' in the tuple, found end of file"),
        ("[1, 2", "expected ',' or ']' in the list, found end of file"),
        ("a b", "expected an operator or the end of the file, found 'b'"),
        ("c ? a", "expected ':' of the conditional 'c ? a : b', found end of file"),
        ("f(x)(y)", "only a function name can be called"),
        ("x | 1", "the right side of '|' must be a function name or a call"),
        ("x where { a 1 }", "expected ':' after the binding name 'a', found '1'"),
        ("x #main() 1", "a directive must come before the expression"),
        ("#main(Int n) -> Int\n#main(Int m) -> Int\nn", "duplicate #main"),
        (
            '#import list "std/list"\n1',
            "expected 'from' after '#import list', found a string literal",
        ),
        ("[x for 1 in xs]", "expected a loop variable after 'for', found '1'"),
        ("[x for x of xs]", "expected 'in' after 'for x', found 'of'"),
        (
            "(x) -> => 1",
            "expected a type such as Int, Float, Bool, String or List<Int>, found '=>'",
        ),
        ("(x) => ", "expected an expression, found end of file"),
        ("#main(List<Int xs) -> Int\n1", "expected ',' or '>' in the type arguments, found 'xs'"),
        ('f"${}"', "empty interpolation '${}' in f-string"),
        ('f"${1 2}"', "expected '}' to close '${', found '2'"),
        ("xs[1", "expected ']' after the index, found end of file"),
        ("1_000", "invalid number literal '1_000'"),
        ("t.", "expected a field, method name or tuple position after '.', found end of file"),
        ("(" * 70 + "1" + ")" * 70, "expression nested too deeply (more than 64 levels)"),
        ("-" * 70 + "1", "expression nested too deeply (more than 64 levels)"),
        ("#main(" + "(" * 1000, "type nested too deeply (more than 32 levels)"),
        (
            "#main(" + "List<" * 40 + "Int" + ">" * 40 + " xs) -> Int\n1",
            "type nested too deeply (more than 32 levels)",
        ),
    ],
)
def test_syntax_error_messages(text: str, message: str) -> None:
    with pytest.raises(SourceError) as info:
        parse_module(SourceFile("t.relon", text))
    assert [d.message for d in info.value.diagnostics] == [message]


_SOUP = [
    *"(){}[],:.?|+-*/%!<>=&@#_$'\"\\",
    *["==", "<=", "&&", "||", "=>", "->", "...", "++", "?.", "${", "\n", " ", "//", "/*", "*/"],
    *["x", "f", "r", "where", "for", "in", "if", "match", "main", "import", "true", "NaN"],
    *["1", "0x", "1.5", "1e", '"s"', 'f"', 'r#"', "é"],
]


def test_any_token_soup_parses_or_raises_a_source_error() -> None:
    """No input may crash the front end: every failure is a located SourceError."""
    rng = random.Random(20261122)
    outcomes = {"parsed": 0, "rejected": 0}
    for _ in range(3000):
        text = "".join(rng.choice(_SOUP) for _ in range(rng.randint(1, 12)))
        try:
            parse_module(SourceFile("t.relon", text))
        except SourceError as error:
            for diag in error.diagnostics:
                assert 0 <= diag.span.start <= diag.span.end <= len(text), text
            assert error.render().startswith("t.relon:"), text
            outcomes["rejected"] += 1
        else:
            outcomes["parsed"] += 1
    assert outcomes["parsed"] > 0
    assert outcomes["rejected"] > 0
