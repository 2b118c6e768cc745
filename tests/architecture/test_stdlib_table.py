"""Every string operation is one row of ``stdlib/strings.py``, read by every stage.

The row's symbol must exist in the Rust runtime, its types must be ones each stage
can spell, and the checker, the IR reader and printer and the evaluator must all know
it by the row alone.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import relon_build_backend
from relon_build_backend.frontend import check_methods
from relon_build_backend.ir import nodes as ir
from relon_build_backend.ir.verify import str_signature
from relon_build_backend.stdlib import Emit, StringOp

RUNTIME = Path(relon_build_backend.__file__).parent / "cocompile" / "relon_rt.rs"


def _runtime_symbols() -> set[str]:
    text = RUNTIME.read_text(encoding="utf-8")
    return set(re.findall(r'extern "C" fn (relon_rt_\w+)\(', text))


@pytest.mark.parametrize("op", list(StringOp), ids=lambda op: op.method)
def test_each_row_names_a_runtime_symbol_unless_inline(op: StringOp) -> None:
    if op.emit is Emit.LENGTH:
        assert op.symbol is None
    else:
        assert op.symbol in _runtime_symbols()


@pytest.mark.parametrize("op", list(StringOp), ids=lambda op: op.method)
def test_the_ir_spelling_round_trips(op: StringOp) -> None:
    assert StringOp.spelled(op.value) is op
    params, result = str_signature(op)
    assert params[0] is ir.IrType(op.params[0].lower())
    assert len(params) == len(op.params)
    assert result is ir.IrType(op.result.lower())


def test_the_string_methods_the_checker_knows_are_the_table_rows() -> None:
    rows = {op.method for op in StringOp if op.params[0] == "String"}
    assert set(check_methods.STRING_METHODS) == rows


def test_an_unknown_spelling_is_a_value_error() -> None:
    with pytest.raises(ValueError, match=r"str\.shout"):
        StringOp.spelled("str.shout")


def test_a_method_is_found_by_subject_type() -> None:
    assert StringOp.of("List<String>", "join") is StringOp.JOIN
    assert StringOp.of("String", "join") is None


def test_math_functions_are_one_table() -> None:
    from typing import get_args

    from relon_build_backend.frontend.stdlib import MATH_ARITY
    from relon_build_backend.frontend.typed import MathName
    from relon_build_backend.ir.nodes import MathOp as IrMathOp
    from relon_build_backend.stdlib import MathOp

    assert IrMathOp is MathOp  # the IR's op is the table's row
    assert set(get_args(MathName)) == set(MATH_ARITY) == {op.function for op in MathOp}
    for op in MathOp:
        assert MathOp.spelled(op.value) is op
        assert MATH_ARITY[op.function] == op.arity  # one arity per function, whatever type


def test_list_operations_are_one_table() -> None:
    from relon_build_backend.frontend.stdlib import LIST_METHODS
    from relon_build_backend.ir import nodes as ir
    from relon_build_backend.ir.verify import list_signature
    from relon_build_backend.stdlib import ListOp

    assert ir.ListOp is ListOp
    assert {op.method for op in ListOp} - {"index", "slice"} <= set(LIST_METHODS)
    strings = ir.IrType.LIST_STRING
    for op in ListOp:
        assert ListOp.spelled(op.value) is op
        assert op.symbol is None or op.symbol in _runtime_symbols()
        params, result = list_signature(op, strings)
        assert params[0] is strings and len(params) == len(op.params)
        assert result in (strings, ir.IrType.STRING, ir.IrType.INT, ir.IrType.BOOL)
