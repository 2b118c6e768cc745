"""Documents (relon-subset.md "Documents"): schemas, enums, ``match``, dict results.

Everything here becomes nodes the later stages already know, so the lowering and
codegen see no documents at all:

- a ``#schema`` is a record type (:class:`~.types.TupleOf` with field names); ``x.f``
  is a :class:`~.typed.TupleField`; its ``#expect`` checks become :class:`~.typed.Validate`
  nodes around the entry body, one per checked field of each ``#main`` parameter;
- an ``#enum`` value is its variant's index (:class:`~.typed.EnumValue`);
- ``e match { ... }`` is ``e`` bound once, then a chain of ``==`` tests (:class:`~.typed.Cond`);
- a ``{ ... }`` document is a row of ``let``\\ s, one per field (nested documents'
  fields included), in dependency order, then a record of the visible fields. A
  ``&sibling``/``&root`` reference or a bare field name reads its field's binder.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from . import ast
from .check_ops import coerce, poison
from .context import CheckContext
from .instances import check_unused, instantiate, read_annotation
from .nesting import children
from .scope import ClosureDef, Scope, suggest
from .source import Span
from .typed import (
    Arith,
    Binder,
    CallFunction,
    Compare,
    Concat,
    Cond,
    EnumValue,
    Expr,
    Inline,
    Let,
    ListCall,
    Literal_,
    MakeTuple,
    Pipeline,
    RangeOf,
    Reduce,
    ToText,
    TupleField,
    Validate,
    Var,
)
from .types import BOOL, ERROR, INT, STRING, EnumType, ErrorType, ListType, Scalar, TupleOf, Type

__all__ = [
    "check_document",
    "check_match",
    "check_named_field",
    "check_reference",
    "declare_types",
    "validate_params",
]

#: the result type of a document (``-> Dict``)
DICT = "Dict"


# --------------------------------------------------------------------------- declarations


def declare_types(ctx: CheckContext, module: ast.Module) -> None:
    """Enter the file's enums, then its schemas (in order: a field may have the type of
    an earlier schema), into ``ctx.named``."""
    for decl in module.enums:
        if _taken(ctx, decl.name, decl.span):
            continue
        names = [v for v, _ in decl.variants]
        for i, (variant, span) in enumerate(decl.variants):
            if variant in names[:i]:
                ctx.error(f"duplicate variant '{variant}' in #enum {decl.name}", span)
        if not names:
            ctx.error(f"#enum {decl.name} needs at least one variant", decl.span)
        ctx.named[decl.name] = EnumType(decl.name, tuple(names))
    for schema in module.schemas:
        if _taken(ctx, schema.name, schema.span):
            continue
        types: list[Type] = []
        names = []
        for f in schema.fields:
            if f.name in names:
                ctx.error(f"duplicate field '{f.name}' in #schema {schema.name}", f.span)
            names.append(f.name)
            types.append(read_annotation(ctx, f.type))
        if not names:
            ctx.error(f"#schema {schema.name} needs at least one field", schema.span)
        if ERROR in types or not names:
            continue
        ctx.named[schema.name] = TupleOf(tuple(types), tuple(names), schema.name)


def _taken(ctx: CheckContext, name: str, span: Span) -> bool:
    if name in ctx.named or name in ("Int", "Float", "Bool", "String", "List", DICT):
        ctx.error(f"the type name '{name}' is already taken", span, "choose another name")
        return True
    return False


def validate_params(
    ctx: CheckContext, module: ast.Module, params: tuple[Binder, ...], body: Expr
) -> Expr:
    """``body`` behind the ``#expect`` checks of every record parameter, in parameter
    and field order (a nested record's checks where its field is; a list of records'
    checks element by element, reporting the first failure with its index)."""
    schemas = {s.name: s for s in module.schemas}
    wrappers: list[Callable[[Expr], Expr]] = []
    for param in params:
        wrappers += _validations(ctx, schemas, Var(param, param.span), param.name)
    for wrap in reversed(wrappers):
        body = wrap(body)
    return body


class _Check(NamedTuple):
    """A field's ``#expect``: its condition, ``path: message`` and where it is declared."""

    condition: Expr
    text: str
    span: Span


class _Records(NamedTuple):
    """A ``List<Schema>`` field, whose elements are checked by a loop."""

    value: Expr
    path: str


def _validations(
    ctx: CheckContext, schemas: dict[str, ast.SchemaDecl], value: Expr, path: str
) -> Iterator[Callable[[Expr], Expr]]:
    """Wrappers putting ``value``'s checks around a body, in order."""
    if _is_records(value.type):
        found: Iterator[_Check | _Records] = iter([_Records(value, path)])
    else:
        found = _record_checks(ctx, schemas, value, path)
    for item in found:
        if isinstance(item, _Check):
            text = Literal_(item.text, STRING, item.span)
            yield functools.partial(Validate, item.condition, text, span=item.span)
            continue
        wrap = _list_validation(ctx, schemas, item.value, item.path)
        if wrap is not None:
            yield wrap


def _record_checks(
    ctx: CheckContext, schemas: dict[str, ast.SchemaDecl], value: Expr, path: str
) -> Iterator[_Check | _Records]:
    """The checks of record ``value`` in field order, a nested record's in its place,
    and each list-of-records field met (checked by the caller)."""
    ty = value.type
    if not isinstance(ty, TupleOf) or ty.name not in schemas:
        return
    for i, decl in enumerate(schemas[ty.name].fields):
        field = TupleField(value, i, ty.elements[i], value.span)
        where = f"{path}.{decl.name}"
        if decl.predicate is not None:
            check = _check_call(ctx, ty.name, decl, field)
            if check is not None:
                yield _Check(check, f"{where}: {decl.message}", decl.span)
        if _is_records(field.type):
            yield _Records(field, where)
        else:
            yield from _record_checks(ctx, schemas, field, where)


def _is_records(ty: Type) -> bool:
    return isinstance(ty, ListType) and isinstance(ty.element, TupleOf)


def _check_call(ctx: CheckContext, schema: str, decl: ast.SchemaField, field: Expr) -> Expr | None:
    """``decl``'s predicate applied to ``field``, as a call of its closure instance."""
    assert decl.predicate is not None
    cdef = ClosureDef(f"{schema}_{decl.name}_check", decl.predicate, Scope())
    inst = instantiate(ctx, cdef, (field.type,), decl.predicate.span)
    if inst is None:
        return None
    call: Expr = CallFunction(inst.name, (field,), inst.result or BOOL, decl.span)
    return coerce(ctx, call, BOOL, f"the #expect check of '{decl.name}'")


def _list_validation(
    ctx: CheckContext, schemas: dict[str, ast.SchemaDecl], records: Expr, path: str
) -> Callable[[Expr], Expr] | None:
    """One loop over ``records`` finding the first failing check (element by element,
    field by field) as ``index * checks + check``, -1 when all pass; then the check."""
    ty = records.type
    assert isinstance(ty, ListType) and isinstance(ty.element, TupleOf)
    span = records.span
    index = Binder("i", INT, span)
    element = Binder("record", ty.element, span)
    # an element is a flat record (no list of records inside): only checks
    checks = [
        c for c in _record_checks(ctx, schemas, Var(element, span), "") if isinstance(c, _Check)
    ]
    if not checks:
        return None
    count = Literal_(len(checks), INT, span)
    at = Arith("*", Var(index, span), count, INT, span)
    code: Expr = Literal_(-1, INT, span)
    for k, (condition, _, _) in reversed(list(enumerate(checks))):
        failed = Arith("+", at, Literal_(k, INT, span), INT, span) if k else at
        code = Cond(condition, code, failed, INT, span)
    item = ListCall("index", (records, Var(index, span)), ty.element, span)
    acc = Binder("first_failure", INT, span)
    found = Compare(">=", Var(acc, span), Literal_(0, INT, span), INT, span)
    update = Cond(found, Var(acc, span), Let(element, item, code, span), INT, span)
    length = ListCall("len", (records,), INT, span)
    source = RangeOf(Literal_(0, INT, span), length, span)
    reduce = Reduce(
        Literal_(-1, INT, span), Inline((acc, index), update, span), INT, INT, False, span
    )
    first = Binder("invalid", INT, span)
    bad = Var(first, span)
    suffix: Expr = Literal_(checks[-1].text, STRING, span)
    for k in range(len(checks) - 2, -1, -1):
        which = Arith("%", bad, count, INT, span)
        is_k = Compare("==", which, Literal_(k, INT, span), INT, span)
        suffix = Cond(is_k, Literal_(checks[k].text, STRING, span), suffix, STRING, span)
    position = ToText(Arith("/", bad, count, INT, span), span)
    message = Concat(
        (Literal_(f"{path}[", STRING, span), position, Literal_("]", STRING, span), suffix), span
    )
    ok = Compare("<", bad, Literal_(0, INT, span), INT, span)
    loop = Pipeline(source, (), reduce, span)
    return lambda body: Let(first, loop, Validate(ok, message, body, span), span)


# --------------------------------------------------------------------------- field access


def check_named_field(ctx: CheckContext, node: ast.NamedField, scope: Scope) -> Expr:
    """``Enum.Variant`` (when the target names an enum, not a value), or ``record.field``."""
    target = node.target
    if isinstance(target, ast.Name) and scope.lookup(target.name) is None:
        declared = ctx.named.get(target.name)
        if isinstance(declared, EnumType):
            return _variant(ctx, declared, node.name, node.name_span, node.span)
    value = ctx.check(target, scope)
    return _field(ctx, value, node.name, node.name_span, node.span)


def _variant(ctx: CheckContext, enum: EnumType, name: str, at: Span, span: Span) -> Expr:
    if name in enum.variants:
        return EnumValue(enum.variants.index(name), enum, span)
    ctx.error(
        f"#enum {enum.name} has no variant '{name}'",
        at,
        suggest(name, enum.variants) or f"variants: {', '.join(enum.variants)}",
    )
    return poison(span)


def _field(ctx: CheckContext, value: Expr, name: str, at: Span, span: Span) -> Expr:
    ty = value.type
    if isinstance(ty, ErrorType):
        return poison(span)
    if not isinstance(ty, TupleOf) or ty.fields is None:
        hint = "only records (#schema values and documents) have fields"
        if isinstance(ty, TupleOf):
            hint = "tuple elements are read by position: `.0`"
        ctx.error(f"{ty} has no field '{name}'", at, hint)
        return poison(span)
    index = ty.field_index(name)
    if index is None:
        ctx.error(f"{ty} has no field '{name}'", at, suggest(name, ty.fields))
        return poison(span)
    return TupleField(value, index, ty.elements[index], span)


# --------------------------------------------------------------------------- match


def check_match(ctx: CheckContext, node: ast.Match, scope: Scope, expected: Type | None) -> Expr:
    """``subject match { arms }``: the subject bound once, then one test per arm in
    order; ``_`` (or, over an enum, the last variant left) is the final else."""
    subject = ctx.check(node.subject, scope)
    ty = subject.type
    if isinstance(ty, ErrorType):
        return poison(node.span)
    if not isinstance(ty, EnumType) and ty not in (INT, STRING, BOOL):
        ctx.error(
            f"match needs an enum, Int, String or Bool value, not {ty}",
            node.subject.span,
        )
        return poison(node.span)
    binder = Binder("match", ty, node.subject.span)
    tests: list[tuple[Expr | None, Expr]] = []
    seen: set[object] = set()
    for arm in node.arms:
        if tests and tests[-1][0] is None:
            ctx.error("this arm can never match: '_' above catches everything", arm.pattern_span)
            break
        test = _arm_test(ctx, arm, binder, seen)
        tests.append((test, ctx.check(arm.body, scope, expected)))
    if any(isinstance(body.type, ErrorType) for _, body in tests):
        return poison(node.span)
    missing = _missing(ty, seen) if tests[-1][0] is not None else []
    if tests[-1][0] is not None and not isinstance(ty, EnumType) and ty != BOOL:
        ctx.error(
            f"this match on {ty} needs a '_' arm",
            node.span,
            "add `_: <value>` as the last arm",
        )
        return poison(node.span)
    if missing:
        ctx.error(
            f"this match does not cover {', '.join(missing)}",
            node.span,
            "add an arm for each, or a `_` arm",
        )
        return poison(node.span)
    result_type = tests[0][1].type
    for _, body in tests[1:]:
        if body.type != result_type:
            ctx.error(
                f"the arms of this match have different types: {result_type} and {body.type}",
                body.span,
            )
            return poison(node.span)
    chain = tests[-1][1]
    for test, body in reversed(tests[:-1]):
        assert test is not None
        chain = Cond(test, body, chain, result_type, node.span)
    return Let(binder, subject, chain, node.span)


def _arm_test(
    ctx: CheckContext, arm: ast.MatchArm, binder: Binder, seen: set[object]
) -> Expr | None:
    """The condition of ``arm`` on the subject ``binder``; None for ``_``."""
    ty, pattern, span = binder.type, arm.pattern, arm.pattern_span
    subject = Var(binder, span)
    if pattern == "_":
        return None
    value: Expr
    if isinstance(ty, EnumType):
        if not isinstance(pattern, str):
            ctx.error(f"a match on #enum {ty.name} takes variant names", span)
            return poison(span)
        value = _variant(ctx, ty, pattern, span, span)
        key: object = pattern
    elif isinstance(pattern, str):
        ctx.error(
            f"'{pattern}' is not a pattern for a {ty} value",
            span,
            f"write a {ty} literal, or `_`",
        )
        return poison(span)
    else:
        literal_type = {
            ast.IntLiteral: INT,
            ast.StringLiteral: STRING,
            ast.BoolLiteral: BOOL,
        }[type(pattern)]
        if literal_type != ty:
            ctx.error(f"a {literal_type} pattern cannot match a {ty} value", span)
            return poison(span)
        value, key = Literal_(pattern.value, literal_type, span), pattern.value
    if key in seen:
        ctx.error("this arm repeats an earlier pattern", span)
    seen.add(key)
    operand = INT if isinstance(ty, EnumType) else ty
    assert isinstance(operand, Scalar), operand
    return Compare("==", subject, value, operand, span)


def _missing(ty: Type, seen: set[object]) -> list[str]:
    if isinstance(ty, EnumType):
        return [v for v in ty.variants if v not in seen]
    if ty == BOOL:
        return [str(b).lower() for b in (True, False) if b not in seen]
    return []


# --------------------------------------------------------------------------- documents


@dataclass(eq=False, slots=True)
class _Slot:
    """One field of a document being checked (a nested document's fields are slots too)."""

    decl: ast.DocField
    doc: _Doc
    child: _Doc | None = None  # the nested document, when the value is one
    deps: list[tuple[_Slot, Span]] = field(default_factory=list)
    value: Expr | None = None
    binder: Binder | None = None


@dataclass(eq=False, slots=True)
class _Doc:
    node: ast.Document
    parent: _Doc | None
    slots: dict[str, _Slot] = field(default_factory=dict)
    methods: dict[str, ClosureDef] = field(default_factory=dict)


def check_document(ctx: CheckContext, node: ast.Document, scope: Scope) -> Expr:
    """A ``{ ... }`` document: its fields bound in dependency order, then the record of
    its visible (not ``#internal``) fields."""
    root = _collect(ctx, node, None, scope)
    slots = list(_all_slots(root))
    for slot in slots:
        _find_deps(ctx, slot, root, scope)
    order = _order(ctx, slots)
    if order is None:
        return poison(node.span)
    for slot in order:
        slot.value = _value_of(ctx, slot, scope)
        slot.binder = Binder(slot.decl.name, slot.value.type, slot.decl.span)
    _check_unused_methods(ctx, root)
    if any(isinstance(s.value.type, ErrorType) for s in order if s.value is not None):
        return poison(node.span)
    body: Expr = _record(root)
    for slot in reversed(order):
        assert slot.binder is not None and slot.value is not None
        body = Let(slot.binder, slot.value, body, slot.decl.span)
    return body


def _check_unused_methods(ctx: CheckContext, doc: _Doc) -> None:
    """Check a helper nothing calls too, so its mistakes are reported (as ``where``)."""
    check_unused(ctx, doc.methods.values())
    for slot in doc.slots.values():
        if slot.child is not None:
            _check_unused_methods(ctx, slot.child)


def _collect(ctx: CheckContext, node: ast.Document, parent: _Doc | None, scope: Scope) -> _Doc:
    doc = _Doc(node, parent)
    outer = scope if parent is None else _method_scope(parent, scope)
    method_scope = Scope(doc.methods, outer)  # filled below: methods see each other
    for f in node.fields:
        if f.name in doc.slots or f.name in doc.methods:
            ctx.error(f"'{f.name}' is defined twice in this document", f.span)
            continue
        if f.method:
            assert isinstance(f.value, ast.Closure)
            doc.methods[f.name] = ClosureDef(f.name, f.value, method_scope)
            continue
        slot = _Slot(f, doc)
        if isinstance(f.value, ast.Document):
            slot.child = _collect(ctx, f.value, doc, scope)
        doc.slots[f.name] = slot
    if not any(not s.decl.internal for s in doc.slots.values()):
        ctx.error(
            "a document needs at least one field that is not #internal",
            node.span,
            "add a field, e.g. `{ total: ... }`",
        )
    return doc


def _method_scope(doc: _Doc, scope: Scope) -> Scope:
    """The scope a document's fields see: the outer scope, then each enclosing
    document's helper methods, innermost last."""
    chain: list[_Doc] = []
    current: _Doc | None = doc
    while current is not None:
        chain.append(current)
        current = current.parent
    for d in reversed(chain):
        scope = Scope(d.methods, scope)
    return scope


def _all_slots(doc: _Doc) -> Iterator[_Slot]:
    for slot in doc.slots.values():
        if slot.child is not None:
            yield from _all_slots(slot.child)
        yield slot


def _find_deps(ctx: CheckContext, slot: _Slot, root: _Doc, scope: Scope) -> None:
    """What ``slot`` reads: its nested document's fields, the fields its references
    name, and sibling fields it names bare (a name the outer scope does not bind)."""
    if slot.child is not None:
        slot.deps += [(s, s.decl.span) for s in slot.child.slots.values()]
        return
    for node in _walk(slot.decl.value):
        if isinstance(node, ast.Reference):
            target = _resolve(ctx, node, slot.doc, root)
            if target is not None:
                slot.deps.append((target[0], node.span))
                ctx.references[node] = target
        elif isinstance(node, ast.Name) and scope.lookup(node.name) is None:
            found = _bare(slot.doc, node.name)
            if found is not None:
                slot.deps.append((found, node.span))


def _bare(doc: _Doc | None, name: str) -> _Slot | None:
    while doc is not None:
        if name in doc.slots:
            return doc.slots[name]
        doc = doc.parent
    return None


def _resolve(
    ctx: CheckContext, node: ast.Reference, doc: _Doc, root: _Doc
) -> tuple[_Slot, tuple[str, ...]] | None:
    """The slot a reference reads and the rest of its path (record fields)."""
    current = doc if node.anchor == "sibling" else root
    path = node.path
    while True:
        slot = current.slots.get(path[0])
        if slot is None:
            where = "this document" if current is doc else "the root document"
            if node.anchor == "sibling" and current is doc:
                where = "the enclosing document"
            ctx.error(
                f"{where} has no field '{path[0]}'",
                node.span,
                suggest(path[0], current.slots) or None,
            )
            return None
        if slot.child is None or len(path) == 1:
            return slot, path[1:]
        current, path = slot.child, path[1:]


def _walk(expr: ast.Expr) -> Iterator[ast.Expr]:
    """Every node of ``expr`` except inside nested documents (which have their own
    fields), iteratively."""
    stack = [expr]
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, ast.Document):
            stack.extend(children(node))


def _order(ctx: CheckContext, slots: list[_Slot]) -> list[_Slot] | None:
    """Slots in dependency order (each after what it reads, otherwise in source order);
    None after a diagnostic for a reference cycle."""
    done: set[_Slot] = set()
    active: list[_Slot] = []
    order: list[_Slot] = []

    def visit(slot: _Slot, at: Span | None) -> bool:
        if slot in done:
            return True
        if slot in active:
            cycle = [*active[active.index(slot) :], slot]
            names = " -> ".join(s.decl.name for s in cycle)
            ctx.error(
                f"reference cycle: {names}",
                at or slot.decl.span,
                "a field cannot depend on itself, directly or through other fields",
            )
            return False
        active.append(slot)
        for dep, span in slot.deps:
            if not visit(dep, span):
                return False
        active.pop()
        done.add(slot)
        order.append(slot)
        return True

    for slot in slots:
        if not visit(slot, None):
            return None
    return order


def _value_of(ctx: CheckContext, slot: _Slot, scope: Scope) -> Expr:
    if slot.child is not None:
        return _record(slot.child)
    fields = _field_scope(slot.doc, scope)
    declared = None if slot.decl.type is None else read_annotation(ctx, slot.decl.type)
    if declared is not None and isinstance(declared, ErrorType):
        return poison(slot.decl.span)
    value = ctx.check(slot.decl.value, fields, declared)
    if declared is not None:
        value = coerce(ctx, value, declared, f"the field '{slot.decl.name}'")
    return value


def _field_scope(doc: _Doc, scope: Scope) -> Scope:
    """The scope of a field's value: the outer scope, helper methods, then the bound
    fields of its document and the enclosing ones that the outer scope does not shadow."""
    inner = _method_scope(doc, scope)
    entries: dict[str, Binder] = {}
    current: _Doc | None = doc
    while current is not None:
        for name, slot in current.slots.items():
            if name not in entries and slot.binder is not None and scope.lookup(name) is None:
                entries[name] = slot.binder
        current = current.parent
    return inner.child(entries)


def _record(doc: _Doc) -> Expr:
    visible = [s for s in doc.slots.values() if not s.decl.internal]
    elements: list[Expr] = []
    for slot in visible:
        assert slot.binder is not None
        elements.append(Var(slot.binder, slot.decl.span))
    if any(isinstance(e.type, ErrorType) for e in elements) or not elements:
        return poison(doc.node.span)
    ty = TupleOf(tuple(e.type for e in elements), tuple(s.decl.name for s in visible), DICT)
    return MakeTuple(tuple(elements), doc.node.span, ty)


def check_reference(ctx: CheckContext, node: ast.Reference) -> Expr:
    """``&sibling.x.y``: the field's binder (bound before this field, see
    :func:`check_document`), then record fields for the rest of the path."""
    found = ctx.references.get(node)
    if found is None:
        ctx.error(
            f"'&{node.anchor}' can only be used inside a document's fields",
            node.span,
            "write the rule's result as a document: `{ a: ..., b: &sibling.a + 1 }`",
        )
        return poison(node.span)
    slot, rest = found
    if slot.binder is None:  # its field failed to check: reported there
        return poison(node.span)
    value: Expr = Var(slot.binder, node.span)
    for name in rest:
        value = _field(ctx, value, name, node.span, node.span)
    return value
