"""Stage 5: objects -> a native shared library (``cc -shared``) or a ``.wasm`` (wasm-ld).

Both linkers export only what they are told, write their output atomically and
are reproducible (same objects, same bytes).
"""

from __future__ import annotations

from .native import link_native
from .wasm import link_wasm
from .wasm_module import WasmImport, read_imports

__all__ = [
    "WasmImport",
    "link_native",
    "link_wasm",
    "read_imports",
]
