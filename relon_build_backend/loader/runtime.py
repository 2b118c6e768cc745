"""Run-time support for generated Relon rule modules (copied into each built package).

A built package holds this file as ``<pkg>/_relon_runtime.py``; each generated rule
module passes plain data (a :class:`RuleSpec`) to :func:`load_rule` and re-exports what
it returns. Only the standard library is imported here: ``wasmtime`` is imported the
first time a ``Sandbox(backend="wasm")`` is built. The entry ABI is docs/abi.md of
relon-build-backend; the constants below must match it (a test checks they do).

Compiled wasm modules are cached on disk, keyed by the sha256 of the ``.wasm``, in
``$XDG_CACHE_HOME/relon-wasm`` (``~/.cache/relon-wasm``); ``RELON_WASM_CACHE`` names
another folder, or ``0`` turns the cache off.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import importlib
import inspect
import math
import os
import struct
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import resources
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
    "load_rule",
]

ABI_VERSION = 1
#: bit ``i`` of a capability mask is ``CAPABILITIES[i]``
CAPABILITIES = ("reads_fs", "writes_fs", "network", "reads_clock", "reads_env", "uses_rng")
Scalar = Literal["Int", "Float", "Bool"]
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
    params: tuple[tuple[str, Scalar], ...]
    result: Scalar
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


def _make_entry(
    rule: Rule, target: object, caps: int, steps: int, *, native: bool, sandboxed: bool
) -> Callable[..., object]:
    spec = rule.spec
    consts: list[object] = []
    for _, kind in spec.params:
        consts += [_PY_TYPES[kind], *_FAST_BOUNDS[kind]]
    make = _maker(len(spec.params), spec.result, native=native, sandboxed=sandboxed)
    entry = make(target, caps, steps, rule.args.bind, rule.args.convert, _SLOTS, *consts)
    entry.__name__, entry.__qualname__ = "main", "Sandbox.main" if sandboxed else "main"
    entry.__doc__ = rule.docstring
    entry.__module__ = spec.module
    entry.__dict__["__signature__"] = rule.signature  # what inspect.signature() reports
    entry.__annotations__ = {n: _PY_TYPES[k] for n, k in spec.params}
    entry.__annotations__["return"] = _PY_TYPES[spec.result]
    return entry


def _signature(spec: RuleSpec) -> inspect.Signature:
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    try:
        params = [inspect.Parameter(n, kind, annotation=_PY_TYPES[k]) for n, k in spec.params]
    except ValueError:  # a Relon name that is a Python keyword: still callable via **kwargs
        params = []
    return inspect.Signature(params, return_annotation=_PY_TYPES[spec.result])


def _docstring(spec: RuleSpec) -> str:
    params = ", ".join(f"{kind} {name}" for name, kind in spec.params)
    head = f"#main({params}) -> {spec.result}"
    return f"{head}\n\n{spec.doc}" if spec.doc else head


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
    """``lib.<name>`` with argtypes set (a trailing out pointer when ``result`` is given)."""
    try:
        fn = lib[name]
    except AttributeError:
        raise RelonLoadError(f"{lib._name} has no {name}; {_REBUILD}") from None
    argtypes: list[type] = [_CTYPES[p] for p in params]
    if result is not None:
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


def _load_native(spec: RuleSpec, path: Path) -> _Native:
    lib = _native_library(path)
    kinds = [kind for _, kind in spec.params]
    source_hash = _function(lib, f"{spec.prefix}_hash", [], None)
    _check_library(str(path), lib.relon_abi_version(), source_hash(), spec)
    hosts = {
        h.name: _function(lib, f"{spec.prefix}_host_{h.name}", h.params, h.result)
        for h in spec.gated_hosts
    }
    main = _function(lib, f"{spec.prefix}_main", kinds, spec.result)
    call = _function(lib, f"{spec.prefix}_call", ["Int", "Int", *kinds], spec.result)
    return _Native(main=main, call=call, hosts=hosts)


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
        if self.native is not None:
            self.main = _make_entry(self, self.native.main, 0, -1, native=True, sandboxed=False)
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
            call = self._wasm.call
            self.main = _make_entry(rule, call, mask, steps, native=False, sandboxed=True)
            return
        self._wasm = None
        if rule.native is None:
            raise RelonLoadError(f"{rule.spec.module} was built without the native target")
        self.main = _make_entry(rule, rule.native.call, mask, steps, native=True, sandboxed=True)

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
            _WASM_STATE["engine"] = wt.Engine()
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
        try:
            return wt.Module.deserialize_file(engine, str(cached))
        except wt.WasmtimeError:
            pass  # another wasmtime version wrote it: compile and overwrite
    try:
        module = wt.Module(engine, data)
    except wt.WasmtimeError as exc:
        raise RelonLoadError(f"the .wasm asset is invalid ({exc}); {_REBUILD}") from None
    if cached is not None:
        with contextlib.suppress(OSError):  # a read-only cache only costs a compile
            cached.parent.mkdir(parents=True, exist_ok=True)
            temp = cached.with_name(f"{cached.name}.{os.getpid()}.tmp")
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
        self._kinds = ("Int", "Int", *(k for _, k in spec.params), "Ptr")
        self._out = _CTYPES[spec.result]
        self._pending: RelonError | None = None  # set by a host import that raises
        self._instantiate()

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
        except (wt.WasmtimeError, wt.Trap) as exc:
            raise RelonLoadError(
                f"cannot instantiate the .wasm asset ({exc}); {_REBUILD}"
            ) from None
        _check_library("the .wasm asset", abi, source_hash, spec)
        self._check_type()
        if not 0 <= scratch <= self._memory.data_len(store) - 8:
            raise RelonLoadError(f"relon_scratch() is outside memory; {_REBUILD}")
        self._scratch = scratch
        self._poisoned = False
        self._fast = _fast_path(wt, store, self._func, self._kinds)

    def _check_type(self) -> None:
        if not isinstance(self._func, self._wt.Func):
            raise RelonLoadError(f"the .wasm export {self._rule.spec.prefix}_call is no function")
        ty = self._func.type(self._store)
        params = [str(p) for p in ty.params]
        if params != [_WASM_TYPES[k] for k in self._kinds] or [str(r) for r in ty.results] != [
            "i32"
        ]:
            raise RelonLoadError(f"the .wasm entry has type {params}; {_REBUILD}")

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
        with self._lock:
            if self._poisoned:  # a trap may leave the shadow stack unwound: start afresh
                self._instantiate()
            args = (*values, self._scratch)
            status = self._invoke(args)
            if status:
                _fail(status)
            # re-read each call: memory.grow may move it; addressof() is 10x cheaper than cast()
            base = ctypes.addressof(self._memory.data_ptr(self._store).contents)
            value = self._out.from_address(base + self._scratch).value
        return value != 0 if self._out is ctypes.c_int32 else value

    def _raise(self, error: RelonError) -> NoReturn:
        """Raise from a host import, remembered here: wasmtime-py passes the exception
        on through one process-wide slot, which threads could overwrite."""
        self._pending = error
        raise error

    def _invoke(self, args: tuple[object, ...]) -> int:
        wt = self._wt
        self._pending = None
        try:
            if self._fast is not None:
                return self._fast(args)
            return int(self._func(self._store, *args))
        except BaseException as exc:
            self._poisoned = True
            if self._pending is not None:
                raise self._pending from None
            if isinstance(exc, (wt.Trap, wt.WasmtimeError)):
                raise HostPanic(f"the wasm module trapped: {exc}") from None
            raise


def _exports(exports: Any) -> Callable[[str], Any]:
    def get(name: str) -> Any:
        try:
            return exports[name]
        except KeyError:
            raise RelonLoadError(f"the .wasm asset has no export {name}; {_REBUILD}") from None

    return get


def _fast_path(
    wt: Any, store: Any, func: Any, kinds: tuple[str, ...]
) -> Callable[[tuple[object, ...]], int] | None:
    """``args -> status`` through wasmtime's unchecked call, or None if unavailable.

    The arguments go into wasmtime's raw-value array with one ``struct.pack_into`` (per
    element ctypes assignment costs ~10x more). The trap slot is reused: after a trap the
    instance is rebuilt, with a new closure.
    """
    try:
        ffi = importlib.import_module("wasmtime._ffi")
        raise_pending = importlib.import_module("wasmtime._func").maybe_raise_last_exn
        call_unchecked, context = ffi.wasmtime_func_call_unchecked, store._context()
        raw = (ffi.wasmtime_val_raw_t * len(kinds))()
        func_ref, trap = ctypes.byref(func._func), ctypes.POINTER(ffi.wasm_trap_t)()
        from_trap, from_error = wt.Trap._from_ptr, wt.WasmtimeError._from_ptr
    except (ImportError, AttributeError):
        return None
    size, codes = ctypes.sizeof(raw[0]), {"i64": "q", "f64": "d", "i32": "i"}
    fields = [codes[_WASM_TYPES[k]] for k in kinds]
    pack = struct.Struct(
        "=" + "".join(f"{c}{size - struct.calcsize(c)}x" for c in fields)
    ).pack_into
    status_of, count, trap_ref = struct.Struct("=i").unpack_from, len(kinds), ctypes.byref(trap)

    def invoke(args: tuple[object, ...]) -> int:
        pack(raw, 0, *args)
        error = call_unchecked(context, func_ref, raw, count, trap_ref)
        if not error and not trap:
            status: int = status_of(raw)[0]
            return status
        # wasmtime-py parks an exception raised by a host import (ours) until the caller
        # collects it; collect it here so it cannot leak into an unrelated call.
        problem = from_trap(trap) if trap else from_error(error)
        raise_pending()
        raise problem

    return invoke
