"""``build_relon``: the setuptools build sub-command that compiles a distribution's rules.

Implements setuptools' ``SubCommand`` protocol (``setuptools/command/build.py``):
``get_source_files`` puts ``.relon`` files and shims in the sdist, ``get_outputs`` and
``get_output_mapping`` describe the generated files, and ``editable_mode`` (PEP 660)
builds in place, next to the sources, with loaders that check the source hash.

Per top-level package with rules it writes the native library and/or ``.wasm`` module,
one loader module per rule, the loader runtime and ``py.typed``. Everything is staged in
a hidden folder first and moved into place only when every package built, so a failed
build leaves nothing behind.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, ClassVar

# setuptools ships no py.typed (84.x) and types-setuptools is not a dependency.
from setuptools import Command  # type: ignore[import-untyped]

from ..settings import ResolvedSettings, read_relon_table, resolve_settings
from .boundary import reported_errors
from .hooks import passed_config_settings
from .layout import PackageRules, find_package_rules

if TYPE_CHECKING:
    from ..compiler import CompileOptions

__all__ = ["BuildRelon", "distribution_rules"]

log = logging.getLogger(__name__)

_PY_TYPED = "py.typed"


class BuildRelon(Command):  # type: ignore[misc]  # Command is Any (untyped setuptools)
    """Compile the ``.relon`` rules of the distribution's packages."""

    description = "compile Relon rules to a native library, a .wasm module and loaders"
    user_options: ClassVar[list[tuple[str, str | None, str]]] = [
        ("build-lib=", "b", "directory to write the generated package files to"),
        ("inplace", "i", "write the generated files next to the sources"),
    ]
    boolean_options: ClassVar[list[str]] = ["inplace"]

    editable_mode: bool = False  # set by setuptools for PEP 660 editable wheels

    def initialize_options(self) -> None:
        self.build_lib: str | None = None
        self.inplace: bool | None = None
        self.editable_mode = False
        self._resolved: ResolvedSettings | None = None

    def finalize_options(self) -> None:
        # Platform-specific output: take build_ext's folder and in-place flag
        # (`setup.py build_ext --inplace` / develop) rather than parsing our own.
        self.set_undefined_options("build_ext", ("build_lib", "build_lib"), ("inplace", "inplace"))

    # -- the SubCommand protocol -------------------------------------------------------

    def run(self) -> None:
        with reported_errors():
            self._build()

    def get_source_files(self) -> list[str]:
        """The ``.relon`` files and shims (project-relative): they go into the sdist."""
        files: list[str] = []
        for package in self._packages():
            files.extend(str(rule.source) for rule in package.rules)
            files.extend(str(shim) for shim in package.shims)
        return files

    def get_outputs(self) -> list[str]:
        """Every generated file, as ``{build_lib}/pkg/...`` (also when built in place)."""
        return [self._in_build_lib(package, inside) for package, inside in self._generated()]

    def get_output_mapping(self) -> dict[str, str]:
        """In place: ``{build_lib}/pkg/x`` -> the project-relative file built next to the
        sources (what PEP 660 link-tree editables need). Empty otherwise: nothing is
        copied from a source file."""
        if not self._in_place:
            return {}
        return {
            self._in_build_lib(package, inside): str(package.source_dir / inside)
            for package, inside in self._generated()
        }

    # -- planning (independent of run(), as the protocol asks) --------------------------

    @property
    def _in_place(self) -> bool:
        return bool(self.editable_mode or self.inplace)

    def _packages(self) -> tuple[PackageRules, ...]:
        return distribution_rules(self.distribution)

    def _settings(self) -> ResolvedSettings:
        if self._resolved is None:
            self._resolved = resolve_settings(
                read_relon_table(_project_dir()),
                environ=os.environ,
                config_settings=passed_config_settings(),
            )
        return self._resolved

    def _generated(self) -> Iterator[tuple[PackageRules, PurePosixPath]]:
        """(package, path inside the package) of every file a build writes."""
        from ..compiler import library_filename, wasm_filename
        from ..loader import runtime_files

        targets = self._settings().settings.targets
        for package in self._packages():
            if "native" in targets:
                yield package, PurePosixPath(library_filename(package.package))
            if "wasm32" in targets:
                yield package, PurePosixPath(wasm_filename(package.package))
            for runtime_file in runtime_files():
                yield package, runtime_file
            if not (self._in_place and (_project_dir() / package.source_dir / _PY_TYPED).exists()):
                yield package, PurePosixPath(_PY_TYPED)
            for rule in package.rules:
                yield package, rule.loader

    def _in_build_lib(self, package: PackageRules, inside: PurePosixPath) -> str:
        assert self.build_lib is not None, "finalize_options sets build_lib"
        # setuptools compares these strings with the ones it builds with os.path.
        return os.path.join(self.build_lib, package.package, *inside.parts)  # noqa: PTH118

    def _destination(self, package: PackageRules) -> Path:
        if self._in_place:
            return _project_dir() / package.source_dir
        assert self.build_lib is not None, "finalize_options sets build_lib"
        return Path(self.build_lib, package.package)

    # -- building ------------------------------------------------------------------------

    def _build(self) -> None:
        resolved = self._settings()
        for line in resolved.describe():
            log.info("relon settings: %s", line)
        options = _compile_options(resolved)
        with ExitStack() as stack:
            staged: list[tuple[Path, Path]] = []
            for package in self._packages():
                destination = self._destination(package)
                staging = stack.enter_context(_staging_dir(destination))
                self._stage(package, staging, options)
                staged.append((staging, destination))
            # Only now, with every package built, does anything reach the destination.
            for staging, destination in staged:
                _commit(staging, destination)
        current: dict[str, set[PurePosixPath]] = {}
        for package, inside in self._generated():  # one walk of the tree, not one per package
            current.setdefault(package.package, set()).add(inside)
        for package in self._packages():
            _remove_leftovers(self._destination(package), package.package, current[package.package])

    def _stage(self, package: PackageRules, staging: Path, options: CompileOptions) -> None:
        from ..compiler import RuleSource, compile_package
        from ..loader import render_loader, write_runtime
        from .editable import editable_inputs

        project = _project_dir()
        sources = [
            RuleSource(project / rule.source, rule.module_name, str(rule.source))
            for rule in package.rules
        ]
        log.info("relon: compiling %d rule(s) of package %s", len(sources), package.package)
        compiled = compile_package(
            project / package.source_dir,
            package.package,
            sources,
            staging,
            options,
            display_root=project,
        )
        interfaces = {interface.module: interface for interface in compiled.rules}
        table = read_relon_table(project) if self._in_place else {}
        for rule in package.rules:
            editable = None
            if self._in_place:
                shim = compiled.shims[rule.module_name]
                package_dir = project / package.source_dir
                pyproject = project / "pyproject.toml"
                editable = editable_inputs(
                    project / rule.source, shim, package_dir, pyproject, table
                )
            text = render_loader(
                interfaces[rule.module_name],
                package=package.package,
                library=compiled.library.name if compiled.library else None,
                wasm=compiled.wasm.name if compiled.wasm else None,
                editable=editable,
            )
            _write_text(staging.joinpath(*rule.loader.parts), text)
        write_runtime(staging)
        py_typed = project / package.source_dir / _PY_TYPED
        if not py_typed.exists():
            _write_text(staging / _PY_TYPED, "")
        elif not self._in_place:
            # Keep the author's marker (it may say "partial") rather than an empty one.
            _write_text(staging / _PY_TYPED, py_typed.read_text(encoding="utf-8"))


def distribution_rules(distribution: object) -> tuple[PackageRules, ...]:
    """The rules of a setuptools ``Distribution`` (none before its packages are known)."""
    packages = getattr(distribution, "packages", None) or ()
    package_dir = getattr(distribution, "package_dir", None) or {}
    return find_package_rules(packages, package_dir, _project_dir())


def _project_dir() -> Path:
    # PEP 517 runs hooks with the source tree as the working directory, and setuptools
    # reports every package_dir relative to it.
    return Path.cwd()


def _compile_options(resolved: ResolvedSettings) -> CompileOptions:
    from ..compiler import CompileOptions

    settings = resolved.settings
    return CompileOptions(
        targets=settings.targets,
        opt_level=settings.opt_level,
        target_cpu=settings.target_cpu,
        host_gates=settings.host_functions,
    )


@contextmanager
def _staging_dir(destination: Path) -> Iterator[Path]:
    """A hidden folder inside ``destination`` (same file system, so the final moves are
    atomic ``os.replace`` calls), removed however the build ends."""
    destination.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".relon-build-", dir=destination) as name:
        yield Path(name)


def _commit(staging: Path, destination: Path) -> None:
    """Move every staged file to the same place under ``destination``, normalised."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    for path in sorted(p for p in staging.rglob("*") if p.is_file()):
        target = destination / path.relative_to(staging)
        target.parent.mkdir(parents=True, exist_ok=True)
        # Modes and times would otherwise leak the umask and the clock into the wheel.
        path.chmod(0o755 if path.suffix in {".so", ".dylib", ".dll"} else 0o644)
        if epoch is not None and epoch.isdigit():
            os.utime(path, (int(epoch), int(epoch)))
        path.replace(target)


def _remove_leftovers(destination: Path, package: str, current: set[PurePosixPath]) -> None:
    """Remove what an earlier build generated in ``destination`` and this one did not:
    loaders of deleted rules (build_py copies them like any module), the runtime's
    retired modules, the artifact of a target no longer built. Never the author's
    files: a loader is recognised by its marker, the rest by its reserved name."""
    from ..compiler import library_filename, wasm_filename
    from ..loader import RUNTIME_MODULE, is_generated_loader

    candidates = [destination / library_filename(package), destination / wasm_filename(package)]
    candidates += (destination / RUNTIME_MODULE).glob("*.py")
    candidates += (p for p in destination.rglob("*.py") if is_generated_loader(p))
    for path in candidates:
        inside = PurePosixPath(path.relative_to(destination).as_posix())
        if path.is_file() and inside not in current:
            log.info("relon: removing %s (no longer generated)", path)
            path.unlink()


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")
