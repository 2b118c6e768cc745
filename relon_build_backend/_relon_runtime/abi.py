"""The entry ABI as data: the one place its numbers and names are written (docs/abi.md).

The backend imports these facts when it generates code and loaders; the generated
loaders import them at run time; the C and Rust runtimes are checked against them by a
test. Nothing here imports anything beyond the standard library, so this module is as
cheap to import in a built wheel as in the build.
"""

from __future__ import annotations

# A loader imports this module: no enum, dataclasses or typing (milliseconds each at
# import, docs/performance.md). Type-only names live under TYPE_CHECKING.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Literal, TypeVar

    _R = TypeVar("_R", bound="_Record")

__all__ = [
    "ABI_VERSION",
    "ABI_VERSION_SYMBOL",
    "CAPABILITIES",
    "DEFAULT_MAX_MEMORY",
    "ERROR_KINDS",
    "HEAP_ALLOC_SYMBOL",
    "HEAP_MARK_SYMBOL",
    "HEAP_RESET_SYMBOL",
    "MAX_CALL_DEPTH",
    "MEMORY_LIMIT_SYMBOL",
    "NATIVE_LIBRARY_SYMBOLS",
    "NOTE_CAPACITY",
    "NOTE_FUNCTION",
    "NOTE_SYMBOL",
    "OK",
    "PACKED_SIZE",
    "RELEASE_SYMBOL",
    "REQUIRES_PYTHON",
    "RESOURCE_STATUSES",
    "SCRATCH_SYMBOL",
    "VALUE_SENTINELS",
    "WASM_LIBRARY_SYMBOLS",
    "Capability",
    "HostSpec",
    "RuleSpec",
    "Scalar",
    "Status",
    "Value",
    "batch_symbol",
    "call_symbol",
    "call_value_symbol",
    "has_batch",
    "hash_symbol",
    "host_symbol",
    "main_symbol",
    "main_value_symbol",
    "rule_symbol_prefix",
    "source_hash",
]

#: Bumped on any incompatible change to the entries; loaders refuse other versions.
ABI_VERSION = 1

#: The oldest Python this runtime runs on (``slots=True`` dataclasses, ``zip(strict=)``):
#: a wheel's ``Requires-Python`` unless its author set one.
REQUIRES_PYTHON = ">=3.10"

if TYPE_CHECKING:
    Capability = Literal["reads_fs", "writes_fs", "network", "reads_clock", "reads_env", "uses_rng"]
    Scalar = Literal["Int", "Float", "Bool"]
    #: A value type at the entry boundary (docs/abi.md "Strings, lists and tuples").
    Value = Literal[
        "Int", "Float", "Bool", "String", "List<Int>", "List<Float>", "List<Bool>", "List<String>"
    ]
else:
    Capability = Scalar = Value = str
#: Capability names in bit order: bit ``i`` of a capability mask is ``CAPABILITIES[i]``.
CAPABILITIES: tuple[Capability, ...] = (
    "reads_fs",
    "writes_fs",
    "network",
    "reads_clock",
    "reads_env",
    "uses_rng",
)


#: The status of a call that succeeded.
OK = 0


class Status:
    """The status an entry returns when a call fails (0 is :data:`OK`): plain ints."""

    NUMERIC_OVERFLOW = 1
    DIVISION_BY_ZERO = 2
    INDEX_OUT_OF_BOUNDS = 3
    EMPTY_LIST = 4
    CAPABILITY_DENIED = 5
    STEP_LIMIT_EXCEEDED = 6
    HOST_PANIC = 7
    RECURSION_LIMIT_EXCEEDED = 8
    VALUE_TOO_LARGE = 9
    VALIDATION_ERROR = 10

    @classmethod
    def codes(cls) -> dict[str, int]:
        """Every status by name, in code order."""
        return {k: v for k, v in vars(cls).items() if k.isupper()}


#: Statuses of exhausted resources: raised at once, even inside a loop that would hold
#: another error as pending (docs/abi.md; ``ir.nodes.Pipeline``).
RESOURCE_STATUSES = frozenset(
    (Status.STEP_LIMIT_EXCEEDED, Status.RECURSION_LIMIT_EXCEEDED, Status.VALUE_TOO_LARGE)
)


#: status -> the contract's ``.kind`` tag of the error it raises
ERROR_KINDS: dict[int, str] = {
    Status.NUMERIC_OVERFLOW: "NumericOverflow",
    Status.DIVISION_BY_ZERO: "DivisionByZero",
    Status.INDEX_OUT_OF_BOUNDS: "IndexOutOfBounds",
    Status.EMPTY_LIST: "EmptyList",
    Status.CAPABILITY_DENIED: "CapabilityDenied",
    Status.STEP_LIMIT_EXCEEDED: "StepLimitExceeded",
    Status.HOST_PANIC: "HostPanic",
    Status.RECURSION_LIMIT_EXCEEDED: "RecursionLimitExceeded",
    Status.VALUE_TOO_LARGE: "ValueTooLarge",
    Status.VALIDATION_ERROR: "ValidationError",
}

#: Calls nested deeper than this fail with RecursionLimitExceeded (contract section 5).
MAX_CALL_DEPTH = 10_000
#: ``Sandbox(max_memory=None)``: the bytes a call may use for its arguments and the
#: values it builds, the same on both backends (contract section 4).
DEFAULT_MAX_MEMORY = 1 << 30

# --- symbols: per library, then per rule (prefix ``P`` from rule_symbol_prefix) -------
#: ``i32 relon_abi_version()``, in every native library and .wasm asset
ABI_VERSION_SYMBOL = "relon_abi_version"
#: ``void relon_release(i64 handle)``: frees a compound result's memory (no-op on wasm)
RELEASE_SYMBOL = "relon_release"
#: wasm only: ``ptr relon_scratch()``, the 8-byte result slot of a scalar call
SCRATCH_SYMBOL = "relon_scratch"
#: wasm only: the bump heap a compound call's arguments and results live in
HEAP_MARK_SYMBOL = "relon_heap_mark"
HEAP_ALLOC_SYMBOL = "relon_alloc"
HEAP_RESET_SYMBOL = "relon_heap_reset"
#: ``relon_note *relon_note_buffer()``: this thread's note, ``{i64 len; u8 text[CAP]}``,
#: where a failing call leaves what the status alone cannot say (the panic message of
#: status 7, the host function of status 5); the loader reads it, then sets len to 0
NOTE_SYMBOL = "relon_note_buffer"
#: ``void relon_note(const u8 *text, i64 len)``: runtime-internal, replaces the note
NOTE_FUNCTION = "relon_note"
#: Bytes a note holds; longer text is cut (it may end inside a UTF-8 sequence)
NOTE_CAPACITY = 1024
#: Library-wide exports besides the rules' entries: of a native library, of a .wasm
#: ``void relon_set_memory_limit(i64 bytes)``: what the next calls on this thread (wasm:
#: of this instance) may allocate for the values they build, until set again
MEMORY_LIMIT_SYMBOL = "relon_set_memory_limit"
NATIVE_LIBRARY_SYMBOLS = (ABI_VERSION_SYMBOL, RELEASE_SYMBOL, NOTE_SYMBOL, MEMORY_LIMIT_SYMBOL)
WASM_LIBRARY_SYMBOLS = (
    *NATIVE_LIBRARY_SYMBOLS,
    SCRATCH_SYMBOL,
    HEAP_MARK_SYMBOL,
    HEAP_ALLOC_SYMBOL,
    HEAP_RESET_SYMBOL,
)


def main_symbol(prefix: str) -> str:
    """``i32 P_main(params..., ptr out)``: caps 0, unlimited steps."""
    return f"{prefix}_main"


def call_symbol(prefix: str) -> str:
    """``i32 P_call(i64 caps, i64 max_steps, params..., ptr out)``."""
    return f"{prefix}_call"


def main_value_symbol(prefix: str) -> str:
    """Scalar rules: ``result P_main_value(params...)``, ``P_main`` returning its result
    (:data:`VALUE_SENTINELS` when the call failed: call ``P_main`` for the status)."""
    return f"{prefix}_main_value"


def call_value_symbol(prefix: str) -> str:
    """Scalar rules: ``result P_call_value(i64 caps, i64 max_steps, params...)``."""
    return f"{prefix}_call_value"


#: What a ``*_value`` entry returns when its call failed. A result may equal it too, so
#: the loader then repeats the call through the status entry, which says which it was;
#: rules are deterministic, so the repeat ends the same way (docs/abi.md "Value entries").
VALUE_SENTINELS = {"Int": -(1 << 63), "Float": -(2.0**1023), "Bool": 2}


def batch_symbol(prefix: str) -> str:
    """``i32 P_batch(i64 caps, i64 max_steps, i64 n, ptr columns..., ptr out, ptr failed_row)``:
    the rule over ``n`` rows, one column per parameter (only rules :func:`has_batch`)."""
    return f"{prefix}_batch"


def hash_symbol(prefix: str) -> str:
    """``i64 P_hash()``: the :func:`source_hash` of the compiled ``.relon`` text."""
    return f"{prefix}_hash"


def host_symbol(prefix: str, host: str) -> str:
    """Native only: ``i32 P_host_<host>(params..., ptr out)``, a gated host function."""
    return f"{prefix}_host_{host}"


def rule_symbol_prefix(module_name: str) -> str:
    """``relon_<stem>_<8 hex>`` for a dotted module name like ``pkg.rules.quote``."""
    import hashlib  # here: the loaders never call it, and importing it costs them
    import re

    stem = re.sub(r"[^A-Za-z0-9_]", "_", module_name.rsplit(".", 1)[-1])
    digest = hashlib.sha256(module_name.encode()).hexdigest()[:8]
    return f"relon_{stem}_{digest}"


def source_hash(text: str) -> int:
    """First 8 bytes of sha256(text, UTF-8) as a signed 64-bit int (what ``P_hash()`` returns)."""
    import hashlib

    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big", signed=True)


class _Record:
    """Immutable plain data compared by value: what ``@dataclass(frozen=True)`` would give,
    without importing dataclasses into every loader."""

    __slots__ = ()
    _fields: tuple[str, ...] = ()

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self._fields)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def _set(self, **values: object) -> None:
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def replace(self: _R, **changes: Any) -> _R:
        """A copy with ``changes`` (``dataclasses.replace``)."""
        values: dict[str, Any] = dict(zip(self._fields, self._values(), strict=True))
        return type(self)(**{**values, **changes})

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        fields = ", ".join(f"{n}={getattr(self, n)!r}" for n in self._fields)
        return f"{type(self).__name__}({fields})"


class HostSpec(_Record):
    """A gated host function: wasm import ``env.<name>``, native export ``P_host_<name>``."""

    __slots__ = _fields = ("name", "params", "result", "capabilities")
    name: str
    params: tuple[Scalar, ...]
    result: Scalar
    capabilities: tuple[Capability, ...]  # in CAPABILITIES (bit) order

    def __init__(
        self,
        name: str,
        params: tuple[Scalar, ...],
        result: Scalar,
        capabilities: tuple[Capability, ...],
    ) -> None:
        self._set(name=name, params=params, result=result, capabilities=capabilities)


class RuleSpec(_Record):
    """Everything a loader needs to call one compiled rule (plain, ``repr``-able data).

    The backend builds it from the lowered rule; the generated module spells it out as
    a literal and hands it to the runtime's ``load_rule``.
    """

    __slots__ = _fields = (
        "module",
        "prefix",
        "params",
        "result",
        "source_hash",
        "doc",
        "gated_hosts",
        "surface",
    )
    module: str  # dotted, e.g. "mypkg.rules.quote"
    prefix: str  # P in docs/abi.md (rule_symbol_prefix of module)
    params: tuple[tuple[str, Value], ...]  # (name, type) in #main order
    result: Value | tuple[Value, ...]  # a tuple for a tuple-returning rule
    source_hash: int  # what P_hash() returns
    doc: str  # the leading comment of the .relon file
    gated_hosts: tuple[HostSpec, ...]  # sorted by name
    #: records, documents or enums in #main: ``shapes.Surface``, ``(params, result)``
    #: shapes over the flat ``params``/``result`` above (None: they are the surface)
    surface: tuple[object, object] | None

    def __init__(  # noqa: PLR0917 (the dataclass it replaces took them positionally)
        self,
        module: str,
        prefix: str,
        params: tuple[tuple[str, Value], ...],
        result: Value | tuple[Value, ...],
        source_hash: int,
        doc: str,
        gated_hosts: tuple[HostSpec, ...],
        surface: tuple[object, object] | None = None,
    ) -> None:
        self._set(
            module=module,
            prefix=prefix,
            params=params,
            result=result,
            source_hash=source_hash,
            doc=doc,
            gated_hosts=gated_hosts,
            surface=surface,
        )

    @property
    def scalar(self) -> bool:
        """Whether every parameter and the result are scalars: the rule has the unrolled
        ``main`` and the value entries (:func:`main_value_symbol`)."""
        kinds = [kind for _, kind in self.params]
        return not isinstance(self.result, tuple) and all(
            kind in _SCALARS for kind in [*kinds, self.result]
        )


_SCALARS = frozenset(("Int", "Float", "Bool"))


#: bytes of a scalar packed in a buffer: a List<Int/Float/Bool> element (docs/abi.md
#: "Strings, lists and tuples") and a batch column's element ("Batch entry"). Bool is
#: 1 byte, so a NumPy ``bool_`` array crosses as it is.
PACKED_SIZE: dict[Scalar, int] = {"Int": 8, "Float": 8, "Bool": 1}


def has_batch(spec: RuleSpec) -> bool:
    """Whether the rule has a batch entry: at least one parameter, every parameter and
    the result an Int, Float or Bool, and no records, documents or enums in ``#main``."""
    return spec.surface is None and bool(spec.params) and spec.scalar
