"""Python values to the entry ABI's layout and back (docs/abi.md "Strings, lists and tuples").

Arguments: :class:`Args` binds ``main``'s arguments and checks each against its Relon
type; a String becomes its UTF-8 bytes, a List<Int/Float/Bool> a packed array (a buffer
of matching layout is borrowed, not copied), a List<String> one UTF-8 blob plus the
``RelonStr`` pairs. Results: :class:`Results` copies a compound rule's result slots
into Python values. Host byte order is assumed little-endian (the wasm32 layout; x86_64
and aarch64 hosts).
"""

from __future__ import annotations

import ctypes
import math
from itertools import accumulate
from types import MethodType

from .abi import PACKED_SIZE, TYPE_CHECKING, RuleSpec, Scalar, Value
from .errors import REBUILD, HostPanic, MainArgTypeMismatch, NumericOverflow

if TYPE_CHECKING:
    import array
    from collections.abc import Callable, Sequence
    from typing import Any

# ``array`` is imported by the functions that pack lists: a scalar rule never needs it.

__all__ = [
    "CTYPES",
    "ELEMENT_CODES",
    "FAST_BOUNDS",
    "I64_MAX",
    "MISSING",
    "PACKED_FORMATS",
    "PY_TYPES",
    "WASM32_POINTER",
    "Args",
    "Packed",
    "Results",
    "Texts",
    "align",
    "all_exact",
    "buffer_items",
    "convert_scalar",
    "encode_text",
    "has_handle",
    "one_dimensional",
    "relon_strs",
    "results_of",
    "size_in_memory",
]

I64_MIN, I64_MAX = -(1 << 63), (1 << 63) - 1
#: the ctypes type of each scalar's argument and result slot
CTYPES: dict[str, type[ctypes.c_int64 | ctypes.c_double | ctypes.c_int32]] = {
    "Int": ctypes.c_int64,
    "Float": ctypes.c_double,
    "Bool": ctypes.c_int32,
}
PY_TYPES: dict[str, type] = {"Int": int, "Float": float, "Bool": bool}
# Bounds of the fast argument check ``type(a) is t and lo <= a <= hi``: NaN fails it on
# purpose and takes the slow path, which accepts it.
FAST_BOUNDS: dict[str, tuple[object, object]] = {
    "Int": (I64_MIN, I64_MAX),
    "Float": (-math.inf, math.inf),
    "Bool": (False, True),
}
#: a parameter given no argument
MISSING = object()


class Args:
    """Binds and checks ``main`` arguments; the slow path behind the generated fast check."""

    def __init__(self, spec: RuleSpec) -> None:
        self.names = tuple(name for name, _ in spec.params)
        self.kinds = tuple(kind for _, kind in spec.params)
        self.index = {name: i for i, name in enumerate(self.names)}
        self.converters = tuple(_converter(name, kind) for name, kind in spec.params)

    def bind(
        self,
        args: tuple[object, ...],
        kwargs: dict[str, object],
        *,
        caller: str = "main()",
        items: str = "arguments",
    ) -> tuple[object, ...]:
        """Positional + keyword arguments -> a tuple in ``#main`` order; errors name
        ``caller`` (``batch()`` binds its ``columns`` here too)."""
        count = len(self.names)
        if len(args) > count:
            raise MainArgTypeMismatch(f"{caller} takes {count} {items} but {len(args)} were given")
        values = [*args, *[MISSING] * (count - len(args))]
        for key, value in kwargs.items():
            i = self.index.get(key)
            if i is None:
                raise MainArgTypeMismatch(f"{caller} got an unexpected keyword argument {key!r}")
            if values[i] is not MISSING:
                raise MainArgTypeMismatch(f"{caller} got multiple values for argument {key!r}")
            values[i] = value
        missing = [n for n, v in zip(self.names, values, strict=True) if v is MISSING]
        if missing:
            raise MainArgTypeMismatch(f"{caller} missing required arguments: {', '.join(missing)}")
        return tuple(values)

    def bind_parts(
        self, given: tuple[object, ...], rest: tuple[object, ...], extra: dict[str, object]
    ) -> tuple[object, ...]:
        """:meth:`bind` for a ``main(p0=MISSING, ..., /, *rest, **extra)``: ``given`` holds
        the positional parameters, MISSING where none was passed."""
        if rest:
            return self.bind((*given, *rest), extra)
        return self.bind(tuple(v for v in given if v is not MISSING), extra)

    def convert(self, args: tuple[object, ...]) -> tuple[object, ...]:
        """Check each argument against its Relon type; exact ``int``/``float``/``bool`` out."""
        return tuple(
            convert_scalar(name, kind, value)
            for name, kind, value in zip(self.names, self.kinds, args, strict=True)
        )


def convert_scalar(name: str, kind: str, value: Any) -> object:
    """``value`` as the exact int/float/bool of Relon ``kind``, or MainArgTypeMismatch
    (NumericOverflow: too large) naming argument ``name``."""
    # type(), not isinstance(): an object can fake __class__; int.__index__ etc. read the
    # real value of a subclass instance without running its overrides.
    cls = type(value)
    if kind == "Bool" and cls is bool:
        return value
    if kind != "Bool" and issubclass(cls, int) and cls is not bool:
        number = int.__index__(value)
        if kind == "Float":
            try:
                return float(number)
            except OverflowError:
                raise NumericOverflow(
                    f"main() argument {name!r} is too large for a Float"
                ) from None
        if not I64_MIN <= number <= I64_MAX:
            # no value in the message: str() of a huge int raises ValueError
            raise NumericOverflow(f"main() argument {name!r} does not fit in an Int (i64)")
        return number
    if kind == "Float" and issubclass(cls, float):
        return float.__float__(value)
    expected = PY_TYPES[kind].__name__
    raise MainArgTypeMismatch(
        f"main() argument {name!r} must be {expected} (Relon {kind}), not {cls.__name__}"
    )


# --- String and List arguments (docs/abi.md "Strings, lists and tuples") ---------------
# A converted String is its UTF-8 ``bytes``; a List<Int/Float/Bool> is a Packed tuple; a
# List<String> is ``(utf8_blob, byte_lengths)``. Each owns the memory its pointer names,
# so the memory lives as long as the converted argument tuple (the whole call).

#: (pointer for ctypes or memmove: bytes, ctypes array or address; count; bytes; owner)
if TYPE_CHECKING:
    Packed = tuple[object, int, int, object]
    Texts = tuple[bytes, list[int]]
else:
    Packed = Texts = tuple
#: the array module code of each scalar packed in a buffer (a list's, a batch column's)
ELEMENT_CODES: dict[str, str] = {"Int": "q", "Float": "d", "Bool": "B"}
_ELEMENTS: dict[str, Scalar] = {"List<Int>": "Int", "List<Float>": "Float", "List<Bool>": "Bool"}


def _formats(codes: str) -> frozenset[str]:
    return frozenset(f"{order}{code}" for order in ("", "@", "=", "<") for code in codes)


#: buffer formats (``memoryview.format``; the itemsize is checked too) that already are
#: a scalar's packed layout, so a buffer of them crosses without a conversion
PACKED_FORMATS: dict[Scalar, frozenset[str]] = {
    "Int": _formats("ql"),
    "Float": _formats("d"),
    "Bool": _formats("?"),
}
# a List<Bool> also takes bytes, checked to be 0 or 1 (a Bool argument never takes an int)
_LIST_FORMATS = {
    "List<Int>": PACKED_FORMATS["Int"],
    "List<Float>": PACKED_FORMATS["Float"],
    "List<Bool>": PACKED_FORMATS["Bool"] | _formats("B"),
}
# the fast element check: a list whose element types are all in here packs in one C call
_PACKABLE: dict[str, tuple[type, ...]] = {
    "Int": (int,),
    "Float": (int, float),
    "Bool": (bool,),
    "String": (str,),
}


def all_exact(element: str, items: Sequence[object]) -> bool:
    """Whether every item has a type an ``element`` list takes as it is (no bool for
    an Int, no str subclass for a String): one C-level pass, the fastest exact check
    we measured (docs/performance.md)."""
    types = list(map(type, items))
    return sum(map(types.count, _PACKABLE[element])) == len(types)


_ITEMS = {"List<Int>": "int", "List<Float>": "float", "List<Bool>": "bool", "List<String>": "str"}


def _converter(name: str, kind: Value) -> Callable[[Any], object]:
    """``value -> converted value`` for parameter ``name`` (the compound-rule path)."""
    # a bound method, not a lambda: one Python frame less on every call
    if kind == "String":
        return MethodType(encode_text, name)
    if kind == "List<String>":
        return MethodType(_texts, name)
    if kind in _ELEMENTS:
        return MethodType(_numbers, (name, kind))
    scalar: Scalar = kind  # type: ignore[assignment]
    exact = PY_TYPES[scalar]
    bounds: Any = FAST_BOUNDS[scalar]
    low, high = bounds

    def convert(value: Any) -> object:
        if type(value) is exact and low <= value <= high:
            return value
        return convert_scalar(name, scalar, value)

    return convert


def encode_text(name: str, value: Any) -> bytes:
    """The UTF-8 of a String argument ``name``, or MainArgTypeMismatch."""
    if not issubclass(type(value), str):
        raise MainArgTypeMismatch(
            f"main() argument {name!r} must be str (Relon String), not {type(value).__name__}"
        )
    try:
        return str.encode(value)  # the str method: no subclass override runs
    except UnicodeEncodeError as exc:
        raise MainArgTypeMismatch(
            f"main() argument {name!r} is not valid Unicode text (a lone surrogate at index"
            f" {exc.start} cannot be encoded as UTF-8)"
        ) from None


def _not_a_list(name: str, kind: str, value: object) -> MainArgTypeMismatch:
    expected = f"main() argument {name!r} must be a sequence of {_ITEMS[kind]} (Relon {kind})"
    if kind == "List<String>" and isinstance(value, str):  # a str is a sequence of str
        return MainArgTypeMismatch(f"{expected}, not a single str; pass a list: [{name}]")
    return MainArgTypeMismatch(f"{expected}, not {type(value).__name__}")


def _items(name: str, kind: str, value: Any) -> Sequence[object]:
    """The elements of a sequence argument: an exact list or tuple as it is, anything
    else (list subclasses too) as one snapshot taken through its own ``__iter__``, so
    the elements checked are the elements passed, whatever its methods do."""
    if type(value) is list or type(value) is tuple:
        return value
    try:
        if isinstance(value, str) or not _is_sequence(value):
            raise _not_a_list(name, kind, value)
        return list(value)
    except MainArgTypeMismatch:
        raise
    except Exception as exc:  # the caller's own __iter__/__len__/__getitem__ failed
        raise _unreadable(name, kind, value, exc) from exc


def _unreadable(name: str, kind: str, value: object, exc: Exception) -> MainArgTypeMismatch:
    # only type names: str() of the caller's exception may run (and fail in) its code
    return MainArgTypeMismatch(
        f"main() argument {name!r} could not be read as a sequence of {_ITEMS[kind]}"
        f" (Relon {kind}): its {type(value).__name__} raised {type(exc).__name__}"
    )


def _is_sequence(value: object) -> bool:
    from collections.abc import Sequence  # on the first non-list sequence argument only

    return isinstance(value, Sequence)


def _numbers(what: tuple[str, str], value: Any) -> Packed:
    """A List<Int/Float/Bool> argument in the ABI layout, without a Python loop if it can."""
    name, kind = what
    if type(value) is list or type(value) is tuple:  # the common case, first
        return _pack(name, kind, value)
    if isinstance(value, str):
        raise _not_a_list(name, kind, value)
    try:
        view = memoryview(value)
    except TypeError:
        return _pack(name, kind, _items(name, kind, value))
    except Exception as exc:  # a __buffer__ of the caller's that failed
        raise _unreadable(name, kind, value, exc) from exc
    where = f"main() argument {name!r}"
    one_dimensional(view, where, f" (Relon {kind})")
    if view.format in _LIST_FORMATS[kind] and view.itemsize == PACKED_SIZE[_ELEMENTS[kind]]:
        return _shared(name, kind, view)
    expected = f"not a sequence of {_ITEMS[kind]} (Relon {kind})"
    return _pack(name, kind, buffer_items(view, view.tolist, where, expected))


def one_dimensional(view: memoryview, where: str, note: str = "") -> None:
    """Refuse a buffer of more than one dimension (``where`` names the argument)."""
    if view.ndim != 1:
        raise MainArgTypeMismatch(
            f"{where} must be one-dimensional{note}, not a {view.ndim}-dimensional buffer"
        )


def buffer_items(
    view: memoryview, read: Callable[[], Sequence[object]], where: str, expected: str
) -> Sequence[object]:
    """The values of a buffer not in the packed layout, to be checked one by one like a
    list's (``read`` them: ``view.tolist``), or MainArgTypeMismatch when its format has
    no such values (a struct)."""
    try:
        return read()
    except (NotImplementedError, ValueError):  # e.g. a struct format
        raise MainArgTypeMismatch(
            f"{where} is a buffer of format {view.format!r}, {expected}"
        ) from None


def _shared(name: str, kind: str, view: memoryview) -> Packed:
    """A buffer whose layout already matches: borrowed when possible, else one copy."""
    count = len(view)
    if kind == "List<Bool>":
        # always a copy: the check below must see the bytes the rule will read
        data = view.tobytes()
        if data.translate(None, b"\x00\x01"):
            raise MainArgTypeMismatch(
                f"main() argument {name!r} holds values other than 0 and 1 (Relon {kind})"
            )
        return data, count, count, data
    if view.readonly or not view.c_contiguous or not count:
        data = view.tobytes()
        return data, count, len(data), data
    # zero copy; the export also stops the owner from resizing the buffer during the call
    borrowed = (ctypes.c_char * view.nbytes).from_buffer(view)
    return borrowed, count, view.nbytes, borrowed


def _pack(name: str, kind: str, items: Sequence[Any]) -> Packed:
    import array

    element = _ELEMENTS[kind]
    if not all_exact(element, items):
        items = [convert_scalar(f"{name}[{i}]", element, item) for i, item in enumerate(items)]
    try:
        packed = array.array(ELEMENT_CODES[element], items)
    except OverflowError:
        what = "is too large for a Float" if element == "Float" else "does not fit in an Int (i64)"
        raise NumericOverflow(f"an int in main() argument {name!r} {what}") from None
    count = len(packed)
    return packed.buffer_info()[0], count, count * packed.itemsize, packed


def _texts(name: str, value: Any) -> Texts:
    """A List<String> argument: one UTF-8 blob and the byte length of each element."""
    items = _items(name, "List<String>", value)
    try:
        encoded: list[bytes] = list(map(str.encode, items))  # type: ignore[arg-type]
    except (TypeError, UnicodeEncodeError):  # find the culprit, for the message
        encoded = [encode_text(f"{name}[{i}]", item) for i, item in enumerate(items)]
    return b"".join(encoded), list(map(len, encoded))


def relon_strs(blob_address: int, lengths: list[int]) -> array.array[int]:
    """The ``RelonStr`` array of a blob at ``blob_address`` (pointer, length pairs).

    On wasm32 a pointer is 4 bytes plus 4 bytes of padding, which is what the low half
    of a little-endian int64 holding a 32-bit address is.
    """
    import array

    starts = array.array("q", accumulate(lengths, initial=blob_address))
    starts.pop()
    pairs = array.array("q", bytes(16 * len(lengths)))
    pairs[0::2] = starts
    pairs[1::2] = array.array("q", lengths)
    return pairs


def size_in_memory(kind: str, value: Any) -> int:
    """Bytes of linear memory a converted argument needs on wasm32 (8-aligned)."""
    if kind == "String":
        return align(len(value))
    if kind == "List<String>":
        blob, lengths = value
        return align(len(blob)) + 16 * len(lengths)
    if kind in _ELEMENTS:
        return align(value[2])
    return 0


def align(size: int) -> int:
    return (size + 7) & ~7


# --- reading results --------------------------------------------------------------------
WASM32_POINTER = 0xFFFF_FFFF
_ELEMENT_CTYPES: dict[str, type[ctypes.c_int64 | ctypes.c_double | ctypes.c_bool]] = {
    "List<Int>": ctypes.c_int64,
    "List<Float>": ctypes.c_double,
    "List<Bool>": ctypes.c_bool,
}


def results_of(spec: RuleSpec) -> tuple[Value, ...]:
    return spec.result if isinstance(spec.result, tuple) else (spec.result,)


def has_handle(results: tuple[Value, ...]) -> bool:
    """Whether the result slots are followed by a result handle slot."""
    return any(kind not in CTYPES for kind in results)


class Results:
    """How to read a compound rule's result slots (and its handle slot, if any)."""

    __slots__ = ("handle", "kinds", "single", "words")

    def __init__(self, spec: RuleSpec) -> None:
        self.kinds = results_of(spec)
        self.single = not isinstance(spec.result, tuple)
        self.handle = has_handle(self.kinds)
        #: the slots as int64 words: N 16-byte slots, then the handle
        self.words = ctypes.c_int64 * (2 * len(self.kinds) + self.handle)

    def take(
        self, out: int, memory: tuple[int, int], release: Callable[[int], object] | None
    ) -> object:
        """Copy the slots at address ``out`` to Python values, then release the handle.

        ``memory`` is ``(base, size)`` of wasm linear memory (pointers are offsets,
        checked against ``size``), or ``(0, -1)`` natively (pointers are addresses).
        """
        words = self.words.from_address(out)[:]  # one read of every slot word
        try:
            values = [
                _read(kind, words[2 * i], words[2 * i + 1], out + 16 * i, memory)
                for i, kind in enumerate(self.kinds)
            ]
        finally:
            if self.handle and release is not None and words[-1]:
                release(words[-1])
        return values[0] if self.single else tuple(values)


def _read(kind: Value, first: int, second: int, slot: int, memory: tuple[int, int]) -> object:
    """One result from its slot: ``first``/``second`` are the slot's two int64 words."""
    if kind == "Int":
        return first
    if kind == "Bool":
        return first & 0xFFFF_FFFF != 0  # an int32 in the low half (little-endian)
    if kind == "Float":
        return ctypes.c_double.from_address(slot).value
    pointer, count = first, second
    if kind == "String":
        return _bytes_at(pointer, count, memory).decode()
    if kind == "List<String>":
        pairs = (ctypes.c_int64 * (2 * count)).from_address(_address(pointer, count, 16, memory))
        flat = pairs[:]
        texts = zip(flat[0::2], flat[1::2], strict=True)
        return [_bytes_at(p, n, memory).decode() for p, n in texts]
    element = _ELEMENT_CTYPES[kind]
    size = ctypes.sizeof(element)
    return (element * count).from_address(_address(pointer, count, size, memory))[:]


def _address(pointer: int, count: int, size: int, memory: tuple[int, int]) -> int:
    base, limit = memory
    if limit >= 0:  # wasm32: a 32-bit offset into linear memory (plus padding bits)
        pointer &= WASM32_POINTER
        if count < 0 or pointer + count * size > limit:
            raise HostPanic(f"the compiled rule returned a value outside its memory; {REBUILD}")
    elif count < 0:
        raise HostPanic(f"the compiled rule returned a negative length; {REBUILD}")
    return base + pointer


def _bytes_at(pointer: int, count: int, memory: tuple[int, int]) -> bytes:
    address = _address(pointer, count, 1, memory)
    return ctypes.string_at(address, count) if count else b""
