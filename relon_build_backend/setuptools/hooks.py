"""What every PEP 517 / PEP 660 hook of the package root does around setuptools' hook.

:func:`hook_boundary` reports a :class:`RelonBuildError` as ``relon-build: error: ...``
with exit status 1, hands the ``relon.*`` config-settings to the ``build_relon``
command, and gives setuptools the rest. :func:`build_meta` imports
``setuptools.build_meta`` only when a hook runs, so importing the package stays cheap.
"""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from types import ModuleType

from .boundary import reported_errors

__all__ = [
    "CONFIG_SETTINGS_ENV",
    "ConfigSettings",
    "build_meta",
    "hook_boundary",
    "passed_config_settings",
    "passed_config_settings_env",
]

#: How a hook hands its ``-C relon.*`` config-settings to the ``build_relon`` command,
#: which setuptools runs in the same process but gives no way to pass them to.
CONFIG_SETTINGS_ENV = "_RELON_BUILD_CONFIG_SETTINGS"

#: What a PEP 517 frontend passes: ``-C key=value`` (a list when a key repeats).
ConfigSettings = Mapping[str, "str | list[str]"] | None


def build_meta() -> ModuleType:
    """``setuptools.build_meta``, whose hooks ours extend."""
    return importlib.import_module("setuptools.build_meta")


@contextmanager
def hook_boundary(config_settings: ConfigSettings) -> Iterator[dict[str, str | list[str]]]:
    """Run a hook body: yields the config-settings meant for setuptools."""
    with reported_errors(), passed_config_settings_env(config_settings):
        yield {k: v for k, v in (config_settings or {}).items() if not k.startswith("relon.")}


@contextmanager
def passed_config_settings_env(config_settings: Mapping[str, object] | None) -> Iterator[None]:
    """While a hook runs, expose its ``relon.*`` config-settings to the command."""
    ours = {k: v for k, v in (config_settings or {}).items() if k.startswith("relon.")}
    previous = os.environ.pop(CONFIG_SETTINGS_ENV, None)
    if ours:
        os.environ[CONFIG_SETTINGS_ENV] = json.dumps(ours, sort_keys=True)
    try:
        yield
    finally:
        os.environ.pop(CONFIG_SETTINGS_ENV, None)
        if previous is not None:
            os.environ[CONFIG_SETTINGS_ENV] = previous


def passed_config_settings() -> Mapping[str, str | Sequence[str]]:
    """The ``relon.*`` config-settings of the running hook (empty outside hooks)."""
    text = os.environ.get(CONFIG_SETTINGS_ENV)
    if not text:
        return {}
    loaded = json.loads(text)
    assert isinstance(loaded, dict), "written by passed_config_settings_env"
    return loaded
