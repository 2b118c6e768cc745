"""Compiled rules vs the same logic in plain Python, natively and under wasm.

Builds the upstream relon-aot-bench kernels (workloads a, c, f, g; n = 100,000) plus a
tiny scalar rule with the real pipeline, then times, in one run on this machine:

- the pure-Python equivalent,
- ``rule.main`` (native, through ctypes),
- ``rule.Sandbox(backend="wasm").main`` (wasmtime),

and prints a table of per-call times and ratios. Timings are best-of-N with
``timeit``; compare ratios, not absolute numbers (the machines are shared and noisy).

Usage: ``python benchmarks/rules_speed.py`` from the repository root.
"""

from __future__ import annotations

import functools
import sys
import tempfile
import timeit
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.rule_package import build_rule_package

N = 100_000

KERNELS: dict[str, tuple[str, Callable[..., object], tuple[object, ...]]] = {
    "wa": (
        "#main(Int n) -> Int\nrange(n).reduce(0, (acc, i) => acc + (i % 7) * (i % 13))",
        lambda n: sum((i % 7) * (i % 13) for i in range(n)),
        (N,),
    ),
    "wc": (
        "#main(Int n) -> Int\nrange(n).reduce(0, (acc, i) => i % 3 == 0 ? acc + i * i : "
        "(i % 3 == 1 ? acc + i : acc - i))",
        lambda n: sum(i * i if i % 3 == 0 else (i if i % 3 == 1 else -i) for i in range(n)),
        (N,),
    ),
    "wf": (
        "#main(Float x, Int n) -> Float\nrange(n).reduce(x, (acc, i) => acc + 1.5)",
        lambda x, n: x + sum(1.5 for _ in range(n)),
        (0.0, N),
    ),
    "wg": (
        "#main(Int n) -> Int\n"
        "range(n).map((i) => (i % 11) * (i % 17) + (i % 5)).reduce(0, (acc, x) => acc + x)",
        lambda n: sum((i % 11) * (i % 17) + (i % 5) for i in range(n)),
        (N,),
    ),
    "scalar": (
        "#main(Int qty, Float price, Bool gold) -> Float\n"
        "(gold ? total * 0.9 : total) where { total: qty * price }",
        lambda qty, price, gold: qty * price * 0.9 if gold else qty * price,
        (3, 9.5, True),
    ),
}


def per_call(fn: Callable[[], object], budget: float = 0.3) -> float:
    """Best per-call seconds of ``fn`` over a few repeats sized to ``budget`` seconds."""
    number = 1
    while timeit.timeit(fn, number=number) < budget / 10:
        number *= 4
    return min(timeit.repeat(fn, number=number, repeat=5)) / number


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        package = build_rule_package(Path(tmp), {name: k[0] for name, k in KERNELS.items()})
        header = (
            f"{'kernel':<8}{'python':>12}{'native':>12}{'wasm':>12}{'py/native':>11}{'py/wasm':>10}"
        )
        print(header)
        print("-" * len(header))
        for name, (_, python, args) in KERNELS.items():
            rule = package[name]
            wasm = rule.Sandbox(backend="wasm")
            expected = python(*args)
            assert rule.main(*args) == expected and wasm.main(*args) == expected, name
            t_py = per_call(functools.partial(python, *args))
            t_native = per_call(functools.partial(rule.main, *args))
            t_wasm = per_call(functools.partial(wasm.main, *args))
            print(
                f"{name:<8}{_fmt(t_py):>12}{_fmt(t_native):>12}{_fmt(t_wasm):>12}"
                f"{t_py / t_native:>10.1f}x{t_py / t_wasm:>9.1f}x"
            )


def _fmt(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.2f} {unit}"
    return f"{seconds / 1e-9:.0f} ns"


if __name__ == "__main__":
    main()
