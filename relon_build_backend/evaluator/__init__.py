"""A reference evaluator (oracle) for checked Relon modules.

:func:`evaluate` runs a :class:`~..frontend.checker.CheckedModule` in Python with the
semantics of docs (relon-subset.md): a plain tree walk over the typed tree, with range
chains evaluated unfused. The differential test (tests/e2e/test_differential.py)
compares it with the compiled native and wasm code. Modules: ``values`` (the error and
argument checks), ``numeric`` (operators and math), ``texts`` (String functions and
the text of scalars), ``lists`` (List functions), ``interpreter`` (the tree walk).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

from .._relon_runtime import shapes
from .._relon_runtime.errors import RelonError
from ..ir.nodes import MAX_CALL_DEPTH
from .interpreter import Machine
from .values import ERROR_KINDS, ErrorKindName, EvaluationError, Value, convert_args

if TYPE_CHECKING:
    from ..frontend.checker import CheckedModule

__all__ = ["ERROR_KINDS", "ErrorKindName", "EvaluationError", "Value", "evaluate"]

# Python frames per Relon call level (call, body, nested operators), generously: deep
# but legal Relon recursion must not hit Python's recursion limit first.
_FRAMES_PER_CALL = 40


def evaluate(
    checked: CheckedModule,
    args: Sequence[object],
    *,
    caps: frozenset[str] = frozenset(),
    max_steps: int | None = None,
    hosts: Mapping[str, Callable[..., object]] | None = None,
) -> Value:
    """The result of ``#main`` of ``checked`` called with ``args`` (in ``#main`` order).

    ``caps`` are the granted capability names; ``max_steps`` bounds the steps (one per
    call and per range element; ``None`` or negative: unlimited); ``hosts`` maps each
    host function the module calls to a Python model of it, which may raise
    ``EvaluationError("HostPanic")`` to model a panic.

    With a step limit the result matches the compiled code whenever the limit is not
    reached; which error wins when it is reached can differ (the fused loop runs
    elements through all stages at once, this evaluator stage by stage).

    :raises EvaluationError: with the contract's ``.kind`` (``NumericOverflow``...).
    """
    values = _surface_args(checked, args)
    machine = Machine(checked.functions, caps=caps, max_steps=max_steps, hosts=hosts or {})
    env = dict(zip(checked.params, values, strict=True))
    with _recursion_room(MAX_CALL_DEPTH * _FRAMES_PER_CALL):
        if sys.version_info >= (3, 11):
            result = machine.eval(checked.body, env)
        else:
            result = _on_big_stack(lambda: machine.eval(checked.body, env))
    if checked.surface is None:
        return result
    return shapes.shape(checked.surface[1]).to_python(result)  # type: ignore[arg-type,return-value]


def _surface_args(checked: CheckedModule, args: Sequence[object]) -> tuple[Value, ...]:
    """The parameters' values: records as nested tuples and enums as indices, read
    as the loader reads them (the same errors), leaves checked like any argument."""
    if checked.surface is None:
        return convert_args(checked.main_params, args)
    params: Sequence[tuple[str, shapes.ShapeData]] = checked.surface[0]  # type: ignore[assignment]
    if len(args) != len(params):
        return convert_args(checked.main_params, args)  # the count error
    values: list[Value] = []
    for (name, shape), arg in zip(params, args, strict=True):
        try:
            row = shapes.shape(shape).read(arg, name, top=True)
        except RelonError as error:
            raise EvaluationError(error.kind, str(error)) from None  # type: ignore[arg-type]
        if isinstance(shape, str):
            row = convert_args(((name, shape),), (row,))[0]
        values.append(row)  # type: ignore[arg-type]
    return tuple(values)


@contextmanager
def _recursion_room(frames: int) -> Iterator[None]:
    # the limit is process-wide, hence restored after
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, frames))
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


_T = TypeVar("_T")
_BIG_STACK = 1 << 30


def _on_big_stack(run: Callable[[], _T]) -> _T:
    """``run()`` in a thread with a 1 GiB stack. Python < 3.11 puts every Python call on
    the C stack, and MAX_CALL_DEPTH nested Relon calls would overflow the main one."""
    results: list[_T] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            results.append(run())
        except BaseException as exc:  # re-raised in the caller's thread
            errors.append(exc)

    old = threading.stack_size(_BIG_STACK)
    try:
        thread = threading.Thread(target=target, name="relon-evaluate")
        thread.start()
    finally:
        threading.stack_size(old)
    thread.join()
    if errors:
        raise errors[0]
    return results[0]
