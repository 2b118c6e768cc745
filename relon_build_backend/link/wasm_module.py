"""Reading the import section of a ``.wasm`` module (to check what a link produced).

Only as much of the binary format as the import section needs:
https://webassembly.github.io/spec/core/binary/modules.html#import-section
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["WasmImport", "read_imports"]

_MAGIC = b"\0asm\1\0\0\0"
_IMPORT_SECTION = 2
_KINDS = ("func", "table", "memory", "global", "tag")


@dataclass(frozen=True, slots=True)
class WasmImport:
    """One import: ``module.name`` of a kind (func, table, memory, global, tag)."""

    module: str
    name: str
    kind: str


class _Reader:
    def __init__(self, data: bytes, pos: int = 0) -> None:
        self.data = data
        self.pos = pos

    def byte(self) -> int:
        value = self.data[self.pos]
        self.pos += 1
        return value

    def uleb(self) -> int:
        result = shift = 0
        while True:
            value = self.byte()
            result |= (value & 0x7F) << shift
            shift += 7
            if value < 0x80:
                return result

    def name(self) -> str:
        size = self.uleb()
        self.pos += size
        return self.data[self.pos - size : self.pos].decode()

    def limits(self) -> None:
        flags = self.byte()
        self.uleb()
        if flags & 1:
            self.uleb()


def read_imports(data: bytes) -> tuple[WasmImport, ...]:
    """The imports of the wasm module ``data`` (AssertionError if it is not one)."""
    assert data.startswith(_MAGIC), "not a wasm module"
    reader = _Reader(data, len(_MAGIC))
    while reader.pos < len(data):
        section, size = reader.byte(), reader.uleb()
        end = reader.pos + size
        if section == _IMPORT_SECTION:
            return tuple(_read_import(reader) for _ in range(reader.uleb()))
        reader.pos = end
    return ()


def _read_import(reader: _Reader) -> WasmImport:
    module, name, kind = reader.name(), reader.name(), reader.byte()
    if kind == 0:  # function: type index
        reader.uleb()
    elif kind == 1:  # table: reftype + limits
        reader.byte()
        reader.limits()
    elif kind == 2:  # memory: limits
        reader.limits()
    elif kind == 3:  # global: valtype + mutability
        reader.byte()
        reader.byte()
    elif kind == 4:  # tag: attribute + type index
        reader.byte()
        reader.uleb()
    else:
        raise AssertionError(f"unknown wasm import kind {kind}")
    return WasmImport(module, name, _KINDS[kind])
