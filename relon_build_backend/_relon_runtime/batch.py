"""``batch`` functions: a scalar rule over whole columns in one call (docs/abi.md "Batch entry").

``mod.batch(*columns, **columns_by_name)`` takes one column per ``#main`` parameter: a
NumPy array, an ``array.array``, a buffer or a sequence, all of one length, or a single
value that every row gets. A column whose layout already is the entry's (Int ``int64``,
Float ``float64``, Bool ``bool_``/``?``; one-dimensional, C-contiguous, writable) is
passed without a copy; any other one is converted element by element with the checks
``main`` makes of its arguments. The result is a NumPy array when any argument was one
(NumPy is never imported here otherwise), else an ``array.array`` (``'q'``, ``'d'``, and
``'B'`` holding 0 and 1 for Bool).

Row ``i`` gives what ``main`` gives for the row's values, or raises the error ``main``
would raise, of the same class, its message prefixed ``row i: `` and ``.row == i``; the
first failing row stops the batch. A backend runs the rows (:data:`BatchRows`): natively
one ``P_batch`` call through ctypes (which releases the GIL), on wasm
``WasmInstance.batch_rows``.

Rules with a String, List or tuple in ``#main``, with records, documents or enums, or
without parameters have no batch entry: their ``batch`` raises ``NotImplementedError``
(and their stubs leave it out, so a type checker reports the call).
"""

from __future__ import annotations

import ctypes
import sys

from .abi import (
    DEFAULT_MAX_MEMORY,
    PACKED_SIZE,
    TYPE_CHECKING,
    RuleSpec,
    Scalar,
    batch_symbol,
    has_batch,
)
from .conversion import (
    ELEMENT_CODES,
    PACKED_FORMATS,
    PY_TYPES,
    all_exact,
    buffer_items,
    one_dimensional,
)
from .entry import bodiless
from .errors import REBUILD, MainArgTypeMismatch, RelonError, RelonLoadError, status_error
from .native import native_library

# Every rule module imports this one: array, collections.abc, typing and inspect are
# imported where they are used, or only by type checkers (docs/performance.md).
if TYPE_CHECKING:
    import array
    from collections.abc import Callable, Sequence
    from typing import Any

    from .entry import RuleShape
    from .native import Native

    #: ``rows(n, column addresses, out address)``: run the rule over ``n`` rows, raising
    #: the first failing row's error (:func:`row_error`)
    BatchRows = Callable[[int, Sequence[int], int], None]
else:
    BatchRows = object

__all__ = ["BatchRows", "BatchShape", "NativeRows", "batch_entry", "load_batch", "row_error"]

_NUMPY_TYPES = {"Int": "int64", "Float": "float64", "Bool": "bool"}


def row_error(error: RelonError, row: int) -> RelonError:
    """``error`` (what ``main`` raises for the row) as row ``row`` of a batch raises it."""
    located = type(error)(f"row {row}: {error}")
    located.row = row
    return located


def load_batch(spec: RuleSpec, path: str) -> Callable[..., int] | None:
    """``P_batch`` of ``spec`` in the native library at ``path``, looked up on its first
    call (None: the rule has none)."""
    return _BatchFunction(spec, path) if has_batch(spec) else None


class _BatchFunction:
    """``P_batch`` of one rule, argtypes set on first use: importing a rule costs no more
    for its batch entry, and a library without it fails only a batch (RelonLoadError)."""

    __slots__ = ("_fn", "_path", "_spec")

    def __init__(self, spec: RuleSpec, path: str) -> None:
        self._spec, self._path = spec, path
        self._fn: Callable[..., int] | None = None

    def __call__(self, *args: object) -> int:
        if self._fn is None:
            self._fn = self._load()
        return self._fn(*args)

    def _load(self) -> Callable[..., int]:
        lib = native_library(self._path)
        name = batch_symbol(self._spec.prefix)
        try:
            fn = lib[name]
        except AttributeError:
            raise RelonLoadError(f"{self._path} has no {name}; {REBUILD}") from None
        count = len(self._spec.params)
        fn.argtypes = [*[ctypes.c_int64] * 3, *[ctypes.c_void_p] * (count + 1)]
        fn.argtypes.append(ctypes.POINTER(ctypes.c_int64))
        fn.restype = ctypes.c_int32
        return fn


class NativeRows:
    """:data:`BatchRows` through ``P_batch`` of the native library."""

    __slots__ = ("caps", "fn", "hosts", "memory", "native", "steps")

    def __init__(
        self,
        fn: Callable[..., int],
        native: Native,
        spec: RuleSpec,
        caps: int,
        steps: int,
        *,
        memory: int = DEFAULT_MAX_MEMORY,
    ) -> None:
        self.fn, self.native, self.hosts = fn, native, spec.gated_hosts
        self.caps, self.steps, self.memory = caps, steps, memory

    def __call__(self, n: int, columns: Sequence[int], out: int) -> None:
        failed = ctypes.c_int64(-1)  # per call: threads never share it
        limited = self.memory != DEFAULT_MAX_MEMORY
        if limited:  # a row's arguments take no memory: each row may use it all
            self.native.set_memory_limit(self.memory)
        try:
            status = self.fn(self.caps, self.steps, n, *columns, out, ctypes.byref(failed))
        finally:
            if limited:
                self.native.set_memory_limit(DEFAULT_MAX_MEMORY)
        if status:
            error = status_error(status, self.native.take_note(), self.hosts)
            raise row_error(error, failed.value)


class BatchShape:
    """What every ``batch`` of one rule shares (built once per rule, not per Sandbox)."""

    __slots__ = ("args", "doc", "result", "signature", "spec")

    def __init__(self, shape: RuleShape) -> None:
        spec = self.spec = shape.spec
        #: main's binder: its names, kinds and converters serve the columns too
        self.args = shape.args
        self.result: Scalar = spec.result  # type: ignore[assignment]
        #: what inspect.signature() reports (through ``__wrapped__``); None: a name that
        #: is a Python keyword, still callable by ``**kwargs``
        self.signature = bodiless(spec, annotated=False) if shape.named else None
        self.doc = _BATCH_DOC.format(main=shape.docstring)


def batch_entry(
    shape: BatchShape, rows: BatchRows | None, *, sandboxed: bool
) -> Callable[..., object]:
    """``batch`` of the rule ``shape`` running its rows with ``rows`` (None: the rule has
    no batch entry, and ``batch`` says why)."""
    spec, binder, result = shape.spec, shape.args, shape.result
    names, converters, arity = binder.names, binder.converters, len(binder.names)
    kinds: tuple[Scalar, ...] = binder.kinds  # type: ignore[assignment]

    def batch(*args: object, **kwargs: object) -> object:
        if rows is None:
            raise NotImplementedError(_no_batch(spec))
        values = args
        if kwargs or len(args) != arity:
            values = binder.bind(args, kwargs, caller="batch()", items="columns")
        numpy = _numpy_of(values)
        columns: list[tuple[Scalar, _Column | _Scalar]] = []
        length: tuple[str, int] | None = None
        for name, kind, convert, value in zip(names, kinds, converters, values, strict=True):
            column = _column(name, kind, convert, _as_array(numpy, value))
            columns.append((kind, column))
            if isinstance(column, _Scalar):
                continue
            count = column.count
            if length is None:
                length = (name, count)
            elif count != length[1]:
                raise MainArgTypeMismatch(
                    f"batch() columns must have one length: {length[0]!r} has {length[1]}"
                    f" rows, {name!r} has {count}"
                )
        if length is None:
            raise MainArgTypeMismatch(
                "batch() needs at least one column (a sequence, array or buffer);"
                " for a single row call main()"
            )
        n = length[1]
        out, out_address = _result_column(result, n, numpy)
        if n:
            filled = [_fill(kind, column, n) for kind, column in columns]
            rows(n, [column.address for column in filled], out_address)
        return out

    entry: Any = batch
    entry.__name__, entry.__qualname__ = "batch", "Sandbox.batch" if sandboxed else "batch"
    entry.__module__ = spec.module
    if shape.signature is not None:
        entry.__wrapped__ = shape.signature
    entry.__doc__ = shape.doc
    return batch


class _Column:
    """``count`` elements in the column layout at ``address``, kept alive by ``owner``
    (an ``array.array``, or a ctypes array borrowing the caller's buffer)."""

    __slots__ = ("address", "count", "owner")

    def __init__(self, owner: object, count: int, address: int) -> None:
        self.owner, self.count, self.address = owner, count, address

    @classmethod
    def packed(cls, packed: array.array[Any]) -> _Column:
        address, count = packed.buffer_info()
        return cls(packed, count, address)


class _Scalar:
    """One converted value given for every row."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value


def _numpy_of(values: Sequence[object]) -> Any:
    """The numpy module when any value is a NumPy array or converts to one (``__array__``:
    a pandas Series, say), else None; never imported here."""
    numpy = sys.modules.get("numpy")
    if numpy is None or not isinstance(getattr(numpy, "ndarray", None), type):
        return None
    if any(_is_array(numpy, value) for value in values):
        return numpy
    return None


def _is_array(numpy: Any, value: object) -> bool:
    return isinstance(value, numpy.ndarray) or hasattr(type(value), "__array__")


def _as_array(numpy: Any, value: object) -> object:
    """``value`` as a NumPy array when it converts to one (without a copy when it can),
    a NumPy array (or anything else) as it is."""
    if numpy is None or isinstance(value, numpy.ndarray) or not _is_array(numpy, value):
        return value
    return numpy.asarray(value)


def _column(
    name: str, kind: Scalar, convert: Callable[[Any], object], value: object
) -> _Column | _Scalar:
    """A column in its ABI layout (packed here, or the caller's buffer when it can be
    borrowed), or a :class:`_Scalar`."""
    import array

    if type(value) is list or type(value) is tuple:  # the common case, first
        return _pack(kind, convert, value)
    if isinstance(value, (str, bytes, bytearray)):
        raise _not_a_column(name, kind, value)
    try:
        view = memoryview(value)  # type: ignore[arg-type]
    except TypeError:
        from collections.abc import Sequence  # (a rare input: no list, tuple or buffer)

        if isinstance(value, Sequence):
            return _pack(kind, convert, _snapshot(name, kind, value))
        if isinstance(value, (int, float)):  # bool too: one value for every row
            return _Scalar(convert(value))
        raise _not_a_column(name, kind, value) from None
    if view.ndim == 0:  # a NumPy scalar
        return _Scalar(convert(view.tolist()))
    where = f"batch() argument {name!r}"
    one_dimensional(view, where)
    if view.format in PACKED_FORMATS[kind] and view.itemsize == PACKED_SIZE[kind]:
        if view.c_contiguous and not view.readonly:
            # zero copy; the export also stops the owner from resizing it during the call
            borrowed = (ctypes.c_char * view.nbytes).from_buffer(view)
            return _Column(borrowed, len(view), ctypes.addressof(borrowed))
        return _Column.packed(array.array(ELEMENT_CODES[kind], view.tobytes()))  # one copy
    read = view.tolist if view.format != "O" else lambda: _objects(value)
    expected = f"not a column of {PY_TYPES[kind].__name__} (Relon {kind})"
    return _pack(kind, convert, buffer_items(view, read, where, expected))


def _objects(value: object) -> list[object]:
    """The elements of a NumPy array of Python objects (its buffer holds pointers)."""
    tolist = getattr(type(value), "tolist", None)
    if type(value).__module__ != "numpy" or tolist is None:
        raise NotImplementedError
    return tolist(value)  # type: ignore[no-any-return]


def _not_a_column(name: str, kind: Scalar, value: object) -> MainArgTypeMismatch:
    item = PY_TYPES[kind].__name__
    return MainArgTypeMismatch(
        f"batch() argument {name!r} must be a column of {item} (Relon {kind}: a sequence,"
        f" array or buffer) or one {item} for every row, not {type(value).__name__}"
    )


def _snapshot(name: str, kind: Scalar, value: Sequence[object]) -> list[object]:
    """The elements of a sequence that is not a list or tuple, read once."""
    try:
        return list(value)
    except Exception as exc:  # the caller's own __iter__/__len__/__getitem__ failed
        # only type names: str() of the caller's exception may run (and fail in) its code
        raise MainArgTypeMismatch(
            f"batch() argument {name!r} could not be read as a column of"
            f" {PY_TYPES[kind].__name__}: its {type(value).__name__} raised {type(exc).__name__}"
        ) from exc


def _pack(kind: Scalar, convert: Callable[[Any], object], items: Sequence[object]) -> _Column:
    import array

    code = ELEMENT_CODES[kind]
    if all_exact(kind, items):
        try:
            return _Column.packed(array.array(code, items))
        except OverflowError:  # an Int out of range, or an int too large for a Float
            pass  # found and raised below, with its row
    converted = [_converted(convert, row, item) for row, item in enumerate(items)]
    return _Column.packed(array.array(code, converted))


def _converted(convert: Callable[[Any], object], row: int, item: object) -> Any:
    try:
        return convert(item)
    except RelonError as error:
        raise row_error(error, row) from None


def _fill(kind: Scalar, column: _Column | _Scalar, n: int) -> _Column:
    """A column of ``n`` rows: a scalar repeated, a column as it is."""
    import array

    if isinstance(column, _Scalar):
        value: Any = column.value
        return _Column.packed(array.array(ELEMENT_CODES[kind], [value]) * n)
    return column


def _result_column(kind: Scalar, n: int, numpy: Any) -> tuple[object, int]:
    """The result column of ``n`` rows and its address."""
    import array

    if numpy is not None:
        out = numpy.empty(n, dtype=_NUMPY_TYPES[kind])  # not zeroed, unlike an array.array
        # from_buffer: a third of the cost of asking the array (out.ctypes.data)
        return out, ctypes.addressof(ctypes.c_char.from_buffer(out)) if n else 0
    packed = array.array(ELEMENT_CODES[kind], [0]) * n
    return packed, packed.buffer_info()[0]


def _no_batch(spec: RuleSpec) -> str:
    stem = spec.module.rpartition(".")[2]
    if spec.surface is not None:
        why = "its #main has records, documents or enums"
    elif not spec.params:
        why = "it has no parameters"
    else:
        why = "its #main has a String, List or tuple"
    return (
        f"{stem} has no batch(): batch() needs a rule whose #main parameters and result are"
        f" all Int, Float or Bool, and {why}; call main() once per row"
    )


_BATCH_DOC = """main over whole columns: one argument per parameter of main, in one call.

Each argument is a column (a NumPy array, array.array, buffer or sequence; all of one
length) or one value for every row. Columns of int64, float64 or bool_ are read in place;
others are converted element by element with main's checks. Returns a NumPy array if
any argument was one, else an array.array ('q' Int, 'd' Float, 'B' Bool as 0/1). A
failing row raises main's error for it, its message prefixed "row N: ", with .row == N.

main:

{main}
"""
