"""relon-build-backend: a PEP 517 backend compiling Relon rules ahead of time.

Pipeline (each stage a package; later stages import earlier ones, never the reverse):

1. ``frontend/``  scanner, parser, AST, checker, diagnostics: ``.relon`` -> checked AST
2. ``lower/``     checked AST -> Relon IR (``ir/``: nodes, printer)
3. ``codegen/``   Relon IR -> LLVM IR (llvmlite), entry ABI (docs/abi.md), targets
4. ``cocompile/`` rustc discovery, shim crate root, skew bridge, link + inline + O3
5. ``link/``      objects -> native shared library / ``.wasm``
6. ``loader/``    per-rule ctypes/wasmtime loader modules (stdlib-only runtime)
7. ``setuptools/`` the ``build_relon`` command, wheel tag, PEP 517/660 hooks
8. ``cli.py``     ``relon-build`` (check, ir, llvm-ir, compile, doctor)

``compiler.py`` drives stages 1-5 for a set of rules.

Glossary: a *rule* is one ``.relon`` file with a ``#main``; a *host function* is a
``#[no_mangle] pub extern "C" fn`` of a *shim* (``host_shim.rs``); a *capability*
gates a host function at run time; a *target* is ``native`` or ``wasm32``; a *span*
locates source text.

This module exports the PEP 517 / PEP 660 hooks and nothing else.
"""

from __future__ import annotations
