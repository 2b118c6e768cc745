"""The IR well-formedness check: every rule of the ``ir/nodes.py`` docstring.

:func:`check_ir` returns the problems of a module (empty when valid): names unique per
function, every :class:`~.nodes.Local` bound and of its binder's type, operator and
call types exact (no implicit widening), loop stages typed along the chain.
:func:`verify_module` raises AssertionError with the problems and the module's text:
broken IR is always our bug, never the user's.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..exhaustive import unreachable
from . import nodes as ir

__all__ = ["check_ir", "list_result", "str_signature", "verify_module"]

_I, _F, _B, _S = ir.IrType.INT, ir.IrType.FLOAT, ir.IrType.BOOL, ir.IrType.STRING
_Type = ir.IrType | ir.TupleType
_PYTHON_TYPES = {_I: int, _F: float, _B: bool, _S: str}


def str_signature(op: ir.StringOp) -> tuple[tuple[ir.IrType, ...], ir.IrType]:
    """(argument types, result type) of a string operation, from its table row."""
    return tuple(map(_ir_type, op.params)), _ir_type(op.result)


def _ir_type(spelling: str) -> ir.IrType:
    return ir.IrType(spelling.lower())  # "List<String>" is "list<string>"


def list_signature(op: ir.ListOp, xs: ir.IrType) -> tuple[tuple[ir.IrType, ...], ir.IrType]:
    """(argument types, result type) of a list operation on the list type ``xs``."""
    types = {"List<T>": xs, "T": xs.element, "Int": _I, "Bool": _B}  # the row's spelling
    return tuple(types[p] for p in op.params), types[op.result]


def list_result(op: ir.ListOp, xs: ir.IrType) -> ir.IrType:
    """The result type of list operation ``op`` on the list type ``xs``."""
    return list_signature(op, xs)[1]


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
    """(argument types, result type) of a math function, from its table row."""
    ty = _I if op.operand == "Int" else _F
    return (ty,) * op.arity, ty


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
        result = self.tail(self.function.body, env)
        self.same(result, self.function.result, "body type vs declared result")
        if isinstance(result, ir.TupleType) and self.function.name != "main":
            self.problems.append("a tuple result outside the entry")

    def tail(self, expr: ir.Expr, env: dict[str, ir.IrType]) -> _Type:
        """Check a function body, where a MakeTuple may end a chain of lets."""
        if isinstance(expr, ir.Let):
            self.let_value(expr, env)
            return self.tail(expr.body, {**env, expr.name: _value_type(expr.value)})
        if isinstance(expr, ir.MakeTuple):
            for element in expr.elements:
                self.expr(element, env)
                if isinstance(element.type, ir.TupleType):
                    self.problems.append("a tuple inside a tuple")
            return expr.type
        self.expr(expr, env)
        return expr.type

    def let_value(self, expr: ir.Let, env: dict[str, ir.IrType]) -> None:
        self.expr(expr.value, env)
        if isinstance(expr.value.type, ir.TupleType):
            self.problems.append(f"let {expr.name} binds a tuple")
        self.declare(expr.name)

    def declare(self, name: str) -> None:
        if name in self.bound:
            self.problems.append(f"name {name} bound twice")
        self.bound.add(name)

    def same(self, got: _Type, want: _Type, what: str) -> None:
        if got != want:
            self.problems.append(f"{what}: {_text(got)} is not {_text(want)}")

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
                if type(expr.value) is not _PYTHON_TYPES.get(expr.type):
                    self.problems.append(f"constant {expr.value!r} is not {expr.type.value}")
            case ir.Local():
                if expr.name not in env:
                    self.problems.append(f"local {expr.name} is not bound here")
                else:
                    self.same(expr.type, env[expr.name], f"local {expr.name}")
            case ir.Let():
                self.let_value(expr, env)
                self.expr(expr.body, {**env, expr.name: _value_type(expr.value)})
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
            case ir.ToText() | ir.Concat() | ir.StrCall():
                self.text_expr(expr, env)
            case ir.ListLiteral() | ir.ListCall():
                self.list_expr(expr, env)
            case ir.Expect():
                self.args((expr.condition, expr.message), (_B, _S), "expect", env)
            case ir.MakeTuple():
                self.problems.append("a tuple that is not the entry's result")
            case _:
                unreachable(expr)

    def text_expr(
        self, expr: ir.ToText | ir.Concat | ir.StrCall, env: dict[str, ir.IrType]
    ) -> None:
        if isinstance(expr, ir.ToText):
            operand = _value_type(expr.operand)
            self.args((expr.operand,), (operand,), "to_text", env)
            if operand.is_list:
                self.problems.append(f"to_text of a {operand.value}")
        elif isinstance(expr, ir.Concat):
            self.args(expr.parts, (_S,) * len(expr.parts), "concat", env)
        else:
            params, result = str_signature(expr.op)
            self.args(expr.args, params, expr.op.value, env)
            self.same(expr.type, result, f"{expr.op.value} result")

    def list_expr(self, expr: ir.ListLiteral | ir.ListCall, env: dict[str, ir.IrType]) -> None:
        if isinstance(expr, ir.ListLiteral):
            if not expr.type.is_list:
                self.problems.append(f"a list literal of type {expr.type.value}")
                return
            want = (expr.type.element,) * len(expr.elements)
            self.args(expr.elements, want, "list literal", env)
            return
        xs = _value_type(expr.args[0]) if expr.args else _I
        if not xs.is_list:
            self.problems.append(f"{expr.op.value} of a {xs.value}")
            return
        params, result = list_signature(expr.op, xs)
        self.args(expr.args, params, expr.op.value, env)
        self.same(expr.type, result, f"{expr.op.value} result")

    def call(self, expr: ir.Call | ir.HostCall | ir.MathCall, env: dict[str, ir.IrType]) -> None:
        if isinstance(expr, ir.MathCall):
            params, result = _math_signature(expr.op)
            what = f"math.{expr.op.value}"
        elif isinstance(expr, ir.Call):
            callee = self.functions.get(expr.function)
            if callee is None:
                self.problems.append(f"call of unknown function {expr.function}")
                return
            params, what = tuple(p.type for p in callee.params), f"call {expr.function}"
            if isinstance(callee.result, ir.TupleType):
                self.problems.append(f"call of {expr.function}, which returns a tuple")
                return
            result = callee.result
        else:
            host = self.hosts.get(expr.name)
            if host is None:
                self.problems.append(f"host call of {expr.name}, which is not imported")
                return
            params, result, what = host.params, host.result, f"host {expr.name}"
        self.args(expr.args, params, what, env)
        self.same(expr.type, result, f"{what} result")

    def loop(self, loop: ir.Loop, env: dict[str, ir.IrType]) -> None:
        element = _I
        if isinstance(loop.source, ir.RangeSource):
            self.args((loop.source.start, loop.source.end), (_I, _I), "range", env)
        else:
            xs = _value_type(loop.source.list)
            self.expr(loop.source.list, env)
            if xs.is_list:
                element = xs.element
            else:
                self.problems.append(f"a loop over a {xs.value}")
        for stage in loop.stages:
            self.same(stage.var_type, element, f"stage variable {stage.var}")
            self.declare(stage.var)
            inner = {**env, stage.var: stage.var_type}
            if isinstance(stage, ir.MapStage):
                self.expr(stage.value, inner)
                element = _value_type(stage.value)
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
            case ir.CollectTerminal():
                if element.is_list:
                    self.problems.append("collect of list elements")
                else:
                    self.same(term.type, ir.IrType.list_of(element), "collect type")
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


def _value_type(expr: ir.Expr) -> ir.IrType:
    """The type of ``expr`` where a value (not a tuple) is expected; a tuple here is
    reported by the check that sees it (MakeTuple outside the entry's tail)."""
    ty = expr.type
    return ir.IrType.INT if isinstance(ty, ir.TupleType) else ty


def _text(ty: _Type) -> str:
    if isinstance(ty, ir.TupleType):
        return "(" + ", ".join(e.value for e in ty.elements) + ")"
    return ty.value
