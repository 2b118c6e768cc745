"""Finding wasm-ld (LLD) and the wasm32 compiler builtins it links.

The linker is ``$WASM_LD``, else ``wasm-ld`` or the newest ``wasm-ld-NN`` on
``$PATH``, else the ``rust-lld`` inside a rustup toolchain (``-flavor wasm``).
wasm32 has no libc, so the target's compiler builtins (``__multi3``, and ``fmod``,
``pow``... for float ops) come from the ``libcompiler_builtins`` rlib of the
wasm-capable rustc's sysroot.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import RelonBuildError, ToolchainMissing
from .rustc import WASM_TARGET, RustcInfo
from .tools import find_program, run_tool

__all__ = [
    "INSTALL_HINT_WASM_LD",
    "WasmLinker",
    "compiler_builtins",
    "find_wasm_linker",
    "wasm_linker_candidates",
]

INSTALL_HINT_WASM_LD = (
    "install LLD (`apt-get install lld` on Debian/Ubuntu) or a rustup toolchain "
    "(its rust-lld is used), or point $WASM_LD at a wasm-ld"
)


@dataclass(frozen=True, slots=True)
class WasmLinker:
    """A wasm-ld: the command prefix to run it and the version it reports."""

    command: tuple[str, ...]
    version: str


def wasm_linker_candidates(env: Mapping[str, str] | None = None) -> list[tuple[str, ...]]:
    """wasm-ld commands in search order (``$WASM_LD`` must exist when set)."""
    env = os.environ if env is None else env
    search = env.get("PATH", "")
    found: list[tuple[str, ...]] = []
    explicit = env.get("WASM_LD")
    if explicit:
        program = find_program(explicit, path=search)
        if program is None:
            raise ToolchainMissing(
                f"$WASM_LD is set to {explicit!r}, which is not an executable; "
                f"fix or unset $WASM_LD ({INSTALL_HINT_WASM_LD})"
            )
        found.append((str(program),))
    plain = find_program("wasm-ld", path=search)
    if plain is not None:
        found.append((str(plain),))
    found += [(str(p),) for p in _versioned_wasm_lds(search)]
    home = Path(env.get("HOME", "~")).expanduser()
    for lld in sorted((home / ".rustup" / "toolchains").glob("*/lib/rustlib/*/bin/rust-lld")):
        found.append((str(lld), "-flavor", "wasm"))
    return found


def _versioned_wasm_lds(search: str) -> list[Path]:
    # Debian/Ubuntu install wasm-ld-14, wasm-ld-17, ...: newest first.
    versions: dict[int, Path] = {}
    for folder in filter(None, search.split(os.pathsep)):
        for path in Path(folder).glob("wasm-ld-*"):
            match = re.fullmatch(r"wasm-ld-(\d+)", path.name)
            if match and find_program(str(path)) and int(match[1]) not in versions:
                versions[int(match[1])] = path
    return [versions[v] for v in sorted(versions, reverse=True)]


@functools.cache
def _probe_linker(command: tuple[str, ...]) -> WasmLinker | None:
    try:
        # Debian LLD 14.0.6
        # LLD 22.1.2 (/checkout/src/llvm-project/llvm 1cb4e38...)
        version = run_tool([*command, "--version"]).strip()
    except RelonBuildError:
        return None
    return WasmLinker(command, version)


def find_wasm_linker(env: Mapping[str, str] | None = None) -> WasmLinker:
    """The first working wasm-ld. Raises :class:`ToolchainMissing` with how to install."""
    for command in wasm_linker_candidates(env):
        linker = _probe_linker(command)
        if linker is not None:
            return linker
    raise ToolchainMissing(
        f"no wasm-ld found (needed to link the wasm32 module); {INSTALL_HINT_WASM_LD}"
    )


def compiler_builtins(rustcs: Sequence[RustcInfo]) -> Path | None:
    """The wasm32 ``libcompiler_builtins-*.rlib`` of the first rustc that has one."""
    for rustc in rustcs:
        lib = rustc.sysroot / "lib" / "rustlib" / WASM_TARGET / "lib"
        found = sorted(lib.glob("libcompiler_builtins-*.rlib"))
        if found:
            return found[0]
    return None
