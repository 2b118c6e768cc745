"""How deeply a syntax tree nests, measured without recursion.

The parser bounds recursive nesting, but a long operator chain (``a + a + ... + a``)
is parsed by a loop into a tree as deep as the chain is long. Every later stage walks
trees recursively (a few Python frames per level), so the checker rejects trees
deeper than :data:`MAX_DEPTH` with a diagnostic instead of letting a later stage hit
the interpreter's recursion limit.
"""

from __future__ import annotations

from typing import Final

from . import ast

__all__ = ["MAX_DEPTH", "children", "deepest"]

#: Deepest tree accepted; ~3 frames per level in the deepest walker (the IR printer)
#: stays well inside Python's default limit of 1000 frames.
MAX_DEPTH: Final = 200


def deepest(expr: ast.Expr) -> tuple[int, ast.Expr]:
    """The depth of ``expr`` and a node at that depth (for the diagnostic's location)."""
    best = (1, expr)
    stack: list[tuple[int, ast.Expr]] = [(1, expr)]
    while stack:
        depth, node = stack.pop()
        if depth > best[0]:
            best = (depth, node)
        if isinstance(node, ast.Where):
            # Each binding becomes one more nested ``let`` around the body.
            stack.extend((depth + i, b.value) for i, b in enumerate(node.bindings, start=1))
            stack.append((depth + len(node.bindings) + 1, node.body))
        else:
            stack.extend((depth + 1, child) for child in children(node))
    return best


def children(node: ast.Expr) -> tuple[ast.Expr, ...]:
    """The sub-expressions of ``node``."""
    match node:
        case ast.Unary():
            return (node.operand,)
        case ast.Binary():
            return (node.left, node.right)
        case ast.Ternary():
            return (node.condition, node.then, node.otherwise)
        case ast.Call():
            return node.args
        case ast.MethodCall():
            return (node.receiver, *node.args)
        case ast.Index():
            return (node.target, node.index)
        case ast.FieldAccess() | ast.NamedField():
            return (node.target,)
        case ast.Match():
            return (node.subject, *(arm.body for arm in node.arms))
        case ast.Document():
            return tuple(f.value for f in node.fields)
        case ast.Closure():
            return (node.body,)
        case ast.ListLiteral() | ast.TupleLiteral():
            return node.elements
        case ast.Comprehension():
            tail = () if node.condition is None else (node.condition,)
            return (node.element, node.iterable, *tail)
        case ast.Where():
            return (*(b.value for b in node.bindings), node.body)
        case ast.FStringLiteral():
            return tuple(p for p in node.parts if not isinstance(p, str))
    return ()
