"""Host functions: what the front end knows about the shim's ``extern "C"`` functions.

The host-shim toolchain (``cocompile``) reads ``host_shim.rs`` and the
``[tool.relon.host-functions]`` table and produces these; the checker resolves bare
calls against them. Capability bit ``i`` is ``CAPABILITIES[i]`` (the ABI's order, from
``_relon_runtime.abi``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .._relon_runtime.abi import CAPABILITIES, Capability
from .source import Span

__all__ = ["CAPABILITIES", "Capability", "HostFunction", "HostType", "capability_mask"]

#: Relon scalar types a host function may take or return (Rust i64, f64, bool).
HostType = Literal["Int", "Float", "Bool"]


@dataclass(frozen=True, slots=True)
class HostFunction:
    """A ``#[no_mangle] pub extern "C" fn`` of a shim, callable from Relon by bare name."""

    name: str
    params: tuple[HostType, ...]
    result: HostType
    #: Capabilities the caller must grant; empty means pure (ungated).
    capabilities: frozenset[Capability]
    #: Where the ``fn`` is declared in ``host_shim.rs`` (for diagnostics).
    span: Span

    @property
    def is_gated(self) -> bool:
        return bool(self.capabilities)


def capability_mask(capabilities: frozenset[Capability] | set[Capability]) -> int:
    """The bit mask of ``capabilities`` (bit ``i`` is ``CAPABILITIES[i]``)."""
    return sum(1 << CAPABILITIES.index(cap) for cap in capabilities)
