"""Checking a ``target-cpu`` against LLVM before any module is built for it.

llvmlite exposes no CPU list, and LLVM aborts the whole process for a CPU that
cannot generate code for the triple (``i386`` for x86_64: "64-bit code requested on
a subtarget that doesn't support it"). So both questions go to a child Python:
``cpu="help"`` makes LLVM print its CPU list, and the chosen CPU compiles a one-line
module there first. Our process never sees an LLVM abort.
"""

from __future__ import annotations

import difflib
import functools
import re
import sys

from ..errors import ConfigError, ToolFailed
from .tools import run_tool

__all__ = ["check_cpu", "llvm_cpus"]

# Runs in the child: stderr goes to stdout, where LLVM's help text and errors land.
_PROBE = """
import os, sys
os.dup2(1, 2)
import llvmlite.binding as llvm
llvm.initialize_all_targets()
llvm.initialize_all_asmprinters()
triple, cpu = sys.argv[1:3]
machine = llvm.Target.from_triple(triple).create_target_machine(
    cpu=cpu, features="", opt=0, reloc="pic", codemodel="default"
)
if cpu != "help":
    module = llvm.parse_assembly("define i64 @f(i64 %a) {\\n  ret i64 %a\\n}\\n")
    module.triple = triple
    machine.emit_object(module)
"""

#:   alderlake               - Select the alderlake processor.
_CPU_LINE = re.compile(r"^\s{2}(\S+)\s+- Select the \S+ processor\.", re.MULTILINE)


def _probe(triple: str, cpu: str) -> str:
    return run_tool([sys.executable, "-c", _PROBE, triple, cpu])


@functools.cache
def llvm_cpus(triple: str) -> tuple[str, ...]:
    """The CPU names LLVM knows for ``triple``, sorted."""
    return tuple(sorted(set(_CPU_LINE.findall(_probe(triple, "help")))))


@functools.cache
def check_cpu(triple: str, cpu: str) -> None:
    """Raise :class:`ConfigError` unless LLVM can generate code for ``triple`` on ``cpu``."""
    known = llvm_cpus(triple)
    if known and cpu not in known:
        close = difflib.get_close_matches(cpu, known, n=3)
        hint = (
            f"did you mean {' or '.join(map(repr, close))}?"
            if close
            else (f"LLVM knows: {', '.join(known)}")
        )
        raise ConfigError(f"target-cpu {cpu!r} is not a CPU LLVM knows for {triple}; {hint}")
    try:
        _probe(triple, cpu)
    except ToolFailed as exc:
        reason = re.search(r"LLVM ERROR: (.*)", str(exc))
        raise ConfigError(
            f"target-cpu {cpu!r} cannot generate code for {triple} "
            f"({reason[1] if reason else 'LLVM refused it'}); choose a CPU of that "
            "architecture, or leave target-cpu unset for the portable baseline"
        ) from None
