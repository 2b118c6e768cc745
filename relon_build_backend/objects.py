"""Object code for every rule and target: from the cache when nothing changed, else
generated, co-compiled and optimised, on all cores.

A rule's object depends only on what its cache key covers (:func:`_rule_key`): its
text and module name, the host functions it may call and, when it calls one, its shim
and the rustc compiling it; the target, the opt-level, and the tools (this backend's
sources, llvmlite's LLVM). So an unchanged rebuild compiles nothing, and editing one
rule recompiles that rule only.

Cache misses are prepared here, in the build's process (LLVM IR from codegen, the shims
and the runtime crate compiled by rustc once per target), then co-compiled in worker
processes (:mod:`._worker`), each taking a share of the rules and targets: LLVM's
global context is not safe to share between threads. ``RELON_JOBS`` caps the workers
(default: the usable cores; ``1`` compiles in the build's own process).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from ._relon_runtime.abi import (
    RuleSpec,
    batch_symbol,
    call_symbol,
    call_value_symbol,
    has_batch,
    hash_symbol,
    host_symbol,
    main_symbol,
    main_value_symbol,
)
from .errors import ConfigError, RelonBuildError
from .frontend.hosts import HostFunction
from .ir.nodes import IrModule
from .object_cache import CachedObject, ObjectCache, cache_key
from .targets import Target, TargetName
from .version import backend_fingerprint

if TYPE_CHECKING:
    from .cocompile import CompiledRuntime, CompiledShim

__all__ = [
    "CompiledRule",
    "RuleSource",
    "Workers",
    "default_jobs",
    "entry_symbols",
    "library_runtimes",
    "rule_object",
    "rule_objects",
]

log = logging.getLogger(__name__)

_T = TypeVar("_T")
_R = TypeVar("_R")


@dataclass(frozen=True, slots=True)
class RuleSource:
    """One ``.relon`` file to compile."""

    path: Path  # absolute
    module_name: str  # dotted import name, e.g. "mypkg.rules.quote"
    display_path: str  # how diagnostics name the file


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A rule after the front end: its IR, interface and the shim it co-compiles with."""

    source: RuleSource
    ir: IrModule
    interface: RuleSpec
    shim: Path | None
    hosts: tuple[HostFunction, ...]

    @property
    def calls_shim(self) -> Path | None:
        """The shim whose code this rule's object contains (None: it calls no host)."""
        return self.shim if self.ir.host_imports else None


def default_jobs(env: Mapping[str, str] | None = None) -> int:
    """Worker processes for co-compiling: ``$RELON_JOBS``, else the usable cores."""
    env = os.environ if env is None else env
    setting = env.get("RELON_JOBS", "").strip()
    if setting:
        if not setting.isdigit() or int(setting) < 1:
            raise ConfigError(f"RELON_JOBS must be a whole number of at least 1, not {setting!r}")
        return int(setting)
    usable = getattr(os, "sched_getaffinity", None)
    return len(usable(0)) if usable else os.cpu_count() or 1


def entry_symbols(interface: RuleSpec, target: Target) -> list[str]:
    """The symbols a rule exports (docs/abi.md)."""
    prefix = interface.prefix
    names = [call_symbol(prefix), main_symbol(prefix), hash_symbol(prefix)]
    if interface.scalar:
        names += [call_value_symbol(prefix), main_value_symbol(prefix)]
    if has_batch(interface):
        names.append(batch_symbol(prefix))
    if target.exports_gated_hosts:
        names += [host_symbol(prefix, host.name) for host in interface.gated_hosts]
    return names


def rule_object(
    rule: CompiledRule, target: Target, opt_level: int, work: Path, *, optimized: bool
) -> tuple[bytes, str]:
    """The object code of one rule and its LLVM IR (optimized or pre-link), uncached."""
    job = _prepare(rule, target, opt_level, "", work)
    if not optimized:
        return b"", job.ir
    built = _build(job)
    return built.object, built.optimized_ir


def rule_objects(
    rules: Sequence[CompiledRule],
    targets: Sequence[Target],
    opt_level: int,
    work: Path,
    *,
    cache: ObjectCache,
    workers: Workers,
) -> dict[tuple[TargetName, int], CachedObject]:
    """``(target name, rule index) -> object`` of every rule for every target."""
    found: dict[tuple[TargetName, int], CachedObject] = {}
    missing: list[tuple[Target, int, str]] = []
    for target in targets:
        for index, rule in enumerate(rules):
            key = _rule_key(rule, target, opt_level)
            cached = cache.get(key)
            if cached is None:
                missing.append((target, index, key))
            else:
                log.info("%s for %s: from the cache", rule.source.display_path, target.name)
                found[target.name, index] = cached
    jobs = []
    for target, index, key in missing:
        rule = rules[index]
        log.info("compiling %s for %s", rule.source.display_path, target.name)
        jobs.append(_prepare(rule, target, opt_level, key, work / target.name / f"rule{index}"))
    for (target, index, _), job, entry in zip(
        missing, jobs, workers.run(_cocompile, jobs), strict=True
    ):
        found[target.name, index] = entry
        cache.put(job.key, entry)
    return found


def library_runtimes(
    called: Mapping[TargetName, Collection[str]],
    targets: Sequence[Target],
    opt_level: int,
    work: Path,
    *,
    cache: ObjectCache,
    workers: Workers,
) -> dict[TargetName, bytes]:
    """Per target whose rules call any, the runtime crate optimised for that library,
    keeping the functions ``called[target]``."""
    from .cocompile import compile_runtime, runtime_cache_dir

    found: dict[TargetName, bytes] = {}
    missing: list[tuple[Target, str, _RuntimeJob]] = []
    for target in targets:
        keep = tuple(sorted(called.get(target.name, ())))
        if not keep:
            continue
        runtime = compile_runtime(target, workdir=work, cache_dir=runtime_cache_dir())
        crate = hashlib.sha256(runtime.ir).hexdigest()
        facts = {"kind": "runtime", **_tool_facts(target, opt_level), "keep": keep, "crate": crate}
        key = cache_key(facts)
        cached = cache.get(key)
        if cached is not None:
            found[target.name] = cached.object
        else:
            missing.append((target, key, _RuntimeJob(runtime, target, opt_level, keep)))
    for target, _, _ in missing:
        log.info("optimising the Relon runtime for %s", target.name)
    built = workers.run(_optimise_runtime, [job for _, _, job in missing])
    for (target, key, _), runtime_object in zip(missing, built, strict=True):
        found[target.name] = runtime_object
        cache.put(key, CachedObject(runtime_object))
    return found


def _tool_facts(target: Target, opt_level: int) -> dict[str, object]:
    import llvmlite
    import llvmlite.binding as llvm

    return {
        "backend": backend_fingerprint(),
        "llvmlite": [llvmlite.__version__, list(llvm.llvm_version_info)],
        "target": dataclasses.asdict(target),
        "opt_level": opt_level,
    }


def _rule_key(rule: CompiledRule, target: Target, opt_level: int) -> str:
    """What decides the bytes of ``rule``'s object for ``target`` (never a path)."""
    facts: dict[str, object] = {
        "kind": "rule",
        **_tool_facts(target, opt_level),
        "module": rule.interface.module,
        "source": rule.interface.source_hash,
        "hosts": [(h.name, h.params, h.result, sorted(h.capabilities)) for h in rule.hosts],
    }
    shim = rule.calls_shim
    if shim is not None:
        from .toolchain.rustc import find_rustc

        rustc = find_rustc(target.triple)
        facts["shim"] = hashlib.sha256(shim.read_bytes()).hexdigest()
        facts["rustc"] = [rustc.release, rustc.host, rustc.llvm_version, str(rustc.sysroot)]
    return cache_key(facts)


@dataclass(frozen=True, slots=True)
class _Job:
    """One rule for one target, ready for a worker: plain, picklable data."""

    key: str
    ir: str
    shim: CompiledShim | None
    runtime: CompiledRuntime | None
    target: Target
    opt_level: int
    exports: tuple[str, ...]
    hosts: tuple[HostFunction, ...]


@dataclass(frozen=True, slots=True)
class _Built:
    object: bytes
    optimized_ir: str


def _prepare(rule: CompiledRule, target: Target, opt_level: int, key: str, work: Path) -> _Job:
    """Codegen, and the shim and runtime crate it needs, in this process (each rustc
    compile is shared by the package's rules)."""
    from .cocompile import compile_runtime, compile_shim, declares_runtime, runtime_cache_dir
    from .codegen import generate_llvm_ir

    work.mkdir(parents=True, exist_ok=True)
    ir = generate_llvm_ir(
        rule.ir,
        symbol_prefix=rule.interface.prefix,
        source_hash=rule.interface.source_hash,
        target=target,
    )
    shim_source = rule.calls_shim
    shim = None if shim_source is None else compile_shim(shim_source, target, workdir=work)
    runtime = None
    if declares_runtime(ir):
        runtime = compile_runtime(target, workdir=work, cache_dir=runtime_cache_dir())
    exports = tuple(entry_symbols(rule.interface, target))
    return _Job(key, ir, shim, runtime, target, opt_level, exports, rule.hosts)


def _build(job: _Job) -> _Built:
    from .cocompile import build_rule_object

    built = build_rule_object(
        job.ir,
        job.shim,
        target=job.target,
        opt_level=job.opt_level,
        exports=job.exports,
        host_functions=job.hosts,
        runtime=job.runtime,
    )
    return _Built(built.object, built.optimized_ir)


def _cocompile(job: _Job) -> CachedObject:
    """A worker's task (module level, so a worker process can unpickle it)."""
    from .cocompile import runtime_calls

    built = _build(job)
    return CachedObject(built.object, tuple(runtime_calls(built.optimized_ir)))


@dataclass(frozen=True, slots=True)
class _RuntimeJob:
    runtime: CompiledRuntime
    target: Target
    opt_level: int
    keep: tuple[str, ...]


def _optimise_runtime(job: _RuntimeJob) -> bytes:
    from .cocompile import build_runtime_object

    return build_runtime_object(
        job.runtime, target=job.target, opt_level=job.opt_level, keep=job.keep
    )


class Workers:
    """Where co-compiling runs: the build's own process for one task or ``jobs == 1``,
    else up to ``jobs`` worker processes (:mod:`._worker`), each given a share of the
    batch. A worker that dies is a clear build error, not a hang; an error a task raised
    in a worker is raised here.
    """

    def __init__(self, jobs: int) -> None:
        self._jobs = jobs

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc_info: object) -> None:
        pass

    def run(self, task: Callable[[_T], _R], arguments: Sequence[_T]) -> list[_R]:
        """``[task(a) for a in arguments]``, in parallel when it is worth it."""
        if self._jobs <= 1 or len(arguments) <= 1:
            return [task(argument) for argument in arguments]
        from concurrent.futures import ThreadPoolExecutor

        count = min(self._jobs, len(arguments))
        shares = [list(arguments[i::count]) for i in range(count)]
        with ThreadPoolExecutor(count) as threads:  # each waits on its own process
            done = list(threads.map(lambda share: _in_worker(task, share), shares))
        results: list[_R] = [None] * len(arguments)  # type: ignore[list-item]
        for index, share_results in enumerate(done):
            results[index::count] = share_results
        return results


def _in_worker(task: Callable[[_T], _R], arguments: list[_T]) -> list[_R]:
    import pickle
    import subprocess
    import sys

    from .version import BACKEND_DIR

    # the worker imports this very backend, wherever the build found it
    paths = [str(BACKEND_DIR.parent), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    command = [sys.executable, "-m", "relon_build_backend._worker"]
    payload = pickle.dumps((task, arguments))
    # not run_tool(): bytes in and out, and the failure is explained right below
    proc = subprocess.run(  # noqa: TID251
        command, input=payload, capture_output=True, env=env, check=False
    )
    if proc.returncode != 0 or not proc.stdout:
        last = proc.stderr.decode(errors="replace").strip().splitlines()[-1:]
        raise RelonBuildError(
            f"a compiler worker process died (exit status {proc.returncode}"
            f"{': ' + last[0] if last else ''}); set RELON_JOBS=1 to compile in the build's"
            " own process and see its error"
        )
    outcomes = pickle.loads(proc.stdout)
    for ok, value in outcomes:
        if not ok:
            raise value
    return [value for _, value in outcomes]
