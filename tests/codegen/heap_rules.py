"""Hand-built IR rules for every String/List/tuple node (ir/nodes.py, wave 2)."""

from __future__ import annotations

from support.ir_rules import BOOL, FLOAT, INT, SPAN, binary, const, loc, panicking_host_ll, rule

from relon_build_backend.ir import nodes as n

B, S, L = n.BinOp, n.StringOp, n.ListOp
STRING = n.IrType.STRING
LIST = {INT: n.IrType.LIST_INT, FLOAT: n.IrType.LIST_FLOAT, BOOL: n.IrType.LIST_BOOL}
LIST[STRING] = n.IrType.LIST_STRING
ELEMENTS = {"int": INT, "float": FLOAT, "bool": BOOL, "str": STRING}


def text(value: str) -> n.Const:
    return n.Const(value, STRING, SPAN)


def sloc(name: str) -> n.Local:
    return n.Local(name, STRING, SPAN)


def scall(op: n.StringOp, ty: n.IrType, *args: n.Expr) -> n.StrCall:
    return n.StrCall(op, args, ty, SPAN)


def lcall(op: n.ListOp, ty: n.IrType, *args: n.Expr) -> n.ListCall:
    return n.ListCall(op, args, ty, SPAN)


def _strings() -> list[n.IrModule]:
    a, b, c = sloc("a"), sloc("b"), sloc("c")
    one, two, three = (
        [("a", STRING)],
        [("a", STRING), ("b", STRING)],
        [
            ("a", STRING),
            ("b", STRING),
            ("c", STRING),
        ],
    )
    out = [
        rule("s_len", one, scall(S.LEN, INT, a)),
        rule("s_eq", two, binary(B.STRING_EQ, a, b)),
        rule("s_ne", two, binary(B.STRING_NE, a, b)),
        rule("s_concat", two, n.Concat((a, text("-"), b), SPAN)),
        rule("s_concat_empty", [], n.Concat((text(""), text("")), SPAN)),
        rule("s_const", [], text("h\u00e9llo \u2603")),
        rule("s_ident", one, a),
        rule("s_pick", [("p", BOOL), *one], n.If(loc("p", BOOL), a, text("no"), STRING, SPAN)),
        rule("s_upper", one, scall(S.UPPER, STRING, a)),
        rule("s_lower", one, scall(S.LOWER, STRING, a)),
        rule("s_trim", one, scall(S.TRIM, STRING, a)),
        rule("s_contains", two, scall(S.CONTAINS, BOOL, a, b)),
        rule("s_starts", two, scall(S.STARTS_WITH, BOOL, a, b)),
        rule("s_ends", two, scall(S.ENDS_WITH, BOOL, a, b)),
        rule("s_split", two, scall(S.SPLIT, LIST[STRING], a, b)),
        rule("s_replace", three, scall(S.REPLACE, STRING, a, b, c)),
        rule(
            "s_join",
            [("xs", LIST[STRING]), ("b", STRING)],
            scall(S.JOIN, STRING, loc("xs", LIST[STRING]), b),
        ),
        rule(
            "s_sub",
            [("a", STRING), ("i", INT), ("j", INT)],
            scall(S.SUBSTRING, STRING, a, loc("i"), loc("j")),
        ),
    ]
    for name, ty in (("int", INT), ("float", FLOAT), ("bool", BOOL), ("str", STRING)):
        out.append(rule(f"s_text_{name}", [("x", ty)], n.ToText(loc("x", ty), SPAN)))
    fstring = n.Concat(
        (text("x="), n.ToText(loc("x"), SPAN), text(", y="), n.ToText(loc("y", FLOAT), SPAN)),
        SPAN,
    )
    out.append(rule("s_fstring", [("x", INT), ("y", FLOAT)], fstring))
    return out


def _list_ops() -> list[n.IrModule]:
    out = []
    for name, element in ELEMENTS.items():
        ty = LIST[element]
        xs, ys, x = loc("xs", ty), loc("ys", ty), loc("x", element)
        one, two = [("xs", ty)], [("xs", ty), ("ys", ty)]
        out += [
            rule(f"l_len_{name}", one, lcall(L.LEN, INT, xs)),
            rule(f"l_index_{name}", [*one, ("i", INT)], lcall(L.INDEX, element, xs, loc("i"))),
            rule(f"l_first_{name}", one, lcall(L.FIRST, element, xs)),
            rule(f"l_last_{name}", one, lcall(L.LAST, element, xs)),
            rule(f"l_min_{name}", one, lcall(L.MIN, element, xs)),
            rule(f"l_max_{name}", one, lcall(L.MAX, element, xs)),
            rule(f"l_contains_{name}", [*one, ("x", element)], lcall(L.CONTAINS, BOOL, xs, x)),
            rule(f"l_reverse_{name}", one, lcall(L.REVERSE, ty, xs)),
            rule(f"l_sort_{name}", one, lcall(L.SORT, ty, xs)),
            rule(f"l_unique_{name}", one, lcall(L.UNIQUE, ty, xs)),
            rule(f"l_concat_{name}", two, lcall(L.CONCAT, ty, xs, ys)),
            rule(f"l_ident_{name}", one, xs),
            rule(f"l_literal_{name}", [("x", element)], n.ListLiteral((x, x), ty, SPAN)),
        ]
    out.append(rule("l_literal_empty", [], n.ListLiteral((), LIST[INT], SPAN)))
    out.append(
        rule(
            "l_literal_mixed",
            [("a", STRING)],
            n.ListLiteral((text("x"), sloc("a"), n.ToText(const(42), SPAN)), LIST[STRING], SPAN),
        )
    )
    return out


def _loop(source: n.Source, *stages: n.Stage, terminal: n.Terminal) -> n.Loop:
    return n.Loop(source, tuple(stages), terminal, SPAN)


def _loops() -> list[n.IrModule]:
    ints, strs = loc("xs", LIST[INT]), loc("xs", LIST[STRING])
    x, s = loc("x"), sloc("s")
    double = n.MapStage("x", INT, binary(B.INT_MUL, x, const(2)), SPAN)
    ten_div = n.MapStage("x", INT, binary(B.INT_DIV, const(10), x), SPAN)
    positive = n.FilterStage("x", INT, binary(B.INT_GT, x, const(0)), SPAN)
    long = n.FilterStage("s", STRING, binary(B.INT_GT, scall(S.LEN, INT, s), const(1)), SPAN)
    shout = n.MapStage("s", STRING, n.Concat((s, text("!")), SPAN), SPAN)
    as_text = n.MapStage("x", INT, n.ToText(x, SPAN), SPAN)
    src, rng = n.ListSource(ints, SPAN), n.RangeSource(const(0), loc("n"), SPAN)
    int_list, str_list = [("xs", LIST[INT])], [("xs", LIST[STRING])]
    collect_ints, collect_strs = (
        n.CollectTerminal(LIST[INT], SPAN),
        n.CollectTerminal(LIST[STRING], SPAN),
    )
    return [
        rule("loop_sum", int_list, _loop(src, terminal=n.SumTerminal(INT, SPAN))),
        rule("loop_collect", int_list, _loop(src, double, positive, terminal=collect_ints)),
        rule("loop_drain", int_list, _loop(src, ten_div, terminal=collect_ints)),
        rule(
            "loop_strings",
            str_list,
            _loop(n.ListSource(strs, SPAN), long, shout, terminal=collect_strs),
        ),
        rule("loop_range_text", [("n", INT)], _loop(rng, as_text, terminal=collect_strs)),
        rule(
            "loop_reduce_strs",
            str_list,
            _loop(
                n.ListSource(strs, SPAN),
                terminal=n.ReduceTerminal(
                    "acc", "s", STRING, text(">"), n.Concat((sloc("acc"), s), SPAN), STRING, SPAN
                ),
            ),
        ),
        rule(
            "loop_any_bools",
            [("xs", LIST[BOOL])],
            _loop(
                n.ListSource(loc("xs", LIST[BOOL]), SPAN),
                terminal=n.AnyTerminal("p", BOOL, loc("p", BOOL), SPAN),
            ),
        ),
        rule(
            "loop_float_sum",
            [("xs", LIST[FLOAT])],
            _loop(n.ListSource(loc("xs", LIST[FLOAT]), SPAN), terminal=n.SumTerminal(FLOAT, SPAN)),
        ),
        rule(
            "loop_count_strs",
            str_list,
            _loop(n.ListSource(strs, SPAN), long, terminal=n.CountTerminal(SPAN)),
        ),
    ]


#: a pure host function panicking on 7 (``relon_trap``: a longjmp natively, a trap on wasm)
HEAP_HOST_LL = panicking_host_ll("host_boom")


def _tuples_and_calls() -> list[n.IrModule]:
    a = sloc("a")
    boom = n.HostImport("host_boom", (INT,), INT, (), SPAN)
    boom_text = n.ToText(n.HostCall("host_boom", (loc("k"),), INT, SPAN), SPAN)
    greet = n.Function(
        "greet",
        (n.Param("who", STRING),),
        STRING,
        n.Concat((text("hi "), sloc("who")), SPAN),
        SPAN,
    )
    call = n.Call("greet", (a,), STRING, SPAN)
    k, who = loc("k"), sloc("who")
    again = n.Call(
        "deep",
        (scall(S.TRIM, STRING, n.Concat((who, text(" ")), SPAN)), binary(B.INT_SUB, k, const(1))),
        STRING,
        SPAN,
    )
    deep = n.Function(
        "deep",
        (n.Param("who", STRING), n.Param("k", INT)),
        STRING,
        n.If(binary(B.INT_LE, k, const(0)), who, again, STRING, SPAN),
        SPAN,
    )
    return [
        rule(
            "t_mixed",
            [("a", STRING), ("k", INT)],
            n.MakeTuple((n.Concat((a, a), SPAN), loc("k"), const(True), const(0.5)), SPAN),
        ),
        rule("t_scalars", [("k", INT)], n.MakeTuple((loc("k"), const(1.5)), SPAN)),
        rule(
            "t_let",
            [("a", STRING)],
            n.Let("t", scall(S.UPPER, STRING, a), n.MakeTuple((sloc("t"), a), SPAN), SPAN),
        ),
        rule("c_greet", [("a", STRING)], call, functions=[greet]),
        rule(
            "c_deep",
            [("a", STRING), ("k", INT)],
            n.Call("deep", (a, k), STRING, SPAN),
            functions=[deep],
        ),
        rule(
            "h_boom",
            [("a", STRING), ("k", INT)],
            n.Let("t", n.Concat((a, a), SPAN), n.Concat((sloc("t"), boom_text), SPAN), SPAN),
            hosts=[boom],
        ),
    ]


HEAP_RULES: dict[str, n.IrModule] = {
    m.name: m for m in [*_strings(), *_list_ops(), *_loops(), *_tuples_and_calls()]
}
