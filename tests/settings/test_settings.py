"""[tool.relon] validation, overrides and the messages a package author sees."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from relon_build_backend.errors import ConfigError
from relon_build_backend.settings import (
    RelonSettings,
    read_relon_table,
    resolve_settings,
)


def resolve_error(
    table: Mapping[str, object],
    environ: dict[str, str] | None = None,
    config: dict[str, str | list[str]] | None = None,
) -> str:
    with pytest.raises(ConfigError) as info:
        resolve_settings(table, environ=environ or {}, config_settings=config)
    return str(info.value)


def test_defaults_are_portable_and_build_both_targets() -> None:
    resolved = resolve_settings({}, environ={})
    assert resolved.settings == RelonSettings()
    assert resolved.settings.targets == ("native", "wasm32")
    assert resolved.settings.opt_level == 3
    assert resolved.settings.target_cpu is None
    assert dict(resolved.settings.host_functions) == {}
    assert set(resolved.origins.values()) == {"default"}


def test_full_table_is_parsed() -> None:
    table = {
        "targets": ["wasm32", "native"],
        "opt-level": 0,
        "target-cpu": "x86-64-v2",
        "host-functions": {
            "clock_add": {"capabilities": ["reads_clock", "reads_env"]},
            "pure_fn": {},
        },
    }
    settings = resolve_settings(table, environ={}).settings
    assert settings.targets == ("wasm32", "native")
    assert settings.opt_level == 0
    assert settings.target_cpu == "x86-64-v2"
    assert dict(settings.host_functions) == {
        "clock_add": frozenset({"reads_clock", "reads_env"}),
        "pure_fn": frozenset(),
    }


def test_unknown_key_suggests_the_nearest() -> None:
    assert resolve_error({"opt_level": 2}) == (
        "[tool.relon] in pyproject.toml: unknown key 'opt_level'; did you mean 'opt-level'?"
    )


def test_unknown_key_without_a_near_match_lists_the_keys() -> None:
    assert resolve_error({"colour": "blue"}) == (
        "[tool.relon] in pyproject.toml: unknown key 'colour'; "
        "valid: targets, opt-level, target-cpu, host-functions"
    )


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            {"opt-level": 7},
            "[tool.relon] in pyproject.toml: 'opt-level' must be an integer from 0 to 3, got 7",
        ),
        (
            {"opt-level": True},
            "[tool.relon] in pyproject.toml: 'opt-level' must be an integer from 0 to 3, got True",
        ),
        (
            {"opt-level": "3"},
            "[tool.relon] in pyproject.toml: 'opt-level' must be an integer from 0 to 3, got '3'",
        ),
        (
            {"targets": "native"},
            "[tool.relon] in pyproject.toml: 'targets' must be a non-empty list drawn from "
            '"native" and "wasm32", got \'native\'',
        ),
        (
            {"targets": []},
            "[tool.relon] in pyproject.toml: 'targets' must be a non-empty list drawn from "
            '"native" and "wasm32", got []',
        ),
        (
            {"targets": ["native", "wasm"]},
            "[tool.relon] in pyproject.toml: 'targets' must be a non-empty list drawn from "
            "\"native\" and \"wasm32\"; 'wasm' is not a target; did you mean 'wasm32'?",
        ),
        (
            {"targets": ["native", "native"]},
            "[tool.relon] in pyproject.toml: 'targets' lists 'native' twice",
        ),
        (
            {"target-cpu": "x86 64"},
            "[tool.relon] in pyproject.toml: 'target-cpu' must be an LLVM CPU name such as "
            '"x86-64-v2" or "native", got \'x86 64\'',
        ),
        (
            {"host-functions": ["clock_add"]},
            "[tool.relon] in pyproject.toml: 'host-functions' must be a table of host "
            "function name = { capabilities = [\"reads_clock\"] }, got ['clock_add']",
        ),
        (
            {"host-functions": {"clock_add": ["reads_clock"]}},
            "[tool.relon] in pyproject.toml: 'host-functions' entry 'clock_add' must be a "
            "table like { capabilities = [\"reads_clock\"] }, got ['reads_clock']",
        ),
        (
            {"host-functions": {"clock_add": {"capability": ["reads_clock"]}}},
            "[tool.relon] in pyproject.toml: 'host-functions' entry 'clock_add' has unknown "
            "key 'capability'; did you mean 'capabilities'?",
        ),
        (
            {"host-functions": {"clock_add": {"capabilities": ["read_clock"]}}},
            "[tool.relon] in pyproject.toml: 'host-functions' entry 'clock_add': unknown "
            "capability 'read_clock'; did you mean 'reads_clock'?",
        ),
        (
            {"host-functions": {"clock_add": {"capabilities": ["teleport"]}}},
            "[tool.relon] in pyproject.toml: 'host-functions' entry 'clock_add': unknown "
            "capability 'teleport'; valid: reads_fs, writes_fs, network, reads_clock, "
            "reads_env, uses_rng",
        ),
        (
            {"host-functions": {"clock_add": {"capabilities": "reads_clock"}}},
            "[tool.relon] in pyproject.toml: 'host-functions' entry 'clock_add': capabilities "
            "must be a list of names, got 'reads_clock'",
        ),
        (
            {"host-functions": {"clock-add": {}}},
            "[tool.relon] in pyproject.toml: 'host-functions' names 'clock-add', which is not "
            "a Rust function name",
        ),
    ],
)
def test_bad_values_name_the_key_the_source_and_the_value(
    table: dict[str, object], message: str
) -> None:
    assert resolve_error(table) == message


def test_all_problems_are_reported_together() -> None:
    message = resolve_error(
        {"opt-level": 9, "targts": ["native"]}, environ={"RELON_BUILD_TARGETS": "arm"}
    )
    assert message.splitlines() == [
        "[tool.relon] in pyproject.toml: 'opt-level' must be an integer from 0 to 3, got 9",
        "[tool.relon] in pyproject.toml: unknown key 'targts'; did you mean 'targets'?",
        "environment variable RELON_BUILD_TARGETS: 'targets' must be a non-empty list drawn "
        'from "native" and "wasm32"; \'arm\' is not a target; valid: native, wasm32',
    ]


def test_wasm_only_with_gated_host_functions_is_refused() -> None:
    table = {
        "targets": ["wasm32"],
        "host-functions": {"clock_add": {"capabilities": ["reads_clock"]}, "pure": {}},
    }
    assert resolve_error(table) == (
        "targets = ['wasm32'] cannot build gated host functions (clock_add): the wasm module "
        'calls them through the native library; add "native" to targets'
    )


def test_wasm_only_with_pure_host_functions_is_fine() -> None:
    table = {"targets": ["wasm32"], "host-functions": {"pure": {"capabilities": []}}}
    assert resolve_settings(table, environ={}).settings.targets == ("wasm32",)


def test_environment_overrides_pyproject() -> None:
    resolved = resolve_settings(
        {"targets": ["native"], "opt-level": 1, "target-cpu": "x86-64"},
        environ={
            "RELON_BUILD_TARGETS": " native , wasm32 ",
            "RELON_BUILD_OPT_LEVEL": "2",
            "RELON_BUILD_TARGET_CPU": "native",
            "UNRELATED": "x",
        },
    )
    assert resolved.settings.targets == ("native", "wasm32")
    assert resolved.settings.opt_level == 2
    assert resolved.settings.target_cpu == "native"
    assert resolved.origins["opt-level"] == "environment variable RELON_BUILD_OPT_LEVEL"
    assert resolved.origins["host-functions"] == "default"


def test_config_settings_override_environment_and_pyproject() -> None:
    resolved = resolve_settings(
        {"opt-level": 1},
        environ={"RELON_BUILD_OPT_LEVEL": "2", "RELON_BUILD_TARGETS": "native"},
        config_settings={
            "relon.opt-level": "0",
            "relon.targets": ["native", "wasm32"],
            "--build-option": "--plat-name=linux_x86_64",
        },
    )
    assert resolved.settings.opt_level == 0
    assert resolved.settings.targets == ("native", "wasm32")
    assert resolved.origins["opt-level"] == "config-settings relon.opt-level"
    assert resolved.origins["targets"] == "config-settings relon.targets"


def test_bad_environment_value_names_the_variable() -> None:
    assert resolve_error({}, environ={"RELON_BUILD_OPT_LEVEL": "fast"}) == (
        "environment variable RELON_BUILD_OPT_LEVEL: 'opt-level' must be an integer "
        "from 0 to 3, got 'fast'"
    )


def test_unknown_config_setting_suggests_the_nearest() -> None:
    assert resolve_error({}, config={"relon.target_cpu": "x86-64"}) == (
        "config-settings: unknown setting 'relon.target_cpu'; did you mean 'relon.target-cpu'?"
    )


def test_host_functions_cannot_be_overridden_from_config_settings() -> None:
    assert resolve_error({}, config={"relon.host-functions": "x"}) == (
        "config-settings: unknown setting 'relon.host-functions'; valid: relon.targets, "
        "relon.opt-level, relon.target-cpu"
    )


def test_describe_names_every_key_and_its_origin() -> None:
    resolved = resolve_settings(
        {"host-functions": {"clock_add": {"capabilities": ["reads_clock"]}}},
        environ={"RELON_BUILD_OPT_LEVEL": "1"},
    )
    assert resolved.describe() == [
        "targets = ('native', 'wasm32')  (default)",
        "opt-level = 1  (environment variable RELON_BUILD_OPT_LEVEL)",
        "target-cpu = None  (default)",
        "host-functions = {'clock_add': ['reads_clock']}  ([tool.relon] in pyproject.toml)",
    ]


def test_read_relon_table(tmp_path: Path) -> None:
    assert read_relon_table(tmp_path) == {}
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n[tool.relon]\nopt-level = 2\n'
        "[tool.relon.host-functions]\n"
        'clock_add = { capabilities = ["reads_clock"] }\n'
    )
    assert read_relon_table(tmp_path) == {
        "opt-level": 2,
        "host-functions": {"clock_add": {"capabilities": ["reads_clock"]}},
    }


def test_read_relon_table_rejects_broken_toml(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.relon\n")
    with pytest.raises(ConfigError, match=r"^pyproject.toml is not valid TOML: "):
        read_relon_table(tmp_path)


def test_read_relon_table_rejects_a_non_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool]\nrelon = "fast"\n')
    with pytest.raises(ConfigError) as info:
        read_relon_table(tmp_path)
    assert str(info.value) == "pyproject.toml: 'tool.relon' must be a table ([tool.relon])"
