"""Golden ``.test`` files: ``[case NAME]`` source, optional ``[hosts]``, then ``[out]``.

The expected text after ``[out]`` is the IR text form of the case (``format_module``)
or, when the case does not type-check, its rendered diagnostics. Run with
``RELON_UPDATE_GOLDENS=1`` to rewrite every ``[out]`` from the current output, then
review the diff.

A ``[hosts]`` line declares a host function: ``name(Int, Float) -> Bool reads_clock``
(capabilities after the result, space separated).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from relon_build_backend.frontend.checker import check_module
from relon_build_backend.frontend.diagnostics import SourceError
from relon_build_backend.frontend.hosts import Capability, HostFunction, HostType
from relon_build_backend.frontend.parser import parse_module
from relon_build_backend.frontend.source import SourceFile, Span
from relon_build_backend.ir.printer import format_module
from relon_build_backend.lower import lower_module

__all__ = ["GoldenCase", "read_cases", "run_case", "update_goldens", "write_cases"]

UPDATE = os.environ.get("RELON_UPDATE_GOLDENS") == "1"

_HEADER = re.compile(r"^\[case (?P<name>[A-Za-z0-9_]+)\]$")
_HOST = re.compile(r"^(?P<name>\w+)\((?P<params>[^)]*)\) -> (?P<result>\w+)(?P<caps>( \w+)*)$")


@dataclass(frozen=True, slots=True)
class GoldenCase:
    path: Path
    name: str
    source: str
    hosts: tuple[str, ...]
    expected: str


def read_cases(path: Path) -> list[GoldenCase]:
    cases: list[GoldenCase] = []
    name: str | None = None
    sections: dict[str, list[str]] = {}
    current = "source"

    def flush() -> None:
        if name is not None:
            cases.append(
                GoldenCase(
                    path,
                    name,
                    "\n".join(sections.get("source", [])).strip("\n") + "\n",
                    tuple(line for line in sections.get("hosts", []) if line.strip()),
                    "\n".join(sections.get("out", [])).strip("\n") + "\n",
                )
            )

    for line in path.read_text(encoding="utf-8").splitlines():
        match = _HEADER.match(line)
        if match:
            flush()
            name, sections, current = match["name"], {}, "source"
        elif line in ("[hosts]", "[out]"):
            current = line[1:-1]
        else:
            sections.setdefault(current, []).append(line)
    flush()
    return cases


def write_cases(path: Path, cases: list[GoldenCase]) -> None:
    chunks = []
    for case in cases:
        chunk = f"[case {case.name}]\n{case.source}"
        if case.hosts:
            chunk += "[hosts]\n" + "".join(f"{h}\n" for h in case.hosts)
        chunks.append(chunk + f"[out]\n{case.expected}")
    path.write_text("\n".join(chunks), encoding="utf-8")


def _host(line: str, source: SourceFile) -> HostFunction:
    match = _HOST.match(line.strip())
    assert match, f"bad [hosts] line: {line!r}"
    params = tuple(p.strip() for p in match["params"].split(",") if p.strip())
    caps = tuple(match["caps"].split())
    return HostFunction(
        name=match["name"],
        params=tuple(_host_type(p) for p in params),
        result=_host_type(match["result"]),
        capabilities=frozenset(_capability(c) for c in caps),
        span=Span(source, 0, 0),
    )


def _host_type(name: str) -> HostType:
    assert name in ("Int", "Float", "Bool"), name
    return name  # type: ignore[return-value]  # checked just above


def _capability(name: str) -> Capability:
    return name  # type: ignore[return-value]  # HostFunction users validate names


def run_case(case: GoldenCase) -> str:
    source = SourceFile(f"{case.name}.relon", case.source)
    shim = SourceFile("host_shim.rs", "")
    hosts = [_host(line, shim) for line in case.hosts]
    try:
        checked = check_module(parse_module(source), hosts)
    except SourceError as err:
        return err.render() + "\n"
    return format_module(lower_module(checked, name=case.name))


def update_goldens(path: Path) -> None:
    cases = read_cases(path)
    write_cases(path, [_replace(c, run_case(c)) for c in cases])


def _replace(case: GoldenCase, expected: str) -> GoldenCase:
    return GoldenCase(case.path, case.name, case.source, case.hosts, expected)
