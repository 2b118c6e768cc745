"""Resource behaviour of compiled string/list rules: memory stays flat over a million
calls, and concurrent calls from several threads (ctypes releases the GIL) are correct."""

from __future__ import annotations

import sys

import pytest
from support.memory import rss_growth
from support.rule_package import RulePackage, build_rule_package
from support.threads import on_threads

pytestmark = [pytest.mark.rustc, pytest.mark.wasm]

RULES = {
    "tag": (
        "#main(String name, List<Int> xs) -> String\n"
        'name.upper() + ":" + xs.map((x) => x * 2).sum() + "/" + xs.len()'
    ),
    "split_words": '#main(String s) -> List<String>\ns.split(" ").map((w) => w + "!")',
    "fails": '#main(List<Int> xs) -> String\n"" + xs[5]',
}


def expected_tag(name: str, xs: list[int]) -> str:
    return f"{name.upper()}:{sum(2 * x for x in xs)}/{len(xs)}"


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory) -> RulePackage:
    return build_rule_package(tmp_path_factory.mktemp("memory"), RULES)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/statm")
def test_memory_is_flat_over_a_million_native_calls(rules: RulePackage) -> None:
    tag, split_words, fails = rules["tag"].main, rules["split_words"].main, rules["fails"]
    xs = list(range(20))

    def call(i: int) -> None:
        assert tag("ab", xs) == "AB:380/20"
        if i % 8 == 0:
            assert split_words("x y") == ["x!", "y!"]
        if i % 64 == 0:
            with pytest.raises(fails.IndexOutOfBounds):
                fails.main([1, 2])

    # A leak of even 8 bytes per call would show as 8 MB.
    assert rss_growth(1_000_000, call) < 4 * 1024 * 1024


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/statm")
def test_memory_is_flat_on_wasm(rules: RulePackage) -> None:
    tag = rules["tag"].Sandbox(backend="wasm")
    words = rules["split_words"].Sandbox(backend="wasm")
    xs = list(range(20))

    def call(_: int) -> None:
        assert tag.main("ab", xs) == "AB:380/20"
        assert words.main("x y") == ["x!", "y!"]

    assert rss_growth(100_000, call) < 4 * 1024 * 1024


def test_concurrent_native_calls_are_correct(rules: RulePackage) -> None:
    tag = rules["tag"].main
    failures: list[str] = []

    def worker(seed: int) -> None:
        for i in range(3000):
            name = f"w{seed}-{i}"
            xs = list(range(seed, seed + i % 17))
            got = tag(name, xs)
            if got != expected_tag(name, xs):
                failures.append(f"{name}: {got!r}")

    on_threads(worker, range(8))
    assert failures == []


def test_concurrent_wasm_sandboxes_are_correct(rules: RulePackage) -> None:
    failures: list[str] = []

    def worker(seed: int) -> None:
        box = rules["tag"].Sandbox(backend="wasm")
        for i in range(500):
            name = f"w{seed}-{i}"
            xs = list(range(seed, seed + i % 17))
            got = box.main(name, xs)
            if got != expected_tag(name, xs):
                failures.append(f"{name}: {got!r}")

    on_threads(worker, range(4))
    assert failures == []
