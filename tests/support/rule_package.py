"""Build a throwaway package of rules with the real pipeline and import its loaders.

``build_rule_package`` runs the compiler driver (front end, codegen, rustc co-compile,
cc / wasm-ld), writes the generated loaders and the runtime next to the artifacts, and
imports every rule module, exactly as an installed wheel would lay them out. The
end-to-end tests, the incremental-build tests (:func:`write_loaders`), the stress script
and the benchmarks all build their packages here, so they test one layout. It imports
nothing else of tests/support, so ``tests.support.rule_package`` (the benchmarks, run
from the repository root) works as well as ``support.rule_package`` (the tests).
"""

from __future__ import annotations

import importlib
import math
import sys
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from relon_build_backend.compiler import (
    CompiledPackage,
    CompileOptions,
    RuleSource,
    compile_package,
)
from relon_build_backend.frontend.hosts import Capability
from relon_build_backend.loader import render_loader, write_runtime


@dataclass(frozen=True)
class RulePackage:
    name: str
    root: Path
    modules: Mapping[str, ModuleType]

    def __getitem__(self, rule: str) -> ModuleType:
        return self.modules[rule]


def write_package(
    root: Path,
    rules: Mapping[str, str],
    *,
    shim: str | None = None,
    prefix: str = "relon_e2e",
) -> tuple[str, Path]:
    """Write an importable package holding ``rules`` (and ``host_shim.rs``) under ``root``."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    package_dir = root / name
    package_dir.mkdir(parents=True)
    (package_dir / "__init__.py").write_text("")
    for stem, text in rules.items():
        (package_dir / f"{stem}.relon").write_text(text)
    if shim is not None:
        (package_dir / "host_shim.rs").write_text(shim)
    return name, package_dir


def build_rule_package(
    root: Path,
    rules: Mapping[str, str],
    *,
    shim: str | None = None,
    gates: Mapping[str, frozenset[Capability]] | None = None,
    targets: tuple[str, ...] = ("native", "wasm32"),
) -> RulePackage:
    name, package_dir = write_package(root, rules, shim=shim)
    sources = [
        RuleSource(
            path=package_dir / f"{stem}.relon",
            module_name=f"{name}.{stem}",
            display_path=f"{name}/{stem}.relon",
        )
        for stem in rules
    ]
    options = CompileOptions(targets=targets, host_gates=gates or {})  # type: ignore[arg-type]
    built = compile_package(package_dir, name, sources, package_dir, options)
    write_loaders(package_dir, name, built)
    with _on_path(root):
        modules = {stem: importlib.import_module(f"{name}.{stem}") for stem in rules}
    return RulePackage(name, package_dir, modules)


def write_loaders(package_dir: Path, name: str, built: CompiledPackage) -> None:
    """The runtime and a loader per rule next to the artifacts, as a wheel lays them out."""
    write_runtime(package_dir)
    for interface in built.rules:
        stem = interface.module.rsplit(".", 1)[-1]
        text = render_loader(
            interface,
            package=name,
            library=built.library.name if built.library else None,
            wasm=built.wasm.name if built.wasm else None,
            editable=None,
        )
        (package_dir / f"{stem}.py").write_text(text)


@contextmanager
def _on_path(root: Path) -> Iterator[None]:
    sys.path.insert(0, str(root))
    try:
        yield
    finally:
        sys.path.remove(str(root))


def outcome(package: RulePackage, rule: str, args: tuple[Any, ...], backend: str) -> Any:
    """What ``rule`` gives for ``args`` on ``backend``: its value, or its error's ``.kind``."""
    module = package[rule]
    try:
        return module.Sandbox(backend=backend).main(*args)
    except module.RelonError as exc:
        return exc.kind


def same(actual: Any, expected: Any) -> bool:
    """Equal values of equal types; floats by bits (NaN equals NaN, zeros keep their
    sign), lists and tuples element by element."""
    if isinstance(expected, float) and isinstance(actual, float):
        if math.isnan(expected):
            return math.isnan(actual)
        return actual == expected and math.copysign(1, actual) == math.copysign(1, expected)
    if isinstance(expected, (list, tuple)):
        return (
            type(actual) is type(expected)
            and len(actual) == len(expected)
            and all(same(a, e) for a, e in zip(actual, expected, strict=True))
        )
    return type(actual) is type(expected) and actual == expected
