"""The wasm backend: a rule's ``.wasm`` asset under wasmtime, imported on first use.

wasmtime is reached through importlib so that the user's mypy does not need it
installed. A wasm Sandbox is one single-threaded instance: its calls are serialised by
a lock. Gated host functions stay imports of the module; each import checks the
Sandbox's capabilities, then calls the host function's native export.

Compiled wasm modules are cached on disk, keyed by the sha256 of the ``.wasm``, in
``$XDG_CACHE_HOME/relon-wasm`` (``~/.cache/relon-wasm``); ``RELON_WASM_CACHE`` names
another folder, or ``0`` turns the cache off.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import importlib
import os
import struct
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn, cast

from .abi import (
    ABI_VERSION_SYMBOL,
    HEAP_ALLOC_SYMBOL,
    HEAP_MARK_SYMBOL,
    HEAP_RESET_SYMBOL,
    MEMORY_LIMIT_SYMBOL,
    NOTE_CAPACITY,
    NOTE_SYMBOL,
    PACKED_SIZE,
    SCRATCH_SYMBOL,
    HostSpec,
    Scalar,
    batch_symbol,
    call_symbol,
    call_value_symbol,
    has_batch,
    hash_symbol,
)
from .batch import BatchRows, row_error
from .conversion import CTYPES, WASM32_POINTER, Results, Texts, align, relon_strs, size_in_memory
from .entry import RuleShape, compound_entry, make_entry
from .errors import (
    REBUILD,
    HostPanic,
    RelonError,
    RelonLoadError,
    ValueTooLarge,
    capability_denied,
    fail,
    host_panic,
    status_error,
)
from .integrity import check_library
from .native import Native, arguments_fit

__all__ = ["WasmInstance"]

_LOCK = threading.Lock()

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


def _compiled_module(wt: Any, path: str) -> tuple[Any, Any]:
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
            _WASM_STATE[key] = _compile(wt, engine, Path(path).read_bytes())
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
        raise RelonLoadError(f"the .wasm asset is invalid ({exc}); {REBUILD}") from None
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


class WasmInstance:
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

    def __init__(
        self,
        shape: RuleShape,
        wasm_path: str | None,
        native: Native | None,
        caps: frozenset[str],
        *,
        memory: int,
    ) -> None:
        spec = shape.spec
        if wasm_path is None:
            raise RelonLoadError(f"{spec.module} was built without the wasm32 target")
        if spec.gated_hosts and native is None:
            raise RelonLoadError(f"{spec.module}'s host functions need the native library")
        self._shape, self._native, self._caps = shape, native, caps
        self._memory_limit = memory
        self._wt = _wasmtime()
        self._engine, self._module = _compiled_module(self._wt, wasm_path)
        self._lock = threading.Lock()
        params: list[str] = []
        for _, kind in spec.params:
            params += [kind] if kind in CTYPES else ["Ptr", "Int"]
        self._kinds = ("Int", "Int", *params, "Ptr")
        self._results = Results(spec)
        self._param_kinds = tuple(kind for _, kind in spec.params)
        # the result slots, then the handle slot if any (relon_release is a no-op on wasm32)
        self._out_size = ctypes.sizeof(self._results.words)
        self._out = CTYPES.get(cast("str", spec.result)) if shape.scalar else None
        self._pending: RelonError | None = None  # set by a host import that raises
        self._instantiate()

    def entry(self, caps: int, steps: int) -> Callable[..., object]:
        """``main`` of a Sandbox granted capability mask ``caps`` and budget ``steps``."""
        shape = self._shape
        if shape.scalar:
            entries = (self.call_value if self._value else None, self.call)
            return make_entry(shape, entries, fail, (caps, steps), native=False, sandboxed=True)
        return compound_entry(
            shape, lambda values: self.call_values(caps, steps, values), sandboxed=True
        )

    def _instantiate(self) -> None:
        wt, spec = self._wt, self._shape.spec
        self._store = store = wt.Store(self._engine)
        hosts = {h.name: h for h in spec.gated_hosts}
        imports = []
        for item in self._module.imports:
            if item.module != "env" or not isinstance(item.type, wt.FuncType):
                raise RelonLoadError(f"the .wasm imports {item.module}.{item.name}; {REBUILD}")
            host = hosts.get(item.name)
            # one .wasm serves every rule of the package: other rules' hosts are never
            # called by this rule's code, so a stub that reports a panic is enough
            imports.append(self._host_func(host) if host else self._absent(item.name, item.type))
        try:
            exports = wt.Instance(store, self._module, imports).exports(store)
            get = _exports(exports)
            self._func, self._memory = get(call_symbol(spec.prefix)), get("memory")
            scratch, note = get(SCRATCH_SYMBOL)(store), get(NOTE_SYMBOL)(store)
            abi, source_hash = get(ABI_VERSION_SYMBOL)(store), get(hash_symbol(spec.prefix))(store)
            heap = [] if self._shape.scalar else [get(name) for name, _, _ in _HEAP_EXPORTS]
            limit = get(MEMORY_LIMIT_SYMBOL)
        except (wt.WasmtimeError, wt.Trap) as exc:
            raise RelonLoadError(f"cannot instantiate the .wasm asset ({exc}); {REBUILD}") from None
        check_library("the .wasm asset", abi, source_hash, spec)
        self._check_type(call_symbol(spec.prefix), self._func, self._kinds, ("Bool",))
        self._value: tuple[Any, Any] | None = None
        if self._shape.scalar and not spec.gated_hosts:  # see _scalar_entries in __init__
            name, result = call_value_symbol(spec.prefix), cast("str", spec.result)
            func, params = get(name), self._kinds[:-1]  # P_call's, less the out slot
            self._check_type(name, func, params, (result,))
            fast = _fast_path(wt, store, func, params, result)
            self._value = (func, fast)
        if not 0 <= scratch <= self._memory.data_len(store) - 8:
            raise RelonLoadError(f"{SCRATCH_SYMBOL}() is outside memory; {REBUILD}")
        if not 0 <= note <= self._memory.data_len(store) - 8 - NOTE_CAPACITY:
            raise RelonLoadError(f"{NOTE_SYMBOL}() is outside memory; {REBUILD}")
        self._scratch, self._note = scratch, note
        self._poisoned = False
        self._fast = _fast_path(wt, store, self._func, self._kinds, "Bool")
        self._heap: list[tuple[Any, Callable[[tuple[object, ...]], Any] | None]] = []
        self._add_heap(heap)
        self._exports = get  # for the batch entry, looked up on a batch's first use
        self._batch: tuple[Any, Callable[[tuple[object, ...]], Any] | None] | None = None
        self._check_type(MEMORY_LIMIT_SYMBOL, limit, ("Int",), ())
        self._limit = (limit, _fast_path(wt, store, limit, ("Int",), None))
        self._set_limit(self._memory_limit)  # a scalar rule's: it takes no argument memory

    def _check_type(
        self, name: str, func: Any, params: tuple[str, ...], results: tuple[str, ...]
    ) -> None:
        if not isinstance(func, self._wt.Func):
            raise RelonLoadError(f"the .wasm export {name} is no function")
        ty = func.type(self._store)
        got = ([str(p) for p in ty.params], [str(r) for r in ty.results])
        if got != ([_WASM_TYPES[k] for k in params], [_WASM_TYPES[k] for k in results]):
            raise RelonLoadError(
                f"the .wasm export {name} has type {got[0]} -> {got[1]}; {REBUILD}"
            )

    def _host_func(self, host: HostSpec) -> Any:
        wt, caps, needed = self._wt, self._caps, frozenset(host.capabilities)
        native = self._native
        assert native is not None, "checked in __init__"
        fn, out_type = native.hosts[host.name], CTYPES[host.result]

        def call(*args: object) -> object:
            if not needed <= caps:
                self._raise(capability_denied(host))
            out = out_type()
            status = fn(*args, out)
            if status:  # the native host entry ran on this thread: its note is ours
                self._raise(status_error(status, native.take_note()))
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
                raise self._status_error(status)
            # re-read each call: memory.grow may move it; addressof() is 10x cheaper than cast()
            base = ctypes.addressof(self._memory.data_ptr(self._store).contents)
            value = self._out.from_address(base + self._scratch).value
        return value != 0 if self._out is ctypes.c_int32 else value

    def call_value(self, *values: object) -> object:
        """Run ``P_call_value(caps, steps, *args)``: the result, or the sentinel."""
        assert self._value is not None, "a scalar rule without gated host functions"
        with self._lock:
            if self._poisoned:
                self._instantiate()
            return self._invoke(*self._value, values)

    def call_values(self, caps: int, steps: int, values: list[object]) -> object:
        """Run a compound rule on converted arguments (see :class:`.conversion.Args`)."""
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

    def batch_rows(self, caps: int, steps: int) -> BatchRows | None:
        """The batch rows of a Sandbox granted ``caps`` and ``steps`` (None: no batch)."""
        if not has_batch(self._shape.spec):
            return None

        def rows(n: int, columns: Sequence[int], out: int) -> None:
            with self._lock:
                if self._poisoned:
                    self._instantiate()
                if self._batch is None:
                    self._batch = self._batch_export()
                self._set_limit(self._memory_limit)  # each row's: its arguments take none
                for start in range(0, n, _BATCH_CHUNK):
                    chunk = range(start, min(start + _BATCH_CHUNK, n))
                    self._batch_chunk(caps, steps, chunk, columns, out)

        return rows

    def _batch_chunk(
        self, caps: int, steps: int, chunk: range, columns: Sequence[int], out: int
    ) -> None:
        """The rows of ``chunk``: copied into the module's heap, run by ``P_batch``, their
        results copied out (docs/abi.md "Batch entry")."""
        start, count = chunk.start, len(chunk)
        spec = self._shape.spec
        sizes = [PACKED_SIZE[cast("Scalar", kind)] for _, kind in spec.params]
        out_size = PACKED_SIZE[cast("Scalar", spec.result)]
        (mark_fn, mark_fast), (alloc_fn, alloc_fast), (reset_fn, reset_fast) = self._heap
        assert self._batch is not None, "checked by batch_rows"
        mark = self._invoke(mark_fn, mark_fast, ())
        try:
            offsets, total = [], 8  # the failed row's slot first
            for size in [*sizes, out_size]:
                offsets.append(total)
                total += align(size * count)
            block = self._invoke(alloc_fn, alloc_fast, (total,)) & WASM32_POINTER
            base, limit = self._memory_view()
            if block == 0:
                raise ValueTooLarge("the wasm module ran out of memory for the batch's columns")
            if block + total > limit:
                raise HostPanic(
                    f"{HEAP_ALLOC_SYMBOL} returned memory outside the module; {REBUILD}"
                )
            ctypes.c_int64.from_address(base + block).value = -1  # no row failed yet
            for column, size, offset in zip(columns, sizes, offsets, strict=False):
                ctypes.memmove(base + block + offset, column + start * size, count * size)
            args = (caps, steps, count, *(block + offset for offset in offsets), block)
            try:
                status = self._invoke(*self._batch, args)
            except RelonError as error:  # a trap: the row it left from is in the slot
                row = self._failed_row(block)
                if row < 0:  # a trap no row's code announced (none is expected)
                    raise
                raise row_error(error, start + row) from None
            if status:
                raise row_error(self._status_error(status), start + self._failed_row(block))
            base = self._memory_view()[0]  # memory.grow during the rows may move it
            ctypes.memmove(out + start * out_size, base + block + offsets[-1], count * out_size)
        finally:
            if not self._poisoned:
                self._invoke(reset_fn, reset_fast, (mark,))

    def _add_heap(self, heap: list[Any]) -> None:
        """Check and keep the heap exports (``relon_heap_mark`` etc.) ``heap``."""
        wt, store = self._wt, self._store
        for func, (name, params, results) in zip(heap, _HEAP_EXPORTS, strict=False):
            self._check_type(name, func, params, results)
            fast = _fast_path(wt, store, func, params, results[0] if results else None)
            self._heap.append((func, fast))

    def _batch_export(self) -> tuple[Any, Callable[[tuple[object, ...]], Any] | None]:
        """``P_batch`` of this instance, its type checked, and its fast path (and the heap
        exports, which a scalar rule's ``main`` does not use)."""
        spec, wt = self._shape.spec, self._wt
        name = batch_symbol(spec.prefix)
        if not self._heap:
            self._add_heap([self._exports(heap) for heap, _, _ in _HEAP_EXPORTS])
        func = self._exports(name)
        kinds = ("Int", "Int", "Int", *["Ptr"] * (len(spec.params) + 2))
        self._check_type(name, func, kinds, ("Bool",))
        return func, _fast_path(wt, self._store, func, kinds, "Bool")

    def _failed_row(self, block: int) -> int:
        return ctypes.c_int64.from_address(self._memory_view()[0] + block).value

    def _set_limit(self, memory: int) -> None:
        self._invoke(*self._limit, (memory,))

    def _run(self, caps: int, steps: int, values: list[object]) -> object:
        kinds = self._param_kinds
        self._set_limit(arguments_fit(kinds, values, self._memory_limit))
        sizes = [size_in_memory(kind, value) for kind, value in zip(kinds, values, strict=True)]
        total = self._out_size + sum(sizes)
        if total > WASM32_POINTER:
            raise ValueTooLarge("the arguments do not fit in wasm32 memory (4 GiB)")
        alloc_fn, alloc_fast = self._heap[1]
        block = self._invoke(alloc_fn, alloc_fast, (total,)) & WASM32_POINTER
        base, limit = self._memory_view()
        if block == 0:
            raise ValueTooLarge("the wasm module ran out of memory for the arguments")
        if block + total > limit:
            raise HostPanic(f"{HEAP_ALLOC_SYMBOL} returned memory outside the module; {REBUILD}")
        args: list[object] = [caps, steps]
        cursor = block + self._out_size
        for kind, value, size in zip(kinds, values, sizes, strict=True):
            args += [value] if kind in CTYPES else _wasm_write(kind, value, base, cursor)
            cursor += size
        args.append(block)
        status = self._invoke(self._func, self._fast, tuple(args))
        if status:
            raise self._status_error(status)
        memory = self._memory_view()
        return self._results.take(memory[0] + block, memory, None)

    def _take_note(self) -> bytes:
        """What the module left in its note (docs/abi.md "Notes"), emptying it."""
        base = self._memory_view()[0]
        length = ctypes.c_int64.from_address(base + self._note)
        text = ctypes.string_at(base + self._note + 8, max(0, min(length.value, NOTE_CAPACITY)))
        length.value = 0
        return text

    def _status_error(self, status: int) -> RelonError:
        return status_error(status, self._take_note(), self._shape.spec.gated_hosts)

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
                raise self._trap_error(exc) from None
            raise

    def _trap_error(self, trap: BaseException) -> HostPanic:
        """A panic's own message when its handler left one, else what trapped (the
        first line: the rest is wasmtime's backtrace of our internal functions)."""
        note = self._take_note()
        if note:
            return host_panic(note)
        message = str(getattr(trap, "message", None) or trap).strip().splitlines()
        return HostPanic(f"the wasm module trapped: {message[0] if message else 'unknown trap'}")


#: rows a batch copies into the module at once: its columns take at most ~1 MiB each
_BATCH_CHUNK = 1 << 17

#: (name, params, results) of the wasm heap exports a compound rule uses
_HEAP_EXPORTS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    (HEAP_MARK_SYMBOL, (), ("Int",)),
    (HEAP_ALLOC_SYMBOL, ("Int",), ("Ptr",)),
    (HEAP_RESET_SYMBOL, ("Int",), ()),
)


def _wasm_write(kind: str, value: object, base: int, cursor: int) -> tuple[int, int]:
    """Copy a converted argument to linear memory at offset ``cursor``: (pointer, length)."""
    if kind == "String":
        data = cast("bytes", value)
        ctypes.memmove(base + cursor, data, len(data))
        return cursor, len(data)
    if kind == "List<String>":
        blob, lengths = cast("Texts", value)
        ctypes.memmove(base + cursor, blob, len(blob))
        pairs_at = cursor + align(len(blob))
        pairs = relon_strs(cursor, lengths)
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
            raise RelonLoadError(f"the .wasm asset has no export {name}; {REBUILD}") from None

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
