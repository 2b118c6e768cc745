"""Compiling ``host_shim.rs`` with rustc to LLVM IR the co-compiler can link.

Shims are compiled as ``no_std``: a generated crate root declares ``#![no_std]``,
routes panics to the note and ``relon_trap()`` (:mod:`.panic_note`; the loader turns
that into ``HostPanic`` with the message) and
includes the shim as a module. Why ``no_std``: the linked library must be
self-contained and small, and a std shim drags in libc, unwinding and ~350
functions (toolchain-notes section 1). The build is post-LTO
(``--emit=llvm-bc,link -C lto=fat``) so the IR has no undefined ``core`` symbols.

Skew bridge: LLVM bitcode is only backward compatible, so rustc's bitcode is used
when its LLVM is not newer than llvmlite's, else its textual IR.
"""

from __future__ import annotations

import logging
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ..errors import ShimError, ToolFailed
from ..targets import Target
from ..toolchain.rustc import RustcInfo, find_rustc
from ..toolchain.tools import run_tool
from .panic_note import PANIC_NOTE_MODULE
from .shim_reader import mask_rust

if TYPE_CHECKING:
    import llvmlite.binding as llvm

__all__ = [
    "CompiledShim",
    "IrFormat",
    "choose_ir_format",
    "compile_shim",
    "crate_root",
    "parse_rust_ir",
    "parse_shim_module",
    "run_rustc",
]

log = logging.getLogger(__name__)

IrFormat = Literal["bitcode", "text"]

_CRATE_NAME = "host_shim"

# rustc errors that mean "this shim needs std" (names missing from a no_std crate).
_NEEDS_STD = re.compile(
    r"`(?:std|alloc)`"
    r"|cannot find (?:macro|type|struct|function|value) "
    r"`(?:println|print|eprintln|eprint|format|vec|dbg|Vec|String|Box|HashMap|ToString)`"
)
_PANIC_HANDLER = re.compile(r"#\s*\[\s*panic_handler\s*\]")


@dataclass(frozen=True, slots=True)
class CompiledShim:
    """One shim compiled for one target: its LLVM module and rustc's by-products."""

    source: Path
    triple: str
    rustc: RustcInfo
    ir_format: IrFormat
    #: Bitcode bytes, or UTF-8 LLVM IR text, per :attr:`ir_format`.
    ir: bytes
    #: ``libhost_shim.a`` (bundles the target's compiler builtins; wasm32 linking).
    staticlib: Path


def choose_ir_format(rustc_llvm_major: int | None, llvmlite_llvm_major: int) -> IrFormat:
    """Bitcode when llvmlite's LLVM can read rustc's (not newer), else textual IR."""
    if rustc_llvm_major is not None and rustc_llvm_major <= llvmlite_llvm_major:
        return "bitcode"
    return "text"


def crate_root(shim: Path, shim_text: str) -> str:
    """The generated crate root that includes ``shim`` as a ``no_std`` module."""
    lines = [
        "#![no_std]",
        # The shim may itself say #![no_std]; in a module that is only a warning.
        "#![allow(unused_attributes)]",
    ]
    if not _PANIC_HANDLER.search(mask_rust(shim_text)):
        lines.append(PANIC_NOTE_MODULE)
    # Debug formatting keeps the path a valid Rust string literal (escapes quotes).
    path_literal = '"' + str(shim.resolve()).replace("\\", "\\\\").replace('"', '\\"') + '"'
    lines += [f"#[path = {path_literal}]", "mod shim;", "pub use shim::*;", ""]
    return "\n".join(lines)


# (crate root text, target, rustc) -> result; reused while its staticlib still exists
# (a package's rules share one shim: compile it once per target, not once per rule).
_compiled: dict[tuple[str, Target, Path], CompiledShim] = {}


def compile_shim(shim: Path, target: Target, *, workdir: Path) -> CompiledShim:
    """Compile ``shim`` for ``target`` in a fresh directory under ``workdir``.

    Raises :class:`ToolchainMissing` (no suitable rustc) or :class:`ShimError`
    (rustc rejected the shim; the message includes rustc's).
    """
    rustc = find_rustc(target.triple)
    text = shim.read_text(encoding="utf-8")
    # The crate root names the shim's absolute path, so the key covers path and text.
    key = (crate_root(shim, text) + text, target, rustc.path)
    cached = _compiled.get(key)
    if cached is not None and cached.staticlib.is_file():
        return cached
    compiled = _run_rustc(shim, text, target, rustc, workdir)
    _compiled[key] = compiled
    return compiled


def _run_rustc(
    shim: Path, text: str, target: Target, rustc: RustcInfo, workdir: Path
) -> CompiledShim:
    out = Path(tempfile.mkdtemp(prefix="shim-", dir=workdir))
    root = out / "crate_root.rs"
    root.write_text(crate_root(shim, text), encoding="utf-8")
    log.info("compiling %s for %s with %s", shim, target.name, rustc.describe())
    # Keep the shim's folder out of panic locations too (reproducible outputs).
    remaps = {shim.resolve().parent: "shim"}
    try:
        ir_format, ir = run_rustc(root, _CRATE_NAME, target, rustc, remaps=remaps)
    except ToolFailed as exc:
        raise ShimError(_rustc_failure(shim, rustc, str(exc))) from None
    return CompiledShim(
        source=shim,
        triple=target.triple,
        rustc=rustc,
        ir_format=ir_format,
        ir=ir,
        staticlib=out / f"lib{_CRATE_NAME}.a",
    )


def run_rustc(
    root: Path,
    crate_name: str,
    target: Target,
    rustc: RustcInfo,
    *,
    remaps: Mapping[Path, str] | None = None,
) -> tuple[IrFormat, bytes]:
    """Compile the ``no_std`` crate ``root`` for ``target`` to post-LTO LLVM IR.

    Outputs (the IR and ``lib<crate_name>.a``) go to ``root``'s folder. Returns the
    IR format (:func:`choose_ir_format`) and the IR. Raises :class:`ToolFailed`.
    """
    import llvmlite.binding as llvm

    ir_format = choose_ir_format(rustc.llvm_major, llvm.llvm_version_info[0])
    out = root.parent
    emit = "llvm-bc" if ir_format == "bitcode" else "llvm-ir"
    cmd = [
        str(rustc.path),
        "--edition=2021",
        f"--crate-name={crate_name}",
        "--crate-type=staticlib",
        f"--emit={emit},link",
        "-O",
        "-C",
        "codegen-units=1",
        "-C",
        "panic=abort",
        "-C",
        "lto=fat",
        "--out-dir",
        str(out),
        # Keep build folders out of panic locations (reproducible outputs).
        f"--remap-path-prefix={out}=relon",
        *(f"--remap-path-prefix={path}={name}" for path, name in (remaps or {}).items()),
    ]
    if target.rust_target is not None:
        cmd += ["--target", target.rust_target]
    else:
        # Same cpu/features as the TargetMachine, or O3 may refuse to inline.
        cmd += ["-C", f"target-cpu={target.cpu}"]
        if target.features:
            cmd += ["-C", f"target-feature={target.features}"]
    cmd.append(str(root))
    run_tool(cmd, cwd=out)
    ir_path = out / (f"{crate_name}.bc" if ir_format == "bitcode" else f"{crate_name}.ll")
    return ir_format, ir_path.read_bytes()


def _rustc_failure(shim: Path, rustc: RustcInfo, message: str) -> str:
    text = f"rustc could not compile {shim} ({rustc.describe()}):\n{message}"
    if _NEEDS_STD.search(message):
        text += (
            "\nhint: host shims are compiled as #![no_std] (only `core` is available: no "
            "Vec, String, Box, format!, println! or std::): the compiled rules must be "
            "self-contained, and std would pull in libc and unwinding; use core APIs and "
            "scalar arithmetic"
        )
    return text


def parse_shim_module(shim: CompiledShim) -> llvm.ModuleRef:
    """Parse the shim's IR into an llvmlite module.

    Raises :class:`ShimError` naming both LLVM versions when it cannot.
    """
    return parse_rust_ir(shim.ir, shim.ir_format, shim.rustc, shim.source)


def parse_rust_ir(ir: bytes, ir_format: IrFormat, rustc: RustcInfo, source: Path) -> llvm.ModuleRef:
    """Parse IR that ``rustc`` made from ``source`` into an llvmlite module.

    Raises :class:`ShimError` naming both LLVM versions when it cannot.
    """
    import llvmlite.binding as llvm

    try:
        if ir_format == "bitcode":
            return llvm.parse_bitcode(ir)
        return llvm.parse_assembly(ir.decode())
    except RuntimeError as exc:
        ours = ".".join(map(str, llvm.llvm_version_info))
        theirs = ".".join(map(str, rustc.llvm_version or ())) or "unknown"
        first = str(exc).strip().splitlines()
        raise ShimError(
            f"cannot read the LLVM {ir_format} rustc made from {source}: "
            f"{' '.join(first[:2])}\n{rustc.describe()} uses LLVM {theirs}, llvmlite "
            f"uses LLVM {ours}; use a rustc whose LLVM major is at most {llvm.llvm_version_info[0]}"
            " (set $RUSTC, or `rustup install` an older toolchain) or upgrade llvmlite"
        ) from None
