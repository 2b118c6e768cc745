"""Hand-built IR rules covering every codegen feature, and the host functions they call."""

from __future__ import annotations

import wasmtime
from support.ir_rules import BOOL, FLOAT, INT, SPAN, binary, const, loc, panicking_host_ll, rule

from relon_build_backend.ir import nodes as n

B, M = n.BinOp, n.MathOp
BIG = 2**62
MAX = 2**63 - 1


def math(op: n.MathOp, *args: n.Expr) -> n.MathCall:
    ty = INT if op.value.startswith("int") else FLOAT
    return n.MathCall(op, args, ty, SPAN)


def rng(end: n.Expr, start: n.Expr | None = None) -> n.RangeSource:
    return n.RangeSource(start or const(0), end, SPAN)


def mapping(var: str, value: n.Expr, ty: n.IrType = INT) -> n.MapStage:
    return n.MapStage(var, ty, value, SPAN)


def loop(source: n.RangeSource, *stages: n.Stage, terminal: n.Terminal) -> n.Loop:
    return n.Loop(source, tuple(stages), terminal, SPAN)


def host(name: str, params: tuple[n.IrType, ...], result: n.IrType, *caps: str) -> n.HostImport:
    return n.HostImport(name, params, result, caps, SPAN)  # type: ignore[arg-type]


def _binops() -> list[n.IrModule]:
    ab = [("a", INT), ("b", INT)]
    xy = [("x", FLOAT), ("y", FLOAT)]
    int_ops = {
        "add": B.INT_ADD,
        "sub": B.INT_SUB,
        "mul": B.INT_MUL,
        "div": B.INT_DIV,
        "rem": B.INT_REM,
    }
    float_ops = {
        "fdiv": B.FLOAT_DIV,
        "frem": B.FLOAT_REM,
        "feq": B.FLOAT_EQ,
        "fne": B.FLOAT_NE,
        "flt": B.FLOAT_LT,
        "fge": B.FLOAT_GE,
    }
    out = [rule(name, ab, binary(op, loc("a"), loc("b"))) for name, op in int_ops.items()]
    out += [
        rule(name, xy, binary(op, loc("x", FLOAT), loc("y", FLOAT)))
        for name, op in float_ops.items()
    ]
    out.append(rule("neg", [("a", INT)], n.Unary(n.UnOp.INT_NEG, loc("a"), SPAN)))
    out.append(rule("fneg", [("x", FLOAT)], n.Unary(n.UnOp.FLOAT_NEG, loc("x", FLOAT), SPAN)))
    out.append(
        rule(
            "booleq",
            [("p", BOOL), ("q", BOOL)],
            binary(B.BOOL_EQ, n.Not(loc("p", BOOL), SPAN), loc("q", BOOL)),
        )
    )
    return out


def _math() -> list[n.IrModule]:
    x, y = loc("x", FLOAT), loc("y", FLOAT)
    a, b, c = loc("a"), loc("b"), loc("c")
    out = [
        rule(op.name.lower(), [("x", FLOAT)], math(op, x))
        for op in (M.FLOAT_FLOOR, M.FLOAT_CEIL, M.FLOAT_ROUND, M.FLOAT_SQRT, M.FLOAT_ABS)
    ]
    out += [
        rule(op.name.lower(), [("x", FLOAT), ("y", FLOAT)], math(op, x, y))
        for op in (M.FLOAT_MIN, M.FLOAT_MAX, M.FLOAT_POW)
    ]
    out += [
        rule(op.name.lower(), [("a", INT), ("b", INT)], math(op, a, b))
        for op in (M.INT_MIN, M.INT_MAX, M.INT_POW)
    ]
    out.append(rule("int_abs", [("a", INT)], math(M.INT_ABS, a)))
    out.append(rule("int_clamp", [("a", INT), ("b", INT), ("c", INT)], math(M.INT_CLAMP, a, b, c)))
    z = loc("z", FLOAT)
    out.append(
        rule(
            "float_clamp", [("x", FLOAT), ("y", FLOAT), ("z", FLOAT)], math(M.FLOAT_CLAMP, x, y, z)
        )
    )
    return out


def _control() -> list[n.IrModule]:
    a = loc("a")
    ten_div = binary(B.INT_DIV, const(10), a)
    down_body = n.If(
        binary(B.INT_EQ, loc("k"), const(0)),
        const(0),
        binary(
            B.INT_ADD, const(1), n.Call("down", (binary(B.INT_SUB, loc("k"), const(1)),), INT, SPAN)
        ),
        INT,
        SPAN,
    )
    down = n.Function("down", (n.Param("k", INT),), INT, down_body, SPAN)
    addk = n.Function(
        "addk",
        (n.Param("cap", INT), n.Param("v", INT)),
        INT,
        binary(B.INT_ADD, loc("v"), loc("cap")),
        SPAN,
    )
    return [
        rule(
            "and",
            [("a", INT)],
            n.And(binary(B.INT_NE, a, const(0)), binary(B.INT_GT, ten_div, const(1)), SPAN),
        ),
        rule(
            "or",
            [("a", INT)],
            n.Or(binary(B.INT_EQ, a, const(0)), binary(B.INT_GT, ten_div, const(1)), SPAN),
        ),
        rule(
            "cond",
            [("a", INT)],
            n.If(
                binary(B.INT_GT, a, const(0)),
                binary(B.INT_DIV, const(100), a),
                binary(B.INT_SUB, const(0), a),
                INT,
                SPAN,
            ),
        ),
        rule(
            "let",
            [("a", INT)],
            n.Let(
                "t",
                binary(B.INT_MUL, a, const(2)),
                binary(B.FLOAT_ADD, n.IntToFloat(loc("t"), SPAN), const(0.5)),
                SPAN,
            ),
        ),
        rule("depth", [("a", INT)], n.Call("down", (a,), INT, SPAN), functions=[down]),
        rule("closure", [("a", INT)], n.Call("addk", (const(5), a), INT, SPAN), functions=[addk]),
    ]


def _loops() -> list[n.IrModule]:
    nn, x, y = loc("n"), loc("x"), loc("y")
    sq = mapping("x", binary(B.INT_MUL, x, x))
    drain = loop(
        rng(nn),
        mapping("x", binary(B.INT_DIV, const(10), binary(B.INT_SUB, x, const(3)))),
        mapping("y", binary(B.INT_MUL, y, const(BIG))),
        terminal=n.SumTerminal(INT, SPAN),
    )
    drain_term = loop(
        rng(nn),
        mapping("x", binary(B.INT_DIV, const(60), binary(B.INT_SUB, const(5), x))),
        terminal=n.ReduceTerminal(
            "acc", "y", INT, const(MAX - 20), binary(B.INT_ADD, loc("acc"), y), INT, SPAN
        ),
    )
    init_fail = loop(
        rng(nn),
        mapping("x", binary(B.INT_MUL, x, const(BIG))),
        terminal=n.ReduceTerminal(
            "acc",
            "y",
            INT,
            binary(B.INT_DIV, const(10), loc("d")),
            binary(B.INT_ADD, loc("acc"), y),
            INT,
            SPAN,
        ),
    )
    any_drain = loop(
        rng(nn),
        mapping("x", binary(B.INT_DIV, const(100), binary(B.INT_SUB, x, const(8)))),
        terminal=n.AnyTerminal("y", INT, binary(B.INT_LT, y, const(-20)), SPAN),
    )
    all_drain = loop(
        rng(nn),
        mapping("x", binary(B.INT_DIV, const(12), binary(B.INT_SUB, x, const(6)))),
        terminal=n.AllTerminal("y", INT, binary(B.INT_GT, y, const(-3)), SPAN),
    )
    filter_err = loop(
        rng(nn),
        n.FilterStage(
            "x",
            INT,
            binary(
                B.INT_EQ, binary(B.INT_REM, const(10), binary(B.INT_SUB, x, const(2))), const(0)
            ),
            SPAN,
        ),
        mapping("y", binary(B.INT_MUL, y, const(BIG))),
        terminal=n.SumTerminal(INT, SPAN),
    )
    inner = loop(rng(x), terminal=n.SumTerminal(INT, SPAN))
    inner_err = loop(
        rng(x),
        mapping("w", binary(B.INT_DIV, const(10), binary(B.INT_SUB, loc("w"), const(2)))),
        terminal=n.SumTerminal(INT, SPAN),
    )
    evens = n.FilterStage(
        "x", INT, binary(B.INT_EQ, binary(B.INT_REM, x, const(2)), const(0)), SPAN
    )
    fsum = loop(
        rng(nn),
        mapping("x", binary(B.FLOAT_MUL, n.IntToFloat(x, SPAN), const(0.1))),
        terminal=n.SumTerminal(FLOAT, SPAN),
    )
    return [
        rule("sumsq", [("n", INT)], loop(rng(nn), sq, terminal=n.SumTerminal(INT, SPAN))),
        rule(
            "count_even",
            [("n", INT)],
            loop(rng(nn, const(-3)), evens, terminal=n.CountTerminal(SPAN)),
        ),
        rule("drain", [("n", INT)], drain),
        rule("drain_term", [("n", INT)], drain_term),
        rule("init_fail", [("n", INT), ("d", INT)], init_fail),
        rule("any_drain", [("n", INT)], any_drain),
        rule(
            "any_plain",
            [("n", INT)],
            loop(rng(nn), terminal=n.AnyTerminal("x", INT, binary(B.INT_EQ, x, const(2)), SPAN)),
        ),
        rule("all_drain", [("n", INT)], all_drain),
        rule("filter_err", [("n", INT)], filter_err),
        rule(
            "nested",
            [("n", INT)],
            loop(rng(nn), mapping("x", inner), terminal=n.SumTerminal(INT, SPAN)),
        ),
        rule(
            "nested_err",
            [("n", INT)],
            loop(
                rng(nn),
                mapping("x", inner_err),
                mapping("z", binary(B.INT_MUL, loc("z"), const(BIG))),
                terminal=n.SumTerminal(INT, SPAN),
            ),
        ),
        rule("fsum", [("n", INT)], fsum),
        rule(
            "sum_to_max", [("n", INT)], loop(rng(const(MAX), nn), terminal=n.SumTerminal(INT, SPAN))
        ),
    ]


def _negating_host_ll(name: str) -> str:
    """A host ``Bool -> Bool`` (``zeroext i1``, the Bool ABI) returning its negation."""
    return f"""
define zeroext i1 @{name}(i1 zeroext %b) {{
  %r = xor i1 %b, true
  ret i1 %r
}}
"""


HOST_LL = (
    r"""
define i64 @host_add(i64 %x) {
  %r = add i64 %x, 42
  ret i64 %r
}
"""
    + _negating_host_ll("host_not")
    + panicking_host_ll("host_boom")
    + r"""
define i64 @clock_ms(i64 %x) {
  %m = mul i64 %x, 1000
  %r = add i64 %m, 1
  ret i64 %r
}
"""
    + _negating_host_ll("env_flag")
    + panicking_host_ll("net_boom")
)


def _net_boom(x: int) -> int:
    if x == 7:
        raise wasmtime.Trap("host panic")  # as the loader reports a native panic
    return x


#: the wasm imports the loader would provide (gated hosts only)
WASM_IMPORTS = {
    "clock_ms": ((INT,), INT, lambda x: x * 1000 + 1),
    "env_flag": ((BOOL,), BOOL, lambda b: 1 - b),
    "net_boom": ((INT,), INT, _net_boom),
}

CLOCK = host("clock_ms", (INT,), INT, "reads_clock")
ENV = host("env_flag", (BOOL,), BOOL, "reads_env")
NET = host("net_boom", (INT,), INT, "network")


def _hosts() -> list[n.IrModule]:
    a, p = loc("a"), loc("p", BOOL)
    add = host("host_add", (INT,), INT)
    hnot = host("host_not", (BOOL,), BOOL)
    boom = host("host_boom", (INT,), INT)
    return [
        rule(
            "pure",
            [("a", INT)],
            binary(B.INT_ADD, n.HostCall("host_add", (a,), INT, SPAN), const(1)),
            hosts=[add],
        ),
        rule("hnot", [("p", BOOL)], n.HostCall("host_not", (p,), BOOL, SPAN), hosts=[hnot]),
        rule("boom", [("a", INT)], n.HostCall("host_boom", (a,), INT, SPAN), hosts=[boom]),
        rule(
            "gated",
            [("a", INT)],
            n.HostCall("clock_ms", (binary(B.INT_DIV, const(10), a),), INT, SPAN),
            hosts=[CLOCK],
        ),
        rule("genv", [("p", BOOL)], n.HostCall("env_flag", (p,), BOOL, SPAN), hosts=[ENV]),
        rule("netboom", [("a", INT)], n.HostCall("net_boom", (a,), INT, SPAN), hosts=[NET]),
        rule(
            "mixed",
            [("a", INT)],
            binary(
                B.INT_ADD,
                n.HostCall("host_add", (a,), INT, SPAN),
                n.HostCall("clock_ms", (a,), INT, SPAN),
            ),
            hosts=[add, CLOCK],
        ),
    ]


RULES: dict[str, n.IrModule] = {
    m.name: m for m in (*_binops(), *_math(), *_control(), *_loops(), *_hosts())
}
