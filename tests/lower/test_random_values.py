"""Well-typed random programs over strings, lists and tuples: check -> lower -> verify
-> print -> read back.

A seeded generator writes programs that type-check by construction (concatenation and
f-strings, every string method, list literals, comprehensions, list chains with every
terminal, list methods, where-bound tuples and ``.N``, tuple results built of nested
ternaries and where blocks). Each must check
without a diagnostic, lower to IR the verifier accepts, and its text form must read
back to a module that verifies and prints the same.
"""

from __future__ import annotations

import random

import pytest

from relon_build_backend.frontend.checker import check_module
from relon_build_backend.frontend.parser import parse_module
from relon_build_backend.frontend.source import SourceFile
from relon_build_backend.ir.printer import format_module
from relon_build_backend.ir.reader import read_module
from relon_build_backend.ir.verify import check_ir
from relon_build_backend.lower import lower_module

_LITERALS = {
    "Int": ["0", "3", "-7"],
    "Float": ["1.5", "NaN", "-0.0"],
    "Bool": ["true", "false"],
    "String": ['""', '"a,b"', '"é\\n"', 'r"raw\\t"'],
}


class Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.counter = 0

    def fresh(self) -> str:
        self.counter += 1
        return f"v{self.counter}"

    def pick(self, options: list[str]) -> str:
        return self.rng.choice(options)

    def leaf(self, ty: str, env: dict[str, str]) -> str:
        names = sorted(n for n, t in env.items() if t == ty)
        if names and self.rng.random() < 0.6:
            return self.pick(names)
        if ty.startswith("List<"):
            element = ty[5:-1]
            return f"[{self.leaf(element, env)}, {self.leaf(element, env)}]"
        return self.pick(_LITERALS[ty])

    def expr(self, ty: str, depth: int, env: dict[str, str]) -> str:
        if depth <= 0 or self.rng.random() < 0.15:
            return self.leaf(ty, env)
        d = depth - 1
        if self.rng.random() < 0.15:
            return self.where(ty, d, env)
        if self.rng.random() < 0.1:
            return f"({self.expr('Bool', d, env)} ? {self.expr(ty, d, env)} : {self.leaf(ty, env)})"
        match ty:
            case "Int":
                return self.integer(d, env)
            case "Bool":
                return self.boolean(d, env)
            case "String":
                return self.string(d, env)
            case "Float":
                return f"({self.expr('List<Float>', d, env)}.sum() + {self.leaf('Float', env)})"
        return self.list_of(ty[5:-1], d, env)

    def integer(self, d: int, env: dict[str, str]) -> str:
        xs = self.expr("List<Int>", d, env)
        return self.pick(
            [
                f"len({self.expr('String', d, env)})",
                f"{self.expr('String', d, env)}.len()",
                f"{xs}.len()",
                f"{xs}.sum()",
                f"{xs}.reduce(0, (a, x) => a + x)",
                f"({xs} + [1])[0]",
                f"({xs} + [1]).min()",
                f"max({xs} + [2])",
                f"({xs} + [3]).last()",
                f"{xs}.filter((x) => x > 0).len()",
                f"{self.tuple_field('Int', d, env)}",
            ]
        )

    def boolean(self, d: int, env: dict[str, str]) -> str:
        s, t = self.expr("String", d, env), self.expr("String", d, env)
        return self.pick(
            [
                f"({s} == {t})",
                f"({s} != {t})",
                f"{s}.contains({t})",
                f"{s}.starts_with({t})",
                f"{s}.ends_with({t})",
                f"{self.expr('List<Int>', d, env)}.any((x) => x < 2)",
                f'{self.expr("List<String>", d, env)}.all((w) => w != "")',
                f"{self.expr('List<Float>', d, env)}.contains(1)",
                f"{self.expr('List<Bool>', d, env)}.contains(true)",
            ]
        )

    def string(self, d: int, env: dict[str, str]) -> str:
        s = self.expr("String", d, env)
        return self.pick(
            [
                f"({s} + {self.expr(self.pick(['Int', 'Float', 'Bool', 'String']), d, env)})",
                f'f"<${{{self.expr("Int", d, env)}}}|${{{s}}}>"',
                f"{s}.upper()",
                f"{s}.lower()",
                f"{s}.trim()",
                f"{s}.substring(0, 1)",
                f'{s}.replace("a", {self.leaf("String", env)})',
                f'{self.expr("List<String>", d, env)}.join("-")',
                f"{self.tuple_field('String', d, env)}",
            ]
        )

    def list_of(self, element: str, d: int, env: dict[str, str]) -> str:
        xs = self.expr(f"List<{element}>", d, env)
        options = [
            f"{xs}.reverse()",
            f"{xs}.sort()",
            f"{xs}.unique()",
            f"({xs} + {self.leaf(f'List<{element}>', env)})",
            f"{xs}.filter((x) => x == x)",
            f"[x for x in {xs} if x != x]",
        ]
        if element == "Int":
            options += [
                f"{xs}.map((x) => x * 2)",
                "range(3).map((i) => i - 1)",
                f"[i for i in range({self.leaf('Int', env)})]",
            ]
        if element == "String":
            options += [f'{self.expr("String", d, env)}.split(",")', f'{xs}.map((w) => w + "!")']
        if element == "Float":
            options += [f"{self.expr('List<Int>', d, env)}.map((x) => x * 0.5)", "[1, 2.5]"]
        return self.pick(options)

    def tuple_field(self, ty: str, d: int, env: dict[str, str]) -> str:
        name = self.fresh()
        other = self.pick(["Bool", "List<Int>"])
        first, second = self.expr(ty, d, env), self.expr(other, d, env)
        return f"({name}.0 where {{ {name}: ({first}, {second}) }})"

    def tuple_expr(self, d: int, env: dict[str, str]) -> str:
        """A (String, List<Int>) tuple: a literal, a name, a where or a ternary."""
        r = self.rng.random()
        if d <= 0 or r < 0.3:
            return f"({self.expr('String', d, env)}, {self.expr('List<Int>', d, env)})"
        if r < 0.5:
            name = self.fresh()
            body = self.pick([name, self.tuple_expr(d - 1, env)])
            return f"({body} where {{ {name}: {self.tuple_expr(d - 1, env)} }})"
        if r < 0.6:
            name = self.fresh()
            inner = self.tuple_expr(d - 1, {**env, name: "Int"})
            return f"({inner} where {{ {name}: {self.expr('Int', d - 1, env)} }})"
        condition = self.expr("Bool", d - 1, env)
        return f"({condition} ? {self.tuple_expr(d - 1, env)} : {self.tuple_expr(d - 1, env)})"

    def where(self, ty: str, d: int, env: dict[str, str]) -> str:
        name = self.fresh()
        bound = self.pick(["Int", "String", "List<Int>", "List<String>"])
        value = self.expr(bound, d, env)
        return f"({self.expr(ty, d, {**env, name: bound})} where {{ {name}: {value} }})"


MAIN = "#main(String s, List<Int> xs, List<String> ws, List<Float> fs, List<Bool> bs, Int n)"
PARAMS = {"s": "String", "xs": "List<Int>", "ws": "List<String>", "fs": "List<Float>",
          "bs": "List<Bool>", "n": "Int"}  # fmt: skip
RESULTS = ["String", "Int", "Bool", "List<Int>", "List<String>", "List<Float>"]


def program(seed: int) -> str:
    gen = Generator(seed)
    if seed % 4 == 0:
        return f"{MAIN} -> (String, List<Int>)\n{gen.tuple_expr(4, PARAMS)}\n"
    result = RESULTS[seed % len(RESULTS)]
    return f"{MAIN} -> {result}\n{gen.expr(result, 5, PARAMS)}\n"


@pytest.mark.parametrize("seed", range(100))
def test_random_value_program_lowers_verifies_and_round_trips(seed: int) -> None:
    text = program(seed)
    checked = check_module(parse_module(SourceFile("r.relon", text)), ())
    module = lower_module(checked, name="r")
    printed = format_module(module)
    again = read_module(printed)
    assert check_ir(again) == [], text
    assert format_module(again) == printed, text
