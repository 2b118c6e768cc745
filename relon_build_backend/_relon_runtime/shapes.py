"""How a ``#main`` type crosses the entry: one :class:`Shape` class per kind.

The compiled entry only knows values (docs/abi.md "Documents"): a record crosses as
its leaves in field order (nested records flattened), an enum as its variant's
index, a list of records as one column per leaf (struct of arrays), a list leaf's
column and a list of lists as offsets and elements.

A shape's data (:data:`ShapeData`) is plain, ``repr``-able so a loader can spell it as
a literal: a value type (``"Int"``, ``"List<String>"``), ``("enum", name, variants)``,
``("record", name, ((field, data), ...))`` (``name`` is ``"Dict"`` for a document),
``("tuple", spelling, (("0", data), ...))``, ``("list", element_data)`` (a list of
records, tuples or enums) or ``("lists", "List<T>")`` (a list of lists). :func:`shape`
reads it into a :class:`Shape`, and each class holds everything the surface does with
its kind: the leaves' types and names, reading an argument, flattening a row to
leaves and nesting leaves back, the Python result, the spelling, and its part of a
specialized entry (:class:`EntryTemplate`). A new kind is one new class.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from itertools import accumulate, chain, pairwise

from .abi import TYPE_CHECKING
from .conversion import all_exact, convert_scalar, encode_text
from .errors import MainArgTypeMismatch, RelonError, ValidationError

if TYPE_CHECKING:  # typing would cost a rule's first call several milliseconds
    from collections.abc import Callable
    from typing import Any, Union

    ShapeData = Union[str, tuple[Any, ...]]  # noqa: UP007 - an alias on Python 3.10 too
    #: ``(params, result)``: each ``#main`` parameter's name and shape, the result's shape
    Surface = tuple[tuple[tuple[str, ShapeData], ...], ShapeData]
else:
    ShapeData = Surface = tuple  # for annotations only

__all__ = [
    "Columns",
    "EntryTemplate",
    "Enum",
    "Fields",
    "Leaf",
    "Lists",
    "Record",
    "Rows",
    "Shape",
    "ShapeData",
    "Surface",
    "Tuple",
    "in_record",
    "shape",
]


def shape(data: ShapeData) -> Shape:
    """The :class:`Shape` a loader's literal ``data`` spells."""
    if isinstance(data, str):
        return Leaf(data)
    tag = data[0]
    if tag == "enum":
        return Enum(data[1], tuple(data[2]))
    if tag == "lists":
        return Lists(data[1])
    if tag == "list":
        return Rows(shape(data[1]))
    fields = tuple((name, shape(sub)) for name, sub in data[2])
    if tag == "tuple":
        return Tuple(data[1], fields)
    assert tag == "record", data
    return Record(data[1], fields)


class Columns(list):  # type: ignore[type-arg]
    """A list of records given as columns (a NumPy structured array, or a mapping of
    field name to sequence): one value per leaf, passed on without a per-row loop."""


class Shape(ABC):
    """How one ``#main`` type crosses the entry (see the module's docstring)."""

    __slots__ = ()

    @abstractmethod
    def kinds(self) -> list[str]:
        """The value types of the leaves, in order (an enum's is ``"Int"``)."""

    @abstractmethod
    def names(self, path: str) -> list[str]:
        """What error messages call each leaf: ``order.qty``, ``order.items[].sku``."""

    @abstractmethod
    def read(
        self, value: object, path: str, *, top: bool = False, columns_ok: bool = False
    ) -> object:
        """``value`` as this shape's row: a nested tuple for a record, an index for an
        enum, a checked value for a leaf, a list of rows for a list of records (or, with
        ``columns_ok``, :class:`Columns` when it came as columns). A top-level argument
        of the wrong kind raises MainArgTypeMismatch; anything wrong inside a record
        raises ValidationError."""

    @abstractmethod
    def flatten(self, row: object) -> list[object]:
        """The leaves of a row :meth:`read` made, in order."""

    @abstractmethod
    def take(self, leaves: Sequence[object], at: int) -> tuple[object, int]:
        """The row whose leaves start at ``leaves[at]``, and the position after them."""

    def nest(self, leaves: Sequence[object]) -> object:
        """The row from its flat ``leaves`` (the inverse of :meth:`flatten`)."""
        return self.take(leaves, 0)[0]

    @abstractmethod
    def to_python(self, row: object) -> object:
        """A result row as Python values: a ``dict`` per record, a name per enum value."""

    @abstractmethod
    def spelled(self) -> str:
        """How ``#main`` writes the type: ``Order``, ``State``, ``Dict``, ``List<Int>``."""

    def fast_leaves(self, template: EntryTemplate, value: str, indent: str) -> list[str] | None:
        """Expressions of the leaves read from the specialized entry's local ``value``
        (None: this shape takes the general path)."""
        return None

    def fast_result(self, template: EntryTemplate, leaves: list[str]) -> str | None:
        """The expression building the Python result from the flat result's leaves,
        taken from the front of ``leaves`` (None: the general path)."""
        return None


class _OneLeaf(Shape):
    """A shape that crosses as one leaf: a value, an enum."""

    __slots__ = ()

    def names(self, path: str) -> list[str]:
        return [path]

    def flatten(self, row: object) -> list[object]:
        return [row]

    def take(self, leaves: Sequence[object], at: int) -> tuple[object, int]:
        return leaves[at], at + 1


class Leaf(_OneLeaf):
    """A value type (``Int``, ``List<String>``): checked as the entry takes it."""

    __slots__ = ("kind",)

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def kinds(self) -> list[str]:
        return [self.kind]

    def read(
        self, value: object, path: str, *, top: bool = False, columns_ok: bool = False
    ) -> object:
        return _leaf(self.kind, value, path, top=top)

    def to_python(self, row: object) -> object:
        return row

    def spelled(self) -> str:
        return self.kind

    def fast_leaves(self, template: EntryTemplate, value: str, indent: str) -> list[str] | None:
        return [value]

    def fast_result(self, template: EntryTemplate, leaves: list[str]) -> str | None:
        return leaves.pop(0)


class Enum(_OneLeaf):
    """An ``#enum``: its variant's name in Python, its index at the entry."""

    __slots__ = ("name", "variants")

    def __init__(self, name: str, variants: tuple[str, ...]) -> None:
        self.name = name
        self.variants = variants

    def kinds(self) -> list[str]:
        return ["Int"]

    def read(
        self, value: object, path: str, *, top: bool = False, columns_ok: bool = False
    ) -> object:
        if isinstance(value, str) and value in self.variants:
            return self.variants.index(value)
        message = f"{path} must be one of {', '.join(self.variants)} (an #enum {self.name} name)"
        if top and not isinstance(value, str):
            raise MainArgTypeMismatch(f"argument {message}, not {type(value).__name__}")
        raise ValidationError(f"{message}, not {value!r}"[:300])

    def to_python(self, row: object) -> object:
        assert isinstance(row, int)
        return self.variants[row]

    def spelled(self) -> str:
        return self.name

    def fast_leaves(self, template: EntryTemplate, value: str, indent: str) -> list[str] | None:
        index = template.const({name: i for i, name in enumerate(self.variants)})
        variant = template.fresh()  # looked up inside the try: a KeyError takes the slow path
        template.lines.append(f"{indent}{variant} = {index}[{value}]")
        return [variant]

    def fast_result(self, template: EntryTemplate, leaves: list[str]) -> str | None:
        return f"{template.const(self.variants)}[{leaves.pop(0)}]"


class Fields(Shape):
    """A shape of named parts, each crossing as its own leaves: a record, a tuple."""

    __slots__ = ("fields", "name")

    def __init__(self, name: str, fields: tuple[tuple[str, Shape], ...]) -> None:
        self.name = name
        self.fields = fields

    def kinds(self) -> list[str]:
        return [kind for _, field in self.fields for kind in field.kinds()]

    def names(self, path: str) -> list[str]:
        return [n for name, field in self.fields for n in field.names(f"{path}.{name}")]

    def flatten(self, row: object) -> list[object]:
        assert isinstance(row, tuple)
        pairs = zip(self.fields, row, strict=True)
        return [leaf for (_, field), item in pairs for leaf in field.flatten(item)]

    def take(self, leaves: Sequence[object], at: int) -> tuple[object, int]:
        row = []
        for _, field in self.fields:
            item, at = field.take(leaves, at)
            row.append(item)
        return tuple(row), at

    def spelled(self) -> str:
        return self.name

    def _parts(self, row: object) -> list[tuple[str, object]]:
        assert isinstance(row, tuple)
        pairs = zip(self.fields, row, strict=True)
        return [(name, field.to_python(item)) for (name, field), item in pairs]

    def _fast_parts(
        self, template: EntryTemplate, leaves: list[str]
    ) -> list[tuple[str, str]] | None:
        parts = []
        for name, field in self.fields:
            inner = field.fast_result(template, leaves)
            if inner is None:
                return None
            parts.append((name, inner))
        return parts


class Record(Fields):
    """A ``#schema`` record, or a document (named ``Dict``): a ``dict`` in Python."""

    __slots__ = ()

    def read(
        self, value: object, path: str, *, top: bool = False, columns_ok: bool = False
    ) -> object:
        get: Callable[[str], object]
        if isinstance(value, Mapping):
            get = value.__getitem__
        elif isinstance(value, str | bytes | int | float) or value is None:
            what = f"{path} must be a {self.name} (a mapping or an object with its fields)"
            error = MainArgTypeMismatch if top else ValidationError
            raise error(f"{'argument ' if top else ''}{what}, not {type(value).__name__}")
        else:

            def get(name: str) -> object:
                return getattr(value, name)

        row: list[object] = []
        for name, field in self.fields:
            try:
                item = get(name)
            except (KeyError, AttributeError):
                raise ValidationError(f"{path}.{name}: missing field of {self.name}") from None
            row.append(field.read(item, f"{path}.{name}", columns_ok=columns_ok))
        return tuple(row)

    def to_python(self, row: object) -> object:
        return dict(self._parts(row))

    def fast_leaves(self, template: EntryTemplate, value: str, indent: str) -> list[str] | None:
        template.lines.append(f"{indent}if type({value}) is not dict:")
        template.lines.append(f"{indent}    return slow(*args, **kwargs)")
        out: list[str] = []
        for name, field in self.fields:
            item = template.fresh()
            template.lines.append(f"{indent}{item} = {value}[{template.const(name)}]")
            inner = field.fast_leaves(template, item, indent)
            if inner is None:
                return None
            out += inner
        return out

    def fast_result(self, template: EntryTemplate, leaves: list[str]) -> str | None:
        parts = self._fast_parts(template, leaves)
        if parts is None:
            return None
        return "{" + ", ".join(f"{template.const(name)}: {inner}" for name, inner in parts) + "}"


class Tuple(Fields):
    """A tuple in a list or as a result: any sequence of its length in, a tuple out;
    its parts are named ``"0"``, ``"1"``..."""

    __slots__ = ()

    def read(
        self, value: object, path: str, *, top: bool = False, columns_ok: bool = False
    ) -> object:
        if not isinstance(value, Sequence) or isinstance(value, str | bytes):
            raise ValidationError(f"{path} must be a {self.name} tuple, not {type(value).__name__}")
        items = list(value)
        if len(items) != len(self.fields):
            raise ValidationError(f"{path} must have {len(self.fields)} elements, not {len(items)}")
        pairs = zip(self.fields, items, strict=True)
        return tuple(field.read(item, f"{path}[{name}]") for (name, field), item in pairs)

    def to_python(self, row: object) -> object:
        return tuple(value for _, value in self._parts(row))

    def fast_result(self, template: EntryTemplate, leaves: list[str]) -> str | None:
        parts = self._fast_parts(template, leaves)
        if parts is None:
            return None
        return "(" + "".join(f"{inner}, " for _, inner in parts) + ")"


class Rows(Shape):
    """A list of records, tuples or enums: a column per leaf at the entry (a list
    leaf's column as offsets and elements); rows or, for flat records, columns in."""

    __slots__ = ("element",)

    def __init__(self, element: Shape) -> None:
        self.element = element

    def kinds(self) -> list[str]:
        return [k for kind in self.element.kinds() for k in _column_kinds(kind)]

    def names(self, path: str) -> list[str]:
        names = self.element.names(f"{path}[]")
        kinds = self.element.kinds()
        return [
            n
            for name, kind in zip(names, kinds, strict=True)
            for n in ([f"{name} (offsets)", f"{name}[]"] if _is_list(kind) else [name])
        ]

    def read(
        self, value: object, path: str, *, top: bool = False, columns_ok: bool = False
    ) -> object:
        columns = self._columns(value, path, passed_on=columns_ok)
        if columns is None:
            return self._rows(value, path, top=top)
        return columns if columns_ok else self.nest(columns)

    def _rows(self, value: object, path: str, *, top: bool) -> list[object]:
        if not isinstance(value, Sequence) or isinstance(value, str | bytes):
            what = f"{path} must be a sequence of {self.element.spelled()}"
            error = MainArgTypeMismatch if top else ValidationError
            raise error(f"{'argument ' if top else ''}{what}, not {type(value).__name__}")
        return [self.element.read(item, f"{path}[{i}]") for i, item in enumerate(value)]

    def _columns(self, value: Any, path: str, *, passed_on: bool) -> Columns | None:
        """The leaves of a list of flat records given as columns: a NumPy structured
        array (``dtype.names``) or a mapping of field name to column; None for a
        sequence of records. Numeric columns pass on as they are (a buffer crosses
        without a copy); String and enum columns are checked here, numeric ones too
        unless ``passed_on`` (the entry's own conversion checks them)."""
        names = getattr(getattr(value, "dtype", None), "names", None)
        record = self.element
        if not isinstance(record, Record) or (names is None and not isinstance(value, Mapping)):
            return None  # a list of tuples or enums comes as rows
        available = set(names) if names is not None else set(value)
        out = Columns()
        length: int | None = None
        for name, field in record.fields:
            where = f"{path}.{name}"
            if not isinstance(field, Leaf | Enum):
                raise ValidationError(f"{where}: a nested record cannot be given as a column")
            if name not in available:
                raise ValidationError(f"{where}: missing column of {record.name}")
            column: Any = value[name]
            try:
                count = len(column)
            except TypeError:
                raise ValidationError(
                    f"{where} must be a column (a sequence or an array)"
                ) from None
            if length is not None and count != length:
                raise ValidationError(f"{where} has {count} values, the columns before it {length}")
            length = count
            out += _column(field, column, where, passed_on=passed_on)
        return out

    def flatten(self, row: object) -> list[object]:
        if isinstance(row, Columns):
            return list(row)
        assert isinstance(row, list)
        kinds = self.element.kinds()
        columns: list[list[object]] = [[] for _ in kinds]
        for item in row:
            for column, leaf in zip(columns, self.element.flatten(item), strict=True):
                column.append(leaf)
        return [
            part
            for column, kind in zip(columns, kinds, strict=True)
            for part in (_offsets_and_elements(column) if _is_list(kind) else [column])
        ]

    def take(self, leaves: Sequence[object], at: int) -> tuple[object, int]:
        columns: list[Any] = []
        for kind in self.element.kinds():
            if _is_list(kind):  # a list leaf's column: offsets and elements
                columns.append(_lists_of(leaves[at], leaves[at + 1]))
                at += 2
            else:
                columns.append(leaves[at])
                at += 1
        rows = [self.element.nest(list(leaf)) for leaf in zip(*columns, strict=True)]
        return rows, at

    def to_python(self, row: object) -> object:
        assert isinstance(row, list)
        return [self.element.to_python(item) for item in row]

    def spelled(self) -> str:
        return f"List<{self.element.spelled()}>"


class Lists(Shape):
    """A ``List<List<T>>``: offsets, then every element (docs/abi.md)."""

    __slots__ = ("kind",)

    def __init__(self, kind: str) -> None:
        self.kind = kind  # the inner list's type, "List<T>"

    def kinds(self) -> list[str]:
        return ["List<Int>", self.kind]

    def names(self, path: str) -> list[str]:
        return [f"{path} (offsets)", f"{path}[][]"]

    def read(
        self, value: object, path: str, *, top: bool = False, columns_ok: bool = False
    ) -> object:
        return _lists(self.kind, value, path, columns_ok=columns_ok)

    def flatten(self, row: object) -> list[object]:
        if isinstance(row, Columns):
            return list(row)
        assert isinstance(row, list)
        return _offsets_and_elements(row)

    def take(self, leaves: Sequence[object], at: int) -> tuple[object, int]:
        return _lists_of(leaves[at], leaves[at + 1]), at + 2

    def to_python(self, row: object) -> object:
        return row

    def spelled(self) -> str:
        return f"List<{self.kind}>"


def _is_list(kind: str) -> bool:
    return kind.startswith("List<")


def _column_kinds(kind: str) -> list[str]:
    return ["List<Int>", kind] if _is_list(kind) else [f"List<{kind}>"]


def _column(field: Leaf | Enum, column: Any, where: str, *, passed_on: bool) -> list[object]:
    """A field's column of a list of records given as columns, as the entry takes it
    (a list field's as offsets and elements)."""
    if isinstance(field, Enum):
        return [[field.read(v, f"{where}[{i}]") for i, v in enumerate(column)]]
    kind = field.kind
    if _is_list(kind):  # a list per record
        lists = [_leaf(kind, v, f"{where}[{i}]", top=False) for i, v in enumerate(column)]
        return _offsets_and_elements(lists)
    if not passed_on and kind != "String":
        items = column.tolist() if hasattr(column, "tolist") else column
        return [[_leaf(kind, v, f"{where}[{i}]", top=False) for i, v in enumerate(items)]]
    if kind == "String":  # NumPy's str_ is a str subclass: taken as its text
        return [
            [
                str.__str__(v) if isinstance(v, str) else _leaf(kind, v, f"{where}[{i}]", top=False)
                for i, v in enumerate(column)
            ]
        ]
    return [column]


def _lists(kind: str, value: object, path: str, *, columns_ok: bool) -> object:
    """A List<List<T>> argument: its lists checked (each a sequence of ``kind``'s
    element), as :class:`Columns` ``(offsets, elements)`` for the entry (``columns_ok``)
    or as a list of lists. One pass over the elements when they all have the exact type;
    the first wrong one is named by its position, ``xs[1][2]``."""
    if not isinstance(value, Sequence) or isinstance(value, str | bytes):
        raise MainArgTypeMismatch(
            f"main() argument {path!r} must be a sequence of sequences ({kind}),"
            f" not {type(value).__name__}"
        )
    rows: list[list[object]] = []
    for i, row in enumerate(value):
        plain = type(row) is list or type(row) is tuple
        if not plain and (not isinstance(row, Sequence) or isinstance(row, str | bytes)):
            raise MainArgTypeMismatch(
                f"main() argument '{path}[{i}]' must be a sequence ({kind}),"
                f" not {type(row).__name__}"
            )
        rows.append(list(row))
    element = kind[5:-1]
    offsets, elements = _offsets_and_elements(rows)
    if not all_exact(element, elements):
        rows = [
            [_element(element, item, f"{path}[{i}][{j}]") for j, item in enumerate(row)]
            for i, row in enumerate(rows)
        ]
        offsets, elements = _offsets_and_elements(rows)
    return Columns([offsets, elements]) if columns_ok else rows


def _element(kind: str, value: Any, path: str) -> object:
    """A String, Int, Float or Bool checked and converted by the entry's own checks."""
    if kind == "String":
        encode_text(path, value)
        return str.__str__(value)
    return convert_scalar(path, kind, value)


def _offsets_and_elements(lists: Sequence[Any]) -> list[Any]:
    """Lists as the entry takes them (a column of list fields, a list of lists)."""
    return [[0, *accumulate(map(len, lists))], list(chain.from_iterable(lists))]


def _lists_of(offsets: Any, elements: Any) -> list[list[object]]:
    """The lists of :func:`_offsets_and_elements`' ``[offsets, elements]``."""
    return [list(elements[a:b]) for a, b in pairwise(offsets)]


def _leaf(kind: str, value: object, path: str, *, top: bool) -> object:
    """A leaf checked and converted exactly as the entry would take it as an argument
    (so rows and columns, the general and the fast path accept the same values); its
    MainArgTypeMismatch is a ValidationError here, inside a record."""
    if top:
        return value  # the flat entry converts and checks it, as for any argument
    try:
        if _is_list(kind):
            items = _sequence(value, path, kind)
            return [
                _leaf(kind[5:-1], item, f"{path}[{i}]", top=False) for i, item in enumerate(items)
            ]
        return _element(kind, value, path)
    except MainArgTypeMismatch as error:
        raise in_record(error) from None


def _sequence(value: object, path: str, kind: str) -> Sequence[object]:
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return value
    try:
        return memoryview(value).tolist()  # type: ignore[arg-type]  # a buffer: NumPy, array
    except TypeError:
        raise ValidationError(
            f"{path} must be a sequence ({kind}), not {type(value).__name__}"
        ) from None


class EntryTemplate:
    """The Python text of a specialized ``main`` for one surface, and its constants.

    Like the scalar entry (entry.py), a small compiled template: for exact ``dict``
    records it reads each leaf with one subscript and hands the leaves to the flat entry,
    which checks them (a leaf's error becomes a ValidationError naming its path); any
    other input (an object, a Mapping subclass, a missing key, a list of records) takes
    the general path. Only generated names appear in the text; field names and variant
    names are constants. Each :class:`Shape` writes its own part
    (:meth:`Shape.fast_leaves`, :meth:`Shape.fast_result`)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.consts: list[object] = []
        self.count = 0

    def const(self, value: object) -> str:
        self.consts.append(value)
        return f"c{len(self.consts) - 1}"

    def consts_names(self) -> list[str]:
        return [f"c{i}" for i in range(len(self.consts))]

    def fresh(self) -> str:
        self.count += 1
        return f"v{self.count}"


def in_record(error: MainArgTypeMismatch) -> RelonError:
    """A conversion error of a leaf inside a record (a column) is a ValidationError;
    one of a plain parameter stays as it is."""
    text = str(error)
    name = text.partition("argument '")[2].partition("'")[0]
    if "." in name or "[" in name:
        return ValidationError(text.replace(f"main() argument '{name}'", name, 1))
    return error
