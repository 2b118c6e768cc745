"""The host functions generated programs call: gated, pure, and one that panics.

Wrapping arithmetic and ``rem_euclid`` keep the Rust exactly modelled by the
differential test's Python models.
"""

from __future__ import annotations

from relon_build_backend.frontend.hosts import Capability, HostFunction
from relon_build_backend.frontend.source import SourceFile, Span

from .program_gen import HostSignature

SHIM = """
#[no_mangle]
pub extern "C" fn h_scale(a: i64, b: f64) -> f64 {
    (a as f64) * 0.5 + b
}

#[no_mangle]
pub extern "C" fn h_tick(a: i64) -> i64 {
    a.wrapping_mul(3).wrapping_add(1)
}

#[no_mangle]
pub extern "C" fn h_big(x: f64) -> bool {
    x > 1.0
}

#[no_mangle]
pub extern "C" fn h_check(a: i64) -> i64 {
    if a.rem_euclid(7) == 3 {
        panic!("a is 3 modulo 7");
    }
    a / 2
}
"""

GATES: dict[str, frozenset[Capability]] = {
    "h_tick": frozenset({"reads_clock"}),
    "h_big": frozenset({"network", "uses_rng"}),
}
HOST_SIGNATURES: dict[str, HostSignature] = {
    "h_scale": (("Int", "Float"), "Float"),
    "h_tick": (("Int",), "Int"),
    "h_big": (("Float",), "Bool"),
    "h_check": (("Int",), "Int"),
}
_SHIM_SPAN = Span(SourceFile("host_shim.rs", SHIM), 0, 1)
HOSTS = tuple(
    HostFunction(name, params, result, GATES.get(name, frozenset()), _SHIM_SPAN)  # type: ignore[arg-type]
    for name, (params, result) in HOST_SIGNATURES.items()
)
