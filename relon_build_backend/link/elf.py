"""What a linked ELF shared library needs from the system: its ``DT_NEEDED`` libraries
and, per library, the symbol versions it requires (``.gnu.version_r``).

That is what decides which manylinux policy a wheel satisfies (the check auditwheel
makes). Read with :mod:`struct` from the section headers; 32- and 64-bit, either byte
order. Nothing is executed or loaded.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ElfError", "ElfNeeds", "read_elf_needs"]

_SHT_DYNAMIC = 6
_SHT_GNU_VERNEED = 0x6FFFFFFE
_DT_NEEDED = 1
#: e_machine -> the architecture as wheel platform tags spell it
_MACHINES = {3: "i686", 62: "x86_64", 40: "armv7l", 183: "aarch64", 21: "ppc64le", 22: "s390x"}


class ElfError(ValueError):
    """The file is not an ELF shared library this reader understands."""


@dataclass(frozen=True, slots=True)
class ElfNeeds:
    """The system libraries a shared library needs and the symbol versions of each."""

    architecture: str  # "x86_64", "aarch64"... (the e_machine)
    needed: tuple[str, ...]  # DT_NEEDED sonames, in file order
    versions: dict[str, tuple[str, ...]]  # soname -> required versions ("GLIBC_2.14")


@dataclass(frozen=True, slots=True)
class _Section:
    kind: int
    offset: int
    size: int
    link: int
    info: int


def read_elf_needs(path: Path) -> ElfNeeds:
    """The needs of the ELF shared library at ``path``. :raises ElfError: not ELF."""
    data = path.read_bytes()
    if data[:4] != b"\x7fELF" or len(data) < 64 or data[4] not in (1, 2) or data[5] not in (1, 2):
        raise ElfError(f"{path}: not an ELF file")
    wide, order = data[4] == 2, "<" if data[5] == 1 else ">"
    sections = _sections(data, wide, order)
    machine = struct.unpack_from(order + "H", data, 18)[0]
    needed: list[str] = []
    versions: dict[str, tuple[str, ...]] = {}
    for section in sections:
        if section.kind == _SHT_DYNAMIC:
            needed += _needed(data, section, sections[section.link], wide, order)
        elif section.kind == _SHT_GNU_VERNEED:
            versions.update(_version_needs(data, section, sections[section.link], order))
    return ElfNeeds(_MACHINES.get(machine, f"machine-{machine}"), tuple(needed), versions)


def _sections(data: bytes, wide: bool, order: str) -> list[_Section]:
    if wide:
        (offset,) = struct.unpack_from(order + "Q", data, 0x28)
        entry_size, count = struct.unpack_from(order + "HH", data, 0x3A)
        layout = order + "IIQQQQIIQQ"
    else:
        (offset,) = struct.unpack_from(order + "I", data, 0x20)
        entry_size, count = struct.unpack_from(order + "HH", data, 0x2E)
        layout = order + "IIIIIIIIII"
    if offset + entry_size * count > len(data):
        raise ElfError("truncated section header table")
    sections = []
    for index in range(count):
        fields = struct.unpack_from(layout, data, offset + index * entry_size)
        _, kind, _, _, start, size, link, info, _, _ = fields
        sections.append(_Section(kind, start, size, link, info))
    return sections


def _string(data: bytes, table: _Section, index: int) -> str:
    start = table.offset + index
    return data[start : data.index(b"\0", start)].decode("ascii", "replace")


def _needed(data: bytes, dynamic: _Section, strings: _Section, wide: bool, order: str) -> list[str]:
    layout = order + ("qQ" if wide else "iI")
    size = struct.calcsize(layout)
    entries = (
        struct.unpack_from(layout, data, dynamic.offset + at)
        for at in range(0, dynamic.size - size + 1, size)
    )
    return [_string(data, strings, value) for tag, value in entries if tag == _DT_NEEDED]


def _version_needs(
    data: bytes, verneed: _Section, strings: _Section, order: str
) -> dict[str, tuple[str, ...]]:
    """Elf_Verneed records (one per library), each with a chain of Elf_Vernaux (one per
    version); the same 16-byte layout in 32- and 64-bit files."""
    found: dict[str, tuple[str, ...]] = {}
    at = verneed.offset
    for _ in range(verneed.info):  # sh_info: the number of Elf_Verneed records
        _, count, file_name, aux, following = struct.unpack_from(order + "HHIII", data, at)
        names, aux_at = [], at + aux
        for _ in range(count):
            _, _, _, name, aux_next = struct.unpack_from(order + "IHHII", data, aux_at)
            names.append(_string(data, strings, name))
            aux_at += aux_next
        found[_string(data, strings, file_name)] = tuple(names)
        at += following
    return found
