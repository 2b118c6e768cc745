"""The IR well-formedness check: every rule of the ``ir/nodes.py`` docstring.

:func:`check_ir` returns the problems of a module (empty when valid): names unique per
function, every :class:`~.nodes.Local` bound and of its binder's type, operator and
call types exact (no implicit widening), loop stages typed along the chain.
:func:`verify_module` raises AssertionError with the problems and the module's text:
broken IR is always our bug, never the user's.
"""

from __future__ import annotations

from collections.abc import Mapping

from . import nodes as ir

__all__ = ["check_ir", "verify_module"]

_I, _F, _B = ir.IrType.INT, ir.IrType.FLOAT, ir.IrType.BOOL
_MATH_ARITY = {"abs": 1, "min": 2, "max": 2, "clamp": 3, "pow": 2}


def verify_module(module: ir.IrModule) -> None:
    """:raises AssertionError: listing every problem of ``module``."""
    problems = check_ir(module)
    if problems:
        from .printer import format_module

        listing = "\n".join(f"  - {p}" for p in problems)
        raise AssertionError(f"invalid Relon IR:\n{listing}\n{format_module(module)}")


def check_ir(module: ir.IrModule) -> list[str]:
    problems: list[str] = []
    functions: dict[str, ir.Function] = {}
    for function in module.functions:
        if function.name in functions or function.name == module.entry.name:
            problems.append(f"function {function.name} defined twice")
        functions[function.name] = function
    hosts = {h.name: h for h in module.host_imports}
    if [h.name for h in module.host_imports] != sorted(hosts):
        problems.append("host imports are not sorted by name (or repeat one)")
    for function in (module.entry, *module.functions):
        checker = _FunctionCheck(function, functions, hosts)
        checker.run()
        problems += [f"{function.name}: {p}" for p in checker.problems]
    return problems


def _math_signature(op: ir.MathOp) -> tuple[tuple[ir.IrType, ...], ir.IrType]:
    prefix, name = op.value.split(".")
    ty = ir.IrType(prefix)
    return (ty,) * _MATH_ARITY.get(name, 1), ty


class _FunctionCheck:
    def __init__(
        self,
        function: ir.Function,
        functions: Mapping[str, ir.Function],
        hosts: Mapping[str, ir.HostImport],
    ) -> None:
        self.function = function
        self.functions = functions
        self.hosts = hosts
        self.problems: list[str] = []
        self.bound: set[str] = set()

    def run(self) -> None:
        env: dict[str, ir.IrType] = {}
        for param in self.function.params:
            self.declare(param.name)
            env[param.name] = param.type
        body = self.function.body
        self.expr(body, env)
        self.same(body.type, self.function.result, "body type vs declared result")

    def declare(self, name: str) -> None:
        if name in self.bound:
            self.problems.append(f"name {name} bound twice")
        self.bound.add(name)

    def same(self, got: ir.IrType, want: ir.IrType, what: str) -> None:
        if got is not want:
            self.problems.append(f"{what}: {got.value} is not {want.value}")

    def args(
        self,
        args: tuple[ir.Expr, ...],
        want: tuple[ir.IrType, ...],
        what: str,
        env: dict[str, ir.IrType],
    ) -> None:
        if len(args) != len(want):
            self.problems.append(f"{what}: {len(args)} arguments for {len(want)} parameters")
        for i, (arg, ty) in enumerate(zip(args, want, strict=False)):
            self.same(arg.type, ty, f"{what} argument {i}")
        for arg in args:
            self.expr(arg, env)

    def expr(self, expr: ir.Expr, env: dict[str, ir.IrType]) -> None:
        match expr:
            case ir.Const():
                python_type = {_I: int, _F: float, _B: bool}[expr.type]
                if type(expr.value) is not python_type:
                    self.problems.append(f"constant {expr.value!r} is not {expr.type.value}")
            case ir.Local():
                if expr.name not in env:
                    self.problems.append(f"local {expr.name} is not bound here")
                else:
                    self.same(expr.type, env[expr.name], f"local {expr.name}")
            case ir.Let():
                self.expr(expr.value, env)
                self.declare(expr.name)
                self.expr(expr.body, {**env, expr.name: expr.value.type})
            case ir.Unary():
                ty = _I if expr.op is ir.UnOp.INT_NEG else _F
                self.args((expr.operand,), (ty,), expr.op.value, env)
            case ir.Not() | ir.And() | ir.Or():
                operands = (expr.operand,) if isinstance(expr, ir.Not) else (expr.left, expr.right)
                self.args(operands, (_B,) * len(operands), "boolean operator", env)
            case ir.Binary():
                ty = ir.IrType(expr.op.value.split(".")[0])
                name = expr.op.value.split(".")[1]
                self.args((expr.left, expr.right), (ty, ty), expr.op.value, env)
                result = ty if name in ("add", "sub", "mul", "div", "rem") else _B
                self.same(expr.type, result, f"{expr.op.value} result")
            case ir.IntToFloat():
                self.args((expr.operand,), (_I,), "int_to_float", env)
            case ir.If():
                self.args((expr.condition,), (_B,), "if condition", env)
                self.args((expr.then, expr.otherwise), (expr.type, expr.type), "if branch", env)
            case ir.Call() | ir.HostCall() | ir.MathCall():
                self.call(expr, env)
            case ir.Loop():
                self.loop(expr, env)
            case _:
                raise AssertionError(f"unhandled IR node {expr!r}")

    def call(self, expr: ir.Call | ir.HostCall | ir.MathCall, env: dict[str, ir.IrType]) -> None:
        if isinstance(expr, ir.MathCall):
            params, result = _math_signature(expr.op)
            what = f"math.{expr.op.value}"
        elif isinstance(expr, ir.Call):
            callee = self.functions.get(expr.function)
            if callee is None:
                self.problems.append(f"call of unknown function {expr.function}")
                return
            params, result = tuple(p.type for p in callee.params), callee.result
            what = f"call {expr.function}"
        else:
            host = self.hosts.get(expr.name)
            if host is None:
                self.problems.append(f"host call of {expr.name}, which is not imported")
                return
            params, result, what = host.params, host.result, f"host {expr.name}"
        self.args(expr.args, params, what, env)
        self.same(expr.type, result, f"{what} result")

    def loop(self, loop: ir.Loop, env: dict[str, ir.IrType]) -> None:
        self.args((loop.source.start, loop.source.end), (_I, _I), "range", env)
        element = _I
        for stage in loop.stages:
            self.same(stage.var_type, element, f"stage variable {stage.var}")
            self.declare(stage.var)
            inner = {**env, stage.var: stage.var_type}
            if isinstance(stage, ir.MapStage):
                self.expr(stage.value, inner)
                element = stage.value.type
            else:
                self.args((stage.condition,), (_B,), "filter condition", inner)
        self.terminal(loop.terminal, element, env)

    def terminal(self, term: ir.Terminal, element: ir.IrType, env: dict[str, ir.IrType]) -> None:
        match term:
            case ir.SumTerminal():
                self.same(term.type, element, "sum type")
                if element is _B:
                    self.problems.append("sum of bool elements")
            case ir.CountTerminal():
                pass
            case ir.AnyTerminal() | ir.AllTerminal():
                self.same(term.var_type, element, f"terminal variable {term.var}")
                self.declare(term.var)
                inner = {**env, term.var: term.var_type}
                self.args((term.condition,), (_B,), "any/all condition", inner)
            case ir.ReduceTerminal():
                self.args((term.init,), (term.type,), "reduce init", env)
                self.same(term.var_type, element, f"reduce variable {term.var}")
                self.declare(term.acc)
                self.declare(term.var)
                inner = {**env, term.acc: term.type, term.var: term.var_type}
                self.args((term.update,), (term.type,), "reduce update", inner)
