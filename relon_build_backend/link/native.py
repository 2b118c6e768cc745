"""Linking a native shared library with ``cc -shared``.

Only the requested symbols are exported (a version script); the output is
reproducible (no build id; the inputs carry no paths) and written atomically.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ..toolchain.cc import c_compiler
from ..toolchain.tools import run_tool
from .output import atomic_output

__all__ = ["link_native", "version_script"]

_SYMBOL = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def version_script(exports: Sequence[str]) -> str:
    """A GNU ld version script exporting exactly ``exports``."""
    bad = [name for name in exports if not _SYMBOL.fullmatch(name)]
    assert not bad, f"not C symbol names: {bad}"
    lines = "".join(f"    {name};\n" for name in sorted(set(exports)))
    return f"{{\n  global:\n{lines}  local:\n    *;\n}};\n"


def link_native(
    objects: Sequence[Path], output: Path, *, exports: Sequence[str], workdir: Path
) -> None:
    """Link ``objects`` into the shared library ``output`` exporting only ``exports``.

    Honours ``$CC``. Raises :class:`ToolchainMissing` (no C compiler) or
    :class:`ToolFailed` (the link failed); ``output`` is untouched then.
    """
    # A private folder: several links may share ``workdir`` at once.
    script = Path(tempfile.mkdtemp(prefix="link-", dir=workdir)) / "exports.map"
    script.write_text(version_script(exports), encoding="utf-8")
    with atomic_output(output) as temp:
        run_tool(
            [
                *c_compiler(),
                "-shared",
                f"-Wl,--version-script={script}",
                # Some toolchains default the build id to random/uuid; none keeps the
                # bytes a function of the objects only.
                "-Wl,--build-id=none",
                "-Wl,-z,noexecstack",
                # rustc's LTO output carries core's debug info; wheels don't need it.
                "-Wl,--strip-debug",
                "-Wl,--as-needed",
                "-o",
                str(temp),
                *map(str, objects),
                "-lm",
            ]
        )
