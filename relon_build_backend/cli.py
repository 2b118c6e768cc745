"""``relon-build``: the command line (contract section 7).

Works on files and folders outside any packaging (the ``[tool.relon]`` table of the
nearest ``pyproject.toml`` above a path still applies: gates, targets, opt level)::

    relon-build check PATH...
    relon-build ir FILE.relon
    relon-build llvm-ir FILE.relon [--shim host_shim.rs] [--target native|wasm32] [--optimized]
    relon-build compile DIR -o OUT [--target native|wasm32]...
    relon-build doctor
    relon-build --version

This is a boundary: a :class:`RelonBuildError` becomes ``relon-build: error: ...`` on
stderr and exit status 1, without a traceback. Only this module prints.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, cast

from .compiler import (
    CompiledRule,
    CompileOptions,
    RuleSource,
    check_rules,
    compile_package,
    find_shim,
    front_end,
    load_hosts,
    rule_object,
)
from .errors import RelonBuildError
from .frontend.diagnostics import Diagnostic, SourceError
from .targets import TARGET_NAMES, TargetName, target_for
from .version import backend_version

if TYPE_CHECKING:
    from .settings import RelonSettings

__all__ = ["main"]

log = logging.getLogger(__name__)

_TARGETS = TARGET_NAMES


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG
        if args.verbose > 1
        else logging.INFO
        if args.verbose
        else logging.WARNING,
        format="relon-build: %(message)s",
    )
    try:
        return int(args.run(args))
    except SourceError as exc:
        print(exc.render(), file=sys.stderr)
        count = len(exc.diagnostics)
        print(
            f"relon-build: error: {count} error{'s' if count != 1 else ''} found", file=sys.stderr
        )
        return 1
    except RelonBuildError as exc:
        print(f"relon-build: error: {exc}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="relon-build", description="Compile Relon rules ahead of time (native and wasm32)."
    )
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="more output (-vv: debug)"
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {backend_version()}")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    check = sub.add_parser("check", help="parse and type-check .relon files (folders are searched)")
    check.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    check.set_defaults(run=_cmd_check)

    ir = sub.add_parser("ir", help="print the Relon IR of a file")
    ir.add_argument("file", type=Path, metavar="FILE.relon")
    ir.set_defaults(run=_cmd_ir)

    llvm_ir = sub.add_parser("llvm-ir", help="print the LLVM IR of a file's module")
    llvm_ir.add_argument("file", type=Path, metavar="FILE.relon")
    llvm_ir.add_argument("--shim", type=Path, help="host_shim.rs (default: found next to the file)")
    llvm_ir.add_argument("--target", choices=_TARGETS, default="native")
    llvm_ir.add_argument(
        "--optimized", action="store_true", help="after linking the shim, inlining and O3"
    )
    llvm_ir.set_defaults(run=_cmd_llvm_ir)

    comp = sub.add_parser("compile", help="compile a folder of rules into a library and/or .wasm")
    comp.add_argument("dir", type=Path, metavar="DIR")
    comp.add_argument("-o", "--output", type=Path, required=True, metavar="OUT")
    comp.add_argument(
        "--target", dest="targets", action="append", choices=_TARGETS, help="repeatable"
    )
    comp.add_argument(
        "--opt-level", type=int, choices=range(4), default=None, help="default: [tool.relon] or 3"
    )
    comp.add_argument(
        "--target-cpu", default=None, help='default: portable baseline; "native" opts in'
    )
    comp.add_argument(
        "-j",
        "--jobs",
        type=_positive,
        default=None,
        help="worker processes (default: $RELON_JOBS or the cores)",
    )
    comp.set_defaults(run=_cmd_compile)

    doctor = sub.add_parser(
        "doctor", help="report the toolchain found and what is missing (exit status 1 then)"
    )
    doctor.set_defaults(run=_cmd_doctor)
    return parser


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text!r}")
    return int(text)


def _package_root(path: Path) -> Path:
    """Where the build would stop looking for ``host_shim.rs`` above ``path``: its
    top-level package (the highest folder of an unbroken chain of ``__init__.py``
    files), else the folder itself (contract section 2)."""
    folder = path.resolve() if path.is_dir() else path.resolve().parent
    while (folder.parent / "__init__.py").is_file() and folder.parent != folder:
        folder = folder.parent
    return folder


def _project_settings(path: Path) -> RelonSettings:
    """The ``[tool.relon]`` settings of the nearest ``pyproject.toml`` at or above ``path``
    (defaults when there is none), so gated host functions stay gated outside packaging."""
    from .settings import RelonSettings, read_relon_table, resolve_settings

    start = path.resolve()
    for directory in [start, *start.parents] if start.is_dir() else start.parents:
        if (directory / "pyproject.toml").is_file():
            resolved = resolve_settings(read_relon_table(directory), environ=os.environ)
            log.info("using [tool.relon] of %s", directory / "pyproject.toml")
            for line in resolved.describe():
                log.info("  %s", line)
            return resolved.settings
    return RelonSettings()


def _relon_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(path.rglob("*.relon"))
    if not path.exists():
        raise RelonBuildError(f"{path}: no such file or directory")
    return [path]


def _rule_source(path: Path) -> RuleSource:
    return RuleSource(path=path.resolve(), module_name=path.stem, display_path=str(path))


def _cmd_check(args: argparse.Namespace) -> int:
    count = 0
    diagnostics: list[Diagnostic] = []
    for root in args.paths:
        files = _relon_files(root)
        count += len(files)
        gates = _project_settings(root).host_functions
        try:
            check_rules([_rule_source(f) for f in files], _package_root(root), gates)
        except SourceError as exc:
            diagnostics.extend(exc.diagnostics)
    if diagnostics:
        raise SourceError(diagnostics)
    print(f"relon-build: {count} file{'s' if count != 1 else ''} checked, no errors")
    return 0


def _single_rule(path: Path, shim: Path | None = None) -> CompiledRule:
    files = _relon_files(path)
    if len(files) != 1 or path.is_dir():
        raise RelonBuildError(f"{path}: expected one .relon file")
    source = _rule_source(path)
    gates = _project_settings(path).host_functions
    if shim is None:
        return check_rules([source], _package_root(path), gates)[0]
    return front_end(source, shim=shim, hosts=load_hosts(shim, gates, None))


def _cmd_ir(args: argparse.Namespace) -> int:
    from .ir.printer import format_module

    print(format_module(_single_rule(args.file).ir), end="")
    return 0


def _cmd_llvm_ir(args: argparse.Namespace) -> int:
    from .compiler import work_directory

    shim = args.shim or find_shim(args.file, _package_root(args.file))
    rule = _single_rule(args.file, shim)
    target = target_for(cast(TargetName, args.target))
    with work_directory() as work:
        opt_level = CompileOptions().opt_level
        _, text = rule_object(rule, target, opt_level, work, optimized=args.optimized)
    print(text, end="" if text.endswith("\n") else "\n")
    return 0


def _cmd_compile(args: argparse.Namespace) -> int:
    root: Path = args.dir
    if not root.is_dir():
        raise RelonBuildError(f"{root}: not a directory")
    package = root.resolve().name
    rules = [
        RuleSource(
            path=f.resolve(),
            module_name=".".join((package, *f.relative_to(root).with_suffix("").parts)),
            display_path=str(f),
        )
        for f in _relon_files(root)
    ]
    if not rules:
        raise RelonBuildError(f"{root}: no .relon files found")
    project = _project_settings(root)
    targets = tuple(dict.fromkeys(args.targets or project.targets))
    options = CompileOptions(
        targets=cast(tuple[TargetName, ...], targets),
        opt_level=project.opt_level if args.opt_level is None else args.opt_level,
        target_cpu=args.target_cpu or project.target_cpu,
        host_gates=project.host_functions,
        jobs=args.jobs,
    )
    built = compile_package(_package_root(root), package, rules, args.output, options)
    for artifact in (built.library, built.wasm):
        if artifact is not None:
            print(f"relon-build: wrote {artifact}")
    for rule in built.rules:
        print(f"  {rule.module}: {rule.prefix}_call / _main")
    return 0


def _cmd_doctor(args: argparse.Namespace) -> int:
    from .toolchain.doctor import diagnose, render_report

    report = diagnose()
    print(render_report(report))
    return 1 if report.missing else 0
