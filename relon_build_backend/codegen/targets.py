"""Compilation targets: which triple, CPU and features an LLVM module is built for.

Never the build machine's CPU unless the user asks for ``"native"``: wheels must run
on every machine of their platform. The portable baseline per architecture is in
:data:`BASELINE_CPU`.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import llvmlite.binding as llvm

__all__ = ["BASELINE_CPU", "TargetKind", "TargetSpec", "initialize_llvm", "target_spec"]

TargetKind = Literal["native", "wasm32"]

#: machine -> (LLVM triple, portable baseline CPU)
BASELINE_CPU: dict[str, tuple[str, str]] = {
    "x86_64": ("x86_64-unknown-linux-gnu", "x86-64"),
    "amd64": ("x86_64-unknown-linux-gnu", "x86-64"),
    "aarch64": ("aarch64-unknown-linux-gnu", "generic"),
    "arm64": ("aarch64-unknown-linux-gnu", "generic"),
}

_WASM_TRIPLE = "wasm32-unknown-unknown"


@dataclass(frozen=True, slots=True)
class TargetSpec:
    """One target: ``kind`` plus the exact triple, CPU and feature string used."""

    kind: TargetKind
    triple: str
    cpu: str
    features: str = ""

    def create_target_machine(self, *, opt_level: int) -> llvm.TargetMachine:
        """A TargetMachine for this target (PIC and the default code model natively)."""
        import llvmlite.binding as llvm

        initialize_llvm()
        target = llvm.Target.from_triple(self.triple)
        # codemodel="default": llvmlite's default 'jitdefault' is the *large* model on
        # x86_64, which is wrong for a shared library (toolchain-notes pitfall 2).
        reloc = "static" if self.kind == "wasm32" else "pic"
        return target.create_target_machine(
            cpu=self.cpu,
            features=self.features,
            opt=opt_level,
            reloc=reloc,
            codemodel="default",
        )


def target_spec(kind: TargetKind, *, cpu: str | None = None) -> TargetSpec:
    """The spec for ``kind``. ``cpu=None`` is the portable baseline; ``"native"`` means
    the build machine's CPU and features (opt-in only)."""
    if kind == "wasm32":
        # "generic" enables sign-ext, bulk-memory, etc.; every wasmtime supports them.
        return TargetSpec("wasm32", _WASM_TRIPLE, cpu or "generic")
    machine = platform.machine().lower()
    if machine not in BASELINE_CPU:
        from ..errors import ConfigError

        raise ConfigError(f"unsupported build machine architecture {machine!r}")
    triple, baseline = BASELINE_CPU[machine]
    if cpu == "native":
        import llvmlite.binding as llvm

        initialize_llvm()
        return TargetSpec("native", triple, llvm.get_host_cpu_name(), _host_features())
    return TargetSpec("native", triple, cpu or baseline)


def _host_features() -> str:
    import llvmlite.binding as llvm

    return str(llvm.get_host_cpu_features().flatten())


_initialized = False


def initialize_llvm() -> None:
    """Initialise every LLVM target once (``llvm.initialize()`` raises in llvmlite 0.50)."""
    global _initialized  # noqa: PLW0603 - process-wide one-time LLVM initialisation
    if not _initialized:
        import llvmlite.binding as llvm

        llvm.initialize_all_targets()
        llvm.initialize_all_asmprinters()
        _initialized = True
