"""Static bounds on the steps an expression charges (ir/nodes.py "Steps").

A :class:`~relon_build_backend.ir.nodes.HostCall` charges exactly one step and its host
function cannot charge more, so the charges of an expression holding no
:class:`~relon_build_backend.ir.nodes.Call` and no nested
:class:`~relon_build_backend.ir.nodes.Loop` are bounded by the host calls it can reach
on any one path. That bound lets ``loops.py`` check the budget once before a loop
(loop versioning) instead of at every iteration.
"""

from __future__ import annotations

from ..exhaustive import unreachable
from ..ir.nodes import (
    AllTerminal,
    And,
    AnyTerminal,
    Binary,
    Call,
    CollectTerminal,
    Concat,
    Const,
    CountTerminal,
    Expect,
    Expr,
    HostCall,
    If,
    IntToFloat,
    Let,
    ListCall,
    ListLiteral,
    Local,
    Loop,
    MakeTuple,
    MapStage,
    MathCall,
    Not,
    Or,
    ReduceTerminal,
    StrCall,
    SumTerminal,
    ToText,
    Unary,
)

__all__ = ["iteration_steps"]


def iteration_steps(loop: Loop) -> int | None:
    """The most steps one iteration of ``loop`` can charge (its own step, plus the host
    calls of its stages and terminal on the costliest path), or ``None`` when no static
    bound exists (a call or a nested loop, whose steps depend on the run)."""
    total = 1
    for stage in loop.stages:
        bound = expr_steps(stage.value if isinstance(stage, MapStage) else stage.condition)
        if bound is None:
            return None
        total += bound
    terminal = loop.terminal
    match terminal:
        case ReduceTerminal():
            bound = expr_steps(terminal.update)
        case AnyTerminal() | AllTerminal():
            bound = expr_steps(terminal.condition)
        case SumTerminal() | CountTerminal() | CollectTerminal():
            bound = 0
        case _:
            unreachable(terminal)
    return None if bound is None else total + bound


def expr_steps(expr: Expr) -> int | None:  # noqa: RET503 - the match is exhaustive
    """The most steps evaluating ``expr`` can charge, or ``None`` (see
    :func:`iteration_steps`)."""
    match expr:
        case Const() | Local():
            return 0
        case Call() | Loop():
            return None
        case HostCall(args=args):
            bound = _sum(args)
            return None if bound is None else 1 + bound
        case Let(value=value, body=body):
            return _sum((value, body))
        case Unary(operand=operand) | Not(operand=operand) | IntToFloat(operand=operand):
            return expr_steps(operand)
        case ToText(operand=operand):
            return expr_steps(operand)
        case Binary(left=left, right=right) | And(left=left, right=right):
            return _sum((left, right))
        case Or(left=left, right=right):
            return _sum((left, right))
        case If(condition=condition, then=then, otherwise=otherwise):
            branches = (expr_steps(then), expr_steps(otherwise))
            cond = expr_steps(condition)
            if cond is None or branches[0] is None or branches[1] is None:
                return None
            return cond + max(branches[0], branches[1])
        case MathCall(args=args) | StrCall(args=args) | ListCall(args=args):
            return _sum(args)
        case Concat(parts=parts):
            return _sum(parts)
        case ListLiteral(elements=elements) | MakeTuple(elements=elements):
            return _sum(elements)
        case Expect(condition=condition):
            return expr_steps(condition)
        case _:
            unreachable(expr)


def _sum(exprs: tuple[Expr, ...]) -> int | None:
    total = 0
    for expr in exprs:
        bound = expr_steps(expr)
        if bound is None:
            return None
        total += bound
    return total
