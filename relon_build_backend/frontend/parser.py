"""The parser: a :class:`~.source.SourceFile` -> an :class:`~.ast.Module`.

:func:`parse_module` scans the file (:mod:`.scanner`), reads the directives here and
the root expression with :class:`~.expr_parser.ExpressionParser`. Each ``_parse_*``
docstring is the grammar rule it implements (relon-language-notes.md section 1.5,
restricted to the AOT subset of relon-subset.md). Constructs outside the subset are
reported as "not supported by the AOT compiler" at their location.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from . import ast
from .expr_parser import ExpressionParser
from .scanner import scan
from .source import SourceFile, Span
from .token_cursor import TokenCursor
from .tokens import Token, TokenKind
from .type_parser import parse_param, parse_type

__all__ = ["parse_module"]

_SUPPORTED_DIRECTIVES: Final = "#main, #import, #schema, #enum, #relaxed and #unstrict"
_TYPE_EXAMPLES: Final = "Int, Float, Bool, String, List<Int>, (Int, Float)"


def parse_module(source: SourceFile) -> ast.Module:
    """Parse a whole ``.relon`` file.

    :raises SourceError: on a lexical error (all bad characters and literals of the
        file) or on the first syntax error.
    """
    scanned = scan(source)
    parser = _ModuleParser(TokenCursor(scanned.tokens))
    main, imports, flags = parser.parse_directives()
    body = parser.parse_body()
    doc = _doc_comment(scanned.line_comments, scanned.tokens[0].span.start)
    span = Span(source, 0, len(source.text))
    schemas, enums = tuple(parser.schemas), tuple(parser.enums)
    return ast.Module(main, imports, flags, body, doc, span, schemas, enums)


def _doc_comment(comments: Sequence[Span], first_token_start: int) -> str:
    """The ``//`` lines before the first token, markers and one following space stripped."""
    lines: list[str] = []
    for span in comments:
        if span.start >= first_token_start:
            break
        line = span.source.text[span.start + 2 : span.end].rstrip()
        lines.append(line[1:] if line.startswith(" ") else line)
    return "\n".join(lines).strip("\n")


class _ModuleParser:
    """The file-level grammar; expressions are delegated to :class:`ExpressionParser`."""

    def __init__(self, cursor: TokenCursor) -> None:
        self.cursor = cursor
        self.exprs = ExpressionParser(cursor)
        self.schemas: list[ast.SchemaDecl] = []
        self.enums: list[ast.EnumDecl] = []

    def parse_directives(
        self,
    ) -> tuple[
        ast.MainDirective | None, tuple[ast.ImportDirective, ...], tuple[ast.FlagDirective, ...]
    ]:
        """directives = { "#" ( main | import | "relaxed" | "unstrict" ) }"""
        cursor = self.cursor
        main: ast.MainDirective | None = None
        imports: list[ast.ImportDirective] = []
        flags: list[ast.FlagDirective] = []
        while True:
            token = cursor.peek()
            if token.is_punct("@"):
                cursor.unsupported("a decorator '@...'", token.span.to(cursor.peek(1).span))
            if not token.is_punct("#"):
                return main, tuple(imports), tuple(flags)
            hash_token = cursor.advance()
            name = cursor.expect_ident(expected="a directive name after '#'")
            span = hash_token.span.to(name.span)
            if name.text == "main":
                if main is not None:
                    cursor.error("duplicate #main", span, "a file declares one entry signature")
                main = self._parse_main(hash_token)
            elif name.text == "import":
                imports.append(self._parse_import(hash_token))
            elif name.text == "schema":
                self.schemas.append(self._parse_schema(hash_token))
            elif name.text == "enum":
                self.enums.append(self._parse_enum(hash_token))
            elif name.text in ("relaxed", "unstrict"):
                flags.append(
                    ast.FlagDirective("relaxed" if name.text == "relaxed" else "unstrict", span)
                )
            else:
                cursor.unsupported(
                    f"the directive '#{name.text}'", span, f"supported: {_SUPPORTED_DIRECTIVES}"
                )

    def parse_body(self) -> ast.Expr:
        """body = expr EOF"""
        cursor = self.cursor
        if cursor.at_end():
            cursor.error(
                "expected an expression after the directives",
                cursor.span_of(cursor.peek()),
                "a .relon file is its directives followed by one expression",
            )
        body = self.exprs.parse_expr()
        if cursor.at_punct("#"):
            cursor.error(
                "a directive must come before the expression",
                cursor.peek().span.to(cursor.peek(1).span),
                "move it to the top of the file",
            )
        if not cursor.at_end():
            cursor.fail(expected="an operator or the end of the file")
        return body

    def _parse_main(self, hash_token: Token) -> ast.MainDirective:
        """main = "main" "(" [ type IDENT { "," type IDENT } [","] ] ")" [ "->" type ]"""
        cursor = self.cursor
        cursor.expect_punct("(", expected="'(' after '#main'")
        params: list[ast.Param] = []
        while not cursor.at_punct(")"):
            param = parse_param(cursor)
            if param.type is None:
                cursor.error(
                    f"#main parameter '{param.name}' needs a type",
                    param.span,
                    f"write the type before the name, e.g. 'Int {param.name}' ({_TYPE_EXAMPLES})",
                )
            params.append(param)
            if not cursor.accept_punct(","):
                break
        close = cursor.expect_punct(")", expected="',' or ')' after a #main parameter")
        result = parse_type(cursor) if cursor.accept_punct("->") else None
        end = result.span if result is not None else close.span
        return ast.MainDirective(tuple(params), result, hash_token.span.to(end))

    def _parse_schema(self, hash_token: Token) -> ast.SchemaDecl:
        """schema = "schema" IDENT "{" [ sfield { "," sfield } [","] ] "}"
        sfield = [ "#expect" STRING ] type IDENT ":" ( "*" | closure )"""
        cursor = self.cursor
        name = cursor.expect_ident(expected="a schema name after '#schema'")
        cursor.expect_punct("{", expected=f"'{{' after '#schema {name.text}'")
        fields: list[ast.SchemaField] = []
        while not cursor.at_punct("}"):
            fields.append(self._parse_schema_field())
            if not cursor.accept_punct(","):
                break
        close = cursor.expect_punct("}", expected="',' or '}' after a schema field")
        return ast.SchemaDecl(name.text, tuple(fields), hash_token.span.to(close.span))

    def _parse_schema_field(self) -> ast.SchemaField:
        cursor = self.cursor
        start = cursor.peek().span
        message: str | None = None
        while cursor.at_punct("#"):
            hash_token = cursor.advance()
            word = cursor.expect_ident(expected="'expect' after '#' in a schema")
            if word.text != "expect":
                cursor.unsupported(
                    f"the schema attribute '#{word.text}'",
                    hash_token.span.to(word.span),
                    'supported: #expect "message"',
                )
            text = cursor.peek()
            if text.kind is not TokenKind.STRING:
                cursor.fail(expected="the message of '#expect', a string")
            cursor.advance()
            assert isinstance(text.value, str)
            message = text.value
        type_ = parse_type(cursor)
        name = cursor.expect_ident(expected="a field name after its type")
        cursor.expect_punct(":", expected=f"':' after the field name '{name.text}'")
        if (star := cursor.accept_punct("*")) is not None:
            if message is not None:
                cursor.error(
                    f"'#expect' on '{name.text}' needs a check, not '*'",
                    star.span,
                    f"write e.g. `{name.text}: (x) => x > 0`",
                )
            return ast.SchemaField(name.text, type_, None, None, start.to(star.span))
        predicate = self.exprs.parse_expr()
        if not isinstance(predicate, ast.Closure):
            cursor.error(
                f"the check of schema field '{name.text}' must be a closure or '*'",
                predicate.span,
                f"write e.g. `{name.text}: (x) => x > 0`",
            )
        said = message if message is not None else f"{name.text} failed its check"
        return ast.SchemaField(name.text, type_, predicate, said, start.to(predicate.span))

    def _parse_enum(self, hash_token: Token) -> ast.EnumDecl:
        """enum = "enum" IDENT "{" IDENT { "," IDENT } [","] "}" """
        cursor = self.cursor
        name = cursor.expect_ident(expected="an enum name after '#enum'")
        cursor.expect_punct("{", expected=f"'{{' after '#enum {name.text}'")
        variants: list[tuple[str, Span]] = []
        while not cursor.at_punct("}"):
            variant = cursor.expect_ident(expected="a variant name")
            if cursor.at_punct("(") or cursor.at_punct("{"):
                cursor.unsupported("an enum variant with data", variant.span)
            variants.append((variant.text, variant.span))
            if not cursor.accept_punct(","):
                break
        close = cursor.expect_punct("}", expected="',' or '}' after an enum variant")
        return ast.EnumDecl(name.text, tuple(variants), hash_token.span.to(close.span))

    def _parse_import(self, hash_token: Token) -> ast.ImportDirective:
        """import = "import" IDENT "from" STRING"""
        cursor = self.cursor
        token = cursor.peek()
        if token.is_punct("*") or token.is_punct("{"):
            cursor.unsupported(
                f"'#import {token.text}'",
                hash_token.span.to(token.span),
                'import a whole module by name: #import list from "std/list"',
            )
        name = cursor.expect_ident(expected="a module name after '#import'")
        cursor.expect_word("from", expected=f"'from' after '#import {name.text}'")
        path = cursor.peek()
        if path.kind is not TokenKind.STRING:
            cursor.fail(expected='a module path such as "std/list"')
        cursor.advance()
        assert isinstance(path.value, str)
        if not path.value.startswith("std/"):
            cursor.unsupported(
                f"importing {path.text}", path.span, "only std/... modules can be imported"
            )
        if cursor.peek().kind is TokenKind.IDENT and cursor.peek(1).is_punct(":"):
            cursor.unsupported("an integrity pin on #import", cursor.peek().span)
        return ast.ImportDirective(name.text, path.value, hash_token.span.to(path.span))
