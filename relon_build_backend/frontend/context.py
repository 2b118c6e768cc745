"""The state of checking one file: diagnostics, imports, hosts and closure instances.

:class:`CheckContext` is a lifecycle object (one per :func:`~.checker.check_module`
call). The helper modules (``check_calls``, ``check_chains``) receive it and call back
into the expression checker through :meth:`CheckContext.check`, so they never import
``checker`` (no import cycle).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

from ..names import unique_name
from . import ast
from .diagnostics import Diagnostic
from .hosts import HostFunction
from .scope import ClosureDef, Scope
from .source import Span
from .typed import Binder, Expr, FunctionInstance
from .types import EnumType, TupleOf, Type

__all__ = ["CheckContext", "ExprChecker", "Instance"]

#: (context, node, scope, the type the node's context expects or None) -> typed node
ExprChecker = Callable[["CheckContext", ast.Expr, Scope, "Type | None"], Expr]


class HasBinder(Protocol):
    """A document field being checked: its binder, once its value is checked."""

    binder: Binder | None


@dataclass(slots=True)
class Instance:
    """A closure instance being checked or done. ``result`` is None until known (an
    unannotated closure's result is known once its body is checked)."""

    name: str
    order: int
    params: tuple[Type, ...]
    result: Type | None
    done: FunctionInstance | None = None


class CheckContext:
    """Collects diagnostics and closure instances while one module is checked."""

    def __init__(
        self,
        check: ExprChecker,
        hosts: Sequence[HostFunction],
        imports: Mapping[str, str],
    ) -> None:
        self._check = check
        self.hosts: dict[str, HostFunction] = {h.name: h for h in hosts}
        #: import alias -> std module (``"math"`` -> ``"std/math"``)
        self.imports = dict(imports)
        self.diagnostics: list[Diagnostic] = []
        self.instances: dict[tuple[ClosureDef, tuple[Type, ...]], Instance] = {}
        self._names: set[str] = {"main"}
        #: the file's ``#schema`` records and ``#enum`` types by name
        self.named: dict[str, TupleOf | EnumType] = {}
        #: each ``&sibling``/``&root`` reference -> the document field it reads (bound
        #: before the reading field is checked) and the rest of its path
        self.references: dict[ast.Reference, tuple[HasBinder, tuple[str, ...]]] = {}

    def check(self, expr: ast.Expr, scope: Scope, expected: Type | None = None) -> Expr:
        """``expr`` checked; ``expected`` (when known) only types what has no type of
        its own (an empty ``[]``, Int elements of a Float list): the caller still
        coerces the result."""
        return self._check(self, expr, scope, expected)

    def error(self, message: str, span: Span, hint: str | None = None) -> None:
        diag = Diagnostic(message, span, hint)
        # A closure checked at two signatures would report its body's errors twice.
        if diag not in self.diagnostics:
            self.diagnostics.append(diag)

    def function_name(self, base: str) -> str:
        """A module-unique function name derived from ``base``."""
        return unique_name(base, self._names)

    @contextmanager
    def probe(self) -> Iterator[None]:
        """Check something only for its diagnostics: every instance created inside
        (they may see values of unknown type) is forgotten afterwards, and so are the
        function names they took."""
        saved = self.instances, set(self._names)
        self.instances = dict(self.instances)
        try:
            yield
        finally:
            self.instances, self._names = saved

    def functions(self) -> tuple[FunctionInstance, ...]:
        """The finished instances in the order their checking started."""
        done = sorted(self.instances.values(), key=lambda inst: inst.order)
        return tuple(inst.done for inst in done if inst.done is not None)
