"""Emit the body of one Relon IR :class:`~relon_build_backend.ir.nodes.Function` as an
internal LLVM function ``T @<P>.fn.<name>(ptr ctx, params...)``.

:class:`FunctionEmitter` is the node dispatch over the state in ``frame.py`` (how
errors are raised is described there); each case hands off to the per-node emitters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..exhaustive import unreachable
from ..ir.nodes import (
    MAX_CALL_DEPTH,
    And,
    Binary,
    Call,
    Concat,
    Const,
    ErrorKind,
    Expect,
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
from . import arith, lists, loops, strings
from .frame import FunctionFrame
from .unit import (
    CTX_CAPS,
    CTX_RESULT_LEN,
    CTX_STATUS,
    CTX_STEPS,
    CodegenUnit,
    is_heap,
    llvm_type,
    result_type,
)
from .values import leave_note, leave_note_value, make_pair, pair_parts, string_constant

if TYPE_CHECKING:
    from llvmlite import ir

__all__ = ["FunctionEmitter", "emit_function"]


class FunctionEmitter(FunctionFrame):
    """A :class:`FunctionFrame` that emits IR nodes: one case per node type."""

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
                rhs = self.emit(right)
                if op.value.startswith("list<"):  # list == and !=
                    element = IrType(op.value.partition(".")[0]).element
                    equal = lists.lists_equal(self, element, lhs, rhs)
                    return equal if op.value.endswith(".eq") else b.not_(equal)
                return arith.emit_binary(self, op, lhs, rhs)
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
                return loops.emit_loop(self, expr)
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
            case Expect(condition=condition, message=message):
                holds = self.emit(condition)
                with b.if_then(b.not_(holds), likely=False):
                    # the loader raises the note as the error's text
                    leave_note_value(self, self.emit(message))
                    self.fail(ErrorKind.VALIDATION_ERROR)
                return ir.IntType(1)(1)
            case MakeTuple(elements=elements):
                values = [self.emit(e) for e in elements]
                tuple_value: ir.Value = ir.Constant(result_type(expr.type), None)
                for i, value in enumerate(values):
                    tuple_value = b.insert_value(tuple_value, value, i)
                return tuple_value
            case _:
                unreachable(expr)

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
        # the callee charges the context's budget: no loop may hold a copy of it here
        assert self.steps_slot is self.field(CTX_STEPS), "a call in an unchecked-steps loop"
        self.charge_step()
        i32 = ir.IntType(32)
        too_deep = b.icmp_signed(">=", self.depth, i32(MAX_CALL_DEPTH))
        self.fail_if(too_deep, ErrorKind.RECURSION_LIMIT_EXCEEDED)
        callees = self.unit.unlimited if self.unlimited else self.unit.functions
        deeper = b.add(self.depth, i32(1), flags=["nsw", "nuw"])
        result = b.call(callees[expr.function], [self.ctx, deeper, *args])
        if is_heap(expr.type):
            # read the length before anything else can return through the context
            length = b.load(self.field(CTX_RESULT_LEN), typ=ir.IntType(64))
            result = make_pair(self, result, length)
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
            with b.if_then(missing, likely=False):
                leave_note(self, expr.name)  # the loader names the host and its capability
                self.fail(ErrorKind.CAPABILITY_DENIED)
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


def emit_function(unit: CodegenUnit, source: Function, *, unlimited: bool) -> None:
    """Emit the body of ``source`` into its (already declared) internal function, or
    into its copy charging no steps (``unlimited``, see ``unit.py``)."""
    function = (unit.unlimited if unlimited else unit.functions)[source.name]
    emitter = FunctionEmitter(unit, function, unlimited=unlimited)
    for param, arg in zip(source.params, function.args[2:], strict=True):
        emitter.locals[param.name] = arg
    result = emitter.emit(source.body)
    if isinstance(source.result, IrType) and is_heap(source.result):
        ptr, length = pair_parts(emitter, result)
        emitter.builder.store(length, emitter.field(CTX_RESULT_LEN))
        result = ptr
    emitter.builder.ret(result)
    emitter.finish()
