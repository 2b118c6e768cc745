"""The expression and type grammar: tokens -> :mod:`.ast` expression nodes.

Each ``_parse_*`` docstring is the rule it implements (EBNF: ``{}`` repeat, ``[]``
optional). Binary operators are parsed by precedence climbing over the one table
:data:`_BINARY_PRECEDENCE` (relon-subset.md, "Expressions, loosest to tightest").
``where`` and ``?:`` sit above the table; prefix and postfix forms below it.
Desugaring (see :mod:`.ast`): pipes become calls, parentheses leave no node.
"""

from __future__ import annotations

import dataclasses
from typing import Final, Literal, NoReturn

from . import ast
from .source import Span
from .token_cursor import TokenCursor
from .tokens import Interpolation, Token, TokenKind
from .type_parser import parse_param, parse_type

__all__ = ["ExpressionParser"]

_Pattern = str | ast.IntLiteral | ast.StringLiteral | ast.BoolLiteral

# Loosest (1) to tightest. Comparisons do not chain (see _COMPARISON). The pipe `|` is
# tighter than `*` (reference: `a * xs | f()` is `a * (xs | f())`); it is not a
# BinaryOp because it desugars into a Call.
_BINARY_PRECEDENCE: Final[dict[str, tuple[int, ast.BinaryOp | None]]] = {
    "||": (1, "||"),
    "&&": (2, "&&"),
    "==": (3, "=="),
    "!=": (3, "!="),
    "<": (4, "<"),
    "<=": (4, "<="),
    ">": (4, ">"),
    ">=": (4, ">="),
    "+": (5, "+"),
    "-": (5, "-"),
    "*": (6, "*"),
    "/": (6, "/"),
    "%": (6, "%"),
    "|": (7, None),
}
_COMPARISON: Final = 4
_NAMED_FLOATS: Final = {"Infinity": float("inf"), "NaN": float("nan")}
_CLOSURE_MARKERS: Final = ("=>", "->")
# Each nesting level costs up to ~8 Python frames; this keeps a pathological file far
# from the interpreter's recursion limit, so it gets a diagnostic instead of a crash.
_MAX_NESTING: Final = 64


class ExpressionParser:
    """Parses expressions and types from a :class:`TokenCursor`."""

    def __init__(self, cursor: TokenCursor, *, depth: int = 0) -> None:
        self.cursor = cursor
        self._depth = depth

    def _descend(self, token: Token) -> None:
        self._depth += 1
        if self._depth > _MAX_NESTING:
            self.cursor.error(
                f"expression nested too deeply (more than {_MAX_NESTING} levels)",
                token.span,
                "name parts of it with 'where { name: value }'",
            )

    # ----------------------------------------------------------------- loosest levels

    def parse_expr(self) -> ast.Expr:
        """expr = ternary { "where" "{" [ binding { "," binding } [","] ] "}" | match }"""
        self._descend(self.cursor.peek())
        expr = self._parse_ternary()
        while True:
            if self.cursor.at_word("where"):
                expr = self._parse_where(expr)
            elif self.cursor.at_word("match") and self.cursor.peek(1).is_punct("{"):
                expr = self._parse_match(expr)
            else:
                break
        self._depth -= 1
        return expr

    def _parse_match(self, subject: ast.Expr) -> ast.Match:
        """match = "match" "{" arm { "," arm } [","] "}"   arm = pattern ":" expr"""
        cursor = self.cursor
        cursor.advance()
        cursor.advance()
        arms: list[ast.MatchArm] = []
        while not cursor.at_punct("}"):
            pattern, span = self._parse_pattern()
            cursor.expect_punct(":", expected="':' after the match pattern")
            arms.append(ast.MatchArm(pattern, self.parse_expr(), span))
            if not cursor.accept_punct(","):
                break
        close = cursor.expect_punct("}", expected="',' or '}' after a match arm")
        if not arms:
            cursor.error("a match needs at least one arm", subject.span.to(close.span))
        return ast.Match(subject, tuple(arms), subject.span.to(close.span))

    def _parse_pattern(self) -> tuple[_Pattern, Span]:  # noqa: RET503 - fail() raises
        """pattern = "_" | IDENT | ["-"] INT | STRING | "true" | "false" """
        cursor = self.cursor
        token = cursor.peek()
        if token.kind is TokenKind.IDENT:
            cursor.advance()
            if token.text in ("true", "false"):
                return ast.BoolLiteral(token.text == "true", token.span), token.span
            if cursor.at_punct("(") or cursor.at_punct("{"):
                cursor.unsupported("a destructuring pattern", token.span.to(cursor.peek().span))
            return token.text, token.span
        minus = cursor.accept_punct("-")
        token = cursor.peek()
        if token.kind is TokenKind.INT:
            cursor.advance()
            assert isinstance(token.value, int)
            value = -token.value if minus is not None else token.value
            span = token.span if minus is None else minus.span.to(token.span)
            return ast.IntLiteral(value, span), span
        if token.kind is TokenKind.STRING and minus is None:
            cursor.advance()
            assert isinstance(token.value, str)
            return ast.StringLiteral(token.value, token.span), token.span
        cursor.fail(
            expected="a match pattern: a variant name, '_', or an Int, String or Bool literal"
        )

    def _parse_where(self, body: ast.Expr) -> ast.Where:
        """where = "where" "{" [ IDENT ":" expr { "," IDENT ":" expr } [","] ] "}" """
        cursor = self.cursor
        cursor.advance()
        cursor.expect_punct("{", expected="'{' after 'where'")
        bindings: list[ast.Binding] = []
        while not cursor.at_punct("}"):
            name = cursor.expect_ident(expected="a binding name in 'where { name: value }'")
            if cursor.at_punct("("):
                cursor.unsupported(
                    "the method shorthand 'name(params): body'",
                    name.span,
                    f"bind a closure instead: {name.text}: (params) => body",
                )
            if cursor.peek().kind is TokenKind.IDENT:
                cursor.unsupported("a typed 'where' binding", name.span, "write 'name: value'")
            cursor.expect_punct(":", expected=f"':' after the binding name '{name.text}'")
            value = self.parse_expr()
            bindings.append(ast.Binding(name.text, value, name.span.to(value.span)))
            if not cursor.accept_punct(","):
                break
        close = cursor.expect_punct("}", expected="',' or '}' after a 'where' binding")
        return ast.Where(body, tuple(bindings), body.span.to(close.span))

    def _parse_ternary(self) -> ast.Expr:
        """ternary = binary [ "?" expr ":" expr ]

        Each branch is a full ``expr``, so ``c ? a : b where {...}`` binds the ``where``
        to the else branch, as the reference parser does."""
        cursor = self.cursor
        condition = self._parse_binary(1)
        question = cursor.accept_punct("?")
        if question is None:
            return condition
        after = cursor.peek()
        adjacent = after.span.start == question.span.end
        if adjacent and after.is_punct("."):
            cursor.unsupported("optional chaining '?.'", question.span.to(after.span))
        then = self.parse_expr()
        if not cursor.at_punct(":"):
            if adjacent and after.is_punct("["):
                cursor.unsupported("optional indexing '?['", question.span.to(after.span))
            cursor.fail(expected="':' of the conditional 'c ? a : b'")
        cursor.advance()
        otherwise = self.parse_expr()
        return ast.Ternary(condition, then, otherwise, condition.span.to(otherwise.span))

    def _parse_binary(self, min_level: int) -> ast.Expr:
        """binary = unary { BINOP unary }   (precedence climbing over _BINARY_PRECEDENCE)"""
        cursor = self.cursor
        left = self._parse_unary()
        while True:
            token = cursor.peek()
            if token.is_punct("++"):
                cursor.error("'++' is not an operator", token.span, "use '+' to add or concatenate")
            entry = _BINARY_PRECEDENCE.get(token.text) if token.kind is TokenKind.PUNCT else None
            if entry is None or entry[0] < min_level:
                return left
            level, op = entry
            cursor.advance()
            if op is None:
                left = self._desugar_pipe(left)
                continue
            right = self._parse_binary(level + 1)
            left = ast.Binary(op, left, right, token.span, left.span.to(right.span))
            if level == _COMPARISON:
                self._reject_chained_comparison()

    def _reject_chained_comparison(self) -> None:
        token = self.cursor.peek()
        entry = _BINARY_PRECEDENCE.get(token.text) if token.kind is TokenKind.PUNCT else None
        if entry is not None and entry[0] == _COMPARISON:
            self.cursor.error(
                "comparison operators cannot be chained",
                token.span,
                "combine two comparisons with '&&', e.g. 'a < b && b < c'",
            )

    def _desugar_pipe(self, left: ast.Expr) -> ast.Call:
        """pipe = binary "|" ( IDENT | IDENT "(" args ")" )   -> Call(f, (left, args...))"""
        target = self._parse_unary()
        span = left.span.to(target.span)
        if isinstance(target, ast.Name):
            return ast.Call(target.name, target.span, (left,), span)
        if not isinstance(target, ast.Call):
            if isinstance(target, ast.MethodCall):
                self.cursor.unsupported(
                    "piping into a method call 'x | obj.m(...)'",
                    target.span,
                    "call the method directly: obj.m(x, ...)",
                )
            self.cursor.error(
                "the right side of '|' must be a function name or a call",
                target.span,
                "write 'x | f' or 'x | f(a)', meaning f(x) and f(x, a)",
            )
        return ast.Call(target.callee, target.callee_span, (left, *target.args), span)

    # ----------------------------------------------------------------- prefix, postfix

    def _parse_unary(self) -> ast.Expr:
        """unary = ( "-" | "!" ) unary | postfix"""
        cursor = self.cursor
        token = cursor.peek()
        if token.is_punct("-") or token.is_punct("!"):
            cursor.advance()
            self._descend(token)
            operand = self._parse_unary()
            self._depth -= 1
            op: ast.UnaryOp = "-" if token.text == "-" else "!"
            return ast.Unary(op, operand, token.span.to(operand.span))
        if token.is_punct("+") or token.is_punct("++"):
            cursor.error(f"prefix '{token.text}' is not allowed", token.span, "remove it")
        return self._parse_postfix(self._parse_atom())

    def _parse_postfix(self, expr: ast.Expr) -> ast.Expr:
        """postfix = atom { "(" args ")" | "." IDENT "(" args ")" | "." INT | "[" expr "]" }"""
        cursor = self.cursor
        while True:
            token = cursor.peek()
            if token.is_punct("("):
                if not isinstance(expr, ast.Name):
                    cursor.error(
                        "only a function name can be called",
                        token.span,
                        "closures are called through a 'where' binding: f(x) where { f: ... }",
                    )
                args, close = self._parse_args()
                expr = ast.Call(expr.name, expr.span, args, expr.span.to(close.span))
            elif token.is_punct("."):
                expr = self._parse_member(expr)
            elif token.is_punct("["):
                cursor.advance()
                index = self.parse_expr()
                close = cursor.expect_punct("]", expected="']' after the index")
                expr = ast.Index(expr, index, expr.span.to(close.span))
            elif token.is_punct("?") and cursor.peek(1).is_punct("."):
                cursor.unsupported("optional chaining '?.'", token.span.to(cursor.peek(1).span))
            else:
                return expr

    def _parse_member(self, receiver: ast.Expr) -> ast.Expr:
        """member = "." IDENT "(" args ")" | "." INT"""
        cursor = self.cursor
        dot = cursor.advance()
        token = cursor.peek()
        if token.kind is TokenKind.INT:
            cursor.advance()
            assert isinstance(token.value, int)
            return ast.FieldAccess(receiver, token.value, receiver.span.to(token.span))
        name = cursor.expect_ident(expected="a field, method name or tuple position after '.'")
        if not cursor.at_punct("("):
            return ast.NamedField(receiver, name.text, name.span, receiver.span.to(name.span))
        del dot
        args, close = self._parse_args()
        return ast.MethodCall(receiver, name.text, name.span, args, receiver.span.to(close.span))

    def _parse_args(self) -> tuple[tuple[ast.Expr, ...], Token]:
        """args = "(" [ expr { "," expr } [","] ] ")"   (returns the args and the ')')"""
        cursor = self.cursor
        cursor.advance()
        args: list[ast.Expr] = []
        while not cursor.at_punct(")"):
            token = cursor.peek()
            if token.is_punct("..."):
                cursor.unsupported("spread '...'", token.span)
            if token.kind is TokenKind.IDENT and cursor.peek(1).is_punct("="):
                cursor.unsupported(
                    f"the named argument '{token.text} = ...'",
                    token.span.to(cursor.peek(1).span),
                    "pass arguments by position",
                )
            args.append(self.parse_expr())
            if not cursor.accept_punct(","):
                break
        close = cursor.expect_punct(")", expected="')' after arguments")
        return tuple(args), close

    # ----------------------------------------------------------------- atoms

    def _parse_atom(self) -> ast.Expr:
        """atom = INT | FLOAT | STRING | FSTRING | IDENT | paren | list"""
        cursor = self.cursor
        token = cursor.peek()
        kind = token.kind
        if kind is TokenKind.IDENT:
            return self._parse_word(cursor.advance())
        if kind is TokenKind.INT or kind is TokenKind.FLOAT or kind is TokenKind.STRING:
            cursor.advance()
            value = token.value
            if isinstance(value, int):
                return ast.IntLiteral(value, token.span)
            if isinstance(value, float):
                return ast.FloatLiteral(value, token.span)
            assert isinstance(value, str)
            return ast.StringLiteral(value, token.span)
        if kind is TokenKind.FSTRING:
            return self._parse_fstring(cursor.advance())
        if token.is_punct("["):
            return self._parse_list()
        if token.is_punct("{"):
            return self.parse_document()
        if token.is_punct("&"):
            return self._parse_reference()
        if not token.is_punct("("):
            self._reject_atom(token)
        return self._parse_paren()

    def _reject_atom(self, token: Token) -> NoReturn:
        """Explain a token that cannot start an expression (never returns)."""
        cursor = self.cursor
        if token.is_punct("..."):
            cursor.unsupported("spread '...'", token.span)
        if token.is_punct("@"):
            cursor.unsupported("a decorator '@...'", token.span)
        if token.is_punct("#"):
            cursor.error(
                "a directive must come before the expression",
                token.span.to(cursor.peek(1).span),
                "move it to the top of the file",
            )
        cursor.fail(expected="an expression")

    def _parse_word(self, token: Token) -> ast.Expr:
        """word = "true" | "false" | "Infinity" | "NaN" | IDENT"""
        word = token.text
        if word in ("true", "false"):
            return ast.BoolLiteral(word == "true", token.span)
        if word in _NAMED_FLOATS:
            return ast.FloatLiteral(_NAMED_FLOATS[word], token.span)
        if word in ("null", "None"):
            self.cursor.unsupported(f"'{word}'", token.span, "every value must be present")
        if word == "_":
            self.cursor.unsupported("'_' as an expression", token.span)
        return ast.Name(word, token.span)

    def _parse_reference(self) -> ast.Reference:
        """reference = "&" ( "sibling" | "root" ) "." IDENT { "." IDENT }   (a name
        followed by '(' is a method call on the reference, not part of its path)"""
        cursor = self.cursor
        amp = cursor.advance()
        anchor = cursor.peek()
        if anchor.kind is not TokenKind.IDENT or anchor.span.start != amp.span.end:
            cursor.fail(expected="'sibling' or 'root' right after '&'")
        if anchor.text not in ("sibling", "root"):
            cursor.unsupported(
                f"the reference '&{anchor.text}'",
                amp.span.to(anchor.span),
                "documents support &sibling.field and &root.path",
            )
        cursor.advance()
        path: list[str] = []
        end = anchor.span
        while cursor.at_punct(".") and cursor.peek(1).kind is TokenKind.IDENT:
            if cursor.peek(2).is_punct("(") and path:
                break
            cursor.advance()
            end = cursor.advance().span
            path.append(end.source.text[end.start : end.end])
        if not path:
            cursor.fail(expected=f"'.name' after '&{anchor.text}'")
        kind: Literal["sibling", "root"] = "sibling" if anchor.text == "sibling" else "root"
        return ast.Reference(kind, tuple(path), amp.span.to(end))

    def parse_document(self) -> ast.Document:
        """document = "{" [ field { "," field } [","] ] "}"
        field = { "#internal" | "#private" } [ type ] IDENT
                ( ":" expr | "(" [ param { "," param } ] ")" [ "->" type ] ":" expr )"""
        cursor = self.cursor
        opening = cursor.advance()
        self._descend(opening)
        fields: list[ast.DocField] = []
        while not cursor.at_punct("}"):
            fields.append(self._parse_doc_field())
            if not cursor.accept_punct(","):
                break
        close = cursor.expect_punct("}", expected="',' or '}' after a document field")
        self._depth -= 1
        return ast.Document(tuple(fields), opening.span.to(close.span))

    def _parse_doc_field(self) -> ast.DocField:
        cursor = self.cursor
        start = cursor.peek().span
        internal = False
        while cursor.at_punct("#"):
            hash_token = cursor.advance()
            word = cursor.expect_ident(expected="'internal' after '#' in a document")
            if word.text not in ("internal", "private"):
                cursor.unsupported(
                    f"the field attribute '#{word.text}'",
                    hash_token.span.to(word.span),
                    "supported: #internal (or #private)",
                )
            internal = True
        if cursor.at_punct("@"):
            cursor.unsupported("a decorator '@...'", cursor.peek().span)
        if cursor.peek().kind is TokenKind.STRING:
            cursor.unsupported(
                "a quoted document key", cursor.peek().span, "write the key as a name"
            )
        first, second = cursor.peek(), cursor.peek(1)
        untyped = first.kind is TokenKind.IDENT and (second.is_punct(":") or second.is_punct("("))
        type_ = None if untyped else parse_type(cursor)
        name = cursor.expect_ident(expected="a field name")
        if cursor.at_punct("("):
            closure = self._parse_method(type_)
            return ast.DocField(name.text, None, closure, True, True, start.to(closure.span))
        cursor.expect_punct(":", expected=f"':' after the field name '{name.text}'")
        value = self.parse_expr()
        return ast.DocField(name.text, type_, value, internal, False, start.to(value.span))

    def _parse_params(self, what: str) -> tuple[Token, tuple[ast.Param, ...]]:
        """params = "(" [ param { "," param } [","] ] ")"   (returns the '(' and them)"""
        cursor = self.cursor
        opening = cursor.advance()
        params: list[ast.Param] = []
        while not cursor.at_punct(")"):
            params.append(parse_param(cursor))
            if not cursor.accept_punct(","):
                break
        cursor.expect_punct(")", expected=f"',' or ')' after a {what} parameter")
        return opening, tuple(params)

    def _parse_method(self, result: ast.TypeExpr | None) -> ast.Closure:
        """method = params [ "->" type ] ":" expr"""
        cursor = self.cursor
        opening, params = self._parse_params("method")
        if cursor.accept_punct("->"):
            result = parse_type(cursor)
        cursor.expect_punct(":", expected="':' before the method body")
        body = self.parse_expr()
        return ast.Closure(params, result, body, opening.span.to(body.span))

    def _parse_fstring(self, token: Token) -> ast.FStringLiteral:
        """fstring = 'f"' { TEXT | "${" expr "}" } '"'"""
        assert isinstance(token.value, tuple)
        parts: list[str | ast.Expr] = []
        for part in token.value:
            parts.append(part if isinstance(part, str) else self._parse_interpolation(part))
        return ast.FStringLiteral(tuple(parts), token.span)

    def _parse_interpolation(self, part: Interpolation) -> ast.Expr:
        """interpolation = "${" expr "}"   (parsed from the tokens the scanner nested)"""
        inner = ExpressionParser(TokenCursor(part.tokens), depth=self._depth)
        if inner.cursor.at_punct("}"):
            self.cursor.error(
                "empty interpolation '${}' in f-string", part.span, "put an expression inside"
            )
        expr = inner.parse_expr()
        inner.cursor.expect_punct("}", expected="'}' to close '${'")
        return expr

    def _parse_paren(self) -> ast.Expr:
        """paren = closure | "(" ")" | "(" expr ")"
        | "(" expr "," [ expr { "," expr } [","] ] ")" """
        cursor = self.cursor
        after = cursor.closer_after_matching()
        if after is not None and after.kind is TokenKind.PUNCT and after.text in _CLOSURE_MARKERS:
            return self._parse_closure()
        opening = cursor.advance()
        if (close := cursor.accept_punct(")")) is not None:
            return ast.TupleLiteral((), opening.span.to(close.span))
        first = self.parse_expr()
        if (close := cursor.accept_punct(")")) is not None:
            # No node for the parentheses, but the span includes them so that
            # enclosing spans stay balanced: `(a + b) * c` starts at `(`.
            return dataclasses.replace(first, span=opening.span.to(close.span))
        if not cursor.at_punct(","):
            cursor.fail(expected="')' or ','")
        elements = [first]
        while cursor.accept_punct(",") and not cursor.at_punct(")"):
            elements.append(self.parse_expr())
        close = cursor.expect_punct(")", expected="',' or ')' in the tuple")
        return ast.TupleLiteral(tuple(elements), opening.span.to(close.span))

    def _parse_closure(self) -> ast.Closure:
        """closure = params [ "->" type ] "=>" expr"""
        cursor = self.cursor
        opening, params = self._parse_params("closure")
        result = parse_type(cursor) if cursor.accept_punct("->") else None
        cursor.expect_punct("=>", expected="'=>' before the closure body")
        body = self.parse_expr()
        return ast.Closure(params, result, body, opening.span.to(body.span))

    def _parse_list(self) -> ast.Expr:
        """list = "[" [ expr { "," expr } [","] ] "]"
        | "[" expr "for" IDENT "in" expr [ "if" expr ] "]" """
        cursor = self.cursor
        opening = cursor.advance()
        elements: list[ast.Expr] = []
        while not cursor.at_punct("]"):
            if cursor.at_punct("..."):
                cursor.unsupported("spread '...'", cursor.peek().span)
            elements.append(self.parse_expr())
            if len(elements) == 1 and cursor.at_word("for"):
                return self._parse_comprehension(opening, elements[0])
            if not cursor.accept_punct(","):
                break
        close = cursor.expect_punct("]", expected="',' or ']' in the list")
        return ast.ListLiteral(tuple(elements), opening.span.to(close.span))

    def _parse_comprehension(self, opening: Token, element: ast.Expr) -> ast.Comprehension:
        """comprehension = "[" expr "for" IDENT "in" expr [ "if" expr ] "]" """
        cursor = self.cursor
        cursor.advance()
        var = cursor.expect_ident(expected="a loop variable after 'for'")
        cursor.expect_word("in", expected=f"'in' after 'for {var.text}'")
        iterable = self.parse_expr()
        condition = None
        if cursor.at_word("if"):
            cursor.advance()
            condition = self.parse_expr()
        close = cursor.expect_punct("]", expected="']' to close the comprehension")
        span = opening.span.to(close.span)
        return ast.Comprehension(element, var.text, var.span, iterable, condition, span)
