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

# -- PEP 517 / PEP 660 hooks ------------------------------------------------------------
# Each wraps setuptools.build_meta (so [project], [tool.setuptools] and both layouts keep
# working); the build_relon sub-command does the Relon work. Heavy imports (setuptools,
# llvmlite) happen inside the hooks. PEP 517 runs hooks in the source tree's folder.
from .setuptools.hooks import ConfigSettings as _ConfigSettings
from .setuptools.hooks import build_meta as _build_meta
from .setuptools.hooks import hook_boundary as _hook_boundary

__all__ = [
    "build_editable",
    "build_sdist",
    "build_wheel",
    "get_requires_for_build_editable",
    "get_requires_for_build_sdist",
    "get_requires_for_build_wheel",
    "prepare_metadata_for_build_editable",
    "prepare_metadata_for_build_wheel",
]


def get_requires_for_build_wheel(config_settings: _ConfigSettings = None) -> list[str]:
    with _hook_boundary(config_settings) as settings:
        return list(_build_meta().get_requires_for_build_wheel(settings))


def get_requires_for_build_sdist(config_settings: _ConfigSettings = None) -> list[str]:
    with _hook_boundary(config_settings) as settings:
        return list(_build_meta().get_requires_for_build_sdist(settings))


def get_requires_for_build_editable(config_settings: _ConfigSettings = None) -> list[str]:
    with _hook_boundary(config_settings) as settings:
        return list(_build_meta().get_requires_for_build_editable(settings))


def prepare_metadata_for_build_wheel(
    metadata_directory: str, config_settings: _ConfigSettings = None
) -> str:
    with _hook_boundary(config_settings) as settings:
        return str(_build_meta().prepare_metadata_for_build_wheel(metadata_directory, settings))


def prepare_metadata_for_build_editable(
    metadata_directory: str, config_settings: _ConfigSettings = None
) -> str:
    with _hook_boundary(config_settings) as settings:
        meta = _build_meta()
        return str(meta.prepare_metadata_for_build_editable(metadata_directory, settings))


def build_wheel(
    wheel_directory: str,
    config_settings: _ConfigSettings = None,
    metadata_directory: str | None = None,
) -> str:
    with _hook_boundary(config_settings) as settings:
        return str(_build_meta().build_wheel(wheel_directory, settings, metadata_directory))


def build_editable(
    wheel_directory: str,
    config_settings: _ConfigSettings = None,
    metadata_directory: str | None = None,
) -> str:
    with _hook_boundary(config_settings) as settings:
        return str(_build_meta().build_editable(wheel_directory, settings, metadata_directory))


def build_sdist(sdist_directory: str, config_settings: _ConfigSettings = None) -> str:
    with _hook_boundary(config_settings) as settings:
        return str(_build_meta().build_sdist(sdist_directory, settings))
