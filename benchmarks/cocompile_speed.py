"""Compiled rules against hand-written Rust doing the same work, in one interleaved run.

Builds the kernels below with the real pipeline (native and wasm32, the host function
``mix`` co-compiled from a host_shim.rs and inlined) and, in the same run, a Rust cdylib
with two hand-written versions of every kernel: checked arithmetic (``checked_add`` etc.,
status 1 on overflow, as our rules return ``NumericOverflow``) and wrapping arithmetic.
Both are compiled with ``rustc -C opt-level=3 --crate-type cdylib`` for rustc's default,
portable target CPU (no ``-C target-cpu=native``), like the rules, and are called through
ctypes with the rule's argument types and an out pointer for the result (docs/abi.md).

Contenders per kernel: ``rule.main`` (native), ``rule.Sandbox(backend="wasm").main``,
Rust checked, Rust wrapping, pure Python; plus, for the host-function kernel, Rust with
``mix`` kept out of line (``#[inline(never)]``, the shape of a host function that is not
inlined); for the list sum, the ``array("q", xs)`` conversion the Rust contenders make on
every call, alone, and ``rule.main`` given that array instead of the list (the loader
passes a matching buffer without converting it); for the trivial rule, the call floor:
a bare ctypes call of a Rust ``extern "C" fn(i64) -> i64`` identity, the same call from
a one-line Python ``def`` (what any Python-level wrapper costs), and ``main`` called by
keyword and through a native ``Sandbox``. Below the table: how long importing a rule
module takes in a fresh interpreter, above ``import ctypes``. The ``batch`` kernel
is the trivial rule over a column of n rows in one call (``rule.batch``, natively and on
wasm; hand-written Rust loops over the column, checked and wrapping; a per-row
``rule.main`` loop; NumPy's ``x + 1`` when NumPy is installed), with the time per row.

Every contender is called once first and all of a kernel's results must agree (else the
script fails). Timing is best-of-N per contender; each round times every contender once,
round-robin, so machine noise hits all of them alike. Ratios are to Rust checked (for the
trivial rule, to the bare ctypes floor). Compare ratios, not absolute numbers: the
machines are shared and noisy.

Usage: ``python benchmarks/cocompile_speed.py [--quick]`` from the repository root.
"""

from __future__ import annotations

import argparse
import array
import ctypes
import functools
import importlib.metadata
import math
import os
import platform
import sys
import tempfile
import time
import timeit
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType
from typing import Any, Literal, cast

import llvmlite.binding as llvm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.rules_speed import KERNELS as RANGE_KERNELS
from relon_build_backend.targets import target_for
from relon_build_backend.toolchain import find_rustc, run_tool
from tests.support.rule_package import build_rule_package, same

N = 100_000

#: The host function of the ``host`` kernel: the rules' host_shim.rs, and pasted into
#: the hand-written Rust as is. Must compile under rustc 1.63 no_std too (wasm32).
MIX = """
/// A cheap hash of i into 0..1024: a wrapping multiply, a shift and a mask.
#[no_mangle]
pub extern "C" fn mix(i: i64) -> i64 {
    let h = i.wrapping_mul(0x9E37_79B9_7F4A_7C15_u64 as i64);
    (h ^ (h >> 29)) & 1023
}
"""

#: Shared by the hand-written kernels: the result through ``out``, status 0, or status 1
#: (NumericOverflow in docs/abi.md) when checked arithmetic overflowed.
RUST_PRELUDE = """
fn finish<T>(result: Option<T>, out: &mut T) -> i32 {
    match result {
        Some(value) => {
            *out = value;
            0
        }
        None => 1,
    }
}

fn int64s<'a>(data: *const i64, len: i64) -> &'a [i64] {
    if len == 0 { &[] } else { unsafe { core::slice::from_raw_parts(data, len as usize) } }
}
"""


def mix_py(i: int) -> int:
    """``mix`` in Python (i64 wrapping multiply, arithmetic shift)."""
    h = (i * 0x9E37_79B9_7F4A_7C15 + 2**63) % 2**64 - 2**63
    return (h ^ (h >> 29)) & 1023


def fib_py(n: int) -> int:
    return n if n < 2 else fib_py(n - 1) + fib_py(n - 2)


#: What a kernel times besides ours (native, wasm), Rust checked/wrapping and Python.
Extra = Literal["rust_outlined", "array_conversion", "ctypes_floor", "batch"]


@dataclass(frozen=True, slots=True)
class Kernel:
    """One workload: the rule, the same in Python, the arguments, the hand-written Rust.

    ``rust`` defines ``<name>_checked`` and ``<name>_wrapping`` (and ``<name>_outlined``
    or ``identity`` when ``extras`` asks for them), each taking the rule's arguments
    (a List<Int> as pointer and length) and an out pointer, returning a status.
    """

    name: str
    relon: str
    python: Callable[..., object]
    args: tuple[object, ...]
    rust: str
    extras: tuple[Extra, ...] = ()


def _range_kernel(name: str, rust: str) -> Kernel:
    relon, python, args = RANGE_KERNELS[name]
    return Kernel(name, relon, python, args, rust)


KERNELS = (
    _range_kernel(
        "wa",
        """
#[no_mangle]
pub extern "C" fn wa_checked(n: i64, out: &mut i64) -> i32 {
    finish((0..n).try_fold(0_i64, |acc, i| acc.checked_add((i % 7).checked_mul(i % 13)?)), out)
}

#[no_mangle]
pub extern "C" fn wa_wrapping(n: i64, out: &mut i64) -> i32 {
    finish(Some((0..n).fold(0_i64, |acc, i| acc.wrapping_add((i % 7).wrapping_mul(i % 13)))), out)
}
""",
    ),
    _range_kernel(
        "wc",
        """
#[no_mangle]
pub extern "C" fn wc_checked(n: i64, out: &mut i64) -> i32 {
    finish(
        (0..n).try_fold(0_i64, |acc, i| match i % 3 {
            0 => acc.checked_add(i.checked_mul(i)?),
            1 => acc.checked_add(i),
            _ => acc.checked_sub(i),
        }),
        out,
    )
}

#[no_mangle]
pub extern "C" fn wc_wrapping(n: i64, out: &mut i64) -> i32 {
    finish(
        Some((0..n).fold(0_i64, |acc, i| match i % 3 {
            0 => acc.wrapping_add(i.wrapping_mul(i)),
            1 => acc.wrapping_add(i),
            _ => acc.wrapping_sub(i),
        })),
        out,
    )
}
""",
    ),
    _range_kernel(
        "wf",
        """
// Float arithmetic has nothing to check: the two versions are the same code.
#[no_mangle]
pub extern "C" fn wf_checked(x: f64, n: i64, out: &mut f64) -> i32 {
    finish(Some((0..n).fold(x, |acc, _| acc + 1.5)), out)
}

#[no_mangle]
pub extern "C" fn wf_wrapping(x: f64, n: i64, out: &mut f64) -> i32 {
    finish(Some((0..n).fold(x, |acc, _| acc + 1.5)), out)
}
""",
    ),
    _range_kernel(
        "wg",
        """
#[no_mangle]
pub extern "C" fn wg_checked(n: i64, out: &mut i64) -> i32 {
    finish(
        (0..n)
            .map(|i| (i % 11).checked_mul(i % 17)?.checked_add(i % 5))
            .try_fold(0_i64, |acc, x| acc.checked_add(x?)),
        out,
    )
}

#[no_mangle]
pub extern "C" fn wg_wrapping(n: i64, out: &mut i64) -> i32 {
    finish(
        Some((0..n)
            .map(|i| (i % 11).wrapping_mul(i % 17).wrapping_add(i % 5))
            .fold(0_i64, |acc, x| acc.wrapping_add(x))),
        out,
    )
}
""",
    ),
    Kernel(
        "host",
        "#main(Int n) -> Int\nrange(n).reduce(0, (acc, i) => acc + mix(i))",
        lambda n: sum(mix_py(i) for i in range(n)),
        (N,),
        MIX
        + """
#[inline(never)]
fn mix_outlined(i: i64) -> i64 {
    mix(i)
}

#[no_mangle]
pub extern "C" fn host_checked(n: i64, out: &mut i64) -> i32 {
    finish((0..n).try_fold(0_i64, |acc, i| acc.checked_add(mix(i))), out)
}

#[no_mangle]
pub extern "C" fn host_wrapping(n: i64, out: &mut i64) -> i32 {
    finish(Some((0..n).fold(0_i64, |acc, i| acc.wrapping_add(mix(i)))), out)
}

#[no_mangle]
pub extern "C" fn host_outlined(n: i64, out: &mut i64) -> i32 {
    finish((0..n).try_fold(0_i64, |acc, i| acc.checked_add(mix_outlined(i))), out)
}
""",
        extras=("rust_outlined",),
    ),
    Kernel(
        "list_sum",
        "#main(List<Int> xs) -> Int\nxs.sum()",
        sum,
        ([i % 1000 - 500 for i in range(N)],),
        """
#[no_mangle]
pub extern "C" fn list_sum_checked(data: *const i64, len: i64, out: &mut i64) -> i32 {
    finish(int64s(data, len).iter().try_fold(0_i64, |acc, &x| acc.checked_add(x)), out)
}

#[no_mangle]
pub extern "C" fn list_sum_wrapping(data: *const i64, len: i64, out: &mut i64) -> i32 {
    finish(Some(int64s(data, len).iter().fold(0_i64, |acc, &x| acc.wrapping_add(x))), out)
}
""",
        extras=("array_conversion",),
    ),
    Kernel(
        "fib",
        "#main(Int n) -> Int\nf(n) where { f: (Int n) -> Int => n < 2 ? n : f(n - 1) + f(n - 2) }",
        fib_py,
        (25,),
        """
fn checked_fib(n: i64) -> Option<i64> {
    if n < 2 {
        Some(n)
    } else {
        checked_fib(n.checked_sub(1)?)?.checked_add(checked_fib(n.checked_sub(2)?)?)
    }
}

fn wrapping_fib(n: i64) -> i64 {
    if n < 2 {
        n
    } else {
        wrapping_fib(n.wrapping_sub(1)).wrapping_add(wrapping_fib(n.wrapping_sub(2)))
    }
}

#[no_mangle]
pub extern "C" fn fib_checked(n: i64, out: &mut i64) -> i32 {
    finish(checked_fib(n), out)
}

#[no_mangle]
pub extern "C" fn fib_wrapping(n: i64, out: &mut i64) -> i32 {
    finish(Some(wrapping_fib(n)), out)
}
""",
    ),
    Kernel(
        "trivial",
        "#main(Int x) -> Int\nx + 1",
        lambda x: x + 1,
        (41,),
        """
#[no_mangle]
pub extern "C" fn trivial_checked(x: i64, out: &mut i64) -> i32 {
    finish(x.checked_add(1), out)
}

#[no_mangle]
pub extern "C" fn trivial_wrapping(x: i64, out: &mut i64) -> i32 {
    finish(Some(x.wrapping_add(1)), out)
}

#[no_mangle]
pub extern "C" fn identity(x: i64) -> i64 {
    x
}
""",
        extras=("ctypes_floor",),
    ),
    Kernel(
        "batch",
        "#main(Int x) -> Int\nx + 1",
        lambda xs: [x + 1 for x in xs],
        ([i % 1000 - 500 for i in range(N)],),
        """
// The rule's batch entry by hand: the results into out, status 1 and the failing row's
// index on overflow (docs/abi.md "Batch entry").
#[no_mangle]
pub extern "C" fn batch_checked(
    data: *const i64,
    len: i64,
    out: *mut i64,
    failed: &mut i64,
) -> i32 {
    let out = unsafe { core::slice::from_raw_parts_mut(out, len as usize) };
    for (row, (&x, slot)) in int64s(data, len).iter().zip(out.iter_mut()).enumerate() {
        match x.checked_add(1) {
            Some(value) => *slot = value,
            None => {
                *failed = row as i64;
                return 1;
            }
        }
    }
    0
}

#[no_mangle]
pub extern "C" fn batch_wrapping(
    data: *const i64,
    len: i64,
    out: *mut i64,
    _failed: &mut i64,
) -> i32 {
    let out = unsafe { core::slice::from_raw_parts_mut(out, len as usize) };
    for (&x, slot) in int64s(data, len).iter().zip(out.iter_mut()) {
        *slot = x.wrapping_add(1);
    }
    0
}
""",
        extras=("batch",),
    ),
)

RUST_CHECKED = "rust checked"
CTYPES_FLOOR = "bare ctypes identity"
#: hand-written Rust entries: symbol suffix -> contender label
RUST_VARIANTS = {
    "checked": RUST_CHECKED,
    "wrapping": "rust wrapping",
    "outlined": "rust checked, mix #[inline(never)]",
}


@dataclass(frozen=True, slots=True)
class Contender:
    """One timed call. ``computes`` is False for a cost shown beside the kernel (the
    conversion, the call floor) whose value is not the kernel's result."""

    kernel: str
    label: str
    call: Callable[[], object]
    computes: bool = True
    #: rows one call computes (a batch), for the time per row
    rows: int = 1
    #: the result as the kernel's ``python`` gives it (a batch's array as a list)
    view: Callable[[object], object] | None = None


@dataclass(frozen=True, slots=True)
class RustEntry:
    """A hand-written Rust kernel through ctypes: ``function(*args, &out)``, its status
    checked, the result read from ``out`` (made once, as the loader's out slot is)."""

    function: Callable[..., int]
    out: ctypes.c_int64 | ctypes.c_double
    out_ref: object

    def __call__(self, *args: object) -> object:
        status = self.function(*args, self.out_ref)
        if status != 0:
            raise OverflowError(f"{self.function.__name__} returned status {status}")
        return self.out.value


def build_rust(folder: Path, source: str) -> ctypes.CDLL:
    """Compile ``source`` to a cdylib in ``folder`` (-C opt-level=3, rustc's portable
    default CPU) with the rustc the backend uses for native shims, and load it."""
    rustc = find_rustc(target_for("native").triple)
    src, lib = folder / "kernels.rs", folder / "libkernels.so"
    src.write_text(source, encoding="utf-8")
    flags = ["--edition=2021", "-C", "opt-level=3", "--crate-type", "cdylib"]
    run_tool([str(rustc.path), *flags, "-o", str(lib), str(src)])
    return ctypes.CDLL(str(lib))


def build_contenders(folder: Path, kernels: Sequence[Kernel] = KERNELS) -> list[Contender]:
    """Build the rules and the Rust cdylib of ``kernels`` under ``folder``: every
    contender of every kernel, ready to call."""
    package = build_rule_package(folder, {k.name: k.relon for k in kernels}, shim=MIX)
    (folder / "rust").mkdir()
    lib = build_rust(folder / "rust", RUST_PRELUDE + "".join(k.rust for k in kernels))
    return [c for k in kernels for c in _contenders(k, package[k.name], lib)]


def rule_package(folder: Path) -> str:
    """The name of the rule package :func:`build_contenders` wrote under ``folder``."""
    (package,) = (p.name for p in folder.iterdir() if (p / "_relon_runtime").is_dir())
    return package


def _contenders(kernel: Kernel, rule: ModuleType, lib: ctypes.CDLL) -> list[Contender]:
    name, args = kernel.name, kernel.args
    if "batch" in kernel.extras:
        return _batch_contenders(kernel, rule, lib)
    wasm = rule.Sandbox(backend="wasm")
    rows = [
        Contender(name, "ours native", functools.partial(rule.main, *args)),
        Contender(name, "ours wasm", functools.partial(wasm.main, *args)),
    ]
    variants = ["checked", "wrapping"]
    if "rust_outlined" in kernel.extras:
        variants.append("outlined")
    for variant in variants:
        entry = _rust_entry(lib, f"{name}_{variant}", kernel)
        if isinstance(args[0], list):
            call = functools.partial(_call_with_array, entry, cast("list[int]", args[0]))
        else:
            call = functools.partial(entry, *args)
        rows.append(Contender(name, RUST_VARIANTS[variant], call))
    rows.append(Contender(name, "python", functools.partial(kernel.python, *args)))
    if "array_conversion" in kernel.extras:
        conversion = functools.partial(array.array, "q", *args)
        rows.append(Contender(name, 'array("q", xs) alone', conversion, computes=False))
        given = functools.partial(rule.main, conversion())  # a matching buffer: not copied
        rows.append(Contender(name, 'ours native, given array("q", xs)', given))
    if "ctypes_floor" in kernel.extras:
        rows += _call_floor(kernel, rule, lib)
    return rows


def _call_floor(kernel: Kernel, rule: ModuleType, lib: ctypes.CDLL) -> list[Contender]:
    """What a scalar call costs beyond ctypes: the floor, a Python def around it, and
    ``main`` by keyword and in a Sandbox."""
    name, (arg,) = kernel.name, kernel.args
    identity = lib.identity
    identity.argtypes, identity.restype = [ctypes.c_int64], ctypes.c_int64

    def forward(x: object) -> object:
        return identity(x)

    box = rule.Sandbox()
    return [
        Contender(name, "ours native, by keyword", functools.partial(rule.main, x=arg)),
        Contender(name, "ours native Sandbox()", functools.partial(box.main, arg)),
        Contender(name, CTYPES_FLOOR, functools.partial(identity, arg), False),
        Contender(name, "python def forwarding to it", functools.partial(forward, arg), False),
    ]


def import_time(folder: Path, module: str, *, repeat: int = 7) -> float:
    """Seconds a fresh interpreter takes to import ``module`` (under ``folder``, its
    bytecode compiled, as pip leaves an installed wheel) after ``import ctypes``; best of
    ``repeat``. ``-I -S``: no site packages, so nothing is imported for it beforehand."""
    import compileall

    compileall.compile_dir(str(folder / module.split(".", maxsplit=1)[0]), quiet=1)
    code = (
        f"import sys; sys.path.insert(0, {str(folder)!r}); import ctypes, time; "
        f"t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    )
    command = [sys.executable, "-I", "-S", "-c", code]
    runs = [float(run_tool(command)) for _ in range(repeat)]
    return min(runs)


def _batch_contenders(kernel: Kernel, rule: ModuleType, lib: ctypes.CDLL) -> list[Contender]:
    """The batch kernel: its column as a NumPy int64 array when NumPy is installed (read
    in place by our batch), else an ``array("q")``; a list for the per-row loops."""
    name, values = kernel.name, cast("list[int]", kernel.args[0])
    numpy = _numpy()
    column = array.array("q", values) if numpy is None else numpy.array(values, dtype="int64")
    rows, wasm = len(values), rule.Sandbox(backend="wasm")
    contenders = [
        Contender(name, "ours native", functools.partial(rule.batch, column), rows=rows),
        Contender(name, "ours wasm", functools.partial(wasm.batch, column), rows=rows),
    ]
    for variant in ("checked", "wrapping"):
        function = getattr(lib, f"batch_{variant}")
        function.argtypes = [ctypes.c_void_p, ctypes.c_int64, ctypes.c_void_p, ctypes.c_void_p]
        function.restype = ctypes.c_int32
        call = functools.partial(_rust_batch, function, column, numpy)
        contenders.append(Contender(name, RUST_VARIANTS[variant], call, rows=rows))
    per_row = functools.partial(_per_row, rule.main, values)
    contenders += [
        Contender(name, "python", functools.partial(kernel.python, values), rows=rows),
        Contender(name, "ours native, main per row", per_row, rows=rows),
    ]
    if numpy is not None:
        add = functools.partial(numpy.add, column, 1)
        contenders.append(Contender(name, "numpy x + 1 (wrapping)", add, rows=rows))
    return [replace(c, view=_as_list) for c in contenders]


def _numpy() -> ModuleType | None:
    try:
        import numpy  # optional: the batch kernel's column and a contender
    except ImportError:
        return None
    return numpy


def _rust_batch(function: Callable[..., int], column: object, numpy: ModuleType | None) -> object:
    """A hand-written Rust batch: the result column allocated per call, as ours is."""
    count = len(cast("Sequence[int]", column))
    out: Any = array.array("q", [0]) * count if numpy is None else numpy.empty(count, "int64")
    data, result = _address(column), _address(out)
    failed = ctypes.c_int64(-1)
    status = function(data, count, result, ctypes.byref(failed))
    if status != 0:
        raise OverflowError(f"{function.__name__} returned status {status} at row {failed.value}")
    return out


def _address(column: Any) -> int:
    """Where an ``array("q")`` or a NumPy array keeps its elements."""
    return int(column.buffer_info()[0] if isinstance(column, array.array) else column.ctypes.data)


def _per_row(main: Callable[[int], int], values: list[int]) -> list[int]:
    return [main(x) for x in values]


def _as_list(result: object) -> object:
    return result if isinstance(result, list) else cast("Any", result).tolist()


def _rust_entry(lib: ctypes.CDLL, symbol: str, kernel: Kernel) -> RustEntry:
    """``symbol`` with the ctypes types of ``kernel``'s arguments and result."""
    result = ctypes.c_double if isinstance(kernel.python(*kernel.args), float) else ctypes.c_int64
    function = getattr(lib, symbol)
    function.argtypes = [*(t for a in kernel.args for t in _ctypes_of(a)), ctypes.POINTER(result)]
    function.restype = ctypes.c_int32
    out = result()
    return RustEntry(function, out, ctypes.byref(out))


def _ctypes_of(value: object) -> tuple[type, ...]:
    if isinstance(value, list):
        return (ctypes.c_void_p, ctypes.c_int64)  # buffer pointer, length
    return (ctypes.c_double,) if isinstance(value, float) else (ctypes.c_int64,)


def _call_with_array(entry: RustEntry, xs: list[int]) -> object:
    packed = array.array("q", xs)  # per call, as a caller holding a list must
    address, length = packed.buffer_info()
    return entry(address, length)


def check_agreement(contenders: Sequence[Contender]) -> dict[str, object]:
    """Call every contender once; each kernel's result, by kernel name.

    Raises AssertionError naming every value when a kernel's contenders disagree.
    """
    results: dict[str, dict[str, object]] = {}
    for c in contenders:
        if c.computes:
            value = c.call()
            results.setdefault(c.kernel, {})[c.label] = value if c.view is None else c.view(value)
    for kernel, values in results.items():
        first = next(iter(values.values()))
        if not all(same(value, first) for value in values.values()):
            raise AssertionError(f"contenders disagree on kernel {kernel!r}: {values}")
    return {kernel: next(iter(values.values())) for kernel, values in results.items()}


def time_contenders(contenders: Sequence[Contender], *, rounds: int, sample: float) -> list[float]:
    """Best seconds per call of each contender. Each is called ``number`` times per sample
    (sized to about ``sample`` seconds); each round takes one sample of every contender."""
    numbers = [_calibrate(c.call, sample) for c in contenders]
    best = [math.inf] * len(contenders)
    for _ in range(rounds):
        for i, (c, number) in enumerate(zip(contenders, numbers, strict=True)):
            best[i] = min(best[i], timeit.timeit(c.call, number=number) / number)
    return best


def _calibrate(call: Callable[[], object], sample: float) -> int:
    number = 1
    while (elapsed := timeit.timeit(call, number=number)) < sample / 5:
        number *= 5
    return max(1, round(number * sample / elapsed))


def render_table(contenders: Sequence[Contender], seconds: Sequence[float]) -> str:
    """The per-call times, and each kernel's ratios to its baseline (Rust checked, or the
    bare ctypes floor where the kernel has one)."""
    width = max(len(c.label) for c in contenders)
    header = f"{'kernel':<10}{'contender':<{width + 2}}{'per call':>10}  ratio"
    lines = [header, "-" * (len(header) + 20)]
    by_kernel: dict[str, list[tuple[Contender, float]]] = {}
    for c, s in zip(contenders, seconds, strict=True):
        by_kernel.setdefault(c.kernel, []).append((c, s))
    for kernel, rows in by_kernel.items():
        labels = {c.label: s for c, s in rows}
        base_label = CTYPES_FLOOR if CTYPES_FLOOR in labels else RUST_CHECKED
        for c, s in rows:
            ratio = f"{s / labels[base_label]:.2f}x {base_label}"
            if c.label == base_label:
                ratio = "1 (baseline)"
            if c.rows > 1:
                ratio += f"; {s / c.rows * 1e9:.2f} ns/row"
            lines.append(f"{kernel:<10}{c.label:<{width + 2}}{_format_seconds(s):>10}  {ratio}")
    return "\n".join(lines)


def _format_seconds(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.0f} ns"


def describe_machine() -> str:
    """The CPU, core count and tool versions, for the header of the table."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or platform.machine(),
    )
    rustc = find_rustc(target_for("native").triple)
    llvm_version = ".".join(map(str, llvm.llvm_version_info))
    return (
        f"{cpu}, {len(os.sched_getaffinity(0))} cores; Python "
        f"{platform.python_version()}; rustc {rustc.release}; LLVM {llvm_version} (llvmlite); "
        f"wasmtime {importlib.metadata.version('wasmtime')}"
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="a short run: 2 rounds, 5 ms")
    options = parser.parse_args(argv)
    rounds, sample = (2, 0.005) if options.quick else (9, 0.1)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        contenders = build_contenders(Path(tmp))
        print(f"built in {time.perf_counter() - start:.1f} s; checking results", file=sys.stderr)
        check_agreement(contenders)
        print(f"timing {len(contenders)} contenders, {rounds} rounds", file=sys.stderr)
        seconds = time_contenders(contenders, rounds=rounds, sample=sample)
        package = rule_package(Path(tmp))
        imports = [import_time(Path(tmp), f"{package}.{rule}") for rule in ("trivial", "list_sum")]
    print(describe_machine())
    print(f"best of {rounds} rounds, samples of ~{sample * 1e3:g} ms, n = {N:,}\n")
    print(render_table(contenders, seconds))
    print(
        f"\nimport of a rule module (trivial / list_sum), fresh interpreter, above import"
        f" ctypes: {imports[0] * 1e3:.1f} ms / {imports[1] * 1e3:.1f} ms"
    )


if __name__ == "__main__":
    main()
