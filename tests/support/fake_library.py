"""A fake built package: a C library and a WAT module implementing docs/abi.md by hand
(the loader tests' fixtures, tests/loader/conftest.py).

Four rules live in one native library and one ``.wasm`` (as in a real package):

- ``rules.quote``  ``#main(Int qty, Float price, Bool gold) -> Float``: loops ``qty``
  times (one step each), returns ``qty * price`` (doubled when ``gold``). ``qty`` in
  -7..-1 returns status ``-qty``; -8 returns the unknown status 99; -9 traps in wasm
  (status 7 natively).
- ``rules.clock``  ``#main(Int x) -> Int``: needs ``reads_clock`` and calls the gated host
  function ``clock_add(x) = x + 1000``, which panics for 13. For x == 77 the wasm code
  "forgets" its own capability check, so the loader's check is what denies it.
- ``flag``         ``#main(Bool a, Int b) -> Bool``: ``a != (b > 0)``.
- ``rules.answer`` ``#main() -> Int``: 42.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from relon_build_backend._relon_runtime.abi import (
    ABI_VERSION,
    ABI_VERSION_SYMBOL,
    CAPABILITIES,
    MEMORY_LIMIT_SYMBOL,
    NOTE_CAPACITY,
    NOTE_SYMBOL,
    OK,
    SCRATCH_SYMBOL,
    VALUE_SENTINELS,
    HostSpec,
    RuleSpec,
    Status,
    call_symbol,
    call_value_symbol,
    hash_symbol,
    host_symbol,
    main_symbol,
    main_value_symbol,
    rule_symbol_prefix,
    source_hash,
)
from relon_build_backend._relon_runtime.integrity import EditableInputs
from relon_build_backend.loader import render_loader, write_runtime

SOURCES = {
    "rules.quote": "// Price a quote.\n#main(Int qty, Float price, Bool gold) -> Float\n",
    "rules.clock": "#main(Int x) -> Int\nclock_add(x)\n",
    "flag": "// Exclusive or.\r\n#main(Bool a, Int b) -> Bool\r\n",
    "rules.answer": "#main() -> Int\n42\n",
}
CLOCK_HOST = HostSpec("clock_add", ("Int",), "Int", ("reads_clock",))

#: what quote returns for ``qty`` -1..-7: every status from 1 (NumericOverflow) to 7
#: (HostPanic), status ``-qty``
QTY_STATUSES = range(Status.NUMERIC_OVERFLOW, Status.HOST_PANIC + 1)
#: what quote returns for ``qty`` -8: a status the ABI does not have
UNKNOWN_STATUS = 99
assert UNKNOWN_STATUS not in Status.codes().values()
_CLOCK_MASK = sum(1 << CAPABILITIES.index(cap) for cap in CLOCK_HOST.capabilities)

_C_TYPES = {"Int": "int64_t", "Float": "double", "Bool": "int32_t"}
_WAT_TYPES = {"Int": "i64", "Float": "f64", "Bool": "i32"}
#: the WAT module's memory layout (its own choice, not the ABI's): the 8-byte result
#: slot, and the note (``i64 len``, then NOTE_CAPACITY bytes of text)
_WAT_SCRATCH = 64
_WAT_NOTE = 1024
_WAT_NOTE_TEXT = _WAT_NOTE + 8


def interface(package: str, rule: str, *, text: str | None = None) -> RuleSpec:
    module = f"{package}.{rule}"
    params: dict[str, tuple[tuple[str, str], ...]] = {
        "rules.quote": (("qty", "Int"), ("price", "Float"), ("gold", "Bool")),
        "rules.clock": (("x", "Int"),),
        "flag": (("a", "Bool"), ("b", "Int")),
        "rules.answer": (),
    }
    results = {"rules.quote": "Float", "rules.clock": "Int", "flag": "Bool", "rules.answer": "Int"}
    docs = {"rules.quote": "Price a quote.", "flag": "Exclusive or."}
    return RuleSpec(
        module=module,
        prefix=rule_symbol_prefix(module),
        params=params[rule],  # type: ignore[arg-type]
        result=results[rule],  # type: ignore[arg-type]
        source_hash=source_hash(SOURCES[rule] if text is None else text),
        doc=docs.get(rule, ""),
        gated_hosts=(CLOCK_HOST,) if rule == "rules.clock" else (),
    )


def _result(spec: RuleSpec) -> str:
    assert isinstance(spec.result, str), "the fixture's rules return scalars"
    return spec.result


def _c_int64(value: int) -> str:
    return f"(int64_t)0x{value & 0xFFFFFFFFFFFFFFFF:016x}ULL"


def _c_sentinel(kind: str) -> str:
    value = VALUE_SENTINELS[kind]
    if kind == "Float":
        return value.hex()
    return _c_int64(int(value)) if kind == "Int" else str(value)


def _wat_sentinel(kind: str) -> str:
    value = VALUE_SENTINELS[kind]
    return value.hex() if kind == "Float" else str(value)


def c_source(package: str, *, abi: int = ABI_VERSION) -> str:
    specs = [interface(package, rule) for rule in SOURCES]
    q, c, f, a = (spec.prefix for spec in specs)
    calls = [_c_quote(q), _c_clock(c), _c_flag(f), _c_answer(a)]
    rules = "".join(call + _c_main(spec) for call, spec in zip(calls, specs, strict=True))
    return _c_library(abi) + rules + "".join(map(_c_values, specs)) + "\n"


def _c_library(abi: int) -> str:
    return f"""
#include <stdint.h>
#include <string.h>
int32_t {ABI_VERSION_SYMBOL}(void) {{ return {abi}; }}
static _Thread_local struct {{ int64_t len; char text[{NOTE_CAPACITY}]; }} note;
void *{NOTE_SYMBOL}(void) {{ return &note; }}
void {MEMORY_LIMIT_SYMBOL}(int64_t bytes) {{ (void)bytes; }}
static void leave_note(const char *text) {{
    note.len = (int64_t)strlen(text);
    memcpy(note.text, text, (size_t)note.len);
}}
"""


def _c_quote(prefix: str) -> str:
    return f"""
int32_t {call_symbol(prefix)}(int64_t caps, int64_t steps, int64_t qty, double price,
                 int32_t gold, double *out) {{
    if (qty >= -{QTY_STATUSES[-1]} && qty <= -{QTY_STATUSES[0]}) return (int32_t)-qty;
    if (qty == -8) return {UNKNOWN_STATUS};
    if (qty == -9) return {Status.HOST_PANIC};
    for (int64_t i = 0; i < qty; i++) {{
        if (steps == 0) return {Status.STEP_LIMIT_EXCEEDED};
        if (steps > 0) steps--;
    }}
    *out = (double)qty * price * (gold ? 2.0 : 1.0);
    return {OK};
}}
"""


def _c_clock(prefix: str) -> str:
    host = host_symbol(prefix, CLOCK_HOST.name)
    return f"""
int32_t {host}(int64_t x, int64_t *out) {{
    if (x == 13) {{
        leave_note("panicked at shim/host_shim.rs:3:5:\\nclock broke");
        return {Status.HOST_PANIC};
    }}
    if (x == 14) return {Status.HOST_PANIC};  /* a panic that left no note */
    *out = x + 1000;
    return {OK};
}}
int32_t {call_symbol(prefix)}(int64_t caps, int64_t steps, int64_t x, int64_t *out) {{
    (void)steps;
    if (!(caps & {_CLOCK_MASK})) {{
        leave_note("{CLOCK_HOST.name}");
        return {Status.CAPABILITY_DENIED};
    }}
    return {host}(x, out);
}}
"""


def _c_flag(prefix: str) -> str:
    return f"""
int32_t {call_symbol(prefix)}(int64_t caps, int64_t steps, int32_t a, int64_t b, int32_t *out) {{
    (void)caps; (void)steps;
    *out = (a != 0) != (b > 0);
    return {OK};
}}
"""


def _c_answer(prefix: str) -> str:
    return f"""
int32_t {call_symbol(prefix)}(int64_t caps, int64_t steps, int64_t *out) {{
    (void)caps; (void)steps;
    *out = 42;
    return {OK};
}}
"""


def _c_main(spec: RuleSpec) -> str:
    """``P_main`` over ``P_call`` (caps 0, unlimited steps), and ``P_hash``."""
    p = spec.prefix
    decl = "".join(f"{_C_TYPES[kind]} {name}, " for name, kind in spec.params)
    args = "".join(f"{name}, " for name, _ in spec.params)
    return f"""int32_t {main_symbol(p)}({decl}{_C_TYPES[_result(spec)]} *out) {{
    return {call_symbol(p)}(0, -1, {args}out);
}}
int64_t {hash_symbol(p)}(void) {{ return {_c_int64(spec.source_hash)}; }}
"""


def _c_values(spec: RuleSpec) -> str:
    """``P_call_value``/``P_main_value`` over ``P_call`` (docs/abi.md "Value entries")."""
    p, kind = spec.prefix, _result(spec)
    result = _C_TYPES[kind]
    decl = "".join(f", {_C_TYPES[k]} {n}" for n, k in spec.params)
    args = "".join(f", {n}" for n, _ in spec.params)
    return f"""
{result} {call_value_symbol(p)}(int64_t caps, int64_t steps{decl}) {{
    {result} out;
    return {call_symbol(p)}(caps, steps{args}, &out) != {OK} ? {_c_sentinel(kind)} : out;
}}
{result} {main_value_symbol(p)}({decl[2:] or "void"}) {{
    return {call_value_symbol(p)}(0, -1{args});
}}"""


def wat_source(package: str, *, salt: str = "") -> str:
    """The fixture's wasm module; a ``salt`` makes its hashes those of other sources."""
    specs = [interface(package, rule, text=text + salt) for rule, text in SOURCES.items()]
    q, c, f, a = (spec.prefix for spec in specs)
    calls = [_wat_quote(q), _wat_clock(c), _wat_flag(f), _wat_answer(a)]
    rules = "".join(call + _wat_hash(spec) for call, spec in zip(calls, specs, strict=True))
    values = "\n".join(_wat_value(spec) for spec in specs if spec.prefix != c)
    return f"{_wat_library()}{rules}{values}\n)\n"


def _wat_library() -> str:
    return f"""(module
  (import "env" "{CLOCK_HOST.name}" (func $clock_add (param i64) (result i64)))
  (import "env" "unused_host" (func $unused (param f64 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "{ABI_VERSION_SYMBOL}") (result i32) (i32.const {ABI_VERSION}))
  (func (export "{SCRATCH_SYMBOL}") (result i32) (i32.const {_WAT_SCRATCH}))
  (func (export "{NOTE_SYMBOL}") (result i32) (i32.const {_WAT_NOTE}))
  (func (export "{MEMORY_LIMIT_SYMBOL}") (param i64))
  (data (i32.const {_WAT_NOTE_TEXT}) "{CLOCK_HOST.name}")
"""


def _wat_call_head(prefix: str) -> str:
    """The head of ``P_call``, named ``$_P_call`` for the value entry's call."""
    call = call_symbol(prefix)
    return f'  (func $_{call} (export "{call}") (param $caps i64) (param $steps i64)'


def _wat_quote(prefix: str) -> str:
    return f"""{_wat_call_head(prefix)} (param $qty i64)
        (param $price f64) (param $gold i32) (param $out i32) (result i32)
    (local $i i64) (local $r f64)
    (if (i32.and (i64.ge_s (local.get $qty) (i64.const -{QTY_STATUSES[-1]}))
                 (i64.le_s (local.get $qty) (i64.const -{QTY_STATUSES[0]})))
      (then (return (i32.wrap_i64 (i64.sub (i64.const 0) (local.get $qty))))))
    (if (i64.eq (local.get $qty) (i64.const -8)) (then (return (i32.const {UNKNOWN_STATUS}))))
    (if (i64.eq (local.get $qty) (i64.const -9)) (then unreachable))
    (block $done (loop $next
      (br_if $done (i64.ge_s (local.get $i) (local.get $qty)))
      (if (i64.eqz (local.get $steps))
        (then (return (i32.const {Status.STEP_LIMIT_EXCEEDED}))))
      (if (i64.gt_s (local.get $steps) (i64.const 0))
        (then (local.set $steps (i64.sub (local.get $steps) (i64.const 1)))))
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br $next)))
    (local.set $r (f64.mul (f64.convert_i64_s (local.get $qty)) (local.get $price)))
    (if (local.get $gold) (then (local.set $r (f64.mul (local.get $r) (f64.const 2)))))
    (f64.store (local.get $out) (local.get $r))
    (i32.const {OK}))
"""


def _wat_clock(prefix: str) -> str:
    return f"""{_wat_call_head(prefix)} (param $x i64)
        (param $out i32) (result i32)
    (if (i32.and (i64.ne (local.get $x) (i64.const 77))
                 (i64.eqz (i64.and (local.get $caps) (i64.const {_CLOCK_MASK}))))
      (then (i64.store (i32.const {_WAT_NOTE}) (i64.const {len(CLOCK_HOST.name.encode())}))
            (return (i32.const {Status.CAPABILITY_DENIED}))))
    (i64.store (local.get $out) (call $clock_add (local.get $x)))
    (i32.const {OK}))
"""


def _wat_flag(prefix: str) -> str:
    return f"""{_wat_call_head(prefix)} (param $a i32)
        (param $b i64) (param $out i32) (result i32)
    (i32.store (local.get $out) (i32.ne (local.get $a) (i64.gt_s (local.get $b) (i64.const 0))))
    (i32.const {OK}))
"""


def _wat_answer(prefix: str) -> str:
    return f"""{_wat_call_head(prefix)} (param $out i32)
        (result i32)
    (i64.store (local.get $out) (i64.const 42))
    (i32.const {OK}))
"""


def _wat_hash(spec: RuleSpec) -> str:
    hash_export = hash_symbol(spec.prefix)
    return f'  (func (export "{hash_export}") (result i64) (i64.const {spec.source_hash}))\n'


def _wat_value(spec: RuleSpec) -> str:
    """``P_call_value`` over ``P_call``, its result through the scratch slot."""
    kind = _result(spec)
    result = _WAT_TYPES[kind]
    decl = " ".join(f"(param ${n} {_WAT_TYPES[k]})" for n, k in spec.params)
    args = " ".join(f"(local.get ${n})" for n, _ in spec.params)
    value = call_value_symbol(spec.prefix)
    return f"""  (func (export "{value}") (param $caps i64) (param $steps i64) {decl}
        (result {result})
    (if (result {result})
      (call $_{call_symbol(spec.prefix)} (local.get $caps) (local.get $steps) {args}
            (i32.const {_WAT_SCRATCH}))
      (then ({result}.const {_wat_sentinel(kind)}))
      (else ({result}.load (i32.const {_WAT_SCRATCH})))))"""


@dataclass(frozen=True)
class FakePackage:
    """A built package on sys.path: ``root/<name>/...``."""

    root: Path
    name: str

    @property
    def dir(self) -> Path:
        return self.root / self.name

    def write_rule(
        self, rule: str, *, text: str | None = None, check: bool = False, **kw: object
    ) -> Path:
        """Write the loader of ``rule`` (optionally with other interface data/files)."""
        parts = rule.split(".")
        path = self.dir.joinpath(*parts[:-1], parts[-1] + ".py")
        if check:
            path.with_suffix(".relon").write_text(SOURCES[rule], newline="")
        iface = interface(self.name, rule, text=text)
        overrides = {k: v for k, v in kw.items() if k in RuleSpec._fields}
        iface = iface.replace(**overrides)
        options = {"library": "libfake.so", "wasm": "fake.wasm"}
        options.update({k: v for k, v in kw.items() if k in options})  # type: ignore[misc]
        text_out = render_loader(
            iface,
            package=self.name,
            library=options["library"],
            wasm=options["wasm"],
            editable=EditableInputs(((f"{parts[-1]}.relon", iface.source_hash),), None, None)
            if check
            else None,
        )
        path.write_text(text_out)
        return path

    def load(self, rule: str) -> Any:
        module = f"{self.name}.{rule}"
        sys.modules.pop(module, None)
        importlib.invalidate_caches()
        return importlib.import_module(module)


_COUNTER = iter(range(1_000_000))


def make_package(root: Path, *, abi: int = ABI_VERSION) -> FakePackage:
    """Compile the fixture library (cc) and wasm (wat2wasm) into a fresh package."""
    name = f"relonfake{next(_COUNTER)}"
    pkg = FakePackage(root, name)
    (pkg.dir / "rules").mkdir(parents=True)
    (pkg.dir / "__init__.py").write_text("")
    (pkg.dir / "py.typed").write_text("")
    (pkg.dir / "rules" / "__init__.py").write_text("")
    write_runtime(pkg.dir)
    c_file = root / f"{name}.c"
    c_file.write_text(c_source(name, abi=abi))
    cmd = ["cc", "-shared", "-fPIC", "-O1", "-o", str(pkg.dir / "libfake.so"), str(c_file)]
    subprocess.run(cmd, check=True, capture_output=True)
    wasmtime = pytest.importorskip("wasmtime")
    (pkg.dir / "fake.wasm").write_bytes(wasmtime.wat2wasm(wat_source(name)))
    for rule in SOURCES:
        pkg.write_rule(rule)
    return pkg
