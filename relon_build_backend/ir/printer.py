"""The text form of Relon IR (``relon-build ir``, golden tests).

:func:`format_module` returns a stable, deterministic text: the module name, the host
imports, then the entry and each lifted function. An expression whose subtree holds no
``let``, ``loop`` or multi-line ``if`` and fits on a line prints inline in call
notation (``int.add(n, 1)``); otherwise it prints as an indented tree, one child per
line. Example::

    module quote

    host clock_add(int, int) -> int [reads_clock]

    fn main(n: int) -> int =
      let k: int = int.mul(n, 2)
      loop range(0, n)
        map x: int -> int.add(x, k)
        sum int
"""

from __future__ import annotations

import json
import math

from ..exhaustive import unreachable
from . import nodes as ir

__all__ = ["format_expr", "format_module", "format_type"]

_WIDTH = 88
_STEP = "  "


def format_module(module: ir.IrModule) -> str:
    """The whole module as text, ending with a newline."""
    out = [f"module {module.name}", ""]
    for host in module.host_imports:
        out.append(_host(host))
    if module.host_imports:
        out.append("")
    for function in (module.entry, *module.functions):
        out.extend(_function(function))
        out.append("")
    return "\n".join(out[:-1]) + "\n"


def format_expr(expr: ir.Expr, indent: int = 0) -> str:
    """One expression as text (no trailing newline)."""
    return "\n".join(_block(expr, indent))


def _host(host: ir.HostImport) -> str:
    params = ", ".join(p.value for p in host.params)
    caps = f" [{', '.join(host.capabilities)}]" if host.capabilities else ""
    return f"host {host.name}({params}) -> {host.result.value}{caps}"


def format_type(ty: ir.IrType | ir.TupleType) -> str:
    """``int``, ``list<string>``, or a tuple ``(int, string)``."""
    if isinstance(ty, ir.TupleType):
        return "(" + ", ".join(e.value for e in ty.elements) + ")"
    return ty.value


def _function(function: ir.Function) -> list[str]:
    params = ", ".join(f"{p.name}: {p.type.value}" for p in function.params)
    head = f"fn {function.name}({params}) -> {format_type(function.result)} ="
    return [head, *_block(function.body, 1)]


# --------------------------------------------------------------------------- inline form


def _inline(expr: ir.Expr) -> str | None:
    """``expr`` on one line, or None when it needs the block form."""
    match expr:
        case ir.Const():
            return _const(expr)
        case ir.Local():
            return expr.name
        case ir.Let() | ir.Loop():
            return None
        case ir.Unary():
            return _call(expr.op.value, (expr.operand,))
        case ir.Not():
            return _call("not", (expr.operand,))
        case ir.IntToFloat():
            return _call("int_to_float", (expr.operand,))
        case ir.Binary():
            return _call(expr.op.value, (expr.left, expr.right))
        case ir.And():
            return _call("and", (expr.left, expr.right))
        case ir.Or():
            return _call("or", (expr.left, expr.right))
        case ir.If():
            parts = [_inline(e) for e in (expr.condition, expr.then, expr.otherwise)]
            if any(p is None for p in parts):
                return None
            return f"if {parts[0]} then {parts[1]} else {parts[2]}"
        case ir.Call():
            return _call(f"call {expr.function}", expr.args)
        case ir.HostCall():
            return _call(f"host {expr.name}", expr.args)
        case ir.MathCall():
            return _call(f"math.{expr.op.value}", expr.args)
        case _:  # the rest have one call form, shared with the block form
            return _call(*_tree(expr))


def _call(head: str, args: tuple[ir.Expr, ...]) -> str | None:
    parts: list[str] = []
    for arg in args:  # a loop, not a comprehension: one frame less per nesting level
        text = _inline(arg)
        if text is None:
            return None
        parts.append(text)
    return f"{head}({', '.join(parts)})"


def _const(const: ir.Const) -> str:
    if const.type is ir.IrType.STRING:
        return json.dumps(const.value)  # ASCII-only, one token for the reader
    if const.type is ir.IrType.BOOL:
        return "true" if const.value else "false"
    if const.type is ir.IrType.FLOAT:
        value = float(const.value)
        if math.isnan(value):
            return "NaN"  # Relon's spellings: keywords, so never a local's name
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return repr(value)  # always has a '.' or an 'e', unlike an Int
    return str(int(const.value))


# --------------------------------------------------------------------------- block form


def _block(expr: ir.Expr, level: int) -> list[str]:
    pad = _STEP * level
    text = _inline(expr)
    leaf = isinstance(expr, ir.Const | ir.Local)
    if text is not None and (leaf or len(pad) + len(text) <= _WIDTH):
        return [pad + text]
    match expr:
        case ir.Let():
            label = f"let {expr.name}: {format_type(expr.value.type)} ="
            return [*_labelled(label, expr.value, level), *_block(expr.body, level)]
        case ir.Loop():
            return _loop(expr, level)
        case ir.If():
            return [
                *_labelled("if", expr.condition, level),
                *_labelled("then", expr.then, level),
                *_labelled("else", expr.otherwise, level),
            ]
    head, children = _tree(expr)
    return [pad + head] + [line for child in children for line in _block(child, level + 1)]


def _labelled(label: str, expr: ir.Expr, level: int) -> list[str]:
    """``label value`` on one line if it fits, else ``label`` then the value indented."""
    pad = _STEP * level
    lines: list[str]
    text = _inline(expr)
    if text is not None and len(pad) + len(label) + 1 + len(text) <= _WIDTH:
        lines = [f"{pad}{label} {text}"]
    else:
        lines = [pad + label, *_block(expr, level + 1)]
    return lines


def _tree(expr: ir.Expr) -> tuple[str, tuple[ir.Expr, ...]]:
    match expr:
        case ir.Unary():
            return expr.op.value, (expr.operand,)
        case ir.Not():
            return "not", (expr.operand,)
        case ir.IntToFloat():
            return "int_to_float", (expr.operand,)
        case ir.Binary():
            return expr.op.value, (expr.left, expr.right)
        case ir.And():
            return "and", (expr.left, expr.right)
        case ir.Or():
            return "or", (expr.left, expr.right)
        case ir.Call():
            return f"call {expr.function}", expr.args
        case ir.HostCall():
            return f"host {expr.name}", expr.args
        case ir.MathCall():
            return f"math.{expr.op.value}", expr.args
        case ir.ToText():
            return "to_text", (expr.operand,)
        case ir.Concat():
            return "concat", expr.parts
        case ir.StrCall() | ir.ListCall():
            return expr.op.value, expr.args
        case ir.ListLiteral():
            return expr.type.value, expr.elements
        case ir.MakeTuple():
            return "tuple", expr.elements
        case ir.Expect():
            return "expect", (expr.condition, expr.message)
    raise AssertionError(f"no tree form for {expr!r}")


def _loop(loop: ir.Loop, level: int) -> list[str]:
    pad = _STEP * level
    kind, bounds = (
        ("range", (loop.source.start, loop.source.end))
        if isinstance(loop.source, ir.RangeSource)
        else ("list", (loop.source.list,))
    )
    source = _call(kind, bounds)
    if source is not None:
        lines = [f"{pad}loop {source}"]
    else:
        lines = [f"{pad}loop {kind}"]
        for bound in bounds:
            lines += _block(bound, level + 2)
    inner = level + 1
    for stage in loop.stages:
        kind = "map" if isinstance(stage, ir.MapStage) else "filter"
        value = stage.value if isinstance(stage, ir.MapStage) else stage.condition
        lines += _labelled(f"{kind} {stage.var}: {stage.var_type.value} ->", value, inner)
    lines += _terminal(loop.terminal, inner)
    return lines


def _terminal(term: ir.Terminal, level: int) -> list[str]:  # noqa: RET503 - the match is exhaustive
    pad = _STEP * level
    match term:
        case ir.SumTerminal():
            return [f"{pad}sum {term.type.value}"]
        case ir.CountTerminal():
            return [f"{pad}count"]
        case ir.CollectTerminal():
            return [f"{pad}collect {term.type.value}"]
        case ir.AnyTerminal() | ir.AllTerminal():
            kind = "any" if isinstance(term, ir.AnyTerminal) else "all"
            return _labelled(f"{kind} {term.var}: {term.var_type.value} ->", term.condition, level)
        case ir.ReduceTerminal():
            head = f"reduce {term.acc}: {term.type.value}"
            return [
                *_labelled(f"{head} =", term.init, level),
                *_labelled(f"{term.var}: {term.var_type.value} ->", term.update, level + 1),
            ]
        case _:
            unreachable(term)
