"""Builds that notice what changed: an unchanged rebuild compiles nothing, one edited
rule or shim recompiles only what depends on it, a moved project reuses its objects,
and the parallel build gives rules that behave as the serial one's."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support.rule_package import write_loaders

from relon_build_backend.compiler import CompileOptions, RuleSource, compile_package
from relon_build_backend.errors import RelonBuildError
from relon_build_backend.object_cache import _decode
from relon_build_backend.objects import Workers

pytestmark = [pytest.mark.rustc, pytest.mark.wasm]

PACKAGE = "relon_incr"
RULES = {
    "plain": "#main(Int x) -> Int\nx * 3 + 1",
    "words": '#main(String s) -> String\ns.upper() + "!"',  # uses the runtime crate
    "taxed": "#main(Int c) -> Int\nadd_tax(c)",  # calls the shim
}
SHIM = '#[no_mangle]\npub extern "C" fn add_tax(c: i64) -> i64 {\n    c + c / 5\n}\n'
CALLS = {"plain": "plain.main(4)", "words": "words.main('ab')", "taxed": "taxed.main(100)"}


def write_project(root: Path) -> Path:
    package = root / PACKAGE
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    for stem, text in RULES.items():
        (package / f"{stem}.relon").write_text(text)
    (package / "host_shim.rs").write_text(SHIM)
    return package


def build(package: Path, caplog: pytest.LogCaptureFixture, *, jobs: int = 2) -> list[str]:
    """Build ``package`` in place; the rules it compiled, as ``stem@target``."""
    caplog.clear()
    sources = [
        RuleSource(package / f"{stem}.relon", f"{PACKAGE}.{stem}", f"{PACKAGE}/{stem}.relon")
        for stem in RULES
    ]
    with caplog.at_level(logging.INFO, logger="relon_build_backend"):
        built = compile_package(package, PACKAGE, sources, package, CompileOptions(jobs=jobs))
    write_loaders(package, PACKAGE, built)
    found = re.findall(rf"compiling {PACKAGE}/(\w+)\.relon for (\w+)", caplog.text)
    return sorted(f"{stem}@{target}" for stem, target in found)


def results(package: Path) -> list[str]:
    """What each rule gives natively and on wasm, run in a fresh interpreter."""
    lines = [f"import sys; sys.path.insert(0, {str(package.parent)!r})"]
    lines += [f"from {PACKAGE} import {stem}" for stem in RULES]
    for call in CALLS.values():
        wasm = call.replace(".main(", ".Sandbox(backend='wasm').main(")
        lines.append(f"print({call!s}, {wasm!s})")
    proc = subprocess.run(
        [sys.executable, "-c", "\n".join(lines)], capture_output=True, text=True, check=True
    )
    return proc.stdout.splitlines()


EVERY = sorted(f"{stem}@{target}" for stem in RULES for target in ("native", "wasm32"))


def test_rebuilds_compile_only_what_changed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    package = write_project(tmp_path / "a")
    assert build(package, caplog) == EVERY
    expected = ["13 13", "AB! AB!", "120 120"]
    assert results(package) == expected

    library = (package / f"librelon-{PACKAGE}.so").read_bytes()
    assert build(package, caplog) == []  # nothing changed: nothing compiled
    assert caplog.text.count("from the cache") == len(EVERY)
    assert "optimising the Relon runtime" not in caplog.text
    assert (package / f"librelon-{PACKAGE}.so").read_bytes() == library
    assert results(package) == expected

    (package / "plain.relon").write_text("#main(Int x) -> Int\nx * 3 + 2")
    assert build(package, caplog) == ["plain@native", "plain@wasm32"]
    assert results(package)[0] == "14 14"

    (package / "host_shim.rs").write_text(SHIM.replace("c / 5", "c / 4"))
    assert build(package, caplog) == ["taxed@native", "taxed@wasm32"]  # its rules only
    assert results(package)[2] == "125 125"


def test_a_moved_project_reuses_its_objects(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    first = write_project(tmp_path / "a")
    build(first, caplog)
    moved = tmp_path / "elsewhere" / "deeper"
    moved.mkdir(parents=True)
    shutil.copytree(first, moved / PACKAGE)
    for artifact in (moved / PACKAGE).glob("*relon-*"):
        artifact.unlink()
    assert build(moved / PACKAGE, caplog) == []  # keyed by content, never by path
    assert results(moved / PACKAGE) == ["13 13", "AB! AB!", "120 120"]


def test_serial_and_parallel_builds_agree(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    outcomes = []
    for jobs in (1, 2):
        monkeypatch.setenv("RELON_CACHE", str(tmp_path / f"cache-{jobs}"))  # all compiled
        package = write_project(tmp_path / f"jobs-{jobs}")
        assert build(package, caplog, jobs=jobs) == EVERY
        outcomes.append(results(package))
    assert outcomes[0] == outcomes[1] == ["13 13", "AB! AB!", "120 120"]


def test_concurrent_builds_share_a_cold_cache(tmp_path: Path) -> None:
    # two processes, one cache, every entry missing: both write the same keys at once
    packages = [write_project(tmp_path / name) for name in ("one", "two")]
    command = [sys.executable, "-m", "relon_build_backend", "compile"]
    builds = [
        subprocess.Popen([*command, str(package), "-o", str(package)], stderr=subprocess.PIPE)
        for package in packages
    ]
    for process in builds:
        _, errors = process.communicate(timeout=600)
        assert process.returncode == 0, errors.decode()
    for package in packages:
        assert (package / f"librelon-{PACKAGE}.so").stat().st_size > 0
        assert (package / f"relon-{PACKAGE}.wasm").stat().st_size > 0
    entries = [p for p in (Path(os.environ["RELON_CACHE"]) / "objects").rglob("*") if p.is_file()]
    assert entries and all(p.suffix == ".o" for p in entries)  # no temporary file left
    assert all(_decode(p.read_bytes()) is not None for p in entries)  # none half-written


def test_a_script_without_a_main_guard_can_build(tmp_path: Path) -> None:
    # worker processes must not re-run the caller's __main__ (multiprocessing's spawn does)
    package = write_project(tmp_path / "p")
    script = tmp_path / "build_rules.py"
    script.write_text(
        "from pathlib import Path\n"
        "from relon_build_backend.compiler import CompileOptions, RuleSource, compile_package\n"
        f"package = Path({str(package)!r})\n"
        f"stems = {sorted(RULES)!r}\n"
        f"rules = [RuleSource(package / f'{{s}}.relon', f'{PACKAGE}.{{s}}', s) for s in stems]\n"
        f"compile_package(package, {PACKAGE!r}, rules, package, CompileOptions(jobs=2))\n"
        "print('built once')\n"
    )
    proc = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "built once\n"


def test_workers_keep_the_order_raise_task_errors_and_report_dead_workers() -> None:
    assert Workers(2).run(abs, [-1, -2, -3, 4, -5]) == [1, 2, 3, 4, 5]
    assert Workers(1).run(abs, [-1]) == [1]  # in this process
    with pytest.raises(ValueError, match="Expecting"):  # the task's own error
        Workers(2).run(json.loads, ["1", "{"])
    with pytest.raises(RelonBuildError, match=r"worker process died \(exit status 3"):
        Workers(2).run(os._exit, [3, 3])
