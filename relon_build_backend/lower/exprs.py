"""Lowering one function body: typed tree -> Relon IR expressions.

:class:`FunctionLowering` gives every binder a name unique in the function (the
source name, suffixed ``_2``, ``_3``... on a clash), turns operators into the
per-type IR operators, passes captures explicitly at every call, and hands chains to
``loops`` and tuples to ``tuples``. A tuple-typed binder is one local per element
(``t_0``, ``t_1``...), also as a parameter or capture. Type errors here are our bugs
(AssertionError): the checker has already reported every user mistake.
"""

from __future__ import annotations

from ..exhaustive import unreachable
from ..frontend import typed as t
from ..ir import nodes as ir
from . import loops, tuples
from .scope import FunctionScope, ir_type, is_row

__all__ = ["FunctionLowering", "ir_type"]

_OP_NAMES = {
    "+": "add",
    "-": "sub",
    "*": "mul",
    "/": "div",
    "%": "rem",
    "==": "eq",
    "!=": "ne",
    "<": "lt",
    "<=": "le",
    ">": "gt",
    ">=": "ge",
}
_BIN_OP_VALUES = {op.value for op in ir.BinOp}
#: (source operator, operand type) -> IR operator, e.g. ("+", INT) -> INT_ADD
_BIN_OPS: dict[tuple[str, ir.IrType], ir.BinOp] = {
    (op, ty): ir.BinOp(f"{ty.value}.{name}")
    for ty in ir.IrType
    for op, name in _OP_NAMES.items()
    if f"{ty.value}.{name}" in _BIN_OP_VALUES
}

_NEG = {ir.IrType.INT: ir.UnOp.INT_NEG, ir.IrType.FLOAT: ir.UnOp.FLOAT_NEG}


class FunctionLowering(FunctionScope):
    """Lowers the expressions of one IR function: one case per typed node."""

    def expr(self, node: t.Expr) -> ir.Expr:  # noqa: RET503 - the match is exhaustive
        match node:
            case t.Literal_():
                return ir.Const(node.value, ir_type(node.type), node.span)
            case t.EnumValue():
                return ir.Const(node.index, ir.IrType.INT, node.span)
            case t.Validate():
                name, check = tuples.lower_validate(self, node)
                return ir.Let(name, check, self.expr(node.body), node.span)
            case t.Var():
                return self.local(node.binder, node.span)
            case t.Let() if is_row(node.binder.type):
                return tuples.lower_tuple_let(self, node)
            case t.Let():
                value = self.expr(node.value)  # the binder is not in scope in its value
                return ir.Let(self.bind(node.binder), value, self.expr(node.body), node.span)
            case t.Neg():
                return ir.Unary(_NEG[ir_type(node.type)], self.expr(node.operand), node.span)
            case t.Not():
                return ir.Not(self.expr(node.operand), node.span)
            case t.Arith():
                ty = ir_type(node.type)
                left, right = self.expr(node.left), self.expr(node.right)
                return ir.Binary(_BIN_OPS[node.op, ty], left, right, ty, node.span)
            case t.Compare():
                op = _BIN_OPS[node.op, ir_type(node.operand_type)]
                left, right = self.expr(node.left), self.expr(node.right)
                return ir.Binary(op, left, right, ir.IrType.BOOL, node.span)
            case t.Widen():
                return ir.IntToFloat(self.expr(node.operand), node.span)
            case t.Logic():
                left, right = self.expr(node.left), self.expr(node.right)
                kind = ir.And if node.op == "&&" else ir.Or
                return kind(left, right, node.span)
            case t.Cond():
                condition = self.expr(node.condition)
                then, otherwise = self.expr(node.then), self.expr(node.otherwise)
                return ir.If(condition, then, otherwise, ir_type(node.type), node.span)
            case t.CallFunction():
                bindings, flat = tuples.split_args(self, node.args)
                args = self.call_args(node.function, flat, node.span)
                call = ir.Call(node.function, args, ir_type(node.type), node.span)
                return tuples.wrap(bindings, call)
            case t.CallHost():
                args = self.exprs(node.args)
                return ir.HostCall(node.host.name, args, ir_type(node.type), node.span)
            case t.CallMath():
                return _math(node, self.exprs(node.args))
            case t.Pipeline():
                return loops.lower_pipeline(self, node)
            case t.ToText():
                return ir.ToText(self.expr(node.operand), node.span)
            case t.Concat():
                return ir.Concat(self.exprs(node.parts), node.span)
            case t.StrCall():
                return ir.StrCall(node.op, self.exprs(node.args), ir_type(node.type), node.span)
            case t.ListLiteral():
                return ir.ListLiteral(self.exprs(node.elements), ir_type(node.type), node.span)
            case t.ListCall() if node.name == "len" and is_row(node.args[0].type):
                return tuples.lower_record_list_len(self, node)
            case t.ListCall() if node.name == "index" and is_row(node.args[0].type):
                return tuples.lower_list_of_lists_index(self, node)  # (records are rows)
            case t.ListCall():
                list_op = ir.ListOp.spelled(f"list.{node.name}")
                return ir.ListCall(list_op, self.exprs(node.args), ir_type(node.type), node.span)
            case t.TupleField():
                return tuples.lower_field(self, node)
            case t.MakeTuple():
                raise AssertionError("a tuple value outside a where binding or the result")
            case t.Invalid():
                raise AssertionError("an Invalid node reached the lowering")
            case _:
                unreachable(node)


def _math(node: t.CallMath, args: tuple[ir.Expr, ...]) -> ir.Expr:
    ty = ir_type(node.operand_type)
    op = ir.MathOp.of(node.name, "Int" if ty is ir.IrType.INT else "Float")
    assert op is not None, f"no math op {node.name} for {ty}"
    return ir.MathCall(op, args, ty, node.span)
