"""Host functions co-compiled from a real host_shim.rs: inlining, capabilities, panics."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from support.rule_package import RulePackage, build_rule_package, write_package

pytestmark = [pytest.mark.rustc, pytest.mark.wasm]

SHIM = """
#[no_mangle]
pub extern "C" fn add_tax(cents: i64) -> i64 {
    cents + cents / 5
}

#[no_mangle]
pub extern "C" fn half(x: f64) -> f64 {
    x / 2.0
}

#[no_mangle]
pub extern "C" fn is_even(x: i64) -> bool {
    x % 2 == 0
}

/// Panics (Rust division by zero) when d == 0.
#[no_mangle]
pub extern "C" fn ratio(n: i64, d: i64) -> i64 {
    n / d
}

#[no_mangle]
pub extern "C" fn secret_offset(x: i64) -> i64 {
    if x == -1 {
        panic!("the secret store is locked");
    }
    x + 1_700_000_000
}

#[no_mangle]
pub extern "C" fn rate(band: i64) -> i64 {
    if band < 0 {
        panic!("no rate for band {}", band);
    }
    band * 7
}

#[no_mangle]
pub extern "C" fn both_gates(x: i64) -> i64 {
    x * 3
}
"""

#: a call of the host function, as LLVM prints it (names may be quoted)
HOST_CALL = re.compile(r'call [^\n]*@"?add_tax"?\(')

RULES = {
    "pure": "#main(Int c, Float x) -> Float\nhalf(x) + add_tax(c) / 1",
    "even": "#main(Int x) -> Bool\nis_even(x) && !is_even(x + 1)",
    "ratio": "#main(Int n, Int d) -> Int\nratio(n, d) + 1",
    "rate": "#main(Int band) -> Int\nrate(band)",
    "gated": "#main(Int x) -> Int\nsecret_offset(x)",
    "gated_args": "#main(Int x) -> Int\nsecret_offset(10 / x)",
    "two_gates": "#main(Int x) -> Int\nboth_gates(x)",
    "loop_host": "#main(Int n) -> Int\nrange(n).map((i) => add_tax(i)).sum()",
}

GATES = {
    "secret_offset": frozenset({"reads_env"}),
    "both_gates": frozenset({"reads_clock", "uses_rng"}),
}


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory) -> RulePackage:
    return build_rule_package(
        tmp_path_factory.mktemp("hosts"),
        RULES,
        shim=SHIM,
        gates=GATES,  # type: ignore[arg-type]
    )


BACKENDS = ["native", "wasm"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_pure_host_functions(rules: RulePackage, backend: str) -> None:
    assert rules["pure"].Sandbox(backend=backend).main(100, 3.0) == 1.5 + 120
    assert rules["even"].Sandbox(backend=backend).main(4) is True
    assert rules["even"].Sandbox(backend=backend).main(5) is False
    assert rules["loop_host"].Sandbox(backend=backend).main(10) == sum(
        i + i // 5 for i in range(10)
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_gated_host_function_needs_its_capability(rules: RulePackage, backend: str) -> None:
    gated = rules["gated"]
    with pytest.raises(gated.CapabilityDenied) as info:
        gated.Sandbox(backend=backend).main(42)
    assert isinstance(info.value, PermissionError)
    assert info.value.kind == "CapabilityDenied"
    with pytest.raises(PermissionError):
        gated.main(42)
    assert gated.Sandbox(caps={"reads_env"}, backend=backend).main(42) == 1_700_000_042


@pytest.mark.parametrize("backend", BACKENDS)
def test_capability_is_checked_before_arguments(rules: RulePackage, backend: str) -> None:
    module = rules["gated_args"]
    with pytest.raises(module.CapabilityDenied):
        module.Sandbox(backend=backend).main(0)
    with pytest.raises(module.DivisionByZero):
        module.Sandbox(caps={"reads_env"}, backend=backend).main(0)


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_capability_of_a_host_function_is_required(rules: RulePackage, backend: str) -> None:
    module = rules["two_gates"]
    for caps in [set(), {"reads_clock"}, {"uses_rng"}, {"reads_env", "network"}]:
        with pytest.raises(module.CapabilityDenied):
            module.Sandbox(caps=caps, backend=backend).main(2)
    assert module.Sandbox(caps={"reads_clock", "uses_rng"}, backend=backend).main(2) == 6


@pytest.mark.parametrize("backend", BACKENDS)
def test_host_panic_is_an_exception_and_the_interpreter_survives(
    rules: RulePackage, backend: str
) -> None:
    module = rules["ratio"]
    box = module.Sandbox(backend=backend)
    for _ in range(3):  # repeatedly: the guard must be reusable after a panic
        with pytest.raises(module.HostPanic) as info:
            box.main(1, 0)
        assert isinstance(info.value, RuntimeError)
        assert info.value.kind == "HostPanic"
        assert PANIC_AT.fullmatch(str(info.value)), str(info.value)
        assert str(info.value).endswith(": attempt to divide by zero")
    assert box.main(10, 3) == 4


#: where a panic in the test's shim is reported: the shim's folder is remapped to "shim"
PANIC_AT = re.compile(r"a host function panicked at shim/host_shim\.rs:\d+:\d+: .+")


@pytest.mark.parametrize("backend", BACKENDS)
def test_host_panic_carries_the_panic_message(rules: RulePackage, backend: str) -> None:
    module = rules["rate"]
    box = module.Sandbox(backend=backend)
    with pytest.raises(module.HostPanic) as info:
        box.main(-3)
    assert PANIC_AT.fullmatch(str(info.value)), str(info.value)
    assert str(info.value).endswith(": no rate for band -3")
    assert "wasm" not in str(info.value)  # no wasmtime backtrace
    assert box.main(2) == 14
    with pytest.raises(module.HostPanic) as info:
        box.main(-40)  # the note of the last panic, not of an earlier one
    assert str(info.value).endswith(": no rate for band -40")


@pytest.mark.parametrize("backend", BACKENDS)
def test_panic_in_a_gated_host_function(rules: RulePackage, backend: str) -> None:
    # on wasm a gated host function runs natively, called from the loader's import
    box = rules["gated"].Sandbox(caps={"reads_env"}, backend=backend)
    with pytest.raises(rules["gated"].HostPanic) as info:
        box.main(-1)
    assert str(info.value).endswith(": the secret store is locked")
    assert PANIC_AT.fullmatch(str(info.value)), str(info.value)
    assert box.main(1) == 1_700_000_001


@pytest.mark.parametrize("backend", BACKENDS)
def test_capability_denied_names_the_host_function_and_capability(
    rules: RulePackage, backend: str
) -> None:
    with pytest.raises(PermissionError) as info:
        rules["gated"].Sandbox(backend=backend).main(1)
    assert str(info.value) == (
        "host function secret_offset needs capability reads_env, which this call was not "
        "granted; grant it with Sandbox(caps={'reads_env'})"
    )
    with pytest.raises(PermissionError) as info:
        rules["two_gates"].Sandbox(caps={"uses_rng"}, backend=backend).main(1)
    assert str(info.value) == (
        "host function both_gates needs capabilities reads_clock, uses_rng, which this call "
        "was not granted; grant them with Sandbox(caps={'reads_clock', 'uses_rng'})"
    )


def test_docstring_lists_the_capabilities_a_rule_can_need(rules: RulePackage) -> None:
    doc = rules["two_gates"].main.__doc__
    assert "reads_clock: host function both_gates" in doc
    assert "uses_rng: host function both_gates" in doc
    assert "Sandbox(caps=" in doc
    assert "Sandbox(caps=" not in rules["pure"].main.__doc__


def llvm_ir(rule: Path, *options: str) -> str:
    """``relon-build llvm-ir`` of ``rule``, run as a real subprocess."""
    command = [sys.executable, "-m", "relon_build_backend", "llvm-ir", str(rule), *options]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize("target", ["native", "wasm32"])
def test_optimized_ir_has_no_call_to_a_host_function(tmp_path: Path, target: str) -> None:
    _, package_dir = write_package(tmp_path, {"loop_host": RULES["loop_host"]}, shim=SHIM)
    rule = package_dir / "loop_host.relon"
    before = llvm_ir(rule, "--target", target)
    assert HOST_CALL.search(before), before
    optimized = llvm_ir(rule, "--optimized", "--target", target)
    assert "define" in optimized
    assert not HOST_CALL.search(optimized), optimized


def test_the_panic_guard_stays_only_where_a_panic_can_still_happen(tmp_path: Path) -> None:
    # add_tax cannot panic: after O3 nothing reaches relon_trap and the setjmp guard goes;
    # ratio divides by its argument, so its panic path (and the guard) must stay
    rules = {name: RULES[name] for name in ("loop_host", "ratio")}
    _, package_dir = write_package(tmp_path, rules, shim=SHIM)
    guard = re.compile(r"call [^\n]*@relon_guard\(")
    unguarded = llvm_ir(package_dir / "loop_host.relon", "--optimized")
    assert "define" in unguarded and not guard.search(unguarded), unguarded
    assert "relon_trap(" not in unguarded.replace("declare void @relon_trap()", "")
    guarded = llvm_ir(package_dir / "ratio.relon", "--optimized")
    assert guard.search(guarded) and "@relon_trap" in guarded, guarded
