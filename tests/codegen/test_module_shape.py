"""What the generated LLVM module contains: exports, declarations, no traps, no globals."""

from __future__ import annotations

import re
from pathlib import Path

import llvmlite.binding as llvm
import pytest
import wasmtime
from support.ir_rules import build_wasm, optimized_module, prefix, rule_ir

from relon_build_backend.codegen import generate_llvm_ir
from relon_build_backend.ir import nodes as n
from relon_build_backend.targets import TargetName, target_for

from .rules import RULES

KINDS: tuple[TargetName, ...] = ("native", "wasm32")
FAST_MATH = re.compile(r"\b(fast|nnan|ninf|nsz|arcp|contract|afn|reassoc)\b")


def ir_text(name: str, kind: TargetName) -> str:
    module = RULES[name]
    return rule_ir(module, kind, -5)


def parsed(name: str, kind: TargetName) -> llvm.ModuleRef:
    module = llvm.parse_assembly(ir_text(name, kind))
    module.verify()
    return module


@pytest.mark.parametrize("kind", KINDS)
def test_every_rule_verifies_without_traps_fast_math_or_globals(kind: TargetName) -> None:
    for name in RULES:
        text = ir_text(name, kind)
        module = llvm.parse_assembly(text)
        module.verify()
        assert "llvm.trap" not in text, name
        assert not FAST_MATH.findall(text), name
        # per-call state lives in frames: only constants (a gated host's name) are global
        mutable = [g for g in module.global_variables if " constant " not in str(g)]
        assert mutable == [], name


@pytest.mark.parametrize("kind", KINDS)
def test_target_triple_and_layout(kind: TargetName) -> None:
    spec = target_for(kind)
    module = parsed("add", kind)
    assert module.triple == spec.triple
    assert module.data_layout == str(spec.create_target_machine(opt_level=3).target_data)


def _exported(module: llvm.ModuleRef) -> set[str]:
    return {
        f.name
        for f in module.functions
        if not f.is_declaration and f.linkage == llvm.Linkage.external
    }


def test_exports() -> None:
    p = prefix(RULES["add"])
    entries = {f"{p}_call", f"{p}_main", f"{p}_hash", f"{p}_call_value", f"{p}_main_value"}
    assert _exported(parsed("add", "native")) == {*entries, f"{p}_batch"}
    g = prefix(RULES["mixed"])
    entries = {f"{g}_call", f"{g}_main", f"{g}_hash", f"{g}_call_value", f"{g}_main_value"}
    entries.add(f"{g}_batch")
    assert _exported(parsed("mixed", "native")) == {*entries, f"{g}_host_clock_ms"}
    assert _exported(parsed("mixed", "wasm32")) == entries


def test_guard_only_natively_with_hosts() -> None:
    assert "relon_guard" not in ir_text("add", "native")
    assert "declare i32 @relon_guard(ptr" in ir_text("pure", "native").replace('"', "")
    assert "relon_guard" not in ir_text("pure", "wasm32")


def test_host_declarations() -> None:
    native = ir_text("genv", "native").replace('"', "")
    assert re.search(r"declare zeroext i1 @env_flag\(i1 zeroext", native)
    wasm = ir_text("genv", "wasm32")
    decl = next(
        line
        for line in wasm.splitlines()
        if "relon_import_env_flag" in line and line.startswith("declare")
    )
    assert re.search(r"declare i32 @\"?relon_import_env_flag\"?\(i32", decl)
    assert '"wasm-import-module"="env"' in decl
    assert '"wasm-import-name"="env_flag"' in decl
    pure_wasm = ir_text("hnot", "wasm32").replace('"', "")
    assert re.search(r"declare zeroext i1 @host_not\(i1 zeroext", pure_wasm)  # inlined later


@pytest.mark.wasm
def test_wasm_imports_and_no_i128_libcalls(tmp_path: Path) -> None:
    # linked without compiler builtins: a __multi3 for the checked multiply would not link
    modules = [RULES[name] for name in ("mul", "int_pow", "gated", "genv")]
    wasm = build_wasm(modules, "", tmp_path, builtins=False)
    module = wasmtime.Module.from_file(wasmtime.Engine(), str(wasm))
    assert sorted((i.module, i.name) for i in module.imports) == [
        ("env", "clock_ms"),
        ("env", "env_flag"),
    ]


def test_hash_entry_value() -> None:
    module = parsed("add", "native")
    body = str(module.get_function(f"{prefix(RULES['add'])}_hash"))
    assert "ret i64 -5" in body


def test_ir_invariant_violation_is_our_bug() -> None:
    span = RULES["add"].span
    call = n.HostCall("nope", (), n.IrType.INT, span)  # no such HostImport
    entry = n.Function("main", (), n.IrType.INT, call, span)
    with pytest.raises(AssertionError, match="undeclared 'nope'"):
        generate_llvm_ir(
            n.IrModule("bad", entry, (), (), span),
            symbol_prefix="p",
            source_hash=0,
            target=target_for("native"),
        )


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", ["sumsq", "count_even", "drain", "any_drain"])
def test_optimized_loops_keep_no_state_in_memory(kind: TargetName, name: str) -> None:
    # after O3 the per-call context and the loop state are registers: no stack slot, no
    # load/store except the result, no call but overflow intrinsics
    module = optimized_module([RULES[name]], target_for(kind), "")
    body = str(module.get_function(f"{prefix(RULES[name])}_call"))
    assert "alloca" not in body
    assert "load " not in body
    assert body.count("store ") == 1
    calls = re.findall(r"call [^@]*@([\w.]+)", body)
    assert all(c.startswith("llvm.") for c in calls), calls


def _function_text(module: llvm.ModuleRef, name: str) -> str:
    return str(module.get_function(name))


#: the status of StepLimitExceeded, as it appears in IR that can still return it
_STEP_LIMIT = re.compile(
    rf"\bi32 {int(n.ErrorKind.STEP_LIMIT_EXCEEDED)}\b|"
    rf"phi i32 .*\[ {int(n.ErrorKind.STEP_LIMIT_EXCEEDED)}, "
)
#: a step counter: an i64 decremented by one
_DECREMENT = re.compile(r"= add (?:nsw |nuw )*i64 %[\w.]+, -1\b")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", ["sumsq", "count_even", "drain", "any_drain"])
def test_unlimited_loops_keep_no_step_bookkeeping(kind: TargetName, name: str) -> None:
    # P_main has no step limit: loop versioning leaves only the unchecked loop, whose
    # charges O3 folds away; no counter is carried, no path returns StepLimitExceeded
    module = optimized_module([RULES[name]], target_for(kind), "")
    main = _function_text(module, f"{prefix(RULES[name])}_main")
    assert not _STEP_LIMIT.search(main), main
    assert not _DECREMENT.search(main), main
    # P_call still checks a limited budget (once per loop, before it)
    assert _STEP_LIMIT.search(_function_text(module, f"{prefix(RULES[name])}_call"))


@pytest.mark.parametrize("kind", KINDS)
def test_unlimited_calls_charge_no_steps(kind: TargetName) -> None:
    # the copy of each function run without a step limit neither reads nor checks the
    # budget; the call depth is a register (no context load/store around a call)
    module = optimized_module([RULES["depth"]], target_for(kind), "")
    free = _function_text(module, f"{prefix(RULES['depth'])}.fn.down.unlimited")
    assert "load i64" not in free, free
    assert not _STEP_LIMIT.search(free), free
    assert not re.findall(r"store i32 %", free), free  # only statuses are stored
    counted = _function_text(module, f"{prefix(RULES['depth'])}.fn.down")
    assert _STEP_LIMIT.search(counted), counted


#: a call of anything but an LLVM intrinsic
_CALL = re.compile(r"\bcall (?:[^@\n]*)@(?!llvm\.)")


@pytest.mark.parametrize("kind", KINDS)
def test_batch_is_one_loop_with_the_rule_inlined(kind: TargetName) -> None:
    # P_batch calls P_call per row: after O3 the loop calls nothing (the rule's body and
    # its overflow check are in it) and writes the failed row's index only when a row
    # fails
    module = optimized_module([RULES["add"]], target_for(kind), "")
    batch = _function_text(module, f"{prefix(RULES['add'])}_batch")
    assert not _CALL.search(batch), batch
    assert "llvm.sadd.with.overflow.i64" in batch
    assert batch.count("store i64") == 2, batch  # the failed row's index and the result
    row = batch.split("\nbody", 1)[1].split(" br ", 1)[0]  # a row, up to its status check
    assert "store" not in row, batch


@pytest.mark.parametrize("kind", KINDS)
def test_batch_calls_p_call_per_row(kind: TargetName) -> None:
    # each row is one P_call (its guard natively, when the rule calls host functions);
    # on wasm32 a rule that can trap announces each row before running it
    text = ir_text("pure", kind).replace('"', "")
    batch = text.split(f"@{prefix(RULES['pure'])}_batch(", 1)[1].split("\n}\n", 1)[0]
    assert f"call i32 @{prefix(RULES['pure'])}_call(" in batch
    assert batch.count("store i64 %row") == 1, batch
    announced = "store i64 %row" in batch.split("body:", 1)[1].split("fail:", 1)[0]
    assert announced is (kind == "wasm32"), batch


def test_batch_only_for_scalar_rules() -> None:
    from .heap_rules import HEAP_RULES

    for module in HEAP_RULES.values():
        exported = _exported(llvm.parse_assembly(rule_ir(module, "native", 1)))
        scalar = bool(module.entry.params) and all(
            not p.type.is_list and p.type is not n.IrType.STRING for p in module.entry.params
        )
        result = module.entry.result
        scalar = scalar and result in (n.IrType.INT, n.IrType.FLOAT, n.IrType.BOOL)
        assert (f"{prefix(module)}_batch" in exported) is scalar, module.name
