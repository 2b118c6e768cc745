"""A fake built package of String/List/tuple rules: a C library and a WAT module by hand.

Both implement docs/abi.md "Strings, lists and tuples" for five rules (one native
library and one ``.wasm``, as in a real package):

- ``text.echo``  ``#main(String s, Int status) -> String``: ``s`` itself (a result that
  points into the argument), handle 0; a non-zero ``status`` is returned as the status
  (-1: a trap in wasm, HostPanic natively).
- ``text.upper`` ``#main(String s) -> String``: ASCII upper case in new memory (native: a
  ``malloc``ed block released by ``abi.RELEASE_SYMBOL``; wasm: the bump heap); with a step
  budget smaller than ``len(s)`` it fails with StepLimitExceeded before allocating.
- ``lists``  ``#main(List<Int> xs, List<Float> ys, List<Bool> bs) -> (List<Int>,
  List<Float>, List<Bool>, Int)``: ``xs`` doubled (NumericOverflow when a value does
  not fit), ``ys`` itself, ``bs`` negated, and ``sum(raw bytes of bs) + 1000 * len(xs)
  + 1000000 * len(ys)`` (so a test sees the exact bytes the loader passed).
- ``words``  ``#main(List<String> ws, String sep) -> (List<String>, String, Int)``:
  ``ws`` reversed (pointing into the argument), ``sep.join(ws)`` and the total byte
  length of ``ws``.
- ``pair``  ``#main(Int a, Float x) -> (Int, Float, Bool)``: ``(a + 1, x * 2, a > 0)``,
  a tuple of scalars (no handle slot).
- ``total``  ``#main(List<Int> xs) -> Int``: the wrapping sum of ``xs`` (a scalar result).

The native library also exports ``fake_live_handles()``: result blocks not yet released.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from relon_build_backend._relon_runtime.abi import (
    ABI_VERSION,
    ABI_VERSION_SYMBOL,
    HEAP_ALLOC_SYMBOL,
    HEAP_MARK_SYMBOL,
    HEAP_RESET_SYMBOL,
    MEMORY_LIMIT_SYMBOL,
    NOTE_CAPACITY,
    NOTE_SYMBOL,
    OK,
    RELEASE_SYMBOL,
    SCRATCH_SYMBOL,
    RuleSpec,
    Status,
    Value,
    call_symbol,
    hash_symbol,
    main_symbol,
    rule_symbol_prefix,
    source_hash,
)
from relon_build_backend.loader import render_loader, write_runtime

Sig = tuple[tuple[tuple[str, Value], ...], Value | tuple[Value, ...]]
RULES: dict[str, Sig] = {
    "text.echo": ((("s", "String"), ("status", "Int")), "String"),
    "text.upper": ((("s", "String"),), "String"),
    "lists": (
        (("xs", "List<Int>"), ("ys", "List<Float>"), ("bs", "List<Bool>")),
        ("List<Int>", "List<Float>", "List<Bool>", "Int"),
    ),
    "words": ((("ws", "List<String>"), ("sep", "String")), ("List<String>", "String", "Int")),
    "pair": ((("a", "Int"), ("x", "Float")), ("Int", "Float", "Bool")),
    "total": ((("xs", "List<Int>"),), "Int"),
}
#: wasm linear memory limit of the fixture, in 64 KiB pages (16 MiB)
MAX_PAGES = 256
#: what a rule returns when it cannot get its result's memory, as the real runtimes do
_NO_MEMORY = Status.VALUE_TOO_LARGE

#: the WAT module's memory layout (its own choice, not the ABI's): the 8-byte result
#: slot, the note (``i64 len``, then NOTE_CAPACITY bytes of text), and the bump heap
#: above them
_WAT_SCRATCH = 64
_WAT_NOTE = 1024
_WAT_HEAP = 4096
assert _WAT_NOTE + 8 + NOTE_CAPACITY <= _WAT_HEAP
#: what ``$alloc`` returns when the heap cannot grow
_WAT_NULL = 0


def text_of(rule: str) -> str:
    params, result = RULES[rule]
    shown = f"({', '.join(result)})" if isinstance(result, tuple) else result
    return f"#main({', '.join(f'{k} {n}' for n, k in params)}) -> {shown}\n"


def interface(package: str, rule: str) -> RuleSpec:
    module = f"{package}.{rule}"
    params, result = RULES[rule]
    return RuleSpec(
        module=module,
        prefix=rule_symbol_prefix(module),
        params=params,
        result=result,
        source_hash=source_hash(text_of(rule)),
        doc=f"The {rule} fixture rule.",
        gated_hosts=(),
    )


def _prefixes(package: str) -> list[str]:
    """The rules' symbol prefixes, in RULES order."""
    return [rule_symbol_prefix(f"{package}.{rule}") for rule in RULES]


def _c_int64(value: int) -> str:
    return f"(int64_t)0x{value & 0xFFFFFFFFFFFFFFFF:016x}ULL"


def c_source(package: str) -> str:
    e, u, li, w, pa, t = _prefixes(package)
    calls = [_c_echo(e), _c_upper(u), _c_lists(li), _c_words(w), _c_total(t), _c_pair(pa)]
    return _c_runtime() + "\n" + "".join(calls) + _c_mains(package) + _c_hashes(package)


def _c_runtime() -> str:
    """The library-wide exports, and ``block``: a ``malloc``ed result block, counted."""
    return f"""
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
typedef struct {{ const uint8_t *ptr; int64_t len; }} RelonStr;
static int64_t live;
int64_t fake_live_handles(void) {{ return __atomic_load_n(&live, __ATOMIC_SEQ_CST); }}
static void *block(int64_t size, int64_t *handle) {{
    void *p = malloc(size > 0 ? (size_t)size : 1);
    if (!p) return NULL;
    __atomic_add_fetch(&live, 1, __ATOMIC_SEQ_CST);
    *handle = (int64_t)(intptr_t)p;
    return p;
}}
void {RELEASE_SYMBOL}(int64_t handle) {{
    free((void *)(intptr_t)handle);
    __atomic_sub_fetch(&live, 1, __ATOMIC_SEQ_CST);
}}
int32_t {ABI_VERSION_SYMBOL}(void) {{ return {ABI_VERSION}; }}
static _Thread_local struct {{ int64_t len; char text[{NOTE_CAPACITY}]; }} note;
void *{NOTE_SYMBOL}(void) {{ return &note; }}
void {MEMORY_LIMIT_SYMBOL}(int64_t bytes) {{ (void)bytes; }}
"""


def _c_call_head(prefix: str) -> str:
    """The head of ``P_call`` up to its own parameters."""
    return f"int32_t {call_symbol(prefix)}(int64_t caps, int64_t steps, "


def _c_echo(prefix: str) -> str:
    return f"""{_c_call_head(prefix)}const uint8_t *s, int64_t n, int64_t status,
                 int64_t *out) {{
    (void)caps; (void)steps;
    if (status == -1) return {Status.HOST_PANIC};
    if (status) return (int32_t)status;
    out[0] = (int64_t)(intptr_t)s; out[1] = n; out[2] = 0;
    return {OK};
}}
"""


def _c_upper(prefix: str) -> str:
    return f"""{_c_call_head(prefix)}const uint8_t *s, int64_t n, int64_t *out) {{
    (void)caps;
    if (steps >= 0 && steps < n) return {Status.STEP_LIMIT_EXCEEDED};
    uint8_t *r = block(n, &out[2]);
    if (!r) return {_NO_MEMORY};
    for (int64_t i = 0; i < n; i++) r[i] = (s[i] >= 'a' && s[i] <= 'z') ? s[i] - 32 : s[i];
    out[0] = (int64_t)(intptr_t)r; out[1] = n;
    return {OK};
}}
"""


def _c_lists(prefix: str) -> str:
    return f"""{_c_call_head(prefix)}const int64_t *xs, int64_t nx, const double *ys,
                  int64_t ny, const uint8_t *bs, int64_t nb, int64_t *out) {{
    (void)caps; (void)steps;
    for (int64_t i = 0; i < nx; i++)
        if (xs[i] > INT64_MAX / 2 || xs[i] < INT64_MIN / 2) return {Status.NUMERIC_OVERFLOW};
    int64_t handle = 0;
    uint8_t *mem = block(8 * nx + nb, &handle);
    if (!mem) return {_NO_MEMORY};
    int64_t *dx = (int64_t *)mem;
    uint8_t *db = mem + 8 * nx;
    int64_t sum = 0;
    for (int64_t i = 0; i < nx; i++) dx[i] = xs[i] * 2;
    for (int64_t i = 0; i < nb; i++) {{ sum += bs[i]; db[i] = !bs[i]; }}
    out[0] = (int64_t)(intptr_t)dx; out[1] = nx;
    out[2] = (int64_t)(intptr_t)ys; out[3] = ny;
    out[4] = (int64_t)(intptr_t)db; out[5] = nb;
    out[6] = sum + 1000 * nx + 1000000 * ny;
    out[8] = handle;
    return {OK};
}}
"""


def _c_words(prefix: str) -> str:
    return f"""{_c_call_head(prefix)}const RelonStr *ws, int64_t nw,
                 const uint8_t *sep, int64_t ns, int64_t *out) {{
    (void)caps; (void)steps;
    int64_t total = 0;
    for (int64_t i = 0; i < nw; i++) total += ws[i].len;
    int64_t joined = nw ? total + ns * (nw - 1) : 0;
    int64_t handle = 0;
    uint8_t *mem = block(16 * nw + joined, &handle);
    if (!mem) return {_NO_MEMORY};
    RelonStr *rev = (RelonStr *)mem;
    uint8_t *j = mem + 16 * nw, *at = j;
    for (int64_t i = 0; i < nw; i++) {{
        rev[i] = ws[nw - 1 - i];
        if (i) {{ memcpy(at, sep, (size_t)ns); at += ns; }}
        memcpy(at, ws[i].ptr, (size_t)ws[i].len); at += ws[i].len;
    }}
    out[0] = (int64_t)(intptr_t)rev; out[1] = nw;
    out[2] = (int64_t)(intptr_t)j; out[3] = joined;
    out[4] = total;
    out[6] = handle;
    return {OK};
}}
"""


def _c_total(prefix: str) -> str:
    return f"""{_c_call_head(prefix)}const int64_t *xs, int64_t n, int64_t *out) {{
    (void)caps; (void)steps;
    uint64_t sum = 0;
    for (int64_t i = 0; i < n; i++) sum += (uint64_t)xs[i];
    out[0] = (int64_t)sum;
    return {OK};
}}
"""


def _c_pair(prefix: str) -> str:
    return f"""{_c_call_head(prefix)}int64_t a, double x, int64_t *out) {{
    (void)caps; (void)steps;
    out[0] = a + 1;
    double twice = x * 2; memcpy(&out[2], &twice, 8);
    int32_t positive = a > 0; memcpy(&out[4], &positive, 4);
    return {OK};
}}
"""


def _c_main(prefix: str, params: str, args: str, *, wrap: bool = False) -> str:
    """``P_main`` over ``P_call`` (caps 0, unlimited steps); ``wrap``: its body on a line
    of its own."""
    head = f"int32_t {main_symbol(prefix)}({params}) {{"
    body = f"return {call_symbol(prefix)}(0, -1, {args}); }}"
    return f"{head}\n    {body}\n" if wrap else f"{head} {body}\n"


def _c_mains(package: str) -> str:
    e, u, li, w, pa, t = _prefixes(package)
    lists = "const int64_t *xs, int64_t nx, const double *ys, int64_t ny,\n" + " " * 18
    return "\n" + "".join(
        [
            _c_main(
                e, "const uint8_t *s, int64_t n, int64_t st, int64_t *o", "s, n, st, o", wrap=True
            ),
            _c_main(u, "const uint8_t *s, int64_t n, int64_t *o", "s, n, o"),
            _c_main(
                li,
                lists + "const uint8_t *bs, int64_t nb, int64_t *o",
                "xs, nx, ys, ny, bs, nb, o",
                wrap=True,
            ),
            _c_main(
                w,
                "const RelonStr *ws, int64_t nw, const uint8_t *sep, int64_t ns, int64_t *o",
                "ws, nw, sep, ns, o",
                wrap=True,
            ),
            _c_main(pa, "int64_t a, double x, int64_t *o", "a, x, o"),
            _c_main(t, "const int64_t *xs, int64_t n, int64_t *o", "xs, n, o"),
        ]
    )


def _c_hashes(package: str) -> str:
    specs = [interface(package, rule) for rule in RULES]
    return "".join(
        f"int64_t {hash_symbol(s.prefix)}(void) {{ return {_c_int64(s.source_hash)}; }}\n"
        for s in specs
    )


def wat_source(package: str) -> str:
    e, u, li, w, pa, t = _prefixes(package)
    calls = [_wat_echo(e), _wat_upper(u), _wat_lists(li), _wat_words(w)]
    calls += [_wat_pair(pa), _wat_total(t)]
    body = _wat_runtime() + _wat_alloc() + "\n" + "".join(calls) + _wat_hashes(package)
    return f"(module {body})\n"


def _wat_runtime() -> str:
    return f"""
  (memory (export "memory") 2 {MAX_PAGES})
  (global $top (mut i32) (i32.const {_WAT_HEAP}))
  (func (export "{NOTE_SYMBOL}") (result i32) (i32.const {_WAT_NOTE}))
  (func (export "{MEMORY_LIMIT_SYMBOL}") (param i64))
  (func (export "{ABI_VERSION_SYMBOL}") (result i32) (i32.const {ABI_VERSION}))
  (func (export "{SCRATCH_SYMBOL}") (result i32) (i32.const {_WAT_SCRATCH}))
  (func (export "{HEAP_MARK_SYMBOL}") (result i64) (i64.extend_i32_u (global.get $top)))
  (func (export "{HEAP_RESET_SYMBOL}") (param i64) (global.set $top (i32.wrap_i64 (local.get 0))))
  (func (export "{HEAP_ALLOC_SYMBOL}") (param i64) (result i32) (call $alloc (local.get 0)))
"""


def _wat_alloc() -> str:
    """``$alloc``: 8-aligned bytes from the bump heap, grown on demand (``_WAT_NULL``:
    none left)."""
    return f"""  (func $alloc (param $size i64) (result i32)
    (local $p i32) (local $end i64) (local $need i64)
    (if (i64.lt_s (local.get $size) (i64.const 0)) (then (return (i32.const {_WAT_NULL}))))
    (if (i64.gt_s (local.get $size) (i64.const 0x7fffffff)) (then (return (i32.const {_WAT_NULL}))))
    (local.set $p (global.get $top))
    (local.set $end (i64.add (i64.extend_i32_u (local.get $p))
      (i64.and (i64.add (local.get $size) (i64.const 7)) (i64.const -8))))
    (local.set $need (i64.sub (local.get $end)
      (i64.mul (i64.extend_i32_u (memory.size)) (i64.const 65536))))
    (if (i64.gt_s (local.get $need) (i64.const 0))
      (then (if (i32.eq (i32.const -1) (memory.grow (i32.wrap_i64
              (i64.div_u (i64.add (local.get $need) (i64.const 65535)) (i64.const 65536)))))
        (then (return (i32.const {_WAT_NULL}))))))
    (global.set $top (i32.wrap_i64 (local.get $end)))
    (local.get $p))
"""


def _wat_call_head(prefix: str) -> str:
    """The head of ``P_call`` up to its own parameters."""
    return f'  (func (export "{call_symbol(prefix)}") (param $caps i64) (param $steps i64)'


def _wat_echo(prefix: str) -> str:
    return f"""{_wat_call_head(prefix)} (param $s i32) (param $n i64)
        (param $status i64) (param $out i32) (result i32)
    (if (i64.eq (local.get $status) (i64.const -1)) (then unreachable))
    (if (i64.ne (local.get $status) (i64.const 0))
      (then (return (i32.wrap_i64 (local.get $status)))))
    (i64.store (local.get $out) (i64.extend_i32_u (local.get $s)))
    (i64.store offset=8 (local.get $out) (local.get $n))
    (i64.store offset=16 (local.get $out) (i64.const 0))
    (i32.const {OK}))
"""


def _wat_upper(prefix: str) -> str:
    return f"""{_wat_call_head(prefix)} (param $s i32) (param $n i64)
        (param $out i32) (result i32)
    (local $p i32) (local $i i32) (local $c i32)
    (if (i32.and (i64.ge_s (local.get $steps) (i64.const 0))
                 (i64.lt_s (local.get $steps) (local.get $n)))
      (then (return (i32.const {Status.STEP_LIMIT_EXCEEDED}))))
    (local.set $p (call $alloc (local.get $n)))
    (if (i32.eqz (local.get $p)) (then (return (i32.const {_NO_MEMORY}))))
    (block $done (loop $next
      (br_if $done (i64.ge_u (i64.extend_i32_u (local.get $i)) (local.get $n)))
      (local.set $c (i32.load8_u (i32.add (local.get $s) (local.get $i))))
      (if (i32.and (i32.ge_u (local.get $c) (i32.const 97))
                   (i32.le_u (local.get $c) (i32.const 122)))
        (then (local.set $c (i32.sub (local.get $c) (i32.const 32)))))
      (i32.store8 (i32.add (local.get $p) (local.get $i)) (local.get $c))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (i64.store (local.get $out) (i64.extend_i32_u (local.get $p)))
    (i64.store offset=8 (local.get $out) (local.get $n))
    (i64.store offset=16 (local.get $out) (i64.const 1))
    (i32.const {OK}))
"""


def _wat_lists(prefix: str) -> str:
    return f"""{_wat_call_head(prefix)} (param $xs i32) (param $nx i64)
        (param $ys i32) (param $ny i64) (param $bs i32) (param $nb i64) (param $out i32)
        (result i32)
    (local $p i32) (local $q i32) (local $i i32) (local $x i64) (local $b i32) (local $sum i64)
    (block $done (loop $next
      (br_if $done (i64.ge_u (i64.extend_i32_u (local.get $i)) (local.get $nx)))
      (local.set $x (i64.load (i32.add (local.get $xs) (i32.shl (local.get $i) (i32.const 3)))))
      (if (i32.or (i64.gt_s (local.get $x) (i64.const 0x3fffffffffffffff))
                  (i64.lt_s (local.get $x) (i64.const -0x4000000000000000)))
        (then (return (i32.const {Status.NUMERIC_OVERFLOW}))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (local.set $p (call $alloc (i64.mul (local.get $nx) (i64.const 8))))
    (local.set $q (call $alloc (local.get $nb)))
    (if (i32.or (i32.eqz (local.get $p)) (i32.eqz (local.get $q)))
      (then (return (i32.const {_NO_MEMORY}))))
    (local.set $i (i32.const 0))
    (block $done (loop $next
      (br_if $done (i64.ge_u (i64.extend_i32_u (local.get $i)) (local.get $nx)))
      (i64.store (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 3)))
        (i64.mul (i64.const 2)
          (i64.load (i32.add (local.get $xs) (i32.shl (local.get $i) (i32.const 3))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (local.set $i (i32.const 0))
    (block $done (loop $next
      (br_if $done (i64.ge_u (i64.extend_i32_u (local.get $i)) (local.get $nb)))
      (local.set $b (i32.load8_u (i32.add (local.get $bs) (local.get $i))))
      (local.set $sum (i64.add (local.get $sum) (i64.extend_i32_u (local.get $b))))
      (i32.store8 (i32.add (local.get $q) (local.get $i)) (i32.eqz (local.get $b)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (i64.store (local.get $out) (i64.extend_i32_u (local.get $p)))
    (i64.store offset=8 (local.get $out) (local.get $nx))
    (i64.store offset=16 (local.get $out) (i64.extend_i32_u (local.get $ys)))
    (i64.store offset=24 (local.get $out) (local.get $ny))
    (i64.store offset=32 (local.get $out) (i64.extend_i32_u (local.get $q)))
    (i64.store offset=40 (local.get $out) (local.get $nb))
    (i64.store offset=48 (local.get $out) (i64.add (local.get $sum)
      (i64.add (i64.mul (local.get $nx) (i64.const 1000))
               (i64.mul (local.get $ny) (i64.const 1000000)))))
    (i64.store offset=64 (local.get $out) (i64.const 0))
    (i32.const {OK}))
"""


def _wat_words(prefix: str) -> str:
    return f"""{_wat_call_head(prefix)} (param $ws i32) (param $nw i64)
        (param $sep i32) (param $ns i64) (param $out i32) (result i32)
    (local $i i32) (local $n i32) (local $total i64) (local $joined i64) (local $rev i32)
    (local $j i32) (local $at i32) (local $item i32) (local $len i32)
    (local.set $n (i32.wrap_i64 (local.get $nw)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $total (i64.add (local.get $total) (i64.load offset=8
        (i32.add (local.get $ws) (i32.shl (local.get $i) (i32.const 4))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (if (local.get $n) (then (local.set $joined (i64.add (local.get $total)
      (i64.mul (local.get $ns) (i64.sub (local.get $nw) (i64.const 1)))))))
    (local.set $rev (call $alloc (i64.mul (local.get $nw) (i64.const 16))))
    (local.set $j (call $alloc (local.get $joined)))
    (if (i32.or (i32.eqz (local.get $rev)) (i32.eqz (local.get $j)))
      (then (return (i32.const {_NO_MEMORY}))))
    (local.set $at (local.get $j))
    (local.set $i (i32.const 0))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $item (i32.add (local.get $ws) (i32.shl (local.get $i) (i32.const 4))))
      (i64.store (i32.add (local.get $rev) (i32.shl (i32.sub (i32.sub (local.get $n)
        (i32.const 1)) (local.get $i)) (i32.const 4))) (i64.load (local.get $item)))
      (i64.store offset=8 (i32.add (local.get $rev) (i32.shl (i32.sub (i32.sub (local.get $n)
        (i32.const 1)) (local.get $i)) (i32.const 4))) (i64.load offset=8 (local.get $item)))
      (if (local.get $i) (then
        (memory.copy (local.get $at) (local.get $sep) (i32.wrap_i64 (local.get $ns)))
        (local.set $at (i32.add (local.get $at) (i32.wrap_i64 (local.get $ns))))))
      (local.set $len (i32.wrap_i64 (i64.load offset=8 (local.get $item))))
      (memory.copy (local.get $at) (i32.load (local.get $item)) (local.get $len))
      (local.set $at (i32.add (local.get $at) (local.get $len)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (i64.store (local.get $out) (i64.extend_i32_u (local.get $rev)))
    (i64.store offset=8 (local.get $out) (local.get $nw))
    (i64.store offset=16 (local.get $out) (i64.extend_i32_u (local.get $j)))
    (i64.store offset=24 (local.get $out) (local.get $joined))
    (i64.store offset=32 (local.get $out) (local.get $total))
    (i64.store offset=48 (local.get $out) (i64.const 0))
    (i32.const {OK}))
"""


def _wat_pair(prefix: str) -> str:
    return f"""{_wat_call_head(prefix)} (param $a i64) (param $x f64)
        (param $out i32) (result i32)
    (i64.store (local.get $out) (i64.add (local.get $a) (i64.const 1)))
    (f64.store offset=16 (local.get $out) (f64.mul (local.get $x) (f64.const 2)))
    (i32.store offset=32 (local.get $out) (i64.gt_s (local.get $a) (i64.const 0)))
    (i32.const {OK}))
"""


def _wat_total(prefix: str) -> str:
    return f"""{_wat_call_head(prefix)} (param $xs i32) (param $n i64)
        (param $out i32) (result i32)
    (local $i i64) (local $sum i64)
    (block $done (loop $next
      (br_if $done (i64.ge_u (local.get $i) (local.get $n)))
      (local.set $sum (i64.add (local.get $sum) (i64.load (i32.add (local.get $xs)
        (i32.wrap_i64 (i64.shl (local.get $i) (i64.const 3)))))))
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br $next)))
    (i64.store (local.get $out) (local.get $sum))
    (i32.const {OK}))
"""


def _wat_hashes(package: str) -> str:
    specs = [interface(package, rule) for rule in RULES]
    return "".join(
        f'  (func (export "{hash_symbol(s.prefix)}") (result i64) (i64.const {s.source_hash}))\n'
        for s in specs
    )


@dataclass(frozen=True)
class CompoundPackage:
    """The built fixture package ``root/<name>``; ``lib`` is the native library (ctypes)."""

    root: Path
    name: str

    @property
    def dir(self) -> Path:
        return self.root / self.name

    def load(self, rule: str) -> Any:
        module = f"{self.name}.{rule}"
        sys.modules.pop(module, None)
        importlib.invalidate_caches()
        return importlib.import_module(module)

    def live_handles(self) -> int:
        """Result blocks the native library handed out and the loader has not released."""
        import ctypes

        fn = ctypes.CDLL(str(self.dir / "libcompound.so")).fake_live_handles
        fn.restype = ctypes.c_int64
        return int(fn())


def make_compound_package(root: Path, name: str) -> CompoundPackage:
    """Compile the fixture (cc, wat2wasm) into ``root/<name>`` and write its loaders."""
    import wasmtime

    pkg = CompoundPackage(root, name)
    (pkg.dir / "text").mkdir(parents=True)
    for init in (pkg.dir / "__init__.py", pkg.dir / "text" / "__init__.py", pkg.dir / "py.typed"):
        init.write_text("")
    write_runtime(pkg.dir)
    c_file = root / f"{name}.c"
    c_file.write_text(c_source(name))
    out = pkg.dir / "libcompound.so"
    cmd = ["cc", "-shared", "-fPIC", "-O1", "-Wall", "-Werror", "-o", str(out), str(c_file)]
    subprocess.run(cmd, check=True, capture_output=True)
    (pkg.dir / "compound.wasm").write_bytes(wasmtime.wat2wasm(wat_source(name)))
    for rule in RULES:
        parts = rule.split(".")
        text = render_loader(
            interface(name, rule),
            package=name,
            library="libcompound.so",
            wasm="compound.wasm",
            editable=None,
        )
        pkg.dir.joinpath(*parts[:-1], parts[-1] + ".py").write_text(text)
    return pkg
