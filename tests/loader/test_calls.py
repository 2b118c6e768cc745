"""Calling rules through generated loaders: values, argument checks, errors, Sandbox.

Every behavioural test runs on both backends (wasm through both wasmtime call paths):
native and wasm must agree.
"""

from __future__ import annotations

import importlib
import inspect
import math
from typing import Any

import pytest
from support.fake_library import FakePackage
from support.threads import on_threads


@pytest.fixture(params=["native", "wasm", "wasm-public"])
def backend(
    request: pytest.FixtureRequest, fake: FakePackage, monkeypatch: pytest.MonkeyPatch
) -> str:
    """The backend to test; "wasm-public" forces wasmtime's public (slow) call path."""
    if request.param == "wasm-public":
        runtime = importlib.import_module(f"{fake.name}._relon_runtime.wasm")
        monkeypatch.setattr(runtime, "_fast_path", lambda *_args: None)
        return "wasm"
    return str(request.param)


@pytest.fixture
def quote(fake: FakePackage) -> Any:
    return fake.load("rules.quote")


@pytest.fixture
def clock(fake: FakePackage) -> Any:
    return fake.load("rules.clock")


def run(module: Any, backend: str, *args: object, **kwargs: object) -> object:
    return module.Sandbox(backend=backend).main(*args, **kwargs)


def test_main_positional_and_keyword(quote: Any) -> None:
    assert quote.main(3, 9.5, True) == 57.0
    assert quote.main(qty=3, price=9.5, gold=False) == 28.5
    assert quote.main(3, gold=True, price=0.5) == 3.0


def test_sandbox_matches_main(quote: Any, backend: str) -> None:
    box = quote.Sandbox(backend=backend)
    assert box.main(3, 9.5, True) == quote.main(3, 9.5, True) == 57.0
    assert box.main(price=-1.25, gold=False, qty=4) == -5.0
    assert type(box.main(0, 1.0, False)) is float


def test_bool_and_zero_arg_rules(fake: FakePackage, backend: str) -> None:
    flag = fake.load("flag")
    answer = fake.load("rules.answer")
    assert flag.main(True, 0) is True
    assert flag.main(a=True, b=5) is False
    assert run(flag, backend, False, 1) is True
    assert run(flag, backend, False, -(2**63)) is False
    assert run(flag, backend, False, 2**63 - 1) is True
    assert answer.main() == 42
    assert run(answer, backend) == 42
    with pytest.raises(answer.MainArgTypeMismatch):
        answer.main(1)


def test_int_converts_for_float_and_nan_passes(quote: Any, backend: str) -> None:
    assert run(quote, backend, 2, 3, False) == 6.0
    assert math.isnan(run(quote, backend, 1, math.nan, False))  # type: ignore[arg-type]
    assert run(quote, backend, 1, math.inf, True) == math.inf
    assert run(quote, backend, 1, 2**60, False) == float(2**60)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((True, 1.0, True), "argument 'qty' must be int (Relon Int), not bool"),
        ((1.0, 1.0, True), "argument 'qty' must be int (Relon Int), not float"),
        ((1, "1.5", True), "argument 'price' must be float (Relon Float), not str"),
        ((1, False, True), "argument 'price' must be float (Relon Float), not bool"),
        ((1, 1.0, 1), "argument 'gold' must be bool (Relon Bool), not int"),
        ((1, 1.0, None), "argument 'gold' must be bool (Relon Bool), not NoneType"),
        ((1, 1.0), "main() missing required arguments: gold"),
        ((1, 1.0, True, 4), "main() takes 3 arguments but 4 were given"),
    ],
)
def test_wrong_arguments(quote: Any, backend: str, args: tuple[object, ...], message: str) -> None:
    with pytest.raises(quote.MainArgTypeMismatch) as info:
        run(quote, backend, *args)
    assert info.value.kind == "MainArgTypeMismatch"
    assert isinstance(info.value, TypeError)
    assert message in str(info.value)


def test_keyword_mistakes(quote: Any, backend: str) -> None:
    with pytest.raises(quote.MainArgTypeMismatch, match="unexpected keyword argument 'extra'"):
        run(quote, backend, 1, 1.0, True, extra=1)
    with pytest.raises(quote.MainArgTypeMismatch, match="multiple values for argument 'qty'"):
        run(quote, backend, 1, 1.0, True, qty=2)
    with pytest.raises(quote.MainArgTypeMismatch, match="missing required arguments: qty, gold"):
        run(quote, backend, price=1.0)


@pytest.mark.parametrize("value", [2**63, -(2**63) - 1, 10**5000], ids=["max+1", "min-1", "huge"])
def test_int_outside_i64_is_overflow(quote: Any, backend: str, value: int) -> None:
    with pytest.raises(quote.NumericOverflow, match="does not fit in an Int") as info:
        run(quote, backend, value, 1.0, True)
    assert isinstance(info.value, OverflowError)


def test_int_too_large_for_float_is_overflow(quote: Any) -> None:
    with pytest.raises(quote.NumericOverflow, match="too large for a Float"):
        quote.main(1, 10**400, False)


def test_int_and_float_subclasses_are_accepted(quote: Any) -> None:
    class MyInt(int):
        def __index__(self) -> int:
            raise AssertionError("must not run user code")

    class MyFloat(float):
        pass

    assert quote.main(MyInt(2), MyFloat(1.5), False) == 3.0


@pytest.mark.parametrize(
    ("qty", "kind", "builtin"),
    [
        (-1, "NumericOverflow", OverflowError),
        (-2, "DivisionByZero", ZeroDivisionError),
        (-3, "IndexOutOfBounds", IndexError),
        (-4, "EmptyList", ValueError),
        (-5, "CapabilityDenied", PermissionError),
        (-6, "StepLimitExceeded", RuntimeError),
        (-7, "HostPanic", RuntimeError),
        (-8, "HostPanic", RuntimeError),  # unknown status from a mismatched library
        (-9, "HostPanic", RuntimeError),  # a trap in wasm
    ],
)
def test_status_maps_to_error_kind(
    quote: Any, backend: str, qty: int, kind: str, builtin: type[Exception]
) -> None:
    with pytest.raises(quote.RelonError) as info:
        run(quote, backend, qty, 1.0, False)
    assert info.value.kind == kind
    assert type(info.value) is getattr(quote, kind)
    assert isinstance(info.value, builtin)
    assert run(quote, backend, 2, 1.0, False) == 2.0  # still usable afterwards


def test_step_limit(quote: Any, backend: str) -> None:
    assert quote.Sandbox(max_steps=3, backend=backend).main(3, 1.0, False) == 3.0
    with pytest.raises(quote.StepLimitExceeded):
        quote.Sandbox(max_steps=3, backend=backend).main(4, 1.0, False)
    assert quote.Sandbox(max_steps=0, backend=backend).main(0, 1.0, False) == 0.0
    with pytest.raises(quote.StepLimitExceeded):
        quote.Sandbox(max_steps=0, backend=backend).main(1, 1.0, False)
    assert quote.Sandbox(max_steps=None, backend=backend).main(500, 1.0, False) == 500.0


def test_capabilities_and_host_panic(clock: Any, backend: str) -> None:
    granted = clock.Sandbox(caps={"reads_clock", "uses_rng"}, backend=backend)
    assert granted.main(5) == 1005
    denied = (
        "host function clock_add needs capability reads_clock, which this call was not "
        "granted; grant it with Sandbox(caps={'reads_clock'})"
    )
    with pytest.raises(clock.CapabilityDenied) as denial:
        clock.Sandbox(backend=backend).main(5)
    assert str(denial.value) == denied
    with pytest.raises(clock.CapabilityDenied, match="clock_add needs capability reads_clock"):
        clock.Sandbox(caps=["reads_env"], backend=backend).main(5)
    with pytest.raises(clock.CapabilityDenied, match="clock_add needs capability reads_clock"):
        clock.main(5)
    with pytest.raises(clock.HostPanic) as info:
        granted.main(13)
    assert isinstance(info.value, RuntimeError)
    # the note's rustc >= 1.73 form, in the one wording of every backend and rustc
    assert str(info.value) == "a host function panicked at shim/host_shim.rs:3:5: clock broke"
    with pytest.raises(clock.HostPanic) as info:
        granted.main(14)  # no note: the generic message, not the previous call's
    assert "clock broke" not in str(info.value)
    assert granted.main(6) == 1006  # the instance survives the panic


def test_wasm_loader_checks_capabilities_itself(clock: Any) -> None:
    # the fixture's wasm skips its own check for 77: the host import must still deny it
    with pytest.raises(clock.CapabilityDenied, match="clock_add needs"):
        clock.Sandbox(backend="wasm").main(77)
    assert clock.Sandbox(caps={"reads_clock"}, backend="wasm").main(77) == 1077


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"caps": {"reads_clok"}}, ValueError, "unknown capabilities 'reads_clok'"),
        ({"caps": "reads_clock"}, TypeError, "caps must be an iterable of capability names"),
        ({"caps": 3}, TypeError, "caps must be an iterable"),
        ({"max_steps": -1}, ValueError, "max_steps must be between 0 and"),
        ({"max_steps": 2**63}, ValueError, "max_steps must be between 0 and"),
        ({"max_steps": True}, TypeError, "max_steps must be an int or None, not bool"),
        ({"max_steps": 1.5}, TypeError, "max_steps must be an int or None, not float"),
        ({"backend": "jit"}, ValueError, "backend must be 'native' or 'wasm', not 'jit'"),
        ({"backend": None}, ValueError, "backend must be 'native' or 'wasm', not None"),
    ],
)
def test_bad_sandbox_arguments(
    quote: Any, kwargs: dict[str, object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message.replace("(", r"\(")):
        quote.Sandbox(**kwargs)


def test_sandbox_attributes_and_repr(quote: Any) -> None:
    box = quote.Sandbox(caps=["reads_env", "network"], max_steps=10)
    assert box.caps == frozenset({"reads_env", "network"})
    assert (box.max_steps, box.backend) == (10, "native")
    assert repr(box) == "Sandbox(caps=['network', 'reads_env'], max_steps=10, backend='native')"
    assert isinstance(box, quote.Sandbox)


def test_public_surface(quote: Any) -> None:
    assert str(inspect.signature(quote.main)) == "(qty: int, price: float, gold: bool) -> float"
    assert quote.main.__doc__ == "#main(Int qty, Float price, Bool gold) -> Float\n\nPrice a quote."
    assert quote.main.__name__ == "main"
    assert quote.main.__module__ == quote.__name__
    assert quote.Sandbox.__module__ == quote.__name__
    assert "main" in quote.__all__ and "Sandbox" in quote.__all__
    assert issubclass(quote.RelonLoadError, ImportError)
    for name in quote.__all__:
        assert hasattr(quote, name)


def test_error_classes_shared_across_rules(fake: FakePackage, quote: Any, clock: Any) -> None:
    assert quote.RelonError is clock.RelonError
    with pytest.raises(clock.RelonError):
        quote.main(-1, 1.0, False)


def test_threads_get_their_own_results(quote: Any, backend: str) -> None:
    box = quote.Sandbox(backend=backend)
    failures: list[tuple[int, object]] = []

    def worker(n: int) -> None:
        for _ in range(200):
            got = box.main(n, 1.0, False)
            if got != float(n):
                failures.append((n, got))

    on_threads(worker, range(1, 9))
    assert failures == []
