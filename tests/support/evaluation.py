"""One way into the reference evaluator for every test folder.

The evaluator tests assert on its results and the end-to-end tests use it as the
oracle the compiled rules must match; both check a source and evaluate it the same
way, so a change to how a source is checked or run changes both alike.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from relon_build_backend.evaluator import EvaluationError, Value, evaluate
from relon_build_backend.frontend.checker import CheckedModule, check_module
from relon_build_backend.frontend.hosts import HostFunction
from relon_build_backend.frontend.parser import parse_module
from relon_build_backend.frontend.source import SourceFile

__all__ = ["check", "outcome"]


def check(
    source: str, hosts: tuple[HostFunction, ...] = (), *, name: str = "rule"
) -> CheckedModule:
    """``source`` parsed and checked as the file ``<name>.relon``."""
    return check_module(parse_module(SourceFile(f"{name}.relon", source)), hosts)


def outcome(
    source: str,
    *args: object,
    caps: frozenset[str] = frozenset(),
    max_steps: int | None = None,
    hosts: tuple[HostFunction, ...] = (),
    models: Mapping[str, Callable[..., object]] | None = None,
    name: str = "rule",
) -> Value | str:
    """The result, or the error kind as a string: an error is an outcome to compare,
    not a failure of the test."""
    checked = check(source, hosts, name=name)
    try:
        return evaluate(checked, args, caps=caps, max_steps=max_steps, hosts=models)
    except EvaluationError as exc:
        return exc.kind
