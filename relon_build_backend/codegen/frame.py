"""The state of one internal function while its body is emitted: builder, locals,
context fields and the error-handler stack.

Errors never trap: raising an :class:`ErrorKind` stores its status into the current
*handler*'s slot and branches to the handler's block. The function-level handler's slot
is ``ctx.status`` and its block returns; a fused loop installs handlers of its own so a
stage error becomes the loop's pending error (see ``loops.py``). The resource errors
(``abi.RESOURCE_STATUSES``) always go to the function-level handler: they are raised at
once, even inside a loop.

Kept apart from the node dispatch in ``emitter.py`` so the per-node emitters
(``arith``, ``strings``, ``lists``, ``loops``, ``values``) depend on this frame only and
the imports run one way.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .._relon_runtime.abi import RESOURCE_STATUSES
from ..ir.nodes import ErrorKind, Expr
from .unit import CTX_STATUS, CTX_STEPS, CodegenUnit, context_type

if TYPE_CHECKING:
    from llvmlite import ir

__all__ = ["FunctionFrame", "Handler"]


@dataclass(frozen=True, slots=True)
class Handler:
    """Where a raised status goes: stored into ``slot`` (an ``i32*``), then ``block``."""

    slot: ir.Value
    block: ir.Block


class FunctionFrame:
    """Lifecycle object for one internal function: owns the builder, the locals and the
    handler stack while the body is emitted. The node dispatch (:meth:`emit`) is
    :class:`~.emitter.FunctionEmitter`'s; the per-node emitters see only this frame."""

    def __init__(self, unit: CodegenUnit, function: ir.Function, *, unlimited: bool) -> None:
        from llvmlite import ir

        self.unit = unit
        self.function = function
        #: the copy of the function run with an unlimited budget: it charges no steps
        self.unlimited = unlimited
        self._entry = function.append_basic_block("entry")
        self._body = function.append_basic_block("body")
        self.builder = ir.IRBuilder(self._body)
        self.ctx: ir.Value = function.args[0]
        #: the number of calls active while this function runs (``unit.py``)
        self.depth: ir.Value = function.args[1]
        self._fields: dict[int, ir.Value] = {}
        self.locals: dict[str, ir.Value] = {}
        fail = function.append_basic_block("fail")
        ret_type = function.function_type.return_type
        ir.IRBuilder(fail).ret(ir.Constant(ret_type, None))
        self.function_handler = Handler(self.field(CTX_STATUS), fail)
        self._handlers: list[Handler] = [self.function_handler]
        # where steps are charged: the context's budget, or a versioned loop's local
        # copy of it (see ``loops.py``), and whether a charge checks for exhaustion
        self._steps: ir.Value = self.field(CTX_STEPS)
        self._steps_checked = True

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

    @property
    def steps_slot(self) -> ir.Value:
        """The ``i64*`` the step charges go to right now."""
        return self._steps

    @contextmanager
    def unchecked_steps(self, slot: ir.Value) -> Iterator[None]:
        """Charge steps into ``slot`` without checking the budget: for code the caller
        has proven cannot exhaust it (a versioned loop whose budget covers every charge
        it can make). The charges stay exact, so the budget left afterwards is too."""
        saved = self._steps, self._steps_checked
        self._steps, self._steps_checked = slot, False
        try:
            yield
        finally:
            self._steps, self._steps_checked = saved

    def new_block(self, name: str) -> ir.Block:
        return self.function.append_basic_block(name)

    # ------------------------------------------------------------------ raising

    def fail(self, kind: int) -> None:
        """Raise ``kind`` here (terminates the current block)."""
        from llvmlite import ir

        target = self.function_handler if kind in RESOURCE_STATUSES else self.handler
        self.builder.store(ir.IntType(32)(int(kind)), target.slot)
        self.builder.branch(target.block)

    def fail_if(self, cond: ir.Value, kind: int) -> None:
        """Raise ``kind`` when ``cond`` (i1) is true; continue in a fresh block otherwise."""
        with self.builder.if_then(cond, likely=False):
            self.fail(kind)

    def fail_status(self, status: ir.Value) -> None:
        """Raise a dynamic non-zero status, routing the resource errors to the function."""
        from llvmlite import ir

        handler = self.handler
        if handler is self.function_handler:
            self.builder.store(status, handler.slot)
            self.builder.branch(handler.block)
            return
        for kind in sorted(RESOURCE_STATUSES):
            exhausted = self.builder.icmp_signed("==", status, ir.IntType(32)(int(kind)))
            with self.builder.if_then(exhausted, likely=False):
                self.fail(kind)
        self.builder.store(status, handler.slot)
        self.builder.branch(handler.block)

    def charge_step(self) -> None:
        """Charge one step before a loop iteration or a call (budget 0 -> fail)."""
        from llvmlite import ir

        self.charge_steps(ir.IntType(64)(1))

    def charge_steps(self, count: ir.Value) -> None:
        """Charge ``count`` steps (an unsigned i64) at once; fails like ``count``
        single charges would (the budget is smaller than ``count``). Charges nothing in
        an unlimited copy."""
        from llvmlite import ir

        if self.unlimited:
            return
        slot = self._steps
        left = self.builder.load(slot, typ=ir.IntType(64))
        if self._steps_checked:
            short = self.builder.icmp_unsigned("<", left, count)
            self.fail_if(short, ErrorKind.STEP_LIMIT_EXCEEDED)
        self.builder.store(self.builder.sub(left, count), slot)

    def emit(self, expr: Expr) -> ir.Value:
        """Emit ``expr`` at the builder's position; returns its value."""
        raise NotImplementedError
