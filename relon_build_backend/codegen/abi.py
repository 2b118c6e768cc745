"""IR types as the entry ABI names them (docs/abi.md); the ABI itself is ``_relon_runtime.abi``.

This module has no llvmlite dependency so the compiler can describe a rule cheaply.
"""

from __future__ import annotations

from .._relon_runtime.abi import Scalar, Value
from ..ir.nodes import IrType, TupleType

__all__ = ["result_names", "scalar_name", "value_name"]

_IR_SCALAR: dict[IrType, Scalar] = {
    IrType.INT: "Int",
    IrType.FLOAT: "Float",
    IrType.BOOL: "Bool",
}
_IR_VALUE: dict[IrType, Value] = {
    **_IR_SCALAR,
    IrType.STRING: "String",
    IrType.LIST_INT: "List<Int>",
    IrType.LIST_FLOAT: "List<Float>",
    IrType.LIST_BOOL: "List<Bool>",
    IrType.LIST_STRING: "List<String>",
}


def scalar_name(ty: IrType) -> Scalar:
    """The Relon name of an IR scalar type."""
    return _IR_SCALAR[ty]


def value_name(ty: IrType) -> Value:
    """The Relon name of an IR value type (scalar, String or List)."""
    return _IR_VALUE[ty]


def result_names(ty: IrType | TupleType) -> Value | tuple[Value, ...]:
    """The entry result as :attr:`RuleSpec.result` spells it."""
    if isinstance(ty, TupleType):
        return tuple(value_name(e) for e in ty.elements)
    return value_name(ty)
