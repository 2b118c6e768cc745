"""Emit the body of one Relon IR :class:`~relon_build_backend.ir.nodes.Function` as an
internal LLVM function ``T @<P>.fn.<name>(ptr ctx, params...)``.

Errors never trap: raising an :class:`ErrorKind` stores its status into the current
*handler*'s slot and branches to the handler's block. The function-level handler's slot
is ``ctx.status`` and its block returns; a fused loop installs handlers of its own so a
stage error becomes the loop's pending error (see ``loops.py``). ``StepLimitExceeded``
always goes to the function-level handler: it is raised at once, even inside a loop.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, NoReturn

from ..ir.nodes import (
    MAX_CALL_DEPTH,
    And,
    Binary,
    Call,
    Concat,
    Const,
    ErrorKind,
    Expr,
    Function,
    HostCall,
    If,
    IntToFloat,
    IrType,
    Let,
    ListCall,
    ListLiteral,
    Local,
    Loop,
    MakeTuple,
    MathCall,
    Not,
    Or,
    StrCall,
    ToText,
    Unary,
)
from . import arith, lists, strings
from .unit import (
    CTX_CAPS,
    CTX_DEPTH,
    CTX_RESULT_LEN,
    CTX_STATUS,
    CTX_STEPS,
    CodegenUnit,
    context_type,
    is_heap,
    llvm_type,
    result_type,
)
from .values import make_pair, pair_parts, string_constant

if TYPE_CHECKING:
    from llvmlite import ir

__all__ = ["FunctionEmitter", "Handler", "emit_function"]


@dataclass(frozen=True, slots=True)
class Handler:
    """Where a raised status goes: stored into ``slot`` (an ``i32*``), then ``block``."""

    slot: ir.Value
    block: ir.Block


class FunctionEmitter:
    """Lifecycle object for one internal function: owns the builder, the locals and the
    handler stack while the body is emitted."""

    def __init__(self, unit: CodegenUnit, function: ir.Function) -> None:
        from llvmlite import ir

        self.unit = unit
        self.function = function
        self._entry = function.append_basic_block("entry")
        self._body = function.append_basic_block("body")
        self.builder = ir.IRBuilder(self._body)
        self.ctx: ir.Value = function.args[0]
        self._fields: dict[int, ir.Value] = {}
        self.locals: dict[str, ir.Value] = {}
        fail = function.append_basic_block("fail")
        ret_type = function.function_type.return_type
        ir.IRBuilder(fail).ret(ir.Constant(ret_type, None))
        self.function_handler = Handler(self.field(CTX_STATUS), fail)
        self._handlers: list[Handler] = [self.function_handler]

    # ------------------------------------------------------------------ helpers

    def field(self, index: int) -> ir.Value:
        """Pointer to a context field (emitted once, in the entry block, so it dominates
        every use)."""
        from llvmlite import ir

        if index not in self._fields:
            i32 = ir.IntType(32)
            builder = ir.IRBuilder(self._entry)
            self._fields[index] = builder.gep(
                self.ctx, [i32(0), i32(index)], inbounds=True, source_etype=context_type()
            )
        return self._fields[index]

    def alloca(self, ty: ir.Type, name: str = "") -> ir.Value:
        """A stack slot in the entry block (so mem2reg promotes it)."""
        from llvmlite import ir

        return ir.IRBuilder(self._entry).alloca(ty, name=name)

    def finish(self) -> None:
        """Close the entry block (it only holds allocas and context GEPs)."""
        from llvmlite import ir

        ir.IRBuilder(self._entry).branch(self._body)

    @property
    def handler(self) -> Handler:
        return self._handlers[-1]

    @contextmanager
    def handling(self, handler: Handler) -> Iterator[None]:
        self._handlers.append(handler)
        try:
            yield
        finally:
            self._handlers.pop()

    def new_block(self, name: str) -> ir.Block:
        return self.function.append_basic_block(name)

    # ------------------------------------------------------------------ raising

    def fail(self, kind: ErrorKind) -> None:
        """Raise ``kind`` here (terminates the current block)."""
        from llvmlite import ir

        target = self.function_handler if kind is ErrorKind.STEP_LIMIT_EXCEEDED else self.handler
        self.builder.store(ir.IntType(32)(int(kind)), target.slot)
        self.builder.branch(target.block)

    def fail_if(self, cond: ir.Value, kind: ErrorKind) -> None:
        """Raise ``kind`` when ``cond`` (i1) is true; continue in a fresh block otherwise."""
        with self.builder.if_then(cond, likely=False):
            self.fail(kind)

    def fail_status(self, status: ir.Value) -> None:
        """Raise a dynamic non-zero status, routing StepLimitExceeded to the function."""
        from llvmlite import ir

        handler = self.handler
        if handler is self.function_handler:
            self.builder.store(status, handler.slot)
            self.builder.branch(handler.block)
            return
        steps = self.builder.icmp_signed(
            "==", status, ir.IntType(32)(int(ErrorKind.STEP_LIMIT_EXCEEDED))
        )
        with self.builder.if_then(steps, likely=False):
            self.fail(ErrorKind.STEP_LIMIT_EXCEEDED)
        self.builder.store(status, handler.slot)
        self.builder.branch(handler.block)

    def charge_step(self) -> None:
        """Charge one step before a loop iteration or a call (budget 0 -> fail)."""
        from llvmlite import ir

        i64 = ir.IntType(64)
        slot = self.field(CTX_STEPS)
        left = self.builder.load(slot, typ=i64)
        self.fail_if(self.builder.icmp_unsigned("==", left, i64(0)), ErrorKind.STEP_LIMIT_EXCEEDED)
        self.builder.store(self.builder.sub(left, i64(1)), slot)

    def charge_steps(self, count: ir.Value) -> None:
        """Charge ``count`` steps (an unsigned i64) at once; fails like ``count``
        single charges would (the budget is smaller than ``count``)."""
        from llvmlite import ir

        slot = self.field(CTX_STEPS)
        left = self.builder.load(slot, typ=ir.IntType(64))
        self.fail_if(self.builder.icmp_unsigned("<", left, count), ErrorKind.STEP_LIMIT_EXCEEDED)
        self.builder.store(self.builder.sub(left, count), slot)

    # ------------------------------------------------------------------ expressions

    def emit(self, expr: Expr) -> ir.Value:  # noqa: RET503 - the match is exhaustive
        """Emit ``expr`` at the builder's position; returns its value."""
        from llvmlite import ir

        b = self.builder
        match expr:
            case Const(value=value, type=ty):
                if ty is IrType.FLOAT:
                    return ir.DoubleType()(float(value))
                if ty is IrType.STRING:
                    return string_constant(self, str(value))
                return llvm_type(ty)(int(value))
            case Local(name=name):
                return self.locals[name]
            case Let(name=name, value=value, body=body):
                self.locals[name] = self.emit(value)
                return self.emit(body)
            case Unary(op=op, operand=operand):
                return arith.emit_unary(self, op, self.emit(operand))
            case Not(operand=operand):
                return b.not_(self.emit(operand))
            case Binary(op=op, left=left, right=right):
                lhs = self.emit(left)
                return arith.emit_binary(self, op, lhs, self.emit(right))
            case IntToFloat(operand=operand):
                return b.sitofp(self.emit(operand), ir.DoubleType())
            case And(left=left, right=right):
                return self._short_circuit(left, right, stop_on=False)
            case Or(left=left, right=right):
                return self._short_circuit(left, right, stop_on=True)
            case If():
                return self._emit_if(expr)
            case Call():
                return self._emit_call(expr)
            case HostCall():
                return self._emit_host_call(expr)
            case MathCall(op=op, args=args):
                return arith.emit_math(self, op, [self.emit(a) for a in args])
            case Loop():
                from .loops import emit_loop

                return emit_loop(self, expr)
            case ToText(operand=operand):
                return strings.emit_to_text(self, _value_type(operand), self.emit(operand))
            case Concat(parts=parts):
                return strings.emit_concat(self, [self.emit(p) for p in parts])
            case StrCall(op=op, args=args):
                return strings.emit_str_call(self, op, [self.emit(a) for a in args])
            case ListLiteral(elements=elements, type=ty):
                return lists.emit_list_literal(self, ty, [self.emit(e) for e in elements])
            case ListCall(op=op, args=args):
                values = [self.emit(a) for a in args]
                return lists.emit_list_call(self, op, _value_type(args[0]), values)
            case MakeTuple(elements=elements):
                values = [self.emit(e) for e in elements]
                tuple_value: ir.Value = ir.Constant(result_type(expr.type), None)
                for i, value in enumerate(values):
                    tuple_value = b.insert_value(tuple_value, value, i)
                return tuple_value
            case _:
                _unreachable(expr)

    def _short_circuit(self, left: Expr, right: Expr, *, stop_on: bool) -> ir.Value:
        from llvmlite import ir

        b = self.builder
        lhs = self.emit(left)
        left_end = b.block
        rhs_block, done = self.new_block("sc.rhs"), self.new_block("sc.done")
        if stop_on:
            b.cbranch(lhs, done, rhs_block)
        else:
            b.cbranch(lhs, rhs_block, done)
        b.position_at_end(rhs_block)
        rhs = self.emit(right)
        rhs_end = b.block
        b.branch(done)
        b.position_at_end(done)
        phi = b.phi(ir.IntType(1))
        phi.add_incoming(ir.IntType(1)(int(stop_on)), left_end)
        phi.add_incoming(rhs, rhs_end)
        return phi

    def _emit_if(self, expr: If) -> ir.Value:
        b = self.builder
        cond = self.emit(expr.condition)
        then_block, else_block = self.new_block("if.then"), self.new_block("if.else")
        done = self.new_block("if.done")
        b.cbranch(cond, then_block, else_block)
        incoming: list[tuple[ir.Value, ir.Block]] = []
        for block, branch in ((then_block, expr.then), (else_block, expr.otherwise)):
            b.position_at_end(block)
            value = self.emit(branch)
            incoming.append((value, b.block))
            b.branch(done)
        b.position_at_end(done)
        phi = b.phi(llvm_type(expr.type))
        for value, block in incoming:
            phi.add_incoming(value, block)
        return phi

    def _emit_call(self, expr: Call) -> ir.Value:
        from llvmlite import ir

        b = self.builder
        assert expr.function in self.unit.functions, f"call to unknown {expr.function!r}"
        args = [self.emit(a) for a in expr.args]
        self.charge_step()
        i32 = ir.IntType(32)
        depth_slot = self.field(CTX_DEPTH)
        depth = b.load(depth_slot, typ=i32)
        self.fail_if(b.icmp_signed(">=", depth, i32(MAX_CALL_DEPTH)), ErrorKind.STEP_LIMIT_EXCEEDED)
        b.store(b.add(depth, i32(1)), depth_slot)
        result = b.call(self.unit.functions[expr.function], [self.ctx, *args])
        if is_heap(expr.type):
            # read the length before anything else can return through the context
            length = b.load(self.field(CTX_RESULT_LEN), typ=ir.IntType(64))
            result = make_pair(self, result, length)
        b.store(depth, depth_slot)
        self._check_callee_status()
        return result

    def _check_callee_status(self) -> None:
        from llvmlite import ir

        b = self.builder
        i32 = ir.IntType(32)
        status_slot = self.field(CTX_STATUS)
        status = b.load(status_slot, typ=i32)
        with b.if_then(b.icmp_signed("!=", status, i32(0)), likely=False):
            # clear it: an enclosing loop may keep running after taking it as pending
            b.store(i32(0), status_slot)
            self.fail_status(status)

    def _emit_host_call(self, expr: HostCall) -> ir.Value:
        from llvmlite import ir

        from ..frontend.hosts import capability_mask

        b = self.builder
        assert expr.name in self.unit.hosts, f"host call to undeclared {expr.name!r}"
        decl = self.unit.hosts[expr.name]
        mask = capability_mask(frozenset(decl.host.capabilities))
        if mask:
            i64 = ir.IntType(64)
            caps = b.load(self.field(CTX_CAPS), typ=i64)
            missing = b.icmp_unsigned("!=", b.and_(caps, i64(mask)), i64(mask))
            self.fail_if(missing, ErrorKind.CAPABILITY_DENIED)
        self.charge_step()
        args = [self.emit(a) for a in expr.args]
        if not decl.wasm_import:
            return decl.call(b, args)
        i32 = ir.IntType(32)
        wide = [b.zext(a, i32) if a.type == ir.IntType(1) else a for a in args]
        result = b.call(decl.function, wide)
        if decl.host.result is IrType.BOOL:
            return b.icmp_unsigned("!=", result, i32(0))
        return result


def _value_type(expr: Expr) -> IrType:
    """The type of a value expression (only the entry's MakeTuple is a tuple)."""
    ty = expr.type
    assert isinstance(ty, IrType), f"tuple used as a value: {expr!r}"
    return ty


def _unreachable(value: NoReturn) -> NoReturn:
    raise AssertionError(f"unhandled IR node {value!r}")


def emit_function(unit: CodegenUnit, source: Function) -> None:
    """Emit the body of ``source`` into its (already declared) internal function."""
    function = unit.functions[source.name]
    emitter = FunctionEmitter(unit, function)
    for param, arg in zip(source.params, function.args[1:], strict=True):
        emitter.locals[param.name] = arg
    result = emitter.emit(source.body)
    if isinstance(source.result, IrType) and is_heap(source.result):
        ptr, length = pair_parts(emitter, result)
        emitter.builder.store(length, emitter.field(CTX_RESULT_LEN))
        result = ptr
    emitter.builder.ret(result)
    emitter.finish()
