"""Threads x calls across both backends while builds run beside them: every result and
error must be the expected one, and the object cache must hold only whole entries.

``run_stress`` builds a package (a gated host, a panicking host, strings and lists) and
then, at the same time: ``threads`` threads each make ``calls`` calls mixing native and
wasm sandboxes (each thread its own wasm sandboxes plus one shared by all), and
``builds`` processes compile copies of a project into one shared, cold object cache.

The suite runs it small (tests/e2e/test_stress.py); a longer run::

    python tests/e2e/stress.py --threads 8 --calls 20000 --builds 4
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # as a script: tests/ on path

from support.rule_package import RulePackage, build_rule_package, write_package
from support.threads import on_threads

from relon_build_backend.object_cache import _decode

SHIM = """
#[no_mangle]
pub extern "C" fn stamp(x: i64) -> i64 {
    x + 1000
}

#[no_mangle]
pub extern "C" fn checked(x: i64) -> i64 {
    if x % 97 == 13 {
        panic!("refusing {}", x);
    }
    x * 2
}
"""
RULES = {
    "stamped": "#main(Int x) -> Int\nstamp(x)",
    "guarded": "#main(Int x) -> Int\nchecked(x) + 1",
    "tag": '#main(String s, List<Int> xs) -> String\ns.upper() + ":" + xs.sum()',
    "pick": "#main(List<Int> xs, Int i) -> Int\nxs[i]",
}
GATES = {"stamp": frozenset({"reads_clock"})}

Check = Callable[[Any, random.Random], None]


def _stamped(box: Any, rng: random.Random) -> None:
    x = rng.randrange(-(10**6), 10**6)
    if "reads_clock" in box.caps:
        assert box.main(x) == x + 1000
    else:
        _raises(box, "CapabilityDenied", x)


def _guarded(box: Any, rng: random.Random) -> None:
    x = rng.randrange(10**6)
    if x % 97 == 13:
        error = _raises(box, "HostPanic", x)
        assert str(error).endswith(f": refusing {x}"), str(error)
    else:
        assert box.main(x) == 2 * x + 1


def _tag(box: Any, rng: random.Random) -> None:
    xs = [rng.randrange(-100, 100) for _ in range(rng.randrange(20))]
    word = "".join(rng.choice("abcé") for _ in range(rng.randrange(8)))
    upper = "".join(c.upper() if c.isascii() else c for c in word)  # Relon's is ASCII only
    assert box.main(word, xs) == f"{upper}:{sum(xs)}"


def _pick(box: Any, rng: random.Random) -> None:
    xs = list(range(rng.randrange(1, 10)))
    i = rng.randrange(-2, 12)
    if 0 <= i < len(xs):
        assert box.main(xs, i) == xs[i]
    else:
        _raises(box, "IndexOutOfBounds", xs, i)


CHECKS: dict[str, Check] = {"stamped": _stamped, "guarded": _guarded, "tag": _tag, "pick": _pick}


def _raises(box: Any, kind: str, *args: object) -> BaseException:
    try:
        box.main(*args)
    except Exception as exc:
        assert getattr(exc, "kind", None) == kind, f"{kind} expected, got {exc!r}"
        return exc
    raise AssertionError(f"{kind} expected, got a result")


def _calls(package: RulePackage, shared: dict[str, Any], seed: int, calls: int) -> None:
    rng = random.Random(seed)
    own = {
        (rule, backend, caps): package[rule].Sandbox(caps=caps, backend=backend)
        for rule in RULES
        for backend in ("native", "wasm")
        for caps in ((), ("reads_clock",))
    }
    for _ in range(calls):
        rule = rng.choice(list(RULES))
        if rng.random() < 0.2:
            box = shared[rule]
        else:
            box = own[rule, rng.choice(("native", "wasm")), rng.choice(((), ("reads_clock",)))]
        CHECKS[rule](box, rng)


def _builds(root: Path, count: int) -> list[subprocess.Popen[bytes]]:
    """``count`` processes compiling copies of one project into a shared cold cache."""
    env = {**os.environ, "RELON_CACHE": str(root / "cache")}
    processes = []
    for index in range(count):
        _, package = write_package(root / f"build{index}", RULES, shim=SHIM, prefix="stress")
        command = [sys.executable, "-m", "relon_build_backend", "compile", str(package)]
        command += ["-o", str(package)]
        quiet = subprocess.DEVNULL
        processes.append(subprocess.Popen(command, env=env, stdout=quiet, stderr=subprocess.PIPE))
    return processes


def run_stress(root: Path, *, threads: int, calls: int, builds: int) -> None:
    """Raise AssertionError on any wrong result, failed build or damaged cache entry."""
    package = build_rule_package(root / "rules", RULES, shim=SHIM, gates=GATES)
    shared = {rule: package[rule].Sandbox(caps={"reads_clock"}, backend="wasm") for rule in RULES}
    failures: list[BaseException] = []

    def worker(seed: int) -> None:
        try:
            _calls(package, shared, seed, calls)
        except BaseException as exc:
            failures.append(exc)

    building = _builds(root, builds)
    on_threads(worker, range(threads))
    for process in building:
        _, errors = process.communicate(timeout=900)
        assert process.returncode == 0, errors.decode()
    if failures:
        raise failures[0]
    entries = [p for p in (root / "cache" / "objects").rglob("*") if p.is_file()]
    assert builds == 0 or entries, "the builds cached nothing"
    damaged = [p for p in entries if p.suffix != ".o" or _decode(p.read_bytes()) is None]
    assert not damaged, damaged


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--builds", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="relon-stress-") as root:
        run_stress(Path(root), threads=args.threads, calls=args.calls, builds=args.builds)
    print(f"{args.threads} threads x {args.calls} calls and {args.builds} builds: all correct")
    return 0


if __name__ == "__main__":
    sys.exit(main())
