"""The type checker: a parsed :class:`~.ast.Module` -> a :class:`CheckedModule`.

It resolves every name, checks every operator, call and range chain against the
semantics in docs (relon-subset.md), makes Int-to-Float widening explicit, and
instantiates each where-bound closure per argument-type signature. It collects every
diagnostic of the file and raises them together as one
:class:`~relon_build_backend.errors.SourceError`.

The expression forms live here; operators are in ``check_ops``, calls in
``check_calls``, chains in ``check_chains``, String/List methods in ``check_methods``,
literals, indexing and tuples in ``check_values``, closure instances in ``instances``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..exhaustive import unreachable
from . import ast
from .check_calls import check_call, check_method_call
from .check_documents import (
    DICT,
    check_document,
    check_match,
    check_named_field,
    check_reference,
    declare_types,
    validate_params,
)
from .check_ops import check_binary, check_unary, coerce, poison
from .check_values import (
    check_comprehension,
    check_expected,
    check_field,
    check_fstring,
    check_index,
    check_list_literal,
    check_tuple_literal,
)
from .context import CheckContext
from .diagnostics import SourceError
from .hosts import HostFunction
from .instances import check_unused, read_annotation
from .nesting import MAX_DEPTH, deepest
from .scope import ClosureDef, Scope, suggest
from .source import Span
from .stdlib import STD_MODULES
from .typed import Binder, Cond, Expr, FunctionInstance, Let, Literal_, Var
from .types import (
    BOOL,
    ERROR,
    FLOAT,
    INT,
    STRING,
    ErrorType,
    ListType,
    TupleOf,
    Type,
    has_surface,
    shape_of,
)

__all__ = ["CheckedModule", "check_module"]


@dataclass(frozen=True, slots=True)
class CheckedModule:
    """A module that type-checks, with its typed tree (what the lowering consumes)."""

    module: ast.Module
    #: ``(name, "Int" | "String" | "List<Float>" ...)`` in ``#main`` order
    main_params: tuple[tuple[str, str], ...]
    #: the result type as written, e.g. ``"Float"`` or ``"(Int, String)"``
    main_result: str
    doc: str
    #: the ``#main`` parameters as binders (same order)
    params: tuple[Binder, ...]
    #: a value type, or a :class:`~.types.TupleOf` of value types
    result: Type
    body: Expr
    #: where-bound closure instances, in the order their checking started
    functions: tuple[FunctionInstance, ...]
    #: ``(params, result)`` shapes (``_relon_runtime.shapes.Surface``) when #main
    #: takes or returns records, documents or enums; None otherwise
    surface: tuple[object, object] | None = None


def check_module(module: ast.Module, hosts: Sequence[HostFunction]) -> CheckedModule:
    """Check ``module`` calling ``hosts`` by bare name.

    :raises SourceError: with every type error of the file, in source order.
    """
    ctx = CheckContext(_check_expr, hosts, {d.name: d.module for d in module.imports})
    _check_imports(ctx, module)
    declare_types(ctx, module)
    params, result = _read_main(ctx, module)
    _check_depth(ctx, module)
    body = check_expected(ctx, module.body, Scope({p.name: p for p in params}), result)
    if result == _DOCUMENT:
        result = _document_result(ctx, body)
    elif result is not None:
        hint = f"declare `-> {body.type}` in #main if that is what the rule returns"
        where = "the result of #main"
        body = coerce(ctx, body, result, where, hint, span=_value_span(body))
    if not ctx.diagnostics:
        body = validate_params(ctx, module, params, body)
    if ctx.diagnostics:
        raise SourceError(sorted(ctx.diagnostics, key=lambda d: (d.span.start, d.span.end)))
    assert result is not None and not isinstance(result, ErrorType), result
    return CheckedModule(
        module=module,
        main_params=tuple((p.name, str(p.type)) for p in params),
        main_result=str(result),
        doc=module.doc,
        params=params,
        result=result,
        body=body,
        functions=ctx.functions(),
        surface=_surface(params, result),
    )


def _surface(params: tuple[Binder, ...], result: Type) -> tuple[object, object] | None:
    if not any(has_surface(ty) for ty in (result, *(p.type for p in params))):
        return None
    shapes = tuple((p.name, shape_of(p.type)) for p in params)
    return shapes, shape_of(result)


#: ``-> Dict``, or no result type over a ``{ ... }`` body: the body's record type
_DOCUMENT = TupleOf((), (), DICT)


def _document_result(ctx: CheckContext, body: Expr) -> Type | None:
    ty = body.type
    if isinstance(ty, ErrorType):
        return None
    if isinstance(ty, TupleOf) and ty.is_record:
        return ty
    ctx.error(
        f"a -> Dict rule must return a document, not {ty}",
        _value_span(body),
        "write the result as `{ name: value, ... }`, or declare its type",
    )
    return None


def _value_span(expr: Expr) -> Span:
    """Where a value is computed: through ``where`` bindings, the body they scope (a
    :class:`Let` spans its first binding)."""
    while isinstance(expr, Let):
        expr = expr.body
    return expr.span


def _check_imports(ctx: CheckContext, module: ast.Module) -> None:
    # An unknown module's alias stays in ctx.imports, so its uses are not also reported
    # as "not imported".
    for directive in module.imports:
        if directive.module not in STD_MODULES:
            hint = suggest(directive.module, STD_MODULES) or "use std/math or std/list"
            ctx.error(f"unknown module '{directive.module}'", directive.span, hint)


def _check_depth(ctx: CheckContext, module: ast.Module) -> None:
    """:raises SourceError: if the body nests too deeply for the recursive stages."""
    depth, deepest_node = deepest(module.body)
    if depth > MAX_DEPTH:
        ctx.error(
            f"expression nested too deeply ({depth} levels, at most {MAX_DEPTH})",
            deepest_node.span,
            "split it up: a long operator chain can be summed from where-bound parts "
            "(each where binding counts as one level)",
        )
        raise SourceError(ctx.diagnostics)


def _read_main(ctx: CheckContext, module: ast.Module) -> tuple[tuple[Binder, ...], Type | None]:
    main = module.main
    if main is None:
        ctx.error(
            "this file has no #main directive",
            module.body.span,
            "declare the entry signature before the expression, e.g. `#main(Int n) -> Int`",
        )
        return (), None
    params: list[Binder] = []
    for param in main.params:
        if param.type is None:
            ctx.error(
                f"#main parameter '{param.name}' needs a type",
                param.span,
                f"write e.g. `Int {param.name}` (Int, Float, Bool, String or List<T>)",
            )
        ty = ERROR if param.type is None else read_annotation(ctx, param.type, nested_ok=True)
        if any(p.name == param.name for p in params):
            ctx.error(f"duplicate #main parameter '{param.name}'", param.span)
        params.append(Binder(param.name, ty, param.span))
    if main.result is None and isinstance(module.body, ast.Document):
        return tuple(params), _DOCUMENT
    if main.result is None:
        ctx.error(
            "#main needs a result type",
            main.span,
            "write `-> Int`, `-> Float` or `-> Bool` after the parameters",
        )
        return tuple(params), None
    if isinstance(main.result, ast.NamedType) and main.result.name == DICT:
        return tuple(params), _DOCUMENT  # Dict<...> arguments describe what the body says
    result = read_annotation(ctx, main.result, tuple_ok=True)
    return tuple(params), None if isinstance(result, ErrorType) else result


def _check_expr(  # noqa: RET503
    ctx: CheckContext, node: ast.Expr, scope: Scope, expected: Type | None
) -> Expr:
    """The typed node of ``node``; ``expected`` flows into list literals, branches and
    where bodies (so ``b ? [] : []`` is typed by a ``-> List<Int>`` result)."""
    match node:
        case ast.IntLiteral():
            return Literal_(node.value, INT, node.span)
        case ast.FloatLiteral():
            return Literal_(node.value, FLOAT, node.span)
        case ast.BoolLiteral():
            return Literal_(node.value, BOOL, node.span)
        case ast.StringLiteral():
            return Literal_(node.value, STRING, node.span)
        case ast.FStringLiteral():
            return check_fstring(ctx, node, scope)
        case ast.ListLiteral():
            wanted = expected if isinstance(expected, ListType) else None
            return check_list_literal(ctx, node, scope, wanted)
        case ast.Comprehension():
            return check_comprehension(ctx, node, scope)
        case ast.TupleLiteral():
            return check_tuple_literal(ctx, node, scope, expected)
        case ast.Index():
            return check_index(ctx, node, scope)
        case ast.FieldAccess():
            return check_field(ctx, node, scope)
        case ast.NamedField():
            return check_named_field(ctx, node, scope)
        case ast.Reference():
            return check_reference(ctx, node)
        case ast.Match():
            return check_match(ctx, node, scope, expected)
        case ast.Document():
            return check_document(ctx, node, scope)
        case ast.Name():
            return _check_name(ctx, node, scope)
        case ast.Unary():
            return check_unary(ctx, node, ctx.check(node.operand, scope))
        case ast.Binary():
            left, right = _check_pair(ctx, node.left, node.right, scope)
            return check_binary(ctx, node, left, right)
        case ast.Ternary():
            return _check_ternary(ctx, node, scope, expected)
        case ast.Call():
            return check_call(ctx, node, scope)
        case ast.MethodCall():
            return check_method_call(ctx, node, scope)
        case ast.Closure():
            ctx.error(
                "a closure can only be bound in a where block or passed to "
                "map/filter/reduce/any/all",
                node.span,
                "bind it: `... where { f: (x) => x * 2 }`, then call `f(...)`",
            )
            return poison(node.span)
        case ast.Where():
            return _check_where(ctx, node, scope, expected)
    unreachable(node)  # mypy proves this unreachable: every node kind is handled


def _check_pair(
    ctx: CheckContext, a: ast.Expr, b: ast.Expr, scope: Scope, expected: Type | None = None
) -> tuple[Expr, Expr]:
    """Two operands; a list literal takes its type from the other one (``[]``, Int
    elements widened for a List<Float>). Checking the right side first changes no
    evaluation order: that is the lowering's, and diagnostics are sorted."""
    if isinstance(a, ast.ListLiteral) and not isinstance(b, ast.ListLiteral):
        second = ctx.check(b, scope, expected)
        return ctx.check(a, scope, expected or second.type), second
    first = ctx.check(a, scope, expected)
    return first, ctx.check(b, scope, expected or first.type)


def _check_name(ctx: CheckContext, node: ast.Name, scope: Scope) -> Expr:
    entry = scope.lookup(node.name)
    if isinstance(entry, Binder):
        return Var(entry, node.span)
    if isinstance(entry, ClosureDef):
        ctx.error(
            f"'{node.name}' is a closure, not a value",
            node.span,
            f"call it: `{node.name}(...)`",
        )
    else:
        ctx.error(f"unknown name '{node.name}'", node.span, suggest(node.name, scope.names()))
    return poison(node.span)


def _check_ternary(
    ctx: CheckContext, node: ast.Ternary, scope: Scope, expected: Type | None
) -> Expr:
    condition = ctx.check(node.condition, scope)
    if condition.type != BOOL and not isinstance(condition.type, ErrorType):
        ctx.error(
            f"the condition of '?:' must be Bool, not {condition.type}",
            condition.span,
            "compare explicitly, e.g. `x != 0 ? a : b`",
        )
        condition = poison(condition.span)
    then, otherwise = _check_pair(ctx, node.then, node.otherwise, scope, expected)
    ty: Type = then.type
    if isinstance(then.type, ErrorType) or isinstance(otherwise.type, ErrorType):
        ty = ERROR
    elif then.type != otherwise.type:
        mixed = {then.type, otherwise.type} == {INT, FLOAT}
        ctx.error(
            f"the branches of '?:' have different types: {then.type} and {otherwise.type}",
            node.span,
            "write the Int branch as a Float, e.g. `0.0` instead of `0`" if mixed else None,
        )
        ty = ERROR
    return Cond(condition, then, otherwise, ty, node.span)


def _check_where(ctx: CheckContext, node: ast.Where, scope: Scope, expected: Type | None) -> Expr:
    """Bindings in order, each seeing the ones before it; closures also see themselves."""
    lets: list[tuple[Binder, Expr, ast.Binding]] = []
    closures: list[ClosureDef] = []
    seen: set[str] = set()
    for binding in node.bindings:
        if binding.name in seen:
            ctx.error(f"'{binding.name}' is bound twice in this where block", binding.span)
        seen.add(binding.name)
        if isinstance(binding.value, ast.Closure):
            cdef = ClosureDef(binding.name, binding.value, scope)
            closures.append(cdef)
            scope = scope.child({binding.name: cdef})
            continue
        value = ctx.check(binding.value, scope)
        binder = Binder(binding.name, value.type, binding.span)
        lets.append((binder, value, binding))
        scope = scope.child({binding.name: binder})
    body = ctx.check(node.body, scope, expected)
    check_unused(ctx, closures)
    for binder, value, binding in reversed(lets):
        body = Let(binder, value, body, binding.span)
    return body
