"""Build one rule's LLVM module: host declarations, internal functions and the exported
entries of docs/abi.md.

Exports, for symbol prefix ``P``:

- ``i32 P_call(i64 caps, i64 max_steps, params..., ptr out)``
- ``i32 P_main(params..., ptr out)`` (caps 0, unlimited steps)
- ``i64 P_hash()``
- scalar rules: ``result P_call_value(i64 caps, i64 max_steps, params...)`` and
  ``result P_main_value(params...)``, returning the result itself (a sentinel on failure)
- natively, per gated host import ``h``: ``i32 P_host_h(params..., ptr out)``

String/List parameters cross as ``(ptr, i64 len)`` pairs; ``out`` holds one 16-byte
slot per result (a tuple: one per element), then the result handle when any result is
a String or List (docs/abi.md "Strings, lists and tuples"). A rule with one scalar
result writes just its 8 bytes, exactly as before.

``P_call`` allocates the per-call context (its arena included) in its own frame and
calls ``P.run``, which fills the context, runs the body and writes the result slots.
Natively, when the module calls any host function, ``P.run`` runs under
``relon_guard`` via a thunk taking a frame struct of its arguments, so a host panic
returns status 7. The arena's lifecycle stays in ``P_call`` so that a panic (a
``longjmp`` past ``P.run``) still frees it: on an error status ``relon_arena_free``,
on success ``relon_arena_detach`` into the handle slot (or a free when no result needs
it). Modules that never allocate never touch the arena.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._relon_runtime.abi import (
    VALUE_SENTINELS,
    call_symbol,
    call_value_symbol,
    hash_symbol,
    host_symbol,
    main_symbol,
    main_value_symbol,
)
from ..ir.nodes import HostImport, IrModule, IrType, TupleType
from .batch import define_batch
from .emitter import emit_function
from .unit import (
    CTX_ARENA,
    CTX_CAPS,
    CTX_RESULT_LEN,
    CTX_STATUS,
    CTX_STEPS,
    CodegenUnit,
    HostDecl,
    abi_type,
    abi_types,
    context_type,
    is_heap,
    is_scalar_rule,
    llvm_type,
    return_type,
)
from .values import store_pair

if TYPE_CHECKING:
    from llvmlite import ir

    from ..targets import Target

__all__ = ["build_module"]


def _wasm_import_attributes(name: str) -> ir.FunctionAttributes:
    """Function attributes holding the two string attributes that name a wasm import.

    llvmlite's attribute set only accepts enum attributes, so the ``key=value`` strings
    bypass its whitelist through ``set.add`` (the set renders its items verbatim).
    ``name`` is a host function identifier validated by the front end.
    """
    from llvmlite import ir

    attributes = ir.FunctionAttributes()
    set.add(attributes, '"wasm-import-module"="env"')
    set.add(attributes, f'"wasm-import-name"="{name}"')
    return attributes


def _declare_host(module: ir.Module, host: HostImport, target: Target) -> HostDecl:
    from llvmlite import ir

    if target.gated_hosts_are_imports and host.capabilities:
        fnty = ir.FunctionType(abi_type(host.result), [abi_type(t) for t in host.params])
        function = ir.Function(module, fnty, name=f"relon_import_{host.name}")
        function.attributes = _wasm_import_attributes(host.name)
        return HostDecl(host, function, wasm_import=True)
    fnty = ir.FunctionType(llvm_type(host.result), [llvm_type(t) for t in host.params])
    function = ir.Function(module, fnty, name=host.name)
    # Rust's extern "C" bool is a zero-extended i1, parameter and return alike
    for arg, ty in zip(function.args, host.params, strict=True):
        if ty is IrType.BOOL:
            arg.add_attribute("zeroext")
    if host.result is IrType.BOOL:
        function.return_value.add_attribute("zeroext")
    return HostDecl(host, function, wasm_import=False)


def _declare_internal(
    module: ir.Module, prefix: str, ir_module: IrModule, suffix: str = ""
) -> dict[str, ir.Function]:
    """``T @<prefix>.fn.<name><suffix>(ptr ctx, i32 depth, params...)`` per function."""
    from llvmlite import ir

    functions: dict[str, ir.Function] = {}
    for source in (ir_module.entry, *ir_module.functions):
        params = [
            ir.PointerType(),
            ir.IntType(32),
            *(llvm_type(p.type) for p in source.params),
        ]
        fnty = ir.FunctionType(return_type(source.result), params)
        function = ir.Function(module, fnty, name=f"{prefix}.fn.{source.name}{suffix}")
        function.linkage = "internal"
        functions[source.name] = function
    return functions


def _to_abi(builder: ir.IRBuilder, value: ir.Value, ty: IrType) -> ir.Value:
    from llvmlite import ir

    return builder.zext(value, ir.IntType(32)) if ty is IrType.BOOL else value


def _from_abi(builder: ir.IRBuilder, value: ir.Value, ty: IrType) -> ir.Value:
    from llvmlite import ir

    return builder.icmp_unsigned("!=", value, ir.IntType(32)(0)) if ty is IrType.BOOL else value


#: bytes per result slot (docs/abi.md "Results")
_SLOT = 16


def _results(ty: IrType | TupleType) -> tuple[IrType, ...]:
    return ty.elements if isinstance(ty, TupleType) else (ty,)


def _entry_params(ir_module: IrModule) -> list[ir.Type]:
    return [t for p in ir_module.entry.params for t in abi_types(p.type)]


def _from_abi_args(b: ir.IRBuilder, args: list[ir.Value], types: list[IrType]) -> list[ir.Value]:
    """Entry arguments -> in-module values (a String/List from its ``(ptr, len)``)."""
    from llvmlite import ir

    values: list[ir.Value] = []
    rest = iter(args)
    for ty in types:
        first = next(rest)
        if is_heap(ty):
            pair = b.insert_value(ir.Constant(llvm_type(ty), None), first, 0)
            values.append(b.insert_value(pair, next(rest), 1))
        else:
            values.append(_from_abi(b, first, ty))
    return values


def _write_results(
    b: ir.IRBuilder, result: ir.Value, ty: IrType | TupleType, out: ir.Value
) -> None:
    from llvmlite import ir

    if not isinstance(ty, TupleType):
        if is_heap(ty):
            store_pair(b, out, result)
        else:
            b.store(_to_abi(b, result, ty), out)
        return
    for i, element in enumerate(ty.elements):
        slot = b.gep(out, [ir.IntType(64)(_SLOT * i)], source_etype=ir.IntType(8))
        _write_results(b, b.extract_value(result, i), element, slot)


def _define_run(unit: CodegenUnit, ir_module: IrModule) -> ir.Function:
    """``i32 P.run(ptr ctx, i64 caps, i64 max_steps, abi params..., ptr out)``: fill the
    context (all but its arena), run the body, write the result slots on success."""
    from llvmlite import ir

    i32, i64 = ir.IntType(32), ir.IntType(64)
    entry = ir_module.entry
    ptr = ir.PointerType()
    params = [ptr, i64, i64, *_entry_params(ir_module), ptr]
    run = ir.Function(unit.module, ir.FunctionType(i32, params), name=f"{unit.prefix}.run")
    run.linkage = "internal"
    b = ir.IRBuilder(run.append_basic_block("entry"))
    ctx, caps, max_steps, *values, out = run.args

    def field(index: int) -> ir.Value:
        return b.gep(ctx, [i32(0), i32(index)], inbounds=True, source_etype=context_type())

    b.store(caps, field(CTX_CAPS))
    # negative budget = unlimited: as an unsigned count 2**64-1 can never run out
    unlimited = b.icmp_signed("<", max_steps, i64(0))
    b.store(b.select(unlimited, i64(-1), max_steps), field(CTX_STEPS))
    b.store(i32(0), field(CTX_STATUS))
    args = _from_abi_args(b, values, [p.type for p in entry.params])
    call_args = [ctx, i32(0), *args]
    if unit.unlimited:
        with b.if_else(unlimited) as (free, counted):
            with free:
                free_result = b.call(unit.unlimited[entry.name], call_args)
                free_end = b.block
            with counted:
                counted_result = b.call(unit.functions[entry.name], call_args)
                counted_end = b.block
        result = b.phi(free_result.type)
        result.add_incoming(free_result, free_end)
        result.add_incoming(counted_result, counted_end)
    else:
        result = b.call(unit.functions[entry.name], call_args)
    if isinstance(entry.result, IrType) and is_heap(entry.result):
        length = b.load(field(CTX_RESULT_LEN), typ=i64)
        result = b.insert_value(
            b.insert_value(ir.Constant(llvm_type(entry.result), None), result, 0), length, 1
        )
    status = b.load(field(CTX_STATUS), typ=i32)
    with b.if_then(b.icmp_signed("==", status, i32(0))):
        _write_results(b, result, entry.result, out)
    b.ret(status)
    return run


def _uses_arena(module: ir.Module) -> bool:
    """Whether any emitted code allocates (directly or through the runtime)."""
    # relon_rt_pow is pure arithmetic: a Float rule calling it needs no arena.
    return any(
        name == "relon_arena_alloc" or (name.startswith("relon_rt_") and name != "relon_rt_pow")
        for name in module.globals
    )


def _arena_function(module: ir.Module, name: str, ret: ir.Type) -> ir.Function:
    """Get or declare ``ret name(relon_arena *)`` (docs/abi.md internal interface)."""
    from llvmlite import ir

    existing = module.globals.get(name)
    if existing is None:
        existing = ir.Function(module, ir.FunctionType(ret, [ir.PointerType()]), name=name)
    assert isinstance(existing, ir.Function)
    return existing


def _define_call(unit: CodegenUnit, ir_module: IrModule, run: ir.Function) -> ir.Function:
    """``i32 P_call(i64 caps, i64 max_steps, abi params..., ptr out)``: the context and
    the arena's lifecycle around ``run``."""
    from llvmlite import ir

    i32, i64, void = ir.IntType(32), ir.IntType(64), ir.VoidType()
    arena_used = _uses_arena(unit.module)
    results = _results(ir_module.entry.result)
    fnty = ir.FunctionType(i32, list(run.function_type.args)[1:])
    call = ir.Function(unit.module, fnty, name=call_symbol(unit.prefix))
    b = ir.IRBuilder(call.append_basic_block("entry"))
    ctx = b.alloca(context_type(), name="ctx")
    arena = b.gep(ctx, [i32(0), i32(CTX_ARENA)], inbounds=True)
    if arena_used:
        b.call(_arena_function(unit.module, "relon_arena_init", ir.VoidType()), [arena])
    status = b.call(run, [ctx, *call.args])
    *_, out = call.args
    failed = b.icmp_signed("!=", status, i32(0))
    with b.if_else(failed) as (on_error, on_success):
        with on_error:
            if arena_used:
                b.call(_arena_function(unit.module, "relon_arena_free", void), [arena])
        with on_success:
            if any(is_heap(t) for t in results):
                handle = i64(0)
                if arena_used:
                    detach = _arena_function(unit.module, "relon_arena_detach", i64)
                    handle = b.call(detach, [arena])
                slot = b.gep(out, [i64(_SLOT * len(results))], source_etype=ir.IntType(8))
                b.store(handle, slot, align=8)
            elif arena_used:
                b.call(_arena_function(unit.module, "relon_arena_free", void), [arena])
    b.ret(status)
    return call


def _guarded(unit: CodegenUnit, name: str, target: ir.Function) -> ir.Function:
    """``i32 name(args of target...)`` calling ``target`` under ``relon_guard``.

    The arguments travel in a frame struct in the caller's stack; the thunk unpacks it.
    """
    from llvmlite import ir

    i32 = ir.IntType(32)
    ptr = ir.PointerType()
    guard = unit.module.globals.get("relon_guard") or ir.Function(
        unit.module, ir.FunctionType(i32, [ptr, ptr]), name="relon_guard"
    )
    arg_types = list(target.function_type.args)
    frame_type = ir.LiteralStructType(arg_types)
    thunk = ir.Function(unit.module, ir.FunctionType(i32, [ptr]), name=f"{name}.thunk")
    thunk.linkage = "internal"
    tb = ir.IRBuilder(thunk.append_basic_block("entry"))
    loaded = [
        tb.load(tb.gep(thunk.args[0], [i32(0), i32(i)], source_etype=frame_type), typ=t)
        for i, t in enumerate(arg_types)
    ]
    tb.ret(tb.call(target, loaded))
    wrapper = ir.Function(unit.module, target.function_type, name=name)
    wb = ir.IRBuilder(wrapper.append_basic_block("entry"))
    frame = wb.alloca(frame_type, name="frame")
    for i, arg in enumerate(wrapper.args):
        wb.store(arg, wb.gep(frame, [i32(0), i32(i)]))
    wb.ret(wb.call(guard, [thunk, frame]))
    return wrapper


def _define_host_export(unit: CodegenUnit, decl: HostDecl) -> None:
    """``i32 P_host_<h>(abi params..., ptr out)``: the gated host function, guarded."""
    from llvmlite import ir

    i32 = ir.IntType(32)
    host = decl.host
    params = [*(abi_type(t) for t in host.params), ir.PointerType()]
    inner = ir.Function(
        unit.module, ir.FunctionType(i32, params), name=f"{unit.prefix}.host.{host.name}"
    )
    inner.linkage = "internal"
    b = ir.IRBuilder(inner.append_basic_block("entry"))
    *values, out = inner.args
    args = [_from_abi(b, v, t) for v, t in zip(values, host.params, strict=True)]
    b.store(_to_abi(b, decl.call(b, args), host.result), out)
    b.ret(i32(0))
    _guarded(unit, host_symbol(unit.prefix, host.name), inner)


def _define_entries(unit: CodegenUnit, ir_module: IrModule, source_hash: int) -> None:
    from llvmlite import ir

    i64 = ir.IntType(64)
    run = _define_run(unit, ir_module)
    if unit.target.trap == "longjmp" and bool(ir_module.host_imports):
        run = _guarded(unit, f"{unit.prefix}.guarded", run)
        run.linkage = "internal"
    call = _define_call(unit, ir_module, run)
    define_batch(unit, ir_module, call)
    main_type = ir.FunctionType(ir.IntType(32), list(call.function_type.args)[2:])
    main = ir.Function(unit.module, main_type, name=main_symbol(unit.prefix))
    b = ir.IRBuilder(main.append_basic_block("entry"))
    b.ret(b.call(call, [i64(0), i64(-1), *main.args]))
    if is_scalar_rule(ir_module):
        _define_value_entries(unit, ir_module, call)
    hash_fn = ir.Function(unit.module, ir.FunctionType(i64, []), name=hash_symbol(unit.prefix))
    ir.IRBuilder(hash_fn.append_basic_block("entry")).ret(i64(source_hash))


_SENTINEL_KINDS = {IrType.INT: "Int", IrType.FLOAT: "Float", IrType.BOOL: "Bool"}


def _define_value_entries(unit: CodegenUnit, ir_module: IrModule, call: ir.Function) -> None:
    """``P_call_value`` and ``P_main_value``: ``P_call`` with the result returned.

    A bare foreign call returning a value costs a Python caller about half of one that
    passes an out pointer and checks a status (docs/performance.md); failures return the
    sentinel, and the loader asks ``P_call`` what happened.
    """
    from llvmlite import ir

    i32, i64 = ir.IntType(32), ir.IntType(64)
    result = ir_module.entry.result
    assert isinstance(result, IrType)
    ty = abi_type(result)
    sentinel = ir.Constant(ty, VALUE_SENTINELS[_SENTINEL_KINDS[result]])
    params = list(call.function_type.args)[:-1]
    fixed = {call_value_symbol(unit.prefix): (), main_value_symbol(unit.prefix): (0, -1)}
    for name, budget in fixed.items():
        fn = ir.Function(unit.module, ir.FunctionType(ty, params[len(budget) :]), name=name)
        b = ir.IRBuilder(fn.append_basic_block("entry"))
        out = b.alloca(ty, name="out")
        status = b.call(call, [*(i64(v) for v in budget), *fn.args, out])
        ok = b.icmp_signed("==", status, i32(0))
        b.ret(b.select(ok, b.load(out, typ=ty), sentinel))


def build_module(
    ir_module: IrModule, *, prefix: str, source_hash: int, target: Target
) -> ir.Module:
    """The complete (unoptimized) llvmlite module of one rule; triple and data layout
    are set by the caller."""
    from llvmlite import ir

    module = ir.Module(name=prefix)
    hosts = {h.name: _declare_host(module, h, target) for h in ir_module.host_imports}
    functions = _declare_internal(module, prefix, ir_module)
    # only calls need an unlimited copy: a module without them has its steps in loops
    unlimited = (
        _declare_internal(module, prefix, ir_module, ".unlimited") if ir_module.functions else {}
    )
    unit = CodegenUnit(module, target, prefix, functions, hosts, unlimited)
    for source in (ir_module.entry, *ir_module.functions):
        emit_function(unit, source, unlimited=False)
        if unlimited:
            emit_function(unit, source, unlimited=True)
    _define_entries(unit, ir_module, source_hash)
    if target.exports_gated_hosts:
        for decl in hosts.values():
            if decl.host.capabilities:
                _define_host_export(unit, decl)
    return module
