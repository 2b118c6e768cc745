"""The compiler driver: ``.relon`` files (+ ``host_shim.rs``) -> native library and ``.wasm``.

This is the one place that runs the stages in order; each stage stays ignorant of the
others::

    source --frontend.parse/check--> checked AST --lower--> Relon IR
           --codegen--> LLVM IR --cocompile (shim, inline, O3)--> object
           --link--> librelon-<pkg>.so / relon-<pkg>.wasm

Diagnostics of every rule are collected before anything is generated, so a package
author sees all source errors of a build at once.
"""

from __future__ import annotations

import logging
import shutil
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._relon_runtime.abi import HostSpec, RuleSpec, Value, rule_symbol_prefix, source_hash
from .codegen.abi import result_names, scalar_name, value_name
from .errors import ConfigError, RelonBuildError
from .frontend.diagnostics import Diagnostic, SourceError
from .frontend.hosts import Capability, HostFunction
from .frontend.source import SourceFile
from .object_cache import CachedObject, ObjectCache
from .objects import (
    CompiledRule,
    RuleSource,
    Workers,
    default_jobs,
    entry_symbols,
    library_runtimes,
    rule_object,
    rule_objects,
)
from .targets import Target, TargetName, target_for
from .toolchain.llvm_cpus import check_cpu

if TYPE_CHECKING:
    from .ir.nodes import IrModule

__all__ = [
    "SHIM_FILENAME",
    "CompileOptions",
    "CompiledPackage",
    "CompiledRule",
    "RuleSource",
    "compile_package",
    "entry_symbols",
    "find_shim",
    "front_end",
    "library_filename",
    "read_source",
    "rule_object",
    "shim_candidates",
    "wasm_filename",
]

log = logging.getLogger(__name__)

SHIM_FILENAME = "host_shim.rs"


@dataclass(frozen=True, slots=True)
class CompileOptions:
    """What to build (resolved settings; see ``settings.py`` for where they come from)."""

    targets: tuple[TargetName, ...] = ("native", "wasm32")
    opt_level: int = 3
    target_cpu: str | None = None
    host_gates: Mapping[str, frozenset[Capability]] = field(default_factory=dict)
    #: worker processes co-compiling rules (None: :func:`~.objects.default_jobs`)
    jobs: int | None = None


@dataclass(frozen=True, slots=True)
class CompiledPackage:
    """The artifacts of one top-level package."""

    library: Path | None
    wasm: Path | None
    rules: tuple[RuleSpec, ...]
    #: module -> the host shim its code was co-compiled with (None: it calls no host)
    shims: Mapping[str, Path | None] = field(default_factory=dict)


def library_filename(package: str) -> str:
    """``librelon-<package>.so`` (``.dylib``/``.dll``): the dash keeps it from ever being
    importable or mistaken for a CPython extension module."""
    suffix = {"darwin": ".dylib", "win32": ".dll"}.get(sys.platform, ".so")
    return f"librelon-{package}{suffix}"


def wasm_filename(package: str) -> str:
    return f"relon-{package}.wasm"


def read_source(path: Path, display_path: str) -> SourceFile:
    """The text of a source file (UTF-8), reported as ``display_path``."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise RelonBuildError(f"{display_path}: not valid UTF-8 ({exc.reason})") from None
    except OSError as exc:
        raise RelonBuildError(f"{display_path}: cannot read ({exc.strerror})") from None
    return SourceFile(display_path, text)


def shim_candidates(relon_file: Path, package_dir: Path) -> Iterator[Path]:
    """Where :func:`find_shim` looks, nearest first: ``host_shim.rs`` in the folder of
    ``relon_file``, then in each parent folder up to ``package_dir`` (contract section 2)."""
    directory = relon_file.parent
    root = package_dir.resolve()
    while True:
        yield directory / SHIM_FILENAME
        if directory.resolve() == root or directory.parent == directory:
            return
        directory = directory.parent


def find_shim(relon_file: Path, package_dir: Path) -> Path | None:
    """The nearest of :func:`shim_candidates` that exists."""
    return next((c for c in shim_candidates(relon_file, package_dir) if c.is_file()), None)


def front_end(
    rule: RuleSource, *, shim: Path | None, hosts: Sequence[HostFunction]
) -> CompiledRule:
    """Parse, check and lower one rule; raises SourceError with all its diagnostics."""
    from .frontend.checker import check_module
    from .frontend.parser import parse_module
    from .lower import lower_module

    source = read_source(rule.path, rule.display_path)
    checked = check_module(parse_module(source), hosts)
    stem = rule.module_name.rsplit(".", 1)[-1]
    ir = lower_module(checked, name=stem)
    gated = tuple(
        HostSpec(
            name=imp.name,
            params=tuple(scalar_name(t) for t in imp.params),
            result=scalar_name(imp.result),
            capabilities=imp.capabilities,  # already in CAPABILITIES (bit) order
        )
        for imp in ir.host_imports  # the hosts the rule calls, sorted by name
        if imp.capabilities
    )
    interface = RuleSpec(
        module=rule.module_name,
        prefix=rule_symbol_prefix(rule.module_name),
        params=_entry_params(ir, checked.surface),
        result=result_names(ir.entry.result),
        source_hash=source_hash(source.text),
        doc=checked.doc,
        gated_hosts=gated,
        surface=checked.surface,
    )
    return CompiledRule(rule, ir, interface, shim, tuple(hosts))


def _entry_params(
    ir: IrModule, surface: tuple[object, object] | None
) -> tuple[tuple[str, Value], ...]:
    """The entry's parameters; a record's leaves named by their path (``order.qty``)
    so that a conversion error names the field."""
    kinds = [value_name(p.type) for p in ir.entry.params]
    if surface is None:
        return tuple((p.name, k) for p, k in zip(ir.entry.params, kinds, strict=True))
    from ._relon_runtime.shapes import shape

    shapes: Sequence[tuple[str, Any]] = surface[0]  # type: ignore[assignment]
    names = [n for name, data in shapes for n in shape(data).names(name)]
    return tuple(zip(names, kinds, strict=True))


def load_hosts(
    shim: Path | None, gates: Mapping[str, frozenset[Capability]], display_root: Path | None
) -> tuple[HostFunction, ...]:
    """The host functions of ``shim`` (none without a shim)."""
    if shim is None:
        return ()
    from .cocompile import read_host_functions

    display = _display(shim, display_root)
    return read_host_functions(shim, gates, display_path=display)


def _display(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return str(path)


def check_rules(
    rules: Sequence[RuleSource],
    package_dir: Path,
    gates: Mapping[str, frozenset[Capability]],
    *,
    display_root: Path | None = None,
) -> list[CompiledRule]:
    """Run the front end over every rule, collecting the diagnostics of all files."""
    shim_hosts: dict[Path | None, tuple[HostFunction, ...]] = {}
    diagnostics: list[Diagnostic] = []
    compiled: list[CompiledRule] = []
    for rule in sorted(rules, key=lambda r: r.module_name):
        shim = find_shim(rule.path, package_dir)
        try:
            if shim not in shim_hosts:
                shim_hosts[shim] = load_hosts(shim, gates, display_root)
            compiled.append(front_end(rule, shim=shim, hosts=shim_hosts[shim]))
        except SourceError as exc:
            diagnostics.extend(exc.diagnostics)
    if diagnostics:
        raise SourceError(diagnostics)
    _check_gates_exist(gates, shim_hosts)
    return compiled


def _check_gates_exist(
    gates: Mapping[str, frozenset[Capability]],
    shim_hosts: Mapping[Path | None, tuple[HostFunction, ...]],
) -> None:
    known = {h.name for hosts in shim_hosts.values() for h in hosts}
    unknown = sorted(set(gates) - known)
    if unknown:
        raise ConfigError(
            "[tool.relon.host-functions] names "
            + ", ".join(repr(n) for n in unknown)
            + " but no host_shim.rs defines "
            + ("it" if len(unknown) == 1 else "them")
            + f"; host functions found: {', '.join(sorted(known)) or 'none'}"
        )


@contextmanager
def work_directory(prefix: str = "relon-build-") -> Iterator[Path]:
    """A fresh private directory, removed afterwards (unique per call: safe when several
    compiles run at once in threads or processes)."""
    with tempfile.TemporaryDirectory(prefix=prefix) as name:
        yield Path(name)


@contextmanager
def _staged_into(out_dir: Path) -> Iterator[Path]:
    """A staging folder whose files move into ``out_dir`` only if the block succeeds,
    so a failing wasm link leaves no library of an earlier target behind (and a
    folder made for the outputs is removed again)."""
    made = not out_dir.exists()
    out_dir.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".relon-stage-", dir=out_dir))
    try:
        yield stage
        for path in sorted(stage.iterdir()):
            path.replace(out_dir / path.name)
    except BaseException:
        if made:
            shutil.rmtree(out_dir, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def compile_package(
    package_dir: Path,
    package: str,
    rules: Sequence[RuleSource],
    out_dir: Path,
    options: CompileOptions,
    *,
    display_root: Path | None = None,
) -> CompiledPackage:
    """Compile ``rules`` of top-level package ``package`` into ``out_dir``.

    Writes :func:`library_filename` and/or :func:`wasm_filename` atomically; on any
    error nothing new is left in ``out_dir``. Shim paths in diagnostics are shown
    relative to ``display_root`` (the project) when given. Raises
    :class:`RelonBuildError`.
    """
    compiled = check_rules(rules, package_dir, options.host_gates, display_root=display_root)
    if not compiled:
        return CompiledPackage(None, None, ())
    _refuse_wasm_only_with_gates(compiled, options)
    targets = [_target(name, options) for name in options.targets]
    cache = ObjectCache.from_environment()
    jobs = options.jobs if options.jobs is not None else default_jobs()
    built: dict[str, Path] = {}
    with work_directory() as work, _staged_into(out_dir) as stage, Workers(jobs) as workers:
        objects = rule_objects(
            compiled, targets, options.opt_level, work, cache=cache, workers=workers
        )
        called = {
            target.name: {
                name for i in range(len(compiled)) for name in objects[target.name, i].runtime_calls
            }
            for target in targets
        }
        runtimes = library_runtimes(
            called, targets, options.opt_level, work, cache=cache, workers=workers
        )
        for target in targets:
            native = target.linker == "cc"
            filename = library_filename(package) if native else wasm_filename(package)
            _link_target(
                compiled,
                objects,
                target,
                runtime=runtimes.get(target.name),
                work=work / target.name,
                output=stage / filename,
            )
            built[target.linker] = out_dir / filename
    cache.prune()
    return CompiledPackage(
        built.get("cc"),
        built.get("wasm-ld"),
        tuple(rule.interface for rule in compiled),
        {rule.interface.module: rule.calls_shim for rule in compiled},
    )


def _target(name: TargetName, options: CompileOptions) -> Target:
    # target-cpu tunes the native library; wasm32 has one portable CPU.
    target = target_for(name, cpu=options.target_cpu if name == "native" else None)
    if name == "native" and options.target_cpu not in (None, "native"):
        check_cpu(target.triple, target.cpu)  # before LLVM could abort on it
    return target


def _refuse_wasm_only_with_gates(compiled: Sequence[CompiledRule], options: CompileOptions) -> None:
    if "native" in options.targets:
        return
    for rule in compiled:
        if rule.interface.gated_hosts:
            names = ", ".join(h.name for h in rule.interface.gated_hosts)
            raise ConfigError(
                f"{rule.source.display_path} calls gated host functions ({names}); on wasm "
                'they are supplied by the native library, so add "native" to '
                "[tool.relon] targets"
            )


def _link_target(
    compiled: Sequence[CompiledRule],
    objects: Mapping[tuple[TargetName, int], CachedObject],
    target: Target,
    *,
    runtime: bytes | None,
    work: Path,
    output: Path,
) -> None:
    """Link the rules' objects for ``target``, the C/IR runtime and, when the rules call
    it, the ``runtime`` crate object into ``output``."""
    from .cocompile import NATIVE_EXPORTS, WASM_EXPORTS, runtime_object
    from .link import link_native, link_wasm

    work.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = [runtime_object(target, workdir=work)]
    exports = list(NATIVE_EXPORTS if target.linker == "cc" else WASM_EXPORTS)
    imports: set[str] = set()
    for index, rule in enumerate(compiled):
        path = work / f"rule{index}.o"
        path.write_bytes(objects[target.name, index].object)
        paths.append(path)
        exports += entry_symbols(rule.interface, target)
        imports.update(f"relon_import_{h.name}" for h in rule.interface.gated_hosts)
    if runtime is not None:
        paths.append(work / "relon_rt.o")
        paths[-1].write_bytes(runtime)
    if target.linker == "cc":
        link_native(paths, output, exports=exports, workdir=work)
    else:
        link_wasm(paths, output, exports=exports, imports=sorted(imports), workdir=work)
