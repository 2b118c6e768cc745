"""Records, documents and enums at the Python surface (docs/abi.md "Documents").

The compiled entry only knows values: a ``#schema`` argument crosses as one argument
per leaf field (nested records flattened in field order), a document result as a
tuple of its leaves, an enum as its variant's index. A rule whose ``#main`` has any of
them carries a :data:`Surface`, and :func:`document_entry` wraps the flat ``main``:
it reads each record from a Mapping or from attributes (a dataclass, a named tuple, a
pydantic model), checks every leaf against its type (ValidationError naming the
field's path), and builds the result's nested ``dict``\\ s and variant names.

A :data:`Shape` is plain, ``repr``-able data so a loader can spell it as a literal:
a value type (``"Int"``, ``"List<String>"``), ``("enum", name, variants)``,
``("record", name, ((field, shape), ...))`` (``name`` is ``"Dict"`` for a document)
or ``("list", record_shape)``. A list of records crosses as one list per leaf (its
columns, struct of arrays).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import accumulate, chain, pairwise

from .abi import TYPE_CHECKING
from .conversion import all_exact, convert_scalar, encode_text
from .errors import MainArgTypeMismatch, RelonError, ValidationError

if TYPE_CHECKING:  # typing would cost a rule's first call several milliseconds
    from collections.abc import Callable
    from typing import Any, Union

    Shape = Union[str, tuple[Any, ...]]  # noqa: UP007 - an alias on Python 3.10 too
    #: ``(params, result)``: each ``#main`` parameter's name and shape, the result's shape
    Surface = tuple[tuple[tuple[str, Shape], ...], Shape]
else:
    Shape = Surface = tuple  # for annotations only

__all__ = [
    "Columns",
    "Shape",
    "Surface",
    "document_entry",
    "flatten",
    "leaf_kinds",
    "leaf_names",
    "nest",
    "read_value",
    "spelled",
    "to_python",
]

_I64 = (-(1 << 63), (1 << 63) - 1)


def leaf_kinds(shape: Shape) -> list[str]:
    """The value types of ``shape``'s leaves, in order (an enum's is ``"Int"``)."""
    if isinstance(shape, str):
        return [shape]
    if shape[0] == "enum":
        return ["Int"]
    if shape[0] == "lists":  # List<List<T>>: offsets, then every element (docs/abi.md)
        return ["List<Int>", shape[1]]
    if shape[0] == "list":  # a column per leaf; a list leaf's: offsets and elements
        return [k for kind in leaf_kinds(shape[1]) for k in _column_kinds(kind)]
    return [kind for _, field in shape[2] for kind in leaf_kinds(field)]


def _column_kinds(kind: str) -> list[str]:
    return ["List<Int>", kind] if kind.startswith("List<") else [f"List<{kind}>"]


def leaf_names(shape: Shape, path: str) -> list[str]:
    """What error messages call each leaf: ``order.qty``, ``order.items[].sku``."""
    if isinstance(shape, str) or shape[0] == "enum":
        return [path]
    if shape[0] == "lists":
        return [f"{path} (offsets)", f"{path}[][]"]
    if shape[0] == "list":
        names = leaf_names(shape[1], f"{path}[]")
        kinds = leaf_kinds(shape[1])
        return [
            n
            for name, kind in zip(names, kinds, strict=True)
            for n in ([f"{name} (offsets)", f"{name}[]"] if kind.startswith("List<") else [name])
        ]
    return [name for field, sub in shape[2] for name in leaf_names(sub, f"{path}.{field}")]


class Columns(list):  # type: ignore[type-arg]
    """A list of records given as columns (a NumPy structured array, or a mapping of
    field name to sequence): one value per leaf, passed on without a per-row loop."""


def read_value(
    shape: Shape, value: object, path: str, *, top: bool = False, columns_ok: bool = False
) -> object:
    """``value`` as ``shape``'s row: a nested tuple for a record, an index for an enum,
    a checked value for a leaf, a list of rows for a list of records (or, with
    ``columns_ok``, :class:`Columns` when it came as columns). A top-level argument of
    the wrong kind raises MainArgTypeMismatch; anything wrong inside a record raises
    ValidationError."""
    if isinstance(shape, str):
        return _leaf(shape, value, path, top=top)
    if shape[0] == "enum":
        variants: tuple[str, ...] = shape[2]
        if isinstance(value, str) and value in variants:
            return variants.index(value)
        message = f"{path} must be one of {', '.join(variants)} (an #enum {shape[1]} name)"
        if top and not isinstance(value, str):
            raise MainArgTypeMismatch(f"argument {message}, not {type(value).__name__}")
        raise ValidationError(f"{message}, not {value!r}"[:300])
    if shape[0] == "lists":
        return _lists(shape[1], value, path, columns_ok=columns_ok)
    if shape[0] == "list":
        columns = _columns(shape[1], value, path, passed_on=columns_ok)
        if columns is None:
            return _records(shape[1], value, path, top=top)
        if columns_ok:
            return columns
        return nest(shape, columns)
    return _record(shape, value, path, top=top, columns_ok=columns_ok)


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
    if kind == "String":
        encode_text(path, value)
        return str.__str__(value)
    return convert_scalar(path, kind, value)


def _offsets_and_elements(lists: Sequence[Any]) -> list[list[object]]:
    """A column of lists (a list leaf of a list of records) as the entry takes it."""
    return [[0, *accumulate(map(len, lists))], list(chain.from_iterable(lists))]


def _columns(record: tuple[Any, ...], value: Any, path: str, *, passed_on: bool) -> Columns | None:
    """The leaves of a list of flat records given as columns: a NumPy structured array
    (``dtype.names``) or a mapping of field name to column; None for a sequence of
    records. Numeric columns pass on as they are (a buffer crosses without a copy);
    String and enum columns are checked here, numeric ones too unless ``passed_on``
    (the entry's own conversion checks them)."""
    names = getattr(getattr(value, "dtype", None), "names", None)
    if record[0] != "record" or (names is None and not isinstance(value, Mapping)):
        return None  # a list of tuples or enums comes as rows
    get: Callable[[str], object] = value.__getitem__
    available = set(names) if names is not None else set(value)
    out = Columns()
    length: int | None = None
    for field, kind in record[2]:
        where = f"{path}.{field}"
        if not isinstance(kind, str) and kind[0] != "enum":
            raise ValidationError(f"{where}: a nested record cannot be given as a column")
        if field not in available:
            raise ValidationError(f"{where}: missing column of {record[1]}")
        column: Any = get(field)
        try:
            count = len(column)
        except TypeError:
            raise ValidationError(f"{where} must be a column (a sequence or an array)") from None
        if length is not None and count != length:
            raise ValidationError(f"{where} has {count} values, the columns before it {length}")
        length = count
        if isinstance(kind, str) and kind.startswith("List<"):  # a list per record
            lists = [_leaf(kind, v, f"{where}[{i}]", top=False) for i, v in enumerate(column)]
            out += _offsets_and_elements(lists)
            continue
        if not isinstance(kind, str):
            column = [read_value(kind, v, f"{where}[{i}]") for i, v in enumerate(column)]
        elif not passed_on and kind != "String":
            items = column.tolist() if hasattr(column, "tolist") else column
            column = [_leaf(kind, v, f"{where}[{i}]", top=False) for i, v in enumerate(items)]
        elif kind == "String":  # NumPy's str_ is a str subclass: taken as its text
            column = [
                str.__str__(v) if isinstance(v, str) else _leaf(kind, v, f"{where}[{i}]", top=False)
                for i, v in enumerate(column)
            ]
        out.append(column)
    return out


def _records(record: Shape, value: object, path: str, *, top: bool) -> list[object]:
    if not isinstance(value, Sequence) or isinstance(value, str | bytes):
        what = f"{path} must be a sequence of {record[1]}"
        error = MainArgTypeMismatch if top else ValidationError
        raise error(f"{'argument ' if top else ''}{what}, not {type(value).__name__}")
    return [read_value(record, item, f"{path}[{i}]") for i, item in enumerate(value)]


def _record(
    shape: tuple[Any, ...], value: object, path: str, *, top: bool, columns_ok: bool = False
) -> tuple[object, ...]:
    fields: tuple[tuple[str, Shape], ...] = shape[2]
    if shape[0] == "tuple":
        return _tuple(shape, value, path)
    get: Callable[[str], object]
    if isinstance(value, Mapping):
        get = value.__getitem__
    elif isinstance(value, str | bytes | int | float) or value is None:
        what = f"{path} must be a {shape[1]} (a mapping or an object with its fields)"
        error = MainArgTypeMismatch if top else ValidationError
        raise error(f"{'argument ' if top else ''}{what}, not {type(value).__name__}")
    else:

        def get(name: str) -> object:
            return getattr(value, name)

    row: list[object] = []
    for name, field in fields:
        try:
            item = get(name)
        except (KeyError, AttributeError):
            raise ValidationError(f"{path}.{name}: missing field of {shape[1]}") from None
        row.append(read_value(field, item, f"{path}.{name}", columns_ok=columns_ok))
    return tuple(row)


def _tuple(shape: tuple[Any, ...], value: object, path: str) -> tuple[object, ...]:
    """A tuple element of a list: any sequence of exactly its length (a tuple, a list)."""
    fields: tuple[tuple[str, Shape], ...] = shape[2]
    if not isinstance(value, Sequence) or isinstance(value, str | bytes):
        raise ValidationError(f"{path} must be a {shape[1]} tuple, not {type(value).__name__}")
    items = list(value)
    if len(items) != len(fields):
        raise ValidationError(f"{path} must have {len(fields)} elements, not {len(items)}")
    pairs = zip(fields, items, strict=True)
    return tuple(read_value(field, item, f"{path}[{name}]") for (name, field), item in pairs)


def _leaf(kind: str, value: object, path: str, *, top: bool) -> object:
    """A leaf checked and converted exactly as the entry would take it as an argument
    (so rows and columns, the general and the fast path accept the same values); its
    MainArgTypeMismatch is a ValidationError here, inside a record."""
    if top:
        return value  # the flat entry converts and checks it, as for any argument
    try:
        if kind == "String":
            encode_text(path, value)  # the entry's own checks
            return str.__str__(value)
        if kind.startswith("List<"):
            items = _sequence(value, path, kind)
            return [
                _leaf(kind[5:-1], item, f"{path}[{i}]", top=False) for i, item in enumerate(items)
            ]
        return convert_scalar(path, kind, value)
    except MainArgTypeMismatch as error:
        raise _in_record(error) from None


def _sequence(value: object, path: str, kind: str) -> Sequence[object]:
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return value
    try:
        return memoryview(value).tolist()  # type: ignore[arg-type]  # a buffer: NumPy, array
    except TypeError:
        raise ValidationError(
            f"{path} must be a sequence ({kind}), not {type(value).__name__}"
        ) from None


def flatten(shape: Shape, row: object) -> list[object]:
    """The leaves of a row :func:`read_value` made, in order."""
    if isinstance(shape, str) or shape[0] == "enum":
        return [row]
    if isinstance(row, Columns):
        return list(row)
    if shape[0] == "list":
        assert isinstance(row, list)
        kinds = leaf_kinds(shape[1])
        columns: list[list[object]] = [[] for _ in kinds]
        for item in row:
            for column, leaf in zip(columns, flatten(shape[1], item), strict=True):
                column.append(leaf)
        return [
            part
            for column, kind in zip(columns, kinds, strict=True)
            for part in (_offsets_and_elements(column) if kind.startswith("List<") else [column])
        ]
    assert isinstance(row, tuple)
    return [leaf for (_, f), item in zip(shape[2], row, strict=True) for leaf in flatten(f, item)]


def nest(shape: Shape, leaves: Sequence[object]) -> object:
    """The row of ``shape`` from its flat ``leaves`` (the inverse of :func:`flatten`)."""
    position = 0

    def take(part: Shape) -> object:
        nonlocal position
        if isinstance(part, str) or part[0] == "enum":
            position += 1
            return leaves[position - 1]
        if part[0] == "lists":
            pair: Any = leaves[position : position + 2]
            position += 2
            return [list(pair[1][a:b]) for a, b in pairwise(pair[0])]
        if part[0] == "list":
            columns: list[Any] = []
            for kind in leaf_kinds(part[1]):
                if kind.startswith("List<"):  # a list leaf's column: offsets and elements
                    offsets: Any = leaves[position]
                    elements: Any = leaves[position + 1]
                    columns.append([list(elements[a:b]) for a, b in pairwise(offsets)])
                    position += 2
                else:
                    columns.append(leaves[position])
                    position += 1
            return [nest(part[1], list(leaf)) for leaf in zip(*columns, strict=True)]
        return tuple(take(f) for _, f in part[2])

    return take(shape)


def to_python(shape: Shape, row: object) -> object:
    """A result row as Python values: a ``dict`` per record, a name per enum value."""
    if isinstance(shape, str):
        return row
    if shape[0] == "enum":
        assert isinstance(row, int)
        return shape[2][row]
    if shape[0] == "lists":
        return row
    if shape[0] == "list":
        assert isinstance(row, list)
        return [to_python(shape[1], item) for item in row]
    assert isinstance(row, tuple)
    if shape[0] == "tuple":
        return tuple(to_python(f, item) for (_, f), item in zip(shape[2], row, strict=True))
    return {name: to_python(f, item) for (name, f), item in zip(shape[2], row, strict=True)}


def document_entry(flat_main: Callable[..., object], surface: Surface) -> Callable[..., object]:
    """``main`` taking records and enums, calling ``flat_main`` with their leaves."""
    params, result = surface
    names = [name for name, _ in params]
    plain_result = isinstance(result, str)
    single = not plain_result and len(leaf_kinds(result)) == 1

    def main(*args: object, **kwargs: object) -> object:
        values = _bind(names, args, kwargs)
        flat: list[object] = []
        for (name, shape), value in zip(params, values, strict=True):
            flat += flatten(shape, read_value(shape, value, name, top=True, columns_ok=True))
        try:
            out = flat_main(*flat)
        except MainArgTypeMismatch as error:
            raise _in_record(error) from None
        if plain_result:
            return out
        leaves = (out,) if single and not isinstance(out, tuple) else out
        assert isinstance(leaves, tuple | list), leaves
        return to_python(result, nest(result, leaves))

    fast = _fast_entry(flat_main, surface, main)
    if fast is not None:
        main = fast
    main.__name__ = main.__qualname__ = getattr(flat_main, "__qualname__", "main")
    main.__module__ = getattr(flat_main, "__module__", __name__)
    header = f"#main({', '.join(f'{spelled(s)} {n}' for n, s in params)}) -> {spelled(result)}"
    rest = (getattr(flat_main, "__doc__", None) or "").partition("\n\n")[2]
    main.__doc__ = f"{header}\n\n{rest}" if rest else header
    return main


class _Template:
    """The Python text of a specialized ``main`` for one surface, and its constants.

    Like the scalar entry (entry.py), a small compiled template: for exact ``dict``
    records it reads each leaf with one subscript and hands the leaves to the flat entry,
    which checks them (a leaf's error becomes a ValidationError naming its path); any
    other input (an object, a Mapping subclass, a missing key, a list of records) takes
    the general path. Only generated names appear in the text; field names and variant
    names are constants."""

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

    def leaves(self, shape: Shape, value: str, indent: str) -> list[str] | None:
        """Expressions of ``shape``'s leaves read from the local ``value``."""
        if isinstance(shape, str):
            return [value]
        if shape[0] == "enum":
            index = self.const({name: i for i, name in enumerate(shape[2])})
            variant = self.fresh()  # looked up inside the try: a KeyError takes the slow path
            self.lines.append(f"{indent}{variant} = {index}[{value}]")
            return [variant]
        if shape[0] in ("list", "lists"):
            return None
        self.lines.append(f"{indent}if type({value}) is not dict:")
        self.lines.append(f"{indent}    return slow(*args, **kwargs)")
        out: list[str] = []
        for name, field in shape[2]:
            item = self.fresh()
            self.lines.append(f"{indent}{item} = {value}[{self.const(name)}]")
            inner = self.leaves(field, item, indent)
            if inner is None:
                return None
            out += inner
        return out

    def result(self, shape: Shape, leaves: list[str]) -> str | None:
        """The expression building the Python result from the flat result's leaves."""
        if isinstance(shape, str):
            return leaves.pop(0)
        if shape[0] == "enum":
            return f"{self.const(shape[2])}[{leaves.pop(0)}]"
        if shape[0] in ("list", "lists"):
            return None
        parts = []
        for name, field in shape[2]:
            inner = self.result(field, leaves)
            if inner is None:
                return None
            parts.append(f"{self.const(name)}: {inner}")
        return "{" + ", ".join(parts) + "}"


def _fast_entry(
    flat_main: Callable[..., object], surface: Surface, slow: Callable[..., object]
) -> Callable[..., object] | None:
    params, result = surface
    template = _Template()
    names = [f"a{i}" for i in range(len(params))]
    body = template.lines
    body += [
        f"    if kwargs or len(args) != {len(params)}:",
        "        return slow(*args, **kwargs)",
    ]
    if names:
        body.append(f"    {', '.join(names)}, = args")
    body += ["    try:", "        pass"]
    leaves: list[str] = []
    for (_, shape), name in zip(params, names, strict=True):
        found = template.leaves(shape, name, "        ")
        if found is None:
            return None
        leaves += found
    body += ["    except (KeyError, TypeError):", "        return slow(*args, **kwargs)"]
    body += ["    try:", f"        out = flat({', '.join(leaves)})"]
    body += ["    except MainArgTypeMismatch as error:", "        raise in_record(error) from None"]
    width = len(leaf_kinds(result)) if not isinstance(result, str) else 1
    outs = ["out"] if width == 1 and not _is_record(result) else [f"out[{i}]" for i in range(width)]
    if width == 1 and _is_record(result):
        body.append("    out = out if type(out) is tuple else (out,)")
    built = template.result(result, outs)
    if built is None:
        return None
    body.append(f"    return {built}")
    header = ", ".join(
        ["flat", "slow", "in_record", "MainArgTypeMismatch", *template.consts_names()]
    )
    source = "\n".join(
        [
            f"def make({header}):",
            "  def main(*args, **kwargs):",
            *("  " + line for line in body),
            "  return main",
            "",
        ]
    )
    namespace: dict[str, Any] = {}
    exec(compile(source, "<relon document entry>", "exec"), namespace)
    made: Callable[..., object] = namespace["make"](
        flat_main, slow, _in_record, MainArgTypeMismatch, *template.consts
    )
    return made


def _is_record(shape: Shape) -> bool:
    return not isinstance(shape, str) and shape[0] == "record"


def _in_record(error: MainArgTypeMismatch) -> RelonError:
    """A conversion error of a leaf inside a record (a column) is a ValidationError;
    one of a plain parameter stays as it is."""
    text = str(error)
    name = text.partition("argument '")[2].partition("'")[0]
    if "." in name or "[" in name:
        return ValidationError(text.replace(f"main() argument '{name}'", name, 1))
    return error


def spelled(shape: Shape) -> str:
    """How ``#main`` writes the type: ``Order``, ``State``, ``Dict``, ``List<Int>``."""
    if isinstance(shape, str):
        return shape
    if shape[0] == "lists":
        return f"List<{shape[1]}>"
    if shape[0] == "list":
        return f"List<{spelled(shape[1])}>"
    return str(shape[1])


def _bind(names: list[str], args: tuple[object, ...], kwargs: dict[str, object]) -> list[object]:
    if not kwargs and len(args) == len(names):
        return list(args)
    if len(args) > len(names):
        raise MainArgTypeMismatch(f"main takes {len(names)} arguments, got {len(args)}")
    values: dict[str, object] = dict(zip(names, args, strict=False))
    for key, value in kwargs.items():
        if key not in names:
            raise MainArgTypeMismatch(f"main got an unexpected argument '{key}'")
        if key in values:
            raise MainArgTypeMismatch(f"main got two values for argument '{key}'")
        values[key] = value
    missing = [n for n in names if n not in values]
    if missing:
        raise MainArgTypeMismatch(f"main is missing argument '{missing[0]}'")
    return [values[n] for n in names]
