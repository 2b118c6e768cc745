"""What the generated loader adds on top of the foreign call it makes.

Builds the hand-written fixture package of tests/loader (a C library and a WAT module
implementing docs/abi.md, no compiler needed) and times, in one run on this machine,
the scalar rule ``#main(Int qty, Float price, Bool gold) -> Float``:

- a bare ctypes call of ``P_main_value`` (argtypes and restype set: the entry ``main``
  calls, docs/abi.md "Value entries") and of ``P_main`` (a prebuilt ``byref`` out slot),
- ``quote.main`` (argument binding and checks, thread-local out slot, status check),
- ``quote.Sandbox(...).main`` (the same through ``P_call`` with caps and a step budget),
- ``quote.main(qty=..., price=..., gold=...)`` (the keyword slow path),
- the wasm backend through wasmtime's unchecked call and through the public
  ``Func.__call__`` path, plus a bare public ``Func.__call__`` of the entry.

and, from the String/List fixture of tests/support/compound_package.py, a String rule
(``text.echo``: ``#main(String s, Int status) -> String``) and a List<Int> rule
(``total``: ``#main(List<Int> xs) -> Int``) against their own bare ctypes calls (bytes
already encoded, the int64 array already packed, the result read with ``string_at``):
the loader's extra cost is encoding/packing, the result slots and the release.

Prints per-call times and ratios to the bare ctypes call of the same rule. Best-of-N
``timeit``; the machines are shared and noisy, so compare the ratios of one run, not
absolute numbers.

Usage: ``python benchmarks/loader_overhead.py`` from the repository root.
"""

from __future__ import annotations

import array
import ctypes
import importlib
import os
import sys
import tempfile
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.compound_package import make_compound_package
from tests.support.fake_library import make_package

NUMBER = 20_000
ROUNDS = 9


def per_call_ns(rows: list[Row]) -> list[float]:
    """Best ns/call of each row; rounds interleave the rows so load spikes hit all alike."""
    best = [float("inf")] * len(rows)
    for _ in range(ROUNDS):
        for i, (_, fn, number) in enumerate(rows):
            best[i] = min(best[i], timeit.timeit(fn, number=number) / number * 1e9)
    return best


Row = tuple[str, Callable[[], object], int]


def cases(root: Path) -> list[list[Row]]:
    """Groups of rows; the first row of each group is the bare call the others compare to."""
    return [scalar_cases(root), *compound_cases(root)]


def compound_cases(root: Path) -> list[list[Row]]:
    pkg = make_compound_package(root, "relon_bench_compound")
    echo: Any = importlib.import_module(f"{pkg.name}.text.echo")
    total: Any = importlib.import_module(f"{pkg.name}.total")
    lib = ctypes.CDLL(str(pkg.dir / "libcompound.so"))
    slots = (ctypes.c_int64 * 3)()
    bare_echo = getattr(lib, f"{echo._RULE.spec.prefix}_main")
    bare_echo.argtypes = [ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64, ctypes.c_void_p]
    bare_echo.restype = ctypes.c_int32

    def bare_string() -> str:
        bare_echo(b"hello, world", 12, 0, slots)
        return ctypes.string_at(slots[0], slots[1]).decode()

    bare_total = getattr(lib, f"{total._RULE.spec.prefix}_main")
    bare_total.argtypes = [ctypes.c_void_p, ctypes.c_int64, ctypes.c_void_p]
    bare_total.restype = ctypes.c_int32
    numbers = list(range(100))
    packed = array.array("q", numbers)
    address, out = packed.buffer_info()[0], (ctypes.c_int64 * 2)()
    echo_wasm, total_wasm = echo.Sandbox(backend="wasm"), total.Sandbox(backend="wasm")
    return [
        [
            ("bare ctypes String P_main", bare_string, NUMBER),
            ("echo.main (String)", lambda: echo.main("hello, world", 0), NUMBER),
            ("echo Sandbox.main (wasm)", lambda: echo_wasm.main("hello, world", 0), NUMBER // 4),
        ],
        [
            ("bare ctypes List<Int> P_main", lambda: bare_total(address, 100, out), NUMBER),
            ("total.main (list of 100 int)", lambda: total.main(numbers), NUMBER),
            ("total.main (array('q') of 100)", lambda: total.main(packed), NUMBER),
            ("total Sandbox.main (wasm, list)", lambda: total_wasm.main(numbers), NUMBER // 4),
        ],
    ]


def scalar_cases(root: Path) -> list[Row]:
    pkg = make_package(root)
    sys.path.insert(0, str(root))
    quote: Any = importlib.import_module(f"{pkg.name}.rules.quote")
    runtime: Any = importlib.import_module(f"{pkg.name}._relon_runtime.wasm")
    lib = ctypes.CDLL(str(pkg.dir / "libfake.so"))
    bare = getattr(lib, f"{quote._RULE.spec.prefix}_main")
    bare.argtypes = [
        ctypes.c_int64,
        ctypes.c_double,
        ctypes.c_int32,
        ctypes.POINTER(ctypes.c_double),
    ]
    bare.restype = ctypes.c_int32
    out = ctypes.byref(ctypes.c_double())
    value = getattr(lib, f"{quote._RULE.spec.prefix}_main_value")
    value.argtypes, value.restype = bare.argtypes[:-1], ctypes.c_double
    box = quote.Sandbox(caps={"reads_clock"}, max_steps=1_000_000)
    wasm_fast = quote.Sandbox(backend="wasm")
    fast_path = runtime._fast_path
    runtime._fast_path = lambda *_args: None
    wasm_public = quote.Sandbox(backend="wasm")
    runtime._fast_path = fast_path
    func, store = wasm_fast._wasm._func, wasm_fast._wasm._store
    return [
        ("bare ctypes P_main_value", lambda: value(3, 9.5, 1), NUMBER),
        ("bare ctypes P_main", lambda: bare(3, 9.5, 1, out), NUMBER),
        ("quote.main (positional)", lambda: quote.main(3, 9.5, True), NUMBER),
        ("quote.main (keywords)", lambda: quote.main(qty=3, price=9.5, gold=True), NUMBER),
        ("Sandbox.main (native)", lambda: box.main(3, 9.5, True), NUMBER),
        ("Sandbox.main (wasm, unchecked call)", lambda: wasm_fast.main(3, 9.5, True), NUMBER // 4),
        (
            "Sandbox.main (wasm, public Func call)",
            lambda: wasm_public.main(3, 9.5, True),
            NUMBER // 20,
        ),
        ("bare wasmtime Func.__call__", lambda: func(store, 0, -1, 3, 9.5, 1, 64), NUMBER // 20),
    ]


def main() -> None:
    os.environ.setdefault("RELON_WASM_CACHE", "0")
    with tempfile.TemporaryDirectory() as tmp:
        groups = cases(Path(tmp))
        timed = [list(zip([r[0] for r in g], per_call_ns(g), strict=True)) for g in groups]
    width = max(len(name) for group in timed for name, _ in group)
    print(f"{'call':<{width}}  {'ns/call':>10}  {'x bare ctypes':>13}")
    for group in timed:
        base = group[0][1]
        for name, ns in group:
            print(f"{name:<{width}}  {ns:>10.0f}  {ns / base:>13.2f}")
        print()


if __name__ == "__main__":
    main()
