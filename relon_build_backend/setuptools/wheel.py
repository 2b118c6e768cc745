"""The wheel of a distribution with rules: ``py3-none-<platform>``, root in platlib.

The library is loaded with ctypes and never touches the CPython ABI, so one wheel per
platform serves every Python 3; it is still platform-specific, so
``Root-Is-Purelib: false``. setuptools tags anything without extension modules
``py3-none-any``, hence this ``bdist_wheel`` subclass. On Linux the platform is the
manylinux policy the built libraries satisfy (``manylinux.py``), not ``linux_<arch>``,
which the package index refuses. Distributions without rules (our entry points run for
every setuptools build in the environment) are untouched.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# setuptools ships no py.typed (84.x) and types-setuptools is not a dependency.
from setuptools.command.bdist_wheel import bdist_wheel  # type: ignore[import-untyped]

from .command import distribution_rules
from .manylinux import manylinux_platform

__all__ = ["BdistWheel", "platform_tag"]


def platform_tag(
    setuptools_tag: tuple[str, str, str], libraries: Sequence[Path] = ()
) -> tuple[str, str, str]:
    """``("py3", "none", platform)``: the platform setuptools chose (which already
    honours ``--plat-name``, ``_PYTHON_HOST_PLATFORM`` and 32-bit interpreters), made
    the manylinux one ``libraries`` satisfy when it is a plain ``linux_<arch>``."""
    platform = setuptools_tag[2]
    if platform.startswith("linux_") and libraries:
        platform = manylinux_platform(libraries, platform.removeprefix("linux_"))
    return ("py3", "none", platform)


class BdistWheel(bdist_wheel):  # type: ignore[misc]  # bdist_wheel is Any (untyped setuptools)
    """``bdist_wheel`` tagging distributions with rules ``py3-none-<platform>``."""

    def initialize_options(self) -> None:
        super().initialize_options()
        self.has_rules = False

    def finalize_options(self) -> None:
        super().finalize_options()
        self.has_rules = bool(distribution_rules(self.distribution))
        if self.has_rules:
            self.root_is_pure = False

    def get_tag(self) -> tuple[str, str, str]:
        tag: tuple[str, str, str] = super().get_tag()
        if not self.has_rules:
            return tag
        # an explicit --plat-name is the author's choice, kept as given
        return platform_tag(tag, () if self.plat_name_supplied else self._libraries())

    def _libraries(self) -> list[Path]:
        """The native rule libraries installed into the wheel's tree (run() asks for the
        tag once they are there)."""
        from ..compiler import library_filename

        if not self.bdist_dir:
            return []
        root = Path(self.bdist_dir)
        names = {library_filename(p.package) for p in distribution_rules(self.distribution)}
        return sorted(path for name in names for path in root.rglob(name))

    # Any: mirrors the untyped distutils signature we extend.
    def reinitialize_command(
        self, command: str, reinit_subcommands: bool = False, **kw: Any
    ) -> Any:
        """For ``install``: pure modules go to the wheel root next to the library.

        Without extension modules ``install`` picks purelib as its ``install_lib``,
        which a non-pure wheel maps to ``<name>.data/purelib``; the loaders must sit
        next to the library at the root instead.
        """
        cmd = super().reinitialize_command(command, reinit_subcommands, **kw)
        if command == "install" and self.has_rules:
            # The same root bdist_wheel.run() gives platlib (it is "" except on Windows).
            assert self.data_dir, "finalize_options sets data_dir"
            root = str(Path(self.data_dir).parent) if os.name == "nt" else ""
            cmd.install_lib = root
        return cmd
