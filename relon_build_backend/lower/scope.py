"""The per-function state of the lowering: unique names for binders, tuple binders
as one local per element, captures passed at calls; and the IR type of a checked type.

Kept apart from the node dispatch in ``exprs.py`` so ``loops`` and ``tuples`` build on
this scope only and the imports run one way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..frontend import typed as t
from ..frontend.source import Span
from ..frontend.types import BOOL, FLOAT, INT, STRING, EnumType, ListType, TupleOf, Type
from ..ir import nodes as ir
from ..names import unique_name

__all__ = ["FunctionScope", "ir_type", "is_row", "leaves"]

_IR_TYPES: dict[Type, ir.IrType] = {
    INT: ir.IrType.INT,
    FLOAT: ir.IrType.FLOAT,
    BOOL: ir.IrType.BOOL,
    STRING: ir.IrType.STRING,
}


def ir_type(ty: Type) -> ir.IrType:
    """The IR type of a checked value type (not a tuple); an enum is its Int index."""
    if isinstance(ty, ListType):
        return ir.IrType.list_of(ir_type(ty.element))
    if isinstance(ty, EnumType):
        return ir.IrType.INT
    found = _IR_TYPES.get(ty)
    assert found is not None, f"no IR type for {ty}"
    return found


def leaves(ty: Type) -> tuple[Type, ...]:
    """The value types of a tuple or record, nested records flattened in field order
    (a tuple is a row of values, docs/abi.md); a value type is its own one leaf."""
    if isinstance(ty, ListType) and isinstance(ty.element, TupleOf):
        # one column per leaf; a list leaf's column is a list of lists: two
        return tuple(part for leaf in leaves(ty.element) for part in leaves(ListType(leaf)))
    if isinstance(ty, ListType) and isinstance(ty.element, ListType):
        return (ListType(INT), ty.element)  # List<List<T>>: its offsets, then its elements
    if not isinstance(ty, TupleOf):
        return (ty,)
    return tuple(leaf for element in ty.elements for leaf in leaves(element))


def is_row(ty: Type) -> bool:
    """True for what the lowering keeps as several locals: a tuple, a record, a list of
    records (its columns) or a list of lists (offsets and elements)."""
    return isinstance(ty, TupleOf) or (
        isinstance(ty, ListType) and isinstance(ty.element, TupleOf | ListType)
    )


class FunctionScope:
    """The names of one IR function being lowered: every binder gets a name unique in
    the function, tuple binders one local per element, calls their captures. The node
    dispatch (:meth:`expr`) is :class:`~.exprs.FunctionLowering`'s."""

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
        return unique_name(base, self._used)

    def bind_tuple(self, binder: t.Binder) -> tuple[str, ...]:
        """Give each element of tuple-typed ``binder`` its unique name."""
        assert binder not in self._tuples, f"{binder.name} bound twice"
        assert is_row(binder.type), binder
        names = tuple(self.fresh(f"{binder.name}_{i}") for i in range(len(leaves(binder.type))))
        self._tuples[binder] = names
        return names

    def local(self, binder: t.Binder, span: Span) -> ir.Local:
        name = self._names.get(binder)
        assert name is not None, f"{binder.name} read outside its scope"
        return ir.Local(name, ir_type(binder.type), span)

    def locals(self, binder: t.Binder, span: Span) -> tuple[ir.Local, ...]:
        """The local of ``binder``, or one per element of a tuple binder."""
        if not is_row(binder.type):
            return (self.local(binder, span),)
        names = self._tuples.get(binder)
        assert names is not None, f"{binder.name} read outside its scope"
        types = leaves(binder.type)
        return tuple(ir.Local(n, ir_type(e), span) for n, e in zip(names, types, strict=True))

    def params(self, binder: t.Binder) -> tuple[ir.Param, ...]:
        """The parameter(s) of ``binder`` (one per element of a tuple binder)."""
        if not is_row(binder.type):
            return (ir.Param(self.bind(binder), ir_type(binder.type)),)
        names = self.bind_tuple(binder)
        return tuple(
            ir.Param(n, ir_type(e)) for n, e in zip(names, leaves(binder.type), strict=True)
        )

    def call_args(self, function: str, args: Sequence[ir.Expr], span: Span) -> tuple[ir.Expr, ...]:
        """Captures of ``function`` (read here), then ``args``."""
        captured = (v for b in self._captures[function] for v in self.locals(b, span))
        return (*captured, *args)

    def expr(self, node: t.Expr) -> ir.Expr:
        """The IR of ``node``."""
        raise NotImplementedError

    def exprs(self, nodes: Sequence[t.Expr]) -> tuple[ir.Expr, ...]:
        return tuple(self.expr(n) for n in nodes)
