"""Seeded random document programs: schemas in, documents out, enums and ``match``.

Each program declares an enum, a schema (one field per value type, a nested schema,
``#expect`` checks) and sometimes a ``List<Item>`` of records, a ``List<(Int, E)>`` of
tuples and a ``List<List<Int>>``; its body is a document
whose fields read the parameters, each other (``&sibling``, bare names, ``&root``) and
nested documents, with ``match`` on enums and literals, comprehensions and chains over
the records. Inputs are dicts with edge values, and now and then a value that does not
fit its schema (a missing field, an unknown variant) or fails a check, so errors are
compared too. Used by tests/e2e/test_differential.py.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["DocumentGenerator", "DocumentProgram", "generate_document_inputs"]

_EDGE_INTS = (0, 1, -1, 2, 7, -7, 100, 2**31, 2**62, -(2**62), 2**63 - 1, -(2**63))
_EDGE_FLOATS = (0.0, -0.0, 1.5, -2.25, 1e300, float("inf"), float("nan"), 0.1)
_TYPES = ("Int", "Float", "Bool", "String")
#: the parameters of a program ``with_items``
_LIST_PARAMS = ("items", "pairs", "grid")
_TEXTS = ("", "a", "eu", "us", "Zürich", "gold", "x y")


@dataclass(frozen=True)
class DocumentProgram:
    source: str
    variants: tuple[str, ...]
    with_items: bool


class DocumentGenerator:
    """``generate()`` returns a new random :class:`DocumentProgram`."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.count = 0

    def generate(self) -> DocumentProgram:
        rng = self.rng
        variants = tuple(f"V{i}" for i in range(rng.randint(2, 4)))
        feature = _Fields.FEATURES[self.count % len(_Fields.FEATURES)]
        # the program sure to hold a feature over the lists has them
        with_items = rng.random() < 0.6 or any(n in feature for n in _LIST_PARAMS)
        lines = [f"#enum E {{ {', '.join(variants)} }}", "#schema T { Int x: * }"]
        check = rng.choice(["*", "*", "(n) => n > -1099511627776", "(n) => n != 13"])
        expect = '#expect "a is out of range"\n    ' if check != "*" else ""
        lines.append(
            f"#schema S {{\n    {expect}Int a: {check},\n    Float b: *,\n    Bool c: *,\n"
            "    String d: *,\n    E e: *,\n    T t: *\n}"
        )
        params = "S s"
        if with_items:
            lines.append(
                '#schema Item {\n    #expect "q must be >= 0"\n    Int q: (q) => q >= 0,'
                "\n    E k: *,\n    List<Int> w: *\n}"
            )
            params += ", List<Item> items, List<(Int, E)> pairs, List<List<Int>> grid"
        lines.append(f"#main({params}) -> Dict")
        fields = _Fields(rng, variants, with_items)
        lines.append(fields.document(self.count))
        self.count += 1
        return DocumentProgram("\n".join(lines), variants, with_items)


class _Fields:
    """The fields of one document, each typed; later fields may read earlier ones."""

    def __init__(self, rng: random.Random, variants: tuple[str, ...], items: bool) -> None:
        self.rng = rng
        self.variants = variants
        self.items = items
        self.known: list[tuple[str, str]] = []  # (name, type) of the fields so far

    #: one form each program is sure to hold (program i: form i mod len), so that a
    #: few dozen programs cover them all
    FEATURES = (
        "(s.d < {String})",
        "[it.q + s.a for it in items if it.q > 1].sum()",
        "(s.d >= {String})",
        "items.reduce(0, (acc, it) => it.k == s.e ? acc + it.q : acc)",
        "pairs.reduce(0, (acc, p) => p.1 == s.e ? acc + p.0 : acc)",
        "[p.0 + s.a for p in pairs if p.1 != s.e].sum()",
        "grid.map((r) => r.reduce(s.a, (acc, x) => acc + x)).sum()",
        "items.map((it) => it.w.reduce(it.q, (acc, x) => acc + x)).sum()",
        "[len(r) for r in grid if len(r) > 0].sum() + (len(grid) > 1 ? grid[1].sum() : 0)",
    )

    def document(self, index: int) -> str:
        rng = self.rng
        feature = self.FEATURES[index % len(self.FEATURES)]
        if any(name in feature for name in _LIST_PARAMS) and not self.items:
            feature = "(s.d <= s.d)"
        entries: list[str] = [f"g: {feature.format(String=self.expr('String', 1))}"]
        for i in range(rng.randint(2, 6)):
            ty = rng.choice(["Int", "Int", "Float", "Bool", "String", "E"])
            name = f"f{i}"
            internal = "#internal\n    " if rng.random() < 0.2 and entries else ""
            entries.append(f"{internal}{name}: {self.expr(ty, 2)}")
            self.known.append((name, ty))
        if rng.random() < 0.5:
            x, y = self.expr("Int", 1, root=True), self.expr("String", 1, root=True)
            inner = f"x: {x}, y: {y}"
            entries.append(f"nested: {{ {inner} }}")
        if self.items and rng.random() < 0.5:  # a filtered list of tuples, collected
            entries.append(f"kept: pairs.filter((p) => p.1 != s.e && p.0 > {self._leaf('Int')})")
        if rng.random() < 0.3:  # a field before what it reads: evaluated after it
            entries.insert(0, f"first: &sibling.{self.known[-1][0]}")
        return "{\n    " + ",\n    ".join(entries) + "\n}"

    def _sibling(self, ty: str, root: bool) -> str | None:
        names = [n for n, t in self.known if t == ty]
        if not names:
            return None
        name = self.rng.choice(names)
        if root:
            return f"&root.{name}"
        return self.rng.choice([f"&sibling.{name}", name])

    def expr(self, ty: str, depth: int, *, root: bool = False) -> str:
        rng = self.rng
        sibling = self._sibling(ty, root)
        if sibling is not None and rng.random() < 0.35:
            return sibling
        if depth <= 0 or rng.random() < 0.3:
            return self._leaf(ty)
        return getattr(self, f"_{ty.lower()}")(depth - 1, root)

    def _leaf(self, ty: str) -> str:
        rng = self.rng
        return {
            "Int": rng.choice(["s.a", "s.t.x", str(rng.choice((0, 1, 3, -2, 1000)))]),
            "Float": rng.choice(["s.b", "0.5", "-1.25"]),
            "Bool": rng.choice(["s.c", "true", "false"]),
            "String": rng.choice(["s.d", '"k"', '""']),
            "E": rng.choice(["s.e", f"E.{rng.choice(self.variants)}"]),
        }[ty]

    def _int(self, depth: int, root: bool) -> str:
        rng = self.rng
        forms = [
            lambda: (
                f"({self.expr('Int', depth, root=root)} {rng.choice('+-*/%')} "
                f"{self.expr('Int', depth, root=root)})"
            ),
            lambda: f"len({self.expr('String', depth, root=root)})",
            lambda: self._match_enum("Int", depth, root),
            lambda: (
                f"({self.expr('Int', depth, root=root)} match {{ 0: 1, 7: -7, _: "
                f"{self.expr('Int', depth, root=root)} }})"
            ),
        ]
        if self.items:
            v = rng.choice(self.variants)
            forms += [
                lambda: "len(items)",
                lambda: "items.map((it) => it.q).sum()",
                lambda: f"items.filter((it) => it.k == E.{v}).map((it) => it.q * 2).sum()",
                lambda: "[it.q + s.a for it in items if it.q > 1].sum()",
                lambda: f"items.reduce(0, (acc, it) => it.k == E.{v} ? acc + 1 : acc)",
            ]
        return rng.choice(forms)()

    def _float(self, depth: int, root: bool) -> str:
        rng = self.rng
        return rng.choice(
            [
                lambda: (
                    f"({self.expr('Float', depth, root=root)} {rng.choice('+-*/')} "
                    f"{self.expr('Float', depth, root=root)})"
                ),
                lambda: f"({self.expr('Int', depth, root=root)} * 1.0)",
                lambda: self._match_enum("Float", depth, root),
            ]
        )()

    def _bool(self, depth: int, root: bool) -> str:
        rng = self.rng
        forms = [
            lambda: (
                f"({self.expr('Int', depth, root=root)} {rng.choice(['<', '>=', '=='])} "
                f"{self.expr('Int', depth, root=root)})"
            ),
            lambda: (
                f"({self.expr('String', depth, root=root)} {rng.choice(['<', '==', '>='])} "
                f"{self.expr('String', depth, root=root)})"
            ),
            lambda: f"({self.expr('E', depth, root=root)} == E.{rng.choice(self.variants)})",
            lambda: f"!{self.expr('Bool', depth, root=root)}",
        ]
        if self.items:
            forms.append(lambda: "items.any((it) => it.q > s.a)")
        return rng.choice(forms)()

    def _string(self, depth: int, root: bool) -> str:
        rng = self.rng
        return rng.choice(
            [
                lambda: (
                    f"({self.expr('String', depth, root=root)} + "
                    f"{self.expr(rng.choice(_TYPES), depth, root=root)})"
                ),
                lambda: self._match_enum("String", depth, root),
                lambda: (
                    f"({self.expr('String', depth, root=root)} match "
                    f'{{ "eu": "EU", "": "none", _: "other" }})'
                ),
                lambda: f'f"<${{{self.expr("Int", depth, root=root)}}}>"',
            ]
        )()

    def _e(self, depth: int, root: bool) -> str:
        rng = self.rng
        return rng.choice(
            [
                lambda: (
                    f"({self.expr('Bool', depth, root=root)} ? "
                    f"{self.expr('E', depth, root=root)} : {self.expr('E', depth, root=root)})"
                ),
                lambda: self._match_enum("E", depth, root),
            ]
        )()

    def _match_enum(self, ty: str, depth: int, root: bool) -> str:
        rng = self.rng
        covered = rng.sample(self.variants, rng.randint(1, len(self.variants)))
        arms = [f"{v}: {self.expr(ty, depth, root=root)}" for v in covered]
        if len(covered) < len(self.variants) or rng.random() < 0.3:
            arms.append(f"_: {self.expr(ty, depth, root=root)}")
        subject = self.expr("E", max(depth - 1, 0), root=root)
        return f"({subject} match {{ {', '.join(arms)} }})"


def generate_document_inputs(
    rng: random.Random, program: DocumentProgram, count: int
) -> list[tuple[object, ...]]:
    """``count`` argument tuples for ``program``: edge-biased records, sometimes broken."""
    runs: list[tuple[object, ...]] = []
    for _ in range(count):
        record: dict[str, object] = {
            "a": rng.choice(_EDGE_INTS) if rng.random() < 0.5 else rng.randint(-50, 50),
            "b": rng.choice(_EDGE_FLOATS),
            "c": rng.random() < 0.5,
            "d": rng.choice(_TEXTS),
            "e": rng.choice(program.variants),
            "t": {"x": rng.choice(_EDGE_INTS)},
        }
        roll = rng.random()
        if roll < 0.05:
            del record[rng.choice(list(record))]
        elif roll < 0.1:
            record["e"] = "Nope"
        args: tuple[object, ...] = (record,)
        if program.with_items:
            items = [
                {
                    "q": -1 if rng.random() < 0.03 else rng.choice((0, 1, 2, 5, 2**62)),
                    "k": rng.choice(program.variants),
                    "w": [rng.choice(_EDGE_INTS) for _ in range(rng.randint(0, 2))],
                }
                for _ in range(rng.randint(0, 4))
            ]
            pairs: list[object] = [
                (rng.choice(_EDGE_INTS), rng.choice(program.variants))
                for _ in range(rng.randint(0, 3))
            ]
            if rng.random() < 0.05:
                pairs.append((1,))  # a tuple of the wrong length
            grid: list[object] = [
                [rng.choice(_EDGE_INTS) for _ in range(rng.randint(0, 3))]
                for _ in range(rng.randint(0, 3))
            ]
            if rng.random() < 0.05:
                grid.append(7)  # a row that is no list
            args += (items, pairs, grid)
        runs.append(args)
    return runs
