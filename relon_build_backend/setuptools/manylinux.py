"""The manylinux tag a Linux wheel earns: the check auditwheel makes, before the wheel
is written.

setuptools tags a platform wheel ``linux_<arch>``, which the package index refuses. A
rule library needs little of the system (libc, perhaps libm and the dynamic loader),
so it satisfies an old manylinux policy (PEP 600): the wheel gets the oldest policy
whose glibc provides every symbol version the libraries require, spelled with its
legacy alias too (``manylinux_2_17_x86_64.manylinux2014_x86_64``, as auditwheel
writes it) so pips older than 20.3 still install it. A library that needs anything
outside the policy's libraries is a build error naming it, never a wrongly tagged wheel.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from ..errors import RelonBuildError
from ..link.elf import ElfError, ElfNeeds, read_elf_needs

__all__ = ["ManylinuxError", "manylinux_platform"]

#: The libraries every manylinux policy lets a wheel use from the system (the subset of
#: auditwheel's policy list a rule library can need).
_SYSTEM_LIBRARIES = frozenset({
    "libc.so.6", "libm.so.6", "libdl.so.2", "librt.so.1", "libpthread.so.0",
    "libgcc_s.so.1", "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1", "ld-linux.so.2",
    "ld-linux-armhf.so.3", "ld64.so.2", "ld64.so.1",
})  # fmt: skip

#: glibc minor versions of the manylinux policies, oldest first, per architecture
#: (manylinux1 and manylinux2010 exist only for the x86 family).
_LATER_POLICIES = (17, 24, 27, 28, 31, 34, 35, 39)
_POLICIES = {"x86_64": (5, 12, *_LATER_POLICIES), "i686": (5, 12, *_LATER_POLICIES)}
_ALIASES = {5: "manylinux1", 12: "manylinux2010", 17: "manylinux2014"}
#: libgcc_s symbol versions manylinux2014's toolchain (GCC 4.8) provides
_GCC_LIMIT = (4, 8, 0)
_GLIBC = re.compile(r"GLIBC_(\d+)\.(\d+)(?:\.\d+)?")
_GCC = re.compile(r"GCC_(\d+)\.(\d+)(?:\.(\d+))?")


class ManylinuxError(RelonBuildError):
    """A built library needs something no manylinux policy allows."""


def manylinux_platform(libraries: Iterable[Path], architecture: str) -> str:
    """The platform tag (``manylinux_2_5_x86_64.manylinux1_x86_64``) for a wheel holding
    ``libraries``, built for ``architecture``.

    :raises ManylinuxError: a library needs a library or symbol version outside every
        policy; the message names the library and what it needs.
    """
    minor = 0
    for library in libraries:
        try:
            needs = read_elf_needs(library)
        except ElfError as error:
            raise ManylinuxError(f"{error}; rebuild it (rm -rf build/)") from error
        if needs.architecture != architecture:
            raise ManylinuxError(
                f"{library.name} is built for {needs.architecture}, the wheel for "
                f"{architecture}; build on the platform the wheel is for"
            )
        minor = max(minor, _glibc_minor(library, needs))
    policies = _POLICIES.get(architecture, _LATER_POLICIES)
    chosen = next((p for p in policies if p >= minor), None)
    if chosen is None:
        raise ManylinuxError(f"the rule libraries need glibc 2.{minor}, newer than any policy")
    tag = f"manylinux_2_{chosen}_{architecture}"
    alias = _ALIASES.get(chosen)
    return f"{tag}.{alias}_{architecture}" if alias else tag


def _glibc_minor(library: Path, needs: ElfNeeds) -> int:
    """The newest glibc minor version ``library`` requires (0: none)."""
    outside = [name for name in needs.needed if name not in _SYSTEM_LIBRARIES]
    if outside:
        raise ManylinuxError(
            f"{library.name} needs {outside[0]}, which manylinux wheels may not take from "
            "the system; a rule library should need only libc (is a host shim linking "
            "another library?)"
        )
    minor = 0
    for soname, versions in needs.versions.items():
        for version in versions:
            glibc, gcc = _GLIBC.fullmatch(version), _GCC.fullmatch(version)
            if glibc and glibc.group(1) == "2":
                minor = max(minor, int(glibc.group(2)))
            elif gcc and tuple(int(g or 0) for g in gcc.groups()) <= _GCC_LIMIT:
                continue
            else:
                raise ManylinuxError(
                    f"{library.name} needs {soname} version {version}, which no manylinux "
                    "policy provides"
                )
    return minor
