"""The Relon runtime crate (``relon_rt.rs``, docs/runtime.md) compiled for a target.

Compiled like a host shim (same rustc choice, ``no_std``, fat LTO, panics ->
``relon_trap``), once per process and target, and cached on disk: the file name is
a hash of everything the IR depends on (rustc release and LLVM, target triple, cpu
and features, IR format, the crate's text), so a stale entry is never reused. The
cache folder is ``$RELON_RT_CACHE`` if set (``0`` turns the disk cache off), else the
backend's cache folder (``$RELON_CACHE``, default ``~/.cache/relon-build-backend``).
A library links it once (:func:`~relon_build_backend.cocompile.build_runtime_object`);
rule modules only declare the ``relon_rt_*`` functions they call, checked against
:func:`runtime_signatures` and listed by :func:`runtime_calls`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..object_cache import cache_root
from ..targets import Target
from ..toolchain.rustc import RustcInfo, find_rustc
from .panic_note import PANIC_NOTE_MODULE
from .shim_compiler import IrFormat, parse_rust_ir, run_rustc

__all__ = [
    "RUNTIME_PREFIX",
    "RUNTIME_PURPOSE",
    "RUNTIME_SOURCE",
    "CompiledRuntime",
    "compile_runtime",
    "declares_runtime",
    "runtime_cache_dir",
    "runtime_calls",
    "runtime_crate_text",
    "runtime_signatures",
]

log = logging.getLogger(__name__)

RUNTIME_SOURCE = Path(__file__).with_name("relon_rt.rs")
#: Every runtime function's name starts with this (docs/runtime.md).
RUNTIME_PREFIX = "relon_rt_"

_CRATE_NAME = "relon_rt"
#: What a missing rustc is needed for, in error messages.
RUNTIME_PURPOSE = "the Relon runtime (used by rules with strings, lists or pow)"
# Bump when the rustc command line in shim_compiler.run_rustc changes meaning.
_CACHE_FORMAT = 1
# `declare <type> @relon_rt_x(` or `@"relon_rt_x"(` in LLVM IR text (llvmlite quotes).
_DECLARES_RUNTIME = re.compile(rf'^declare\b[^\n]*@"?{RUNTIME_PREFIX}', re.MULTILINE)
_RUNTIME_CALL = re.compile(rf'^declare\b[^\n@]*@"?({RUNTIME_PREFIX}\w+)"?\(', re.MULTILINE)


@dataclass(frozen=True, slots=True)
class CompiledRuntime:
    """The runtime crate compiled for one target: its post-LTO LLVM module, without
    debug info."""

    source: Path
    triple: str
    rustc: RustcInfo
    ir_format: IrFormat
    #: Bitcode bytes, or UTF-8 LLVM IR text, per :attr:`ir_format`.
    ir: bytes


def declares_runtime(rule_ir: str) -> bool:
    """Whether the LLVM IR text ``rule_ir`` declares a ``relon_rt_*`` function."""
    return _DECLARES_RUNTIME.search(rule_ir) is not None


def runtime_calls(rule_ir: str) -> tuple[str, ...]:
    """The ``relon_rt_*`` functions the LLVM IR text ``rule_ir`` declares, sorted."""
    return tuple(sorted(set(_RUNTIME_CALL.findall(rule_ir))))


# The crate's IR -> its relon_rt_* signatures: parsed once per process and target.
_signatures: dict[bytes, Mapping[str, str]] = {}


def runtime_signatures(runtime: CompiledRuntime) -> Mapping[str, str]:
    """Name -> LLVM function type (e.g. ``i64 (double, ptr)``) of every ``relon_rt_*``
    function the compiled crate defines."""
    found = _signatures.get(runtime.ir)
    if found is None:
        module = parse_rust_ir(runtime.ir, runtime.ir_format, runtime.rustc, runtime.source)
        found = {
            f.name: str(f.global_value_type)
            for f in module.functions
            if not f.is_declaration and f.name.startswith(RUNTIME_PREFIX)
        }
        _signatures[runtime.ir] = found
    return found


def runtime_cache_dir(env: Mapping[str, str] | None = None) -> Path | None:
    """The disk cache folder of compiled runtimes (``$RELON_RT_CACHE``, else the
    backend's cache folder); ``None`` when turned off."""
    return cache_root(env, variable="RELON_RT_CACHE")


# (source text, target, rustc) -> result: a package's rules share one compile.
_compiled: dict[tuple[str, Target, Path], CompiledRuntime] = {}


def runtime_crate_text() -> str:
    """The crate rustc compiles: ``relon_rt.rs`` and the panic handler every crate gets."""
    return RUNTIME_SOURCE.read_text(encoding="utf-8") + PANIC_NOTE_MODULE


def compile_runtime(
    target: Target, *, workdir: Path, cache_dir: Path | None = None
) -> CompiledRuntime:
    """The runtime crate compiled for ``target`` (in a fresh folder under ``workdir``
    unless cached in this process or in ``cache_dir``).

    Raises :class:`ToolchainMissing` (no suitable rustc) or :class:`ToolFailed`.
    """
    rustc = find_rustc(target.triple, purpose=RUNTIME_PURPOSE)
    text = runtime_crate_text()
    key = (text, target, rustc.path)
    cached = _compiled.get(key)
    if cached is None:
        cached = _compile_or_load(text, target, rustc, workdir, cache_dir)
        _compiled[key] = cached
    return cached


def _compile_or_load(
    text: str, target: Target, rustc: RustcInfo, workdir: Path, cache_dir: Path | None
) -> CompiledRuntime:
    entry = None
    if cache_dir is not None:
        entry = cache_dir / f"{_CRATE_NAME}-{_cache_key(text, target, rustc)}.bc"
        if entry.is_file():
            log.debug("runtime for %s from %s", target.name, entry)
            return _runtime(target, rustc, entry.read_bytes())
    out = Path(tempfile.mkdtemp(prefix="rt-", dir=workdir))
    # Compiled from a copy (with the panic handler) so no source path of ours ends up
    # in the IR.
    root = out / RUNTIME_SOURCE.name
    root.write_text(text, encoding="utf-8")
    log.info("compiling the runtime for %s with %s", target.name, rustc.describe())
    ir_format, ir = run_rustc(root, _CRATE_NAME, target, rustc)
    bitcode = _strip_debug_info(ir, ir_format, rustc, target)
    if entry is not None:
        _store(entry, bitcode)
    return _runtime(target, rustc, bitcode)


def _strip_debug_info(ir: bytes, ir_format: IrFormat, rustc: RustcInfo, target: Target) -> bytes:
    """rustc's IR with core's debug info (and internal names) stripped, as llvmlite
    bitcode: every rule using the runtime then optimises and emits faster and its
    object is ~10x smaller (the linked library is stripped anyway)."""
    import llvmlite.binding as llvm

    module = parse_rust_ir(ir, ir_format, rustc, RUNTIME_SOURCE)
    passes = llvm.ModulePassManager()
    passes.add_strip_symbols_pass()
    tuning = llvm.create_pipeline_tuning_options(speed_level=0)
    passes.run(module, llvm.create_pass_builder(target.create_target_machine(opt_level=0), tuning))
    return bytes(module.as_bitcode())


def _runtime(target: Target, rustc: RustcInfo, bitcode: bytes) -> CompiledRuntime:
    return CompiledRuntime(RUNTIME_SOURCE, target.triple, rustc, "bitcode", bitcode)


def _cache_key(text: str, target: Target, rustc: RustcInfo) -> str:
    import llvmlite.binding as llvm

    facts = [
        _CACHE_FORMAT,
        # The entry is bitcode written by llvmlite's LLVM (readable by it and newer).
        list(llvm.llvm_version_info),
        rustc.release,
        rustc.host,
        list(rustc.llvm_version or ()),
        str(rustc.sysroot),
        target.triple,
        target.cpu,
        target.features,
        hashlib.sha256(text.encode()).hexdigest(),
    ]
    return hashlib.sha256(json.dumps(facts).encode()).hexdigest()[:32]


def _store(entry: Path, ir: bytes) -> None:
    # The cache only saves time: a folder we cannot write is not an error.
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{entry.name}.", dir=entry.parent)
    except OSError as exc:
        log.debug("cannot cache the runtime in %s: %s", entry.parent, exc)
        return
    temp = Path(name)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(ir)
        # Atomic: concurrent builds write the same bytes, readers never see half.
        temp.replace(entry)
    except OSError as exc:
        log.debug("cannot cache the runtime in %s: %s", entry.parent, exc)
    finally:
        temp.unlink(missing_ok=True)
