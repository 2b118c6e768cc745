"""Tokens: what the scanner (:mod:`.scanner`) hands the parser (:mod:`.parser`).

A token is an immutable value with its kind, its exact source text and its span.
Literal tokens also carry their decoded value: an ``int`` for INT, a ``float`` for
FLOAT, the decoded ``str`` for STRING, and a tuple of text pieces and
:class:`Interpolation` items for FSTRING. Keywords are contextual in Relon (``where``,
``for``, ``true``...), so they are plain IDENT tokens and the parser tells them apart.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TypeAlias

from .source import Span

__all__ = [
    "PUNCTUATORS",
    "FStringPart",
    "Interpolation",
    "Token",
    "TokenKind",
    "TokenValue",
    "describe_token",
]


class TokenKind(enum.Enum):
    IDENT = "identifier"
    INT = "integer literal"
    FLOAT = "float literal"
    STRING = "string literal"
    FSTRING = "f-string"
    PUNCT = "punctuation"
    EOF = "end of file"


# Longest first: the scanner takes the first entry the text starts with. ``++`` and
# ``...`` are scanned only so the parser can reject them with a precise message.
PUNCTUATORS: tuple[str, ...] = (
    "...",
    "==",
    "!=",
    "<=",
    ">=",
    "&&",
    "||",
    "=>",
    "->",
    "++",
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    ",",
    ":",
    ".",
    "@",
    "#",
    "&",
    "?",
    "=",
    "<",
    ">",
    "+",
    "-",
    "*",
    "/",
    "%",
    "!",
    "|",
)


@dataclass(frozen=True, slots=True)
class Interpolation:
    """One ``${expr}`` of an f-string: the tokens of ``expr`` followed by the closing
    ``}`` token. ``span`` covers ``${`` through ``}``."""

    tokens: tuple[Token, ...]
    span: Span


FStringPart: TypeAlias = "str | Interpolation"
TokenValue: TypeAlias = "int | float | str | tuple[FStringPart, ...] | None"


@dataclass(frozen=True, slots=True)
class Token:
    """A token; ``text`` is the source text it was scanned from."""

    kind: TokenKind
    text: str
    span: Span
    value: TokenValue = None

    def is_punct(self, text: str) -> bool:
        return self.kind is TokenKind.PUNCT and self.text == text

    def is_word(self, word: str) -> bool:
        """True for the identifier ``word`` (Relon keywords are contextual)."""
        return self.kind is TokenKind.IDENT and self.text == word


def describe_token(token: Token) -> str:
    """How an error message names a token: ``'where'``, ``'('``, ``end of file``."""
    if token.kind is TokenKind.EOF:
        return "end of file"
    if token.kind in (TokenKind.STRING, TokenKind.FSTRING):
        return f"a {token.kind.value}"
    text = token.text if len(token.text) <= 20 else token.text[:17] + "..."
    return f"'{text}'"
