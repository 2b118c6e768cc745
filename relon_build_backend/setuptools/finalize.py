"""The ``setuptools.finalize_distribution_options`` entry point.

setuptools calls it for every ``Distribution`` created while the backend is installed,
before pyproject.toml is read and packages are discovered. So it only registers: the
``build_relon`` sub-command with a predicate evaluated when ``build`` runs (true when
the distribution has ``.relon`` files), and our ``bdist_wheel``, ``sdist`` and
``egg_info``, which behave exactly like setuptools' own for distributions without rules.
"""

from __future__ import annotations

# setuptools ships no py.typed (84.x) and types-setuptools is not a dependency.
from setuptools import Command  # type: ignore[import-untyped]
from setuptools.dist import Distribution  # type: ignore[import-untyped]

from .command import distribution_rules
from .metadata import EggInfo
from .sdist import Sdist
from .wheel import BdistWheel

__all__ = ["finalize_distribution_options"]

_COMMAND = "build_relon"


def finalize_distribution_options(dist: Distribution) -> None:
    """Register ``build_relon`` as a ``build`` sub-command (once), and our ``bdist_wheel``,
    ``sdist`` and ``egg_info`` unless the project brings its own."""
    build = dist.get_command_class("build")
    if all(name != _COMMAND for name, _ in build.sub_commands):
        build.sub_commands.append((_COMMAND, _has_rules))
    dist.cmdclass.setdefault("bdist_wheel", BdistWheel)
    dist.cmdclass.setdefault("sdist", Sdist)
    dist.cmdclass.setdefault("egg_info", EggInfo)


def _has_rules(build: Command) -> bool:
    """The ``build.sub_commands`` predicate: run ``build_relon`` only when there are rules."""
    return bool(distribution_rules(build.distribution))
