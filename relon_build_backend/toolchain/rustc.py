"""Finding a rustc for a target: discovery, cached probes and the choice.

Candidates, in order: ``$RUSTC``, ``rustc`` on ``$PATH``, ``~/.cargo/bin/rustc``,
``~/.rustup/toolchains/*/bin/rustc`` and the system ``/usr/bin/rustc``. Each is
probed once (:func:`probe_rustc`); the same toolchain reached by two paths (a
rustup proxy and its toolchain) is kept once. A rustc can build shims for a target
when its sysroot holds that target's ``libcore`` (shims are ``no_std``).
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import RelonBuildError, ToolchainMissing
from .tools import find_program, run_tool

__all__ = [
    "INSTALL_HINT_RUSTC",
    "INSTALL_HINT_WASM32",
    "RustcInfo",
    "discover_rustcs",
    "find_rustc",
    "probe_rustc",
    "rust_target",
    "rustc_candidates",
    "select_rustc",
]

WASM_TARGET = "wasm32-unknown-unknown"

INSTALL_HINT_RUSTC = (
    "install Rust with rustup (https://rustup.rs) or your system packages "
    "(`apt-get install rustc` on Debian/Ubuntu), or point $RUSTC at a rustc"
)
INSTALL_HINT_WASM32 = (
    "install a rustc with the wasm32-unknown-unknown standard library: "
    "`apt-get install rustc libstd-rust-dev-wasm32 lld` on Debian/Ubuntu, or "
    "`rustup target add wasm32-unknown-unknown`; or point $RUSTC at such a rustc"
)


@dataclass(frozen=True, slots=True)
class RustcInfo:
    """What one rustc is: where, which release, on which LLVM, with which targets' std."""

    path: Path
    release: str
    host: str
    #: ``(major, minor, patch)`` of the LLVM rustc is built on, ``None`` if not reported.
    llvm_version: tuple[int, ...] | None
    sysroot: Path
    #: Targets whose ``libcore`` is in the sysroot (sorted).
    targets: tuple[str, ...]

    @property
    def llvm_major(self) -> int | None:
        return self.llvm_version[0] if self.llvm_version else None

    def describe(self) -> str:
        llvm = ".".join(map(str, self.llvm_version)) if self.llvm_version else "unknown"
        return f"{self.path} (rustc {self.release}, LLVM {llvm})"


def rust_target(triple: str) -> str:
    """The rustc ``--target`` name of an LLVM triple (identical for ours)."""
    return triple


@functools.cache
def probe_rustc(path: Path) -> RustcInfo | None:
    """Probe the rustc at ``path``; ``None`` when it does not run."""
    try:
        # rustc 1.95.0 (59807616e 2026-04-14)
        # binary: rustc
        # host: x86_64-unknown-linux-gnu
        # release: 1.95.0
        # LLVM version: 22.1.2
        verbose = run_tool([str(path), "-vV"])
        # /root/.rustup/toolchains/stable-x86_64-unknown-linux-gnu
        sysroot = Path(run_tool([str(path), "--print", "sysroot"]).strip())
    except RelonBuildError:
        return None
    fields = {
        key.strip(): value.strip()
        for key, _, value in (line.partition(":") for line in verbose.splitlines())
        if value
    }
    llvm = fields.get("LLVM version")
    return RustcInfo(
        path=path,
        release=fields.get("release", "unknown"),
        host=fields.get("host", "unknown"),
        llvm_version=tuple(int(p) for p in re.findall(r"\d+", llvm)[:3]) if llvm else None,
        sysroot=sysroot,
        targets=_targets_with_core(sysroot),
    )


def _targets_with_core(sysroot: Path) -> tuple[str, ...]:
    # <sysroot>/lib/rustlib/<target>/lib/libcore-<hash>.rlib
    rustlib = sysroot / "lib" / "rustlib"
    if not rustlib.is_dir():
        return ()
    return tuple(
        sorted(d.name for d in rustlib.iterdir() if any((d / "lib").glob("libcore-*.rlib")))
    )


def rustc_candidates(env: Mapping[str, str] | None = None) -> list[Path]:
    """Executable rustc paths in search order (``$RUSTC`` must exist when set)."""
    env = os.environ if env is None else env
    found: list[Path] = []
    explicit = env.get("RUSTC")
    if explicit:
        program = find_program(explicit, path=env.get("PATH", ""))
        if program is None:
            raise ToolchainMissing(
                f"$RUSTC is set to {explicit!r}, which is not an executable; "
                f"fix or unset $RUSTC ({INSTALL_HINT_RUSTC})"
            )
        found.append(program)
    on_path = find_program("rustc", path=env.get("PATH", ""))
    home = Path(env.get("HOME", "~")).expanduser()
    toolchains = sorted((home / ".rustup" / "toolchains").glob("*/bin/rustc"))
    for candidate in [
        on_path,
        home / ".cargo" / "bin" / "rustc",
        *toolchains,
        Path("/usr/bin/rustc"),
    ]:
        if candidate is not None and find_program(str(candidate)) and candidate not in found:
            found.append(candidate)
    return found


def discover_rustcs(env: Mapping[str, str] | None = None) -> tuple[RustcInfo, ...]:
    """Every working rustc, in search order, one per toolchain (sysroot)."""
    infos: list[RustcInfo] = []
    for path in rustc_candidates(env):
        info = probe_rustc(path)
        if info is not None and all(i.sysroot != info.sysroot for i in infos):
            infos.append(info)
    return tuple(infos)


def select_rustc(
    triple: str,
    rustcs: Sequence[RustcInfo],
    *,
    llvmlite_major: int,
    purpose: str = "host_shim.rs",
) -> RustcInfo:
    """The rustc to compile shims (or the runtime crate: what ``purpose`` names in
    errors) for ``triple``.

    Prefers, in search order, one whose LLVM is not newer than llvmlite's (its
    bitcode can be read); otherwise the first that has the target at all.
    Raises :class:`ToolchainMissing` saying what was found and how to install.
    """
    target = rust_target(triple)
    able = [r for r in rustcs if target in r.targets]
    readable = [r for r in able if r.llvm_major is not None and r.llvm_major <= llvmlite_major]
    if readable or able:
        return (readable or able)[0]
    hint = INSTALL_HINT_WASM32 if target == WASM_TARGET else INSTALL_HINT_RUSTC
    if not rustcs:
        raise ToolchainMissing(f"no rustc found (needed to compile {purpose} for {target}); {hint}")
    seen = "; ".join(
        f"{r.describe()} has std for {', '.join(r.targets) or 'no target'}" for r in rustcs
    )
    raise ToolchainMissing(
        f"no rustc with the {target} standard library found (needed to compile "
        f"{purpose} for {target}); found: {seen}; {hint}"
    )


def find_rustc(triple: str, *, purpose: str = "host_shim.rs") -> RustcInfo:
    """:func:`select_rustc` over :func:`discover_rustcs` of this process's environment."""
    import llvmlite.binding as llvm

    major = llvm.llvm_version_info[0]
    return select_rustc(triple, discover_rustcs(), llvmlite_major=major, purpose=purpose)
