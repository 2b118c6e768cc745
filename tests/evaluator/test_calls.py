"""Host calls, capabilities, the step budget and ``#main`` arguments in the evaluator."""

from __future__ import annotations

import pytest
from support.evaluation import check, outcome

from relon_build_backend.evaluator import EvaluationError, evaluate
from relon_build_backend.frontend.hosts import HostFunction
from relon_build_backend.frontend.source import SourceFile, Span

SHIM = SourceFile("host_shim.rs", "fn clock() {}")
SPAN = Span(SHIM, 0, 5)
HOSTS = (
    HostFunction("clock_add", ("Int",), "Int", frozenset({"reads_clock"}), SPAN),
    HostFunction("half", ("Float",), "Float", frozenset(), SPAN),
    HostFunction("odd", ("Int",), "Bool", frozenset(), SPAN),
)


def _clock_add(x: int) -> int:
    if x < 0:
        raise EvaluationError("HostPanic", "negative")
    return x + 1000


MODELS = {"clock_add": _clock_add, "half": lambda x: x / 2, "odd": lambda x: x % 2 == 1}


def run(source: str, *args: object, caps: frozenset[str] = frozenset()) -> object:
    return outcome(source, *args, caps=caps, hosts=HOSTS, models=MODELS)


def test_host_functions_run_their_models() -> None:
    source = "#main(Int n) -> Float\nodd(n) ? half(n) : half(clock_add(n))"
    assert run(source, 3) == 1.5
    assert run(source, 4, caps=frozenset({"reads_clock"})) == 502.0


def test_capability_is_checked_before_the_arguments() -> None:
    source = "#main(Int n) -> Int\nclock_add(1 / n)"
    assert run(source, 0) == "CapabilityDenied"
    assert run(source, 0, caps=frozenset({"reads_clock"})) == "DivisionByZero"
    assert run(source, 1, caps=frozenset({"reads_clock", "network"})) == 1001


def test_a_panicking_model_is_a_host_panic() -> None:
    assert run("#main(Int n) -> Int\nclock_add(n)", -1, caps=frozenset({"reads_clock"})) == (
        "HostPanic"
    )


def test_a_host_call_costs_one_step() -> None:
    source = "#main(Int n) -> Bool\nodd(n) || odd(n + 1)"
    checked = check(source, HOSTS)
    assert evaluate(checked, (2,), max_steps=2, hosts=MODELS) is True
    with pytest.raises(EvaluationError) as info:
        evaluate(checked, (2,), max_steps=1, hosts=MODELS)
    assert info.value.kind == "StepLimitExceeded"


def test_a_missing_model_is_reported() -> None:
    with pytest.raises(ValueError, match="no Python model given for host function 'half'"):
        evaluate(check("#main(Float x) -> Float\nhalf(x)", HOSTS), (1.0,))


@pytest.mark.parametrize(
    ("steps", "expected"),
    # fib(10): 177 calls; range(10): 10 iterations
    [(177 + 10, 55 + 285), (177 + 9, "StepLimitExceeded"), (-1, 55 + 285), (None, 55 + 285)],
)
def test_steps_count_calls_and_range_elements(steps: int | None, expected: object) -> None:
    source = (
        "#main(Int n) -> Int\n"
        "fib(n) + range(n).map((i) => i * i).sum() "
        "where { fib: (Int k) -> Int => k < 2 ? k : fib(k - 1) + fib(k - 2) }"
    )
    assert outcome(source, 10, max_steps=steps) == expected


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((1, 2, True), 3.0),
        ((1, 2.5, False), 2.5),
        ((2**63, 1.0, True), "NumericOverflow"),
        ((True, 1.0, True), "MainArgTypeMismatch"),
        ((1.0, 1.0, True), "MainArgTypeMismatch"),
        ((1, 1.0, 1), "MainArgTypeMismatch"),
        ((1, 1.0), "MainArgTypeMismatch"),
    ],
)
def test_main_arguments_are_converted_like_the_loader(
    args: tuple[object, ...], expected: object
) -> None:
    assert outcome("#main(Int n, Float x, Bool b) -> Float\nb ? n + x : x", *args) == expected


def test_error_message_names_the_kind() -> None:
    error = EvaluationError("DivisionByZero", "1 / 0")
    assert error.kind == "DivisionByZero"
    assert str(error) == "DivisionByZero: 1 / 0"


def test_the_evaluator_knows_exactly_the_contract_error_kinds() -> None:
    from relon_build_backend._relon_runtime.abi import ERROR_KINDS as STATUS_KINDS
    from relon_build_backend.evaluator.values import ERROR_KINDS

    assert set(ERROR_KINDS) == {*STATUS_KINDS.values(), "MainArgTypeMismatch"}
    assert len(set(ERROR_KINDS)) == len(ERROR_KINDS)
