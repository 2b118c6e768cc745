"""The closed-world co-compile of one rule: link the shim, inline it, optimise, emit.

:class:`CoCompiledModule` is the lifecycle object of one rule's LLVM module
(house style 15): parse + verify the rule IR -> link the shim -> check the
rule's ``relon_rt_*`` declarations against the runtime crate (they stay external)
-> finalize (internalize everything but the exports, force-inline host functions,
O3, verify) -> emit. Any change after :meth:`CoCompiledModule.finalize` raises.

The runtime crate is optimised and emitted once per library and target by
:func:`build_runtime_object` (linking it into every rule cost 1-2 s per rule, mostly
core's float formatting). The same class does it: an empty module, the crate linked
in (:meth:`CoCompiledModule.link_runtime`), finalized keeping the functions the rules
call. Runtime functions are never force-inlined.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ShimError
from ..frontend.hosts import HostFunction
from ..targets import Target
from .runtime_crate import (
    RUNTIME_PREFIX,
    CompiledRuntime,
    compile_runtime,
    runtime_cache_dir,
    runtime_signatures,
)
from .shim_compiler import CompiledShim, parse_rust_ir, parse_shim_module

if TYPE_CHECKING:
    import llvmlite.binding as llvm

__all__ = [
    "WASM_TRAP_IR",
    "CoCompiledModule",
    "RuleObject",
    "build_rule_object",
    "build_runtime_object",
    "library_runtime_object",
]

log = logging.getLogger(__name__)

#: wasm32 has no runtime.c: a shim panic is a wasm trap the loader maps to HostPanic.
#: External here so it resolves the shim's declaration; internalized like the rest.
WASM_TRAP_IR = """
define void @relon_trap() noreturn nounwind {
  call void @llvm.trap()
  unreachable
}
declare void @llvm.trap() cold noreturn nounwind
"""


#: a call of relon_trap (its declaration does not count)
_CALLS_TRAP = re.compile(r"call [^\n]*@relon_trap\(")
#: ``call i32 @relon_guard(ptr @thunk, ptr %frame)`` as O3 prints it
_GUARD_CALL = re.compile(
    r"(?:tail |musttail |notail )?call (?:\w+ )*?i32 @relon_guard\("
    r"ptr (?:nonnull |noundef )*(?P<thunk>@(?:\"[^\"]+\"|[\w.$-]+)), "
    r"ptr (?:nonnull |noundef |align \d+ |dereferenceable\(\d+\) )*(?P<frame>%[\w.$-]+)\)"
)


@dataclass(frozen=True, slots=True)
class RuleObject:
    """One rule's object code and its LLVM IR after link + inline + optimisation."""

    object: bytes
    optimized_ir: str


class CoCompiledModule:
    """One rule's LLVM module on its way to an object file (see the module docstring)."""

    def __init__(self, rule_ir: str, *, target: Target, opt_level: int) -> None:
        import llvmlite.binding as llvm

        self._target = target
        self._opt_level = opt_level
        self._tm = target.create_target_machine(opt_level=opt_level)
        self._module = self._parse_own(rule_ir, "rule")
        self._rule_functions = frozenset(
            f.name for f in self._module.functions if not f.is_declaration
        )
        # Functions that came with the runtime crate: optimised, never force-inlined.
        self._runtime_functions: frozenset[str] = frozenset()
        # The relon_rt_* declarations were checked and stay external (check_runtime_calls).
        self._runtime_external = False
        self._finalized = False
        self._llvm = llvm

    def _parse_own(self, text: str, what: str) -> llvm.ModuleRef:
        import llvmlite.binding as llvm

        try:
            module = llvm.parse_assembly(text)
            module.verify()
        except RuntimeError as exc:
            raise AssertionError(f"generated {what} LLVM IR is invalid: {exc}") from exc
        self._retarget(module)
        return module

    def _retarget(self, module: llvm.ModuleRef) -> None:
        module.triple = self._target.triple
        module.data_layout = str(self._tm.target_data)

    def _raise_if_finalized(self) -> None:
        if self._finalized:
            raise AssertionError("the module is finalized; it cannot change any more")

    def _link_in(self, module: llvm.ModuleRef, kind: tuple[str, str], source: str) -> None:
        """Link ``module`` (Rust's IR, destroyed by linking) into the rule, after
        checking its functions' types against the rule's declarations (``kind``: what
        a function is called and where it comes from, for that check's messages)."""
        self._retarget(module)
        self._check_host_types(module, *kind)
        try:
            self._module.link_in(module)
        except RuntimeError as exc:
            raise ShimError(
                f"cannot link {source} into the rule: {exc}; rename the shim function "
                "(names starting with relon_ are reserved)"
            ) from None

    def link_shim(self, shim: CompiledShim) -> None:
        """Link the shim's module in (its functions become this module's)."""
        self._raise_if_finalized()
        assert shim.triple == self._target.triple, "shim compiled for another target"
        host = parse_shim_module(shim)
        self._link_in(host, ("host function", "the shim"), str(shim.source))

    def link_runtime(self, runtime: CompiledRuntime) -> None:
        """Link the runtime crate in (after any shim): the rule's ``relon_rt_*``
        declarations resolve to it."""
        self._raise_if_finalized()
        assert runtime.triple == self._target.triple, "runtime compiled for another target"
        assert not self._runtime_functions, "the runtime is linked already"
        crate = parse_rust_ir(runtime.ir, runtime.ir_format, runtime.rustc, runtime.source)
        before = self._defined()
        self._link_in(crate, ("runtime function", "the runtime crate"), "the Relon runtime")
        # Stripped of internal names, the crate's helpers are all named "": that name
        # is in the set too, so none of them is force-inlined either.
        self._runtime_functions = self._defined() - before

    def check_runtime_calls(self, runtime: CompiledRuntime) -> None:
        """Check the rule's ``relon_rt_*`` declarations against the runtime crate and
        leave them external: the library links :func:`build_runtime_object`."""
        self._raise_if_finalized()
        assert runtime.triple == self._target.triple, "runtime compiled for another target"
        defined = runtime_signatures(runtime)
        for declared in self._module.functions:
            if not (declared.is_declaration and declared.name.startswith(RUNTIME_PREFIX)):
                continue
            want, got = defined.get(declared.name), str(declared.global_value_type)
            assert want is not None, f"the runtime crate defines no {declared.name}"
            assert want == got, (
                f"rule declares runtime function {declared.name} as {got}, "
                f"the runtime crate defines {want}"
            )
        self._runtime_external = True

    def needs_runtime(self) -> bool:
        """Whether the module declares a ``relon_rt_*`` function nothing defines yet."""
        return any(
            f.is_declaration and f.name.startswith(RUNTIME_PREFIX) for f in self._module.functions
        )

    def _defined(self) -> frozenset[str]:
        return frozenset(f.name for f in self._module.functions if not f.is_declaration)

    def _check_host_types(self, host: llvm.ModuleRef, kind: str, definer: str) -> None:
        # A declaration whose type differs from the definition links silently but the
        # call is then UB and never inlined (e.g. Rust bool is `i1 zeroext`, not i32).
        defined = {f.name: f for f in host.functions if not f.is_declaration}
        for declared in self._module.functions:
            definition = defined.get(declared.name)
            if declared.is_declaration and definition is not None:
                want, got = str(definition.global_value_type), str(declared.global_value_type)
                assert want == got, (
                    f"rule declares {kind} {declared.name} as {got}, {definer} defines {want}"
                )

    def finalize(self, exports: Sequence[str], *, hidden: bool = False) -> None:
        """Internalize all but ``exports``, inline host code, optimise and verify.

        ``hidden``: ``exports`` are for other objects of the library only (hidden
        visibility: never exported from it, whatever the linker is told)."""
        self._raise_if_finalized()
        assert self._runtime_external or not self.needs_runtime(), (
            "the rule calls relon_rt_* functions: link_runtime first (or check_runtime_calls)"
        )
        if self._target.trap == "unreachable" and self._declares("relon_trap"):
            self._module.link_in(self._parse_own(WASM_TRAP_IR, "trap"))
        keep = frozenset(exports)
        defined = {f.name for f in self._module.functions if not f.is_declaration}
        missing = sorted(keep - defined - {g.name for g in self._module.global_variables})
        assert not missing, f"exports not defined by the rule module: {missing}"
        # Names are read after linking: the IR linker copies internal helpers lazily.
        not_inlined = self._rule_functions | self._runtime_functions
        for function in self._module.functions:
            if function.is_declaration:
                continue
            if function.name not in keep:
                function.linkage = self._llvm.Linkage.internal
            elif hidden:
                function.visibility = self._llvm.Visibility.hidden
            if function.name not in not_inlined and not _is_noinline(function):
                function.add_function_attribute("alwaysinline")
        for variable in self._module.global_variables:
            if not variable.is_declaration and variable.name not in keep:
                variable.linkage = self._llvm.Linkage.internal
        self._verify("after linking")
        self._optimise()
        if self._target.trap == "longjmp" and self._drop_needless_guards():
            self._optimise()  # the thunks inline; the step counter leaves memory
        self._verify("after optimisation")
        self._finalized = True

    def _optimise(self) -> None:
        pto = self._llvm.create_pipeline_tuning_options(speed_level=self._opt_level)
        builder = self._llvm.create_pass_builder(self._tm, pto)
        builder.getModulePassManager().run(self._module, builder)

    def _drop_needless_guards(self) -> bool:
        """Call the guarded thunks directly once nothing left can reach ``relon_trap``.

        The ``relon_guard`` (setjmp) frame only serves a host panic. After O3 a shim whose
        inlined code cannot panic leaves no call to ``relon_trap``; then the guard costs
        a setjmp per call and keeps the step counter in memory for nothing. Kept whenever
        the module calls the runtime crate (whose panic handler traps too).
        """
        text = str(self._module)
        if "@relon_guard(" not in text or _CALLS_TRAP.search(text) or "@relon_rt_" in text:
            return False
        direct = _GUARD_CALL.sub(r"call i32 \g<thunk>(ptr \g<frame>)", text)
        assert direct != text, "a relon_guard call this pattern does not recognise"
        self._module = self._parse_own(direct, "unguarded")
        return True

    def _declares(self, name: str) -> bool:
        return any(f.name == name and f.is_declaration for f in self._module.functions)

    def _verify(self, when: str) -> None:
        try:
            self._module.verify()
        except RuntimeError as exc:
            raise AssertionError(f"co-compiled module invalid {when}: {exc}") from exc

    @property
    def llvm_ir(self) -> str:
        """The module's current LLVM IR text."""
        return str(self._module)

    def emit_object(self) -> bytes:
        """The object file (only once finalized)."""
        assert self._finalized, "finalize() before emitting"
        return bytes(self._tm.emit_object(self._module))


def _is_noinline(function: llvm.ValueRef) -> bool:
    # rustc marks cold panic helpers noinline; alwaysinline on them fails verification.
    return any(b"noinline" in attr for attr in function.attributes)


def build_rule_object(
    rule_ir: str,
    shim: CompiledShim | None,
    *,
    target: Target,
    opt_level: int,
    exports: Sequence[str],
    host_functions: Sequence[HostFunction],
    runtime: CompiledRuntime | None = None,
) -> RuleObject:
    """Co-compile one rule (LLVM IR text from codegen) with its shim into an object.

    ``host_functions`` are the shim's; the rule's calls to them are inlined (on
    wasm32 gated ones stay ``env`` imports). ``runtime`` is needed when the rule
    declares ``relon_rt_*`` functions (:func:`declares_runtime`): they are checked
    against it and stay external, resolved by :func:`build_runtime_object` at link
    time. Raises :class:`ShimError` when the shim's IR cannot be read or linked.
    """
    module = CoCompiledModule(rule_ir, target=target, opt_level=opt_level)
    if shim is not None:
        module.link_shim(shim)
    if runtime is not None and module.needs_runtime():
        module.check_runtime_calls(runtime)
    module.finalize(exports)
    optimized = module.llvm_ir
    _log_remaining_host_calls(optimized, host_functions)
    return RuleObject(module.emit_object(), optimized)


# (crate, target, opt level, kept names) -> object: a process builds each one once.
_runtime_objects: dict[tuple[CompiledRuntime, Target, int, tuple[str, ...]], bytes] = {}


def build_runtime_object(
    runtime: CompiledRuntime, *, target: Target, opt_level: int, keep: Collection[str]
) -> bytes:
    """The runtime crate as one object for a whole library.

    ``keep`` are the ``relon_rt_*`` functions the library's rules call
    (:func:`runtime_calls` of their IR); they stay global but hidden, so the linker
    resolves the rules' calls without ever exporting them. The rest of the crate is
    internal: what nothing reaches is dropped. Raises :class:`ShimError`.
    """
    names = tuple(sorted(set(keep)))
    assert names, "no runtime function to keep: the library needs no runtime object"
    assert all(name.startswith(RUNTIME_PREFIX) for name in names), f"not runtime: {names}"
    key = (runtime, target, opt_level, names)
    cached = _runtime_objects.get(key)
    if cached is None:
        module = CoCompiledModule("", target=target, opt_level=opt_level)
        module.link_runtime(runtime)
        module.finalize(names, hidden=True)
        cached = _runtime_objects[key] = module.emit_object()
    return cached


def library_runtime_object(
    called: Collection[str], target: Target, *, opt_level: int, workdir: Path
) -> Path:
    """:func:`build_runtime_object` of the (cached) crate for ``target``, keeping
    ``called``, written as ``relon_rt.o`` in ``workdir``. Raises
    :class:`ToolchainMissing`, :class:`ToolFailed` or :class:`ShimError`."""
    log.info("optimising the Relon runtime for %s", target.name)
    runtime = compile_runtime(target, workdir=workdir, cache_dir=runtime_cache_dir())
    path = workdir / "relon_rt.o"
    path.write_bytes(build_runtime_object(runtime, target=target, opt_level=opt_level, keep=called))
    return path


def _log_remaining_host_calls(ir: str, host_functions: Sequence[HostFunction]) -> None:
    remaining = [h.name for h in host_functions if f"@{h.name}(" in ir]
    if remaining:
        # Only at opt-level 0 or for noinline host code; worth knowing, not an error.
        log.debug("host functions not inlined: %s", ", ".join(remaining))
