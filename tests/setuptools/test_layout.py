"""Finding a distribution's rules and shims, and naming their loader modules."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from relon_build_backend.loader.generate import GENERATED_MARKER
from relon_build_backend.setuptools.layout import (
    Rule,
    RuleLayoutError,
    find_package_rules,
    top_level_source_dir,
)


def touch(root: Path, *paths: str) -> None:
    for path in paths:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text("")


@pytest.mark.parametrize(
    ("package_dir", "expected"),
    [
        ({}, "pkg"),
        ({"": "src"}, "src/pkg"),
        ({"": "./src"}, "src/pkg"),
        ({"pkg": "lib/thing"}, "lib/thing"),
        ({"": "src", "pkg": "elsewhere"}, "elsewhere"),
    ],
)
def test_top_level_source_dir_follows_build_py(package_dir: dict[str, str], expected: str) -> None:
    assert top_level_source_dir("pkg", package_dir) == PurePosixPath(expected)


def test_rules_at_any_depth_shims_and_sorted_order(tmp_path: Path) -> None:
    touch(
        tmp_path,
        "src/pkg/__init__.py",
        "src/pkg/zeta.relon",
        "src/pkg/rules/__init__.py",
        "src/pkg/rules/quote.relon",
        "src/pkg/rules/host_shim.rs",
        "src/pkg/a/b/deep.relon",
        "src/pkg/__pycache__/stale.relon",
        "src/pkg/.relon-build-x/staged.relon",
        "src/other/__init__.py",
    )
    (found,) = find_package_rules(["pkg", "pkg.rules", "other"], {"": "src"}, tmp_path)
    assert found.package == "pkg"
    assert found.source_dir == PurePosixPath("src/pkg")
    assert found.rules == (
        Rule(PurePosixPath("src/pkg/a/b/deep.relon"), "pkg.a.b.deep", PurePosixPath("a/b/deep.py")),
        Rule(
            PurePosixPath("src/pkg/rules/quote.relon"),
            "pkg.rules.quote",
            PurePosixPath("rules/quote.py"),
        ),
        Rule(PurePosixPath("src/pkg/zeta.relon"), "pkg.zeta", PurePosixPath("zeta.py")),
    )
    assert found.shims == (PurePosixPath("src/pkg/rules/host_shim.rs"),)


def test_packages_without_rules_are_left_out(tmp_path: Path) -> None:
    touch(tmp_path, "plain/__init__.py", "plain/host_shim.rs")
    assert find_package_rules(["plain"], {}, tmp_path) == ()
    assert find_package_rules([], {}, tmp_path) == ()


def test_every_top_level_package_is_separate(tmp_path: Path) -> None:
    touch(tmp_path, "one/__init__.py", "one/r.relon", "two/__init__.py", "two/r.relon")
    found = find_package_rules(["two", "one.sub", "one"], {}, tmp_path)
    assert [(p.package, [r.module_name for r in p.rules]) for p in found] == [
        ("one", ["one.r"]),
        ("two", ["two.r"]),
    ]


def test_a_rule_that_cannot_be_a_module_name_is_an_error(tmp_path: Path) -> None:
    touch(tmp_path, "pkg/__init__.py", "pkg/my-rules/quote.relon")
    with pytest.raises(RuleLayoutError) as info:
        find_package_rules(["pkg"], {}, tmp_path)
    assert str(info.value) == (
        "pkg/my-rules/quote.relon: 'my-rules' is not a valid Python identifier, so the rule "
        "cannot become an importable module; rename it (letters, digits and underscores, "
        "not starting with a digit)"
    )


def test_the_runtime_module_name_is_reserved(tmp_path: Path) -> None:
    touch(tmp_path, "pkg/__init__.py", "pkg/_relon_runtime.relon")
    with pytest.raises(RuleLayoutError, match="reserved for the Relon loader runtime"):
        find_package_rules(["pkg"], {}, tmp_path)


@pytest.mark.parametrize("name", ["class", "sub/import"])
def test_a_rule_named_for_a_python_keyword_is_an_error(tmp_path: Path, name: str) -> None:
    touch(tmp_path, "pkg/__init__.py", f"pkg/{name}.relon")
    keyword = name.rpartition("/")[2]
    with pytest.raises(RuleLayoutError) as info:
        find_package_rules(["pkg"], {}, tmp_path)
    assert str(info.value).startswith(f"pkg/{name}.relon: {keyword!r} is a Python keyword")
    assert f"'{keyword}_'" in str(info.value)


def test_a_folder_named_for_a_keyword_is_an_error(tmp_path: Path) -> None:
    touch(tmp_path, "pkg/__init__.py", "pkg/def/quote.relon")
    with pytest.raises(RuleLayoutError, match="'def' is a Python keyword"):
        find_package_rules(["pkg"], {}, tmp_path)


def test_a_rule_never_replaces_a_hand_written_module(tmp_path: Path) -> None:
    touch(tmp_path, "pkg/__init__.py", "pkg/rules/b.relon")
    (tmp_path / "pkg/rules/b.py").write_text("def helper(): ...\n")
    with pytest.raises(RuleLayoutError) as info:
        find_package_rules(["pkg"], {}, tmp_path)
    assert str(info.value) == (
        "pkg/rules/b.relon: its generated module pkg.rules.b would replace pkg/rules/b.py, "
        "which is not a generated file; rename the rule or the module"
    )


def test_an_init_rule_never_replaces_the_packages_init(tmp_path: Path) -> None:
    touch(tmp_path, "pkg/__init__.relon")
    (tmp_path / "pkg/__init__.py").write_text('"""The package."""\n')
    with pytest.raises(RuleLayoutError, match=r"would replace pkg/__init__\.py"):
        find_package_rules(["pkg"], {}, tmp_path)


def test_a_rule_module_that_is_also_a_package_is_an_error(tmp_path: Path) -> None:
    touch(tmp_path, "pkg/__init__.py", "pkg/quote.relon", "pkg/quote/extra.relon")
    with pytest.raises(RuleLayoutError) as info:
        find_package_rules(["pkg"], {}, tmp_path)
    assert "module pkg.quote would also be the package pkg/quote/" in str(info.value)
    assert "pkg/quote/__init__.relon" in str(info.value)


def test_a_generated_loader_is_replaced_and_a_stale_one_is_found(tmp_path: Path) -> None:
    generated = f'"""Relon rule.\n\n{GENERATED_MARKER}\n"""\n'
    touch(tmp_path, "pkg/__init__.py", "pkg/kept.relon")
    (tmp_path / "pkg/kept.py").write_text(generated)
    (tmp_path / "pkg/gone.py").write_text(generated)
    (tmp_path / "pkg/mine.py").write_text(f"# mentions {GENERATED_MARKER} but is not one\n")
    (found,) = find_package_rules(["pkg"], {}, tmp_path)
    assert [rule.module_name for rule in found.rules] == ["pkg.kept"]
    assert found.stale_loaders == (PurePosixPath("pkg/gone.py"),)
