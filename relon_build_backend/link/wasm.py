"""Linking a ``.wasm`` module with wasm-ld (LLD), found by :mod:`..toolchain.wasm_ld`.

The only imports allowed are the listed ones (gated host functions, ``env.<name>``).
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from ..errors import ToolchainMissing, ToolFailed
from ..toolchain.rustc import INSTALL_HINT_WASM32, discover_rustcs
from ..toolchain.tools import run_tool
from ..toolchain.wasm_ld import compiler_builtins, find_wasm_linker
from .output import atomic_output
from .wasm_module import read_imports

__all__ = ["link_wasm"]

_IMPORT_PREFIX = "relon_import_"


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
