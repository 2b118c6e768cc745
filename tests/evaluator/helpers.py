"""Check a Relon source and run it through the evaluator."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from relon_build_backend.evaluator import EvaluationError, Value, evaluate
from relon_build_backend.frontend.checker import CheckedModule, check_module
from relon_build_backend.frontend.hosts import HostFunction
from relon_build_backend.frontend.parser import parse_module
from relon_build_backend.frontend.source import SourceFile

__all__ = ["check", "outcome"]


def check(source: str, hosts: tuple[HostFunction, ...] = ()) -> CheckedModule:
    return check_module(parse_module(SourceFile("rule.relon", source)), hosts)


def outcome(
    source: str,
    *args: object,
    caps: frozenset[str] = frozenset(),
    max_steps: int | None = None,
    hosts: tuple[HostFunction, ...] = (),
    models: Mapping[str, Callable[..., object]] | None = None,
) -> Value | str:
    """The result, or the error kind as a string."""
    checked = check(source, hosts)
    try:
        return evaluate(checked, args, caps=caps, max_steps=max_steps, hosts=models)
    except EvaluationError as exc:
        return exc.kind
