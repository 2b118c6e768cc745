"""Real wheels, sdists and editable installs of the fixture projects in tests/packages/,
built by pip and pypa/build in a throwaway virtual environment with the backend."""

from __future__ import annotations

import importlib.machinery
import re
import sys
import sysconfig
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from wheel_harness import BackendVenv, clean_env, run

from relon_build_backend._relon_runtime.errors import REBUILD
from relon_build_backend.compiler import library_filename, wasm_filename

pytestmark = pytest.mark.slow

PLATFORM = sysconfig.get_platform().replace("-", "_").replace(".", "_")
ARCH = PLATFORM.removeprefix("linux_")
#: The tag of a wheel built here: manylinux (its oldest policy, and the legacy alias).
WHEEL_PLATFORM = (
    rf"manylinux_2_\d+_{ARCH}(\.manylinux\w+_{ARCH})?"
    if PLATFORM.startswith("linux_")
    else re.escape(PLATFORM)
)
EPOCH = "1700000000"
CopyProject = Callable[[str], Path]


def pip_wheel(venv: BackendVenv, project: Path, out: Path, *args: str) -> Path:
    """``pip wheel`` without build isolation (the venv has the backend); the one wheel."""
    venv.pip("wheel", "--no-deps", "--no-build-isolation", "-w", out, *args, project)
    (wheel,) = out.glob("*.whl")
    return wheel


def pypa_build(
    venv: BackendVenv, project: Path, out: Path, *args: str, **env: str
) -> tuple[int, str]:
    """``python -m build --no-isolation``: (exit status, stdout + stderr)."""
    cmd: list[str | Path] = [venv.python, "-m", "build", "--no-isolation", "--outdir", out]
    cmd += [*args, project]
    proc = run(cmd, env=clean_env(SOURCE_DATE_EPOCH=EPOCH, **env), check=False)
    return proc.returncode, proc.stdout + proc.stderr


@contextmanager
def editable_install(venv: BackendVenv, project: Path, distribution: str) -> Iterator[None]:
    """``pip install -e project`` without build isolation, uninstalled afterwards."""
    venv.pip("install", "--no-deps", "--no-build-isolation", "-e", project)
    try:
        yield
    finally:
        venv.pip("uninstall", "--yes", distribution)


def wheel_files(wheel: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(wheel) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def unpack(wheel: Path, into: Path) -> Path:
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(into)
    return into


def call_without_tooling(site: Path, code: str) -> str:
    """Run ``code`` with only ``site`` importable: -S drops site-packages, so neither the
    backend nor llvmlite can be found (the contract: no Relon tooling at run time)."""
    prelude = f"import sys; sys.path.insert(0, {str(site)!r})\n"
    guard = "import importlib.util as u; assert u.find_spec('llvmlite') is None\n"
    return run([sys.executable, "-I", "-S", "-c", prelude + guard + code]).stdout.strip()


def test_flat_layout_wheel_is_py3_none_platform_with_loaders_and_assets(
    backend_venv: BackendVenv, copy_project: CopyProject, tmp_path: Path
) -> None:
    wheel = pip_wheel(backend_venv, copy_project("flat_pure"), tmp_path / "out")
    match = re.fullmatch(rf"flat_pure-0\.1\.0-py3-none-({WHEEL_PLATFORM})\.whl", wheel.name)
    assert match, wheel.name
    files = wheel_files(wheel)
    metadata = files["flat_pure-0.1.0.dist-info/WHEEL"].decode()
    assert "Root-Is-Purelib: false\n" in metadata
    for platform in match.group(1).split("."):  # one Tag line per compressed tag
        assert f"Tag: py3-none-{platform}\n" in metadata
    assert {
        "flatpure/__init__.py",
        "flatpure/py.typed",
        "flatpure/_relon_runtime/__init__.py",
        "flatpure/_relon_runtime/abi.py",
        "flatpure/rules/discount.py",
        f"flatpure/{library_filename('flatpure')}",
        f"flatpure/{wasm_filename('flatpure')}",
    } <= set(files)
    assert not [name for name in files if ".data/" in name]
    # Not an extension module: no CPython-specific suffix, and a stem no import can name.
    abi_suffixes = tuple(s for s in importlib.machinery.EXTENSION_SUFFIXES if s != ".so")
    assert not [name for name in files if name.endswith(abi_suffixes)]
    assert not library_filename("flatpure").partition(".")[0].isidentifier()

    site = unpack(wheel, tmp_path / "site")
    result = call_without_tooling(
        site, "from flatpure.rules import discount\nprint(repr(discount.main(3, 9.5, True)))"
    )
    assert float(result) == (3 * 9.5) * 0.9


@pytest.mark.rustc
@pytest.mark.skipif(not PLATFORM.startswith("linux_"), reason="manylinux is Linux only")
def test_the_manylinux_tag_is_the_one_auditwheel_finds(
    backend_venv: BackendVenv, copy_project: CopyProject, tmp_path: Path
) -> None:
    # a shim pulls in Rust's std: the case the package index refused before
    wheel = pip_wheel(backend_venv, copy_project("shim_hosts"), tmp_path / "out")
    ours = wheel.name.removesuffix(".whl").split("-")[-1].split(".")
    shown = run([sys.executable, "-m", "auditwheel", "show", wheel]).stdout
    found = re.search(r'platform tag:\s*"([^"]+)"', shown)
    assert found, shown
    assert ours[0] == found.group(1)  # the oldest policy it satisfies, as auditwheel says
    assert "requires no external shared libraries" in shown


@pytest.mark.wasm
def test_the_wasm_asset_runs_under_wasmtime(
    backend_venv: BackendVenv, copy_project: CopyProject, tmp_path: Path
) -> None:
    site = unpack(pip_wheel(backend_venv, copy_project("flat_pure"), tmp_path / "out"), tmp_path)
    code = (
        f"import sys; sys.path.insert(0, {str(site)!r})\n"
        "from flatpure.rules import discount\n"
        "print(discount.Sandbox(backend='wasm').main(qty=2, price=5.0, gold=False))"
    )
    assert run([backend_venv.python, "-I", "-c", code]).stdout.strip() == "10.0"


def test_plat_name_is_honoured(
    backend_venv: BackendVenv, copy_project: CopyProject, tmp_path: Path
) -> None:
    option = "--config-settings=--build-option=--plat-name=manylinux_2_17_x86_64"
    wheel = pip_wheel(backend_venv, copy_project("flat_pure"), tmp_path / "out", option)
    assert wheel.name == "flat_pure-0.1.0-py3-none-manylinux_2_17_x86_64.whl"
    metadata = wheel_files(wheel)["flat_pure-0.1.0.dist-info/WHEEL"].decode()
    assert "Tag: py3-none-manylinux_2_17_x86_64\n" in metadata


def test_src_layout_rules_at_any_depth_and_native_only_target(
    backend_venv: BackendVenv, copy_project: CopyProject, tmp_path: Path
) -> None:
    wheel = pip_wheel(backend_venv, copy_project("src_layout"), tmp_path / "out")
    files = set(wheel_files(wheel))
    assert {"srclayout/score.py", "srclayout/deep/nested/level.py"} <= files
    assert f"srclayout/{library_filename('srclayout')}" in files
    assert f"srclayout/{wasm_filename('srclayout')}" not in files  # targets = ["native"]
    site = unpack(wheel, tmp_path / "site")
    code = (
        "from srclayout import score\nfrom srclayout.deep.nested import level\n"
        "print(score.main(4, 2), level.main(7), level.main(8))"
    )
    assert call_without_tooling(site, code) == "42 False True"


def test_config_settings_override_pyproject(
    backend_venv: BackendVenv, copy_project: CopyProject, tmp_path: Path
) -> None:
    status, output = pypa_build(
        backend_venv,
        copy_project("src_layout"),
        tmp_path / "out",
        "--wheel",
        "-Crelon.targets=native,wasm32",
    )
    assert status == 0, output
    (wheel,) = (tmp_path / "out").glob("*.whl")
    assert f"srclayout/{wasm_filename('srclayout')}" in wheel_files(wheel)
    # The build log says what each setting is and where it came from.
    assert "targets = ('native', 'wasm32')  (config-settings relon.targets)" in output
    assert "opt-level = 2  ([tool.relon] in pyproject.toml)" in output
    assert "target-cpu = None  (default)" in output


def test_bad_environment_override_fails_the_build(
    backend_venv: BackendVenv, copy_project: CopyProject, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    status, output = pypa_build(
        backend_venv, copy_project("src_layout"), out, "--wheel", RELON_BUILD_OPT_LEVEL="9"
    )
    assert status != 0
    assert (
        "relon-build: error: environment variable RELON_BUILD_OPT_LEVEL: 'opt-level' must "
        "be an integer from 0 to 3, got '9'\n"
    ) in output
    assert "Traceback" not in output
    assert not list(out.glob("*.whl"))


@pytest.mark.rustc
def test_shim_host_functions_pure_and_gated(
    backend_venv: BackendVenv, copy_project: CopyProject, tmp_path: Path
) -> None:
    site = unpack(pip_wheel(backend_venv, copy_project("shim_hosts"), tmp_path / "out"), tmp_path)
    code = (
        "from shimhosts.rules import stamped, taxed\n"
        "print(taxed.main(100))\n"
        "try:\n    stamped.main(1)\n"
        "except PermissionError as exc:\n    print(exc.kind)\n"
        "print(stamped.Sandbox(caps={'reads_clock'}).main(1))"
    )
    assert call_without_tooling(site, code).split() == ["120", "CapabilityDenied", "2002"]


@pytest.mark.rustc
def test_sdist_holds_sources_and_rebuilds_the_same_wheel(
    backend_venv: BackendVenv, copy_project: CopyProject, tmp_path: Path
) -> None:
    project = copy_project("shim_hosts")
    status, output = pypa_build(backend_venv, project, tmp_path / "dist")  # sdist -> wheel
    assert status == 0, output
    (sdist,) = (tmp_path / "dist").glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.partition("/")[2] for name in archive.getnames()}
    assert {
        "pyproject.toml",
        "shimhosts/host_shim.rs",
        "shimhosts/rules/taxed.relon",
        "shimhosts/rules/stamped.relon",
    } <= names
    generated = {"shimhosts/_relon_runtime/__init__.py", "shimhosts/rules/taxed.py"}
    generated |= {f"shimhosts/{library_filename('shimhosts')}"}
    assert not generated & names
    (from_sdist,) = (tmp_path / "dist").glob("*.whl")

    status, output = pypa_build(backend_venv, project, tmp_path / "tree", "--wheel")
    assert status == 0, output
    (from_tree,) = (tmp_path / "tree").glob("*.whl")
    assert from_sdist.name == from_tree.name
    assert wheel_files(from_sdist) == wheel_files(from_tree)


def test_editable_install_builds_in_place_and_detects_stale_rules(
    backend_venv: BackendVenv, copy_project: CopyProject
) -> None:
    project = copy_project("flat_pure")
    with editable_install(backend_venv, project, "flat-pure"):
        package = project / "flatpure"
        for name in [library_filename("flatpure"), "_relon_runtime/abi.py", "rules/discount.py"]:
            assert (package / name).is_file(), name
        assert not list(package.glob(".relon-build-*"))
        code = "from flatpure.rules import discount\nprint(discount.main(2, 1.5, False))"
        assert run([backend_venv.python, "-c", code], cwd=project.parent).stdout == "3.0\n"

        rule = package / "rules" / "discount.relon"
        rule.write_text(rule.read_text() + "// edited after the install\n")
        stale = run([backend_venv.python, "-c", code], cwd=project.parent, check=False)
        assert stale.returncode != 0
        assert "discount.relon" in stale.stderr


def test_editable_install_notices_shim_settings_and_backend_edits(
    backend_venv: BackendVenv, copy_project: CopyProject
) -> None:
    project = copy_project("shim_hosts")
    package = project / "shimhosts"

    def outcome(rule: str) -> str:
        code = f"from shimhosts.rules import {rule}\nprint({rule}.main(100))"
        proc = run([backend_venv.python, "-c", code], cwd=project.parent, check=False)
        if proc.returncode == 0:
            return proc.stdout.strip()
        last = proc.stderr.strip().splitlines()[-1]  # "shimhosts._relon_runtime.errors.Relon..."
        return last[last.index("RelonLoadError: ") :]

    def edited(path: Path, old: str, new: str) -> str:
        """``path`` with ``old`` replaced by ``new``; returns the text to put back."""
        text = path.read_text()
        assert old in text
        path.write_text(text.replace(old, new))
        return text

    with editable_install(backend_venv, project, "shim-hosts"):
        assert outcome("taxed") == "120"
        shim, pyproject = package / "host_shim.rs", project / "pyproject.toml"

        kept = edited(shim, "cents / 5", "cents / 4")  # the shim a rule was compiled with
        assert (
            outcome("taxed") == f"RelonLoadError: {shim} changed since it was compiled; {REBUILD}"
        )
        shim.write_text(kept)
        assert outcome("taxed") == "120"

        nearer = package / "rules" / "host_shim.rs"  # a nearer shim would now be used
        nearer.write_text(shim.read_text())
        assert outcome("taxed") == (
            f"RelonLoadError: {nearer} appeared since shimhosts.rules.taxed was compiled; {REBUILD}"
        )
        assert outcome("stamped").startswith("RelonLoadError: ")
        nearer.unlink()

        # a capability gate: the rule would silently stay ungated without the check
        kept = edited(pyproject, '["reads_clock"]', '["reads_clock", "network"]')
        message = f"RelonLoadError: [tool.relon] in {pyproject} changed since it was compiled"
        assert outcome("stamped") == f"{message}; {REBUILD}"
        assert outcome("taxed") == f"{message}; {REBUILD}"  # every rule reads the table
        pyproject.write_text(kept.replace('version = "1.0.0"', 'version = "1.0.1"'))
        assert outcome("taxed") == "120"  # the rest of pyproject.toml does not matter
        backend_venv.pip("install", "--no-deps", "--no-build-isolation", "-e", project)
        assert outcome("taxed") == "120"


def test_editable_install_notices_a_changed_backend(
    backend_venv: BackendVenv, copy_project: CopyProject
) -> None:
    project = copy_project("flat_pure")
    code = "from flatpure.rules import discount\nprint(discount.main(2, 1.5, False))"
    find = "import relon_build_backend, pathlib; print(pathlib.Path(relon_build_backend.__file__))"
    found = run([backend_venv.python, "-c", find], cwd=project.parent).stdout
    backend = Path(found.strip()).parent
    assert "site-packages" in backend.parts  # the venv's backend, never this checkout
    marker = backend / "version.py"
    kept = marker.read_text()
    with editable_install(backend_venv, project, "flat-pure"):
        try:
            assert run([backend_venv.python, "-c", code], cwd=project.parent).stdout == "3.0\n"
            marker.write_text(kept + "\n# an upgrade, or an edit of a checkout\n")
            stale = run([backend_venv.python, "-c", code], cwd=project.parent, check=False)
            assert stale.returncode != 0
            assert f"relon-build-backend at {backend} is no longer the" in stale.stderr
            assert REBUILD in stale.stderr
        finally:
            marker.write_text(kept)


@pytest.mark.parametrize(
    ("author", "expected"), [(None, ">=3.10"), (">=3.10.2", ">=3.10.2")], ids=["unset", "set"]
)
def test_the_wheel_requires_the_python_the_loader_needs_unless_the_author_says(
    backend_venv: BackendVenv,
    copy_project: CopyProject,
    tmp_path: Path,
    author: str | None,
    expected: str,
) -> None:
    project = copy_project("flat_pure")
    pyproject = project / "pyproject.toml"
    line = 'requires-python = ">=3.10"\n'
    assert line in pyproject.read_text()
    replacement = "" if author is None else f'requires-python = "{author}"\n'
    pyproject.write_text(pyproject.read_text().replace(line, replacement))
    wheel = pip_wheel(backend_venv, project, tmp_path / "out")
    (metadata,) = (v for k, v in wheel_files(wheel).items() if k.endswith(".dist-info/METADATA"))
    fields = [line for line in metadata.decode().splitlines() if line.startswith("Requires-Python")]
    assert fields == [f"Requires-Python: {expected}"]


def test_a_deleted_rule_leaves_no_loader_in_the_tree_the_wheel_or_the_sdist(
    backend_venv: BackendVenv, copy_project: CopyProject, tmp_path: Path
) -> None:
    project = copy_project("flat_pure")
    rules = project / "flatpure" / "rules"
    (rules / "extra.relon").write_text((rules / "discount.relon").read_text())
    with editable_install(backend_venv, project, "flat-pure"):
        assert (rules / "extra.py").is_file()
        (rules / "extra.relon").unlink()  # the author deletes a rule...

        # ...and builds: the stale loader must not ship, though build_py copies it
        status, output = pypa_build(backend_venv, project, tmp_path / "dist")
        assert status == 0, output
        (wheel,) = (tmp_path / "dist").glob("*.whl")
        assert "flatpure/rules/discount.py" in wheel_files(wheel)
        assert "flatpure/rules/extra.py" not in wheel_files(wheel)
        (sdist,) = (tmp_path / "dist").glob("*.tar.gz")
        with tarfile.open(sdist) as archive:
            assert not [name for name in archive.getnames() if name.endswith("extra.py")]

        # the next editable build removes it from the tree
        backend_venv.pip("install", "--no-deps", "--no-build-isolation", "-e", project)
        assert not (rules / "extra.py").exists()
        assert (rules / "discount.py").is_file()


def test_a_rule_that_would_replace_a_hand_written_module_fails_the_build(
    backend_venv: BackendVenv, copy_project: CopyProject, tmp_path: Path
) -> None:
    project = copy_project("flat_pure")
    own = project / "flatpure" / "rules" / "discount.py"
    own.write_text("HELPER = 1\n")
    status, output = pypa_build(backend_venv, project, tmp_path / "out", "--wheel")
    assert status != 0
    assert (
        "relon-build: error: flatpure/rules/discount.relon: its generated module "
        "flatpure.rules.discount would replace flatpure/rules/discount.py"
    ) in output
    assert "Traceback" not in output
    assert own.read_text() == "HELPER = 1\n"  # nothing lost


@pytest.mark.parametrize(
    ("project_name", "package", "location"),
    [
        ("fail_syntax", "failsyntax", "failsyntax/broken.relon:3:"),
        ("fail_type", "failtype", "failtype/wrong.relon:2:"),
        ("fail_unknown_function", "failunknown", "failunknown/calls.relon:2:"),
        ("fail_shim_signature", "failshim", "failshim/host_shim.rs:4:"),
    ],
)
def test_build_errors_name_file_and_line_without_traceback(
    backend_venv: BackendVenv,
    copy_project: CopyProject,
    tmp_path: Path,
    project_name: str,
    package: str,
    location: str,
) -> None:
    project = copy_project(project_name)
    out = tmp_path / "out"
    status, output = pypa_build(backend_venv, project, out, "--wheel")
    assert status != 0
    # file:line:col: error: (a shim may be named by its absolute path)
    assert re.search(
        rf"^relon-build: error: (\S*/)?{re.escape(location)}\d+: error: ", output, re.M
    )
    assert "Traceback" not in output
    assert not list(out.glob("*.whl"))
    # Nothing half-built: no staging folder, no loader or library in build/lib.
    assert not list(project.rglob(".relon-build-*"))
    built = project / "build" / "lib" / package
    leftovers = {p.name for p in built.rglob("*")} if built.exists() else set()
    assert not {"fine.py", "abi.py", library_filename(package)} & leftovers


def test_config_error_says_what_to_fix(
    backend_venv: BackendVenv, copy_project: CopyProject, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    status, output = pypa_build(backend_venv, copy_project("fail_config"), out, "--wheel")
    assert status != 0
    assert (
        "relon-build: error: [tool.relon] in pyproject.toml: unknown key 'opt_level'; "
        "did you mean 'opt-level'?\n"
    ) in output
    assert "Traceback" not in output
    assert not list(out.glob("*.whl"))


def test_isolated_build_installs_the_backend_from_a_wheelhouse(
    backend_venv: BackendVenv, copy_project: CopyProject, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    project = copy_project("flat_pure")
    backend_venv.pip(
        "wheel", "--no-deps", "--find-links", backend_venv.wheelhouse, "-w", out, project
    )
    (wheel,) = out.glob("*.whl")
    assert re.fullmatch(rf"flat_pure-0\.1\.0-py3-none-{WHEEL_PLATFORM}\.whl", wheel.name)
    assert "flatpure/rules/discount.py" in wheel_files(wheel)
