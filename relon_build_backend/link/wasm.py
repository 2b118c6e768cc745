"""Linking a ``.wasm`` module with wasm-ld (LLD).

The linker is ``$WASM_LD``, else ``wasm-ld`` or the newest ``wasm-ld-NN`` on
``$PATH``, else the ``rust-lld`` inside a rustup toolchain (``-flavor wasm``).
wasm32 has no libc, so the target's compiler builtins (``__multi3``, and ``fmod``,
``pow``... for float ops) come from the ``libcompiler_builtins`` rlib of the
wasm-capable rustc's sysroot. The only imports allowed are the listed ones
(gated host functions, ``env.<name>``).
"""

from __future__ import annotations

import functools
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..cocompile.rustc import INSTALL_HINT_WASM32, WASM_TARGET, RustcInfo, discover_rustcs
from ..cocompile.tools import find_program, run_tool
from ..errors import RelonBuildError, ToolchainMissing, ToolFailed
from .output import atomic_output
from .wasm_module import read_imports

__all__ = [
    "INSTALL_HINT_WASM_LD",
    "WasmLinker",
    "compiler_builtins",
    "find_wasm_linker",
    "link_wasm",
    "wasm_linker_candidates",
]

_IMPORT_PREFIX = "relon_import_"

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


def link_wasm(
    objects: Sequence[Path],
    output: Path,
    *,
    exports: Sequence[str],
    imports: Sequence[str],
    workdir: Path,
) -> None:
    """Link wasm32 ``objects`` into ``output`` exporting ``exports`` (and memory).

    ``imports`` are the symbols left undefined, imported from ``env``. Raises
    :class:`ToolchainMissing` or :class:`ToolFailed`; ``output`` is untouched then.
    """
    linker = find_wasm_linker()
    builtins = compiler_builtins(discover_rustcs())
    # A private folder: several links may share ``workdir`` at once.
    allowed = Path(tempfile.mkdtemp(prefix="link-", dir=workdir)) / "imports.txt"
    allowed.write_text("".join(f"{name}\n" for name in sorted(set(imports))), encoding="utf-8")
    with atomic_output(output) as temp:
        cmd = [
            *linker.command,
            "--no-entry",
            "--strip-all",
            "--gc-sections",
            *(f"--export={name}" for name in sorted(set(exports))),
            f"--allow-undefined-file={allowed}",
            "-o",
            str(temp),
            *map(str, objects),
        ]
        if builtins is not None:
            cmd.append(str(builtins))
        try:
            run_tool(cmd)
        except ToolFailed as exc:
            if builtins is None and "undefined symbol" in str(exc):
                raise ToolchainMissing(
                    f"{exc}\nthe wasm32 compiler builtins were not found (they come with "
                    f"a wasm32 rustc); {INSTALL_HINT_WASM32}"
                ) from None
            raise
        _check_imports(temp.read_bytes(), imports)


def _check_imports(module: bytes, imports: Sequence[str]) -> None:
    # wasm-ld imports any undefined symbol that carries an explicit import name
    # without consulting --allow-undefined-file, so check the result itself. Gated
    # hosts are declared as relon_import_<name> and imported as env.<name>.
    allowed = {name.removeprefix(_IMPORT_PREFIX) for name in imports} | set(imports)
    unexpected = [
        f"{i.module}.{i.name} ({i.kind})"
        for i in read_imports(module)
        if i.module != "env" or i.kind != "func" or i.name not in allowed
    ]
    assert not unexpected, f"linked wasm module has unexpected imports: {unexpected}"
