"""The C compiler: ``$CC`` (which may carry arguments) or ``cc`` on ``$PATH``.

It builds the native runtime (``runtime.c``) and links the shared library.
"""

from __future__ import annotations

import os
import shlex

from ..errors import ToolchainMissing
from .tools import find_program

__all__ = ["INSTALL_HINT_CC", "c_compiler"]

INSTALL_HINT_CC = "install a C compiler (`apt-get install gcc` on Debian/Ubuntu) or set $CC"


def c_compiler() -> list[str]:
    """The C compiler command: ``$CC`` (may carry arguments) or ``cc``.

    Raises :class:`ToolchainMissing` when it is not installed.
    """
    command = shlex.split(os.environ.get("CC", "") or "cc")
    if not command or find_program(command[0]) is None:
        raise ToolchainMissing(
            f"C compiler {command[0] if command else '$CC'!r} not found (needed to build "
            f"the native runtime and link the shared library); {INSTALL_HINT_CC}"
        )
    return command
