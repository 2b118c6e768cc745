"""read_host_functions: signatures, spans and the rendered errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from relon_build_backend.cocompile import check_gates, read_host_functions
from relon_build_backend.cocompile.shim_reader import mask_rust
from relon_build_backend.errors import ConfigError
from relon_build_backend.frontend.diagnostics import SourceError

from .conftest import DATA, GATES


def test_reads_every_exported_function_with_types_and_gates() -> None:
    hosts = read_host_functions(DATA / "host_shim.rs", GATES)
    table = {h.name: (h.params, h.result, h.is_gated) for h in hosts}
    assert table == {
        "host_add": (("Int",), "Int", False),
        "host_div": (("Int",), "Int", False),
        "host_checked": (("Int",), "Int", False),
        "host_scale": (("Float", "Bool"), "Float", False),
        "clock_add": (("Int",), "Int", True),
    }


def test_span_points_at_the_name_even_over_several_lines() -> None:
    hosts = read_host_functions(DATA / "host_shim.rs", {}, display_path="pkg/host_shim.rs")
    scale = next(h for h in hosts if h.name == "host_scale")
    assert str(scale.span) == "pkg/host_shim.rs:31:4"
    assert scale.capabilities == frozenset()


def test_unsupported_signatures_render_like_relon_errors() -> None:
    with pytest.raises(SourceError) as info:
        read_host_functions(DATA / "bad_signature.rs", {}, display_path="pkg/host_shim.rs")
    assert str(info.value) == (
        "pkg/host_shim.rs:5:26: error: unsupported parameter type `i32` in a host function "
        "signature (allowed: i64 (Int), f64 (Float), bool (Bool))\n"
        '    pub extern "C" fn bad(x: i32, flag: bool) -> u8 { 0 }\n'
        "                             ^~~\n"
        "  hint: host functions exchange only Relon scalars; convert inside the shim\n"
        "pkg/host_shim.rs:5:46: error: unsupported return type `u8` in a host function "
        "signature (allowed: i64 (Int), f64 (Float), bool (Bool))\n"
        '    pub extern "C" fn bad(x: i32, flag: bool) -> u8 { 0 }\n'
        "                                                 ^~\n"
        "  hint: host functions exchange only Relon scalars; convert inside the shim\n"
        "pkg/host_shim.rs:8:19: error: host function 'nothing' returns nothing; it must "
        "return a value (allowed: i64 (Int), f64 (Float), bool (Bool))\n"
        '    pub extern "C" fn nothing(x: i64) {}\n'
        "                      ^~~~~~~\n"
        "  hint: Relon calls host functions as expressions; return an i64, f64 or bool"
    )


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("#[no_mangle]\npub fn f(x: i64) -> i64 { x }\n", 'must be declared `pub extern "C" fn`'),
        ('#[no_mangle]\nextern "C" fn f(x: i64) -> i64 { x }\n', "must be declared"),
        ('#[no_mangle]\npub extern "C" fn f(s: &str) -> i64 { 0 }\n', "parameter type `&str`"),
        ('#[no_mangle]\npub extern "C" fn f<T>(x: i64) -> i64 { x }\n', "cannot be generic"),
    ],
)
def test_each_bad_export_is_an_error(tmp_path: Path, source: str, message: str) -> None:
    shim = tmp_path / "host_shim.rs"
    shim.write_text(source)
    with pytest.raises(SourceError, match=message):
        read_host_functions(shim, {})


def test_unmangled_and_commented_functions_are_not_hosts(tmp_path: Path) -> None:
    shim = tmp_path / "host_shim.rs"
    shim.write_text(
        '// #[no_mangle] pub extern "C" fn a(x: String) -> i64 { 0 }\n'
        'const S: &str = "#[no_mangle] fn b() {}";\n'
        "fn helper(v: &[u8]) -> usize { v.len() }\n"
        '#[unsafe(no_mangle)]\npub extern "C" fn c(x: bool) -> bool { !x }\n'
    )
    hosts = read_host_functions(shim, {})
    assert [(h.name, h.params, h.result) for h in hosts] == [("c", ("Bool",), "Bool")]


def test_mask_rust_keeps_offsets_and_abi_string() -> None:
    text = 'a /* x /* nested */ y */ b "str" \'c\' extern "C" // tail\nz'
    masked = mask_rust(text)
    assert len(masked) == len(text)
    assert masked.split() == ["a", "b", "extern", '"C"', "z"]


def test_check_gates_names_unknown_functions() -> None:
    hosts = read_host_functions(DATA / "host_shim.rs", {})
    check_gates({"clock_add": frozenset({"reads_clock"})}, hosts)
    with pytest.raises(ConfigError, match=r"'clok_add', which no host_shim.rs defines"):
        check_gates({"clok_add": frozenset({"reads_clock"})}, hosts)
