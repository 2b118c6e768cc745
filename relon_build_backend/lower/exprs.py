"""Lowering one function body: typed tree -> Relon IR expressions.

:class:`FunctionLowering` gives every binder a name unique in the function (the
source name, suffixed ``_2``, ``_3``... on a clash), turns operators into the
per-type IR operators, passes captures explicitly at every call, and hands chains to
``loops`` and tuples to ``tuples``. A tuple-typed binder is one local per element
(``t_0``, ``t_1``...), also as a parameter or capture. Type errors here are our bugs
(AssertionError): the checker has already reported every user mistake.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..frontend import typed as t
from ..frontend.source import Span
from ..frontend.types import BOOL, FLOAT, INT, STRING, ListType, TupleOf, Type
from ..ir import nodes as ir

__all__ = ["FunctionLowering", "ir_type"]

_IR_TYPES: dict[Type, ir.IrType] = {
    INT: ir.IrType.INT,
    FLOAT: ir.IrType.FLOAT,
    BOOL: ir.IrType.BOOL,
    STRING: ir.IrType.STRING,
}

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


def ir_type(ty: Type) -> ir.IrType:
    """The IR type of a checked value type (not a tuple)."""
    if isinstance(ty, ListType):
        return ir.IrType.list_of(ir_type(ty.element))
    found = _IR_TYPES.get(ty)
    assert found is not None, f"no IR type for {ty}"
    return found


class FunctionLowering:
    """Names and lowers the expressions of one IR function."""

    def __init__(self, captures: Mapping[str, Sequence[t.Binder]]) -> None:
        self._captures = captures
        self._names: dict[t.Binder, str] = {}
        self._tuples: dict[t.Binder, tuple[str, ...]] = {}
        self._used: set[str] = set()

    # ------------------------------------------------------------------ names

    def bind(self, binder: t.Binder) -> str:
        """Give ``binder`` its unique name in this function."""
        assert binder not in self._names, f"{binder.name} bound twice"
        name = self.fresh(binder.name)
        self._names[binder] = name
        return name

    def fresh(self, base: str) -> str:
        """A name not yet used in this function."""
        name, n = base, 1
        while name in self._used:
            n += 1
            name = f"{base}_{n}"
        self._used.add(name)
        return name

    def bind_tuple(self, binder: t.Binder) -> tuple[str, ...]:
        """Give each element of tuple-typed ``binder`` its unique name."""
        assert binder not in self._tuples, f"{binder.name} bound twice"
        assert isinstance(binder.type, TupleOf), binder
        names = tuple(self.fresh(f"{binder.name}_{i}") for i in range(len(binder.type.elements)))
        self._tuples[binder] = names
        return names

    def local(self, binder: t.Binder, span: Span) -> ir.Local:
        name = self._names.get(binder)
        assert name is not None, f"{binder.name} read outside its scope"
        return ir.Local(name, ir_type(binder.type), span)

    def locals(self, binder: t.Binder, span: Span) -> tuple[ir.Local, ...]:
        """The local of ``binder``, or one per element of a tuple binder."""
        if not isinstance(binder.type, TupleOf):
            return (self.local(binder, span),)
        names = self._tuples.get(binder)
        assert names is not None, f"{binder.name} read outside its scope"
        types = binder.type.elements
        return tuple(ir.Local(n, ir_type(e), span) for n, e in zip(names, types, strict=True))

    def params(self, binder: t.Binder) -> tuple[ir.Param, ...]:
        """The parameter(s) of ``binder`` (one per element of a tuple binder)."""
        if not isinstance(binder.type, TupleOf):
            return (ir.Param(self.bind(binder), ir_type(binder.type)),)
        names = self.bind_tuple(binder)
        return tuple(
            ir.Param(n, ir_type(e)) for n, e in zip(names, binder.type.elements, strict=True)
        )

    def call_args(self, function: str, args: Sequence[ir.Expr], span: Span) -> tuple[ir.Expr, ...]:
        """Captures of ``function`` (read here), then ``args``."""
        captured = (v for b in self._captures[function] for v in self.locals(b, span))
        return (*captured, *args)

    # ------------------------------------------------------------------ expressions

    def expr(self, node: t.Expr) -> ir.Expr:
        match node:
            case t.Literal_():
                return ir.Const(node.value, ir_type(node.type), node.span)
            case t.Var():
                return self.local(node.binder, node.span)
            case t.Let() if isinstance(node.binder.type, TupleOf):
                from .tuples import lower_tuple_let  # tuples builds on this class

                return lower_tuple_let(self, node)
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
                args = self.call_args(node.function, self.exprs(node.args), node.span)
                return ir.Call(node.function, args, ir_type(node.type), node.span)
            case t.CallHost():
                args = self.exprs(node.args)
                return ir.HostCall(node.host.name, args, ir_type(node.type), node.span)
            case t.CallMath():
                return _math(node, self.exprs(node.args))
            case t.Pipeline():
                from .loops import lower_pipeline  # loops builds on this class

                return lower_pipeline(self, node)
            case t.ToText():
                return ir.ToText(self.expr(node.operand), node.span)
            case t.Concat():
                return ir.Concat(self.exprs(node.parts), node.span)
            case t.StrCall():
                str_op = ir.StrOp(f"str.{node.name}")
                return ir.StrCall(str_op, self.exprs(node.args), ir_type(node.type), node.span)
            case t.ListLiteral():
                return ir.ListLiteral(self.exprs(node.elements), ir_type(node.type), node.span)
            case t.ListCall():
                list_op = ir.ListOp(f"list.{node.name}")
                return ir.ListCall(list_op, self.exprs(node.args), ir_type(node.type), node.span)
            case t.TupleField():
                from .tuples import lower_field

                return lower_field(self, node)
            case t.MakeTuple():
                raise AssertionError("a tuple value outside a where binding or the result")
            case t.Invalid():
                raise AssertionError("an Invalid node reached the lowering")
        raise AssertionError(f"unhandled node {node!r}")

    def exprs(self, nodes: Sequence[t.Expr]) -> tuple[ir.Expr, ...]:
        return tuple(self.expr(n) for n in nodes)


_MATH: dict[tuple[str, ir.IrType], ir.MathOp] = {
    (op.value.split(".")[1], ir.IrType(op.value.split(".")[0])): op for op in ir.MathOp
}


def _math(node: t.CallMath, args: tuple[ir.Expr, ...]) -> ir.Expr:
    ty = ir_type(node.operand_type)
    op = _MATH.get((node.name, ty))
    assert op is not None, f"no math op {node.name} for {ty}"
    return ir.MathCall(op, args, ty, node.span)
