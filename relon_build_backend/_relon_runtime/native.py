"""The native backend: a rule's entries in the shared library, called through ctypes.

Native calls share no state, so threads call concurrently (ctypes drops the GIL): each
call has its own result slots, and a buffer argument used in place stays exported during
the call, so its owner cannot resize or free it under the callee.
"""

from __future__ import annotations

import _thread
import ctypes

from .abi import (
    ABI_VERSION_SYMBOL,
    DEFAULT_MAX_MEMORY,
    MEMORY_LIMIT_SYMBOL,
    NOTE_CAPACITY,
    NOTE_SYMBOL,
    RELEASE_SYMBOL,
    TYPE_CHECKING,
    RuleSpec,
    call_symbol,
    call_value_symbol,
    hash_symbol,
    host_symbol,
    main_symbol,
    main_value_symbol,
)
from .conversion import (
    CTYPES,
    Results,
    has_handle,
    relon_strs,
    results_of,
    size_in_memory,
)
from .errors import REBUILD, RelonLoadError, ValueTooLarge, fail
from .integrity import check_library

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any, NoReturn

__all__ = ["Native", "NativeCall", "load_native", "native_library"]

_LIBRARIES: dict[str, ctypes.CDLL] = {}
_LOCK = _thread.allocate_lock()


def _native_library(path: str) -> ctypes.CDLL:
    with _LOCK:
        if path not in _LIBRARIES:
            try:
                lib = ctypes.CDLL(path)
                abi = getattr(lib, ABI_VERSION_SYMBOL)
            except (OSError, AttributeError) as exc:
                raise RelonLoadError(f"cannot load {path} ({exc}); {REBUILD}") from None
            abi.argtypes, abi.restype = [], ctypes.c_int32
            _LIBRARIES[path] = lib
        return _LIBRARIES[path]


def _function(
    lib: ctypes.CDLL, name: str, params: Iterable[str], result: str | None
) -> Callable[..., int]:
    """``lib.<name>`` with argtypes set (a trailing out pointer when ``result`` is given).

    A String or List parameter is two arguments, pointer and length; ``result`` is a
    scalar type (typed out slot), ``"Slots"`` (result slots of a compound rule) or
    ``"Value:<scalar>"`` (a value entry: the scalar is returned).
    """
    try:
        fn = lib[name]
    except AttributeError:
        raise RelonLoadError(f"{lib._name} has no {name}; {REBUILD}") from None
    argtypes: list[type] = []
    for p in params:
        argtypes += [CTYPES[p]] if p in CTYPES else [ctypes.c_void_p, ctypes.c_int64]
    restype: type = ctypes.c_int32 if result is not None else ctypes.c_int64
    if result == "Slots":
        argtypes.append(ctypes.c_void_p)
    elif result is not None and result.startswith("Value:"):
        restype = CTYPES[result[len("Value:") :]]
    elif result is not None:
        argtypes.append(ctypes.POINTER(CTYPES[result]))
    fn.argtypes = argtypes
    fn.restype = restype
    return fn


class Native:
    """The native entries of one rule, argtypes set once."""

    __slots__ = (
        "call",
        "call_value",
        "fail",
        "hosts",
        "main",
        "main_value",
        "release",
        "set_memory_limit",
        "take_note",
    )

    def __init__(
        self,
        *,
        main: Callable[..., int],
        call: Callable[..., int],
        values: tuple[Callable[..., Any], Callable[..., Any]] | None,
        hosts: dict[str, Callable[..., int]],
        release: Callable[[int], object] | None,
        take_note: Callable[[], bytes],
        fail: Callable[[int], NoReturn],
        set_memory_limit: Callable[[int], object],
    ) -> None:
        self.main, self.call, self.hosts = main, call, hosts
        #: P_main_value and P_call_value of a scalar rule (they return the result)
        self.main_value: Callable[..., Any] | None = None
        self.call_value: Callable[..., Any] | None = None
        if values is not None:
            self.main_value, self.call_value = values
        #: relon_release, for rules with a result handle
        self.release = release
        #: what the last failing call on this thread left in the note (and empty it)
        self.take_note = take_note
        #: raise the error of a failed call's status, with what its note says
        self.fail = fail
        #: relon_set_memory_limit: what calls on this thread may allocate, until set again
        self.set_memory_limit = set_memory_limit

    def limited(self, call: Callable[..., Any], memory: int) -> Callable[..., Any]:
        """``call`` (an entry) for a Sandbox whose calls may allocate ``memory`` bytes."""
        set_limit = self.set_memory_limit

        def limited_call(*args: object) -> Any:
            set_limit(memory)
            try:
                return call(*args)
            finally:
                set_limit(DEFAULT_MAX_MEMORY)  # what every other call on this thread expects

        return limited_call


def load_native(spec: RuleSpec, path: str, *, scalar: bool) -> Native:
    """The entries of ``spec`` in the library at ``path``, checked against ``spec``."""
    lib = _native_library(path)
    kinds = [kind for _, kind in spec.params]
    source_hash = _function(lib, hash_symbol(spec.prefix), [], None)
    check_library(str(path), getattr(lib, ABI_VERSION_SYMBOL)(), source_hash(), spec)
    hosts = {
        h.name: _function(lib, host_symbol(spec.prefix, h.name), h.params, h.result)
        for h in spec.gated_hosts
    }
    result: str = spec.result if scalar else "Slots"  # type: ignore[assignment]
    main = _function(lib, main_symbol(spec.prefix), kinds, result)
    call = _function(lib, call_symbol(spec.prefix), ["Int", "Int", *kinds], result)
    values = None
    if scalar:
        value = f"Value:{result}"
        values = (
            _function(lib, main_value_symbol(spec.prefix), kinds, value),
            _function(lib, call_value_symbol(spec.prefix), ["Int", "Int", *kinds], value),
        )
    release = None
    if has_handle(results_of(spec)):
        fn: Any = _function(lib, RELEASE_SYMBOL, ["Int"], None)
        fn.restype = None
        release = fn
    take_note = _note_reader(lib)
    gated = spec.gated_hosts

    def fail_with_note(status: int) -> NoReturn:
        fail(status, take_note(), gated)

    set_limit: Any = _function(lib, MEMORY_LIMIT_SYMBOL, ["Int"], None)
    set_limit.restype = None
    return Native(
        main=main,
        call=call,
        values=values,
        hosts=hosts,
        release=release,
        take_note=take_note,
        fail=fail_with_note,
        set_memory_limit=set_limit,
    )


class _Note(ctypes.Structure):
    _fields_ = (("len", ctypes.c_int64), ("text", ctypes.c_char * NOTE_CAPACITY))


def _note_reader(lib: ctypes.CDLL) -> Callable[[], bytes]:
    """``take_note()`` of ``lib``: the note is thread-local, like the call that wrote it."""
    try:
        note_buffer = lib[NOTE_SYMBOL]
    except AttributeError:
        raise RelonLoadError(f"{lib._name} has no {NOTE_SYMBOL}; {REBUILD}") from None
    note_buffer.argtypes, note_buffer.restype = [], ctypes.POINTER(_Note)

    def take_note() -> bytes:
        note = note_buffer().contents
        size = max(0, min(note.len, NOTE_CAPACITY))
        note.len = 0
        return ctypes.string_at(ctypes.addressof(note) + _Note.text.offset, size)

    return take_note


class NativeCall:
    """``converted arguments -> result`` through one native entry of a compound rule."""

    __slots__ = ("fail", "fn", "kinds", "memory", "prefix", "release", "results", "set_limit")

    def __init__(
        self,
        fn: Callable[..., int],
        native: Native,
        spec: RuleSpec,
        prefix: tuple[int, ...],
        *,
        memory: int = DEFAULT_MAX_MEMORY,
    ) -> None:
        self.fn, self.prefix, self.memory = fn, prefix, memory
        self.set_limit = native.set_memory_limit
        self.kinds = tuple(kind for _, kind in spec.params)
        self.results = Results(spec)
        self.release, self.fail = native.release, native.fail

    def __call__(self, values: list[Any]) -> object:
        args: list[object] = list(self.prefix)
        keep = []  # RelonStr arrays built here (the rest is owned by ``values``)
        for kind, value in zip(self.kinds, values, strict=True):
            if kind in CTYPES:
                args.append(value)
            elif kind == "String":
                args += (value, len(value))
            elif kind == "List<String>":
                blob, lengths = value
                # c_char_p of a bytes object points at the object's own buffer
                address = ctypes.cast(ctypes.c_char_p(blob), ctypes.c_void_p).value or 0
                pairs = relon_strs(address, lengths)
                keep.append(pairs)
                args += (pairs.buffer_info()[0] if lengths else _EMPTY, len(lengths))
            else:
                pointer, count, _, _ = value
                args += (pointer if count else _EMPTY, count)
        out = self.results.words()  # 8-aligned, per call: threads never share it
        args.append(out)
        self.set_limit(arguments_fit(self.kinds, values, self.memory))
        try:
            status = self.fn(*args)
        finally:
            self.set_limit(DEFAULT_MAX_MEMORY)
        if status:
            self.fail(status)
        return self.results.take(ctypes.addressof(out), _NATIVE_MEMORY, self.release)


def arguments_fit(kinds: tuple[str, ...], values: list[object], memory: int) -> int:
    """What the values a call builds may take once its arguments are counted (the same
    count on both backends: their size in wasm32 memory); ValueTooLarge if none."""
    need = sum(size_in_memory(kind, value) for kind, value in zip(kinds, values, strict=True))
    if need > memory:
        raise ValueTooLarge(
            f"the arguments take {need:,} bytes, more than the call may use"
            f" ({memory:,}; Sandbox(max_memory=...))"
        )
    return memory - need


#: a valid pointer for an empty String/List (the callee reads no byte of it)
_EMPTY = (ctypes.c_int64 * 2)()
_NATIVE_MEMORY = (0, -1)


def native_library(path: str) -> ctypes.CDLL:
    """The library at ``path``, loaded once per process (its ABI version readable)."""
    return _native_library(path)
