"""Compilation targets: one typed value per platform a library is built for.

A :class:`Target` says everything the stages need to know about a platform: the
LLVM triple, CPU and features, the object format and relocation model, which
linker makes the library, how a trap unwinds, and which side supplies gated host
functions. The stages ask it questions instead of comparing target names, so a new
platform (macOS, aarch64 wasm hosts...) is one entry here.

Never the build machine's CPU unless the user asks for ``"native"``: wheels must run
on every machine of their platform. The portable baseline per architecture is in
:data:`BASELINE_CPU`.
"""

from __future__ import annotations

import functools
import platform
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, get_args

if TYPE_CHECKING:
    import llvmlite.binding as llvm

__all__ = [
    "BASELINE_CPU",
    "TARGET_NAMES",
    "Target",
    "TargetName",
    "initialize_llvm",
    "target_for",
]

#: The names users write in ``[tool.relon] targets`` and ``--target``.
TargetName = Literal["native", "wasm32"]
TARGET_NAMES: tuple[TargetName, ...] = get_args(TargetName)

#: machine -> (LLVM triple, portable baseline CPU)
BASELINE_CPU: dict[str, tuple[str, str]] = {
    "x86_64": ("x86_64-unknown-linux-gnu", "x86-64"),
    "amd64": ("x86_64-unknown-linux-gnu", "x86-64"),
    "aarch64": ("aarch64-unknown-linux-gnu", "generic"),
    "arm64": ("aarch64-unknown-linux-gnu", "generic"),
}


@dataclass(frozen=True, slots=True)
class Target:
    """One platform a rule library is compiled and linked for."""

    name: TargetName
    triple: str
    cpu: str
    features: str = ""
    object_format: Literal["elf", "wasm"] = "elf"
    reloc: Literal["pic", "static"] = "pic"
    #: ``cc`` links a shared library, ``wasm-ld`` a ``.wasm`` module.
    linker: Literal["cc", "wasm-ld"] = "cc"
    pointer_bits: Literal[32, 64] = 64
    #: ``--target`` for rustc, or ``None`` for rustc's own host (then the CPU and
    #: features are passed instead, so the shim matches the TargetMachine).
    rust_target: str | None = None
    #: ``longjmp``: a trap unwinds to a setjmp guard in the C runtime (host panics
    #: need it); ``unreachable``: the wasm trap instruction, caught by the embedder.
    trap: Literal["longjmp", "unreachable"] = "longjmp"
    #: The runtime object comes from ``runtime.c`` (``c``) or from LLVM IR (``llvm-ir``).
    runtime_source: Literal["c", "llvm-ir"] = "c"
    #: Gated (effectful) host functions stay imports, supplied by the loader.
    gated_hosts_are_imports: bool = False
    #: The library exports its gated host functions, so a wasm module's imports can
    #: be served by it.
    exports_gated_hosts: bool = True
    #: ``llvm.smul.with.overflow.i64`` is cheap (on wasm32 it becomes a ``__multi3`` call).
    fast_mul_overflow: bool = True

    def create_target_machine(self, *, opt_level: int) -> llvm.TargetMachine:
        """A TargetMachine for this target (the default code model)."""
        import llvmlite.binding as llvm

        initialize_llvm()
        target = llvm.Target.from_triple(self.triple)
        # codemodel="default": llvmlite's default 'jitdefault' is the *large* model on
        # x86_64, which is wrong for a shared library (toolchain-notes pitfall 2).
        return target.create_target_machine(
            cpu=self.cpu,
            features=self.features,
            opt=opt_level,
            reloc=self.reloc,
            codemodel="default",
        )

    @property
    def data_layout(self) -> str:
        """LLVM's data layout string for this target."""
        return _data_layout(self)


@functools.cache
def _data_layout(target: Target) -> str:
    return str(target.create_target_machine(opt_level=0).target_data)


def target_for(name: TargetName, *, cpu: str | None = None) -> Target:
    """The target called ``name``. ``cpu=None`` is the portable baseline; ``"native"``
    means the build machine's CPU and features (opt-in only)."""
    if name == "wasm32":
        return _wasm32(cpu)
    machine = platform.machine().lower()
    if machine not in BASELINE_CPU:
        from .errors import ConfigError

        raise ConfigError(f"unsupported build machine architecture {machine!r}")
    triple, baseline = BASELINE_CPU[machine]
    if cpu == "native":
        import llvmlite.binding as llvm

        initialize_llvm()
        return Target("native", triple, llvm.get_host_cpu_name(), _host_features())
    return Target("native", triple, cpu or baseline)


def _wasm32(cpu: str | None) -> Target:
    # "generic" enables sign-ext, bulk-memory, etc.; every wasmtime supports them.
    return Target(
        "wasm32",
        "wasm32-unknown-unknown",
        cpu or "generic",
        object_format="wasm",
        reloc="static",
        linker="wasm-ld",
        pointer_bits=32,
        rust_target="wasm32-unknown-unknown",
        trap="unreachable",
        runtime_source="llvm-ir",
        gated_hosts_are_imports=True,
        exports_gated_hosts=False,
        fast_mul_overflow=False,
    )


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
