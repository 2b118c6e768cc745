"""Walks of the typed tree: capture analysis for lambda lifting, and host calls.

A lifted closure receives, as extra leading parameters, every value it reads that is
bound outside it: the free variables of its body, plus the captures of the closures
it calls that it does not bind itself (a call must pass them on). Closures may call
themselves and each other's instances, so this is a fixpoint.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from ..exhaustive import unreachable
from ..frontend import typed as t

__all__ = ["Usage", "compute_captures", "hosts_called", "scan"]


@dataclass(frozen=True, slots=True)
class Usage:
    """What a body reads, binds and calls."""

    reads: frozenset[t.Binder]
    binds: frozenset[t.Binder]
    calls: frozenset[str]


def compute_captures(
    functions: Sequence[t.FunctionInstance],
) -> dict[str, tuple[t.Binder, ...]]:
    """Function name -> captured binders, in binding (creation) order."""
    usage = {f.name: scan(f.body) for f in functions}
    local = {f.name: usage[f.name].binds | frozenset(f.params) for f in functions}
    free = {name: set(usage[name].reads - local[name]) for name in usage}
    changed = True
    while changed:
        changed = False
        for name, use in usage.items():
            for callee in use.calls:
                extra = free[callee] - local[name] - free[name]
                if extra:
                    free[name] |= extra
                    changed = True
    return {name: tuple(sorted(vs, key=lambda b: b.order)) for name, vs in free.items()}


def scan(expr: t.Expr) -> Usage:
    reads: set[t.Binder] = set()
    binds: set[t.Binder] = set()
    calls: set[str] = set()
    for node in _walk(expr):
        match node:
            case t.Var():
                reads.add(node.binder)
            case t.Let():
                binds.add(node.binder)
            case t.Inline():
                binds.update(node.params)
            case t.CallFunction() | t.Named():
                calls.add(node.function)
            case _:
                pass
    return Usage(frozenset(reads), frozenset(binds), frozenset(calls))


_Node = t.Expr | t.Inline | t.Named


def _walk(expr: _Node) -> Iterator[_Node]:
    """Every expression and stage function under ``expr`` (pre-order)."""
    yield expr
    for child in _children(expr):
        yield from _walk(child)


def _children(node: _Node) -> tuple[_Node, ...]:  # noqa: RET503 - the match is exhaustive
    match node:
        case t.Literal_() | t.EnumValue() | t.Invalid() | t.Var() | t.Named():
            return ()
        case t.ToText():
            return (node.operand,)
        case t.TupleField():
            return (node.target,)
        case t.Concat():
            return node.parts
        case t.ListLiteral() | t.MakeTuple():
            return node.elements
        case t.StrCall() | t.ListCall():
            return node.args
        case t.Let():
            return (node.value, node.body)
        case t.Neg() | t.Not() | t.Widen():
            return (node.operand,)
        case t.Arith() | t.Compare() | t.Logic():
            return (node.left, node.right)
        case t.Cond():
            return (node.condition, node.then, node.otherwise)
        case t.Validate():
            return (node.condition, node.message, node.body)
        case t.CallFunction() | t.CallHost() | t.CallMath():
            return node.args
        case t.Inline():
            return (node.body,)
        case t.Pipeline():
            source = node.source
            out: list[_Node] = (
                [source.start, source.end] if isinstance(source, t.RangeOf) else [source.list]
            )
            out += [s.fn for s in node.stages]
            term = node.terminal
            if isinstance(term, t.Reduce):
                out += [term.init, term.fn]
            elif isinstance(term, t.AnyOf | t.AllOf):
                out.append(term.fn)
            return tuple(out)
        case _:
            unreachable(node)


def hosts_called(bodies: Sequence[t.Expr]) -> Mapping[str, t.CallHost]:
    """Host name -> one call of it, over all ``bodies``."""
    found: dict[str, t.CallHost] = {}
    for body in bodies:
        for node in _walk(body):
            if isinstance(node, t.CallHost):
                found.setdefault(node.host.name, node)
    return found
