"""Run-time values of the evaluator: the error it raises and ``#main`` argument checks.

Relon values are plain Python ``int`` (always within i64), ``float`` and ``bool``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, TypeAlias, get_args

__all__ = [
    "ERROR_KINDS",
    "I64_MAX",
    "I64_MIN",
    "ErrorKindName",
    "EvaluationError",
    "Value",
    "as_float",
    "as_int",
    "convert_args",
]

I64_MAX = 2**63 - 1
I64_MIN = -(2**63)

#: Int, Float, Bool, String, List<T> (a ``list``, never mutated) or a tuple result
Value: TypeAlias = "int | float | bool | str | list[Value] | tuple[Value, ...]"

ErrorKindName: TypeAlias = Literal[
    "NumericOverflow",
    "DivisionByZero",
    "IndexOutOfBounds",
    "EmptyList",
    "CapabilityDenied",
    "StepLimitExceeded",
    "MainArgTypeMismatch",
    "HostPanic",
    "RecursionLimitExceeded",
    "ValueTooLarge",
    "ValidationError",
]

#: The ``.kind`` tags of the user contract (section 5): the runtime's statuses' kinds and
#: MainArgTypeMismatch (tests/evaluator check the two agree).
ERROR_KINDS: tuple[ErrorKindName, ...] = get_args(ErrorKindName)


class EvaluationError(Exception):
    """A Relon run-time error; ``kind`` is the contract's stable tag (``NumericOverflow``...)."""

    def __init__(self, kind: ErrorKindName, detail: str = "") -> None:
        assert kind in ERROR_KINDS, kind
        self.kind: ErrorKindName = kind
        super().__init__(f"{kind}: {detail}" if detail else kind)


def as_int(value: Value) -> int:
    """An Int value (our bug if it is anything else)."""
    assert isinstance(value, int) and not isinstance(value, bool), value
    return value


def as_float(value: Value) -> float:
    """A Float value, or an Int value being widened to Float."""
    assert isinstance(value, float | int) and not isinstance(value, bool), value
    return float(value)


def _convert(name: str, kind: str, value: object) -> Value:
    # bool is an int subclass but never an Int or Float value
    if kind == "Bool" and isinstance(value, bool):
        return bool(value)
    if kind in ("Int", "Float") and isinstance(value, int) and not isinstance(value, bool):
        number = int(value)
        if kind == "Float":
            return float(number)
        if not I64_MIN <= number <= I64_MAX:
            raise EvaluationError("NumericOverflow", f"argument '{name}' does not fit in i64")
        return number
    if kind == "Float" and isinstance(value, float):
        return float(value)
    if kind == "String" and isinstance(value, str):
        return str(value)
    if kind.startswith("List<") and isinstance(value, Sequence) and not isinstance(value, str):
        element = kind[len("List<") : -1]
        return [_convert(name, element, item) for item in value]
    raise EvaluationError("MainArgTypeMismatch", f"argument '{name}' must be {kind}")


def convert_args(params: Sequence[tuple[str, str]], args: Sequence[object]) -> tuple[Value, ...]:
    """``args`` as the values of ``#main`` parameters ``(name, "Int"|"Float"|"Bool")``.

    :raises EvaluationError: ``MainArgTypeMismatch`` for a wrong count or type,
        ``NumericOverflow`` for an Int outside i64.
    """
    if len(args) != len(params):
        raise EvaluationError(
            "MainArgTypeMismatch", f"#main takes {len(params)} arguments, got {len(args)}"
        )
    return tuple(
        _convert(name, kind, value) for (name, kind), value in zip(params, args, strict=True)
    )
