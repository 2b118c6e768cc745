"""Where-bound closures: one checked instance per argument-type signature.

A where-bound closure has no single type: each distinct tuple of argument types it is
called (or used as a stage function) with gets its own :class:`~.context.Instance`,
whose body is checked once, with the parameters typed by annotation or by those
argument types. The instance is registered before its body is checked, so a recursive
call finds it; its result type is known then only when annotated.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from . import ast
from .check_ops import coerce, poison
from .check_values import check_expected
from .context import CheckContext, Instance
from .diagnostics import Diagnostic
from .scope import ClosureDef
from .source import Span
from .typed import Binder, FunctionInstance
from .types import ERROR, ErrorType, TupleOf, Type, resolve_type

__all__ = ["arity_message", "check_unused", "instantiate", "read_annotation"]


def instantiate(
    ctx: CheckContext, cdef: ClosureDef, arg_types: tuple[Type, ...], span: Span
) -> Instance | None:
    """The instance of ``cdef`` for arguments of ``arg_types``, checking its body the
    first time. An annotated parameter takes its annotation; an unannotated one the
    argument's type. None when the arity is wrong (after a diagnostic) or when an
    argument type is unknown (the body is then checked only for its diagnostics)."""
    closure = cdef.closure
    if len(arg_types) != len(closure.params):
        ctx.error(arity_message(f"'{cdef.name}'", len(closure.params), len(arg_types)), span)
        return None
    types = tuple(
        read_annotation(ctx, p.type) if p.type is not None else _no_tuple(ctx, arg, p.span)
        for p, arg in zip(closure.params, arg_types, strict=True)
    )
    key = (cdef, types)
    inst = ctx.instances.get(key)
    if inst is not None:
        return inst
    declared = read_annotation(ctx, closure.result) if closure.result is not None else None
    if declared is None and _calls_itself(closure.body, cdef.name):
        declared = _base_case_type(ctx, cdef, types)
    # A probe (some parameter type unknown) only reports the body's errors: it and
    # everything instantiated while checking it are forgotten afterwards.
    if any(isinstance(ty, ErrorType) for ty in types):
        with ctx.probe():
            _check_instance(ctx, cdef, types, declared, f"{cdef.name}?")
        return None
    return _check_instance(ctx, cdef, types, declared, ctx.function_name(cdef.name))


def _check_instance(
    ctx: CheckContext,
    cdef: ClosureDef,
    types: tuple[Type, ...],
    declared: Type | None,
    name: str,
) -> Instance:
    closure = cdef.closure
    inst = Instance(name, len(ctx.instances), types, declared)
    ctx.instances[cdef, types] = inst
    binders = tuple(Binder(p.name, ty, p.span) for p, ty in zip(closure.params, types, strict=True))
    _check_unique_params(ctx, closure.params)
    scope = cdef.scope.child({cdef.name: cdef}).child({b.name: b for b in binders})
    body = check_expected(ctx, closure.body, scope, declared)
    if isinstance(body.type, TupleOf):
        ctx.error(
            f"a closure returning a tuple is not supported by the AOT compiler ('{cdef.name}')",
            closure.body.span,
            "bind the tuple in the where block instead: `t: (a, b)`",
        )
        body = poison(body.span)
    if declared is None:
        inst.result = body.type
    else:
        body = coerce(ctx, body, declared, f"the result of '{cdef.name}'")
    inst.done = FunctionInstance(inst.name, binders, inst.result or body.type, body, closure.span)
    return inst


def check_unused(ctx: CheckContext, cdefs: Iterable[ClosureDef]) -> None:
    """Check each closure of ``cdefs`` nothing instantiated, so its mistakes are
    reported too (as a probe when a parameter type is unknown; fully annotated, it is
    emitted)."""
    used = {cdef for cdef, _ in ctx.instances}
    for cdef in cdefs:
        if cdef not in used:
            instantiate(ctx, cdef, (ERROR,) * len(cdef.closure.params), cdef.closure.span)


def _calls_itself(body: ast.Expr, name: str) -> bool:
    from .nesting import children

    stack = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Call) and node.callee == name:
            return True
        if isinstance(node, ast.Closure) or (
            isinstance(node, ast.Where) and any(b.name == name for b in node.bindings)
        ):
            continue  # another closure, or a binding shadowing the name
        stack.extend(children(node))
    return False


def _base_case_type(ctx: CheckContext, cdef: ClosureDef, types: tuple[Type, ...]) -> Type | None:
    """The result type of a recursive closure without an annotation: the type of its
    first branch (of ``?:`` or ``match``, in order) that does not call it, checked
    quietly; None when there is none (the recursive call then asks for an annotation)."""
    binders = {
        p.name: Binder(p.name, ty, p.span) for p, ty in zip(cdef.closure.params, types, strict=True)
    }
    scope = cdef.scope.child({cdef.name: cdef}).child(binders)
    for branch in _branches(cdef.closure.body):
        if _calls_itself(branch, cdef.name):
            continue
        found = len(ctx.diagnostics)
        with ctx.probe():
            ty = ctx.check(branch, scope).type
        quiet = len(ctx.diagnostics) == found
        del ctx.diagnostics[found:]
        if quiet and not isinstance(ty, ErrorType | TupleOf):
            return ty
    return None


def _branches(body: ast.Expr) -> list[ast.Expr]:
    """The leaf branches of nested ``?:`` and ``match`` arms, in source order."""
    if isinstance(body, ast.Ternary):
        return [*_branches(body.then), *_branches(body.otherwise)]
    if isinstance(body, ast.Match):
        return [leaf for arm in body.arms for leaf in _branches(arm.body)]
    return [body]


def _no_tuple(ctx: CheckContext, ty: Type, span: Span) -> Type:
    if not isinstance(ty, TupleOf) or ty.is_record:  # a record is passed leaf by leaf
        return ty
    ctx.error(
        "a closure taking a tuple is not supported by the AOT compiler",
        span,
        "pass the tuple's elements as separate arguments: `f(t.0, t.1)`",
    )
    return ERROR


def read_annotation(
    ctx: CheckContext, expr: ast.TypeExpr, *, tuple_ok: bool = False, nested_ok: bool = False
) -> Type:
    found: list[Diagnostic] = []
    ty = resolve_type(expr, found, tuple_ok=tuple_ok, named=ctx.named, nested_ok=nested_ok)
    for diag in found:
        ctx.error(diag.message, diag.span, diag.hint)
    return ty


def _check_unique_params(ctx: CheckContext, params: Sequence[ast.Param]) -> None:
    seen: set[str] = set()
    for param in params:
        if param.name in seen and param.name != "_":
            ctx.error(f"duplicate parameter '{param.name}'", param.span)
        seen.add(param.name)


def arity_message(what: str, expected: int, got: int) -> str:
    plural = "" if expected == 1 else "s"
    return f"{what} takes {expected} argument{plural}, got {got}"
