"""Finding a distribution's rules and shims, and naming their loader modules."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

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
