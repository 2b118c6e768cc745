"""Run-time support for generated Relon rule modules (copied into each built package).

A built package holds this file as ``<pkg>/_relon_runtime.py``; each generated rule
module passes plain data (a :class:`RuleSpec`) to :func:`load_rule` and re-exports what
it returns. Only the standard library is imported here: ``wasmtime`` is imported the
first time a ``Sandbox(backend="wasm")`` is built. The entry ABI is docs/abi.md of
relon-build-backend; the constants below must match it (a test checks they do).

Rules whose parameters and result are scalars go through an unrolled, compiled entry
(:func:`_entry_source`). Rules with a String, List or tuple go through
:func:`_compound_entry`: each argument is converted to the ABI layout (``str`` to UTF-8
bytes, a sequence or a buffer of matching layout to a packed array, a List<String> to
one UTF-8 blob plus ``RelonStr`` pairs), the result slots are copied out, and the
result handle is released (native) or the wasm heap reset to its mark (wasm), always.
Host byte order is assumed little-endian (the wasm32 layout; x86_64 and aarch64 hosts).
Native calls share no state, so threads call concurrently (ctypes drops the GIL): each
call has its own result slots, and a buffer argument used in place stays exported during
the call, so its owner cannot resize or free it under the callee. A wasm Sandbox is
one single-threaded instance: its calls are serialised by a lock.

Compiled wasm modules are cached on disk, keyed by the sha256 of the ``.wasm``, in
``$XDG_CACHE_HOME/relon-wasm`` (``~/.cache/relon-wasm``); ``RELON_WASM_CACHE`` names
another folder, or ``0`` turns the cache off.
"""

from __future__ import annotations

import array
import contextlib
import ctypes
import hashlib
import importlib
import inspect
import math
import os
import struct
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from importlib import resources
from itertools import accumulate
from pathlib import Path
from types import FunctionType
from typing import Any, Literal, NoReturn, cast

__all__ = [
    "ABI_VERSION",
    "CAPABILITIES",
    "CapabilityDenied",
    "DivisionByZero",
    "EmptyList",
    "HostPanic",
    "HostSpec",
    "IndexOutOfBounds",
    "MainArgTypeMismatch",
    "NumericOverflow",
    "RelonError",
    "RelonLoadError",
    "Rule",
    "RuleSpec",
    "SandboxBase",
    "StepLimitExceeded",
    "Value",
    "load_rule",
]

ABI_VERSION = 1
#: bit ``i`` of a capability mask is ``CAPABILITIES[i]``
CAPABILITIES = ("reads_fs", "writes_fs", "network", "reads_clock", "reads_env", "uses_rng")
Scalar = Literal["Int", "Float", "Bool"]
#: a value type at the entry boundary (docs/abi.md "Strings, lists and tuples")
Value = Literal[
    "Int", "Float", "Bool", "String", "List<Int>", "List<Float>", "List<Bool>", "List<String>"
]
Backend = Literal["native", "wasm"]
_I64_MIN, _I64_MAX = -(1 << 63), (1 << 63) - 1


class RelonError(Exception):
    """Any error a Relon rule call raises; ``.kind`` is the stable Relon error tag."""

    kind = "RelonError"


class NumericOverflow(RelonError, OverflowError):
    """Checked Int arithmetic left the 64-bit range, or an Int argument does not fit in it."""

    kind = "NumericOverflow"


class DivisionByZero(RelonError, ZeroDivisionError):
    """``/`` or ``%`` by zero."""

    kind = "DivisionByZero"


class IndexOutOfBounds(RelonError, IndexError):
    """A list index outside ``0 <= i < len``."""

    kind = "IndexOutOfBounds"


class EmptyList(RelonError, ValueError):
    """``min``/``max``/``first``/``last`` of an empty list."""

    kind = "EmptyList"


class CapabilityDenied(RelonError, PermissionError):
    """A gated host function was called without its capability (grant it: Sandbox(caps=...))."""

    kind = "CapabilityDenied"


class StepLimitExceeded(RelonError, RuntimeError):
    """The step budget (``Sandbox(max_steps=...)``) was exhausted."""

    kind = "StepLimitExceeded"


class MainArgTypeMismatch(RelonError, TypeError):
    """An argument of the wrong Python type, or a missing / unexpected argument."""

    kind = "MainArgTypeMismatch"


class HostPanic(RelonError, RuntimeError):
    """A host function panicked (or the wasm module trapped); the interpreter survives."""

    kind = "HostPanic"


class RelonLoadError(ImportError):
    """The compiled rule cannot be used: missing, stale or built for another loader."""


#: ABI status -> error class (docs/abi.md)
_STATUS_ERRORS: dict[int, type[RelonError]] = {
    1: NumericOverflow,
    2: DivisionByZero,
    3: IndexOutOfBounds,
    4: EmptyList,
    5: CapabilityDenied,
    6: StepLimitExceeded,
    7: HostPanic,
}
_CTYPES: dict[str, type[ctypes.c_int64 | ctypes.c_double | ctypes.c_int32]] = {
    "Int": ctypes.c_int64,
    "Float": ctypes.c_double,
    "Bool": ctypes.c_int32,
}
_PY_TYPES: dict[str, type] = {"Int": int, "Float": float, "Bool": bool}
#: what ``inspect.signature(main)`` shows for a parameter / a result of each type
_PARAM_TYPES: dict[str, object] = {
    **_PY_TYPES,
    "String": str,
    "List<Int>": Sequence[int],
    "List<Float>": Sequence[float],
    "List<Bool>": Sequence[bool],
    "List<String>": Sequence[str],
}
_RESULT_TYPES: dict[str, object] = {
    **_PY_TYPES,
    "String": str,
    "List<Int>": list[int],
    "List<Float>": list[float],
    "List<Bool>": list[bool],
    "List<String>": list[str],
}
# Bounds of the fast argument check ``type(a) is t and lo <= a <= hi``: NaN fails it on
# purpose and takes the slow path, which accepts it.
_FAST_BOUNDS: dict[str, tuple[object, object]] = {
    "Int": (_I64_MIN, _I64_MAX),
    "Float": (-math.inf, math.inf),
    "Bool": (False, True),
}
_REBUILD = "rebuild the package (pip install . again, or pip install -e . for an editable install)"


@dataclass(frozen=True, slots=True)
class HostSpec:
    """A gated host function: wasm import ``env.<name>``, native export ``P_host_<name>``."""

    name: str
    params: tuple[Scalar, ...]
    result: Scalar
    capabilities: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """What a generated module knows about its compiled rule (plain, ``repr``-able data)."""

    module: str
    prefix: str
    params: tuple[tuple[str, Value], ...]
    result: Value | tuple[Value, ...]  # a tuple for a tuple-returning rule
    source_hash: int
    doc: str
    gated_hosts: tuple[HostSpec, ...]


def _fail(status: int) -> NoReturn:
    error = _STATUS_ERRORS.get(status)
    if error is None:
        raise HostPanic(f"the compiled rule returned unknown status {status}; {_REBUILD}")
    raise error(error.__doc__)


class _Slots(threading.local):
    """One result slot per type and thread (ctypes drops the GIL during a call).

    Each is ``(slot, byref(slot))``: passing a prebuilt byref is the cheapest way to hand
    ctypes a pointer (an instance for a POINTER argtype costs ~0.1 us more a call).
    """

    def __init__(self) -> None:
        self.Int = _slot(ctypes.c_int64())
        self.Float = _slot(ctypes.c_double())
        self.Bool = _slot(ctypes.c_int32())


def _slot(value: ctypes.c_int64 | ctypes.c_double | ctypes.c_int32) -> tuple[Any, Any]:
    return value, ctypes.byref(value)


_SLOTS = _Slots()
_MISSING = object()


class _Args:
    """Binds and checks ``main`` arguments; the slow path behind the generated fast check."""

    def __init__(self, spec: RuleSpec) -> None:
        self.names = tuple(name for name, _ in spec.params)
        self.kinds = tuple(kind for _, kind in spec.params)
        self.index = {name: i for i, name in enumerate(self.names)}
        self.converters = tuple(_converter(name, kind) for name, kind in spec.params)

    def bind(self, args: tuple[object, ...], kwargs: dict[str, object]) -> tuple[object, ...]:
        """Positional + keyword arguments -> a tuple in ``#main`` order."""
        count = len(self.names)
        if len(args) > count:
            raise MainArgTypeMismatch(f"main() takes {count} arguments but {len(args)} were given")
        values = [*args, *[_MISSING] * (count - len(args))]
        for key, value in kwargs.items():
            i = self.index.get(key)
            if i is None:
                raise MainArgTypeMismatch(f"main() got an unexpected keyword argument {key!r}")
            if values[i] is not _MISSING:
                raise MainArgTypeMismatch(f"main() got multiple values for argument {key!r}")
            values[i] = value
        missing = [n for n, v in zip(self.names, values, strict=True) if v is _MISSING]
        if missing:
            raise MainArgTypeMismatch(f"main() missing required arguments: {', '.join(missing)}")
        return tuple(values)

    def convert(self, args: tuple[object, ...]) -> tuple[object, ...]:
        """Check each argument against its Relon type; exact ``int``/``float``/``bool`` out."""
        return tuple(
            _convert(name, kind, value)
            for name, kind, value in zip(self.names, self.kinds, args, strict=True)
        )


def _convert(name: str, kind: str, value: object) -> object:
    # type(), not isinstance(): an object can fake __class__; int.__index__ etc. read the
    # real value of a subclass instance without running its overrides.
    cls = type(value)
    if kind == "Bool" and cls is bool:
        return value
    if kind != "Bool" and issubclass(cls, int) and cls is not bool:
        number = int.__index__(cast("int", value))
        if kind == "Float":
            try:
                return float(number)
            except OverflowError:
                raise NumericOverflow(
                    f"main() argument {name!r} is too large for a Float"
                ) from None
        if not _I64_MIN <= number <= _I64_MAX:
            # no value in the message: str() of a huge int raises ValueError
            raise NumericOverflow(f"main() argument {name!r} does not fit in an Int (i64)")
        return number
    if kind == "Float" and issubclass(cls, float):
        return float.__float__(cast("float", value))
    expected = _PY_TYPES[kind].__name__
    raise MainArgTypeMismatch(
        f"main() argument {name!r} must be {expected} (Relon {kind}), not {cls.__name__}"
    )


# --- String and List arguments (docs/abi.md "Strings, lists and tuples") ---------------
# A converted String is its UTF-8 ``bytes``; a List<Int/Float/Bool> is a _Packed tuple; a
# List<String> is ``(utf8_blob, byte_lengths)``. Each owns the memory its pointer names,
# so the memory lives as long as the converted argument tuple (the whole call).

#: (pointer for ctypes or memmove: bytes, ctypes array or address; count; bytes; owner)
_Packed = tuple[object, int, int, object]
_Texts = tuple[bytes, list[int]]
#: element type code of the packed layout of each List (array module codes)
_PACKED_CODES = {"List<Int>": "q", "List<Float>": "d", "List<Bool>": "B"}
_ELEMENTS: dict[str, Scalar] = {"List<Int>": "Int", "List<Float>": "Float", "List<Bool>": "Bool"}
_ITEMSIZES = {"List<Int>": 8, "List<Float>": 8, "List<Bool>": 1}
# buffer formats that already are the ABI layout (memoryview.format, itemsize checked too)
_LAYOUTS = {
    "List<Int>": frozenset(f"{order}{code}" for order in ("", "@", "=", "<") for code in "ql"),
    "List<Float>": frozenset(("d", "@d", "=d", "<d")),
    "List<Bool>": frozenset(("?", "B", "@?", "@B", "=?", "=B", "<?", "<B")),
}
# the fast element check: a list whose element types are all in here packs in one C call
_PACKABLE = {
    "List<Int>": frozenset((int,)),
    "List<Float>": frozenset((int, float)),
    "List<Bool>": frozenset((bool,)),
}
_ITEMS = {"List<Int>": "int", "List<Float>": "float", "List<Bool>": "bool", "List<String>": "str"}


def _converter(name: str, kind: Value) -> Callable[[Any], object]:
    """``value -> converted value`` for parameter ``name`` (the compound-rule path)."""
    # partial(), not a lambda: one Python frame less on every call
    if kind == "String":
        return partial(_text, name)
    if kind == "List<String>":
        return partial(_texts, name)
    if kind in _PACKED_CODES:
        return partial(_numbers, name, kind)
    scalar = cast("Scalar", kind)
    exact = _PY_TYPES[scalar]
    low, high = cast("tuple[Any, Any]", _FAST_BOUNDS[scalar])

    def convert(value: Any) -> object:
        if type(value) is exact and low <= value <= high:
            return value
        return _convert(name, scalar, value)

    return convert


def _text(name: str, value: object) -> bytes:
    if not issubclass(type(value), str):
        raise MainArgTypeMismatch(
            f"main() argument {name!r} must be str (Relon String), not {type(value).__name__}"
        )
    try:
        return str.encode(cast("str", value))  # the str method: no subclass override runs
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


def _items(name: str, kind: str, value: object) -> Sequence[object]:
    if isinstance(value, (list, tuple)):
        return value
    if isinstance(value, Sequence) and not isinstance(value, str):
        return list(value)
    raise _not_a_list(name, kind, value)


def _numbers(name: str, kind: str, value: object) -> _Packed:
    """A List<Int/Float/Bool> argument in the ABI layout, without a Python loop if it can."""
    if type(value) is list or type(value) is tuple:  # the common case, first
        return _pack(name, kind, value)
    if isinstance(value, str):
        raise _not_a_list(name, kind, value)
    try:
        view = memoryview(value)  # type: ignore[arg-type]
    except TypeError:
        return _pack(name, kind, _items(name, kind, value))
    if view.ndim != 1:
        raise MainArgTypeMismatch(
            f"main() argument {name!r} must be one-dimensional (Relon {kind}),"
            f" not a {view.ndim}-dimensional buffer"
        )
    if view.format in _LAYOUTS[kind] and view.itemsize == _ITEMSIZES[kind]:
        return _shared(name, kind, view)
    try:  # another layout: check each value like a list's
        items = view.tolist()
    except (NotImplementedError, ValueError):  # e.g. a struct format
        raise MainArgTypeMismatch(
            f"main() argument {name!r} is a buffer of format {view.format!r},"
            f" not a sequence of {_ITEMS[kind]} (Relon {kind})"
        ) from None
    return _pack(name, kind, items)


def _shared(name: str, kind: str, view: memoryview) -> _Packed:
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


def _pack(name: str, kind: str, items: Sequence[object]) -> _Packed:
    element = _ELEMENTS[kind]
    if not set(map(type, items)) <= _PACKABLE[kind]:
        items = [_convert(f"{name}[{i}]", element, item) for i, item in enumerate(items)]
    try:
        packed = array.array(_PACKED_CODES[kind], cast("Sequence[int]", items))
    except OverflowError:
        what = "is too large for a Float" if element == "Float" else "does not fit in an Int (i64)"
        raise NumericOverflow(f"an int in main() argument {name!r} {what}") from None
    count = len(packed)
    return packed.buffer_info()[0], count, count * packed.itemsize, packed


def _texts(name: str, value: object) -> _Texts:
    """A List<String> argument: one UTF-8 blob and the byte length of each element."""
    items = _items(name, "List<String>", value)
    try:
        encoded = list(map(str.encode, cast("Sequence[str]", items)))
    except (TypeError, UnicodeEncodeError):  # find the culprit, for the message
        encoded = [_text(f"{name}[{i}]", item) for i, item in enumerate(items)]
    return b"".join(encoded), list(map(len, encoded))


def _relon_strs(blob_address: int, lengths: list[int]) -> array.array[int]:
    """The ``RelonStr`` array of a blob at ``blob_address`` (pointer, length pairs).

    On wasm32 a pointer is 4 bytes plus 4 bytes of padding, which is what the low half
    of a little-endian int64 holding a 32-bit address is.
    """
    starts = array.array("q", accumulate(lengths, initial=blob_address))
    starts.pop()
    pairs = array.array("q", bytes(16 * len(lengths)))
    pairs[0::2] = starts
    pairs[1::2] = array.array("q", lengths)
    return pairs


def _size(kind: str, value: object) -> int:
    """Bytes of linear memory a converted argument needs on wasm32 (8-aligned)."""
    if kind == "String":
        return _align(len(cast("bytes", value)))
    if kind == "List<String>":
        blob, lengths = cast("_Texts", value)
        return _align(len(blob)) + 16 * len(lengths)
    if kind in _PACKED_CODES:
        return _align(cast("_Packed", value)[2])
    return 0


def _align(size: int) -> int:
    return (size + 7) & ~7


# --- reading results --------------------------------------------------------------------
_WASM32_POINTER = 0xFFFF_FFFF
_ELEMENT_CTYPES: dict[str, type[ctypes.c_int64 | ctypes.c_double | ctypes.c_bool]] = {
    "List<Int>": ctypes.c_int64,
    "List<Float>": ctypes.c_double,
    "List<Bool>": ctypes.c_bool,
}


def _results_of(spec: RuleSpec) -> tuple[Value, ...]:
    return spec.result if isinstance(spec.result, tuple) else (spec.result,)


def _has_handle(results: tuple[Value, ...]) -> bool:
    """Whether the result slots are followed by a result handle slot."""
    return any(kind not in _CTYPES for kind in results)


class _Results:
    """How to read a compound rule's result slots (and its handle slot, if any)."""

    __slots__ = ("handle", "kinds", "single", "words")

    def __init__(self, spec: RuleSpec) -> None:
        self.kinds = _results_of(spec)
        self.single = not isinstance(spec.result, tuple)
        self.handle = _has_handle(self.kinds)
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
        pointer &= _WASM32_POINTER
        if count < 0 or pointer + count * size > limit:
            raise HostPanic(f"the compiled rule returned a value outside its memory; {_REBUILD}")
    elif count < 0:
        raise HostPanic(f"the compiled rule returned a negative length; {_REBUILD}")
    return base + pointer


def _bytes_at(pointer: int, count: int, memory: tuple[int, int]) -> bytes:
    address = _address(pointer, count, 1, memory)
    return ctypes.string_at(address, count) if count else b""


def _entry_source(count: int, result: str, *, native: bool, sandboxed: bool) -> str:
    """Python text of a ``make(...)`` that returns an unrolled ``main(*args, **kwargs)``.

    Like ``collections.namedtuple`` we compile a small template: a generic loop over the
    arguments costs ~1 us per call, the unrolled check ~0.2 us (benchmarks/loader_overhead.py).
    Only generated names (``a0``, ``t0``...) appear in the text, never user data.
    """
    names = [f"a{i}" for i in range(count)]
    consts = [f"{p}{i}" for i in range(count) for p in ("t", "lo", "hi")]
    header = ", ".join(["target", "caps", "steps", "bind", "convert", "slots", *consts])
    lines = [f"def make({header}):", "    def main(*args, **kwargs):"]
    lines += [
        f"        if kwargs or len(args) != {count}:",
        "            args = bind(args, kwargs)",
    ]
    if count:
        unpack = ", ".join(names) + ","
        cond = " and ".join(f"type(a{i}) is t{i} and lo{i} <= a{i} <= hi{i}" for i in range(count))
        lines += [f"        {unpack} = args", f"        if not ({cond}):"]
        lines += [f"            {unpack} = convert(args)"]
    if not native:
        lines.append(f"        return target({', '.join(['caps', 'steps', *names])})")
    else:
        call = ["caps", "steps", *names, "ref"] if sandboxed else [*names, "ref"]
        ret = "out.value != 0" if result == "Bool" else "out.value"
        lines += [
            f"        out, ref = slots.{result}",
            f"        status = target({', '.join(call)})",
        ]
        lines += ["        if status:", "            fail(status)", f"        return {ret}"]
    lines.append("    return main")
    return "\n".join(lines) + "\n"


_MAKERS: dict[tuple[int, str, bool, bool], Callable[..., FunctionType]] = {}


def _maker(
    count: int, result: str, *, native: bool, sandboxed: bool
) -> Callable[..., FunctionType]:
    key = (count, result, native, sandboxed)
    if key not in _MAKERS:
        namespace: dict[str, object] = {"fail": _fail}
        source = _entry_source(count, result, native=native, sandboxed=sandboxed)
        exec(compile(source, f"<relon entry {key}>", "exec"), namespace)
        _MAKERS[key] = cast("Callable[..., FunctionType]", namespace["make"])
    return _MAKERS[key]


def _is_scalar(spec: RuleSpec) -> bool:
    """Whether ``spec`` takes the unrolled scalar entry (no String, List or tuple)."""
    kinds = [kind for _, kind in spec.params]
    return not isinstance(spec.result, tuple) and all(k in _CTYPES for k in [*kinds, spec.result])


def _make_entry(
    rule: Rule, target: object, caps: int, steps: int, *, native: bool, sandboxed: bool
) -> Callable[..., object]:
    spec = rule.spec
    consts: list[object] = []
    for _, kind in spec.params:
        consts += [_PY_TYPES[kind], *_FAST_BOUNDS[kind]]
    result = cast("str", spec.result)
    make = _maker(len(spec.params), result, native=native, sandboxed=sandboxed)
    entry = make(target, caps, steps, rule.args.bind, rule.args.convert, _SLOTS, *consts)
    return _describe(entry, rule, sandboxed=sandboxed)


def _compound_entry(
    rule: Rule, run: Callable[[list[object]], object], *, sandboxed: bool
) -> Callable[..., object]:
    """``main`` of a String/List/tuple rule: bind, convert each argument, ``run``."""
    count, bind, converters = len(rule.spec.params), rule.args.bind, rule.args.converters

    def main(*args: object, **kwargs: object) -> object:
        if kwargs or len(args) != count:
            args = bind(args, kwargs)
        return run([convert(value) for convert, value in zip(converters, args, strict=True)])

    return _describe(main, rule, sandboxed=sandboxed)


def _describe(entry: Any, rule: Rule, *, sandboxed: bool) -> Callable[..., object]:
    spec = rule.spec
    entry.__name__, entry.__qualname__ = "main", "Sandbox.main" if sandboxed else "main"
    entry.__doc__ = rule.docstring
    entry.__module__ = spec.module
    entry.__dict__["__signature__"] = rule.signature  # what inspect.signature() reports
    entry.__annotations__ = {n: _PARAM_TYPES[k] for n, k in spec.params}
    entry.__annotations__["return"] = rule.signature.return_annotation
    return cast("Callable[..., object]", entry)


def _signature(spec: RuleSpec) -> inspect.Signature:
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    try:
        params = [inspect.Parameter(n, kind, annotation=_PARAM_TYPES[k]) for n, k in spec.params]
    except ValueError:  # a Relon name that is a Python keyword: still callable via **kwargs
        params = []
    if isinstance(spec.result, tuple):
        result: object = tuple.__class_getitem__(tuple(_RESULT_TYPES[k] for k in spec.result))
    else:
        result = _RESULT_TYPES[spec.result]
    return inspect.Signature(params, return_annotation=result)


def _docstring(spec: RuleSpec) -> str:
    params = ", ".join(f"{kind} {name}" for name, kind in spec.params)
    result = spec.result
    text = f"({', '.join(result)})" if isinstance(result, tuple) else result
    head = f"#main({params}) -> {text}"
    return f"{head}\n\n{spec.doc}" if spec.doc else head


class _NativeCall:
    """``converted arguments -> result`` through one native entry of a compound rule."""

    __slots__ = ("fn", "kinds", "prefix", "release", "results")

    def __init__(
        self, fn: Callable[..., int], native: _Native, spec: RuleSpec, prefix: tuple[int, ...]
    ) -> None:
        self.fn, self.prefix = fn, prefix
        self.kinds = tuple(kind for _, kind in spec.params)
        self.results = _Results(spec)
        self.release = native.release

    def __call__(self, values: list[object]) -> object:
        args: list[object] = list(self.prefix)
        keep = []  # RelonStr arrays built here (the rest is owned by ``values``)
        for kind, value in zip(self.kinds, values, strict=True):
            if kind in _CTYPES:
                args.append(value)
            elif kind == "String":
                args += (value, len(cast("bytes", value)))
            elif kind == "List<String>":
                blob, lengths = cast("_Texts", value)
                # c_char_p of a bytes object points at the object's own buffer
                address = ctypes.cast(ctypes.c_char_p(blob), ctypes.c_void_p).value or 0
                pairs = _relon_strs(address, lengths)
                keep.append(pairs)
                args += (pairs.buffer_info()[0] if lengths else _EMPTY, len(lengths))
            else:
                pointer, count, _, _ = cast("_Packed", value)
                args += (pointer if count else _EMPTY, count)
        out = self.results.words()  # 8-aligned, per call: threads never share it
        args.append(out)
        status = self.fn(*args)
        if status:
            _fail(status)
        return self.results.take(ctypes.addressof(out), _NATIVE_MEMORY, self.release)


#: a valid pointer for an empty String/List (the callee reads no byte of it)
_EMPTY = (ctypes.c_int64 * 2)()
_NATIVE_MEMORY = (0, -1)


def _resource(package: str, name: str) -> Path:
    path = resources.files(package).joinpath(name)
    if not isinstance(path, Path):
        raise RelonLoadError(
            f"{package}/{name} is not a file on disk; install the package unzipped"
        )
    if not path.is_file():
        raise RelonLoadError(f"{path} is missing; {_REBUILD}")
    return path


def _check_source(spec: RuleSpec, check_source: str) -> None:
    """Editable installs: the ``.relon`` next to the module must be what was compiled."""
    path = _resource(spec.module.rpartition(".")[0] or spec.module, check_source)
    raw = path.read_bytes().decode("utf-8", errors="replace")
    # the compiler may have read the text with universal newlines: accept either form
    for text in (raw, raw.replace("\r\n", "\n").replace("\r", "\n")):
        digest = hashlib.sha256(text.encode()).digest()[:8]
        if int.from_bytes(digest, "big", signed=True) == spec.source_hash:
            return
    raise RelonLoadError(f"{path} changed since it was compiled; {_REBUILD}")


def _check_library(what: str, version: int, source_hash: int, spec: RuleSpec) -> None:
    if version != ABI_VERSION:
        raise RelonLoadError(
            f"{what} has entry ABI version {version}, this loader needs {ABI_VERSION}; {_REBUILD}"
        )
    if source_hash != spec.source_hash:
        raise RelonLoadError(
            f"{what} was compiled from another version of {spec.module}; {_REBUILD}"
        )


_LIBRARIES: dict[Path, ctypes.CDLL] = {}
_LOCK = threading.Lock()


def _native_library(path: Path) -> ctypes.CDLL:
    with _LOCK:
        if path not in _LIBRARIES:
            try:
                lib = ctypes.CDLL(str(path))
                abi = lib.relon_abi_version
            except (OSError, AttributeError) as exc:
                raise RelonLoadError(f"cannot load {path} ({exc}); {_REBUILD}") from None
            abi.argtypes, abi.restype = [], ctypes.c_int32
            _LIBRARIES[path] = lib
        return _LIBRARIES[path]


def _function(
    lib: ctypes.CDLL, name: str, params: Iterable[str], result: str | None
) -> Callable[..., int]:
    """``lib.<name>`` with argtypes set (a trailing out pointer when ``result`` is given).

    A String or List parameter is two arguments, pointer and length; ``result`` is a
    scalar type (typed out slot) or ``"Slots"`` (result slots of a compound rule).
    """
    try:
        fn = lib[name]
    except AttributeError:
        raise RelonLoadError(f"{lib._name} has no {name}; {_REBUILD}") from None
    argtypes: list[type] = []
    for p in params:
        argtypes += [_CTYPES[p]] if p in _CTYPES else [ctypes.c_void_p, ctypes.c_int64]
    if result == "Slots":
        argtypes.append(ctypes.c_void_p)
    elif result is not None:
        argtypes.append(ctypes.POINTER(_CTYPES[result]))
    fn.argtypes = argtypes
    fn.restype = ctypes.c_int32 if result is not None else ctypes.c_int64
    return fn


@dataclass(frozen=True, slots=True)
class _Native:
    """The native entries of one rule, argtypes set once."""

    main: Callable[..., int]
    call: Callable[..., int]
    hosts: dict[str, Callable[..., int]]
    release: Callable[[int], object] | None  # relon_release, for rules with a result handle


def _load_native(spec: RuleSpec, path: Path) -> _Native:
    lib = _native_library(path)
    kinds = [kind for _, kind in spec.params]
    source_hash = _function(lib, f"{spec.prefix}_hash", [], None)
    _check_library(str(path), lib.relon_abi_version(), source_hash(), spec)
    hosts = {
        h.name: _function(lib, f"{spec.prefix}_host_{h.name}", h.params, h.result)
        for h in spec.gated_hosts
    }
    result = cast("str", spec.result) if _is_scalar(spec) else "Slots"
    main = _function(lib, f"{spec.prefix}_main", kinds, result)
    call = _function(lib, f"{spec.prefix}_call", ["Int", "Int", *kinds], result)
    release = None
    if _has_handle(_results_of(spec)):
        fn: Any = _function(lib, "relon_release", ["Int"], None)
        fn.restype = None
        release = fn
    return _Native(main=main, call=call, hosts=hosts, release=release)


class Rule:
    """One loaded rule: its native entries, ``main`` and the ``Sandbox`` class."""

    def __init__(self, spec: RuleSpec, native_path: Path | None, wasm_path: Path | None) -> None:
        self.spec = spec
        self.args = _Args(spec)
        self.docstring = _docstring(spec)
        self.signature = _signature(spec)
        self.native = None if native_path is None else _load_native(spec, native_path)
        self.wasm_path = wasm_path
        namespace = {"_rule": self, "__module__": spec.module, "__doc__": _SANDBOX_DOC}
        self.sandbox: type[SandboxBase] = type("Sandbox", (SandboxBase,), namespace)
        self.scalar = _is_scalar(spec)
        if self.native is not None and self.scalar:
            self.main = _make_entry(self, self.native.main, 0, -1, native=True, sandboxed=False)
        elif self.native is not None:
            run = _NativeCall(self.native.main, self.native, spec, ())
            self.main = _compound_entry(self, run, sandboxed=False)
        else:  # a wasm-only build: main runs the .wasm asset
            self.main = self.sandbox(backend="wasm").main


_SANDBOX_DOC = """Run ``main`` with capabilities, a step budget and a backend.

``caps``: capability names granted; ``max_steps``: step budget of one call (None:
unlimited); ``backend``: "native" (the shared library) or "wasm" (wasmtime).
"""


class SandboxBase:
    """Base of each rule module's ``Sandbox`` (the subclass carries the rule)."""

    __slots__ = ("_wasm", "backend", "caps", "main", "max_steps")
    _rule: Rule

    def __init__(
        self, caps: Iterable[str] = (), max_steps: int | None = None, backend: Backend = "native"
    ) -> None:
        self.caps = _check_caps(caps)
        self.max_steps = _check_steps(max_steps)
        if backend not in ("native", "wasm"):
            raise ValueError(f"backend must be 'native' or 'wasm', not {backend!r}")
        self.backend: Backend = backend
        mask = sum(1 << CAPABILITIES.index(c) for c in self.caps)
        steps = -1 if max_steps is None else max_steps
        rule = self._rule
        if backend == "wasm":
            self._wasm: _WasmInstance | None = _WasmInstance(rule, self.caps)
            self.main = self._wasm.entry(mask, steps)
            return
        self._wasm = None
        native = rule.native
        if native is None:
            raise RelonLoadError(f"{rule.spec.module} was built without the native target")
        if rule.scalar:
            self.main = _make_entry(rule, native.call, mask, steps, native=True, sandboxed=True)
        else:
            run = _NativeCall(native.call, native, rule.spec, (mask, steps))
            self.main = _compound_entry(rule, run, sandboxed=True)

    def __repr__(self) -> str:
        caps = sorted(self.caps)
        return f"Sandbox(caps={caps!r}, max_steps={self.max_steps!r}, backend={self.backend!r})"


def _check_caps(caps: Iterable[str]) -> frozenset[str]:
    if isinstance(caps, (str, bytes)) or not isinstance(caps, Iterable):
        raise TypeError(f"caps must be an iterable of capability names, not {type(caps).__name__}")
    names = frozenset(caps)
    unknown = sorted(repr(c) for c in names if c not in CAPABILITIES)
    if unknown:
        raise ValueError(
            f"unknown capabilities {', '.join(unknown)}; known: {', '.join(CAPABILITIES)}"
        )
    return names


def _check_steps(max_steps: int | None) -> int | None:
    if max_steps is None:
        return None
    if type(max_steps) is bool or not isinstance(max_steps, int):
        raise TypeError(f"max_steps must be an int or None, not {type(max_steps).__name__}")
    if not 0 <= max_steps <= _I64_MAX:
        raise ValueError(f"max_steps must be between 0 and {_I64_MAX} (None: unlimited)")
    return int(max_steps)


def load_rule(
    spec: RuleSpec,
    *,
    package: str,
    library: str | None,
    wasm: str | None,
    check_source: str | None,
) -> Rule:
    """Load the compiled rule ``spec`` from the files of ``package``.

    :raises RelonLoadError: a file is missing or does not match ``spec`` (rebuild).
    """
    if check_source is not None:
        _check_source(spec, check_source)
    native_path = None if library is None else _resource(package, library)
    wasm_path = None if wasm is None else _resource(package, wasm)
    if native_path is None and wasm_path is None:
        raise RelonLoadError(f"{spec.module} was built for no target; {_REBUILD}")
    return Rule(spec, native_path, wasm_path)


# --- wasm backend (wasmtime, imported on first use) -------------------------------------
# wasmtime is reached through importlib so that the user's mypy does not need it installed.

_WASM_TYPES = {"Int": "i64", "Float": "f64", "Bool": "i32", "Ptr": "i32"}
_WASM_STATE: dict[str, Any] = {}  # "engine" and "module:<path>" entries, under _LOCK
_WASM_STACK_BYTES = 2 << 20  # native stack wasm code may use (see _compiled_module)


def _wasmtime() -> Any:
    try:
        return importlib.import_module("wasmtime")
    except ImportError:
        raise RelonLoadError(
            "Sandbox(backend='wasm') needs wasmtime: pip install wasmtime"
        ) from None


def _cache_dir() -> Path | None:
    """Where compiled modules are kept across processes; RELON_WASM_CACHE=0 disables it."""
    setting = os.environ.get("RELON_WASM_CACHE", "")
    if setting.lower() in ("0", "off", "no", "false"):
        return None
    if setting:
        return Path(setting)
    try:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    except RuntimeError:  # no home directory: no cache
        return None
    return Path(base) / "relon-wasm"


def _compiled_module(wt: Any, path: Path) -> tuple[Any, Any]:
    """(Engine, Module) of ``path``: one Engine and one compile per process."""
    with _LOCK:
        if "engine" not in _WASM_STATE:
            config = wt.Config()
            # MAX_CALL_DEPTH (10,000) nested calls must fit: the default (512 KiB) traps
            # at ~4,000. 2 MiB is wasmtime's ceiling (above its async stack size Engine
            # creation panics); the thread's stack must have that much room left.
            config.max_wasm_stack = _WASM_STACK_BYTES
            _WASM_STATE["engine"] = wt.Engine(config)
        engine, key = _WASM_STATE["engine"], f"module:{path}"
        if key not in _WASM_STATE:
            _WASM_STATE[key] = _compile(wt, engine, path.read_bytes())
        return engine, _WASM_STATE[key]


def _compile(wt: Any, engine: Any, data: bytes) -> Any:
    cache = _cache_dir()
    # wasmtime's serialized form embeds its version and engine settings and
    # deserialize() rejects a mismatch; the content hash keys the source bytes.
    cached = None if cache is None else cache / f"{hashlib.sha256(data).hexdigest()}.cwasm"
    if cached is not None and cached.is_file():
        # Read the bytes rather than deserialize_file(): that one mmaps the file, and
        # if anything later truncates it in place the process dies with SIGBUS.
        with contextlib.suppress(OSError, wt.WasmtimeError):
            # a stale or foreign entry (another wasmtime version): compile and overwrite
            return wt.Module.deserialize(engine, cached.read_bytes())
    try:
        module = wt.Module(engine, data)
    except wt.WasmtimeError as exc:
        raise RelonLoadError(f"the .wasm asset is invalid ({exc}); {_REBUILD}") from None
    if cached is not None:
        with contextlib.suppress(OSError):  # a read-only cache only costs a compile
            cached.parent.mkdir(parents=True, exist_ok=True)
            temp = cached.with_name(f"{cached.name}.{os.getpid()}.{threading.get_ident()}.tmp")
            temp.write_bytes(module.serialize())
            temp.replace(cached)
            _prune(cached.parent)
    return module


def _prune(cache: Path, keep: int = 64) -> None:
    """Keep the ``keep`` most recently written modules (every rebuild adds one)."""
    entries = sorted(cache.glob("*.cwasm"), key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in entries[keep:]:
        stale.unlink(missing_ok=True)


class _WasmInstance:
    """A Store + Instance of one rule's ``.wasm`` for one Sandbox (calls serialised by a lock).

    wasmtime-py 50's only public call, ``Func.__call__``, re-reads the function type and
    boxes every value (~60 us a call here; it has no typed or cached-type call). When
    wasmtime-py still has the internals we rely on, calls go through
    ``wasmtime_func_call_unchecked`` with a preallocated raw-value array (~2 us, see
    benchmarks/loader_overhead.py), else through ``Func.__call__``. Unchecked is sound
    because the export's type is checked against the ABI, with the public API, first.

    Compound rules bracket each call with ``relon_heap_mark``/``relon_heap_reset`` and
    place their inputs and result slots in one ``relon_alloc`` block (docs/abi.md).
    """

    def __init__(self, rule: Rule, caps: frozenset[str]) -> None:
        spec = rule.spec
        if rule.wasm_path is None:
            raise RelonLoadError(f"{spec.module} was built without the wasm32 target")
        if spec.gated_hosts and rule.native is None:
            raise RelonLoadError(f"{spec.module}'s host functions need the native library")
        self._rule, self._caps = rule, caps
        self._wt = _wasmtime()
        self._engine, self._module = _compiled_module(self._wt, rule.wasm_path)
        self._lock = threading.Lock()
        params: list[str] = []
        for _, kind in spec.params:
            params += [kind] if kind in _CTYPES else ["Ptr", "Int"]
        self._kinds = ("Int", "Int", *params, "Ptr")
        self._results = _Results(spec)
        self._param_kinds = tuple(kind for _, kind in spec.params)
        # the result slots, then the handle slot if any (relon_release is a no-op on wasm32)
        self._out_size = ctypes.sizeof(self._results.words)
        self._out = _CTYPES.get(cast("str", spec.result)) if rule.scalar else None
        self._pending: RelonError | None = None  # set by a host import that raises
        self._instantiate()

    def entry(self, caps: int, steps: int) -> Callable[..., object]:
        """``main`` of a Sandbox granted capability mask ``caps`` and budget ``steps``."""
        rule = self._rule
        if rule.scalar:
            return _make_entry(rule, self.call, caps, steps, native=False, sandboxed=True)
        return _compound_entry(
            rule, lambda values: self.call_values(caps, steps, values), sandboxed=True
        )

    def _instantiate(self) -> None:
        wt, spec = self._wt, self._rule.spec
        self._store = store = wt.Store(self._engine)
        hosts = {h.name: h for h in spec.gated_hosts}
        imports = []
        for item in self._module.imports:
            if item.module != "env" or not isinstance(item.type, wt.FuncType):
                raise RelonLoadError(f"the .wasm imports {item.module}.{item.name}; {_REBUILD}")
            host = hosts.get(item.name)
            # one .wasm serves every rule of the package: other rules' hosts are never
            # called by this rule's code, so a stub that reports a panic is enough
            imports.append(self._host_func(host) if host else self._absent(item.name, item.type))
        try:
            exports = wt.Instance(store, self._module, imports).exports(store)
            get = _exports(exports)
            self._func, self._memory = get(f"{spec.prefix}_call"), get("memory")
            scratch = get("relon_scratch")(store)
            abi, source_hash = get("relon_abi_version")(store), get(f"{spec.prefix}_hash")(store)
            heap = [] if self._rule.scalar else [get(name) for name, _, _ in _HEAP_EXPORTS]
        except (wt.WasmtimeError, wt.Trap) as exc:
            raise RelonLoadError(
                f"cannot instantiate the .wasm asset ({exc}); {_REBUILD}"
            ) from None
        _check_library("the .wasm asset", abi, source_hash, spec)
        self._check_type(f"{spec.prefix}_call", self._func, self._kinds, ("Bool",))
        if not 0 <= scratch <= self._memory.data_len(store) - 8:
            raise RelonLoadError(f"relon_scratch() is outside memory; {_REBUILD}")
        self._scratch = scratch
        self._poisoned = False
        self._fast = _fast_path(wt, store, self._func, self._kinds, "Bool")
        self._heap: list[tuple[Any, Callable[[tuple[object, ...]], Any] | None]] = []
        for func, (name, params, results) in zip(heap, _HEAP_EXPORTS, strict=False):
            self._check_type(name, func, params, results)
            fast = _fast_path(wt, store, func, params, results[0] if results else None)
            self._heap.append((func, fast))

    def _check_type(
        self, name: str, func: Any, params: tuple[str, ...], results: tuple[str, ...]
    ) -> None:
        if not isinstance(func, self._wt.Func):
            raise RelonLoadError(f"the .wasm export {name} is no function")
        ty = func.type(self._store)
        got = ([str(p) for p in ty.params], [str(r) for r in ty.results])
        if got != ([_WASM_TYPES[k] for k in params], [_WASM_TYPES[k] for k in results]):
            raise RelonLoadError(
                f"the .wasm export {name} has type {got[0]} -> {got[1]}; {_REBUILD}"
            )

    def _host_func(self, host: HostSpec) -> Any:
        wt, caps, needed = self._wt, self._caps, frozenset(host.capabilities)
        native = self._rule.native
        assert native is not None, "checked in __init__"
        fn, out_type = native.hosts[host.name], _CTYPES[host.result]

        def call(*args: object) -> object:
            if not needed <= caps:
                self._raise(CapabilityDenied(f"host function {host.name} needs {sorted(needed)}"))
            out = out_type()
            status = fn(*args, out)
            if status:
                self._raise(HostPanic(f"host function {host.name} panicked"))
            return out.value

        valtype = {k: getattr(wt.ValType, v)() for k, v in _WASM_TYPES.items()}
        ty = wt.FuncType([valtype[p] for p in host.params], [valtype[host.result]])
        return wt.Func(self._store, ty, call)

    def _absent(self, name: str, ty: Any) -> Any:
        def call(*_args: object) -> NoReturn:
            self._raise(HostPanic(f"host function {name} is not available here"))

        return self._wt.Func(self._store, ty, call)

    def call(self, *values: object) -> object:
        """Run ``P_call(caps, steps, *args, scratch)``; ``values`` are checked scalars."""
        assert self._out is not None, "a scalar rule"
        with self._lock:
            if self._poisoned:  # a trap may leave the shadow stack unwound: start afresh
                self._instantiate()
            args = (*values, self._scratch)
            status = self._invoke(self._func, self._fast, args)
            if status:
                _fail(status)
            # re-read each call: memory.grow may move it; addressof() is 10x cheaper than cast()
            base = ctypes.addressof(self._memory.data_ptr(self._store).contents)
            value = self._out.from_address(base + self._scratch).value
        return value != 0 if self._out is ctypes.c_int32 else value

    def call_values(self, caps: int, steps: int, values: list[object]) -> object:
        """Run a compound rule on converted arguments (see :func:`_converter`)."""
        with self._lock:
            if self._poisoned:
                self._instantiate()
            (mark_fn, mark_fast), _, (reset_fn, reset_fast) = self._heap
            mark = self._invoke(mark_fn, mark_fast, ())
            try:
                return self._run(caps, steps, values)
            finally:
                if not self._poisoned:  # a trapped instance is rebuilt, not reset
                    self._invoke(reset_fn, reset_fast, (mark,))

    def _run(self, caps: int, steps: int, values: list[object]) -> object:
        kinds = self._param_kinds
        sizes = [_size(kind, value) for kind, value in zip(kinds, values, strict=True)]
        total = self._out_size + sum(sizes)
        if total > _WASM32_POINTER:
            raise StepLimitExceeded("the arguments do not fit in wasm32 memory (4 GiB)")
        alloc_fn, alloc_fast = self._heap[1]
        block = self._invoke(alloc_fn, alloc_fast, (total,)) & _WASM32_POINTER
        base, limit = self._memory_view()
        if block == 0:
            raise StepLimitExceeded("the wasm module ran out of memory for the arguments")
        if block + total > limit:
            raise HostPanic(f"relon_alloc returned memory outside the module; {_REBUILD}")
        args: list[object] = [caps, steps]
        cursor = block + self._out_size
        for kind, value, size in zip(kinds, values, sizes, strict=True):
            args += [value] if kind in _CTYPES else _wasm_write(kind, value, base, cursor)
            cursor += size
        args.append(block)
        status = self._invoke(self._func, self._fast, tuple(args))
        if status:
            _fail(status)
        memory = self._memory_view()
        return self._results.take(memory[0] + block, memory, None)

    def _memory_view(self) -> tuple[int, int]:
        """(address, size) of linear memory, re-read each time: memory.grow may move it."""
        store = self._store
        base = ctypes.addressof(self._memory.data_ptr(store).contents)
        return base, self._memory.data_len(store)

    def _raise(self, error: RelonError) -> NoReturn:
        """Raise from a host import, remembered here: wasmtime-py passes the exception
        on through one process-wide slot, which threads could overwrite."""
        self._pending = error
        raise error

    def _invoke(
        self, func: Any, fast: Callable[[tuple[object, ...]], Any] | None, args: tuple[object, ...]
    ) -> Any:
        wt = self._wt
        self._pending = None
        try:
            if fast is not None:
                return fast(args)
            return func(self._store, *args)
        except BaseException as exc:
            self._poisoned = True
            if self._pending is not None:
                raise self._pending from None
            if isinstance(exc, (wt.Trap, wt.WasmtimeError)):
                raise HostPanic(f"the wasm module trapped: {exc}") from None
            raise


#: (name, params, results) of the wasm heap exports a compound rule uses
_HEAP_EXPORTS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("relon_heap_mark", (), ("Int",)),
    ("relon_alloc", ("Int",), ("Ptr",)),
    ("relon_heap_reset", ("Int",), ()),
)


def _wasm_write(kind: str, value: object, base: int, cursor: int) -> tuple[int, int]:
    """Copy a converted argument to linear memory at offset ``cursor``: (pointer, length)."""
    if kind == "String":
        data = cast("bytes", value)
        ctypes.memmove(base + cursor, data, len(data))
        return cursor, len(data)
    if kind == "List<String>":
        blob, lengths = cast("_Texts", value)
        ctypes.memmove(base + cursor, blob, len(blob))
        pairs_at = cursor + _align(len(blob))
        pairs = _relon_strs(cursor, lengths)
        ctypes.memmove(base + pairs_at, pairs.buffer_info()[0], 16 * len(lengths))
        return pairs_at, len(lengths)
    pointer, count, nbytes, _ = cast("tuple[Any, int, int, object]", value)
    if nbytes:
        ctypes.memmove(base + cursor, pointer, nbytes)
    return cursor, count


def _exports(exports: Any) -> Callable[[str], Any]:
    def get(name: str) -> Any:
        try:
            return exports[name]
        except KeyError:
            raise RelonLoadError(f"the .wasm asset has no export {name}; {_REBUILD}") from None

    return get


#: struct codes of each kind in wasmtime's raw-value array (Ptr: unsigned 32-bit offset)
_RAW_CODES = {"Int": "q", "Float": "d", "Bool": "i", "Ptr": "I"}


def _fast_path(
    wt: Any, store: Any, func: Any, kinds: tuple[str, ...], result: str | None
) -> Callable[[tuple[object, ...]], Any] | None:
    """``args -> result`` through wasmtime's unchecked call, or None if unavailable.

    The arguments go into wasmtime's raw-value array with one ``struct.pack_into`` (per
    element ctypes assignment costs ~10x more). The trap slot is reused: after a trap the
    instance is rebuilt, with a new closure.
    """
    count = max(len(kinds), result is not None)  # the array holds arguments, then results
    try:
        ffi = importlib.import_module("wasmtime._ffi")
        raise_pending = importlib.import_module("wasmtime._func").maybe_raise_last_exn
        call_unchecked, context = ffi.wasmtime_func_call_unchecked, store._context()
        raw = (ffi.wasmtime_val_raw_t * max(count, 1))()
        func_ref, trap = ctypes.byref(func._func), ctypes.POINTER(ffi.wasm_trap_t)()
        from_trap, from_error = wt.Trap._from_ptr, wt.WasmtimeError._from_ptr
    except (ImportError, AttributeError):
        return None
    size = ctypes.sizeof(raw[0])
    fields = [_RAW_CODES[k] for k in kinds]
    pack = struct.Struct(
        "=" + "".join(f"{c}{size - struct.calcsize(c)}x" for c in fields)
    ).pack_into
    unpack = None if result is None else struct.Struct("=" + _RAW_CODES[result]).unpack_from
    trap_ref = ctypes.byref(trap)

    def invoke(args: tuple[object, ...]) -> Any:
        pack(raw, 0, *args)
        error = call_unchecked(context, func_ref, raw, count, trap_ref)
        if not error and not trap:
            return None if unpack is None else unpack(raw)[0]
        # wasmtime-py parks an exception raised by a host import (ours) until the caller
        # collects it; collect it here so it cannot leak into an unrelated call.
        problem = from_trap(trap) if trap else from_error(error)
        raise_pending()
        raise problem

    return invoke
