"""The IR verifier catches every class of broken IR (hand-built), and the printer's forms."""

from __future__ import annotations

import pytest

from relon_build_backend.frontend.source import SourceFile, Span
from relon_build_backend.ir import nodes as ir
from relon_build_backend.ir.printer import format_expr, format_module
from relon_build_backend.ir.verify import check_ir, verify_module

SPAN = Span(SourceFile("x.relon", "x"), 0, 1)
INT, F, B = ir.IrType.INT, ir.IrType.FLOAT, ir.IrType.BOOL


def local(name: str, ty: ir.IrType = INT) -> ir.Local:
    return ir.Local(name, ty, SPAN)


def const(value: int | float | bool, ty: ir.IrType = INT) -> ir.Const:
    return ir.Const(value, ty, SPAN)


def module(body: ir.Expr, *functions: ir.Function, result: ir.IrType = INT) -> ir.IrModule:
    entry = ir.Function("main", (ir.Param("n", INT),), result, body, SPAN)
    return ir.IrModule("x", entry, functions, (), SPAN)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (local("m"), "main: local m is not bound here"),
        (local("n", F), "main: local n: float is not int"),
        (
            ir.Binary(ir.BinOp.FLOAT_ADD, local("n"), const(1.0, F), F, SPAN),
            "argument 0: int is not float",
        ),
        (ir.Let("n", const(1), local("n"), SPAN), "main: name n bound twice"),
        (ir.Not(local("n"), SPAN), "boolean operator argument 0: int is not bool"),
        (ir.Call("nope", (), INT, SPAN), "call of unknown function nope"),
        (ir.HostCall("tick", (), INT, SPAN), "host call of tick, which is not imported"),
        (ir.MathCall(ir.MathOp.FLOAT_SQRT, (local("n"),), F, SPAN), "math.float.sqrt argument 0"),
        (const(True), "constant True is not int"),
        (
            ir.Loop(
                ir.RangeSource(const(0), local("n"), SPAN),
                (ir.MapStage("x", F, local("x", F), SPAN),),
                ir.SumTerminal(INT, SPAN),
                SPAN,
            ),
            "stage variable x: float is not int",
        ),
    ],
)
def test_check_ir_reports_the_problem(body: ir.Expr, problem: str) -> None:
    problems = check_ir(module(body))
    assert any(problem in p for p in problems), problems


def test_verify_module_raises_an_assertion_with_the_listing() -> None:
    with pytest.raises(
        AssertionError, match=r"(?s)invalid Relon IR:.*local m is not bound.*fn main"
    ):
        verify_module(module(local("m")))


def test_valid_module_with_a_lifted_function() -> None:
    f = ir.Function(
        "f",
        (ir.Param("k", INT),),
        B,
        ir.Binary(ir.BinOp.INT_GT, local("k"), const(0), B, SPAN),
        SPAN,
    )
    good = module(ir.If(ir.Call("f", (local("n"),), B, SPAN), const(1), const(2), INT, SPAN), f)
    assert check_ir(good) == []
    assert format_module(good) == (
        "module x\n\nfn main(n: int) -> int =\n  if call f(n) then 1 else 2\n\n"
        "fn f(k: int) -> bool =\n  int.gt(k, 0)\n"
    )


def test_printer_breaks_long_and_block_expressions_into_a_tree() -> None:
    let = ir.Let(
        "a", const(1), ir.Binary(ir.BinOp.INT_ADD, local("a"), local("n"), INT, SPAN), SPAN
    )
    expr = ir.Binary(ir.BinOp.INT_MUL, let, const(-3), INT, SPAN)
    assert format_expr(expr) == "int.mul\n  let a: int = 1\n  int.add(a, n)\n  -3"
    consts = ir.MathCall(ir.MathOp.FLOAT_MIN, (const(float("nan"), F), const(-0.0, F)), F, SPAN)
    assert format_expr(consts) == "math.float.min(NaN, -0.0)"


S, LI = ir.IrType.STRING, ir.IrType.LIST_INT


@pytest.mark.parametrize(
    ("body", "result", "problem"),
    [
        (ir.Concat((local("n"),), SPAN), S, "concat argument 0: int is not string"),
        (ir.Const(1, S, SPAN), S, "constant 1 is not string"),
        (
            ir.StrCall(ir.StringOp.LEN, (ir.Const("a", S, SPAN),), S, SPAN),
            S,
            "str.len result: string is not int",
        ),
        (
            ir.ListLiteral((const(1.5, F),), LI, SPAN),
            LI,
            "list literal argument 0: float is not int",
        ),
        (ir.ListCall(ir.ListOp.LEN, (local("n"),), INT, SPAN), INT, "list.len of a int"),
        (
            ir.ListCall(ir.ListOp.INDEX, (ir.ListLiteral((), LI, SPAN), const(True, B)), INT, SPAN),
            INT,
            "list.index argument 1: bool is not int",
        ),
        (ir.Not(ir.MakeTuple((local("n"),), SPAN), SPAN), B, "a tuple that is not the entry's"),
        (
            ir.Loop(ir.ListSource(local("n"), SPAN), (), ir.CollectTerminal(LI, SPAN), SPAN),
            LI,
            "a loop over a int",
        ),
        (
            ir.Loop(
                ir.ListSource(ir.ListLiteral((), LI, SPAN), SPAN),
                (),
                ir.CollectTerminal(ir.IrType.LIST_BOOL, SPAN),
                SPAN,
            ),
            ir.IrType.LIST_BOOL,
            "collect type: list<bool> is not list<int>",
        ),
    ],
)
def test_verifier_checks_string_list_and_tuple_nodes(
    body: ir.Expr, result: ir.IrType, problem: str
) -> None:
    problems = check_ir(module(body, result=result))
    assert any(problem in p for p in problems), problems


def test_a_tuple_result_at_the_tail_of_lets_is_valid() -> None:
    body = ir.Let("k", const(2), ir.MakeTuple((local("k"), local("n")), SPAN), SPAN)
    entry = ir.Function("main", (ir.Param("n", INT),), ir.TupleType((INT, INT)), body, SPAN)
    assert check_ir(ir.IrModule("x", entry, (), (), SPAN)) == []
    assert "tuple(k, n)" in format_module(ir.IrModule("x", entry, (), (), SPAN))
