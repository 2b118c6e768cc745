"""The scanner: the text of a :class:`~.source.SourceFile` -> :class:`~.tokens.Token` s.

:func:`scan` returns every token (ending with EOF) and the spans of the ``//`` line
comments (the parser builds ``Module.doc`` from them). Lexical rules follow the
reference lexer (relon-language-notes.md section 1.1): ASCII identifiers, lowercase
radix prefixes, Int literals that must fit in i64, ``//`` and non-nesting ``/* */``
comments, ``"..."`` strings with JSON-like escapes, raw ``r"..."``/``r#"..."#`` strings
and f-strings whose ``${expr}`` parts are scanned here into nested token lists.

Bad characters and bad literals are all collected; an unterminated string or comment
ends the scan (nothing after it can be trusted). Any problem raises
:class:`~relon_build_backend.errors.SourceError`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .diagnostics import Diagnostic, SourceError
from .source import SourceFile, Span
from .string_scanner import ScanAborted, ScanState, StringReader
from .tokens import PUNCTUATORS, Token, TokenKind

__all__ = ["I64_MAX", "MAX_SOURCE_BYTES", "ScanResult", "scan"]

I64_MAX = 2**63 - 1
#: The largest ``.relon`` file the compiler reads. It bounds the front end's work: the
#: densest text of this size (a flat list literal) is checked in about a second.
MAX_SOURCE_BYTES = 64 * 1024
_WHITESPACE = " \t\r\n"
_IDENT_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_IDENT_CONTINUE = _IDENT_START | frozenset("0123456789")
# Candidates per first character, longest first (as in PUNCTUATORS).
_PUNCTUATORS_BY_FIRST: dict[str, tuple[str, ...]] = {
    first: tuple(p for p in PUNCTUATORS if p[0] == first) for first in {p[0] for p in PUNCTUATORS}
}
_RADIXES = {"x": (16, "hexadecimal"), "o": (8, "octal"), "b": (2, "binary")}


@dataclass(frozen=True, slots=True)
class ScanResult:
    """The tokens of a file (the last one is EOF) and the spans of its ``//`` comments."""

    tokens: tuple[Token, ...]
    line_comments: tuple[Span, ...]


def scan(source: SourceFile) -> ScanResult:
    """Scan ``source`` into tokens.

    :raises SourceError: with one diagnostic per lexical problem found.
    """
    scanner = _Scanner(source)
    size = len(source.text.encode("utf-8", errors="surrogatepass"))
    if size > MAX_SOURCE_BYTES:
        message = f"the file is {size:,} bytes; a rule file may have at most {MAX_SOURCE_BYTES:,}"
        hint = "split it into several rules, or move a large table into a host function"
        raise SourceError([Diagnostic(message, scanner.state.span(0, 0), hint)])
    tokens = scanner.run()
    if scanner.state.diagnostics:
        raise SourceError(scanner.state.diagnostics)
    return ScanResult(tuple(tokens), tuple(scanner.comments))


class _Scanner:
    """One pass over a file; string literals are delegated to :class:`StringReader`."""

    def __init__(self, source: SourceFile) -> None:
        self.state = ScanState(source)
        self.strings = StringReader(self.state, lambda: self.scan_tokens(until_brace=True))
        self.comments: list[Span] = []

    def run(self) -> list[Token]:
        if self.state.text.startswith("\ufeff"):
            self.state.pos = 1  # a UTF-8 byte order mark some editors write; not content
        try:
            return self.scan_tokens(until_brace=False)
        except ScanAborted:
            return []

    def scan_tokens(self, *, until_brace: bool) -> list[Token]:
        """Tokens up to and including EOF, or (``until_brace``) up to and including the
        ``}`` that closes an f-string ``${`` (EOF then means it was never closed)."""
        tokens: list[Token] = []
        depth = 0
        while True:
            self._skip_trivia()
            if self.state.pos >= len(self.state.text):
                tokens.append(
                    Token(TokenKind.EOF, "", self.state.span(self.state.pos, self.state.pos))
                )
                return tokens
            token = self._scan_token(after_dot=bool(tokens) and tokens[-1].is_punct("."))
            if token is None:
                continue
            tokens.append(token)
            if token.is_punct("{"):
                depth += 1
            elif token.is_punct("}"):
                if until_brace and depth == 0:
                    return tokens
                depth -= 1

    def _skip_trivia(self) -> None:
        """Skip whitespace, ``// ...`` (recorded for doc comments) and ``/* ... */``."""
        text = self.state.text
        while self.state.pos < len(text):
            if text[self.state.pos] in _WHITESPACE:
                self.state.pos += 1
            elif text.startswith("//", self.state.pos):
                end = text.find("\n", self.state.pos)
                end = len(text) if end < 0 else end
                self.comments.append(self.state.span(self.state.pos, end))
                self.state.pos = end
            elif text.startswith("/*", self.state.pos):
                end = text.find("*/", self.state.pos + 2)
                if end < 0:
                    self.state.fatal(
                        "unterminated block comment",
                        self.state.span(self.state.pos, self.state.pos + 2),
                        "close it with '*/' (block comments do not nest)",
                    )
                self.state.pos = end + 2
            else:
                return

    def _scan_token(self, *, after_dot: bool) -> Token | None:
        """One token at ``pos`` (trivia already skipped); None after a reported bad char."""
        char = self.state.text[self.state.pos]
        if char.isdigit() and char.isascii():
            return self._scan_number(after_dot=after_dot)
        if char in _IDENT_START:
            return self._scan_word()
        if char == '"':
            return self.strings.scan_string(self.state.pos, prefix="", hashes=0)
        for punct in _PUNCTUATORS_BY_FIRST.get(char, ()):
            if self.state.text.startswith(punct, self.state.pos):
                start, self.state.pos = self.state.pos, self.state.pos + len(punct)
                return Token(TokenKind.PUNCT, punct, self.state.span(start, self.state.pos))
        self._bad_character(char)
        return None

    def _bad_character(self, char: str) -> None:
        hint = None
        if char == "'":
            hint = 'strings use double quotes: "text"'
        elif char == "$":
            hint = 'interpolation ${...} only works inside f-strings: f"x=${x}"'
        elif char.isalpha():
            hint = "identifiers are ASCII letters, digits and '_'"
        self.state.error(
            f"unexpected character {char!r}",
            self.state.span(self.state.pos, self.state.pos + 1),
            hint,
        )
        self.state.pos += 1

    def _scan_word(self) -> Token:
        """An identifier, or the prefix of ``r"..."``, ``r#"..."#``, ``f"..."``, ``f#"..."#``."""
        start = self.state.pos
        while (
            self.state.pos < len(self.state.text)
            and self.state.text[self.state.pos] in _IDENT_CONTINUE
        ):
            self.state.pos += 1
        word = self.state.text[start : self.state.pos]
        if word in ("r", "f"):
            hashes = 0
            while self.state.text.startswith("#", self.state.pos + hashes):
                hashes += 1
            if self.state.text.startswith('"', self.state.pos + hashes):
                return self.strings.scan_string(start, prefix=word, hashes=hashes)
        return Token(TokenKind.IDENT, word, self.state.span(start, self.state.pos))

    def _scan_number(self, *, after_dot: bool) -> Token:
        """``42``, ``0x2a``/``0o52``/``0b101``, ``1.5``, ``1e3``, ``2.5e-3``.

        Right after a ``.`` only digits are taken, so ``t.0.1`` is two tuple fields."""
        start = self.state.pos
        text = self.state.text
        if text[start] == "0" and start + 1 < len(text) and text[start + 1].lower() in _RADIXES:
            return self._scan_radix_number(start)
        self._skip_digits()
        is_float = False
        if not after_dot:
            if text.startswith(".", self.state.pos) and self._digit_at(self.state.pos + 1):
                self.state.pos += 1
                self._skip_digits()
                is_float = True
            if self.state.pos < len(text) and text[self.state.pos] in "eE":
                sign = 1 if text.startswith(("+", "-"), self.state.pos + 1) else 0
                if self._digit_at(self.state.pos + 1 + sign):
                    self.state.pos += 1 + sign
                    self._skip_digits()
                    is_float = True
        if self._malformed_tail(start):
            return Token(
                TokenKind.INT,
                text[start : self.state.pos],
                self.state.span(start, self.state.pos),
                0,
            )
        literal = text[start : self.state.pos]
        span = self.state.span(start, self.state.pos)
        if is_float:
            return Token(TokenKind.FLOAT, literal, span, float(literal))
        return self._int_token(literal, int(literal), span)

    def _scan_radix_number(self, start: int) -> Token:
        prefix = self.state.text[start + 1]
        self.state.pos = start + 2
        while (
            self.state.pos < len(self.state.text)
            and self.state.text[self.state.pos] in _IDENT_CONTINUE
        ):
            self.state.pos += 1
        literal = self.state.text[start : self.state.pos]
        span = self.state.span(start, self.state.pos)
        base, base_name = _RADIXES[prefix.lower()]
        if prefix != prefix.lower():
            self.state.error(
                f"invalid number literal '{literal}'",
                span,
                f"radix prefixes are lowercase: write 0{prefix.lower()}{literal[2:]}",
            )
            return Token(TokenKind.INT, literal, span, 0)
        try:
            value = int(literal[2:], base) if literal[2:].isalnum() else -1
        except ValueError:
            value = -1
        if value < 0:
            self.state.error(f"invalid {base_name} literal '{literal}'", span)
            return Token(TokenKind.INT, literal, span, 0)
        return self._int_token(literal, value, span)

    def _int_token(self, literal: str, value: int, span: Span) -> Token:
        if value > I64_MAX:
            self.state.error(
                f"integer literal {literal} does not fit in Int (i64)",
                span,
                f"the largest Int is {I64_MAX}; write a Float (e.g. 1e19) for larger numbers",
            )
            value = 0
        return Token(TokenKind.INT, literal, span, value)

    def _malformed_tail(self, start: int) -> bool:
        """Report ``12abc`` / ``1.5x`` as one bad literal instead of a number and a name."""
        if (
            self.state.pos >= len(self.state.text)
            or self.state.text[self.state.pos] not in _IDENT_CONTINUE
        ):
            return False
        while (
            self.state.pos < len(self.state.text)
            and self.state.text[self.state.pos] in _IDENT_CONTINUE
        ):
            self.state.pos += 1
        literal = self.state.text[start : self.state.pos]
        hint = "number literals have no '_' separators" if "_" in literal else None
        self.state.error(
            f"invalid number literal '{literal}'", self.state.span(start, self.state.pos), hint
        )
        return True

    def _digit_at(self, index: int) -> bool:
        return index < len(self.state.text) and self.state.text[index] in "0123456789"

    def _skip_digits(self) -> None:
        while self._digit_at(self.state.pos):
            self.state.pos += 1
