"""Types and parameters: ``Int``, ``List<Int>``, ``(Int, Float)``; ``Int x`` or ``x``.

Shared by ``#main`` (:mod:`.parser`) and closures (:mod:`.expr_parser`). Each function's
docstring is the grammar rule it implements.
"""

from __future__ import annotations

from typing import Final

from . import ast
from .token_cursor import TokenCursor
from .tokens import TokenKind

__all__ = ["MAX_TYPE_NESTING", "parse_param", "parse_type"]

#: Deepest type accepted (``List<List<...>>``, nested tuple types): far more than a
#: real rule needs, and far from the interpreter's recursion limit.
MAX_TYPE_NESTING: Final = 32


def parse_param(cursor: TokenCursor) -> ast.Param:
    """param = [ type ] IDENT   (a type is present when two words or '<', '.' or '(' lead)"""
    first, second = cursor.peek(), cursor.peek(1)
    typed = first.is_punct("(") or (
        first.kind is TokenKind.IDENT
        and (second.kind is TokenKind.IDENT or second.is_punct("<") or second.is_punct("."))
    )
    type_ = parse_type(cursor) if typed else None
    name = cursor.expect_ident(expected="a parameter name")
    start = type_.span if type_ is not None else name.span
    return ast.Param(name.text, type_, start.to(name.span))


def parse_type(cursor: TokenCursor, depth: int = 1) -> ast.TypeExpr:
    """type = IDENT [ "<" type { "," type } ">" ] | "(" [ type { "," type } [","] ] ")" """
    if depth > MAX_TYPE_NESTING:
        cursor.error(
            f"type nested too deeply (more than {MAX_TYPE_NESTING} levels)", cursor.peek().span
        )
    if (opening := cursor.accept_punct("(")) is not None:
        elements: list[ast.TypeExpr] = []
        while not cursor.at_punct(")"):
            elements.append(parse_type(cursor, depth + 1))
            if not cursor.accept_punct(","):
                break
        close = cursor.expect_punct(")", expected="',' or ')' in the tuple type")
        return ast.TupleType(tuple(elements), opening.span.to(close.span))
    name = cursor.expect_ident(expected="a type such as Int, Float, Bool, String or List<Int>")
    if cursor.at_punct("."):
        cursor.unsupported("a dotted type name", name.span.to(cursor.peek(1).span))
    args: list[ast.TypeExpr] = []
    end = name.span
    if cursor.accept_punct("<"):
        args.append(parse_type(cursor, depth + 1))
        while cursor.accept_punct(","):
            args.append(parse_type(cursor, depth + 1))
        end = cursor.expect_punct(">", expected="',' or '>' in the type arguments").span
    return ast.NamedType(name.text, tuple(args), name.span.to(end))
