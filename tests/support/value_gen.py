"""A seeded generator of well-typed Relon programs over Strings, Lists and tuples.

``ValueGenerator`` extends the scalar ``ProgramGenerator``: ``#main`` takes String and
``List<Int|Float|Bool|String>`` parameters (besides scalars) and returns one of those
or a tuple of them. Expressions of every type may use string operations (``+`` with
number rendering, f-strings, ``len``, ``contains``/``starts_with``/``ends_with``,
``upper``/``lower``/``trim``, ``substring`` with small, often out-of-range or
mid-character offsets, ``split`` (also by ``""``), ``replace``, ``join``, ``==``) and
list operations (literals, comprehensions, indexing, ``+``/``concat``, ``sum``,
``first``/``last``/``min``/``max``, ``contains``, ``reverse``/``sort``/``unique``, and
``map``/``filter`` chains ending in ``reduce``/``sum``/``len``/``any``/``all`` or
materialized). Scalar sub-expressions come from the scalar generator, so they mix freely.
``generate_value_inputs`` biases arguments to edges: empty strings and lists, multi-byte
UTF-8, Unicode white space, NaN/-0.0/inf in float lists, i64 extremes in int lists.
"""

from __future__ import annotations

import random

from .program_gen import (
    TYPES,
    Program,
    ProgramGenerator,
    _Closure,
    _Env,
    assemble_program,
    generate_inputs,
)

__all__ = ["VALUE_FEATURES", "VALUE_TYPES", "ValueGenerator", "generate_value_inputs"]

ELEMENTS = ("Int", "Float", "Bool", "String")
LISTS = tuple(f"List<{t}>" for t in ELEMENTS)
VALUE_TYPES = ("String", *LISTS)

#: string literals (written raw into the source: no quote, backslash or ``$``)
STRING_LITERALS = (
    "", "a", "ab", ",", " ", "-", "é", "✓", "\u00a0", "\u3000", "A,b;C", "x y ", "日本",
    "é✓,", "ÉA", "\t",
)  # fmt: skip
#: pieces random input strings are made of
STRING_PIECES = (
    "a", "b", "B", "z", ",", ",", " ", "-", ";", "é", "✓", "\u00a0", "\u3000", "\t", "\n",
    "日", "ÿ", "1", "ab", "É",
)  # fmt: skip
STRING_INPUTS = ("", "", " ", ",", "é", "✓", "a,b,,c", " \u00a0x\u3000 ", "héllo wörld")
INT_ELEMENTS = (0, 1, -1, 2, 3, 7, -7, 10, 2**63 - 1, -(2**63), 2**62, 3037000500)

#: operations the generated programs must use, by name: regexes over their sources
VALUE_FEATURES = {
    "String + number": r'" \+ |\) \+ ', "f-string": r'f"', "len": r"len\(",
    "contains": r"\.contains\(", "starts_with": r"\.starts_with\(",
    "ends_with": r"\.ends_with\(", "upper": r"\.upper\(", "lower": r"\.lower\(",
    "trim": r"\.trim\(", "substring": r"\.substring\(", "split": r"\.split\(",
    "split by empty": r'\.split\(""\)', "replace": r"\.replace\(", "join": r"\.join\(",
    "String ==": r'[=!]= "', "comprehension": r" for x\d+ in ", "index": r"\w\[",
    "list +": r"\] \+ |\.concat\(", "sum": r"sum\(", "first": r"first\(",
    "last": r"last\(", "min": r"min\(", "max": r"max\(", "reverse": r"reverse\(",
    "sort": r"sort\(", "unique": r"unique\(", "map": r"\.map\(", "filter": r"\.filter\(",
    "reduce": r"reduce\(", "any": r"any\(", "all": r"all\(", "tuple result": r"-> \(",
}  # fmt: skip


def element(ty: str) -> str:
    """The element type of a ``List<T>`` type name."""
    assert ty.startswith("List<") and ty.endswith(">"), ty
    return ty[5:-1]


class ValueGenerator(ProgramGenerator):
    """``generate()`` returns a random well-typed program using String/List/tuple values."""

    def generate(self) -> Program:
        rng = self.rng
        pool = (*VALUE_TYPES, *VALUE_TYPES, *TYPES)
        param_types = tuple(rng.choice(pool) for _ in range(rng.randint(1, 3)))
        env = _Env({f"p{i}": ty for i, ty in enumerate(param_types)})
        bindings = [self.binding(env) for _ in range(rng.randint(0, 3))]
        if self.chance(0.3):
            parts = [rng.choice((*VALUE_TYPES, *TYPES)) for _ in range(rng.randint(2, 3))]
            result = f"({', '.join(parts)})"
            body = f"({', '.join(self.expr(t, 2, env, loops=1) for t in parts)})"
        else:
            result = rng.choice((*VALUE_TYPES, *VALUE_TYPES, *TYPES))
            body = self.expr(result, 3, env, loops=1)
        return assemble_program(param_types, result, body, bindings)

    def binding(self, env: _Env) -> str:
        r = self.rng.random()
        if r < 0.35:
            ty = self.rng.choice(VALUE_TYPES)
            name = self.fresh("v")
            text = f"{name}: {self.expr(ty, 2, env, loops=1)}"
            env.values[name] = ty
            return text
        if r < 0.5:  # a String closure, e.g. a where-bound stage function
            name, a = self.fresh("g"), self.fresh("a")
            arg = self.rng.choice(ELEMENTS)
            result = self.rng.choice(("String", "Bool", "Int"))
            body = self.expr(result, 2, env.with_values({a: arg}), loops=0)
            env.closures[name] = _Closure((arg,), result)
            return f"{name}: ({arg} {a}) -> {result} => {body}"
        return super().binding(env)

    # ------------------------------------------------------------------ dispatch

    def leaf(self, ty: str, env: _Env) -> str:
        if ty in TYPES:
            return super().leaf(ty, env)
        names = sorted(n for n, t in env.values.items() if t == ty)
        if names and self.chance(0.7):
            return self.rng.choice(names)
        if ty == "String":
            return f'"{self.rng.choice(STRING_LITERALS)}"'
        items = [self.leaf(element(ty), env) for _ in range(self.rng.randint(1, 3))]
        return f"[{', '.join(items)}]"

    def expr(self, ty: str, depth: int, env: _Env, *, loops: int) -> str:
        if ty == "String":
            return self.string_expr(depth, env, loops)
        if ty in LISTS:
            return self.list_expr(ty, depth, env, loops)
        if depth > 0 and self.chance(0.3):
            return self.scalar_of_values(ty, depth - 1, env, loops)
        return super().expr(ty, depth, env, loops=loops)

    def small_int(self, env: _Env, text: str | None = None) -> str:
        """An index or offset: small, sometimes negative or past the end."""
        r = self.rng.random()
        ints = sorted(n for n, t in env.values.items() if t == "Int")
        if r < 0.15 and text is not None:
            return f"len({text})"
        if r < 0.3 and ints:
            return f"({self.rng.choice(ints)} % {self.rng.randint(3, 8)})"
        return self.rng.choice(("0", "1", "2", "3", "4", "5", "-1", "0", "1", "2"))

    def calls_to(self, ty: str, depth: int, env: _Env, loops: int) -> str | None:
        names = [n for n, c in sorted(env.closures.items()) if c.result == ty]
        if names and self.chance(0.15):
            return self.call(self.rng.choice(names), depth, env, loops=loops)
        return None

    # ------------------------------------------------------------------ strings

    def string_expr(self, d: int, env: _Env, loops: int) -> str:
        if d <= 0 or self.chance(0.15):
            return self.leaf("String", env)
        e, d1 = self.expr, d - 1
        called = self.calls_to("String", d1, env, loops)
        if called is not None:
            return called
        s = e("String", d1, env, loops=loops)
        r = self.rng.random()
        if r < 0.2:
            other = self.rng.choice(("String", "String", *TYPES))
            return f"({s} + {e(other, d1, env, loops=loops)})"
        if r < 0.3:
            parts = [e(self.rng.choice((*TYPES, "String")), d1, env, loops=loops)]
            if self.chance(0.5):
                parts.append(e(self.rng.choice(TYPES), d1, env, loops=loops))
            return 'f"<' + "|".join(f"${{{p}}}" for p in parts) + '>"'
        if r < 0.42:
            return f"{s}.{self.rng.choice(('upper', 'lower', 'trim'))}()"
        if r < 0.54:
            return f"{s}.substring({self.small_int(env, s)}, {self.small_int(env, s)})"
        if r < 0.64:
            return f"{s}.replace({e('String', d1, env, loops=loops)}, {self.leaf('String', env)})"
        if r < 0.74:
            xs = e("List<String>", d1, env, loops=loops)
            return f"{xs}.join({self.leaf('String', env)})"
        if r < 0.82:
            return (
                f"({e('Bool', d1, env, loops=loops)} ? {s} : {e('String', d1, env, loops=loops)})"
            )
        if r < 0.9:
            xs = e("List<String>", d1, env, loops=loops)
            return self.pick(xs, "String", env)
        return self.chain("String", d1, env, loops) if loops > 0 else s

    # ------------------------------------------------------------------ lists

    def list_expr(self, ty: str, d: int, env: _Env, loops: int) -> str:
        if d <= 0 or self.chance(0.15):
            return self.leaf(ty, env)
        e, d1, item = self.expr, d - 1, element(ty)
        r = self.rng.random()
        if r < 0.15:
            items = [e(item, d1, env, loops=loops) for _ in range(self.rng.randint(1, 3))]
            return f"[{', '.join(items)}]"
        if r < 0.3:
            method = self.rng.choice(("reverse", "sort", "unique"))
            xs = e(ty, d1, env, loops=loops)
            return f"list.{method}({xs})" if self.chance(0.2) else f"{xs}.{method}()"
        if r < 0.42:
            xs, ys = e(ty, d1, env, loops=loops), e(ty, d1, env, loops=loops)
            return f"{xs}.concat({ys})" if self.chance(0.25) else f"({xs} + {ys})"
        if r < 0.55 and item == "String":
            s = e("String", d1, env, loops=loops)
            sep = self.leaf("String", env) if self.chance(0.7) else '""'
            return f"{s}.split({sep})"
        if r < 0.7 and loops > 0:
            return self.comprehension(item, d1, env, loops - 1)
        if r < 0.85 and loops > 0:
            source = self.list_source(d1, env, loops - 1)
            return self.stages(source, item, d1, env, loops - 1)[0]
        if r < 0.92:
            cond = e("Bool", d1, env, loops=loops)
            return f"({cond} ? {e(ty, d1, env, loops=loops)} : {e(ty, d1, env, loops=loops)})"
        return self.leaf(ty, env)

    def list_source(self, d: int, env: _Env, loops: int) -> tuple[str, str]:
        """A list to iterate and its element type: a list value or a small range."""
        if self.chance(0.25):
            return f"range(({self.expr('Int', d, env, loops=loops)}) % 6)", "Int"
        ty = self.rng.choice(LISTS)
        return self.expr(ty, d, env, loops=loops), element(ty)

    def comprehension(self, item: str, d: int, env: _Env, loops: int) -> str:
        source, src_item = self.list_source(d, env, loops)
        x = self.fresh("x")
        inner = env.with_values({x: src_item})
        body = self.expr(item, d, inner, loops=loops)
        guard = f" if {self.expr('Bool', d, inner, loops=loops)}" if self.chance(0.5) else ""
        return f"[{body} for {x} in {source}{guard}]"

    def stages(
        self, source: tuple[str, str], target: str | None, d: int, env: _Env, loops: int
    ) -> tuple[str, str]:
        """``source.map(f).filter(p)...`` and its element type; ends in a map to ``target``
        (a materialized list) unless that is None (a chain to finish with a terminal)."""
        text, item = source
        for _ in range(self.rng.randint(0, 2)):
            if self.chance(0.5):
                to = self.rng.choice(ELEMENTS)
                text += f".map({self.stage_fn((item,), to, d, env, loops)})"
                item = to
            else:
                text += f".filter({self.stage_fn((item,), 'Bool', d, env, loops)})"
        if target is not None:
            text += f".map({self.stage_fn((item,), target, d, env, loops)})"
            item = target
        return text, item

    def chain(self, ty: str, d: int, env: _Env, loops: int) -> str:
        """A chain over a list value ending in a terminal of type ``ty``."""
        chain, item = self.stages(self.list_source(d, env, loops - 1), None, d, env, loops - 1)
        name, args = self.terminal(ty, item, d, env, loops - 1)
        if self.chance(0.15):
            return f"list.{name}({', '.join([chain, *args])})"
        return f"{chain}.{name}({', '.join(args)})"

    def pick(self, xs: str, item: str, env: _Env) -> str:
        """One element of ``xs`` (may fail: out of range, empty)."""
        r = self.rng.random()
        if r < 0.4:
            return f"{xs}[{self.small_int(env)}]"
        name = self.rng.choice(("first", "last", "min", "max"))
        if r < 0.55:
            return f"{name}({xs})" if name in ("min", "max") else f"list.{name}({xs})"
        return f"{xs}.{name}()"

    # ------------------------------------------------------------------ scalars of values

    def scalar_of_values(self, ty: str, d: int, env: _Env, loops: int) -> str:
        e = self.expr
        r = self.rng.random()
        if r < 0.3:
            xs = e(f"List<{ty}>", d, env, loops=loops)
            if ty == "Int" and self.chance(0.4):
                other = e(self.rng.choice(LISTS), d, env, loops=loops)
                return self.rng.choice((f"len({other})", f"{other}.len()"))
            if ty in ("Int", "Float") and self.chance(0.3):
                return f"{xs}.sum()" if self.chance(0.7) else f"list.sum({xs})"
            return self.pick(xs, ty, env)
        if r < 0.5 and loops > 0:
            return self.chain(ty, d, env, loops)
        s = e("String", d, env, loops=loops)
        if ty == "Int":
            return f"len({s})" if self.chance(0.5) else f"{s}.len()"
        if ty == "Bool":
            r = self.rng.random()
            if r < 0.4:
                method = self.rng.choice(("contains", "starts_with", "ends_with"))
                return f"{s}.{method}({self.expr('String', d, env, loops=loops)})"
            if r < 0.7:
                op = self.rng.choice(("==", "!="))
                return f"({s} {op} {self.expr('String', d, env, loops=loops)})"
            item = self.rng.choice(ELEMENTS)
            xs = e(f"List<{item}>", d, env, loops=loops)
            return f"{xs}.contains({e(item, d, env, loops=loops)})"
        return super().expr(ty, d, env, loops=loops)


def generate_value_inputs(
    rng: random.Random, param_types: tuple[str, ...], count: int
) -> list[tuple[object, ...]]:
    """``count`` argument tuples for any ``#main`` types, biased toward edge values."""
    return [tuple(_input(rng, ty) for ty in param_types) for _ in range(count)]


def _input(rng: random.Random, ty: str) -> object:
    if ty == "String":
        if rng.random() < 0.4:
            return rng.choice(STRING_INPUTS)
        return "".join(rng.choice(STRING_PIECES) for _ in range(rng.randint(0, 6)))
    if ty in LISTS:
        size = rng.choice((0, 0, 1, 2, 3, 4, 5))
        return [_input(rng, element(ty)) for _ in range(size)]
    if ty == "Int" and rng.random() < 0.3:
        return rng.choice(INT_ELEMENTS)
    return generate_inputs(rng, (ty,), 1)[0][0]
