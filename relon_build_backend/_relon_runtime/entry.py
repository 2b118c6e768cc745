"""``main`` functions: the unrolled scalar entry, the compound entry, and what they show.

Rules whose parameters and result are scalars get a ``main`` compiled from a template
for that rule (:func:`_scalar_source`): it takes the rule's own parameter names, checks
each argument inline and calls a value entry (``P_main_value``, docs/abi.md), which
returns the result itself. Rules with a String, List or tuple go through
:func:`compound_entry`, which converts each argument (:mod:`.conversion`) and hands the
converted values to a backend's ``run``. Both show the Relon ``#main`` to ``help()`` and
``inspect.signature()`` through ``__wrapped__``: a bodiless function with the rule's
parameters and annotations, so that no loader imports :mod:`inspect`.
"""

from __future__ import annotations

import _thread
import ctypes
from keyword import iskeyword

from .abi import TYPE_CHECKING, VALUE_SENTINELS, RuleSpec
from .conversion import FAST_BOUNDS, MISSING, PY_TYPES, Args

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

__all__ = ["RuleShape", "bodiless", "compound_entry", "make_entry"]

_SEQUENCE_OF = {"List<Int>": int, "List<Float>": float, "List<Bool>": bool, "List<String>": str}


def _annotation(kind: str, *, result: bool) -> object:
    """What ``inspect.signature(main)`` shows for a parameter / a result of ``kind``."""
    if kind == "String":
        return str
    if kind not in _SEQUENCE_OF:
        return PY_TYPES[kind]
    if result:
        return list.__class_getitem__(_SEQUENCE_OF[kind])
    from collections.abc import Sequence  # a List parameter only: collections costs ~2 ms

    return Sequence[_SEQUENCE_OF[kind]]  # type: ignore[valid-type]


class RuleShape:
    """What every entry of one rule shares: its spec, argument binder, signature and doc."""

    __slots__ = ("args", "docstring", "named", "scalar", "spec", "wrapped")

    def __init__(self, spec: RuleSpec) -> None:
        self.spec = spec
        self.args = Args(spec)
        self.docstring = _docstring(spec)
        #: whether ``spec`` takes the unrolled scalar entry (no String, List or tuple)
        self.scalar = spec.scalar
        #: whether ``main`` can take the parameters by their own names (else ``*args``)
        self.named = _nameable([name for name, _ in spec.params])
        #: what ``main.__wrapped__`` is: the signature ``inspect`` reports
        self.wrapped = bodiless(spec) if self.named else None


def _nameable(names: list[str]) -> bool:
    # generated names start with "__"; a Python keyword cannot be a parameter
    return all(n.isidentifier() and not iskeyword(n) and not n.startswith("__") for n in names)


class _Slots(_thread._local):
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


def _scalar_source(count: int, result: str, *, native: bool, budget: bool, value: bool) -> str:
    """Python text of a ``make(...)`` that returns one shape of unrolled ``main``.

    Like ``collections.namedtuple`` we compile a small template: a generic loop over the
    arguments costs ~1 us per call, the unrolled check well under 0.1 us
    (benchmarks/loader_overhead.py). ``budget``: the entries take caps and max_steps
    first (a Sandbox's); ``value``: a value entry returns the result (else only the
    status entry ``__status``). The parameters are positional-only and keywords go
    through ``**__extra``, so that every binding error is ours (MainArgTypeMismatch);
    a call by keyword only takes an inline path. Only generated names (``__a0``,
    ``__t0``...) appear in the text, never user data.
    """
    args = [f"__a{i}" for i in range(count)]
    consts = [f"__{p}{i}" for i in range(count) for p in ("k", "t", "lo", "hi")]
    fixed = ["__value", "__status", "__bind", "__convert", "__fail", "__slots", "__missing"]
    header = ", ".join([*fixed, "__sentinel", "__caps", "__steps", *consts])
    call = ", ".join([*(["__caps", "__steps"] if budget else []), *args])
    params = ", ".join([*(f"{a}=__missing" for a in args), *(["/"] if count else [])])
    return "\n".join(
        [
            f"def make({header}):",
            *_checked_lines(args, call, result, native=native),
            f"    def main({', '.join(p for p in (params, '*__rest', '**__extra') if p)}):",
            *_binding_lines(args),
            *_fast_lines(args, call, result, value=value),
            *_slow_lines(args),
            "    return main",
            "",
        ]
    )


def _checked_lines(args: list[str], call: str, result: str, *, native: bool) -> list[str]:
    """``__checked(args)``: the call through the status entry, its error raised."""
    head = f"    def __checked({', '.join(args)}):"
    if not native:  # wasm: the instance's call checks the status itself
        return [head, f"        return __status({call})"]
    ret = "__out.value != 0" if result == "Bool" else "__out.value"
    return [
        head,
        f"        __out, __ref = __slots.{result}",
        f"        __s = __status({', '.join([*([call] if call else []), '__ref'])})",
        "        if __s:",
        "            __fail(__s)",
        f"        return {ret}",
    ]


def _binding_lines(args: list[str]) -> list[str]:
    """Keywords and extra positional arguments: bound (or refused) by ``__bind``."""
    if not args:
        return ["        if __rest or __extra:", "            __bind((), __rest, __extra)"]
    given = ", ".join(args)
    return [
        *_keyword_lines(args),
        "        elif __rest:",
        f"            __bind(({given},), __rest, {{}})",
    ]


def _fast_lines(args: list[str], call: str, result: str, *, value: bool) -> list[str]:
    """Exact, in-range arguments: the value entry, or the status entry without one."""
    checks = [f"type({a}) is __t{i} and __lo{i} <= {a} <= __hi{i}" for i, a in enumerate(args)]
    lines = [f"        if {' and '.join(checks)}:" if args else "        if True:  # no argument"]
    if value:
        done = "__r == 1" if result == "Bool" else "__r"
        lines += [
            f"            __r = __value({call})",
            "            if __r != __sentinel:",
            f"                return {done}",
        ]
    return [*lines, f"            return __checked({', '.join(args)})"]


def _slow_lines(args: list[str]) -> list[str]:
    """Anything else: a missing argument refused, the others converted, then the call."""
    lines = []
    if args:
        unpack = ", ".join(args) + ","
        lines = [
            f"        if {args[-1]} is __missing:",  # positional arguments fill from the left
            f"            __bind(({unpack}), (), {{}})",
            f"        {unpack} = __convert(({unpack}))",
        ]
    return [*lines, f"        return __checked({', '.join(args)})"]


def _keyword_lines(args: list[str]) -> list[str]:
    """``main(**kwargs)`` naming every parameter: direct lookups; anything else binds."""
    lookups = ", ".join(f"__extra[__k{i}]" for i in range(len(args)))
    given = ", ".join(args)
    return [
        "        if __extra:",
        f"            if {args[0]} is __missing and not __rest and len(__extra) == {len(args)}:",
        "                try:",
        f"                    {given}, = {lookups},",
        "                except KeyError:",
        f"                    {given}, = __bind(({given},), __rest, __extra)",
        "            else:",
        f"                {given}, = __bind(({given},), __rest, __extra)",
    ]


_MAKERS: dict[tuple[int, str, bool, bool, bool], Callable[..., Any]] = {}


def _maker(count: int, result: str, *, native: bool, budget: bool, value: bool) -> Any:
    key = (count, result, native, budget, value)
    if key not in _MAKERS:
        namespace: dict[str, Any] = {}
        source = _scalar_source(count, result, native=native, budget=budget, value=value)
        exec(compile(source, f"<relon entry {key}>", "exec", dont_inherit=True), namespace)
        _MAKERS[key] = namespace["make"]
    return _MAKERS[key]


def make_entry(
    shape: RuleShape,
    entries: tuple[object | None, object],
    on_status: Callable[[int], Any],
    budget: tuple[int, int] | None,
    *,
    native: bool,
    sandboxed: bool,
) -> Callable[..., object]:
    """``main`` of a scalar rule over ``entries``: ``(value, status)``.

    ``value`` returns the result or :data:`~.abi.VALUE_SENTINELS` (None: none to use);
    ``status`` is natively the entry with an out pointer returning a status (passed to
    ``on_status`` when non-zero), on wasm the instance's call, which checks it itself.
    ``budget``: ``(caps, max_steps)`` the entries take first (None: they take neither).
    """
    spec = shape.spec
    result: str = spec.result  # type: ignore[assignment]
    consts: list[object] = []
    for name, kind in spec.params:
        consts += [name, PY_TYPES[kind], *FAST_BOUNDS[kind]]
    value, status = entries
    make = _maker(
        len(spec.params), result, native=native, budget=budget is not None, value=value is not None
    )
    caps, steps = budget or (0, 0)
    args = shape.args
    fixed = (value, status, args.bind_parts, args.convert, on_status, _SLOTS, MISSING)
    entry = make(*fixed, VALUE_SENTINELS[result], caps, steps, *consts)
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
    if shape.wrapped is not None:  # what inspect.signature() and help() report
        entry.__wrapped__ = shape.wrapped
        entry.__annotations__ = shape.wrapped.__annotations__
    return entry  # type: ignore[no-any-return]


def bodiless(spec: RuleSpec, *, annotated: bool = True) -> Callable[..., object]:
    """A bodiless ``main(<params>) -> <result>`` with the rule's parameter names (and,
    when ``annotated``, their annotations): what a ``__wrapped__`` shows ``inspect``."""
    names = [name for name, _ in spec.params]
    consts = [f"__p{i}" for i in range(len(names))]
    params = ", ".join(f"{n}: {c}" if annotated else n for n, c in zip(names, consts, strict=True))
    arrow = " -> __r" if annotated else ""
    source = f"def make({', '.join([*consts, '__r'])}):\n    def main({params}){arrow}: ...\n"
    source += "    return main\n"
    namespace: dict[str, Any] = {}
    # dont_inherit: this module's ``from __future__ import annotations`` would make the
    # annotations strings
    exec(compile(source, "<relon signature>", "exec", dont_inherit=True), namespace)
    if isinstance(spec.result, tuple):
        result: object = tuple.__class_getitem__(
            tuple(_annotation(k, result=True) for k in spec.result)
        )
    else:
        result = _annotation(spec.result, result=True)
    annotations = [_annotation(kind, result=False) for _, kind in spec.params]
    function: Any = namespace["make"](*annotations, result)
    function.__name__ = function.__qualname__ = "main"
    function.__module__ = spec.module
    return function  # type: ignore[no-any-return]


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
