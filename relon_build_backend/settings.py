"""Settings: the ``[tool.relon]`` table, environment overrides and config-settings.

Vocabulary (after scikit-build-core): the *model* is :class:`RelonSettings`, one frozen
dataclass whose attribute docstrings document every key; a *source* is where a value
comes from (the default, ``pyproject.toml``, an environment variable, a PEP 517
config-setting); :func:`resolve_settings` validates every source strictly and returns
the model together with the origin of each key. Later sources win::

    >>> resolved = resolve_settings(
    ...     {"opt-level": 2},
    ...     environ={"RELON_BUILD_TARGETS": "native"},
    ...     config_settings={"relon.target-cpu": "x86-64-v2"},
    ... )
    >>> resolved.settings.targets, resolved.settings.opt_level, resolved.settings.target_cpu
    (('native',), 2, 'x86-64-v2')
    >>> resolved.origins["targets"]
    'environment variable RELON_BUILD_TARGETS'

All problems of all sources are reported together in one :class:`ConfigError`.
"""

from __future__ import annotations

import difflib
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any, cast

from .errors import ConfigError
from .frontend.hosts import CAPABILITIES, Capability
from .targets import TARGET_NAMES, TargetName

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    # tomli is a dependency on 3.10 only, so it is absent from the 3.11 dev venv.
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

__all__ = [
    "ENV_OPT_LEVEL",
    "ENV_TARGETS",
    "ENV_TARGET_CPU",
    "RelonSettings",
    "ResolvedSettings",
    "TargetName",
    "read_relon_table",
    "resolve_settings",
]

ENV_TARGETS = "RELON_BUILD_TARGETS"
ENV_OPT_LEVEL = "RELON_BUILD_OPT_LEVEL"
ENV_TARGET_CPU = "RELON_BUILD_TARGET_CPU"

_TARGETS = TARGET_NAMES
_PYPROJECT = "[tool.relon] in pyproject.toml"
_CONFIG_PREFIX = "relon."
# Identifiers (Rust function names, CPU names) we accept: no quoting games downstream.
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_CPU = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]*\Z")


def _no_gates() -> Mapping[str, frozenset[Capability]]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class RelonSettings:
    """The validated ``[tool.relon]`` table (keys are spelled with dashes in TOML)."""

    targets: tuple[TargetName, ...] = ("native", "wasm32")
    """What to build: ``"native"`` (a shared library loaded with ctypes) and/or
    ``"wasm32"`` (a ``.wasm`` asset run by wasmtime). Override: ``RELON_BUILD_TARGETS``
    (comma-separated) or ``-C relon.targets=...``."""

    opt_level: int = 3
    """LLVM optimisation level, 0 to 3. Override: ``RELON_BUILD_OPT_LEVEL`` or
    ``-C relon.opt-level=...``."""

    target_cpu: str | None = None
    """The CPU the native library is tuned for; ``None`` is the portable baseline of
    the architecture (``x86-64``), ``"native"`` the build machine's own CPU (wheels
    built that way may crash elsewhere). Override: ``RELON_BUILD_TARGET_CPU`` or
    ``-C relon.target-cpu=...``."""

    host_functions: Mapping[str, frozenset[Capability]] = field(default_factory=_no_gates)
    """``[tool.relon.host-functions]``: host function name -> the capabilities a caller
    must grant. A host function with no entry is pure. Only settable in pyproject.toml."""


#: TOML key -> model attribute, in declaration order.
_KEYS: dict[str, str] = {f.name.replace("_", "-"): f.name for f in fields(RelonSettings)}
_ENV_KEYS: dict[str, str] = {
    ENV_TARGETS: "targets",
    ENV_OPT_LEVEL: "opt-level",
    ENV_TARGET_CPU: "target-cpu",
}
#: Keys a config-setting may override (``-C relon.<key>=...``).
_OVERRIDABLE = tuple(_ENV_KEYS.values())


@dataclass(frozen=True, slots=True)
class ResolvedSettings:
    """The settings and, for each TOML key, a phrase saying where its value came from."""

    settings: RelonSettings
    origins: Mapping[str, str]

    def describe(self) -> list[str]:
        """One ``key = value  (origin)`` line per key, for the verbose build log."""
        lines = []
        for key, attribute in _KEYS.items():
            value = getattr(self.settings, attribute)
            if isinstance(value, Mapping):
                value = {name: sorted(caps) for name, caps in sorted(value.items())}
            lines.append(f"{key} = {value!r}  ({self.origins[key]})")
        return lines


def read_relon_table(project_dir: Path) -> Mapping[str, object]:
    """The ``[tool.relon]`` table of ``project_dir/pyproject.toml`` (empty if absent).

    :raises ConfigError: the file is not valid TOML or ``tool.relon`` is not a table.
    """
    path = project_dir / "pyproject.toml"
    if not path.is_file():
        return {}
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"pyproject.toml is not valid TOML: {exc}") from None
    tool = document.get("tool", {})
    table = tool.get("relon", {}) if isinstance(tool, dict) else {}
    if not isinstance(table, dict):
        raise ConfigError("pyproject.toml: 'tool.relon' must be a table ([tool.relon])")
    return cast("dict[str, object]", table)


def resolve_settings(
    table: Mapping[str, object],
    *,
    environ: Mapping[str, str],
    config_settings: Mapping[str, str | Sequence[str]] | None = None,
) -> ResolvedSettings:
    """Validate ``table`` (``[tool.relon]``), then apply ``environ`` and ``config_settings``.

    Precedence, lowest first: defaults, pyproject.toml, environment, config-settings.
    Config-settings keys outside ``relon.`` belong to setuptools and are ignored.

    :raises ConfigError: listing every problem found in every source.
    """
    sources = _Sources()
    for key, raw in table.items():
        if key not in _KEYS:
            sources.problems.append(f"{_PYPROJECT}: unknown key {key!r}{_suggest(key, _KEYS)}")
            continue
        sources.take(key, raw, _PYPROJECT, from_text=False)
    for variable, key in _ENV_KEYS.items():
        if variable in environ:
            sources.take(key, environ[variable], f"environment variable {variable}")
    for name, raw in (config_settings or {}).items():
        if not name.startswith(_CONFIG_PREFIX):
            continue
        key = name.removeprefix(_CONFIG_PREFIX)
        if key not in _OVERRIDABLE:
            choices = [_CONFIG_PREFIX + k for k in _OVERRIDABLE]
            problem = f"config-settings: unknown setting {name!r}{_suggest(name, choices)}"
            sources.problems.append(problem)
            continue
        text = raw if isinstance(raw, str) else ",".join(raw)
        sources.take(key, text, f"config-settings {name}")
    settings = RelonSettings(**{_KEYS[key]: value for key, value in sources.values.items()})
    problems = [*sources.problems, *_check_combination(settings)]
    if problems:
        raise ConfigError("\n".join(problems))
    return ResolvedSettings(settings, MappingProxyType(sources.origins))


class _Sources:
    """Collects parsed values, their origins and every problem while sources are read."""

    def __init__(self) -> None:
        # Any: each key's parser returns that key's field type; RelonSettings(**values)
        # is where the pairing is checked.
        self.values: dict[str, Any] = {}
        self.origins: dict[str, str] = dict.fromkeys(_KEYS, "default")
        self.problems: list[str] = []

    def take(self, key: str, raw: object, where: str, *, from_text: bool = True) -> None:
        """Parse one value of ``key`` from ``where``; a later source overrides an earlier."""
        try:
            self.values[key] = _PARSERS[key](raw, from_text)
        except _Invalid as exc:
            self.problems.append(f"{where}: {key!r} {exc}")
        else:
            self.origins[key] = where


class _Invalid(Exception):
    """A value that does not fit its key; the text completes "'key' ..."."""


def _parse_targets(raw: object, from_text: bool) -> tuple[TargetName, ...]:
    if from_text and isinstance(raw, str):
        raw = [part.strip() for part in raw.split(",") if part.strip()]
    expected = 'must be a non-empty list drawn from "native" and "wasm32"'
    if not isinstance(raw, list) or not raw:
        raise _Invalid(f"{expected}, got {raw!r}")
    targets: list[TargetName] = []
    for item in raw:
        if item not in _TARGETS:
            raise _Invalid(f"{expected}; {item!r} is not a target{_suggest(item, _TARGETS)}")
        if item in targets:
            raise _Invalid(f"lists {item!r} twice")
        targets.append(cast("TargetName", item))
    return tuple(targets)


def _parse_opt_level(raw: object, from_text: bool) -> int:
    level = raw
    if from_text and isinstance(raw, str) and raw.strip().isdigit():
        level = int(raw)
    # bool is an int subclass; `opt-level = true` is a mistake, not level 1.
    if not isinstance(level, int) or isinstance(level, bool) or not 0 <= level <= 3:
        raise _Invalid(f"must be an integer from 0 to 3, got {raw!r}")
    return level


def _parse_target_cpu(raw: object, from_text: bool) -> str:
    del from_text  # a CPU name is text in every source
    if not isinstance(raw, str) or not _CPU.match(raw):
        raise _Invalid(f'must be an LLVM CPU name such as "x86-64-v2" or "native", got {raw!r}')
    return raw


def _parse_host_functions(raw: object, from_text: bool) -> Mapping[str, frozenset[Capability]]:
    del from_text  # only pyproject.toml sets host functions
    example = '{ capabilities = ["reads_clock"] }'
    if not isinstance(raw, dict):
        raise _Invalid(f"must be a table of host function name = {example}, got {raw!r}")
    gates: dict[str, frozenset[Capability]] = {}
    for name, entry in sorted(raw.items()):
        if not _IDENT.match(name):
            raise _Invalid(f"names {name!r}, which is not a Rust function name")
        if not isinstance(entry, dict):
            raise _Invalid(f"entry {name!r} must be a table like {example}, got {entry!r}")
        extras = sorted(set(entry) - {"capabilities"})
        if extras:
            suggestion = _suggest(extras[0], ["capabilities"])
            raise _Invalid(f"entry {name!r} has unknown key {extras[0]!r}{suggestion}")
        gates[name] = _parse_capabilities(name, entry.get("capabilities", []))
    return MappingProxyType(gates)


def _parse_capabilities(name: str, raw: object) -> frozenset[Capability]:
    if not isinstance(raw, list):
        raise _Invalid(f"entry {name!r}: capabilities must be a list of names, got {raw!r}")
    for cap in raw:
        if cap not in CAPABILITIES:
            suggestion = _suggest(cap, CAPABILITIES)
            raise _Invalid(f"entry {name!r}: unknown capability {cap!r}{suggestion}")
    return frozenset(cast("list[Capability]", raw))


_PARSERS = {
    "targets": _parse_targets,
    "opt-level": _parse_opt_level,
    "target-cpu": _parse_target_cpu,
    "host-functions": _parse_host_functions,
}
assert set(_PARSERS) == set(_KEYS), "every model field needs a parser"


def _check_combination(settings: RelonSettings) -> list[str]:
    """Problems no single key shows: a wasm-only build cannot call gated host functions."""
    gated = sorted(name for name, caps in settings.host_functions.items() if caps)
    if "native" in settings.targets or not gated:
        return []
    return [
        f"targets = {list(settings.targets)!r} cannot build gated host functions "
        f"({', '.join(gated)}): the wasm module calls them through the native library; "
        'add "native" to targets'
    ]


def _suggest(word: object, choices: Sequence[str] | Mapping[str, object]) -> str:
    """``"; did you mean 'x'?"`` for the nearest choice, or the list of valid choices."""
    options = list(choices)
    if isinstance(word, str):
        close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
        if close:
            return f"; did you mean {close[0]!r}?"
    return f"; valid: {', '.join(options)}"
