"""Operators and math functions with Relon's exact semantics (docs: ir/nodes.py).

- Int arithmetic is checked; a failing check raises through the emitter's handler.
- On wasm32, i64 multiplication overflow is tested without ``llvm.smul.with.overflow``:
  it lowers to the i128 libcall ``__multi3``, whose operands and result live on the
  64 KiB shadow stack, 16 bytes in every frame that multiplies -- recursion would
  overflow it long before ``MAX_CALL_DEPTH``. Operands that both fit in 32 bits cannot
  overflow (the fast path); otherwise magnitudes are compared by unsigned division,
  ``|a| > limit / |b|``. A ``p / a != b`` test would not do: O3 folds it back into
  ``llvm.smul.with.overflow`` once ``a`` is a known constant.
- Float operations never use fast-math flags. ``pow`` calls the runtime's
  ``relon_rt_pow``, which gives the same bits on every target.
- ``min``/``max`` propagate NaN, and for equal operands pick by sign bit, so
  ``min(-0.0, 0.0) == -0.0`` and ``max(-0.0, 0.0) == 0.0`` on every target (``llvm.minnum``
  would drop the NaN and leave the zero sign unspecified).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from ..ir.nodes import BinOp, ErrorKind, MathOp, UnOp
from .unit import intrinsic
from .values import runtime_call

if TYPE_CHECKING:
    from llvmlite import ir

    from .frame import FunctionFrame

__all__ = ["checked_add", "emit_binary", "emit_math", "emit_unary", "float_eq"]

_I64_MIN = -(2**63)

_INT_CMP = {
    BinOp.INT_EQ: "==",
    BinOp.INT_NE: "!=",
    BinOp.INT_LT: "<",
    BinOp.INT_LE: "<=",
    BinOp.INT_GT: ">",
    BinOp.INT_GE: ">=",
    BinOp.BOOL_EQ: "==",
    BinOp.BOOL_NE: "!=",
}
_FLOAT_CMP = {BinOp.FLOAT_LT: "<", BinOp.FLOAT_LE: "<=", BinOp.FLOAT_GT: ">", BinOp.FLOAT_GE: ">="}
_STRING_ORDER = {
    BinOp.STRING_LT: "<",
    BinOp.STRING_LE: "<=",
    BinOp.STRING_GT: ">",
    BinOp.STRING_GE: ">=",
}
_FLOAT_UNARY = {
    MathOp.FLOAT_ABS: "llvm.fabs.f64",
    MathOp.FLOAT_FLOOR: "llvm.floor.f64",
    MathOp.FLOAT_CEIL: "llvm.ceil.f64",
    MathOp.FLOAT_ROUND: "llvm.roundeven.f64",
    MathOp.FLOAT_SQRT: "llvm.sqrt.f64",
}


def _i64(value: int) -> ir.Constant:
    from llvmlite import ir

    return ir.IntType(64)(value)


def _checked(em: FunctionFrame, pair: ir.Value) -> ir.Value:
    """Unpack an ``llvm.s*.with.overflow`` result, raising on overflow."""
    em.fail_if(em.builder.extract_value(pair, 1), ErrorKind.NUMERIC_OVERFLOW)
    return em.builder.extract_value(pair, 0)


def checked_add(em: FunctionFrame, a: ir.Value, b: ir.Value) -> ir.Value:
    return _checked(em, em.builder.sadd_with_overflow(a, b))


def _checked_sub(em: FunctionFrame, a: ir.Value, b: ir.Value) -> ir.Value:
    return _checked(em, em.builder.ssub_with_overflow(a, b))


def checked_mul(em: FunctionFrame, a: ir.Value, b: ir.Value) -> ir.Value:
    from llvmlite import ir

    bld = em.builder
    if em.unit.target.fast_mul_overflow:
        return _checked(em, bld.smul_with_overflow(a, b))
    i1, i32 = ir.IntType(1), ir.IntType(32)
    small = bld.and_(
        *(bld.icmp_signed("==", bld.sext(bld.trunc(x, i32), x.type), x) for x in (a, b))
    )
    fast, slow, done = bld.block, em.new_block("mul.slow"), em.new_block("mul.done")
    bld.cbranch(small, done, slow)
    bld.position_at_end(slow)
    overflowed = _mul_overflows(bld, a, b)
    slow_end = bld.block
    bld.branch(done)
    bld.position_at_end(done)
    flag = bld.phi(i1)
    flag.add_incoming(i1(0), fast)
    flag.add_incoming(overflowed, slow_end)
    em.fail_if(flag, ErrorKind.NUMERIC_OVERFLOW)
    return bld.mul(a, b)


def _mul_overflows(bld: ir.IRBuilder, a: ir.Value, b: ir.Value) -> ir.Value:
    """Whether ``a * b`` overflows i64, without a 128-bit multiply (module docstring)."""
    a_neg, b_neg = bld.icmp_signed("<", a, _i64(0)), bld.icmp_signed("<", b, _i64(0))
    # magnitudes as unsigned: the wrapping negation of i64 MIN is 2**63, as needed
    mag_a = bld.select(a_neg, bld.neg(a), a)
    mag_b = bld.select(b_neg, bld.neg(b), b)
    limit = bld.select(bld.xor(a_neg, b_neg), _i64(_I64_MIN), _i64(-_I64_MIN - 1))
    b_zero = bld.icmp_unsigned("==", mag_b, _i64(0))
    quotient = bld.udiv(limit, bld.select(b_zero, _i64(1), mag_b))  # never divides by 0
    return bld.and_(bld.not_(b_zero), bld.icmp_unsigned(">", mag_a, quotient))


def emit_unary(em: FunctionFrame, op: UnOp, value: ir.Value) -> ir.Value:
    if op is UnOp.INT_NEG:
        return _checked_sub(em, _i64(0), value)
    return em.builder.fneg(value)


def _int_division(em: FunctionFrame, a: ir.Value, b: ir.Value, *, rem: bool) -> ir.Value:
    bld = em.builder
    em.fail_if(bld.icmp_signed("==", b, _i64(0)), ErrorKind.DIVISION_BY_ZERO)
    overflow = bld.and_(
        bld.icmp_signed("==", a, _i64(_I64_MIN)), bld.icmp_signed("==", b, _i64(-1))
    )
    em.fail_if(overflow, ErrorKind.NUMERIC_OVERFLOW)
    return bld.srem(a, b) if rem else bld.sdiv(a, b)


def _float_division(em: FunctionFrame, a: ir.Value, b: ir.Value, *, rem: bool) -> ir.Value:
    from llvmlite import ir

    bld = em.builder
    zero = bld.fcmp_ordered("==", b, ir.DoubleType()(0.0))  # true for +0.0 and -0.0
    em.fail_if(zero, ErrorKind.DIVISION_BY_ZERO)
    return bld.frem(a, b) if rem else bld.fdiv(a, b)


def float_eq(em: FunctionFrame, a: ir.Value, b: ir.Value) -> ir.Value:
    """The language's equality: NaN == NaN, -0.0 == 0.0."""
    bld = em.builder
    both_nan = bld.and_(bld.fcmp_unordered("uno", a, a), bld.fcmp_unordered("uno", b, b))
    return bld.or_(bld.fcmp_ordered("==", a, b), both_nan)


def emit_binary(em: FunctionFrame, op: BinOp, a: ir.Value, b: ir.Value) -> ir.Value:
    """``a op b`` (both operands already evaluated, left first)."""
    bld = em.builder
    simple: dict[BinOp, Callable[[ir.Value, ir.Value], ir.Value]] = {
        BinOp.INT_ADD: lambda x, y: checked_add(em, x, y),
        BinOp.INT_SUB: lambda x, y: _checked_sub(em, x, y),
        BinOp.INT_MUL: lambda x, y: checked_mul(em, x, y),
        BinOp.INT_DIV: lambda x, y: _int_division(em, x, y, rem=False),
        BinOp.INT_REM: lambda x, y: _int_division(em, x, y, rem=True),
        BinOp.FLOAT_ADD: bld.fadd,
        BinOp.FLOAT_SUB: bld.fsub,
        BinOp.FLOAT_MUL: bld.fmul,
        BinOp.FLOAT_DIV: lambda x, y: _float_division(em, x, y, rem=False),
        BinOp.FLOAT_REM: lambda x, y: _float_division(em, x, y, rem=True),
        BinOp.FLOAT_EQ: lambda x, y: float_eq(em, x, y),
        BinOp.FLOAT_NE: lambda x, y: bld.not_(float_eq(em, x, y)),
    }
    if op in simple:
        return simple[op](a, b)
    if op in (BinOp.STRING_EQ, BinOp.STRING_NE):
        from .strings import string_equal

        equal = string_equal(em, a, b)
        return equal if op is BinOp.STRING_EQ else bld.not_(equal)
    if op in _STRING_ORDER:
        from .strings import string_compare

        order = string_compare(em, a, b)
        return bld.icmp_signed(_STRING_ORDER[op], order, order.type(0))
    if op in _INT_CMP:
        return bld.icmp_signed(_INT_CMP[op], a, b)
    return bld.fcmp_ordered(_FLOAT_CMP[op], a, b)


# --------------------------------------------------------------------------- math


def _int_select(em: FunctionFrame, a: ir.Value, b: ir.Value, *, pick_min: bool) -> ir.Value:
    bld = em.builder
    return bld.select(bld.icmp_signed("<" if pick_min else ">", a, b), a, b)


def _float_select(em: FunctionFrame, a: ir.Value, b: ir.Value, *, pick_min: bool) -> ir.Value:
    from llvmlite import ir

    bld = em.builder
    i64, f64 = ir.IntType(64), ir.DoubleType()
    # equal operands (only +-0.0 differ): OR of the bits keeps a set sign bit (min),
    # AND clears it (max)
    bits_a, bits_b = bld.bitcast(a, i64), bld.bitcast(b, i64)
    tie = bld.bitcast(bld.or_(bits_a, bits_b) if pick_min else bld.and_(bits_a, bits_b), f64)
    first = bld.fcmp_ordered("<" if pick_min else ">", a, b)
    second = bld.fcmp_ordered("<" if pick_min else ">", b, a)
    ordered = bld.select(first, a, bld.select(second, b, tie))
    nan = bld.fadd(a, b)  # NaN when either operand is NaN
    return bld.select(bld.fcmp_unordered("uno", a, b), nan, ordered)


def _int_abs(em: FunctionFrame, x: ir.Value) -> ir.Value:
    bld = em.builder
    em.fail_if(bld.icmp_signed("==", x, _i64(_I64_MIN)), ErrorKind.NUMERIC_OVERFLOW)
    return bld.select(bld.icmp_signed("<", x, _i64(0)), bld.neg(x), x)


def _int_pow(em: FunctionFrame, base: ir.Value, exp: ir.Value) -> ir.Value:
    """Checked square-and-multiply. The base is squared only while exponent bits remain,
    and any remaining bit multiplies in at least that square, so a squaring overflow is
    always a real overflow of the result."""
    from llvmlite import ir

    bld = em.builder
    em.fail_if(bld.icmp_signed("<", exp, _i64(0)), ErrorKind.NUMERIC_OVERFLOW)
    i64 = ir.IntType(64)
    acc_slot, base_slot, exp_slot = (em.alloca(i64, n) for n in ("pow.acc", "pow.base", "pow.exp"))
    bld.store(_i64(1), acc_slot)
    bld.store(base, base_slot)
    bld.store(exp, exp_slot)
    head, body, done = em.new_block("pow.head"), em.new_block("pow.body"), em.new_block("pow.done")
    bld.branch(head)
    bld.position_at_end(head)
    e = bld.load(exp_slot, typ=i64)
    bld.cbranch(bld.icmp_signed(">", e, _i64(0)), body, done)
    bld.position_at_end(body)
    with bld.if_then(bld.trunc(e, ir.IntType(1))):
        acc = bld.load(acc_slot, typ=i64)
        bld.store(checked_mul(em, acc, bld.load(base_slot, typ=i64)), acc_slot)
    rest = bld.ashr(e, _i64(1))
    bld.store(rest, exp_slot)
    with bld.if_then(bld.icmp_signed(">", rest, _i64(0))):
        b = bld.load(base_slot, typ=i64)
        bld.store(checked_mul(em, b, b), base_slot)
    bld.branch(head)
    bld.position_at_end(done)
    return bld.load(acc_slot, typ=i64)


def emit_math(em: FunctionFrame, op: MathOp, args: Sequence[ir.Value]) -> ir.Value:
    """``op(*args)`` (arguments already evaluated, left to right)."""
    from llvmlite import ir

    bld = em.builder
    f64 = ir.DoubleType()
    if op in _FLOAT_UNARY:
        return bld.call(intrinsic(em.unit.module, _FLOAT_UNARY[op], f64, [f64]), [args[0]])
    if op is MathOp.FLOAT_POW:
        # Not llvm.pow: glibc and wasm32's libm round differently (docs/runtime.md).
        return runtime_call(em, "relon_rt_pow", f64, list(args))
    if op is MathOp.INT_ABS:
        return _int_abs(em, args[0])
    if op is MathOp.INT_POW:
        return _int_pow(em, args[0], args[1])
    is_int = op in (MathOp.INT_MIN, MathOp.INT_MAX, MathOp.INT_CLAMP)
    select = _int_select if is_int else _float_select
    if op in (MathOp.INT_MIN, MathOp.FLOAT_MIN):
        return select(em, args[0], args[1], pick_min=True)
    if op in (MathOp.INT_MAX, MathOp.FLOAT_MAX):
        return select(em, args[0], args[1], pick_min=False)
    assert op in (MathOp.INT_CLAMP, MathOp.FLOAT_CLAMP), op
    x, lo, hi = args
    return select(em, lo, select(em, x, hi, pick_min=True), pick_min=False)
