"""String operations (byte-based), one row each: method, signature, emission, symbol.

Types are written as Relon spells them (``"Int"``, ``"List<String>"``); the subject
is the first parameter (``s`` of ``s.upper()``, the list of ``xs.join(sep)``). The
comment on each row is its exact semantics, shared by both backends and the evaluator.
"""

from __future__ import annotations

import enum

from .rows import by_spelling

__all__ = ["Emit", "StringOp"]


class Emit(enum.Enum):
    """How codegen produces an operation's value."""

    LENGTH = "length"  # the length half of the subject's (ptr, len) pair, inline
    PREDICATE = "predicate"  # the symbol returns an i32 truth value
    CASE_MAP = "case_map"  # the symbol rewrites the bytes into a buffer of the same length
    SLICE = "slice"  # the symbol finds a sub-slice (start, length) of the subject; no copy
    SUBSTRING = "substring"  # bounds checked inline; the symbol tests char boundaries
    BUILD = "build"  # the symbol allocates the result in the arena; non-zero status raises


class StringOp(enum.Enum):
    """A string operation; its value is the IR spelling (``str.upper``)."""

    method: str
    params: tuple[str, ...]
    result: str
    emit: Emit
    symbol: str | None

    def __new__(
        cls, method: str, params: tuple[str, ...], result: str, emit: Emit, symbol: str | None
    ) -> StringOp:
        op = object.__new__(cls)
        op._value_ = f"str.{method}"
        op.method, op.params, op.result, op.emit, op.symbol = method, params, result, emit, symbol
        return op

    # UTF-8 byte count
    LEN = ("len", ("String",), "Int", Emit.LENGTH, None)
    # the empty needle is contained
    CONTAINS = ("contains", ("String", "String"), "Bool", Emit.PREDICATE, "relon_rt_str_contains")
    STARTS_WITH = (
        "starts_with", ("String", "String"), "Bool", Emit.PREDICATE, "relon_rt_str_starts_with",
    )  # fmt: skip
    ENDS_WITH = (
        "ends_with", ("String", "String"), "Bool", Emit.PREDICATE, "relon_rt_str_ends_with",
    )  # fmt: skip
    # ASCII letters only, other bytes unchanged
    UPPER = ("upper", ("String",), "String", Emit.CASE_MAP, "relon_rt_str_ascii_upper")
    LOWER = ("lower", ("String",), "String", Emit.CASE_MAP, "relon_rt_str_ascii_lower")
    # Rust str::trim (Unicode White_Space at both ends)
    TRIM = ("trim", ("String",), "String", Emit.SLICE, "relon_rt_str_trim")
    # bytes a..b; IndexOutOfBounds unless 0 <= a <= b <= len(s) and both a and b are on
    # UTF-8 char boundaries (checked in that order)
    SUBSTRING = (
        "substring", ("String", "Int", "Int"), "String", Emit.SUBSTRING,
        "relon_rt_str_is_char_boundary",
    )  # fmt: skip
    # Rust str::split; the separator "" is EmptyList
    SPLIT = ("split", ("String", "String"), "List<String>", Emit.BUILD, "relon_rt_str_split")
    # Rust str::replace (from "" inserts `to` at every char boundary, start and end too)
    REPLACE = (
        "replace", ("String", "String", "String"), "String", Emit.BUILD, "relon_rt_str_replace",
    )  # fmt: skip
    # the elements with `sep` between them
    JOIN = ("join", ("List<String>", "String"), "String", Emit.BUILD, "relon_rt_str_join")

    @classmethod
    def of(cls, subject: str, method: str) -> StringOp | None:
        """The operation ``method`` on a ``subject`` of that type, if there is one."""
        return _BY_METHOD.get((subject, method))

    @classmethod
    def spelled(cls, spelling: str) -> StringOp:
        """The operation whose IR spelling is ``spelling``. :raises ValueError: if none."""
        return by_spelling(cls, spelling, "string operation")

    @classmethod
    def methods(cls, subject: str) -> tuple[str, ...]:
        """The method names a value of type ``subject`` has."""
        return tuple(method for s, method in _BY_METHOD if s == subject)


_BY_METHOD = {(op.params[0], op.method): op for op in StringOp}
