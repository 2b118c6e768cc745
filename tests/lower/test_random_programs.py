"""Well-typed random programs go through check -> lower -> verify -> print.

A small seeded generator writes programs that type-check by construction (every
operator, math and host call, ternary, closures with captures and recursion, range
chains with every terminal). Each must check without a diagnostic and lower to IR
that passes the verifier (``lower_module`` runs it); the text form must be stable and
read back (``ir/reader.py``) to a module that verifies and prints the same.
"""

from __future__ import annotations

import random

import pytest

from relon_build_backend.frontend.checker import check_module
from relon_build_backend.frontend.hosts import HostFunction
from relon_build_backend.frontend.parser import parse_module
from relon_build_backend.frontend.source import SourceFile, Span
from relon_build_backend.ir.printer import format_module
from relon_build_backend.ir.reader import read_module
from relon_build_backend.ir.verify import check_ir
from relon_build_backend.lower import lower_module

SHIM = SourceFile("host_shim.rs", "fn h() {}")
HOSTS = (
    HostFunction("h1", ("Int", "Float"), "Float", frozenset({"reads_clock"}), Span(SHIM, 0, 9)),
    HostFunction("h2", ("Bool",), "Int", frozenset(), Span(SHIM, 0, 9)),
)
MATH_ARITY = {"abs": 1, "min": 2, "max": 2, "clamp": 3, "floor": 1, "sqrt": 1, "pow": 2}


class Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.counter = 0

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def leaf(self, ty: str, env: dict[str, str]) -> str:
        names = sorted(n for n, t in env.items() if t == ty)
        if names and self.rng.random() < 0.6:
            return self.rng.choice(names)
        literals = {"Int": ["0", "3", "7"], "Float": ["1.5", "0.25", "NaN"], "Bool": ["true"]}
        return self.rng.choice(literals[ty])

    def expr(self, ty: str, depth: int, env: dict[str, str]) -> str:
        if depth <= 0:
            return self.leaf(ty, env)
        if ty == "Bool":
            return self.boolean(depth, env)
        r, d = self.rng.random(), depth - 1
        if r < 0.25:
            pair = (
                ("Int", "Int")
                if ty == "Int"
                else self.rng.choice([("Int", "Float"), ("Float", "Float")])
            )
            op = self.rng.choice("+-*/%")
            return f"({self.expr(pair[0], d, env)} {op} {self.expr(pair[1], d, env)})"
        if r < 0.35:
            cond = self.expr("Bool", d, env)
            return f"({cond} ? {self.expr(ty, d, env)} : {self.expr(ty, d, env)})"
        if r < 0.45:
            names = [n for n in MATH_ARITY if ty == "Float" or n not in ("floor", "sqrt")]
            name = self.rng.choice(names)
            args = ", ".join(self.expr(ty, d, env) for _ in range(MATH_ARITY[name]))
            return f"{name}({args})"
        if r < 0.5:
            if ty == "Float":
                return f"h1({self.expr('Int', d, env)}, {self.expr('Int', d, env)})"
            return f"h2({self.expr('Bool', d, env)})"
        if r < 0.7:
            return self.chain(ty, depth, env)
        if r < 0.85:
            return self.closure(ty, depth, env)
        if r < 0.9 and ty == "Int":
            f, m = self.fresh("r"), self.fresh("m")
            arg = self.expr("Int", d, env)
            return (
                f"({f}({arg}) where {{ {f}: (Int {m}) -> Int => {m} <= 0 ? 0 : {f}({m} - 1) + 1 }})"
            )
        return f"-{self.leaf(ty, env)}"

    def boolean(self, depth: int, env: dict[str, str]) -> str:
        r, d = self.rng.random(), depth - 1
        if r < 0.3:
            a, b = self.rng.choice(["Int", "Float"]), self.rng.choice(["Int", "Float"])
            op = self.rng.choice(["<", "<=", ">", ">="])
            return f"({self.expr(a, d, env)} {op} {self.expr(b, d, env)})"
        if r < 0.45:
            ty = self.rng.choice(["Int", "Float", "Bool"])
            op = self.rng.choice(["==", "!="])
            return f"({self.expr(ty, d, env)} {op} {self.expr(ty, d, env)})"
        if r < 0.65:
            op = self.rng.choice(["&&", "||"])
            return f"({self.expr('Bool', d, env)} {op} {self.expr('Bool', d, env)})"
        if r < 0.85:
            return self.chain("Bool", depth, env)
        return f"!{self.leaf('Bool', env)}"

    def closure(self, ty: str, depth: int, env: dict[str, str]) -> str:
        d = depth - 1
        k, f, a = self.fresh("k"), self.fresh("f"), self.fresh("a")
        arg_type = self.rng.choice(["Int", "Float"])
        body = self.expr(ty, d, {**env, k: "Int", a: arg_type})
        value = self.expr("Int", d, env)
        arg = self.expr(arg_type, d, {**env, k: "Int"})
        return f"({f}({arg}) where {{ {k}: {value}, {f}: ({a}) -> {ty} => {body} }})"

    def chain(self, ty: str, depth: int, env: dict[str, str]) -> str:
        d = depth - 1
        text = f"range({self.expr('Int', d, env)}, {self.expr('Int', d, env)})"
        element = "Int"
        for _ in range(self.rng.randint(0, 2)):
            v = self.fresh("v")
            if self.rng.random() < 0.5:
                new = self.rng.choice(["Int", "Float", "Bool"])
                text += f".map(({v}) => {self.expr(new, d, {**env, v: element})})"
                element = new
            else:
                text += f".filter(({v}) => {self.expr('Bool', d, {**env, v: element})})"
        if ty == "Bool":
            z = self.fresh("z")
            kind = self.rng.choice(["any", "all"])
            return f"{text}.{kind}(({z}) => {self.expr('Bool', d, {**env, z: element})})"
        if ty == "Int" and self.rng.random() < 0.3:
            return f"{text}.len()"
        if element == ty and self.rng.random() < 0.5:
            return f"{text}.sum()"
        acc, e = self.fresh("acc"), self.fresh("e")
        update = self.expr(ty, d, {**env, acc: ty, e: element})
        return f"{text}.reduce({self.expr(ty, d, env)}, ({acc}, {e}) => {update})"


def program(seed: int) -> str:
    gen = Generator(seed)
    ty = gen.rng.choice(["Int", "Float", "Bool"])
    body = gen.expr(ty, gen.rng.randint(1, 4), {"n": "Int", "x": "Float", "p": "Bool"})
    return f"#main(Int n, Float x, Bool p) -> {ty}\n{body}"


@pytest.mark.parametrize("batch", range(4))
def test_random_well_typed_programs_lower_to_valid_ir(batch: int) -> None:
    for seed in range(batch * 50, batch * 50 + 50):
        text = program(seed)
        checked = check_module(parse_module(SourceFile("r.relon", text)), HOSTS)
        first = format_module(lower_module(checked, name="r"))
        again = check_module(parse_module(SourceFile("r.relon", text)), HOSTS)
        assert format_module(lower_module(again, name="r")) == first, text
        read_back = read_module(first)
        assert check_ir(read_back) == [], first
        assert format_module(read_back) == first
