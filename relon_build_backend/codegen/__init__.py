"""Codegen: Relon IR -> LLVM IR text (llvmlite), with the entry ABI of docs/abi.md.

Modules: ``unit`` (shared state, context layout, value types), ``emitter``
(expressions, errors, steps, calls), ``arith`` (operators and math), ``values``
(String/List memory: arena allocation, element layout, constants), ``strings`` and
``lists`` (their nodes, calling the ``relon_rt_*`` runtime of docs/runtime.md),
``loops`` (fused loops), ``entry`` (module assembly and exported entries); ``abi`` and
``targets`` are shared contracts.
"""

from __future__ import annotations

from ..ir.nodes import IrModule
from ..targets import Target

__all__ = ["generate_llvm_ir"]


def generate_llvm_ir(
    module: IrModule, *, symbol_prefix: str, source_hash: int, target: Target
) -> str:
    """The unoptimized LLVM IR text of one rule for ``target`` (triple and data layout
    set), before the host shim is linked. See ``entry.py`` for what it defines."""
    from .entry import build_module

    llvm_module = build_module(module, prefix=symbol_prefix, source_hash=source_hash, target=target)
    llvm_module.triple = target.triple
    llvm_module.data_layout = target.data_layout
    return str(llvm_module)
