"""What the generated loader adds on top of the foreign call it makes.

Builds the hand-written fixture package of tests/loader (a C library and a WAT module
implementing docs/abi.md, no compiler needed) and times, in one run on this machine,
the scalar rule ``#main(Int qty, Float price, Bool gold) -> Float``:

- a bare ctypes call of ``P_main`` (argtypes set, a prebuilt ``byref`` out slot),
- ``quote.main`` (argument binding and checks, thread-local out slot, status check),
- ``quote.Sandbox(...).main`` (the same through ``P_call`` with caps and a step budget),
- ``quote.main(qty=..., price=..., gold=...)`` (the keyword slow path),
- the wasm backend through wasmtime's unchecked call and through the public
  ``Func.__call__`` path, plus a bare public ``Func.__call__`` of the entry.

Prints per-call times and ratios to the bare ctypes call. Best-of-N ``timeit``; the
machines are shared and noisy, so compare the ratios of one run, not absolute numbers.

Usage: ``python benchmarks/loader_overhead.py`` from the repository root.
"""

from __future__ import annotations

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

from tests.loader.conftest import make_package

NUMBER = 20_000
ROUNDS = 9


def per_call_ns(rows: list[tuple[str, Callable[[], object], int]]) -> list[float]:
    """Best ns/call of each row; rounds interleave the rows so load spikes hit all alike."""
    best = [float("inf")] * len(rows)
    for _ in range(ROUNDS):
        for i, (_, fn, number) in enumerate(rows):
            best[i] = min(best[i], timeit.timeit(fn, number=number) / number * 1e9)
    return best


def cases(root: Path) -> list[tuple[str, Callable[[], object], int]]:
    pkg = make_package(root)
    sys.path.insert(0, str(root))
    quote: Any = importlib.import_module(f"{pkg.name}.rules.quote")
    runtime: Any = importlib.import_module(f"{pkg.name}._relon_runtime")
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
    box = quote.Sandbox(caps={"reads_clock"}, max_steps=1_000_000)
    wasm_fast = quote.Sandbox(backend="wasm")
    fast_path = runtime._fast_path
    runtime._fast_path = lambda *_args: None
    wasm_public = quote.Sandbox(backend="wasm")
    runtime._fast_path = fast_path
    func, store = wasm_fast._wasm._func, wasm_fast._wasm._store
    return [
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
        rows_to_time = cases(Path(tmp))
        rows = list(zip([r[0] for r in rows_to_time], per_call_ns(rows_to_time), strict=True))
    base = rows[0][1]
    width = max(len(name) for name, _ in rows)
    print(f"{'call':<{width}}  {'ns/call':>10}  {'x bare ctypes':>13}")
    for name, ns in rows:
        print(f"{name:<{width}}  {ns:>10.0f}  {ns / base:>13.2f}")


if __name__ == "__main__":
    main()
