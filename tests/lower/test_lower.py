"""The lowering: IR rules (unique names, explicit captures and widening), host imports."""

from __future__ import annotations

from relon_build_backend.frontend.checker import check_module
from relon_build_backend.frontend.hosts import HostFunction
from relon_build_backend.frontend.parser import parse_module
from relon_build_backend.frontend.source import SourceFile, Span
from relon_build_backend.ir import nodes as ir
from relon_build_backend.ir.printer import format_module
from relon_build_backend.ir.verify import check_ir
from relon_build_backend.lower import lower_module

SHIM = SourceFile("host_shim.rs", "fn a() {}\nfn b() {}\n")


def lower(text: str, hosts: tuple[HostFunction, ...] = ()) -> ir.IrModule:
    checked = check_module(parse_module(SourceFile("r.relon", text)), hosts)
    return lower_module(checked, name="r")


def binders(expr: ir.Expr) -> list[str]:
    """Every name bound inside ``expr`` (lets, stage and terminal variables)."""
    match expr:
        case ir.Let():
            return [expr.name, *binders(expr.value), *binders(expr.body)]
        case ir.Loop():
            names = [n for s in expr.stages for n in (s.var,)]
            for stage in expr.stages:
                names += binders(stage.value if isinstance(stage, ir.MapStage) else stage.condition)
            term = expr.terminal
            if isinstance(term, ir.ReduceTerminal):
                names += [term.acc, term.var, *binders(term.init), *binders(term.update)]
            elif isinstance(term, ir.AnyTerminal | ir.AllTerminal):
                names += [term.var, *binders(term.condition)]
            return names
        case ir.Binary() | ir.And() | ir.Or():
            return binders(expr.left) + binders(expr.right)
        case ir.Call() | ir.HostCall() | ir.MathCall():
            return [n for a in expr.args for n in binders(a)]
        case ir.If():
            return [*binders(expr.condition), *binders(expr.then), *binders(expr.otherwise)]
        case ir.Unary() | ir.Not() | ir.IntToFloat():
            return binders(expr.operand)
    return []


def test_names_are_unique_per_function_even_when_the_source_shadows() -> None:
    module = lower(
        "#main(Int n) -> Int\n"
        "(n where { n: n + 1 }) + range(n).map((n) => n * 2).reduce(0, (n, x) => n + x)"
    )
    names = [p.name for p in module.entry.params] + binders(module.entry.body)
    assert names == ["n", "n_2", "n_3", "n_4", "x"]
    assert check_ir(module) == []


def test_main_parameters_keep_their_names_and_order() -> None:
    module = lower("#main(Float b, Int a, Bool c) -> Bool\nc")
    assert module.entry.name == "main"
    assert module.entry.params == (
        ir.Param("b", ir.IrType.FLOAT),
        ir.Param("a", ir.IrType.INT),
        ir.Param("c", ir.IrType.BOOL),
    )


def test_captures_come_first_in_binding_order_and_pass_through_callers() -> None:
    module = lower(
        "#main(Int n, Int m) -> Int\n"
        "g(1) where { a: m, b: n, f: (Int x) -> Int => x + b + a, g: (Int y) -> Int => f(y) }"
    )
    f, g = sorted(module.functions, key=lambda fn: fn.name)
    assert [p.name for p in f.params] == ["a", "b", "x"]
    assert [p.name for p in g.params] == ["a", "b", "y"]
    call = g.body
    assert isinstance(call, ir.Call)
    assert [a.name for a in call.args if isinstance(a, ir.Local)] == ["a", "b", "y"]


def test_recursive_closure_passes_its_own_captures() -> None:
    module = lower(
        "#main(Int n) -> Int\n"
        "down(n) where { step: n / 10 + 1,\n"
        "  down: (Int k) -> Int => k <= 0 ? 0 : 1 + down(k - step) }"
    )
    (down,) = module.functions
    assert [p.name for p in down.params] == ["step", "k"]
    assert "call down(step, int.sub(k, step))" in format_module(module)


def test_host_imports_are_the_called_hosts_sorted_with_ordered_capabilities() -> None:
    zeta = HostFunction(
        "zeta", ("Float",), "Float", frozenset({"uses_rng", "reads_fs"}), Span(SHIM, 0, 9)
    )
    alpha = HostFunction("alpha", (), "Bool", frozenset(), Span(SHIM, 10, 19))
    unused = HostFunction("unused", (), "Int", frozenset(), Span(SHIM, 10, 19))
    module = lower("#main(Int n) -> Float\nalpha() ? zeta(n) : 0.0", (zeta, unused, alpha))
    assert [(h.name, h.params, h.result, h.capabilities) for h in module.host_imports] == [
        ("alpha", (), ir.IrType.BOOL, ()),
        ("zeta", (ir.IrType.FLOAT,), ir.IrType.FLOAT, ("reads_fs", "uses_rng")),
    ]
    then = module.entry.body
    assert isinstance(then, ir.If)
    assert isinstance(then.then, ir.HostCall)
    assert isinstance(then.then.args[0], ir.IntToFloat)


def test_where_bindings_become_nested_lets_in_order_even_unused() -> None:
    body = lower("#main(Int n) -> Int\nn where { a: 1 / n, b: a + 1 }").entry.body
    assert isinstance(body, ir.Let)
    assert (body.name, isinstance(body.value, ir.Binary)) == ("a", True)
    assert isinstance(body.body, ir.Let)
    assert body.body.name == "b"
    assert body.body.body == ir.Local("n", ir.IrType.INT, body.body.body.span)


def test_a_chain_is_one_loop_with_its_stages_in_order() -> None:
    loop = lower(
        "#main(Int a, Int b) -> Bool\n"
        "range(a, b).filter((i) => i > 0).map((i) => i * 1.5).any((x) => x > 9.0)"
    ).entry.body
    assert isinstance(loop, ir.Loop)
    assert [type(s) for s in loop.stages] == [ir.FilterStage, ir.MapStage]
    assert [s.var_type for s in loop.stages] == [ir.IrType.INT, ir.IrType.INT]
    assert isinstance(loop.terminal, ir.AnyTerminal)
    assert loop.terminal.var_type is ir.IrType.FLOAT
    assert isinstance(loop.source, ir.RangeSource)
    assert isinstance(loop.source.start, ir.Local)
    assert loop.source.start.name == "a"


def test_lowering_is_deterministic() -> None:
    text = (
        "#main(Int n) -> Int\n"
        "f(n) + f(2) where { k: n, f: (x) => range(x).map((i) => i + k).sum() }"
    )
    assert format_module(lower(text)) == format_module(lower(text))
