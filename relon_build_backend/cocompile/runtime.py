"""The small runtime every library links: relon_abi_version, guards, scratch.

Natively it is ``runtime.c`` (setjmp/longjmp host-panic guard) compiled by ``cc``;
on wasm32 it is an object made here from LLVM IR (``relon_abi_version`` and the
loader's ``relon_scratch`` buffer; traps need no runtime there).
"""

from __future__ import annotations

import os
import shlex
import tempfile
from pathlib import Path

from ..codegen.abi import ABI_VERSION
from ..codegen.targets import TargetSpec
from ..errors import ToolchainMissing
from .tools import find_program, run_tool

__all__ = ["INSTALL_HINT_CC", "c_compiler", "runtime_object"]

INSTALL_HINT_CC = "install a C compiler (`apt-get install gcc` on Debian/Ubuntu) or set $CC"

_RUNTIME_C = Path(__file__).with_name("runtime.c")

_WASM_RUNTIME = f"""
@relon_scratch_buffer = internal global [64 x i8] zeroinitializer, align 8

define i32 @relon_abi_version() {{
  ret i32 {ABI_VERSION}
}}

define ptr @relon_scratch() {{
  ret ptr @relon_scratch_buffer
}}
"""


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


def runtime_object(target: TargetSpec, *, workdir: Path) -> Path:
    """The runtime object file for ``target``, written in a fresh directory under
    ``workdir``. Raises :class:`ToolchainMissing` or :class:`ToolFailed`."""
    out = Path(tempfile.mkdtemp(prefix="runtime-", dir=workdir)) / "relon_runtime.o"
    if target.kind == "wasm32":
        out.write_bytes(_wasm_runtime(target))
        return out
    # Compiled from its own folder by bare name so no build path ends up in the object.
    run_tool(
        [*c_compiler(), "-O2", "-fPIC", "-c", _RUNTIME_C.name, "-o", str(out)],
        cwd=_RUNTIME_C.parent,
    )
    return out


def _wasm_runtime(target: TargetSpec) -> bytes:
    import llvmlite.binding as llvm

    machine = target.create_target_machine(opt_level=2)
    module = llvm.parse_assembly(_WASM_RUNTIME)
    module.triple = target.triple
    module.data_layout = str(machine.target_data)
    module.verify()
    return bytes(machine.emit_object(module))
