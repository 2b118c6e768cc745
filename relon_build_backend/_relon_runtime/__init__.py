"""Run-time support for generated Relon rule modules (copied into each built package).

A built package holds this package as ``<pkg>/_relon_runtime/``; each generated rule
module passes plain data (an :class:`~.abi.RuleSpec`) to :func:`load_rule` and
re-exports what it returns. Only the standard library is imported: ``wasmtime`` is
imported the first time a ``Sandbox(backend="wasm")`` is built. The pieces, in the
order a call meets them:

- :mod:`.abi`: the entry ABI's numbers and names (the one source; the backend uses it);
- :mod:`.errors`: the exceptions of the contract and the status -> error map;
- :mod:`.conversion`: Python values to the ABI layout and back;
- :mod:`.entry`: the ``main`` functions and what ``help()`` shows of them;
- :mod:`.batch`: the ``batch`` functions, a scalar rule over whole columns;
- :mod:`.integrity`: finding the artifacts and refusing stale ones;
- :mod:`.native` and :mod:`.wasm`: the two backends.
"""

from __future__ import annotations

from .abi import (
    ABI_VERSION,
    CAPABILITIES,
    DEFAULT_MAX_MEMORY,
    TYPE_CHECKING,
    HostSpec,
    RuleSpec,
    Value,
)
from .batch import BatchShape, NativeRows, batch_entry, load_batch
from .conversion import I64_MAX
from .entry import RuleShape, compound_entry, make_entry
from .errors import (
    REBUILD,
    CapabilityDenied,
    DivisionByZero,
    EmptyList,
    HostPanic,
    IndexOutOfBounds,
    MainArgTypeMismatch,
    NumericOverflow,
    RecursionLimitExceeded,
    RelonError,
    RelonLoadError,
    StepLimitExceeded,
    ValidationError,
    ValueTooLarge,
)
from .integrity import EditableInputs, check_inputs, resource
from .native import NativeCall, load_native

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any, Literal

    from .native import Native
    from .wasm import WasmInstance

    Backend = Literal["native", "wasm"]

__all__ = [
    "ABI_VERSION",
    "CAPABILITIES",
    "CapabilityDenied",
    "DivisionByZero",
    "EditableInputs",
    "EmptyList",
    "HostPanic",
    "HostSpec",
    "IndexOutOfBounds",
    "MainArgTypeMismatch",
    "NumericOverflow",
    "RecursionLimitExceeded",
    "RelonError",
    "RelonLoadError",
    "Rule",
    "RuleSpec",
    "SandboxBase",
    "StepLimitExceeded",
    "ValidationError",
    "Value",
    "ValueTooLarge",
    "load_rule",
]


class Rule:
    """One loaded rule: its native entries, ``main``, ``batch`` and the ``Sandbox`` class."""

    def __init__(self, spec: RuleSpec, native_path: str | None, wasm_path: str | None) -> None:
        self.spec = spec
        self.shape = shape = RuleShape(spec)
        self.native = (
            None if native_path is None else load_native(spec, native_path, scalar=shape.scalar)
        )
        self.wasm_path = wasm_path
        #: P_batch of the native library (None: no native target, or the rule has none)
        self.native_batch = None if native_path is None else load_batch(spec, native_path)
        self.batch_shape = BatchShape(shape)
        namespace = {"_rule": self, "__module__": spec.module, "__doc__": _SANDBOX_DOC}
        self.sandbox: type[SandboxBase] = type("Sandbox", (SandboxBase,), namespace)
        native = self.native
        if native is not None and shape.scalar:
            entries = (native.main_value, native.main)
            self.main = make_entry(shape, entries, native.fail, None, native=True, sandboxed=False)
        elif native is not None:
            run = NativeCall(native.main, native, spec, ())
            self.main = compound_entry(shape, run, sandboxed=False)
        else:  # a wasm-only build: main runs the .wasm asset
            box = self.sandbox(backend="wasm")
            self.main, self.batch = box.main, box.batch
            return
        fn = self.native_batch
        rows = None if fn is None else NativeRows(fn, native, spec, 0, -1)
        self.batch = batch_entry(self.batch_shape, rows, sandboxed=False)
        self.main = _surfaced(spec, self.main)


def _surfaced(spec: RuleSpec, main: Callable[..., object]) -> Callable[..., object]:
    """``main`` over records, documents and enums when the rule has them."""
    if spec.surface is None:
        return main
    from .documents import document_entry

    return document_entry(main, spec.surface)  # type: ignore[arg-type]


_SANDBOX_DOC = """Run ``main`` with capabilities, a step budget and a backend.

``caps``: capability names granted; ``max_steps``: step budget of one call (None:
unlimited); ``backend``: "native" (the shared library) or "wasm" (wasmtime);
``max_memory``: bytes one call may use for its arguments and the values it builds
(None: 1 GiB), the same limit on both backends.
"""


class SandboxBase:
    """Base of each rule module's ``Sandbox`` (the subclass carries the rule)."""

    __slots__ = ("_wasm", "backend", "batch", "caps", "main", "max_memory", "max_steps")
    _rule: Rule

    def __init__(
        self,
        caps: Iterable[str] = (),
        max_steps: int | None = None,
        backend: Backend = "native",
        max_memory: int | None = None,
    ) -> None:
        self.caps = _check_caps(caps)
        self.max_steps = _check_steps(max_steps)
        self.max_memory = _check_limit("max_memory", max_memory, "1 GiB")
        memory = DEFAULT_MAX_MEMORY if self.max_memory is None else self.max_memory
        if backend not in ("native", "wasm"):
            raise ValueError(f"backend must be 'native' or 'wasm', not {backend!r}")
        self.backend: Backend = backend
        mask = sum(1 << CAPABILITIES.index(c) for c in self.caps)
        steps = -1 if max_steps is None else max_steps
        rule = self._rule
        if backend == "wasm":
            from .wasm import WasmInstance  # imported by the first wasm Sandbox only

            self._wasm: WasmInstance | None = WasmInstance(
                rule.shape, rule.wasm_path, rule.native, self.caps, memory=memory
            )
            self.main = _surfaced(rule.spec, self._wasm.entry(mask, steps))
            rows = self._wasm.batch_rows(mask, steps)
            self.batch = batch_entry(rule.batch_shape, rows, sandboxed=True)
            return
        self._wasm = None
        native = rule.native
        if native is None:
            raise RelonLoadError(f"{rule.spec.module} was built without the native target")
        if rule.shape.scalar:
            entries, budget = _scalar_entries(native, rule.spec, mask, steps, memory)
            entry = make_entry(
                rule.shape, entries, native.fail, budget, native=True, sandboxed=True
            )
        else:
            run = NativeCall(native.call, native, rule.spec, (mask, steps), memory=memory)
            entry = compound_entry(rule.shape, run, sandboxed=True)
        self.main = _surfaced(rule.spec, entry)
        fn = rule.native_batch
        rows = None if fn is None else NativeRows(fn, native, rule.spec, mask, steps, memory=memory)
        self.batch = batch_entry(rule.batch_shape, rows, sandboxed=True)

    def __repr__(self) -> str:
        caps = sorted(self.caps)
        memory = "" if self.max_memory is None else f", max_memory={self.max_memory!r}"
        return (
            f"Sandbox(caps={caps!r}, max_steps={self.max_steps!r}, backend={self.backend!r}"
            f"{memory})"
        )


def _scalar_entries(
    native: Native, spec: RuleSpec, mask: int, steps: int, memory: int
) -> tuple[tuple[Any, Any], tuple[int, int] | None]:
    """((value, status) entries, the budget they take first) of a native Sandbox of a
    scalar rule.

    The value entry is used only when no gated host function can run: repeating a failed
    call through the status entry must not repeat an effect (docs/abi.md). A Sandbox with
    ``main``'s settings calls ``main``'s entries: each argument costs a ctypes call ~0.1 us.
    """
    if mask == 0 and steps < 0 and memory == DEFAULT_MAX_MEMORY:
        return (native.main_value, native.main), None
    value = None if spec.gated_hosts else native.call_value
    status: Any = native.call
    if memory != DEFAULT_MAX_MEMORY:
        value = None if value is None else native.limited(value, memory)
        status = native.limited(status, memory)
    return (value, status), (mask, steps)


def _check_caps(caps: Iterable[str]) -> frozenset[str]:
    expected = f"caps must be an iterable of capability names, not {type(caps).__name__}"
    if isinstance(caps, (str, bytes)) or not hasattr(caps, "__iter__"):
        raise TypeError(expected)
    names = frozenset(caps)
    unknown = sorted(repr(c) for c in names if c not in CAPABILITIES)
    if unknown:
        raise ValueError(
            f"unknown capabilities {', '.join(unknown)}; known: {', '.join(CAPABILITIES)}"
        )
    return names


def _check_steps(max_steps: int | None) -> int | None:
    return _check_limit("max_steps", max_steps, "unlimited")


def _check_limit(name: str, value: int | None, default: str) -> int | None:
    if value is None:
        return None
    if type(value) is bool or not isinstance(value, int):
        raise TypeError(f"{name} must be an int or None, not {type(value).__name__}")
    if not 0 <= value <= I64_MAX:
        raise ValueError(f"{name} must be between 0 and {I64_MAX} (None: {default})")
    return int(value)


def load_rule(
    spec: RuleSpec,
    *,
    package: str,
    library: str | None,
    wasm: str | None,
    editable: EditableInputs | None,
) -> Rule:
    """Load the compiled rule ``spec`` from the files of ``package``.

    ``editable``: what an in-place build read, checked first (None: an installed wheel).

    :raises RelonLoadError: a file is missing or does not match ``spec`` (rebuild).
    """
    if editable is not None:
        check_inputs(spec, editable)
    native_path = None if library is None else resource(package, library)
    wasm_path = None if wasm is None else resource(package, wasm)
    if native_path is None and wasm_path is None:
        raise RelonLoadError(f"{spec.module} was built for no target; {REBUILD}")
    return Rule(spec, native_path, wasm_path)
