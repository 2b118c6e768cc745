"""An ``sdist`` that leaves out what ``build_relon`` generates in place.

An editable install (PEP 660) builds loaders, the runtime, the library and the
``.wasm`` module next to the sources, and setuptools would then ship those ``.py``
files as ordinary modules. The sdist holds sources only (``.relon`` files and shims,
added by ``build_relon.get_source_files``), so a wheel built from it is built afresh.
Distributions without rules get setuptools' sdist unchanged.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import PurePosixPath

# setuptools ships no py.typed (84.x) and types-setuptools is not a dependency.
from setuptools.command.sdist import sdist  # type: ignore[import-untyped]

from .command import distribution_rules

__all__ = ["Sdist", "generated_in_place"]


class Sdist(sdist):  # type: ignore[misc]  # sdist is Any (untyped setuptools)
    """``sdist`` without the files ``build_relon`` generates next to the sources."""

    def make_release_tree(self, base_dir: str, files: Sequence[str]) -> None:
        generated = generated_in_place(self.distribution)
        kept = [f for f in files if PurePosixPath(f.replace(os.sep, "/")) not in generated]
        super().make_release_tree(base_dir, kept)


def generated_in_place(distribution: object) -> frozenset[PurePosixPath]:
    """Project-relative paths an in-place build of ``distribution`` writes (any target)."""
    from ..compiler import library_filename, wasm_filename
    from ..loader import runtime_files

    paths: set[PurePosixPath] = set()
    for package in distribution_rules(distribution):
        folder = package.source_dir
        paths.update(
            folder / name
            for name in (library_filename(package.package), wasm_filename(package.package))
        )
        paths.update(folder / runtime_file for runtime_file in runtime_files())
        paths.update(folder / rule.loader for rule in package.rules)
        paths.update(package.stale_loaders)  # an earlier editable build's, rule since deleted
    return frozenset(paths)
