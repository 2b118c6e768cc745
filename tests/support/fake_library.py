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
    HostSpec,
    RuleSpec,
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


def _hash_literal(value: int) -> str:
    return f"(int64_t)0x{value & 0xFFFFFFFFFFFFFFFF:016x}ULL"


def c_source(package: str, *, abi: int = 1) -> str:
    p = {rule: rule_symbol_prefix(f"{package}.{rule}") for rule in SOURCES}
    hashes = {rule: _hash_literal(source_hash(text)) for rule, text in SOURCES.items()}
    q, c, f, a = p["rules.quote"], p["rules.clock"], p["flag"], p["rules.answer"]
    return f"""
#include <stdint.h>
#include <string.h>
int32_t relon_abi_version(void) {{ return {abi}; }}
static _Thread_local struct {{ int64_t len; char text[1024]; }} note;
void *relon_note_buffer(void) {{ return &note; }}
void relon_set_memory_limit(int64_t bytes) {{ (void)bytes; }}
static void leave_note(const char *text) {{
    note.len = (int64_t)strlen(text);
    memcpy(note.text, text, (size_t)note.len);
}}

int32_t {q}_call(int64_t caps, int64_t steps, int64_t qty, double price, int32_t gold,
                 double *out) {{
    if (qty >= -7 && qty <= -1) return (int32_t)-qty;
    if (qty == -8) return 99;
    if (qty == -9) return 7;
    for (int64_t i = 0; i < qty; i++) {{
        if (steps == 0) return 6;
        if (steps > 0) steps--;
    }}
    *out = (double)qty * price * (gold ? 2.0 : 1.0);
    return 0;
}}
int32_t {q}_main(int64_t qty, double price, int32_t gold, double *out) {{
    return {q}_call(0, -1, qty, price, gold, out);
}}
int64_t {q}_hash(void) {{ return {hashes["rules.quote"]}; }}

int32_t {c}_host_clock_add(int64_t x, int64_t *out) {{
    if (x == 13) {{
        leave_note("panicked at shim/host_shim.rs:3:5:\\nclock broke");
        return 7;
    }}
    if (x == 14) return 7;  /* a panic that left no note */
    *out = x + 1000;
    return 0;
}}
int32_t {c}_call(int64_t caps, int64_t steps, int64_t x, int64_t *out) {{
    (void)steps;
    if (!(caps & (1 << 3))) {{
        leave_note("clock_add");
        return 5;
    }}
    return {c}_host_clock_add(x, out);
}}
int32_t {c}_main(int64_t x, int64_t *out) {{ return {c}_call(0, -1, x, out); }}
int64_t {c}_hash(void) {{ return {hashes["rules.clock"]}; }}

int32_t {f}_call(int64_t caps, int64_t steps, int32_t a, int64_t b, int32_t *out) {{
    (void)caps; (void)steps;
    *out = (a != 0) != (b > 0);
    return 0;
}}
int32_t {f}_main(int32_t a, int64_t b, int32_t *out) {{ return {f}_call(0, -1, a, b, out); }}
int64_t {f}_hash(void) {{ return {hashes["flag"]}; }}

int32_t {a}_call(int64_t caps, int64_t steps, int64_t *out) {{
    (void)caps; (void)steps;
    *out = 42;
    return 0;
}}
int32_t {a}_main(int64_t *out) {{ return {a}_call(0, -1, out); }}
int64_t {a}_hash(void) {{ return {hashes["rules.answer"]}; }}
{_c_values(q, "double", "-0x1p1023", [("int64_t", "qty"), ("double", "price"), ("int32_t", "g")])}
{_c_values(c, "int64_t", "INT64_MIN", [("int64_t", "x")])}
{_c_values(f, "int32_t", "2", [("int32_t", "a"), ("int64_t", "b")])}
{_c_values(a, "int64_t", "INT64_MIN", [])}
"""


def _c_values(prefix: str, result: str, sentinel: str, params: list[tuple[str, str]]) -> str:
    """``P_call_value``/``P_main_value`` over ``P_call`` (docs/abi.md "Value entries")."""
    decl = "".join(f", {t} {n}" for t, n in params)
    args = "".join(f", {n}" for _, n in params)
    return f"""
{result} {prefix}_call_value(int64_t caps, int64_t steps{decl}) {{
    {result} out;
    return {prefix}_call(caps, steps{args}, &out) ? {sentinel} : out;
}}
{result} {prefix}_main_value({decl[2:] or "void"}) {{
    return {prefix}_call_value(0, -1{args});
}}"""


def wat_source(package: str, *, salt: str = "") -> str:
    """The fixture's wasm module; a ``salt`` makes its hashes those of other sources."""
    p = {rule: rule_symbol_prefix(f"{package}.{rule}") for rule in SOURCES}
    h = {rule: source_hash(text + salt) for rule, text in SOURCES.items()}
    q, c, f, a = p["rules.quote"], p["rules.clock"], p["flag"], p["rules.answer"]
    return f"""(module
  (import "env" "clock_add" (func $clock_add (param i64) (result i64)))
  (import "env" "unused_host" (func $unused (param f64 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "relon_abi_version") (result i32) (i32.const 1))
  (func (export "relon_scratch") (result i32) (i32.const 64))
  (func (export "relon_note_buffer") (result i32) (i32.const 1024))
  (func (export "relon_set_memory_limit") (param i64))
  (data (i32.const 1032) "clock_add")
  (func $_{q}_call (export "{q}_call") (param $caps i64) (param $steps i64) (param $qty i64)
        (param $price f64) (param $gold i32) (param $out i32) (result i32)
    (local $i i64) (local $r f64)
    (if (i32.and (i64.ge_s (local.get $qty) (i64.const -7))
                 (i64.le_s (local.get $qty) (i64.const -1)))
      (then (return (i32.wrap_i64 (i64.sub (i64.const 0) (local.get $qty))))))
    (if (i64.eq (local.get $qty) (i64.const -8)) (then (return (i32.const 99))))
    (if (i64.eq (local.get $qty) (i64.const -9)) (then unreachable))
    (block $done (loop $next
      (br_if $done (i64.ge_s (local.get $i) (local.get $qty)))
      (if (i64.eqz (local.get $steps)) (then (return (i32.const 6))))
      (if (i64.gt_s (local.get $steps) (i64.const 0))
        (then (local.set $steps (i64.sub (local.get $steps) (i64.const 1)))))
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br $next)))
    (local.set $r (f64.mul (f64.convert_i64_s (local.get $qty)) (local.get $price)))
    (if (local.get $gold) (then (local.set $r (f64.mul (local.get $r) (f64.const 2)))))
    (f64.store (local.get $out) (local.get $r))
    (i32.const 0))
  (func (export "{q}_hash") (result i64) (i64.const {h["rules.quote"]}))
  (func $_{c}_call (export "{c}_call") (param $caps i64) (param $steps i64) (param $x i64)
        (param $out i32) (result i32)
    (if (i32.and (i64.ne (local.get $x) (i64.const 77))
                 (i64.eqz (i64.and (local.get $caps) (i64.const 8))))
      (then (i64.store (i32.const 1024) (i64.const 9)) (return (i32.const 5))))
    (i64.store (local.get $out) (call $clock_add (local.get $x)))
    (i32.const 0))
  (func (export "{c}_hash") (result i64) (i64.const {h["rules.clock"]}))
  (func $_{f}_call (export "{f}_call") (param $caps i64) (param $steps i64) (param $a i32)
        (param $b i64) (param $out i32) (result i32)
    (i32.store (local.get $out) (i32.ne (local.get $a) (i64.gt_s (local.get $b) (i64.const 0))))
    (i32.const 0))
  (func (export "{f}_hash") (result i64) (i64.const {h["flag"]}))
  (func $_{a}_call (export "{a}_call") (param $caps i64) (param $steps i64) (param $out i32)
        (result i32)
    (i64.store (local.get $out) (i64.const 42))
    (i32.const 0))
  (func (export "{a}_hash") (result i64) (i64.const {h["rules.answer"]}))
{_wat_value(q, "f64", "-0x1p1023", [("qty", "i64"), ("price", "f64"), ("gold", "i32")])}
{_wat_value(f, "i32", "2", [("a", "i32"), ("b", "i64")])}
{_wat_value(a, "i64", "-9223372036854775808", [])}
)
"""


def _wat_value(prefix: str, result: str, sentinel: str, params: list[tuple[str, str]]) -> str:
    """``P_call_value`` over ``P_call``, its result through the scratch slot (offset 64)."""
    decl = " ".join(f"(param ${n} {t})" for n, t in params)
    args = " ".join(f"(local.get ${n})" for n, _ in params)
    return f"""  (func (export "{prefix}_call_value") (param $caps i64) (param $steps i64) {decl}
        (result {result})
    (if (result {result})
      (call $_{prefix}_call (local.get $caps) (local.get $steps) {args} (i32.const 64))
      (then ({result}.const {sentinel}))
      (else ({result}.load (i32.const 64)))))"""


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


def make_package(root: Path, *, abi: int = 1) -> FakePackage:
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
