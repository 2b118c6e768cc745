"""The scan state, and string literals: ``"..."``, ``r#"..."#``, ``f"..."``, ``f#"..."#``.

:class:`ScanState` is the text, position and diagnostics that :mod:`.scanner` and
:class:`StringReader` share. Escapes (in plain strings and ``f"..."``) follow the
reference: ``\\n \\r \\t \\b \\f \\\\ \\/ \\"``, ``\\uXXXX`` (a UTF-16 surrogate pair may be
written as two of them), ``\\u{1-6 hex}``, and a backslash before whitespace swallows
all of that whitespace (line continuation). Raw strings (``r`` or any ``#`` fence) have
no escapes. In f-strings ``${expr}`` interpolates; the tokens of ``expr`` come from the
scanner itself, so nested strings and braces work and every span points into the file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn

from .diagnostics import Diagnostic
from .source import SourceFile, Span
from .tokens import FStringPart, Interpolation, Token, TokenKind

__all__ = ["ScanAborted", "ScanState", "StringReader"]

_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "\\": "\\"}
_SIMPLE_ESCAPES.update({"/": "/", '"': '"'})
_HEX = frozenset("0123456789abcdefABCDEF")
_MAX_FSTRING_NESTING = 16  # far below the recursion limit (3 frames per level)
_ESCAPE_HINT = 'valid escapes: \\n \\r \\t \\b \\f \\\\ \\/ \\" \\uXXXX \\u{XXXXXX}'


class ScanAborted(Exception):
    """Raised after a fatal diagnostic: nothing after it can be scanned reliably."""


class ScanState:
    """The text being scanned, the read position and the diagnostics so far."""

    def __init__(self, source: SourceFile) -> None:
        self.source = source
        self.text = source.text
        self.pos = 0
        self.diagnostics: list[Diagnostic] = []
        self.fstring_depth = 0

    def span(self, start: int, end: int) -> Span:
        return Span(self.source, start, end)

    def error(self, message: str, span: Span, hint: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(message, span, hint))

    def fatal(self, message: str, span: Span, hint: str | None = None) -> NoReturn:
        self.error(message, span, hint)
        raise ScanAborted


class StringReader:
    """Decodes the string literal at the position of ``state``. ``scan_nested`` scans the
    tokens of an f-string ``${...}`` up to and including its closing ``}``."""

    def __init__(self, state: ScanState, scan_nested: Callable[[], list[Token]]) -> None:
        self.state = state
        self.scan_nested = scan_nested

    def scan_string(self, start: int, *, prefix: str, hashes: int) -> Token:
        """The literal whose prefix (``""``, ``"r"`` or ``"f"``) begins at ``start``; ``pos``
        is at the end of the prefix, before ``hashes`` ``#`` and the opening quote."""
        self.state.pos += hashes + 1
        opening = self.state.span(start, self.state.pos)
        closing = '"' + "#" * hashes
        escapes = prefix != "r" and hashes == 0
        parts: list[FStringPart] = []
        chunk: list[str] = []
        while not self.state.text.startswith(closing, self.state.pos):
            if self.state.pos >= len(self.state.text):
                self.state.fatal("unterminated string literal", opening, f"close it with {closing}")
            char = self.state.text[self.state.pos]
            if escapes and char == "\\":
                chunk.append(self._scan_escape(opening))
            elif prefix == "f" and self.state.text.startswith("${", self.state.pos):
                if chunk:
                    parts.append("".join(chunk))
                    chunk.clear()
                parts.append(self._scan_interpolation())
            else:
                chunk.append(char)
                self.state.pos += 1
        self.state.pos += len(closing)
        if chunk:
            parts.append("".join(chunk))
        span = self.state.span(start, self.state.pos)
        literal = self.state.text[start : self.state.pos]
        if prefix == "f":
            return Token(TokenKind.FSTRING, literal, span, tuple(parts))
        value = "".join(part for part in parts if isinstance(part, str))
        return Token(TokenKind.STRING, literal, span, value)

    def _scan_interpolation(self) -> Interpolation:
        """``${ expr }``: the tokens of ``expr`` and the closing ``}``."""
        start = self.state.pos
        self.state.pos += 2
        self.state.fstring_depth += 1
        if self.state.fstring_depth > _MAX_FSTRING_NESTING:
            self.state.fatal("f-strings nested too deeply", self.state.span(start, self.state.pos))
        tokens = self.scan_nested()
        self.state.fstring_depth -= 1
        if tokens[-1].kind is TokenKind.EOF:
            self.state.fatal(
                "unterminated '${' in f-string",
                self.state.span(start, start + 2),
                "close the interpolation with '}'",
            )
        return Interpolation(tuple(tokens), self.state.span(start, self.state.pos))

    def _scan_escape(self, opening: Span) -> str:
        """Decode the escape at ``pos`` (on the backslash); report unknown ones."""
        start = self.state.pos
        if start + 1 >= len(self.state.text):
            self.state.fatal("unterminated string literal", opening, 'close it with "')
        char = self.state.text[start + 1]
        self.state.pos = start + 2
        if char in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[char]
        if char in " \t\r\n":
            while (
                self.state.pos < len(self.state.text)
                and self.state.text[self.state.pos] in " \t\r\n"
            ):
                self.state.pos += 1
            return ""
        if char == "u":
            return self._scan_unicode_escape(start)
        self.state.error(
            f"unknown escape '\\{char}'", self.state.span(start, self.state.pos), _ESCAPE_HINT
        )
        return char

    def _scan_unicode_escape(self, start: int) -> str:
        """``\\u{1F600}`` or ``\\uXXXX`` (a high surrogate must be followed by a low one)."""
        text = self.state.text
        if text.startswith("{", self.state.pos):
            close = text.find("}", self.state.pos)
            digits = text[self.state.pos + 1 : close] if close >= 0 else ""
            if not 1 <= len(digits) <= 6 or not set(digits) <= _HEX:
                return self._bad_unicode(
                    start, self.state.pos + 1, "\\u{...} takes 1 to 6 hex digits"
                )
            self.state.pos = close + 1
            return self._scalar(int(digits, 16), start)
        digits = text[self.state.pos : self.state.pos + 4]
        if len(digits) < 4 or not set(digits) <= _HEX:
            return self._bad_unicode(start, self.state.pos, "\\u takes exactly 4 hex digits")
        self.state.pos += 4
        code = int(digits, 16)
        low = text[self.state.pos + 2 : self.state.pos + 6]
        if (
            0xD800 <= code < 0xDC00
            and text.startswith("\\u", self.state.pos)
            and len(low) == 4
            and set(low) <= _HEX
            and 0xDC00 <= int(low, 16) < 0xE000
        ):
            self.state.pos += 6
            code = 0x10000 + ((code - 0xD800) << 10) + (int(low, 16) - 0xDC00)
        return self._scalar(code, start)

    def _scalar(self, code: int, start: int) -> str:
        if code > 0x10FFFF or 0xD800 <= code < 0xE000:
            self.state.error(
                f"\\u escape {code:#x} is not a Unicode scalar value",
                self.state.span(start, self.state.pos),
            )
            return ""
        return chr(code)

    def _bad_unicode(self, start: int, end: int, hint: str) -> str:
        self.state.pos = end
        self.state.error("invalid unicode escape", self.state.span(start, end), hint)
        return ""
