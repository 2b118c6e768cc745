"""The entry ABI shared by codegen, the linkers and the loader generator (docs/abi.md).

This module is plain data and naming rules: it has no llvmlite dependency so the
loader generator and the setuptools command can use it cheaply.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Literal

from ..frontend.hosts import Capability
from ..ir.nodes import ErrorKind, IrType, TupleType

__all__ = [
    "ABI_VERSION",
    "ERROR_KIND_NAMES",
    "HostExport",
    "RuleInterface",
    "ScalarName",
    "ValueName",
    "result_names",
    "rule_symbol_prefix",
    "source_hash",
    "value_name",
]

#: Bumped on any incompatible change to the entries; loaders refuse other versions.
ABI_VERSION = 1

ScalarName = Literal["Int", "Float", "Bool"]
#: A value type at the entry boundary (docs/abi.md "Strings, lists and tuples").
ValueName = Literal[
    "Int", "Float", "Bool", "String", "List<Int>", "List<Float>", "List<Bool>", "List<String>"
]

#: status code -> the contract's ``.kind`` tag
ERROR_KIND_NAMES: dict[int, str] = {
    ErrorKind.NUMERIC_OVERFLOW: "NumericOverflow",
    ErrorKind.DIVISION_BY_ZERO: "DivisionByZero",
    ErrorKind.INDEX_OUT_OF_BOUNDS: "IndexOutOfBounds",
    ErrorKind.EMPTY_LIST: "EmptyList",
    ErrorKind.CAPABILITY_DENIED: "CapabilityDenied",
    ErrorKind.STEP_LIMIT_EXCEEDED: "StepLimitExceeded",
    ErrorKind.HOST_PANIC: "HostPanic",
}

_IR_SCALAR: dict[IrType, ScalarName] = {
    IrType.INT: "Int",
    IrType.FLOAT: "Float",
    IrType.BOOL: "Bool",
}


_IR_VALUE: dict[IrType, ValueName] = {
    **_IR_SCALAR,
    IrType.STRING: "String",
    IrType.LIST_INT: "List<Int>",
    IrType.LIST_FLOAT: "List<Float>",
    IrType.LIST_BOOL: "List<Bool>",
    IrType.LIST_STRING: "List<String>",
}


def scalar_name(ty: IrType) -> ScalarName:
    """The Relon name of an IR scalar type."""
    return _IR_SCALAR[ty]


def value_name(ty: IrType) -> ValueName:
    """The Relon name of an IR value type (scalar, String or List)."""
    return _IR_VALUE[ty]


def result_names(ty: IrType | TupleType) -> ValueName | tuple[ValueName, ...]:
    """The entry result as :attr:`RuleInterface.result` spells it."""
    if isinstance(ty, TupleType):
        return tuple(value_name(e) for e in ty.elements)
    return value_name(ty)


def rule_symbol_prefix(module_name: str) -> str:
    """``relon_<stem>_<8 hex>`` for a dotted module name like ``pkg.rules.quote``."""
    stem = re.sub(r"[^A-Za-z0-9_]", "_", module_name.rsplit(".", 1)[-1])
    digest = hashlib.sha256(module_name.encode()).hexdigest()[:8]
    return f"relon_{stem}_{digest}"


def source_hash(text: str) -> int:
    """First 8 bytes of sha256(text, UTF-8) as a signed 64-bit int (``P_hash()``)."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big", signed=True)


@dataclass(frozen=True, slots=True)
class HostExport:
    """A gated host function the wasm module imports and the native library exports."""

    name: str
    params: tuple[ScalarName, ...]
    result: ScalarName
    capabilities: tuple[Capability, ...]


@dataclass(frozen=True, slots=True)
class RuleInterface:
    """Everything a loader needs to call one compiled rule (plain data, ``repr``-able)."""

    module_name: str  # dotted, e.g. "mypkg.rules.quote"
    symbol_prefix: str  # P in docs/abi.md
    params: tuple[tuple[str, ValueName], ...]  # (name, type) in #main order
    result: ValueName | tuple[ValueName, ...]  # a tuple for a tuple-returning rule
    source_hash: int  # what P_hash() returns
    doc: str  # the leading comment of the .relon file
    gated_hosts: tuple[HostExport, ...]  # sorted by name
