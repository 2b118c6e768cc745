"""``main`` functions: the unrolled scalar entry, the compound entry, and what they show.

Rules whose parameters and result are scalars go through an unrolled, compiled entry
(:func:`_entry_source`); rules with a String, List or tuple through
:func:`compound_entry`, which converts each argument (:mod:`.conversion`) and hands the
converted values to a backend's ``run``. Both get the rule's signature, annotations
and docstring, so ``help()`` and ``inspect.signature()`` show the Relon ``#main``.
"""

from __future__ import annotations

import ctypes
import inspect
import threading
from collections.abc import Callable, Sequence
from types import FunctionType
from typing import TYPE_CHECKING, Any, cast

from .abi import RuleSpec
from .conversion import CTYPES, FAST_BOUNDS, PY_TYPES, Args
from .errors import fail

if TYPE_CHECKING:
    from .native import Native

__all__ = ["RuleShape", "compound_entry", "make_entry"]

#: what ``inspect.signature(main)`` shows for a parameter / a result of each type
_PARAM_TYPES: dict[str, object] = {
    **PY_TYPES,
    "String": str,
    "List<Int>": Sequence[int],
    "List<Float>": Sequence[float],
    "List<Bool>": Sequence[bool],
    "List<String>": Sequence[str],
}
_RESULT_TYPES: dict[str, object] = {
    **PY_TYPES,
    "String": str,
    "List<Int>": list[int],
    "List<Float>": list[float],
    "List<Bool>": list[bool],
    "List<String>": list[str],
}


class RuleShape:
    """What every entry of one rule shares: its spec, argument binder, signature and doc."""

    __slots__ = ("args", "docstring", "scalar", "signature", "spec")

    def __init__(self, spec: RuleSpec) -> None:
        self.spec = spec
        self.args = Args(spec)
        self.docstring = _docstring(spec)
        self.signature = _signature(spec)
        #: whether ``spec`` takes the unrolled scalar entry (no String, List or tuple)
        self.scalar = not isinstance(spec.result, tuple) and all(
            kind in CTYPES for kind in [*(k for _, k in spec.params), spec.result]
        )


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


def _entry_source(count: int, result: str, *, native: bool, sandboxed: bool) -> str:
    """Python text of a ``make(...)`` that returns an unrolled ``main(*args, **kwargs)``.

    Like ``collections.namedtuple`` we compile a small template: a generic loop over the
    arguments costs ~1 us per call, the unrolled check ~0.2 us (benchmarks/loader_overhead.py).
    Only generated names (``a0``, ``t0``...) appear in the text, never user data.
    """
    names = [f"a{i}" for i in range(count)]
    consts = [f"{p}{i}" for i in range(count) for p in ("t", "lo", "hi")]
    header = ", ".join(["target", "fail", "caps", "steps", "bind", "convert", "slots", *consts])
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
        namespace: dict[str, object] = {}
        source = _entry_source(count, result, native=native, sandboxed=sandboxed)
        exec(compile(source, f"<relon entry {key}>", "exec"), namespace)
        _MAKERS[key] = cast("Callable[..., FunctionType]", namespace["make"])
    return _MAKERS[key]


def make_entry(
    shape: RuleShape,
    target: object,
    caps: int,
    steps: int,
    *,
    native: Native | None,
    sandboxed: bool,
) -> Callable[..., object]:
    """``main`` calling ``target``: an entry of ``native``, or (None) a wasm instance's
    ``call``, which checks the status itself."""
    spec = shape.spec
    consts: list[object] = []
    for _, kind in spec.params:
        consts += [PY_TYPES[kind], *FAST_BOUNDS[kind]]
    result = cast("str", spec.result)
    make = _maker(len(spec.params), result, native=native is not None, sandboxed=sandboxed)
    on_status = fail if native is None else native.fail
    args = (caps, steps, shape.args.bind, shape.args.convert, _SLOTS, *consts)
    entry = make(target, on_status, *args)
    return _describe(entry, shape, sandboxed=sandboxed)


def compound_entry(
    shape: RuleShape, run: Callable[[list[object]], object], *, sandboxed: bool
) -> Callable[..., object]:
    """``main`` of a String/List/tuple rule: bind, convert each argument, ``run``."""
    count, bind, converters = len(shape.spec.params), shape.args.bind, shape.args.converters

    def main(*args: object, **kwargs: object) -> object:
        if kwargs or len(args) != count:
            args = bind(args, kwargs)
        return run([convert(value) for convert, value in zip(converters, args, strict=True)])

    return _describe(main, shape, sandboxed=sandboxed)


def _describe(entry: Any, shape: RuleShape, *, sandboxed: bool) -> Callable[..., object]:
    spec = shape.spec
    entry.__name__, entry.__qualname__ = "main", "Sandbox.main" if sandboxed else "main"
    entry.__doc__ = shape.docstring
    entry.__module__ = spec.module
    entry.__dict__["__signature__"] = shape.signature  # what inspect.signature() reports
    entry.__annotations__ = {n: _PARAM_TYPES[k] for n, k in spec.params}
    entry.__annotations__["return"] = shape.signature.return_annotation
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
    parts = [f"#main({params}) -> {text}", spec.doc, _capabilities_text(spec)]
    return "\n\n".join(part for part in parts if part)


def _capabilities_text(spec: RuleSpec) -> str:
    """Which capabilities the rule's gated host functions need, one line each."""
    needed: dict[str, list[str]] = {}
    for host in spec.gated_hosts:
        for capability in host.capabilities:
            needed.setdefault(capability, []).append(host.name)
    if not needed:
        return ""
    lines = [
        f"    {cap}: host function{'s' if len(hosts) > 1 else ''} {', '.join(hosts)}"
        for cap, hosts in sorted(needed.items())
    ]
    return "\n".join(["Capabilities it can need (grant them with Sandbox(caps=...)):", *lines])
