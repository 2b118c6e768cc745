"""``egg_info`` that gives a distribution with rules a ``Requires-Python``.

Every wheel ships the loader runtime, which needs :data:`REQUIRES_PYTHON`; without the
field an older pip installs the wheel and the rule fails at import. ``egg_info`` writes
the metadata both ``dist_info`` (``prepare_metadata_for_build_wheel``) and
``bdist_wheel`` use, and runs after pyproject.toml is applied, so an author's own
``requires-python`` is seen here and always wins.
"""

from __future__ import annotations

# setuptools ships no py.typed (84.x) and types-setuptools is not a dependency.
from setuptools.command.egg_info import egg_info  # type: ignore[import-untyped]

from .._relon_runtime.abi import REQUIRES_PYTHON
from .command import distribution_rules

__all__ = ["EggInfo"]


class EggInfo(egg_info):  # type: ignore[misc]  # egg_info is Any (untyped setuptools)
    """``egg_info`` adding ``Requires-Python`` to distributions with rules."""

    def finalize_options(self) -> None:
        metadata = self.distribution.metadata
        # only set once an author (or pyproject.toml) gave one
        if not getattr(metadata, "python_requires", None) and distribution_rules(self.distribution):
            metadata.python_requires = REQUIRES_PYTHON
        super().finalize_options()
