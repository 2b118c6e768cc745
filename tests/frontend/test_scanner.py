"""The scanner: token kinds, literal values, strings, comments and lexical errors."""

from __future__ import annotations

import pytest

from relon_build_backend.frontend.diagnostics import SourceError
from relon_build_backend.frontend.scanner import I64_MAX, scan
from relon_build_backend.frontend.source import SourceFile
from relon_build_backend.frontend.tokens import Interpolation, Token, TokenKind


def tokens(text: str) -> list[Token]:
    result = scan(SourceFile("t.relon", text))
    assert result.tokens[-1].kind is TokenKind.EOF
    return list(result.tokens[:-1])


def kinds_and_texts(text: str) -> list[tuple[str, str]]:
    return [(token.kind.name, token.text) for token in tokens(text)]


def single_value(text: str) -> object:
    (token,) = tokens(text)
    return token.value


def scan_error(text: str) -> SourceError:
    with pytest.raises(SourceError) as info:
        scan(SourceFile("t.relon", text))
    return info.value


def test_operators_are_longest_match_and_words_are_identifiers() -> None:
    assert kinds_and_texts("a<=b&&!c||d->e=>f ... ++ where") == [
        ("IDENT", "a"),
        ("PUNCT", "<="),
        ("IDENT", "b"),
        ("PUNCT", "&&"),
        ("PUNCT", "!"),
        ("IDENT", "c"),
        ("PUNCT", "||"),
        ("IDENT", "d"),
        ("PUNCT", "->"),
        ("IDENT", "e"),
        ("PUNCT", "=>"),
        ("IDENT", "f"),
        ("PUNCT", "..."),
        ("PUNCT", "++"),
        ("IDENT", "where"),
    ]


def test_spans_are_character_offsets_and_eof_sits_at_the_end() -> None:
    result = scan(SourceFile("t.relon", '"é" + 12'))
    spans = [(t.span.start, t.span.end) for t in result.tokens]
    assert spans == [(0, 3), (4, 5), (6, 8), (8, 8)]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0", 0),
        ("42", 42),
        ("007", 7),
        ("0x2a", 42),
        ("0xFF", 255),
        ("0o52", 42),
        ("0b101010", 42),
        (str(I64_MAX), 9223372036854775807),
        ("0x7fffffffffffffff", I64_MAX),
    ],
)
def test_integer_literals(text: str, value: int) -> None:
    (token,) = tokens(text)
    assert token.kind is TokenKind.INT
    assert token.value == value


@pytest.mark.parametrize(
    ("text", "value"),
    [("1.5", 1.5), ("1e3", 1000.0), ("2.5E-3", 0.0025), ("1e+2", 100.0), ("0.0", 0.0)],
)
def test_float_literals(text: str, value: float) -> None:
    (token,) = tokens(text)
    assert token.kind is TokenKind.FLOAT
    assert token.value == value


def test_a_dot_needs_digits_on_both_sides_to_make_a_float() -> None:
    assert kinds_and_texts("1.abs()")[:3] == [("INT", "1"), ("PUNCT", "."), ("IDENT", "abs")]


def test_after_a_dot_only_digits_are_taken_so_tuple_fields_chain() -> None:
    assert kinds_and_texts("t.0.1") == [
        ("IDENT", "t"),
        ("PUNCT", "."),
        ("INT", "0"),
        ("PUNCT", "."),
        ("INT", "1"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("9223372036854775808", "integer literal 9223372036854775808 does not fit in Int (i64)"),
        ("0x8000000000000000", "integer literal 0x8000000000000000 does not fit in Int (i64)"),
        ("0X2a", "invalid number literal '0X2a'"),
        ("0x", "invalid hexadecimal literal '0x'"),
        ("0b102", "invalid binary literal '0b102'"),
        ("0o9", "invalid octal literal '0o9'"),
        ("12abc", "invalid number literal '12abc'"),
        ("1.5x", "invalid number literal '1.5x'"),
    ],
)
def test_bad_number_literals(text: str, message: str) -> None:
    (diag,) = scan_error(text).diagnostics
    assert diag.message == message
    assert (diag.span.start, diag.span.end) == (0, len(text))


@pytest.mark.parametrize(
    ("literal", "value"),
    [
        (r'"plain"', "plain"),
        (r'"a\nb\rc\td\be\ff"', "a\nb\rc\td\be\ff"),
        (r'"\\ \/ \""', '\\ / "'),
        (r'"\u00e9\u{1F600}"', "é\U0001f600"),
        (r'"\uD83D\uDE00"', "\U0001f600"),
        ('"one \\\n     two"', "one two"),
        ('"multi\nline"', "multi\nline"),
        (r'r"a\nb"', "a\\nb"),
        ('r#"say "hi""#', 'say "hi"'),
        ('r##"a"#b"##', 'a"#b'),
        ('""', ""),
    ],
)
def test_string_literals(literal: str, value: str) -> None:
    (token,) = tokens(literal)
    assert token.kind is TokenKind.STRING
    assert token.text == literal
    assert token.value == value


def test_r_and_f_alone_are_identifiers() -> None:
    assert kinds_and_texts("r + f") == [("IDENT", "r"), ("PUNCT", "+"), ("IDENT", "f")]


def test_fstring_parts_hold_text_and_nested_tokens_with_file_spans() -> None:
    text = 'f"x={n * 2}=${n * 2}\\n ${s + "}"}"'
    value = single_value(text)
    assert isinstance(value, tuple)
    first, second, third, fourth = value
    assert first == "x={n * 2}="
    assert third == "\n "
    assert isinstance(second, Interpolation)
    assert [t.text for t in second.tokens] == ["n", "*", "2", "}"]
    assert text[second.span.start : second.span.end] == "${n * 2}"
    assert text[second.tokens[0].span.start] == "n"
    assert isinstance(fourth, Interpolation)
    assert [t.text for t in fourth.tokens] == ["s", "+", '"}"', "}"]


def test_raw_fstring_keeps_backslashes_but_interpolates() -> None:
    value = single_value('f#"a\\n"${x}"#')
    assert isinstance(value, tuple)
    assert value[0] == 'a\\n"'
    assert isinstance(value[1], Interpolation)


def test_comments_are_skipped_and_line_comments_recorded() -> None:
    source = SourceFile("t.relon", "// doc\n1 /* block\n */ + // tail\n2")
    result = scan(source)
    assert [t.text for t in result.tokens] == ["1", "+", "2", ""]
    assert [source.text[s.start : s.end] for s in result.line_comments] == ["// doc", "// tail"]


def test_block_comments_do_not_nest() -> None:
    assert kinds_and_texts("/* a /* b */ c */") == [
        ("IDENT", "c"),
        ("PUNCT", "*"),
        ("PUNCT", "/"),
    ]


def test_every_bad_character_is_reported() -> None:
    error = scan_error("a $ b é ' c")
    assert [(d.message, d.span.start) for d in error.diagnostics] == [
        ("unexpected character '$'", 2),
        ("unexpected character 'é'", 6),
        ('unexpected character "\'"', 8),
    ]


@pytest.mark.parametrize(
    ("text", "message", "start"),
    [
        (r'"a\qb"', "unknown escape '\\q'", 2),
        (r'"\uD800"', "\\u escape 0xd800 is not a Unicode scalar value", 1),
        (r'"\u{110000}"', "\\u escape 0x110000 is not a Unicode scalar value", 1),
        (r'"\u12"', "invalid unicode escape", 1),
        (r'"\u{}"', "invalid unicode escape", 1),
        ('x "abc', "unterminated string literal", 2),
        ('r#"abc"', "unterminated string literal", 0),
        ('f"${x"', "unterminated string literal", 5),
        ('f"${x', "unterminated '${' in f-string", 2),
        ("1 /* x", "unterminated block comment", 2),
    ],
)
def test_bad_strings_and_comments(text: str, message: str, start: int) -> None:
    (diag,) = scan_error(text).diagnostics
    assert (diag.message, diag.span.start) == (message, start)


def test_a_leading_byte_order_mark_is_skipped() -> None:
    assert kinds_and_texts("\ufeff// doc\nx") == [("IDENT", "x")]
    (diag,) = scan_error("x\ufeff").diagnostics
    assert diag.message == "unexpected character '\\ufeff'"
