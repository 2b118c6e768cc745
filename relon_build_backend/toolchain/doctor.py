"""``relon-build doctor``: the toolchain found, and what is missing with how to install it.

:func:`diagnose` gathers a :class:`DoctorReport` (data); :func:`doctor_report`
renders it as text for the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import RelonBuildError
from .cc import INSTALL_HINT_CC, c_compiler
from .rustc import INSTALL_HINT_RUSTC, INSTALL_HINT_WASM32, WASM_TARGET, RustcInfo, discover_rustcs
from .tools import find_program, run_tool
from .wasm_ld import INSTALL_HINT_WASM_LD, compiler_builtins, find_wasm_linker

__all__ = ["DoctorReport", "MissingPiece", "diagnose", "doctor_report"]


@dataclass(frozen=True, slots=True)
class MissingPiece:
    """Something a build may need that was not found: what, why, and how to install."""

    what: str
    why: str
    hint: str


@dataclass(frozen=True, slots=True)
class DoctorReport:
    """The toolchain as found on this machine."""

    llvmlite_version: str
    llvm_version: str
    native_triple: str
    rustcs: tuple[RustcInfo, ...]
    #: ``(path, first line of --version)`` or ``None``.
    cc: tuple[str, str] | None
    #: ``(command, version)`` or ``None``.
    wasm_ld: tuple[str, str] | None
    wasm_builtins: Path | None
    missing: tuple[MissingPiece, ...]


def diagnose() -> DoctorReport:
    """Probe every tool (never raises for a missing one: it is reported instead)."""
    import llvmlite
    import llvmlite.binding as llvm

    from ..targets import target_for

    native = target_for("native").triple
    missing: list[MissingPiece] = []
    try:
        rustcs = discover_rustcs()
    except RelonBuildError as exc:  # a bad $RUSTC: report it, keep going
        rustcs = ()
        missing.append(MissingPiece("$RUSTC", "it is set but unusable", str(exc)))
    if not any(native in r.targets for r in rustcs):
        missing.append(
            MissingPiece(
                f"rustc for {native}",
                "compiles host_shim.rs and the Relon runtime (strings, lists) natively",
                INSTALL_HINT_RUSTC,
            )
        )
    if not any(WASM_TARGET in r.targets for r in rustcs):
        missing.append(
            MissingPiece(
                f"rustc with the {WASM_TARGET} std",
                "compiles host_shim.rs and the Relon runtime for wasm32 and provides the "
                "wasm32 compiler builtins",
                INSTALL_HINT_WASM32,
            )
        )
    cc = _probe_cc()
    if cc is None:
        missing.append(MissingPiece("cc", "links the native shared library", INSTALL_HINT_CC))
    try:
        linker = find_wasm_linker()
        wasm_ld: tuple[str, str] | None = (" ".join(linker.command), linker.version)
    except RelonBuildError:
        wasm_ld = None
        missing.append(MissingPiece("wasm-ld", "links the wasm32 module", INSTALL_HINT_WASM_LD))
    return DoctorReport(
        llvmlite_version=llvmlite.__version__,
        llvm_version=".".join(map(str, llvm.llvm_version_info)),
        native_triple=native,
        rustcs=rustcs,
        cc=cc,
        wasm_ld=wasm_ld,
        wasm_builtins=compiler_builtins(rustcs),
        missing=tuple(missing),
    )


def _probe_cc() -> tuple[str, str] | None:
    try:
        command = c_compiler()
        # cc (Debian 12.2.0-14) 12.2.0
        version = run_tool([*command, "--version"]).strip().splitlines()
    except RelonBuildError:
        return None
    path = find_program(command[0])
    return (str(path or command[0]), version[0] if version else "unknown")


def render_report(report: DoctorReport) -> str:
    """The report as the lines ``relon-build doctor`` prints."""
    lines = [
        f"llvmlite {report.llvmlite_version} (LLVM {report.llvm_version})",
        f"native target: {report.native_triple}",
    ]
    if not report.rustcs:
        lines.append("rustc: none found")
    for rustc in report.rustcs:
        lines.append(f"rustc: {rustc.describe()}")
        lines.append(f"    targets with std: {', '.join(rustc.targets) or 'none'}")
    lines.append(f"cc: {' '.join(report.cc) if report.cc else 'not found'}")
    lines.append(f"wasm-ld: {' '.join(report.wasm_ld) if report.wasm_ld else 'not found'}")
    builtins = report.wasm_builtins
    lines.append(f"wasm32 compiler builtins: {builtins if builtins else 'not found'}")
    if report.missing:
        lines.append("missing:")
        for piece in report.missing:
            lines.append(f"  {piece.what} ({piece.why}): {piece.hint}")
    else:
        lines.append("everything needed for native and wasm32 builds was found")
    return "\n".join(lines)


def doctor_report() -> str:
    """:func:`diagnose` rendered as text."""
    return render_report(diagnose())
