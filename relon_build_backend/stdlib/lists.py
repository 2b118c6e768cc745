"""List operations, one row each: method, signature over the element type ``T``, the
runtime symbol that computes it (if any). No step is charged for them.

Types are written as Relon spells them, ``T`` for the list's element type; the list is
the first parameter. The comment on each row is its exact semantics, shared by both
backends and the evaluator. (Chains, ``map``/``filter`` into ``reduce``/``sum``/...,
are loops, not rows: see ``ir.nodes.Pipeline``.)
"""

from __future__ import annotations

import enum

from .rows import by_spelling

__all__ = ["ListOp"]


class ListOp(enum.Enum):
    """A list operation; its value is the IR spelling (``list.sort``)."""

    method: str
    params: tuple[str, ...]
    result: str
    symbol: str | None

    def __new__(
        cls, method: str, params: tuple[str, ...], result: str, symbol: str | None
    ) -> ListOp:
        op = object.__new__(cls)
        op._value_ = f"list.{method}"
        op.method, op.params, op.result, op.symbol = method, params, result, symbol
        return op

    LEN = ("len", ("List<T>",), "Int", None)
    # xs[i]; IndexOutOfBounds unless 0 <= i < len
    INDEX = ("index", ("List<T>", "Int"), "T", None)
    # EmptyList when empty
    FIRST = ("first", ("List<T>",), "T", None)
    LAST = ("last", ("List<T>",), "T", None)
    # EmptyList when empty; folds left to right with the semantics of math min / max
    # (Float: NaN wins); String bytewise; Bool false < true
    MIN = ("min", ("List<T>",), "T", None)
    MAX = ("max", ("List<T>",), "T", None)
    # language equality (NaN == NaN, -0.0 == 0.0)
    CONTAINS = ("contains", ("List<T>", "T"), "Bool", None)
    REVERSE = ("reverse", ("List<T>",), "List<T>", None)
    # stable, ascending; Int by value, String bytewise, Bool false < true, Float by IEEE
    # totalOrder (-NaN < -inf < ... < -0.0 < 0.0 < ... < NaN)
    SORT = ("sort", ("List<T>",), "List<T>", "relon_rt_sort")
    # first occurrences, in order; language equality
    UNIQUE = ("unique", ("List<T>",), "List<T>", "relon_rt_unique")
    CONCAT = ("concat", ("List<T>", "List<T>"), "List<T>", None)
    # slice(xs, start, count): the ``count`` elements from ``start``, no copy;
    # IndexOutOfBounds unless 0 <= start and 0 <= count <= len - start. Not a Relon
    # method: the lowering reads an element of a List<List<T>> parameter with it.
    SLICE = ("slice", ("List<T>", "Int", "Int"), "List<T>", None)

    @classmethod
    def spelled(cls, spelling: str) -> ListOp:
        """The row whose IR spelling is ``spelling``. :raises ValueError: if none."""
        return by_spelling(cls, spelling, "list operation")
