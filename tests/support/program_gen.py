"""A seeded generator of well-typed scalar Relon programs and edge-biased inputs.

Programs take Int/Float/Bool ``#main`` parameters and use every scalar feature the AOT
compiler supports: checked Int and IEEE Float arithmetic (with widening) over edge
constants, comparisons, ``&& || !``, ternaries, math functions (bare, ``math.f`` and
pipes), ``where`` bindings with value bindings, closures capturing them, a recursive
closure, nested where blocks, host calls, and chains over ranges or list literals
(``map``/``filter`` then ``reduce``/``sum``/``len``/``any``/``all``, as methods or as
``list.f``/``len`` calls) whose stages can fail. Range bounds and recursion depths are
reduced modulo small numbers (a few recursive calls may pass the call depth limit), so
every program runs in milliseconds whatever its inputs.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeAlias

__all__ = ["HostSignature", "Program", "ProgramGenerator", "assemble_program", "generate_inputs"]

#: a host function's parameter types and result type
HostSignature: TypeAlias = tuple[tuple[str, ...], str]

I64_MAX = 2**63 - 1
I64_MIN = -(2**63)
TYPES = ("Int", "Float", "Bool")

INT_LITERALS = (
    "0", "1", "2", "3", "7", "10", "100", "1000000007", "3037000499", "3037000500",
    "4611686018427387904", "9223372036854775807", "(-9223372036854775807 - 1)", "0x7f", "-1",
)  # fmt: skip
FLOAT_LITERALS = (
    "0.0", "-0.0", "0.5", "1.5", "2.5", "-2.5", "0.1", "3.0", "1e308", "5e-324", "1e-300",
    "NaN", "Infinity", "-Infinity", "9007199254740993.0", "1e16",
)  # fmt: skip
INT_INPUTS = (
    0, 1, -1, 2, -2, 3, 5, 7, -7, 10, 100, -100, I64_MAX, I64_MIN, I64_MAX - 1, I64_MIN + 1,
    3037000499, 3037000500, -3037000500, 2**32, -(2**31), 4611686018427387904,
)  # fmt: skip
FLOAT_INPUTS = (
    0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, 2.5, -2.5, 3.5, math.nan, math.inf, -math.inf,
    1e308, -1e308, 5e-324, 2.2250738585072014e-308, 0.1, 1e16, 9007199254740992.0, 123.456,
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Program:
    """A generated rule: its source and ``#main`` parameter types."""

    source: str
    param_types: tuple[str, ...]
    result: str


@dataclass(frozen=True, slots=True)
class _Closure:
    params: tuple[str, ...]
    result: str


@dataclass(slots=True)
class _Env:
    """Names in scope: values by type, where-bound closures by signature."""

    values: dict[str, str] = field(default_factory=dict)
    closures: dict[str, _Closure] = field(default_factory=dict)

    def with_values(self, extra: dict[str, str]) -> _Env:
        return _Env({**self.values, **extra}, dict(self.closures))


class ProgramGenerator:
    """``generate()`` returns a new random well-typed program each call."""

    def __init__(self, seed: int, hosts: Mapping[str, HostSignature] | None = None) -> None:
        """``hosts``: host functions programs may call, ``name -> (params, result)``."""
        self.rng = random.Random(seed)
        self.counter = 0
        self.hosts = dict(sorted((hosts or {}).items()))
        self.nested = False  # inside a nested where block (they do not nest further)

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    # ------------------------------------------------------------------ programs

    def generate(self) -> Program:
        rng = self.rng
        param_types = tuple(rng.choice(TYPES) for _ in range(rng.randint(1, 3)))
        result = rng.choice(TYPES)
        env = _Env({f"p{i}": ty for i, ty in enumerate(param_types)})
        bindings: list[str] = []
        for _ in range(rng.randint(0, 4)):
            bindings.append(self.binding(env))
        body = self.expr(result, 3, env, loops=2)
        return assemble_program(param_types, result, body, bindings)

    def binding(self, env: _Env) -> str:
        """One where binding (a value, a closure or a recursive closure); adds it to env."""
        r = self.rng.random()
        if r < 0.45:
            ty = self.rng.choice(TYPES)
            name = self.fresh("v")
            text = f"{name}: {self.expr(ty, 2, env, loops=1)}"
            env.values[name] = ty
            return text
        if r < 0.8:
            return self.closure(env)
        return self.recursive(env)

    def closure(self, env: _Env) -> str:
        name = self.fresh("f")
        params = tuple(self.rng.choice(TYPES) for _ in range(self.rng.randint(1, 2)))
        result = self.rng.choice(TYPES)
        names = [self.fresh("a") for _ in params]
        inner = env.with_values(dict(zip(names, params, strict=True)))
        body = self.expr(result, 2, inner, loops=1)
        env.closures[name] = _Closure(params, result)
        decl = ", ".join(f"{ty} {n}" for ty, n in zip(params, names, strict=True))
        return f"{name}: ({decl}) -> {result} => {body}"

    def recursive(self, env: _Env) -> str:
        """``r: (Int k, T acc) -> T => k <= 0 ? acc : r(k - 1, step)``: bounded depth,
        because every call site passes ``k`` reduced modulo a small number."""
        name = self.fresh("r")
        ty = self.rng.choice(("Int", "Float"))
        k, acc = self.fresh("k"), self.fresh("acc")
        inner = env.with_values({k: "Int", acc: ty})
        step = self.expr(ty, 2, inner, loops=0)
        env.closures[name] = _Closure(("Int", ty), ty)
        return (
            f"{name}: (Int {k}, {ty} {acc}) -> {ty} => {k} <= 0 ? {acc} : {name}({k} - 1, {step})"
        )

    # ------------------------------------------------------------------ expressions

    def leaf(self, ty: str, env: _Env) -> str:
        names = sorted(n for n, t in env.values.items() if t == ty)
        if names and self.chance(0.65):
            return self.rng.choice(names)
        if ty == "Int":
            return self.rng.choice(INT_LITERALS)
        if ty == "Float":
            return self.rng.choice(FLOAT_LITERALS)
        return self.rng.choice(("true", "false"))

    def expr(self, ty: str, depth: int, env: _Env, *, loops: int) -> str:
        if depth <= 0 or self.chance(0.15):
            return self.leaf(ty, env)
        if loops > 0 and self.chance(0.12):
            return self.pipeline(ty, depth - 1, env, loops=loops - 1)
        if depth >= 2 and not self.nested and self.chance(0.06):
            return self.nested_where(ty, depth - 1, env, loops=loops)
        hosts = [n for n, (_, result) in self.hosts.items() if result == ty]
        if hosts and self.chance(0.08):
            name = self.rng.choice(hosts)
            params = self.hosts[name][0]
            args = [self.expr(self.arg_type(t), depth - 1, env, loops=loops) for t in params]
            return f"{name}({', '.join(args)})"
        calls = [n for n, c in sorted(env.closures.items()) if c.result == ty]
        if calls and self.chance(0.15):
            return self.call(self.rng.choice(calls), depth - 1, env, loops=loops)
        if self.chance(0.1):
            cond = self.expr("Bool", depth - 1, env, loops=loops)
            then = self.expr(ty, depth - 1, env, loops=loops)
            return f"({cond} ? {then} : {self.expr(ty, depth - 1, env, loops=loops)})"
        if ty == "Int":
            return self.int_expr(depth - 1, env, loops)
        if ty == "Float":
            return self.float_expr(depth - 1, env, loops)
        return self.bool_expr(depth - 1, env, loops)

    def nested_where(self, ty: str, depth: int, env: _Env, *, loops: int) -> str:
        """A where block inside an expression (e.g. a stage body): its closures capture
        stage variables and closure parameters."""
        inner = env.with_values({})
        self.nested = True
        try:
            bindings = [self.binding(inner) for _ in range(self.rng.randint(1, 3))]
            body = self.expr(ty, depth, inner, loops=loops)
        finally:
            self.nested = False
        return f"({body} where {{ {', '.join(bindings)} }})"

    def call(self, name: str, depth: int, env: _Env, *, loops: int) -> str:
        closure = env.closures[name]
        args = [self.expr(self.arg_type(t), depth, env, loops=loops) for t in closure.params]
        if name.startswith("r"):  # recursive: bound the depth, rarely past the call limit
            bound = 20011 if self.chance(0.25) else self.rng.randint(2, 9)
            args[0] = f"({args[0]}) % {bound}"
        return f"{name}({', '.join(args)})"

    def arg_type(self, ty: str) -> str:
        # an Int argument for a Float parameter is widened by the checker
        return "Int" if ty == "Float" and self.chance(0.2) else ty

    def int_expr(self, d: int, env: _Env, loops: int) -> str:
        e = self.expr
        r = self.rng.random()
        if r < 0.5:
            op = self.rng.choice("+-*/%")
            return f"({e('Int', d, env, loops=loops)} {op} {e('Int', d, env, loops=loops)})"
        if r < 0.6:
            return f"-({e('Int', d, env, loops=loops)})"
        name = self.rng.choice(("abs", "min", "max", "clamp", "pow", "floor", "round"))
        arity = {"min": 2, "max": 2, "clamp": 3, "pow": 2}.get(name, 1)
        args = [e("Int", d, env, loops=loops) for _ in range(arity)]
        if name == "pow" and self.chance(0.7):
            args[1] = f"({args[1]}) % 5"
        return self.math_call(name, args)

    def math_call(self, name: str, args: list[str]) -> str:
        r = self.rng.random()
        if r < 0.15 and len(args) >= 2:
            return f"({args[0]} | {name}({', '.join(args[1:])}))"
        prefix = "math." if r < 0.35 else ""
        return f"{prefix}{name}({', '.join(args)})"

    def float_expr(self, d: int, env: _Env, loops: int) -> str:
        e = self.expr
        r = self.rng.random()
        if r < 0.5:
            left, right = self.rng.choice((("Float", "Float"), ("Int", "Float"), ("Float", "Int")))
            op = self.rng.choice("+-*/%")
            return f"({e(left, d, env, loops=loops)} {op} {e(right, d, env, loops=loops)})"
        if r < 0.58:
            return f"-({e('Float', d, env, loops=loops)})"
        name = self.rng.choice(
            ("abs", "min", "max", "clamp", "floor", "ceil", "round", "sqrt", "pow")
        )
        arity = {"min": 2, "max": 2, "clamp": 3, "pow": 2}.get(name, 1)
        types = [self.arg_type("Float") for _ in range(arity)]
        if name != "sqrt":  # all-Int arguments would make an Int call
            types[0] = "Float"
        return self.math_call(name, [e(t, d, env, loops=loops) for t in types])

    def bool_expr(self, d: int, env: _Env, loops: int) -> str:
        e = self.expr
        r = self.rng.random()
        if r < 0.45:
            left, right = self.rng.choice(
                (("Int", "Int"), ("Float", "Float"), ("Int", "Float"), ("Float", "Int"))
            )
            same = left == right
            ops = ("==", "!=", "<", "<=", ">", ">=") if same else ("<", "<=", ">", ">=")
            op = self.rng.choice(ops)
            return f"({e(left, d, env, loops=loops)} {op} {e(right, d, env, loops=loops)})"
        if r < 0.55:
            op = self.rng.choice(("==", "!="))
            return f"({e('Bool', d, env, loops=loops)} {op} {e('Bool', d, env, loops=loops)})"
        if r < 0.85:
            op = self.rng.choice(("&&", "||"))
            return f"({e('Bool', d, env, loops=loops)} {op} {e('Bool', d, env, loops=loops)})"
        return f"!{e('Bool', d, env, loops=loops)}"

    # ------------------------------------------------------------------ range chains

    def pipeline(self, ty: str, d: int, env: _Env, *, loops: int) -> str:
        """A chain over a range or a list literal whose terminal yields ``ty``."""
        e = self.expr
        r = self.rng.random()
        element = "Int"
        if r < 0.4:
            source = f"range(({e('Int', d, env, loops=loops)}) % {self.rng.randint(3, 13)})"
        elif r < 0.75:
            start = f"({e('Int', d, env, loops=loops)}) % {self.rng.randint(3, 9)}"
            end = f"({e('Int', d, env, loops=loops)}) % {self.rng.randint(3, 13)}"
            source = f"range({start}, {end})"
        else:  # a list literal source (never empty: its element type must be known)
            element = self.rng.choice(("Int", "Float"))
            items = [e(element, d, env, loops=loops) for _ in range(self.rng.randint(1, 5))]
            source = f"[{', '.join(items)}]"
        parts = [source]
        for _ in range(self.rng.randint(0, 3)):
            if self.chance(0.6):
                target = self.rng.choice(TYPES)
                parts.append(f"map({self.stage_fn((element,), target, d, env, loops)})")
                element = target
            else:
                parts.append(f"filter({self.stage_fn((element,), 'Bool', d, env, loops)})")
        name, args = self.terminal(ty, element, d, env, loops)
        chain = ".".join(parts)
        r = self.rng.random()
        if r < 0.1 and name == "len":
            return f"len({chain})"
        if r < 0.2:  # the std/list module form: list.f(xs, args...)
            return f"list.{name}({', '.join([chain, *args])})"
        return f"{chain}.{name}({', '.join(args)})"

    def terminal(
        self, ty: str, element: str, d: int, env: _Env, loops: int
    ) -> tuple[str, list[str]]:
        """The terminal method's name and arguments."""
        options = ["reduce"]
        if ty == "Int":
            options.append("len")
        if ty == element and ty in ("Int", "Float"):
            options.append("sum")
        if ty == "Bool":
            options += ["any", "all"]
        kind = self.rng.choice(options)
        if kind in ("len", "sum"):
            return kind, []
        if kind in ("any", "all"):
            return kind, [self.stage_fn((element,), "Bool", d, env, loops)]
        init = self.expr(ty, d, env, loops=loops)  # its type is the accumulator's
        # an Int update of a Float accumulator is widened
        update = "Int" if ty == "Float" and self.chance(0.15) else ty
        return kind, [init, self.stage_fn((ty, element), update, d, env, loops)]

    def stage_fn(self, values: tuple[str, ...], result: str, d: int, env: _Env, loops: int) -> str:
        """A closure over ``values``: a where-bound one by name, or an inline one."""
        named = [
            n
            for n, c in sorted(env.closures.items())
            if c.result == result
            and len(c.params) == len(values)
            and all(
                _accepts(p, v, i, len(values))
                for i, (p, v) in enumerate(zip(c.params, values, strict=True))
            )
            and not n.startswith("r")
        ]
        if named and self.chance(0.3):
            return self.rng.choice(named)
        names = [self.fresh("x") for _ in values]
        annotate = self.chance(0.3)
        types = [
            "Float"
            if v == "Int" and annotate and self.chance(0.5) and (i > 0 or len(values) == 1)
            else v
            for i, v in enumerate(values)
        ]
        inner = env.with_values(dict(zip(names, types, strict=True)))
        body = self.expr(result, d, inner, loops=loops)
        if not annotate:
            return f"({', '.join(names)}) => {body}"
        decl = ", ".join(f"{t} {n}" for t, n in zip(types, names, strict=True))
        return f"({decl}) -> {result} => {body}"


def _accepts(param: str, value: str, index: int, count: int) -> bool:
    # a Float parameter takes Int values (widened), except a reduce accumulator,
    # whose parameter type would make the whole reduce a Float one
    if param == value:
        return True
    return (param, value) == ("Float", "Int") and not (count == 2 and index == 0)


def assemble_program(
    param_types: tuple[str, ...], result: str, body: str, bindings: list[str]
) -> Program:
    """The source of a rule: imports, ``#main`` over ``p0, p1, ...``, and ``body`` with
    its ``where`` bindings (none: no ``where``)."""
    params = ", ".join(f"{ty} p{i}" for i, ty in enumerate(param_types))
    text = body if not bindings else f"{body} where {{\n  " + ",\n  ".join(bindings) + "\n}"
    header = '#import math from "std/math"\n#import list from "std/list"\n'
    return Program(f"{header}#main({params}) -> {result}\n{text}\n", param_types, result)


def generate_inputs(
    rng: random.Random, param_types: tuple[str, ...], count: int
) -> list[tuple[object, ...]]:
    """``count`` argument tuples, biased toward edge values."""
    return [tuple(_input(rng, ty) for ty in param_types) for _ in range(count)]


def _input(rng: random.Random, ty: str) -> object:
    if ty == "Bool":
        return rng.random() < 0.5
    r = rng.random()
    if ty == "Int":
        if r < 0.55:
            return rng.choice(INT_INPUTS)
        return rng.randint(-30, 30) if r < 0.85 else rng.randint(I64_MIN, I64_MAX)
    if r < 0.55:
        return rng.choice(FLOAT_INPUTS)
    if r < 0.85:
        return rng.choice((-1, 1)) * rng.randint(0, 40) / 4
    return rng.uniform(-1e6, 1e6)
