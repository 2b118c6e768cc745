"""The entry ABI's numbers are written once, in ``_relon_runtime/abi.py``.

The Python side imports them; the files that cannot (the Rust runtime crate, the C
runtime, docs/abi.md) are checked against them here, so a change to one side that
forgets the other fails the suite.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import relon_build_backend
from relon_build_backend._relon_runtime.abi import (
    ERROR_KINDS,
    OK,
    WASM_LIBRARY_SYMBOLS,
    Status,
    call_symbol,
    hash_symbol,
    host_symbol,
    main_symbol,
)
from relon_build_backend.ir.nodes import ErrorKind

PACKAGE = Path(relon_build_backend.__file__).parent
DOCS = PACKAGE.parent / "docs"
SUPPORT = PACKAGE.parent / "tests" / "support"
#: the hand-written fake built packages of the loader tests
FAKE_PACKAGES = [SUPPORT / "fake_library.py", SUPPORT / "compound_package.py"]

#: the Rust runtime's status constants -> the ABI status each stands for
_RUST_NAMES = {
    "OK": OK,
    "EMPTY_LIST": Status.EMPTY_LIST,
    "OUT_OF_MEMORY": Status.VALUE_TOO_LARGE,
}

#: a status (or the ABI version) as a literal: returned in C (``return 7;``); in WAT
#: returned early (``(return (i32.const 7))``), left as a function's value on a line of
#: its own (``    (i32.const 0))``) or as the whole body of a one-line function
#: (``(result i32) (i32.const 1))``). An ``(i32.const 1)`` in arithmetic is no status.
_STATUS_LITERAL = re.compile(
    r"return -?\d+;"
    r"|\(return \(i32\.const -?\d+\)\)"
    r"|^ *\(i32\.const -?\d+\)\)$"
    r"|\(result i32\) \(i32\.const -?\d+\)\)",
    re.MULTILINE,
)


def test_the_ir_error_kinds_are_the_abi_statuses() -> None:
    assert ErrorKind is Status


def test_the_rust_runtime_statuses_match_the_abi() -> None:
    text = (PACKAGE / "cocompile" / "relon_rt.rs").read_text(encoding="utf-8")
    found = {
        name: int(value)
        for name, value in re.findall(r"^const (\w+): i32 = (\d+);", text, re.MULTILINE)
        if name in _RUST_NAMES
    }
    assert found == {name: int(status) for name, status in _RUST_NAMES.items()}


def test_the_c_runtime_takes_its_numbers_from_the_build() -> None:
    text = (PACKAGE / "cocompile" / "runtime.c").read_text(encoding="utf-8")
    # defined by cocompile/runtime.py from the abi module, never written in the C file
    assert not re.search(r"#define RELON_(ABI_VERSION|STATUS_\w+) ", text)
    assert "#error" in text


def test_the_abi_document_lists_every_status() -> None:
    text = (DOCS / "abi.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| (\d+) \| `(\w+)`", text, re.MULTILINE))
    assert {int(k): v for k, v in rows.items()} == {int(s): kind for s, kind in ERROR_KINDS.items()}


@pytest.mark.parametrize("fixture", FAKE_PACKAGES, ids=lambda path: path.stem)
def test_the_fake_packages_format_their_abi_facts_from_the_abi(fixture: Path) -> None:
    """The loader tests' fake packages write their C and WAT by hand: the ABI's symbol
    names and statuses in those templates come from the abi module, never as literals."""
    text = fixture.read_text(encoding="utf-8")
    rule_entries = [symbol("}") for symbol in (main_symbol, call_symbol, hash_symbol)]
    names = [*WASM_LIBRARY_SYMBOLS, *rule_entries, host_symbol("}", "")]
    assert [name for name in names if name in text] == []
    assert _STATUS_LITERAL.findall(text) == []
