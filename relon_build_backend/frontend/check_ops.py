"""Operators: unary ``-``/``!``, the binary operators, and Int-to-Float conversions.

Each function takes already checked operands and returns the typed node, reporting
mistakes to the :class:`~.context.CheckContext`. Widening is always explicit
(:class:`~.typed.Widen`): Int mixed with Float in arithmetic or ordering widens the
Int side; ``==`` between Int and Float is an error (the reference's compiled backends
reject it too). ``String + x`` concatenates (rendering an Int/Float/Bool ``x``) into one
flat :class:`~.typed.Concat`; ``xs + ys`` concatenates lists of one element type.
"""

from __future__ import annotations

from typing import cast

from . import ast
from .context import CheckContext
from .enums import enum_text
from .source import Span
from .typed import (
    Arith,
    ArithOp,
    Compare,
    CompareOp,
    Concat,
    Expr,
    Invalid,
    ListCall,
    Logic,
    Neg,
    Not,
    ToText,
    Widen,
)
from .types import BOOL, FLOAT, INT, STRING, EnumType, ErrorType, ListType, Scalar, Type, is_value

__all__ = ["check_binary", "check_unary", "coerce", "poison"]

_ARITH = ("+", "-", "*", "/", "%")
_ORDER = ("<", "<=", ">", ">=")


def poison(span: Span) -> Expr:
    """A placeholder for an expression that already has a diagnostic."""
    return Invalid(span)


def coerce(
    ctx: CheckContext,
    expr: Expr,
    target: Type,
    what: str,
    hint: str | None = None,
    *,
    span: Span | None = None,
) -> Expr:
    """``expr`` as a value of ``target``: unchanged, widened (Int to Float), or reported as
    ``"{what} must be {target}, not {actual}"`` at ``span`` (default: the expression's)."""
    actual = expr.type
    if actual == target or isinstance(actual, ErrorType) or isinstance(target, ErrorType):
        return expr
    if actual == INT and target == FLOAT:
        return Widen(expr, expr.span)
    ctx.error(f"{what} must be {target}, not {actual}", span or expr.span, hint)
    return poison(expr.span)


def _widen_pair(left: Expr, right: Expr) -> tuple[Expr, Expr, Scalar]:
    """Both Int or both Float after widening the Int side; both must be Int or Float."""
    if left.type == INT and right.type == INT:
        return left, right, INT
    left = Widen(left, left.span) if left.type == INT else left
    right = Widen(right, right.span) if right.type == INT else right
    return left, right, FLOAT


def check_unary(ctx: CheckContext, node: ast.Unary, operand: Expr) -> Expr:
    ty = operand.type
    if isinstance(ty, ErrorType):
        return poison(node.span)
    if node.op == "!":
        if ty == BOOL:
            return Not(operand, node.span)
        ctx.error(f"'!' needs a Bool operand, not {ty}", operand.span, _bool_hint(ty))
        return poison(node.span)
    if ty in (INT, FLOAT):
        return Neg(operand, ty, node.span)
    ctx.error(f"unary '-' needs an Int or Float operand, not {ty}", operand.span)
    return poison(node.span)


def check_binary(ctx: CheckContext, node: ast.Binary, left: Expr, right: Expr) -> Expr:
    lt, rt = left.type, right.type
    if isinstance(lt, ErrorType) or isinstance(rt, ErrorType):
        return poison(node.span)
    op = node.op
    if op in ("&&", "||"):
        return _check_logic(ctx, node, left, right)
    if op in ("==", "!="):
        return _check_equality(ctx, node, left, right)
    if op == "+" and (STRING in (lt, rt) or isinstance(lt, ListType)):
        return _check_concat(ctx, node, left, right)
    if op in _ORDER and lt == rt == STRING:  # byte order (code point order)
        return Compare(cast(CompareOp, op), left, right, STRING, node.span)
    numeric = (INT, FLOAT)
    if lt not in numeric or rt not in numeric:
        bad = left if lt not in numeric else right
        ctx.error(
            f"'{op}' needs Int or Float operands, not {lt} and {rt}",
            node.op_span,
            f"the {'left' if bad is left else 'right'} side is {bad.type}",
        )
        return poison(node.span)
    left, right, ty = _widen_pair(left, right)
    if op in _ORDER:
        return Compare(cast(CompareOp, op), left, right, ty, node.span)
    assert op in _ARITH, op
    return Arith(cast(ArithOp, op), left, right, ty, node.span)


def _check_logic(ctx: CheckContext, node: ast.Binary, left: Expr, right: Expr) -> Expr:
    ok = True
    for side, expr in (("left", left), ("right", right)):
        if expr.type != BOOL:
            ctx.error(
                f"the {side} operand of '{node.op}' must be Bool, not {expr.type}",
                expr.span,
                _bool_hint(expr.type),
            )
            ok = False
    if not ok:
        return poison(node.span)
    return Logic("&&" if node.op == "&&" else "||", left, right, node.span)


def _check_equality(ctx: CheckContext, node: ast.Binary, left: Expr, right: Expr) -> Expr:
    lt, rt = left.type, right.type
    op = cast(CompareOp, node.op)
    if lt == rt and lt in (INT, FLOAT, BOOL, STRING):
        return Compare(op, left, right, lt, node.span)
    if lt == rt and isinstance(lt, EnumType):
        return Compare(op, left, right, INT, node.span)  # variant indices
    if lt == rt and isinstance(lt, ListType) and lt.element in (INT, FLOAT, BOOL, STRING):
        return Compare(op, left, right, lt, node.span)  # same length, equal elements
    if {lt, rt} == {INT, FLOAT}:
        ctx.error(
            f"cannot compare Int with Float using '{node.op}'",
            node.op_span,
            "make both sides Float: write a Float literal (`1.0`, not `1`) or widen "
            "the Int side with `* 1.0`",
        )
    else:
        hint = "both lists need the same element type" if isinstance(lt, ListType) else None
        ctx.error(f"cannot compare {lt} with {rt} using '{node.op}'", node.op_span, hint)
    return poison(node.span)


def _check_concat(ctx: CheckContext, node: ast.Binary, left: Expr, right: Expr) -> Expr:
    lt, rt = left.type, right.type
    if lt == STRING and (rt in (INT, FLOAT, BOOL, STRING) or isinstance(rt, EnumType)):
        return Concat((*_parts(left), *_parts(right)), node.span)
    if isinstance(lt, ListType) and lt == rt and is_value(lt):
        return ListCall("concat", (left, right), lt, node.span)
    if rt == STRING and lt in (INT, FLOAT, BOOL):
        ctx.error(
            f"'+' cannot add a String to {lt}",
            node.op_span,
            'start with a String to concatenate, e.g. `"" + x + s`, or write an '
            'f-string: `f"${x}${s}"`',
        )
    else:
        hint = "both lists need the same element type" if isinstance(lt, ListType) else None
        ctx.error(f"'+' cannot add {lt} and {rt}", node.op_span, hint)
    return poison(node.span)


def _parts(expr: Expr) -> tuple[Expr, ...]:
    """``expr`` as String parts: a Concat is flattened (``+`` is associative on text)."""
    if isinstance(expr, Concat):
        return expr.parts
    if isinstance(expr.type, EnumType):
        return (enum_text(expr),)
    return (expr,) if expr.type == STRING else (ToText(expr, expr.span),)


def _bool_hint(ty: Type) -> str | None:
    if ty in (INT, FLOAT):
        return "compare explicitly, e.g. `x != 0`"
    return None
