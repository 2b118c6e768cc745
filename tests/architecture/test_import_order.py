"""The package's imports run one way, down the pipeline (``docs/architecture.md``).

Read from the source with :mod:`ast`, counting every import (also the lazy ones in
functions and those under ``TYPE_CHECKING``): a stage imports only stages below it,
and no files import each other in a loop.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[2] / "relon_build_backend"

#: Each stage's floor: a module may import only from a lower floor or its own stage.
FLOORS: dict[str, int] = {
    "errors": 0,
    "exhaustive": 0,
    "_relon_runtime": 0,
    "stdlib": 0,
    "names": 0,
    "_worker": 0,
    "version": 1,
    "object_cache": 1,
    "targets": 1,
    "frontend": 1,
    "ir": 2,
    "settings": 2,
    "lower": 3,
    "evaluator": 3,
    "codegen": 4,
    "toolchain": 5,
    "cocompile": 6,
    "link": 6,
    "loader": 6,
    "objects": 7,
    "compiler": 8,
    "cli": 9,
    "setuptools": 9,
    "__init__": 10,
    "__main__": 10,
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" and len(parts) > 1 else parts)


def _imports(path: Path) -> Iterator[str]:
    """The package-relative modules ``path`` imports (``frontend.hosts``...)."""
    module = _module_name(path)
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - node.level + 1]
            target = [*base, *(node.module.split(".") if node.module else [])]
            if node.module is None:  # from . import a, b
                yield from (".".join([*target, alias.name]) for alias in node.names)
            else:
                yield ".".join(target)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(PACKAGE.name):
            yield str(node.module).removeprefix(PACKAGE.name).lstrip(".")


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for imported in _imports(path):
            # "codegen.arith.emit" style names: keep the longest known module
            known = imported
            while known and known not in modules:
                known = known.rpartition(".")[0]
            if known and known != name:
                targets.add(known)
        graph[name] = targets
    return graph


def _stage(module: str) -> str:
    return module.split(".", maxsplit=1)[0]


def test_every_stage_has_a_floor() -> None:
    assert {_stage(m) for m in _graph()} <= set(FLOORS), "add the new stage to FLOORS"


def test_stages_import_only_stages_below_them() -> None:
    upward = sorted(
        f"{module} -> {target}"
        for module, targets in _graph().items()
        for target in targets
        if _stage(module) != _stage(target) and FLOORS[_stage(target)] >= FLOORS[_stage(module)]
    )
    assert not upward, "imports that run up or sideways:\n" + "\n".join(upward)


def _loops(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[frozenset[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(frozenset(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_files_import_each_other_in_a_loop() -> None:
    loops = [sorted(loop) for loop in _loops(_graph())]
    assert not loops, f"import loops: {loops}"


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [("link", "cocompile"), ("cocompile", "link"), ("loader", "codegen"), ("toolchain", "link")],
)
def test_named_arrows_stay_absent(module: str, forbidden: str) -> None:
    bad = sorted(
        f"{m} -> {t}"
        for m, targets in _graph().items()
        if _stage(m) == module
        for t in targets
        if _stage(t) == forbidden
    )
    assert not bad, bad


def test_the_loop_finder_finds_a_loop() -> None:
    assert _loops({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [frozenset("abc")]
