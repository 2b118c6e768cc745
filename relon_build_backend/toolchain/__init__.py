"""The external tools a build runs, found once and used by every stage.

:func:`run_tool` (the one place that starts a subprocess), rustc discovery
(:func:`find_rustc`, :func:`discover_rustcs`), the C compiler (:func:`c_compiler`),
wasm-ld and the wasm32 compiler builtins (:func:`find_wasm_linker`,
:func:`compiler_builtins`), and ``relon-build doctor`` (:func:`diagnose`,
:func:`doctor_report`). Both ``cocompile/`` and ``link/`` use it; it uses neither.
"""

from __future__ import annotations

from .cc import c_compiler
from .doctor import DoctorReport, MissingPiece, diagnose, doctor_report
from .rustc import RustcInfo, discover_rustcs, find_rustc
from .tools import find_program, run_tool
from .wasm_ld import WasmLinker, compiler_builtins, find_wasm_linker

__all__ = [
    "DoctorReport",
    "MissingPiece",
    "RustcInfo",
    "WasmLinker",
    "c_compiler",
    "compiler_builtins",
    "diagnose",
    "discover_rustcs",
    "doctor_report",
    "find_program",
    "find_rustc",
    "find_wasm_linker",
    "run_tool",
]
