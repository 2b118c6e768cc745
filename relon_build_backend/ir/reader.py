"""Reading the IR text form back (``ir/printer.py``'s output) into an :class:`IrModule`.

Used to round-trip the printer in tests (print -> read -> print gives the same text,
and the module read back verifies). Spans are not in the text: every node read gets
a span of the whole text. Types are recomputed: constants by their spelling, locals
from their binders, calls from the callee's signature.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from ..frontend.hosts import Capability
from ..frontend.source import SourceFile, Span
from . import nodes as ir
from .verify import list_result, str_signature

__all__ = ["read_module"]

_TOKEN = re.compile(
    r'\s*("(?:[^"\\]|\\.)*"|-?\d[\w.+-]*|-Infinity|[\w.]+(?:<\w+>(?:\.\w+)?)?|[(),:=]|->)'
)
_TYPE = r"[\w<>]+"
_SPECIAL_FLOATS = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}
_ARITY_1 = {"not", "int_to_float", "int.neg", "float.neg"}
_MATH_ARITY = {"abs": 1, "min": 2, "max": 2, "clamp": 3, "pow": 2}
_Env = dict[str, ir.IrType]


@dataclass(frozen=True, slots=True)
class _Line:
    level: int
    text: str


def read_module(text: str) -> ir.IrModule:
    """The module ``text`` describes. :raises ValueError: on text the printer never
    writes."""
    return _Reader(text).module()


class _Reader:
    def __init__(self, text: str) -> None:
        self.span = Span(SourceFile("<ir>", text), 0, len(text))
        self.lines = [
            _Line((len(raw) - len(raw.lstrip(" "))) // 2, raw.strip())
            for raw in text.splitlines()
            if raw.strip()
        ]
        self.pos = 0
        self.signatures: dict[str, tuple[tuple[ir.IrType, ...], ir.IrType | ir.TupleType]] = {}
        self.hosts: dict[str, ir.HostImport] = {}

    # ------------------------------------------------------------------ module level

    def module(self) -> ir.IrModule:
        name = self.take(0).text.removeprefix("module ")
        while self.peek(0, "host "):
            host = self.host(self.take(0).text)
            self.hosts[host.name] = host
        for line in self.lines:  # calls may name functions defined later
            if line.level == 0 and line.text.startswith("fn "):
                fname, params, result = self.header(line.text)
                self.signatures[fname] = (tuple(p.type for p in params), result)
        functions = []
        while self.pos < len(self.lines):
            fname, params, result = self.header(self.take(0).text)
            body = self.block(1, {p.name: p.type for p in params})
            functions.append(ir.Function(fname, params, result, body, self.span))
        hosts = tuple(self.hosts.values())
        return ir.IrModule(name, functions[0], tuple(functions[1:]), hosts, self.span)

    def host(self, text: str) -> ir.HostImport:
        m = re.fullmatch(r"host (\w+)\(([\w, ]*)\) -> (\w+)(?: \[([\w, ]+)\])?", text)
        if m is None:
            raise ValueError(f"bad host line: {text!r}")
        params = tuple(ir.IrType(p) for p in m[2].split(", ") if p)
        caps = tuple(cast(Capability, c) for c in m[4].split(", ")) if m[4] else ()
        return ir.HostImport(m[1], params, ir.IrType(m[3]), caps, self.span)

    def header(self, text: str) -> tuple[str, tuple[ir.Param, ...], ir.IrType | ir.TupleType]:
        m = re.fullmatch(r"fn (\w+)\(([\w:<>, ]*)\) -> ([\w<>]+|\([\w<>, ]+\)) =", text)
        if m is None:
            raise ValueError(f"bad function header: {text!r}")
        params = tuple(
            ir.Param(name, ir.IrType(ty))
            for name, ty in (p.split(": ") for p in m[2].split(", ") if p)
        )
        result: ir.IrType | ir.TupleType
        if m[3].startswith("("):
            result = ir.TupleType(tuple(ir.IrType(e) for e in m[3][1:-1].split(", ")))
        else:
            result = ir.IrType(m[3])
        return m[1], params, result

    # ------------------------------------------------------------------ lines

    def peek(self, level: int, prefix: str) -> bool:
        if self.pos >= len(self.lines):
            return False
        line = self.lines[self.pos]
        return line.level == level and line.text.startswith(prefix)

    def take(self, level: int) -> _Line:
        if self.pos >= len(self.lines) or self.lines[self.pos].level != level:
            raise ValueError(f"expected a line at indent level {level} (line {self.pos + 1})")
        self.pos += 1
        return self.lines[self.pos - 1]

    def labelled(self, level: int, label: str, env: _Env) -> ir.Expr:
        """``label value`` or ``label`` with the value on the lines below."""
        text = self.take(level).text
        if not text.startswith(label):
            raise ValueError(f"expected {label!r}, got {text!r}")
        rest = text[len(label) :].strip()
        return self.inline(rest, env) if rest else self.block(level + 1, env)

    # ------------------------------------------------------------------ block form

    def block(self, level: int, env: _Env) -> ir.Expr:
        line = self.lines[self.pos] if self.pos < len(self.lines) else None
        if line is None or line.level != level:
            raise ValueError(f"expected an expression at indent level {level}")
        let = re.match(rf"let (\w+): ({_TYPE}) =", line.text)
        if let:
            value = self.labelled(level, let[0], env)
            body = self.block(level, {**env, let[1]: _value_type(value)})
            return ir.Let(let[1], value, body, self.span)
        if line.text == "if" or (line.text.startswith("if ") and self.is_block_if(level)):
            condition = self.labelled(level, "if", env)
            then = self.labelled(level, "then", env)
            otherwise = self.labelled(level, "else", env)
            return ir.If(condition, then, otherwise, _value_type(then), self.span)
        if line.text.startswith(("loop range", "loop list")):
            return self.loop(level, env)
        self.pos += 1
        if (
            _TOKEN.match(line.text)
            and self.pos < len(self.lines)
            and self.lines[self.pos].level > level
        ):
            args = []
            while self.pos < len(self.lines) and self.lines[self.pos].level == level + 1:
                args.append(self.block(level + 1, env))
            return self.apply(line.text, tuple(args))
        return self.inline(line.text, env)

    def is_block_if(self, level: int) -> bool:
        nxt = self.pos + 1
        return (
            nxt < len(self.lines)
            and self.lines[nxt].level == level
            and (self.lines[nxt].text.startswith("then"))
        )

    def loop(self, level: int, env: _Env) -> ir.Loop:
        text = self.take(level).text
        kind = "range" if text.startswith("loop range") else "list"
        bounds: tuple[ir.Expr, ...]
        if text in ("loop range", "loop list"):
            count = 2 if kind == "range" else 1
            bounds = tuple(self.block(level + 2, env) for _ in range(count))
        else:
            parser = _InlineParser(_tokens(text.removeprefix("loop ")), env, self.apply, self.span)
            bounds = parser.source(kind)
        source: ir.Source = (
            ir.RangeSource(bounds[0], bounds[1], self.span)
            if kind == "range"
            else ir.ListSource(bounds[0], self.span)
        )
        stages: list[ir.Stage] = []
        inner = level + 1
        while self.peek(inner, "map ") or self.peek(inner, "filter "):
            head = re.match(rf"(map|filter) (\w+): ({_TYPE}) ->", self.lines[self.pos].text)
            if head is None:
                raise ValueError(f"bad stage line: {self.lines[self.pos].text!r}")
            kind, var, ty = head.groups()
            value = self.labelled(inner, f"{kind} {var}: {ty} ->", {**env, var: ir.IrType(ty)})
            stage = ir.MapStage if kind == "map" else ir.FilterStage
            stages.append(stage(var, ir.IrType(ty), value, self.span))
        return ir.Loop(source, tuple(stages), self.terminal(inner, env), self.span)

    def terminal(self, level: int, env: _Env) -> ir.Terminal:
        text = self.lines[self.pos].text
        if text == "count":
            self.pos += 1
            return ir.CountTerminal(self.span)
        if text.startswith("sum "):
            self.pos += 1
            return ir.SumTerminal(ir.IrType(text.removeprefix("sum ")), self.span)
        if text.startswith("collect "):
            self.pos += 1
            return ir.CollectTerminal(ir.IrType(text.removeprefix("collect ")), self.span)
        quantifier = re.match(rf"(any|all) (\w+): ({_TYPE}) ->", text)
        if quantifier:
            var, ty = quantifier[2], ir.IrType(quantifier[3])
            condition = self.labelled(level, quantifier[0], {**env, var: ty})
            kind = ir.AnyTerminal if quantifier[1] == "any" else ir.AllTerminal
            return kind(var, ty, condition, self.span)
        reduce = re.match(rf"reduce (\w+): ({_TYPE}) =", text)
        if reduce is None:
            raise ValueError(f"bad loop terminal: {text!r}")
        acc, acc_type = reduce[1], ir.IrType(reduce[2])
        init = self.labelled(level, reduce[0], env)
        each = re.match(rf"(\w+): ({_TYPE}) ->", self.lines[self.pos].text)
        if each is None:
            raise ValueError("a reduce needs its element line")
        var, ty = each[1], ir.IrType(each[2])
        update = self.labelled(level + 1, each[0], {**env, acc: acc_type, var: ty})
        return ir.ReduceTerminal(acc, var, ty, init, update, acc_type, self.span)

    # ------------------------------------------------------------------ inline form

    def inline(self, text: str, env: _Env) -> ir.Expr:
        parser = _InlineParser(_tokens(text), env, self.apply, self.span)
        expr = parser.expr()
        parser.end()
        return expr

    def apply(self, head: str, args: tuple[ir.Expr, ...]) -> ir.Expr:
        """The node a call-notation ``head(args)`` or tree head stands for."""
        span = self.span
        if head.startswith("call "):
            name = head.removeprefix("call ")
            result = self.signatures[name][1]
            assert not isinstance(result, ir.TupleType), "a call of the entry"
            return ir.Call(name, args, result, span)
        if head.startswith("host "):
            name = head.removeprefix("host ")
            return ir.HostCall(name, args, self.hosts[name].result, span)
        if head.startswith("math."):
            math_op = ir.MathOp.spelled(head.removeprefix("math."))
            ty = ir.IrType.INT if math_op.operand == "Int" else ir.IrType.FLOAT
            return ir.MathCall(math_op, args, ty, span)
        value = self.apply_value(head, args)
        if value is not None:
            return value
        if head == "not":
            return ir.Not(args[0], span)
        if head == "int_to_float":
            return ir.IntToFloat(args[0], span)
        if head in ("and", "or"):
            return (ir.And if head == "and" else ir.Or)(args[0], args[1], span)
        if head in ("int.neg", "float.neg"):
            return ir.Unary(ir.UnOp(head), args[0], span)
        op = ir.BinOp(head)
        prefix, name = head.split(".")
        arith = name in ("add", "sub", "mul", "div", "rem")
        result = ir.IrType(prefix) if arith else ir.IrType.BOOL
        return ir.Binary(op, args[0], args[1], result, span)

    def apply_value(self, head: str, args: tuple[ir.Expr, ...]) -> ir.Expr | None:
        """The string, list and tuple nodes (None for any other head)."""
        span = self.span
        if head == "to_text":
            return ir.ToText(args[0], span)
        if head == "concat":
            return ir.Concat(args, span)
        if head == "tuple":
            return ir.MakeTuple(args, span)
        if head == "expect":
            return ir.Expect(args[0], args[1], span)
        if head.startswith("str."):
            str_op = ir.StringOp.spelled(head)
            return ir.StrCall(str_op, args, str_signature(str_op)[1], span)
        if head.startswith("list."):
            list_op = ir.ListOp.spelled(head)
            return ir.ListCall(list_op, args, list_result(list_op, _value_type(args[0])), span)
        if head.startswith("list<"):
            return ir.ListLiteral(args, ir.IrType(head), span)
        return None


def _value_type(expr: ir.Expr) -> ir.IrType:
    ty = expr.type
    if isinstance(ty, ir.TupleType):
        raise ValueError("a tuple where a value is expected")
    return ty


def _tokens(text: str) -> list[str]:
    tokens, pos = [], 0
    while pos < len(text.rstrip()):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise ValueError(f"cannot read {text[pos:]!r}")
        tokens.append(m[1])
        pos = m.end()
    return tokens


class _InlineParser:
    """``expr = "if" expr "then" expr "else" expr | head "(" [expr {"," expr}] ")" | atom``
    where ``head`` is ``call NAME``, ``host NAME`` or an operator name."""

    def __init__(
        self,
        tokens: list[str],
        env: _Env,
        apply: Callable[[str, tuple[ir.Expr, ...]], ir.Expr],
        span: Span,
    ) -> None:
        self.tokens, self.pos, self.env, self.apply, self.span = tokens, 0, env, apply, span

    def next(self) -> str:
        if self.pos >= len(self.tokens):
            raise ValueError("unexpected end of expression")
        self.pos += 1
        return self.tokens[self.pos - 1]

    def expect(self, token: str) -> None:
        got = self.next()
        if got != token:
            raise ValueError(f"expected {token!r}, got {got!r}")

    def end(self) -> None:
        if self.pos != len(self.tokens):
            raise ValueError(f"trailing tokens {self.tokens[self.pos :]}")

    def source(self, kind: str) -> tuple[ir.Expr, ...]:
        """``range(start, end)`` or ``list(xs)``."""
        self.expect(kind)
        bounds = self.args()
        self.end()
        return bounds

    def args(self) -> tuple[ir.Expr, ...]:
        self.expect("(")
        args: list[ir.Expr] = []
        while self.tokens[self.pos] != ")":
            args.append(self.expr())
            if self.tokens[self.pos] == ",":
                self.pos += 1
        self.pos += 1
        return tuple(args)

    def expr(self) -> ir.Expr:
        token = self.next()
        if token == "if":
            condition = self.expr()
            self.expect("then")
            then = self.expr()
            self.expect("else")
            return ir.If(condition, then, self.expr(), _value_type(then), self.span)
        if token in ("call", "host"):
            token = f"{token} {self.next()}"
        if self.pos < len(self.tokens) and self.tokens[self.pos] == "(":
            return self.apply(token, self.args())
        return self.atom(token)

    def atom(self, token: str) -> ir.Expr:
        if token.startswith('"'):
            return ir.Const(json.loads(token), ir.IrType.STRING, self.span)
        if token in ("true", "false"):
            return ir.Const(token == "true", ir.IrType.BOOL, self.span)
        if token in self.env:
            return ir.Local(token, self.env[token], self.span)
        if re.fullmatch(r"-?\d+", token):
            return ir.Const(int(token), ir.IrType.INT, self.span)
        value = _SPECIAL_FLOATS.get(token)
        return ir.Const(float(token) if value is None else value, ir.IrType.FLOAT, self.span)
