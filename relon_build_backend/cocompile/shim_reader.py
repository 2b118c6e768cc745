"""Reading a shim's host functions from ``host_shim.rs`` (no rustc needed).

Every ``#[no_mangle]`` ``fn`` of the shim is a host function; it must be
``pub extern "C"`` and take and return only ``i64`` (Int), ``f64`` (Float) or
``bool`` (Bool). Comments and string contents are blanked first (offsets kept), so
spans point into the real file and commented-out code is ignored. All problems of
a shim are reported together as one :class:`~relon_build_backend.errors.SourceError`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import get_args

from ..errors import ConfigError
from ..frontend.diagnostics import Diagnostic, SourceError
from ..frontend.hosts import Capability, HostFunction, HostType
from ..frontend.source import SourceFile, Span

__all__ = ["check_gates", "mask_rust", "read_host_functions"]

_RUST_TYPES: dict[str, HostType] = {"i64": "Int", "f64": "Float", "bool": "Bool"}
_ALLOWED = "allowed: i64 (Int), f64 (Float), bool (Bool)"

# A literal: raw string, string, byte string, char, or a comment.
_LEXEME = re.compile(
    r'b?r(?P<hashes>#*)"(?s:.*?)"(?P=hashes)'
    r'|b?"(?:\\.|[^"\\])*"'
    r"|b?'(?:\\.[^']*|[^'\\])'"
    r"|//[^\n]*"
    r"|/\*",
    re.DOTALL,
)
_FN = re.compile(r"\bfn\s+(?P<name>[A-Za-z_][A-Za-z0-9_]*)")
_NO_MANGLE = re.compile(r"#\s*\[\s*(?:unsafe\s*\(\s*)?no_mangle\b")
_EXTERN_C = re.compile(r'\bextern\s+"C"')
_PUB = re.compile(r"\bpub\b(?!\s*\()")


def mask_rust(text: str) -> str:
    """``text`` with comments and literal contents replaced by spaces (same offsets).

    ``"C"`` (as in ``extern "C"``) is kept so ABI strings can still be matched.
    """
    out = list(text)
    pos = 0
    while match := _LEXEME.search(text, pos):
        start, end = match.span()
        if match.group().startswith("/*"):
            end = _block_comment_end(text, start)
        elif match.group() == '"C"':
            pos = end
            continue
        for i in range(start, end):
            if out[i] != "\n":
                out[i] = " "
        pos = end
    return "".join(out)


def _block_comment_end(text: str, start: int) -> int:
    # Rust block comments nest.
    depth, i = 0, start
    while i < len(text):
        pair = text[i : i + 2]
        if pair == "/*":
            depth, i = depth + 1, i + 2
        elif pair == "*/":
            depth, i = depth - 1, i + 2
            if depth == 0:
                return i
        else:
            i += 1
    return len(text)


def read_host_functions(
    shim: Path,
    gates: Mapping[str, frozenset[Capability]],
    *,
    display_path: str | None = None,
) -> tuple[HostFunction, ...]:
    """The host functions of ``shim`` in file order, with capabilities from ``gates``.

    Gates naming functions of other shims are ignored here (a package may have
    several shims); :func:`check_gates` checks them against all shims at once.
    Raises :class:`SourceError` for every unusable exported signature.
    """
    source = SourceFile(display_path or str(shim), shim.read_text(encoding="utf-8"))
    masked = mask_rust(source.text)
    hosts: list[HostFunction] = []
    problems: list[Diagnostic] = []
    for match in _FN.finditer(masked):
        prefix = _item_prefix(masked, match.start())
        if not _NO_MANGLE.search(prefix):
            continue
        name_span = Span(source, match.start("name"), match.end("name"))
        found = list(_check_qualifiers(prefix, name_span))
        params, result, sig_problems = _signature(masked, match.end(), source, name_span)
        found += sig_problems
        problems += found
        if not found and result is not None:
            name = match.group("name")
            hosts.append(
                HostFunction(name, params, result, gates.get(name, frozenset()), name_span)
            )
    if problems:
        raise SourceError(problems)
    return tuple(hosts)


def check_gates(
    gates: Mapping[str, frozenset[Capability]], hosts: tuple[HostFunction, ...]
) -> None:
    """Raise :class:`ConfigError` when ``gates`` names a function no shim defines."""
    known = {h.name for h in hosts}
    unknown = sorted(set(gates) - known)
    if unknown:
        raise ConfigError(
            f"[tool.relon.host-functions] names {', '.join(map(repr, unknown))}, which no "
            f"host_shim.rs defines; host functions found: {', '.join(sorted(known)) or 'none'}"
        )


def _item_prefix(masked: str, fn_start: int) -> str:
    # The attributes and qualifiers of an item: back to the previous item boundary.
    boundary = max(masked.rfind(ch, 0, fn_start) for ch in ";{}")
    return masked[boundary + 1 : fn_start]


def _check_qualifiers(prefix: str, name: Span) -> Iterator[Diagnostic]:
    if not _EXTERN_C.search(prefix) or not _PUB.search(prefix):
        yield Diagnostic(
            f"#[no_mangle] host function '{name.source.text[name.start : name.end]}' "
            'must be declared `pub extern "C" fn`',
            name,
            hint='write `#[no_mangle] pub extern "C" fn name(x: i64) -> i64`',
        )


def _signature(
    masked: str, after_name: int, source: SourceFile, name: Span
) -> tuple[tuple[HostType, ...], HostType | None, list[Diagnostic]]:
    problems: list[Diagnostic] = []
    open_paren = masked.find("(", after_name)
    if open_paren < 0 or masked[after_name:open_paren].strip():
        generic = Span(source, after_name, max(after_name + 1, open_paren))
        return (), None, [Diagnostic("host functions cannot be generic", generic)]
    close_paren = _matching_paren(masked, open_paren)
    params: list[HostType] = []
    for start, end in _split_params(masked, open_paren + 1, close_paren):
        colon = masked.find(":", start, end)
        type_start = colon + 1 if colon >= 0 else start
        host_type = _host_type(
            masked, type_start, end, source=source, role="parameter", problems=problems
        )
        if host_type is not None:
            params.append(host_type)
    result = _result_type(masked, close_paren + 1, source, name, problems)
    return tuple(params), result, problems


def _result_type(
    masked: str, start: int, source: SourceFile, name: Span, problems: list[Diagnostic]
) -> HostType | None:
    body = re.compile(r"[{;]|\bwhere\b").search(masked, start)
    end = body.start() if body else len(masked)
    arrow = masked.find("->", start, end)
    if arrow < 0:
        problems.append(
            Diagnostic(
                f"host function '{source.text[name.start : name.end]}' returns nothing; "
                f"it must return a value ({_ALLOWED})",
                name,
                hint="Relon calls host functions as expressions; return an i64, f64 or bool",
            )
        )
        return None
    return _host_type(masked, arrow + 2, end, source=source, role="return", problems=problems)


def _host_type(
    masked: str, start: int, end: int, *, source: SourceFile, role: str, problems: list[Diagnostic]
) -> HostType | None:
    raw = masked[start:end]
    text = raw.strip()
    begin = start + len(raw) - len(raw.lstrip())
    if text in _RUST_TYPES:
        return _RUST_TYPES[text]
    span = Span(source, begin, begin + max(1, len(text)))
    problems.append(
        Diagnostic(
            f"unsupported {role} type `{text}` in a host function signature ({_ALLOWED})",
            span,
            hint="host functions exchange only Relon scalars; convert inside the shim",
        )
    )
    return None


def _matching_paren(masked: str, open_paren: int) -> int:
    depth = 0
    for i in range(open_paren, len(masked)):
        if masked[i] in "([{<":
            depth += 1
        elif masked[i] in ")]}>" and masked[i - 1] != "-":
            depth -= 1
            if depth == 0:
                return i
    return len(masked)


def _split_params(masked: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    depth, piece = 0, start
    for i in range(start, end):
        if masked[i] in "([{<":
            depth += 1
        elif masked[i] in ")]}>" and masked[i - 1] != "-":
            depth -= 1
        elif masked[i] == "," and depth == 0:
            if masked[piece:i].strip():
                yield piece, i
            piece = i + 1
    if masked[piece:end].strip():
        yield piece, end


# The HostType literal and our mapping must agree.
assert set(_RUST_TYPES.values()) == set(get_args(HostType))
