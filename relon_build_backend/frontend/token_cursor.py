"""A read position over a token list, and the parser's error helpers.

Every syntax error leaves through :meth:`TokenCursor.fail` (``expected ..., found ...``),
:meth:`TokenCursor.error` or :meth:`TokenCursor.unsupported`; each raises a
:class:`~relon_build_backend.errors.SourceError` with one diagnostic. The parser stops
at the first syntax error: after one, the token stream has no reliable structure left.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NoReturn

from .diagnostics import Diagnostic, SourceError
from .source import Span
from .tokens import Token, TokenKind, describe_token

__all__ = ["UNSUPPORTED", "TokenCursor"]

UNSUPPORTED = "not supported by the AOT compiler"
_OPENERS = {"(": ")", "[": "]", "{": "}"}


class TokenCursor:
    """Reads a token list that ends with EOF (or with the ``}`` closing an f-string
    ``${``); reading past the end keeps returning that last token."""

    def __init__(self, tokens: Sequence[Token]) -> None:
        assert tokens, "a token list ends with EOF or '}'"
        self._tokens = tokens
        self._pos = 0

    # ----------------------------------------------------------------- reading

    def peek(self, offset: int = 0) -> Token:
        return self._tokens[min(self._pos + offset, len(self._tokens) - 1)]

    def advance(self) -> Token:
        token = self.peek()
        self._pos = min(self._pos + 1, len(self._tokens) - 1)
        return token

    def at_punct(self, *texts: str) -> bool:
        token = self.peek()
        return token.kind is TokenKind.PUNCT and token.text in texts

    def at_word(self, word: str) -> bool:
        return self.peek().is_word(word)

    def at_end(self) -> bool:
        return self.peek().kind is TokenKind.EOF

    def accept_punct(self, text: str) -> Token | None:
        return self.advance() if self.at_punct(text) else None

    def expect_punct(self, text: str, *, expected: str) -> Token:
        if not self.at_punct(text):
            self.fail(expected=expected)
        return self.advance()

    def expect_word(self, word: str, *, expected: str) -> Token:
        if not self.at_word(word):
            self.fail(expected=expected)
        return self.advance()

    def expect_ident(self, *, expected: str) -> Token:
        if self.peek().kind is not TokenKind.IDENT:
            self.fail(expected=expected)
        return self.advance()

    def closer_after_matching(self) -> Token | None:
        """The token after the bracket matching the opener at the cursor, or None when it
        is never closed. Used to tell a closure ``(a, b) => ...`` from a tuple."""
        depth = 0
        for index in range(self._pos, len(self._tokens)):
            token = self._tokens[index]
            if token.kind is not TokenKind.PUNCT:
                continue
            if token.text in _OPENERS:
                depth += 1
            elif token.text in _OPENERS.values():
                depth -= 1
                if depth == 0:
                    return self._tokens[min(index + 1, len(self._tokens) - 1)]
        return None

    # ----------------------------------------------------------------- errors

    def fail(
        self, *, expected: str, token: Token | None = None, hint: str | None = None
    ) -> NoReturn:
        """``expected ')' after arguments, found 'where'`` at ``token`` (default: the next)."""
        found = token or self.peek()
        if hint is None and found.is_punct("="):
            hint = "compare with '=='; inside 'where { }' bind with 'name: value'"
        message = f"expected {expected}, found {describe_token(found)}"
        self.error(message, self.span_of(found), hint)

    def span_of(self, token: Token) -> Span:
        """Where to report ``token``: EOF is shown just after the last real token, on its
        line, rather than at the very end of the file (often an empty last line)."""
        if token.kind is not TokenKind.EOF or self._pos == 0:
            return token.span
        end = self._tokens[self._pos - 1].span.end
        return Span(token.span.source, end, end)

    def error(self, message: str, span: Span, hint: str | None = None) -> NoReturn:
        raise SourceError([Diagnostic(message, span, hint)])

    def unsupported(self, what: str, span: Span, hint: str | None = None) -> NoReturn:
        """``<what> is not supported by the AOT compiler`` at ``span``."""
        self.error(f"{what} is {UNSUPPORTED}", span, hint)
