"""Relon value types as the checker sees them, and reading type annotations.

Takes the :data:`~.ast.TypeExpr` of an annotation and returns a :data:`Type`. Values
are ``Int``, ``Float``, ``Bool``, ``String`` and ``List<T>`` of those four; a tuple
``(A, B, ...)`` of values is accepted only where :func:`resolve_type` is asked for it
(the ``#main`` result).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Literal, TypeAlias, final

from . import ast
from .diagnostics import Diagnostic

__all__ = [
    "BOOL",
    "ERROR",
    "FLOAT",
    "INT",
    "STRING",
    "EnumType",
    "ErrorType",
    "ListType",
    "Scalar",
    "ScalarName",
    "TupleOf",
    "Type",
    "has_surface",
    "is_flat_record",
    "is_nested_list",
    "is_record_list",
    "is_value",
    "resolve_type",
    "shape_of",
]

ScalarName: TypeAlias = Literal["Int", "Float", "Bool", "String"]


@final
@dataclass(frozen=True, slots=True)
class Scalar:
    """``Int``, ``Float``, ``Bool`` or ``String``."""

    name: ScalarName

    def __str__(self) -> str:
        return self.name


@final
@dataclass(frozen=True, slots=True)
class ListType:
    """``List<T>``."""

    element: Type

    def __str__(self) -> str:
        return f"List<{self.element}>"


@final
@dataclass(frozen=True, slots=True)
class TupleOf:
    """``(A, B)``; also a record: a ``#schema`` (``name`` set) or a document result
    (``name`` is ``"Dict"``), whose ``fields`` name the elements. Records ride on the
    tuple machinery of the later stages (a row of values, one local per leaf); an
    element may itself be a record."""

    elements: tuple[Type, ...]
    fields: tuple[str, ...] | None = None
    name: str | None = None

    def __str__(self) -> str:
        if self.name is not None:
            return self.name
        return "(" + ", ".join(map(str, self.elements)) + ")"

    @property
    def is_record(self) -> bool:
        return self.fields is not None

    def field_index(self, name: str) -> int | None:
        if self.fields is None or name not in self.fields:
            return None
        return self.fields.index(name)


@final
@dataclass(frozen=True, slots=True)
class EnumType:
    """``#enum Name { A, B }``: a value is its variant's index (an Int below the checker)."""

    name: str
    variants: tuple[str, ...]

    def __str__(self) -> str:
        return self.name


@final
@dataclass(frozen=True, slots=True)
class ErrorType:
    """The type of an expression that already has a diagnostic: checks against it pass
    silently, so one mistake yields one error instead of a cascade."""

    def __str__(self) -> str:
        return "<error>"


Type: TypeAlias = Scalar | ListType | TupleOf | EnumType | ErrorType

INT = Scalar("Int")
FLOAT = Scalar("Float")
BOOL = Scalar("Bool")
STRING = Scalar("String")
ERROR = ErrorType()

#: Element types of a list (no nested lists, no tuples in lists).
_ELEMENTS: frozenset[Type] = frozenset({INT, FLOAT, BOOL, STRING})
_SCALARS: dict[str, Scalar] = {"Int": INT, "Float": FLOAT, "Bool": BOOL, "String": STRING}
_TYPE_NAMES = ("Int", "Float", "Bool", "String", "List")


def is_value(ty: Type) -> bool:
    """True for the types a value of the compiled code may have: Int, Float, Bool,
    String, an enum and ``List<T>`` of the first four (not a tuple or record, not a
    nested list)."""
    if isinstance(ty, EnumType):
        return True
    if isinstance(ty, ListType) and isinstance(ty.element, EnumType):
        return True  # a list of variant indexes, List<Int> below the checker
    return ty in _ELEMENTS or (isinstance(ty, ListType) and ty.element in _ELEMENTS)


def is_leaf_row(ty: Type) -> bool:
    """True for a record whose fields are values, such records, or lists of flat
    records (what crosses the entry as one argument per leaf)."""
    return isinstance(ty, TupleOf) and all(
        is_value(e) or is_leaf_row(e) or is_record_list(e) for e in ty.elements
    )


def is_flat_record(ty: Type) -> bool:
    """A record or tuple whose leaves are scalars, Strings, enums or lists of Int, Float,
    Bool or String: what a list may hold, one column per leaf (a list leaf's column is a
    list of lists: its offsets and elements)."""
    if not isinstance(ty, TupleOf):
        return False
    return all(
        is_flat_record(e)
        or (is_value(e) and not (isinstance(e, ListType) and isinstance(e.element, EnumType)))
        for e in ty.elements
    )


def is_nested_list(ty: Type) -> bool:
    """``List<List<T>>`` of Int, Float, Bool or String (a ``#main`` parameter only)."""
    return (
        isinstance(ty, ListType)
        and isinstance(ty.element, ListType)
        and ty.element.element in _ELEMENTS
    )


def is_record_list(ty: Type) -> bool:
    """``List<Schema>`` of a flat record."""
    return isinstance(ty, ListType) and is_flat_record(ty.element)


#: user-declared types by name: schemas (records) and enums
Named = dict[str, "TupleOf | EnumType"]


def shape_of(ty: Type) -> str | tuple[object, ...]:
    """``ty`` as a run-time ``shapes.ShapeData``: a value type's name, ``("enum", name,
    variants)``, ``("record", name, ((field, shape), ...))``, ``("list", shape)``,
    ``("lists", "List<T>")`` or ``("tuple", name, (("0", shape), ...))``."""
    if isinstance(ty, EnumType):
        return ("enum", ty.name, ty.variants)
    if isinstance(ty, TupleOf):
        names = ty.fields or tuple(str(i) for i in range(len(ty.elements)))
        fields = tuple((f, shape_of(e)) for f, e in zip(names, ty.elements, strict=True))
        if ty.fields is None:
            return ("tuple", str(ty), fields)
        return ("record", ty.name or "Dict", fields)
    if is_nested_list(ty):
        assert isinstance(ty, ListType)
        return ("lists", str(ty.element))
    if isinstance(ty, ListType) and has_surface(ty):
        return ("list", shape_of(ty.element))
    return str(ty)


def has_surface(ty: Type) -> bool:
    """True when ``ty`` crosses the entry other than as itself (a record, an enum, or
    a list of records or tuples)."""
    if isinstance(ty, ListType):
        return isinstance(ty.element, TupleOf | ListType) or has_surface(ty.element)
    return isinstance(ty, EnumType) or (isinstance(ty, TupleOf) and ty.fields is not None)


def resolve_type(
    expr: ast.TypeExpr,
    diagnostics: list[Diagnostic],
    *,
    tuple_ok: bool = False,
    named: Named | None = None,
    nested_ok: bool = False,
) -> Type:
    """The type an annotation denotes; appends a diagnostic and returns :data:`ERROR`
    when it is unknown or not supported by the AOT compiler. A tuple of values is
    accepted only with ``tuple_ok``; ``named`` holds the file's schemas and enums."""
    ty = _read(expr, diagnostics, named or {})
    if isinstance(ty, ErrorType) or is_value(ty):
        return ty
    if (isinstance(ty, TupleOf) and ty.is_record and is_leaf_row(ty)) or is_record_list(ty):
        return ty
    if nested_ok and is_nested_list(ty):
        return ty
    if isinstance(ty, ListType) and isinstance(ty.element, TupleOf) and ty.element.is_record:
        diagnostics.append(
            Diagnostic(
                f"{ty} values are not supported by the AOT compiler yet",
                expr.span,
                "a list may hold records whose fields are Int, Float, Bool, String, enums, "
                "lists of Int, Float, Bool or String, or such records",
            )
        )
        return ERROR
    if isinstance(ty, TupleOf):
        if tuple_ok and all(is_value(e) for e in ty.elements):
            return ty
        hint = "a tuple can only be the #main result or a where-bound value"
        if tuple_ok:
            hint = "tuple elements are Int, Float, Bool, String or List<...> of those"
        message = f"the tuple type {ty} is not supported by the AOT compiler here"
        diagnostics.append(Diagnostic(message, expr.span, hint))
        return ERROR
    diagnostics.append(
        Diagnostic(
            f"{ty} values are not supported by the AOT compiler",
            expr.span,
            "a List holds Int, Float, Bool, String or enum values, records or tuples of "
            "those, or (a #main parameter) lists of Int, Float, Bool or String",
        )
    )
    return ERROR


def _read(expr: ast.TypeExpr, diagnostics: list[Diagnostic], named: Named) -> Type:
    if isinstance(expr, ast.TupleType):
        elements = tuple(_read(e, diagnostics, named) for e in expr.elements)
        return ERROR if ERROR in elements else TupleOf(elements)
    if expr.name == "List" and len(expr.args) == 1:
        element = _read(expr.args[0], diagnostics, named)
        return ERROR if element == ERROR else ListType(element)
    scalar = _SCALARS.get(expr.name)
    if scalar is not None and not expr.args:
        return scalar
    declared = named.get(expr.name)
    if declared is not None and not expr.args:
        return declared
    if expr.name == "List":
        message, hint = "List takes exactly one element type", "write e.g. `List<Int>`"
    elif expr.name in _TYPE_NAMES:
        message, hint = f"{expr.name} takes no type arguments", f"write just `{expr.name}`"
    else:
        message = f"unknown type '{expr.name}'"
        close = difflib.get_close_matches(expr.name, [*_TYPE_NAMES, *named], n=1)
        hint = f"did you mean '{close[0]}'?" if close else "use Int, Float, Bool, String or List<T>"
    diagnostics.append(Diagnostic(message, expr.span, hint))
    return ERROR
