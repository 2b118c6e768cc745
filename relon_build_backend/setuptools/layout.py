"""Where the rules of a distribution are and what building them produces.

Takes what setuptools knows (the import packages it ships and their ``package_dir``
mapping) and returns, per top-level package, its ``.relon`` files (any depth), its
``host_shim.rs`` files, the package-relative paths of every generated file and the
loaders an earlier build generated for rules that are gone. Pure path arithmetic plus
a directory walk: nothing here compiles or writes.

A rule never takes the place of a module the author wrote: a loader path that holds
a hand-written module, or a module name that is also a package, is an error here,
before anything is built.
"""

from __future__ import annotations

import keyword
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..errors import RelonBuildError
from ..loader import RUNTIME_MODULE, is_generated_loader

__all__ = [
    "SHIM_FILENAME",
    "PackageRules",
    "Rule",
    "RuleLayoutError",
    "find_package_rules",
    "top_level_source_dir",
]

SHIM_FILENAME = "host_shim.rs"
_SUFFIX = ".relon"


class RuleLayoutError(RelonBuildError):
    """A ``.relon`` file whose path cannot become an importable module name."""


@dataclass(frozen=True, slots=True)
class Rule:
    """One ``.relon`` file: ``pkg/sub/name.relon`` becomes module ``pkg.sub.name``."""

    source: PurePosixPath  # relative to the project root, e.g. src/pkg/sub/name.relon
    module_name: str  # dotted, e.g. pkg.sub.name
    loader: PurePosixPath  # relative to the top-level package dir, e.g. sub/name.py


@dataclass(frozen=True, slots=True)
class PackageRules:
    """The rules of one top-level package, which build into one library and one .wasm."""

    package: str
    source_dir: PurePosixPath  # relative to the project root, e.g. src/pkg
    rules: tuple[Rule, ...]  # sorted by module name
    shims: tuple[PurePosixPath, ...]  # every host_shim.rs in the package, project-relative
    #: generated loaders in the source tree that no rule produces now, project-relative
    stale_loaders: tuple[PurePosixPath, ...] = ()


def top_level_source_dir(package: str, package_dir: Mapping[str, str]) -> PurePosixPath:
    """The source folder of top-level ``package``, the way setuptools' ``build_py``
    resolves it (``package_dir[package]``, else ``package_dir[""]/package``)."""
    if package in package_dir:
        return PurePosixPath(_posix(package_dir[package]))
    return PurePosixPath(_posix(package_dir.get("", "")), package)


def find_package_rules(
    packages: Iterable[str], package_dir: Mapping[str, str], project_dir: Path
) -> tuple[PackageRules, ...]:
    """The rules of every top-level package among ``packages`` that has any.

    :raises RuleLayoutError: a ``.relon`` file or folder name is not a Python identifier
        or is a keyword, or its module would replace a module or package of the author.
    """
    found = []
    for top in sorted({name.partition(".")[0] for name in packages}):
        source_dir = top_level_source_dir(top, package_dir)
        rules, shims, generated = _walk(project_dir, source_dir, top)
        if rules:
            root = project_dir / source_dir
            for rule in rules:
                _check_collisions(root, source_dir, rule, generated)
            loaders = {source_dir / rule.loader for rule in rules}
            stale = tuple(path for path in generated if path not in loaders)
            found.append(PackageRules(top, source_dir, rules, shims, stale))
    return tuple(found)


def _walk(
    project_dir: Path, source_dir: PurePosixPath, top: str
) -> tuple[tuple[Rule, ...], tuple[PurePosixPath, ...], tuple[PurePosixPath, ...]]:
    """Every rule, shim and generated loader below ``source_dir`` (sorted: the build
    must not depend on the order the file system lists directories in)."""
    rules: list[Rule] = []
    shims: list[PurePosixPath] = []
    generated: list[PurePosixPath] = []
    root = project_dir / source_dir
    for dirpath, dirnames, filenames in os.walk(root):
        # Hidden folders, caches and our own staging folders are never package content.
        dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "__pycache__")))
        relative = PurePosixPath(Path(dirpath).relative_to(root).as_posix())
        for filename in sorted(filenames):
            if filename == SHIM_FILENAME:
                shims.append(source_dir / relative / filename)
            elif filename.endswith(_SUFFIX):
                rules.append(_rule(source_dir, relative / filename, top))
            elif filename.endswith(".py") and is_generated_loader(Path(dirpath, filename)):
                generated.append(source_dir / relative / filename)
    rules.sort(key=lambda r: r.module_name)
    return tuple(rules), tuple(shims), tuple(generated)


def _check_collisions(
    root: Path, source_dir: PurePosixPath, rule: Rule, generated: tuple[PurePosixPath, ...]
) -> None:
    """The rule's module must be new: not a module or package the author wrote
    (``generated``: the loaders the walk recognised as a build's)."""
    loader = root.joinpath(*rule.loader.parts)
    if loader.exists() and source_dir / rule.loader not in generated:
        raise RuleLayoutError(
            f"{rule.source}: its generated module {rule.module_name} would replace "
            f"{source_dir / rule.loader}, which is not a generated file; rename the rule "
            "or the module"
        )
    if rule.loader.name == "__init__.py":
        return
    package = loader.with_suffix("")
    if package.is_dir() and any(
        child.suffix in {".py", _SUFFIX} for child in package.iterdir() if child.is_file()
    ):
        raise RuleLayoutError(
            f"{rule.source}: module {rule.module_name} would also be the package "
            f"{source_dir / rule.loader.with_suffix('')}/; rename the rule or the folder "
            f"(a rule for the package itself is {source_dir / rule.loader.with_suffix('')}/"
            "__init__.relon)"
        )


def _rule(source_dir: PurePosixPath, inside: PurePosixPath, top: str) -> Rule:
    parts = [p for p in inside.parent.parts if p != "."]
    parts.append(inside.name.removesuffix(_SUFFIX))
    bad = [part for part in parts if not part.isidentifier()]
    if bad:
        raise RuleLayoutError(
            f"{source_dir / inside}: {bad[0]!r} is not a valid Python identifier, so "
            "the rule cannot become an importable module; rename it (letters, digits "
            "and underscores, not starting with a digit)"
        )
    reserved = [part for part in parts if keyword.iskeyword(part)]
    if reserved:
        raise RuleLayoutError(
            f"{source_dir / inside}: {reserved[0]!r} is a Python keyword, so no import "
            f"statement could name the rule's module; rename it (for example "
            f"{reserved[0] + '_'!r})"
        )
    if parts[0] == RUNTIME_MODULE:  # the runtime package every rule module imports
        raise RuleLayoutError(
            f"{source_dir / inside}: {parts[0]!r} is reserved for the Relon loader "
            "runtime; rename the rule"
        )
    loader = PurePosixPath(*parts[:-1], parts[-1] + ".py")
    return Rule(source_dir / inside, ".".join([top, *parts]), loader)


def _posix(path: str) -> str:
    """A setuptools ``package_dir`` value with ``/`` separators and no ``./`` prefix."""
    text = PurePosixPath(path.replace(os.sep, "/")).as_posix()
    return "" if text == "." else text
