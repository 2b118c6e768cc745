"""Lowering strings, lists and tuples: the IR nodes chosen, fusion, tuple elimination."""

from __future__ import annotations

from relon_build_backend.frontend.checker import check_module
from relon_build_backend.frontend.parser import parse_module
from relon_build_backend.frontend.source import SourceFile
from relon_build_backend.ir import nodes as ir
from relon_build_backend.ir.verify import check_ir
from relon_build_backend.lower import lower_module


def lower(text: str) -> ir.IrModule:
    module = lower_module(check_module(parse_module(SourceFile("r.relon", text)), ()), name="r")
    assert check_ir(module) == []
    return module


def test_a_list_chain_is_one_loop_over_the_list() -> None:
    body = lower(
        "#main(List<Int> xs) -> Int\nxs.map((x) => x * 2).filter((x) => x > 2).reduce(0, "
        "(a, x) => a + x)"
    ).entry.body
    assert isinstance(body, ir.Loop)
    assert isinstance(body.source, ir.ListSource)
    assert [type(s) for s in body.stages] == [ir.MapStage, ir.FilterStage]
    assert isinstance(body.terminal, ir.ReduceTerminal)


def test_a_chain_used_as_a_value_collects() -> None:
    body = lower("#main(Int n) -> List<Float>\nrange(n).map((i) => i * 0.5)").entry.body
    assert isinstance(body, ir.Loop)
    assert isinstance(body.source, ir.RangeSource)
    assert body.terminal == ir.CollectTerminal(ir.IrType.LIST_FLOAT, body.terminal.span)


def test_string_operators_and_methods() -> None:
    body = lower('#main(String s) -> Bool\ns.upper() == "A" && len(s) > 0').entry.body
    assert isinstance(body, ir.And)
    assert isinstance(body.left, ir.Binary)
    assert body.left.op is ir.BinOp.STRING_EQ
    assert isinstance(body.left.left, ir.StrCall)
    assert body.left.left.op is ir.StringOp.UPPER
    assert isinstance(body.right, ir.Binary)
    assert isinstance(body.right.left, ir.StrCall)
    assert body.right.left.op is ir.StringOp.LEN


def test_tuple_result_is_a_make_tuple_at_the_tail() -> None:
    module = lower('#main(Int a) -> (Int, String)\n(k, f"${k}") where { k: a + 1 }')
    assert module.entry.result == ir.TupleType((ir.IrType.INT, ir.IrType.STRING))
    body = module.entry.body
    assert isinstance(body, ir.Let)
    assert isinstance(body.body, ir.MakeTuple)


def test_a_conditional_tuple_evaluates_its_condition_once() -> None:
    body = lower("#main(Bool b, Int a) -> (Int, Int)\nb ? (a, 1) : (2, a)").entry.body
    assert isinstance(body, ir.Let)
    assert body.name == "cond"
    assert isinstance(body.body, ir.MakeTuple)
    for element in body.body.elements:
        assert isinstance(element, ir.If)
        assert element.condition == ir.Local("cond", ir.IrType.BOOL, element.condition.span)


def test_a_captured_tuple_becomes_one_parameter_per_element() -> None:
    module = lower("#main(Int a) -> Int\nf(1) where { t: (a, 1.5), f: (k) => k + t.0 }")
    (function,) = module.functions
    assert [(p.name, p.type) for p in function.params] == [
        ("t_0", ir.IrType.INT),
        ("t_1", ir.IrType.FLOAT),
        ("k", ir.IrType.INT),
    ]


def test_a_field_of_a_literal_keeps_every_element_in_order() -> None:
    body = lower("#main(Int a) -> Int\n(a / 0, a + 1).1").entry.body
    assert isinstance(body, ir.Let)
    assert isinstance(body.value, ir.Binary)
    assert body.value.op is ir.BinOp.INT_DIV
    assert isinstance(body.body, ir.Let)
    assert body.body.body == ir.Local(body.body.name, ir.IrType.INT, body.body.body.span)
