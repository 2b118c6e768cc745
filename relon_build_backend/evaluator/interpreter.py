"""A tree-walking interpreter over the checked tree (``frontend/typed.py``).

It reads the typed tree, never the IR, so it shares no code with the lowering and
codegen it serves as an oracle for. Chains (over a range or a list) run **unfused**:
each stage is materialized over the whole sequence, in order, before the next (the
definition the fused compiled loop must reproduce, errors included).

Environments map :class:`~..frontend.typed.Binder` (compared by identity) to values
and are copied on every binding: a where-bound closure runs in its caller's
environment plus its parameters. Closures cannot escape their where block, so that
environment always holds the values the closure's captures had at its definition.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import TypeAlias, TypeVar

from ..exhaustive import unreachable
from ..frontend import typed as t
from ..frontend.types import FLOAT, INT, STRING, Type
from ..ir.nodes import MAX_CALL_DEPTH
from . import lists, numeric, texts
from .values import I64_MAX, I64_MIN, EvaluationError, Value, as_float, as_int

__all__ = ["Env", "Machine"]

Env: TypeAlias = Mapping[t.Binder, Value]
HostModel: TypeAlias = Callable[..., object]


class Machine:
    """One evaluation: the grant, the step budget and the call depth."""

    def __init__(
        self,
        functions: Sequence[t.FunctionInstance],
        *,
        caps: frozenset[str],
        max_steps: int | None,
        hosts: Mapping[str, HostModel],
    ) -> None:
        self._functions = {f.name: f for f in functions}
        self._caps = caps
        # a negative budget is unlimited, as in the ABI
        self._steps = None if max_steps is None or max_steps < 0 else max_steps
        self._hosts = hosts
        self._depth = 0

    def eval(self, node: t.Expr, env: Env) -> Value:
        """The value of ``node`` in ``env``; raises :class:`EvaluationError`."""
        match node:
            case t.Literal_():
                return as_float(node.value) if node.type == FLOAT else node.value
            case t.Var():
                return env[node.binder]
            case t.EnumValue():
                return node.index
            case t.Validate():
                if not self.eval(node.condition, env):
                    message = self.eval(node.message, env)
                    raise EvaluationError("ValidationError", str(message))
                return self.eval(node.body, env)
            case t.Let():
                value = self.eval(node.value, env)
                return self.eval(node.body, {**env, node.binder: value})
            case t.Neg():
                operand = self.eval(node.operand, env)
                if node.type == INT:
                    return numeric.int_arith("-", 0, as_int(operand))
                return -as_float(operand)
            case t.Not():
                return not self.eval(node.operand, env)
            case t.Arith():
                left, right = self.eval(node.left, env), self.eval(node.right, env)
                return _arith(node.op, node.type, left, right)
            case t.Compare():
                left, right = self.eval(node.left, env), self.eval(node.right, env)
                return _compare(node.op, node.operand_type, left, right)
            case t.Widen():
                return as_float(self.eval(node.operand, env))
            case t.Logic():
                left = bool(self.eval(node.left, env))
                if left == (node.op == "||"):  # decided by the left operand
                    return left
                return bool(self.eval(node.right, env))
            case t.Cond():
                chosen = node.then if self.eval(node.condition, env) else node.otherwise
                return self.eval(chosen, env)
            case t.CallFunction():
                args = [self.eval(a, env) for a in node.args]
                return self.call(node.function, args, env)
            case t.CallHost():
                return self._call_host(node, env)
            case t.CallMath():
                args = [self.eval(a, env) for a in node.args]
                return _math(node.name, node.operand_type, args)
            case t.Pipeline():
                return self._pipeline(node, env)
            case t.Invalid():
                raise AssertionError("an Invalid node in a checked module")
        return self._eval_value(node, env)

    def _eval_value(self, node: t.Expr, env: Env) -> Value:
        """The String, List and tuple forms."""
        # list comprehensions, not generators fed to C builtins: see _terminal
        match node:
            case t.ToText():
                return texts.to_text(self.eval(node.operand, env))
            case t.Concat():
                return "".join([texts.to_text(self.eval(part, env)) for part in node.parts])
            case t.StrCall():
                return texts.str_call(node.op, [self.eval(a, env) for a in node.args])
            case t.ListLiteral():
                return [self.eval(e, env) for e in node.elements]
            case t.ListCall():
                return lists.list_call(node.name, [self.eval(a, env) for a in node.args])
            case t.MakeTuple():
                return tuple([self.eval(e, env) for e in node.elements])
            case t.TupleField():
                target = self.eval(node.target, env)
                assert isinstance(target, tuple), target
                return target[node.position]
        raise AssertionError(f"not a value form: {node!r}")

    # ------------------------------------------------------------------ calls

    def charge(self, count: int) -> None:
        """Charge ``count`` steps; StepLimitExceeded when the budget is smaller."""
        if self._steps is None:
            return
        if self._steps < count:
            raise EvaluationError("StepLimitExceeded", "max_steps exhausted")
        self._steps -= count

    def call(self, name: str, args: Sequence[Value], env: Env) -> Value:
        """Call where-bound closure instance ``name`` (arguments already evaluated)."""
        function = self._functions[name]
        self.charge(1)
        if self._depth >= MAX_CALL_DEPTH:
            raise EvaluationError("RecursionLimitExceeded", "calls nested too deeply")
        bound = dict(env)
        for binder, value in zip(function.params, args, strict=True):
            bound[binder] = value
        self._depth += 1
        try:
            return self.eval(function.body, bound)
        finally:
            self._depth -= 1

    def _call_host(self, node: t.CallHost, env: Env) -> Value:
        host = node.host
        if not host.capabilities <= self._caps:
            missing = ", ".join(sorted(host.capabilities - self._caps))
            raise EvaluationError("CapabilityDenied", f"host function {host.name} needs {missing}")
        self.charge(1)
        args = [self.eval(a, env) for a in node.args]
        model = self._hosts.get(host.name)
        if model is None:
            raise ValueError(f"no Python model given for host function '{host.name}'")
        return _host_result(host.name, host.result, model(*args))

    # ------------------------------------------------------------------ range chains

    def _source(self, source: t.Source, env: Env) -> Sequence[Value]:
        if isinstance(source, t.ListOf):
            items = self.eval(source.list, env)
            assert isinstance(items, list), items
            return items
        start, end = self.eval(source.start, env), self.eval(source.end, env)
        assert isinstance(start, int) and isinstance(end, int), (start, end)
        return range(start, end)

    def _pipeline(self, node: t.Pipeline, env: Env) -> Value:
        values = self._source(node.source, env)
        # one step per element, as the fused loop charges one per iteration
        self.charge(len(values))
        for stage in node.stages:
            if isinstance(stage, t.MapOf):
                values = [self._apply(stage.fn, (x,), (stage.element,), env) for x in values]
            else:
                values = [x for x in values if self._apply(stage.fn, (x,), (stage.element,), env)]
        return self._terminal(node.terminal, values, env)

    def _terminal(self, term: t.Terminal, values: Sequence[Value], env: Env) -> Value:  # noqa: RET503 - the match is exhaustive
        match term:
            case t.Collect():
                return list(values)
            case t.Count():
                return len(values)
            case t.Sum():
                return _sum(term.type, values)
            case t.AnyOf() | t.AllOf():
                # plain loops, not any()/all(): a C builtin would put each nested
                # call level on the C stack
                decided = isinstance(term, t.AnyOf)
                for x in values:
                    if bool(self._apply(term.fn, (x,), (term.element,), env)) == decided:
                        return decided
                return not decided
            case t.Reduce():
                acc = self.eval(term.init, env)  # after every stage: its error comes last
                for x in values:
                    acc = self._apply(term.fn, (acc, x), (term.type, term.element), env)
                    if term.widen_update:
                        acc = as_float(acc)
                return acc
            case _:
                unreachable(term)

    def _apply(
        self, fn: t.StageFn, values: tuple[Value, ...], types: tuple[Type, ...], env: Env
    ) -> Value:
        """Stage function ``fn`` of ``values`` (of ``types``; an Int fed to a Float
        parameter is widened)."""
        if isinstance(fn, t.Named):
            args = tuple(
                _widen(v, ty, p) for v, ty, p in zip(values, types, fn.params, strict=True)
            )
            return self.call(fn.function, args, env)
        bound = dict(env)
        for binder, value, ty in zip(fn.params, values, types, strict=True):
            bound[binder] = _widen(value, ty, binder.type)
        return self.eval(fn.body, bound)


def _widen(value: Value, ty: Type, param: Type) -> Value:
    return as_float(value) if ty == INT and param == FLOAT else value


def _arith(op: t.ArithOp, ty: Type, left: Value, right: Value) -> Value:
    if ty == INT:
        return numeric.int_arith(op, as_int(left), as_int(right))
    a, b = as_float(left), as_float(right)
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if b == 0:  # +0.0 and -0.0 alike
        raise EvaluationError("DivisionByZero", f"Float {op} by zero")
    return a / b if op == "/" else numeric.float_rem(a, b)


def _compare(op: t.CompareOp, ty: Type, left: Value, right: Value) -> bool:
    if op in ("==", "!="):
        same = lists.equal(left, right)
        return same if op == "==" else not same
    assert ty in (INT, FLOAT, STRING), f"{ty} has no ordering"
    if ty == STRING:  # code point order is UTF-8 byte order
        assert isinstance(left, str) and isinstance(right, str)
        return _ordered(op, left, right)
    if ty == FLOAT:
        return _ordered(op, as_float(left), as_float(right))
    return _ordered(op, as_int(left), as_int(right))


_T = TypeVar("_T", int, float, str)


def _ordered(op: t.CompareOp, a: _T, b: _T) -> bool:
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    return a >= b


def _math(name: t.MathName, ty: Type, args: Sequence[Value]) -> Value:
    if ty == INT:
        ints = [as_int(a) for a in args]
        table: dict[str, Callable[[], int]] = {
            "abs": lambda: numeric.int_abs(ints[0]),
            "min": lambda: min(ints[0], ints[1]),
            "max": lambda: max(ints[0], ints[1]),
            "clamp": lambda: max(ints[1], min(ints[0], ints[2])),
            "pow": lambda: numeric.int_pow(ints[0], ints[1]),
        }
        assert name in table, f"no Int {name}"
        return table[name]()
    xs = [as_float(a) for a in args]
    if name == "abs":
        return abs(xs[0])
    if name in ("min", "max"):
        return numeric.float_minmax(xs[0], xs[1], pick_min=name == "min")
    if name == "clamp":
        low = numeric.float_minmax(xs[0], xs[2], pick_min=True)
        return numeric.float_minmax(xs[1], low, pick_min=False)
    if name == "sqrt":
        return math.sqrt(xs[0]) if xs[0] >= 0 or math.isnan(xs[0]) else math.nan
    if name == "pow":
        return numeric.float_pow(xs[0], xs[1])
    return numeric.float_round(name, xs[0])


def _sum(ty: Type, values: Sequence[Value]) -> Value:
    if ty == FLOAT:
        total = 0.0
        for x in values:
            total += as_float(x)
        return total
    partial = 0
    for x in values:
        partial = numeric.int_arith("+", partial, as_int(x))  # the first bad partial sum fails
    return partial


def _host_result(name: str, ty: str, result: object) -> Value:
    """A host model's result as a Relon value (a wrong type is the model's bug)."""
    if ty == "Bool" and isinstance(result, bool):
        return result
    if ty == "Float" and isinstance(result, float):
        return result
    if ty == "Int" and type(result) is int and I64_MIN <= result <= I64_MAX:
        return result
    raise TypeError(f"the model of host function '{name}' returned {result!r}, not an {ty}")
