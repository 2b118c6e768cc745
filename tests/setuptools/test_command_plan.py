"""build_relon's SubCommand protocol, registration, wheel tag and error boundary,
in process, without compiling anything."""

from __future__ import annotations

import os
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from setuptools.command.build import build  # type: ignore[import-untyped]
from setuptools.dist import Distribution  # type: ignore[import-untyped]

from relon_build_backend.compiler import library_filename, wasm_filename
from relon_build_backend.errors import ConfigError
from relon_build_backend.loader import runtime_files
from relon_build_backend.loader.generate import GENERATED_MARKER
from relon_build_backend.setuptools.boundary import reported_errors
from relon_build_backend.setuptools.command import BuildRelon
from relon_build_backend.setuptools.finalize import finalize_distribution_options
from relon_build_backend.setuptools.hooks import (
    CONFIG_SETTINGS_ENV,
    hook_boundary,
    passed_config_settings,
)
from relon_build_backend.setuptools.wheel import BdistWheel

LIB = library_filename("demo")
WASM = wasm_filename("demo")
#: the runtime package a build writes into the package, as package-relative paths
RUNTIME = [str(name) for name in runtime_files()]


@pytest.fixture(autouse=True)
def _private_sub_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    """finalize_distribution_options edits setuptools' class-level list: undo it after."""
    monkeypatch.setattr(build, "sub_commands", list(build.sub_commands))


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for path in ["src/demo/__init__.py", "src/demo/rules/__init__.py"]:
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("")
    (tmp_path / "src/demo/rules/quote.relon").write_text("#main(Int x) -> Int\nx + 1\n")
    (tmp_path / "src/demo/rules/host_shim.rs").write_text("")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    monkeypatch.chdir(tmp_path)
    for variable in ("RELON_BUILD_TARGETS", "RELON_BUILD_OPT_LEVEL", CONFIG_SETTINGS_ENV):
        monkeypatch.delenv(variable, raising=False)
    yield tmp_path


def make_dist(packages: list[str] | None = None) -> Distribution:
    dist = Distribution(
        {
            "name": "demo",
            "version": "1.0",
            "packages": ["demo", "demo.rules"] if packages is None else packages,
            "package_dir": {"": "src"},
        }
    )
    finalize_distribution_options(dist)
    dist.cmdclass["build_relon"] = BuildRelon  # the entry point, without installing us
    return dist


def build_relon(dist: Distribution, *, editable: bool = False) -> BuildRelon:
    cmd = dist.get_command_obj("build_relon")
    cmd.editable_mode = editable
    cmd.ensure_finalized()
    assert isinstance(cmd, BuildRelon)
    return cmd


def test_registration_is_idempotent_and_conditional(project: Path) -> None:
    dist = make_dist()
    finalize_distribution_options(dist)
    names = [name for name, _ in build.sub_commands]
    assert names.count("build_relon") == 1
    assert names.index("build_relon") > names.index("build_py")
    assert dist.get_command_class("bdist_wheel") is BdistWheel
    assert "build_relon" in dist.get_command_obj("build").get_sub_commands()
    plain = make_dist(packages=[])
    assert "build_relon" not in plain.get_command_obj("build").get_sub_commands()


def test_a_project_bdist_wheel_is_kept(project: Path) -> None:
    class Custom(BdistWheel):
        pass

    dist = Distribution({"name": "demo", "version": "1.0", "cmdclass": {"bdist_wheel": Custom}})
    finalize_distribution_options(dist)
    assert dist.get_command_class("bdist_wheel") is Custom


def test_source_files_are_rules_and_shims(project: Path) -> None:
    assert build_relon(make_dist()).get_source_files() == [
        "src/demo/rules/quote.relon",
        "src/demo/rules/host_shim.rs",
    ]


def test_outputs_go_to_build_lib(project: Path) -> None:
    cmd = build_relon(make_dist())
    lib = cmd.build_lib
    assert lib is not None
    assert sorted(cmd.get_outputs()) == sorted(
        str(Path(lib, "demo", name)) for name in [LIB, WASM, *RUNTIME, "py.typed", "rules/quote.py"]
    )
    assert cmd.get_output_mapping() == {}


def test_outputs_follow_the_targets_setting(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELON_BUILD_TARGETS", "wasm32")
    names = {Path(p).name for p in build_relon(make_dist()).get_outputs()}
    assert WASM in names
    assert LIB not in names


def test_editable_mode_maps_outputs_to_the_source_tree(project: Path) -> None:
    (project / "src/demo/py.typed").write_text("partial\n")
    cmd = build_relon(make_dist(), editable=True)
    lib = cmd.build_lib
    assert lib is not None
    assert cmd.get_output_mapping() == {
        str(Path(lib, "demo", LIB)): f"src/demo/{LIB}",
        str(Path(lib, "demo", WASM)): f"src/demo/{WASM}",
        **{str(Path(lib, "demo", name)): f"src/demo/{name}" for name in RUNTIME},
        str(Path(lib, "demo", "rules", "quote.py")): "src/demo/rules/quote.py",
    }
    assert sorted(cmd.get_outputs()) == sorted(cmd.get_output_mapping())


def test_config_errors_surface_from_the_plan(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[project]\nname = "demo"\n[tool.relon]\nopt-levl = 1\n'
    )
    with pytest.raises(ConfigError, match="unknown key 'opt-levl'; did you mean 'opt-level'"):
        build_relon(make_dist()).get_outputs()


@pytest.mark.parametrize(
    ("plat_name", "expected"),
    [
        (None, "linux_x86_64"),
        ("manylinux_2_17_x86_64", "manylinux_2_17_x86_64"),
        ("linux-aarch64", "linux_aarch64"),
    ],
)
def test_wheel_tag_is_py3_none_platform(
    project: Path, monkeypatch: pytest.MonkeyPatch, plat_name: str | None, expected: str
) -> None:
    monkeypatch.setattr("sysconfig.get_platform", lambda: "linux-x86_64")
    dist = make_dist()
    cmd = dist.get_command_obj("bdist_wheel")
    cmd.plat_name = plat_name
    cmd.ensure_finalized()
    assert cmd.get_tag() == ("py3", "none", expected)
    assert cmd.root_is_pure is False


def test_wheel_tag_is_untouched_without_rules(project: Path) -> None:
    dist = make_dist(packages=[])
    cmd = dist.get_command_obj("bdist_wheel")
    cmd.ensure_finalized()
    assert cmd.root_is_pure is True
    assert cmd.get_tag() == ("py3", "none", "any")


def test_boundary_prints_one_line_and_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info, reported_errors():
        raise ConfigError("[tool.relon] in pyproject.toml: bad")
    assert info.value.code == 1
    assert info.value.__suppress_context__
    assert capsys.readouterr().err == "relon-build: error: [tool.relon] in pyproject.toml: bad\n"


def test_boundary_lets_our_bugs_through() -> None:
    with pytest.raises(AssertionError), reported_errors():
        raise AssertionError("a bug keeps its traceback")


def test_hook_boundary_passes_relon_settings_to_the_command(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings: dict[str, str | list[str]] = {
        "relon.opt-level": "1",
        "--build-option": ["--plat-name=x"],
    }
    with hook_boundary(settings) as for_setuptools:
        assert for_setuptools == {"--build-option": ["--plat-name=x"]}
        assert passed_config_settings() == {"relon.opt-level": "1"}
        resolved = build_relon(make_dist())._settings()
        assert resolved.origins["opt-level"] == "config-settings relon.opt-level"
    assert CONFIG_SETTINGS_ENV not in os.environ
    assert passed_config_settings() == {}


def test_sdist_has_sources_but_not_files_built_in_place(project: Path) -> None:
    generated = ["rules/quote.py", *RUNTIME, LIB, WASM]
    (project / "src/demo/_relon_runtime").mkdir()
    for name in generated:  # as an editable install leaves them
        (project / "src/demo" / name).write_text(f'"""A file.\n\n{GENERATED_MARKER}\n"""\n')
    (project / "src/demo/helpers.py").write_text("")
    dist = make_dist()
    dist.script_name = "setup.py"
    sdist = dist.get_command_obj("sdist")
    sdist.dist_dir = str(project / "dist")
    sdist.formats = ["gztar"]
    dist.run_command("sdist")
    (archive,) = (project / "dist").iterdir()
    with tarfile.open(archive) as tar:
        names = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    assert {"src/demo/rules/quote.relon", "src/demo/rules/host_shim.rs"} <= names
    assert "src/demo/helpers.py" in names
    assert not {f"src/demo/{name}" for name in generated} & names
