"""Stage 2: the checked module -> Relon IR (:mod:`relon_build_backend.ir.nodes`).

:func:`lower_module` lambda-lifts every where-bound closure instance into an
:class:`~relon_build_backend.ir.nodes.Function` (captures first, computed in
``captures``), lowers each body (``exprs``, ``loops``), lists the host functions
called, and verifies the result against the IR rules (``ir/verify.py``). Tuples are
eliminated (``tuples``): only a tuple-returning entry keeps one, as its result.
"""

from __future__ import annotations

from ..frontend import typed as t
from ..frontend.checker import CheckedModule
from ..frontend.hosts import CAPABILITIES
from ..ir import nodes as ir
from ..ir.verify import verify_module
from .captures import compute_captures, hosts_called
from .exprs import FunctionLowering, ir_type
from .scope import is_row, leaves
from .tuples import lower_entry_tuple

__all__ = ["lower_module"]


def lower_module(checked: CheckedModule, *, name: str) -> ir.IrModule:
    """The IR of ``checked``, named ``name`` (the rule's file stem).

    :raises AssertionError: if the result breaks an IR rule (a bug of ours).
    """
    captures = compute_captures(checked.functions)
    entry_lowering = FunctionLowering(captures)
    params = tuple(p for b in checked.params for p in entry_lowering.params(b))
    scalars = [b.name for b in checked.params if not is_row(b.type)]
    assert [p.name for p in params if p.name in scalars] == scalars, "renamed #main"
    span = checked.module.span
    result: ir.IrType | ir.TupleType
    if is_row(checked.result):
        body = lower_entry_tuple(entry_lowering, checked.body)
        result = ir.TupleType(tuple(ir_type(e) for e in leaves(checked.result)))
    else:
        body, result = entry_lowering.expr(checked.body), ir_type(checked.result)
    entry = ir.Function("main", params, result, body, span)
    functions = tuple(_lower_function(f, captures) for f in checked.functions)
    bodies = [checked.body, *(f.body for f in checked.functions)]
    hosts = tuple(
        ir.HostImport(
            name=call.host.name,
            params=tuple(_host_type(p) for p in call.host.params),
            result=_host_type(call.host.result),
            capabilities=tuple(c for c in CAPABILITIES if c in call.host.capabilities),
            span=call.host.span,
        )
        for _, call in sorted(hosts_called(bodies).items())
    )
    module = ir.IrModule(name, entry, functions, hosts, span)
    verify_module(module)
    return module


def _host_type(name: str) -> ir.IrType:
    # HostType is "Int" | "Float" | "Bool"; IrType values are the lower-case names.
    return ir.IrType(name.lower())


def _lower_function(
    function: t.FunctionInstance, captures: dict[str, tuple[t.Binder, ...]]
) -> ir.Function:
    lowering = FunctionLowering(captures)
    binders = (*captures[function.name], *function.params)
    params = tuple(p for b in binders for p in lowering.params(b))
    body = lowering.expr(function.body)
    return ir.Function(function.name, params, ir_type(function.result), body, function.span)
