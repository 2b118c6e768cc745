"""Fused loops (:class:`~relon_build_backend.ir.nodes.Loop`) with the exact drain
semantics of the unfused chain.

Two loops are emitted over the same counter:

- the **fast loop** runs every stage and the terminal, with no bookkeeping beyond the
  step charge, so O3 sees a plain counted loop;
- the **drain loop** is entered when stage ``k`` fails at element ``i`` (the error
  becomes *pending*, ``active = k``), when ``init`` fails (``active`` = number of
  stages, from the first element) or when ``any``/``all`` is decided (``active`` =
  number of stages, nothing pending). It runs stages ``0..active-1`` over the remaining
  elements; a failing stage ``j`` replaces the pending error and sets ``active = j``.

After either loop ends the pending error (if any) is raised to the enclosing handler,
else the terminal's value is the result. ``StepLimitExceeded`` bypasses all of this
(the emitter routes it to the function-level handler).

**Loop versioning on the step budget** (:class:`_Versions`): when the steps one
iteration can charge have a static bound (``steps.py``), the fast and drain loops are
emitted twice, and the loop is entered into the *safe* pair, which charges without
checking, when the budget covers the element count times that bound; else into the
exact pair above. Both charge the same steps, so only the place a StepLimitExceeded
could be raised differs, and the safe pair is only taken when none can be.

A :class:`ListSource` is the counter ``0..len`` with each element loaded from the list.
A :class:`CollectTerminal` allocates its list up front with capacity = the source
length (for a range: its element count; a reservation of more than
:data:`MAX_COLLECT_BYTES` fails with ``StepLimitExceeded``, the contract's "resource
exhausted", on both targets alike, where wasm32 could never hold it and a native
``malloc`` might), then appends each element reaching it: no intermediate lists anywhere
in a chain.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ..ir.nodes import (
    AllTerminal,
    AnyTerminal,
    CollectTerminal,
    CountTerminal,
    ErrorKind,
    FilterStage,
    IrType,
    ListSource,
    Loop,
    MapStage,
    RangeSource,
    ReduceTerminal,
    SumTerminal,
)
from .arith import checked_add
from .frame import Handler
from .steps import iteration_steps
from .unit import llvm_type
from .values import ELEMENT_SIZE, alloc_array, load_element, make_pair, pair_parts, store_element

if TYPE_CHECKING:
    from llvmlite import ir

    from .frame import FunctionFrame

__all__ = ["MAX_COLLECT_BYTES", "emit_loop"]

#: the most bytes a collect over a range may reserve (half of wasm32's address space)
MAX_COLLECT_BYTES = 2**31


@dataclass(frozen=True, slots=True)
class _LoopState:
    """The slots and shared blocks of one loop."""

    loop: Loop
    start: ir.Value
    end: ir.Value
    items: ir.Value | None  # a ListSource's element array; None for a range
    index: ir.Value  # i64*: current element
    result: ir.Value  # accumulator / decided value
    pending: ir.Value  # i32*: pending status, 0 = none
    active: ir.Value  # i32*: stages still running while draining
    enter_drain: ir.Block  # advance past the current element, then drain
    drain_head: ir.Block
    exit: ir.Block


def _i32(value: int) -> ir.Constant:
    from llvmlite import ir

    return ir.IntType(32)(value)


def emit_loop(em: FunctionFrame, loop: Loop) -> ir.Value:
    """Emit ``loop`` at the builder's position; returns the terminal's value."""
    from llvmlite import ir

    bld = em.builder
    i64 = ir.IntType(64)
    items: ir.Value | None = None
    match loop.source:
        case RangeSource():
            start = em.emit(loop.source.start)
            end = em.emit(loop.source.end)
        case ListSource():
            items, end = pair_parts(em, em.emit(loop.source.list))
            start = i64(0)
    done = em.new_block("loop.exit")
    exact = _LoopState(
        loop=loop,
        start=start,
        end=end,
        items=items,
        index=em.alloca(i64, "loop.i"),
        result=em.alloca(llvm_type(loop.terminal.type), "loop.acc"),
        pending=em.alloca(ir.IntType(32), "loop.pending"),
        active=em.alloca(ir.IntType(32), "loop.active"),
        enter_drain=em.new_block("loop.enter_drain"),
        drain_head=em.new_block("loop.drain_head"),
        exit=done,
    )
    bld.store(start, exact.index)
    bld.store(_i32(0), exact.pending)
    versions = _versions(em, exact)
    init_failed = _emit_init(em, exact)
    _enter(em, versions, drain=False)
    if init_failed is not None:
        bld.position_at_end(init_failed)
        _enter(em, versions, drain=True)  # index is still ``start``
    _emit_fast_loop(em, exact, versions.exact_head)
    _emit_drain_loop(em, exact)
    if versions.safe is not None:
        outer = em.steps_slot
        with em.unchecked_steps(versions.steps):
            _emit_fast_loop(em, versions.safe, versions.safe_head)
            _emit_drain_loop(em, versions.safe)
        bld.position_at_end(versions.safe.exit)
        bld.store(bld.load(versions.steps, typ=i64), outer)
        bld.branch(done)
    bld.position_at_end(done)
    pending = bld.load(exact.pending, typ=ir.IntType(32))
    with bld.if_then(bld.icmp_signed("!=", pending, _i32(0)), likely=False):
        em.fail_status(pending)
    return bld.load(exact.result, typ=llvm_type(loop.terminal.type))


@dataclass(frozen=True, slots=True)
class _Versions:
    """The two versions of one loop (loop versioning on the step budget).

    ``exact`` charges and checks every step where it happens (StepLimitExceeded at
    exactly the iteration, call or host call that exhausts the budget). ``safe``, when
    the loop's charges have a static bound (:func:`~.steps.iteration_steps`), is taken
    when the budget covers ``count * per_iteration`` steps, so no charge in it can fail:
    it charges the same steps without checking them, into ``steps``, a local copy of the
    budget written back when the loop ends. Every charge is exact, so the budget left
    after the loop is the same in both; with an unlimited budget (or any budget, once
    LLVM folds the charges of a counted loop into one subtraction) the safe loop keeps
    no step bookkeeping at all. A resource error leaving the safe loop ends the whole
    call, so it never needs the budget written back.
    """

    exact: _LoopState
    exact_head: ir.Block
    safe: _LoopState | None
    safe_head: ir.Block
    steps: ir.Value  # i64*: the safe loop's budget
    count: ir.Value  # i64: the number of elements (computed before ``init``)
    per_iteration: int  # the most steps one iteration charges


def _versions(em: FunctionFrame, exact: _LoopState) -> _Versions:
    """The loop's versions. The element count is computed here, before ``init`` runs;
    the budget is read where the loop is entered (:func:`_enter`), after ``init``,
    whose own charges happen before the loop's."""
    from llvmlite import ir

    i64 = ir.IntType(64)
    # an unlimited copy charges nothing: its one version has no step bookkeeping
    per_iteration = None if em.unlimited else iteration_steps(exact.loop)
    exact_head = em.new_block("loop.head")
    if per_iteration is None:
        return _Versions(exact, exact_head, None, exact_head, em.steps_slot, i64(0), 0)
    bld = em.builder
    if exact.items is None:
        # end - start as unsigned is exact whenever end > start
        longer = bld.icmp_signed(">", exact.end, exact.start)
        count = bld.select(longer, bld.sub(exact.end, exact.start), i64(0))
    else:
        count = exact.end
    safe = replace(
        exact,
        enter_drain=em.new_block("loop.safe.enter_drain"),
        drain_head=em.new_block("loop.safe.drain_head"),
        exit=em.new_block("loop.safe.exit"),
    )
    return _Versions(
        exact,
        exact_head,
        safe,
        em.new_block("loop.safe.head"),
        em.alloca(i64, "loop.steps"),
        count,
        per_iteration,
    )


def _enter(em: FunctionFrame, versions: _Versions, *, drain: bool) -> None:
    """Branch into the loop (its fast loop, or its drain loop after a failing ``init``):
    the safe version when the budget left covers every step the loop can charge."""
    from llvmlite import ir

    bld = em.builder
    exact, safe = versions.exact, versions.safe
    if safe is None:
        bld.branch(exact.drain_head if drain else versions.exact_head)
        return
    left = bld.load(em.steps_slot, typ=ir.IntType(64))
    bld.store(left, versions.steps)
    # count * per_iteration <= left, without overflow: count <= left / per_iteration
    limit = (
        left if versions.per_iteration == 1 else bld.udiv(left, left.type(versions.per_iteration))
    )
    fits = bld.icmp_unsigned("<=", versions.count, limit)
    bld.cbranch(
        fits,
        safe.drain_head if drain else versions.safe_head,
        exact.drain_head if drain else versions.exact_head,
    )


def _emit_init(em: FunctionFrame, state: _LoopState) -> ir.Block | None:
    """Store the terminal's initial value. A failing ``init`` drains every stage: the
    block returned (open, ``active`` set) is where it fails, to branch into the drain
    loop; the builder continues after a successful ``init``."""
    from llvmlite import ir

    bld = em.builder
    terminal = state.loop.terminal
    match terminal:
        case ReduceTerminal():
            failed = em.new_block("loop.init_failed")
            with em.handling(Handler(state.pending, failed)):
                bld.store(em.emit(terminal.init), state.result)
            after = bld.block
            bld.position_at_end(failed)
            bld.store(_i32(len(state.loop.stages)), state.active)
            bld.position_at_end(after)
            return failed
        case SumTerminal(type=IrType.FLOAT):
            bld.store(ir.DoubleType()(0.0), state.result)
        case SumTerminal() | CountTerminal():
            bld.store(ir.IntType(64)(0), state.result)
        case AnyTerminal():
            bld.store(ir.IntType(1)(0), state.result)
        case AllTerminal():
            bld.store(ir.IntType(1)(1), state.result)
        case CollectTerminal():
            _reserve(em, state, terminal)
    return None


def _reserve(em: FunctionFrame, state: _LoopState, terminal: CollectTerminal) -> None:
    """The collected list starts empty with room for every source element."""
    from llvmlite import ir

    bld = em.builder
    i64 = ir.IntType(64)
    if state.items is None:
        # end - start as unsigned is exact whenever end > start
        longer = bld.icmp_signed(">", state.end, state.start)
        count = bld.select(longer, bld.sub(state.end, state.start), i64(0))
        limit = MAX_COLLECT_BYTES // ELEMENT_SIZE[terminal.type.element]
        too_many = bld.icmp_unsigned(">", count, i64(limit))
        em.fail_if(too_many, ErrorKind.VALUE_TOO_LARGE)
    else:
        count = state.end
    data = alloc_array(em, terminal.type.element, count)
    bld.store(make_pair(em, data, i64(0)), state.result)


def _source_element(em: FunctionFrame, state: _LoopState, index: ir.Value) -> ir.Value:
    """The source's element at ``index``: the counter itself for a range."""
    if state.items is None:
        return index
    source = state.loop.source
    assert isinstance(source, ListSource)
    list_type = source.list.type
    assert isinstance(list_type, IrType)
    return load_element(em, state.items, index, list_type.element)


def _failing_to(em: FunctionFrame, state: _LoopState, stage: int, then: ir.Block) -> Handler:
    """A handler making the error pending with ``active = stage``, continuing at ``then``."""
    from llvmlite import ir

    block = em.new_block(f"loop.fail{stage}")
    builder = ir.IRBuilder(block)
    builder.store(_i32(stage), state.active)
    builder.branch(then)
    return Handler(state.pending, block)


def _emit_stages(
    em: FunctionFrame, state: _LoopState, next_element: ir.Block, *, draining: bool
) -> ir.Value:
    """Run the stages on the current element; returns the element after the last map.
    Dropped elements (filters) branch to ``next_element``."""
    from llvmlite import ir

    bld = em.builder
    element = _source_element(em, state, bld.load(state.index, typ=ir.IntType(64)))
    active = bld.load(state.active, typ=ir.IntType(32)) if draining else None
    on_fail = next_element if draining else state.enter_drain
    for k, stage in enumerate(state.loop.stages):
        if active is not None:
            run = em.new_block(f"loop.stage{k}")
            bld.cbranch(bld.icmp_signed(">", active, _i32(k)), run, next_element)
            bld.position_at_end(run)
        em.locals[stage.var] = element
        with em.handling(_failing_to(em, state, k, on_fail)):
            match stage:
                case MapStage():
                    element = em.emit(stage.value)
                case FilterStage():
                    keep = em.emit(stage.condition)
                    kept = em.new_block(f"loop.kept{k}")
                    bld.cbranch(keep, kept, next_element)
                    bld.position_at_end(kept)
    return element


def _emit_fast_loop(em: FunctionFrame, state: _LoopState, head: ir.Block) -> None:
    from llvmlite import ir

    bld = em.builder
    i64 = ir.IntType(64)
    body, latch = em.new_block("loop.body"), em.new_block("loop.latch")
    bld.position_at_end(head)
    index = bld.load(state.index, typ=i64)
    bld.cbranch(bld.icmp_signed("<", index, state.end), body, state.exit)
    bld.position_at_end(body)
    em.charge_step()
    element = _emit_stages(em, state, latch, draining=False)
    with em.handling(_failing_to(em, state, len(state.loop.stages), state.enter_drain)):
        _emit_terminal(em, state, element)
    bld.branch(latch)
    bld.position_at_end(latch)
    bld.store(bld.add(bld.load(state.index, typ=i64), i64(1), flags=["nsw"]), state.index)
    bld.branch(head)


def _emit_terminal(em: FunctionFrame, state: _LoopState, element: ir.Value) -> None:
    from llvmlite import ir

    bld = em.builder
    terminal = state.loop.terminal
    ty = llvm_type(terminal.type)
    match terminal:
        case ReduceTerminal():
            em.locals[terminal.acc] = bld.load(state.result, typ=ty)
            em.locals[terminal.var] = element
            bld.store(em.emit(terminal.update), state.result)
        case SumTerminal(type=IrType.FLOAT):
            bld.store(bld.fadd(bld.load(state.result, typ=ty), element), state.result)
        case SumTerminal():
            bld.store(checked_add(em, bld.load(state.result, typ=ty), element), state.result)
        case CountTerminal():
            bld.store(bld.add(bld.load(state.result, typ=ty), ir.IntType(64)(1)), state.result)
        case CollectTerminal():
            collected = bld.load(state.result, typ=ty)
            data, count = pair_parts(em, collected)
            store_element(em, data, count, terminal.type.element, element)
            filled = make_pair(em, data, bld.add(count, ir.IntType(64)(1), flags=["nsw"]))
            bld.store(filled, state.result)
        case AnyTerminal() | AllTerminal():
            em.locals[terminal.var] = element
            holds = em.emit(terminal.condition)
            decided = holds if isinstance(terminal, AnyTerminal) else bld.not_(holds)
            with bld.if_then(decided, likely=False):
                bld.store(ir.IntType(1)(isinstance(terminal, AnyTerminal)), state.result)
                _decide(em, state)


def _decide(em: FunctionFrame, state: _LoopState) -> None:
    """any/all decided: stop, or drain the stages before the terminal (nothing pending)."""
    bld = em.builder
    stages = len(state.loop.stages)
    if stages == 0:
        bld.branch(state.exit)
        return
    bld.store(_i32(stages), state.active)
    bld.branch(state.enter_drain)


def _emit_drain_loop(em: FunctionFrame, state: _LoopState) -> None:
    from llvmlite import ir

    bld = em.builder
    i64 = ir.IntType(64)
    bld.position_at_end(state.enter_drain)
    bld.store(bld.add(bld.load(state.index, typ=i64), i64(1), flags=["nsw"]), state.index)
    bld.branch(state.drain_head)
    body, latch = em.new_block("loop.drain_body"), em.new_block("loop.drain_latch")
    check, idle = em.new_block("loop.drain_check"), em.new_block("loop.drain_idle")
    bld.position_at_end(state.drain_head)
    index = bld.load(state.index, typ=i64)
    bld.cbranch(bld.icmp_signed("<", index, state.end), check, state.exit)
    bld.position_at_end(check)
    idle_now = bld.icmp_signed("==", bld.load(state.active, typ=ir.IntType(32)), _i32(0))
    bld.cbranch(idle_now, idle, body)
    bld.position_at_end(idle)
    # no stage left to run: the remaining iterations only charge their steps, so
    # charge them at once instead of spinning (same result, O(1))
    em.charge_steps(bld.sub(state.end, index))
    bld.branch(state.exit)
    bld.position_at_end(body)
    em.charge_step()
    _emit_stages(em, state, latch, draining=True)
    bld.branch(latch)  # the terminal never runs while draining
    bld.position_at_end(latch)
    bld.store(bld.add(bld.load(state.index, typ=i64), i64(1), flags=["nsw"]), state.index)
    bld.branch(state.drain_head)
