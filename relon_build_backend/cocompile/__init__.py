"""Stage 4: the host-shim toolchain and the closed-world co-compile.

``host_shim.rs`` -> host functions (:func:`read_host_functions`) -> LLVM module
from rustc (:func:`compile_shim`: rustc discovery, ``no_std`` crate root, skew
bridge) -> linked into each rule's module, inlined and optimised
(:func:`build_rule_object`); the runtime crate ``relon_rt.rs`` compiled
(:func:`compile_runtime`) and optimised into one object per library whose rules use
strings and lists (:func:`build_runtime_object`); plus the runtime object every
library links (:func:`runtime_object`: guards, arenas). The tools themselves are
found by :mod:`relon_build_backend.toolchain`.
"""

from __future__ import annotations

from .rule_object import (
    WASM_TRAP_IR,
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
from .shim_compiler import CompiledShim, choose_ir_format, compile_shim
from .shim_reader import check_gates, read_host_functions

__all__ = [
    "NATIVE_EXPORTS",
    "WASM_EXPORTS",
    "WASM_TRAP_IR",
    "CoCompiledModule",
    "CompiledRuntime",
    "CompiledShim",
    "RuleObject",
    "build_rule_object",
    "build_runtime_object",
    "check_gates",
    "choose_ir_format",
    "compile_runtime",
    "compile_shim",
    "declares_runtime",
    "library_runtime_object",
    "read_host_functions",
    "runtime_cache_dir",
    "runtime_calls",
    "runtime_object",
    "runtime_signatures",
]
