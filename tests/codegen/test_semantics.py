"""Every rule in ``rules.py`` runs natively (ctypes) and on wasm32 (wasmtime); both must
give the expected status and value, bit for bit."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.ir_rules import FLOAT, Result, ScalarTargets, Value, normalize, scalar_targets

from relon_build_backend.ir import nodes as n

from .rules import BIG, HOST_LL, MAX, RULES, WASM_IMPORTS

pytestmark = pytest.mark.wasm

MIN = -(2**63)
NAN = float("nan")
INF = float("inf")
ALL_CAPS = 0b111111


@pytest.fixture(scope="module")
def targets(tmp_path_factory: pytest.TempPathFactory) -> ScalarTargets:
    tmp: Path = tmp_path_factory.mktemp("codegen")
    return scalar_targets(list(RULES.values()), HOST_LL, tmp, WASM_IMPORTS)


def run(targets: ScalarTargets, name: str, *args: Value, caps: int = 0, steps: int = -1) -> Result:
    return targets.call(RULES[name], args, caps=caps, steps=steps)


def ok(value: Value) -> Result:
    if isinstance(value, float):
        return 0, normalize(FLOAT, value)
    return 0, value


def err(kind: n.ErrorKind) -> Result:
    return int(kind), None


OVF, DIV0, CAP, STEPS, PANIC, DEPTH = (
    err(n.ErrorKind.NUMERIC_OVERFLOW),
    err(n.ErrorKind.DIVISION_BY_ZERO),
    err(n.ErrorKind.CAPABILITY_DENIED),
    err(n.ErrorKind.STEP_LIMIT_EXCEEDED),
    err(n.ErrorKind.HOST_PANIC),
    err(n.ErrorKind.RECURSION_LIMIT_EXCEEDED),
)

INT_SAMPLES = [
    0,
    1,
    -1,
    2,
    -2,
    3,
    7,
    -7,
    2**31,
    -(2**31),
    2**32,
    3037000499,
    3037000500,
    -3037000500,
    BIG,
    -BIG,
    MAX,
    MIN,
    MAX - 1,
    MIN + 1,
]


def _wrap_check(value: int) -> Result:
    return ok(value) if MIN <= value <= MAX else OVF


def _trunc_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "rem"])
def test_int_arith_matches_reference(targets: ScalarTargets, op: str) -> None:
    for a in INT_SAMPLES:
        for b in INT_SAMPLES:
            if op in ("div", "rem") and b == 0:
                expected = DIV0
            elif op == "div":
                expected = _wrap_check(_trunc_div(a, b))
            elif op == "rem":
                expected = OVF if (a, b) == (MIN, -1) else ok(a - b * _trunc_div(a, b))
            else:
                expected = _wrap_check({"add": a + b, "sub": a - b, "mul": a * b}[op])
            assert run(targets, op, a, b) == expected, (op, a, b)


def test_int_neg_and_abs(targets: ScalarTargets) -> None:
    assert run(targets, "neg", MIN) == OVF
    assert run(targets, "neg", MAX) == ok(-MAX)
    assert run(targets, "int_abs", MIN) == OVF
    assert run(targets, "int_abs", -5) == ok(5)


@pytest.mark.parametrize(
    ("name", "x", "y", "expected"),
    [
        ("fdiv", 1.0, 0.0, DIV0),
        ("fdiv", 1.0, -0.0, DIV0),
        ("fdiv", NAN, 0.0, DIV0),
        ("fdiv", 1.0, 4.0, ok(0.25)),
        ("fdiv", -0.0, 4.0, ok(-0.0)),
        ("frem", 5.5, 2.0, ok(1.5)),
        ("frem", -5.5, 2.0, ok(-1.5)),
        ("frem", 5.5, -0.0, DIV0),
        ("frem", INF, 2.0, ok(NAN)),
        ("feq", NAN, NAN, ok(True)),
        ("feq", 0.0, -0.0, ok(True)),
        ("feq", NAN, 1.0, ok(False)),
        ("fne", NAN, NAN, ok(False)),
        ("fne", NAN, 1.0, ok(True)),
        ("flt", NAN, 1.0, ok(False)),
        ("flt", 1.0, NAN, ok(False)),
        ("flt", -1.0, 1.0, ok(True)),
        ("fge", NAN, NAN, ok(False)),
        ("fge", 0.0, -0.0, ok(True)),
    ],
)
def test_float_ops(targets: ScalarTargets, name: str, x: float, y: float, expected: Result) -> None:
    assert run(targets, name, x, y) == expected


@pytest.mark.parametrize(
    ("name", "args", "expected"),
    [
        ("fneg", (0.0,), -0.0),
        ("float_floor", (-2.5,), -3.0),
        ("float_ceil", (-2.5,), -2.0),
        ("float_round", (2.5,), 2.0),
        ("float_round", (3.5,), 4.0),
        ("float_round", (-2.5,), -2.0),
        ("float_sqrt", (-1.0,), NAN),
        ("float_sqrt", (2.25,), 1.5),
        ("float_abs", (-0.0,), 0.0),
        ("float_pow", (2.0, 10.0), 1024.0),
        ("float_pow", (-8.0, 1.0 / 3.0), NAN),
        ("float_pow", (NAN, 0.0), 1.0),
        ("float_min", (NAN, 1.0), NAN),
        ("float_min", (1.0, NAN), NAN),
        ("float_max", (1.0, NAN), NAN),
        ("float_min", (-0.0, 0.0), -0.0),
        ("float_min", (0.0, -0.0), -0.0),
        ("float_max", (-0.0, 0.0), 0.0),
        ("float_max", (0.0, -0.0), 0.0),
        ("float_min", (-INF, 3.0), -INF),
        ("float_max", (2.0, 3.0), 3.0),
        ("float_clamp", (5.0, 0.0, 1.0), 1.0),
        ("float_clamp", (NAN, 0.0, 1.0), NAN),
        ("float_clamp", (-0.5, 0.0, 1.0), 0.0),
        ("int_min", (MIN, MAX), MIN),
        ("int_max", (MIN, MAX), MAX),
        ("int_clamp", (50, -3, 7), 7),
        ("int_clamp", (-50, -3, 7), -3),
        ("int_clamp", (5, -3, 7), 5),
        ("int_pow", (2, 62), 2**62),
        ("int_pow", (-2, 63), MIN),
        ("int_pow", (0, 0), 1),
        ("int_pow", (-1, MAX), -1),
        ("int_pow", (3, 39), 3**39),
        ("int_pow", (10, 18), 10**18),
    ],
)
def test_math(targets: ScalarTargets, name: str, args: tuple[Value, ...], expected: Value) -> None:
    assert run(targets, name, *args) == ok(expected)


@pytest.mark.parametrize(("base", "exp"), [(2, 63), (3, 40), (-2, 64), (3, -1), (MAX, 2), (10, 19)])
def test_int_pow_overflow(targets: ScalarTargets, base: int, exp: int) -> None:
    assert run(targets, "int_pow", base, exp) == OVF


def test_bool_params_and_results(targets: ScalarTargets) -> None:
    for p in (False, True):
        for q in (False, True):
            assert run(targets, "booleq", p, q) == ok((not p) == q)
    assert run(targets, "hnot", True) == ok(False)
    assert run(targets, "hnot", False) == ok(True)


def test_short_circuit_and_if(targets: ScalarTargets) -> None:
    assert run(targets, "and", 0) == ok(False)  # 10 / 0 never evaluated
    assert run(targets, "and", 3) == ok(True)
    assert run(targets, "or", 0) == ok(True)
    assert run(targets, "or", 20) == ok(False)
    assert run(targets, "cond", 0) == ok(0)
    assert run(targets, "cond", 30) == ok(3)
    assert run(targets, "cond", MIN) == OVF
    assert run(targets, "let", 3) == ok(6.5)
    assert run(targets, "let", BIG) == OVF


def test_calls_steps_and_depth(targets: ScalarTargets) -> None:
    assert run(targets, "closure", 10) == ok(15)
    assert run(targets, "closure", MAX) == OVF
    assert run(targets, "closure", 1, steps=0) == STEPS
    assert run(targets, "closure", 1, steps=1) == ok(6)
    assert run(targets, "depth", 5, steps=6) == ok(5)  # six calls
    assert run(targets, "depth", 5, steps=5) == STEPS
    assert run(targets, "depth", 9_999) == ok(9_999)  # 10,000 nested calls
    assert run(targets, "depth", 10_000) == DEPTH
    assert run(targets, "depth", 2**40) == DEPTH
    assert run(targets, "add", 1, 2, steps=0) == ok(3)  # no loop, no call


def test_loops(targets: ScalarTargets) -> None:
    assert run(targets, "sumsq", 10) == ok(285)
    assert run(targets, "sumsq", -5) == ok(0)
    assert run(targets, "sumsq", 10, steps=10) == ok(285)
    assert run(targets, "sumsq", 10, steps=9) == STEPS
    # the sum overflows at the second element; the rest is drained without stages,
    # which still charges one step per element
    assert run(targets, "sum_to_max", MAX - 3) == OVF
    assert run(targets, "sum_to_max", MAX - 3, steps=3) == OVF
    assert run(targets, "sum_to_max", MAX - 3, steps=2) == STEPS
    assert run(targets, "sum_to_max", BIG) == OVF
    assert run(targets, "sum_to_max", BIG, steps=1000) == STEPS
    assert run(targets, "sum_to_max", MAX - 1) == ok(MAX - 1)
    assert run(targets, "count_even", 10) == ok(6)  # -2, 0, 2, 4, 6, 8 of -3..9
    assert run(targets, "nested", 5) == ok(10)
    assert run(targets, "nested", 5, steps=15) == ok(10)
    assert run(targets, "nested", 5, steps=14) == STEPS
    fsum = 0.0
    for i in range(100):
        fsum += i * 0.1
    assert run(targets, "fsum", 100) == ok(fsum)


def test_fusion_drain_order(targets: ScalarTargets) -> None:
    # stage 1 overflows at x=0, stage 0 divides by zero at x=3: the unfused chain
    # runs stage 0 over everything first, so DivisionByZero wins
    assert run(targets, "drain", 10) == DIV0
    assert run(targets, "drain", 3) == OVF
    assert run(targets, "drain", 10, steps=9) == STEPS  # drain iterations are charged
    # the reduce overflows at x=1, stage 0 divides by zero at x=5
    assert run(targets, "drain_term", 5) == OVF
    assert run(targets, "drain_term", 6) == DIV0
    # init fails (10 / d); a stage error later replaces it
    assert run(targets, "init_fail", 2, 0) == DIV0
    assert run(targets, "init_fail", 5, 0) == OVF
    assert run(targets, "init_fail", 2, 1) == ok(10 + BIG)
    assert run(targets, "init_fail", 0, 0) == DIV0
    # filter fails at x=2; the map after it would overflow at x=3 but never runs
    assert run(targets, "filter_err", 10) == DIV0
    assert run(targets, "filter_err", 2) == ok(BIG)
    # an inner loop's error becomes the outer stage's pending error
    assert run(targets, "nested_err", 3) == OVF
    assert run(targets, "nested_err", 4) == DIV0


def test_any_all_early_exit(targets: ScalarTargets) -> None:
    assert run(targets, "any_drain", 4) == ok(False)
    assert run(targets, "any_drain", 8) == ok(True)  # decided at x=4, drained to x=7
    assert run(targets, "any_drain", 9) == DIV0  # the drain reaches x=8
    assert run(targets, "any_drain", 8, steps=8) == ok(True)
    assert run(targets, "any_drain", 8, steps=7) == STEPS
    assert run(targets, "any_plain", 1000, steps=3) == ok(True)  # no stages: stops at x=2
    assert run(targets, "any_plain", 1000, steps=2) == STEPS
    assert run(targets, "any_plain", 2) == ok(False)
    assert run(targets, "all_drain", 2) == ok(True)
    assert run(targets, "all_drain", 6) == ok(False)  # decided at x=2
    assert run(targets, "all_drain", 7) == DIV0


def test_host_calls(targets: ScalarTargets) -> None:
    assert run(targets, "pure", 1) == ok(44)
    assert run(targets, "pure", 1, steps=0) == STEPS
    assert run(targets, "boom", 3) == ok(3)
    assert run(targets, "boom", 7) == PANIC
    assert run(targets, "boom", 8) == ok(8)  # the guard is reusable after a panic


def test_capabilities(targets: ScalarTargets) -> None:
    clock = 1 << 3
    assert run(targets, "gated", 2) == CAP
    assert run(targets, "gated", 2, caps=ALL_CAPS & ~clock) == CAP
    assert run(targets, "gated", 2, caps=clock) == ok(5001)
    assert run(targets, "gated", 0) == CAP  # checked before the argument (10 / 0)
    assert run(targets, "gated", 0, caps=clock) == DIV0
    assert run(targets, "gated", 2, steps=0) == CAP  # checked before the step charge
    assert run(targets, "gated", 2, caps=clock, steps=0) == STEPS
    assert run(targets, "genv", True, caps=1 << 4) == ok(False)
    assert run(targets, "genv", False, caps=ALL_CAPS) == ok(True)
    assert run(targets, "netboom", 7, caps=1 << 2) == PANIC
    assert run(targets, "netboom", 6, caps=1 << 2) == ok(6)
    assert run(targets, "mixed", 1, caps=clock) == ok(43 + 1001)


def test_main_and_hash_entries(targets: ScalarTargets) -> None:
    import ctypes

    lib = targets.native.lib
    main = lib.relon_add_00000000_main
    main.argtypes = [ctypes.c_int64, ctypes.c_int64, ctypes.c_void_p]
    out = ctypes.c_int64(0)
    assert main(40, 2, ctypes.byref(out)) == 0
    assert out.value == 42
    out.value = 99
    assert main(MAX, 1, ctypes.byref(out)) == 1
    assert out.value == 99  # written only on success
    gated_main = lib.relon_gated_00000000_main
    gated_main.argtypes = [ctypes.c_int64, ctypes.c_void_p]
    assert gated_main(2, ctypes.byref(out)) == 5  # P_main grants no capabilities
    lib.relon_drain_term_00000000_hash.restype = ctypes.c_int64
    assert lib.relon_drain_term_00000000_hash() == len("drain_term")
    wasm_hash = targets.wasm.export("relon_drain_term_00000000_hash")
    assert wasm_hash(targets.wasm.store) == len("drain_term")


def test_native_host_exports(targets: ScalarTargets) -> None:
    import ctypes

    lib = targets.native.lib
    out = ctypes.c_int64(0)
    clock = lib.relon_gated_00000000_host_clock_ms
    clock.argtypes = [ctypes.c_int64, ctypes.c_void_p]
    assert clock(5, ctypes.byref(out)) == 0
    assert out.value == 5001
    boom = lib.relon_netboom_00000000_host_net_boom
    boom.argtypes = [ctypes.c_int64, ctypes.c_void_p]
    assert boom(7, ctypes.byref(out)) == 7
    flag_out = ctypes.c_int32(5)
    env = lib.relon_genv_00000000_host_env_flag
    env.argtypes = [ctypes.c_int32, ctypes.c_void_p]
    assert env(1, ctypes.byref(flag_out)) == 0
    assert flag_out.value == 0
    assert not hasattr(lib, "relon_pure_00000000_host_host_add")  # pure: no export


def test_native_calls_on_threads_share_no_state(targets: ScalarTargets) -> None:
    from concurrent.futures import ThreadPoolExecutor

    depth, boom = RULES["depth"], RULES["boom"]

    def work(k: int) -> list[Result]:
        results = []
        for _ in range(100):
            results.append(targets.native.call(depth, [k], caps=0, steps=k + 1))
            results.append(targets.native.call(depth, [k], caps=0, steps=k))
            results.append(targets.native.call(boom, [7 if k % 2 else k], caps=0, steps=-1))
        return results

    ks = [10, 51, 300, 1001]
    with ThreadPoolExecutor(len(ks)) as pool:
        for k, results in zip(ks, pool.map(work, ks), strict=True):
            panic_or_ok = PANIC if k % 2 else ok(k)
            assert results == [ok(k), STEPS, panic_or_ok] * 100
