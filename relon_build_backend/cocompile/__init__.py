"""Stage 4: the host-shim toolchain and the closed-world co-compile.

``host_shim.rs`` -> host functions (:func:`read_host_functions`) -> LLVM module
from rustc (:func:`compile_shim`: rustc discovery, ``no_std`` crate root, skew
bridge) -> linked into each rule's module, inlined and optimised
(:func:`build_rule_object`); the runtime crate ``relon_rt.rs`` compiled
(:func:`compile_runtime`) and optimised into one object per library whose rules use
strings and lists (:func:`build_runtime_object`); plus the runtime object every
library links (:func:`runtime_object`: guards, arenas) and the toolchain report
(:func:`doctor_report`).
"""

from __future__ import annotations

from .doctor import DoctorReport, MissingPiece, diagnose, doctor_report
from .rule_object import (
    CoCompiledModule,
    RuleObject,
    build_rule_object,
    build_runtime_object,
    library_runtime_object,
)
from .runtime import NATIVE_EXPORTS, WASM_EXPORTS, runtime_object
from .runtime_crate import (
    CompiledRuntime,
    compile_runtime,
    declares_runtime,
    runtime_cache_dir,
    runtime_calls,
    runtime_signatures,
)
from .rustc import RustcInfo, discover_rustcs, find_rustc
from .shim_compiler import CompiledShim, choose_ir_format, compile_shim
from .shim_reader import check_gates, read_host_functions
from .tools import run_tool

__all__ = [
    "NATIVE_EXPORTS",
    "WASM_EXPORTS",
    "CoCompiledModule",
    "CompiledRuntime",
    "CompiledShim",
    "DoctorReport",
    "MissingPiece",
    "RuleObject",
    "RustcInfo",
    "build_rule_object",
    "build_runtime_object",
    "check_gates",
    "choose_ir_format",
    "compile_runtime",
    "compile_shim",
    "declares_runtime",
    "diagnose",
    "discover_rustcs",
    "doctor_report",
    "find_rustc",
    "library_runtime_object",
    "read_host_functions",
    "run_tool",
    "runtime_cache_dir",
    "runtime_calls",
    "runtime_object",
    "runtime_signatures",
]
