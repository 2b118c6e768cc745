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
- :mod:`.integrity`: finding the artifacts and refusing stale ones;
- :mod:`.native` and :mod:`.wasm`: the two backends.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from .abi import ABI_VERSION, CAPABILITIES, HostSpec, RuleSpec, Value
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
    RelonError,
    RelonLoadError,
    StepLimitExceeded,
)
from .integrity import EditableInputs, check_inputs, resource
from .native import NativeCall, load_native
from .wasm import WasmInstance

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
    "RelonError",
    "RelonLoadError",
    "Rule",
    "RuleSpec",
    "SandboxBase",
    "StepLimitExceeded",
    "Value",
    "load_rule",
]

Backend = Literal["native", "wasm"]


class Rule:
    """One loaded rule: its native entries, ``main`` and the ``Sandbox`` class."""

    def __init__(self, spec: RuleSpec, native_path: Path | None, wasm_path: Path | None) -> None:
        self.spec = spec
        self.shape = shape = RuleShape(spec)
        self.native = (
            None if native_path is None else load_native(spec, native_path, scalar=shape.scalar)
        )
        self.wasm_path = wasm_path
        namespace = {"_rule": self, "__module__": spec.module, "__doc__": _SANDBOX_DOC}
        self.sandbox: type[SandboxBase] = type("Sandbox", (SandboxBase,), namespace)
        if self.native is not None and shape.scalar:
            self.main = make_entry(
                shape, self.native.main, 0, -1, native=self.native, sandboxed=False
            )
        elif self.native is not None:
            run = NativeCall(self.native.main, self.native, spec, ())
            self.main = compound_entry(shape, run, sandboxed=False)
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
            self._wasm: WasmInstance | None = WasmInstance(
                rule.shape, rule.wasm_path, rule.native, self.caps
            )
            self.main = self._wasm.entry(mask, steps)
            return
        self._wasm = None
        native = rule.native
        if native is None:
            raise RelonLoadError(f"{rule.spec.module} was built without the native target")
        if rule.shape.scalar:
            entry = make_entry(rule.shape, native.call, mask, steps, native=native, sandboxed=True)
            self.main = entry
        else:
            run = NativeCall(native.call, native, rule.spec, (mask, steps))
            self.main = compound_entry(rule.shape, run, sandboxed=True)

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
    if not 0 <= max_steps <= I64_MAX:
        raise ValueError(f"max_steps must be between 0 and {I64_MAX} (None: unlimited)")
    return int(max_steps)


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
