"""Generated loader modules: valid Python, ruff clean, mypy --strict clean, typed surface."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
import support.compound_package as compound
from support.fake_library import SOURCES, interface

from relon_build_backend._relon_runtime.abi import HostSpec, RuleSpec
from relon_build_backend._relon_runtime.integrity import EditableInputs
from relon_build_backend.loader import RUNTIME_MODULE, render_loader, runtime_files, write_runtime

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"

ODD = {
    # a Relon parameter Python cannot spell as a parameter name, and one named self
    "keywords": (("lambda", "Int"), ("self", "Bool")),
    "many": tuple((f"a_rather_long_parameter_name_{i}", "Float") for i in range(8)),
}
ODD_DOCS = {
    "keywords": 'He said """hi""" and C:\\path\\n',
    "many": "A long comment. " * 30 + "\n\nSecond paragraph with\ttab.",
}


def odd_interface(package: str, name: str) -> RuleSpec:
    base = interface(package, "rules.clock")
    hosts = (
        base.gated_hosts[0],
        HostSpec("rng", ("Float", "Bool"), "Bool", ("uses_rng", "reads_env")),
    )
    return base.replace(
        module=f"{package}.{name}",
        params=ODD[name],
        doc=ODD_DOCS[name],
        gated_hosts=hosts,
    )


#: long enough that the backend's tuple must wrap to stay under the line limit
EDITABLE = EditableInputs(
    files=(("x.relon", 5),),
    settings=("../../pyproject.toml", -7),
    backend=("/a/folder/with/a/rather/long/name/for/testing/relon_build_backend", "0.1.0", 3),
)


def write_package(root: Path) -> Path:
    pkg = root / "genpkg"
    (pkg / "rules").mkdir(parents=True)
    for init in (pkg / "__init__.py", pkg / "rules" / "__init__.py", pkg / "py.typed"):
        init.write_text("")
    write_runtime(pkg)
    for rule in SOURCES:
        text = render_loader(
            interface("genpkg", rule),
            package="genpkg",
            library="libgen.so",
            wasm=None,
            editable=EDITABLE,
        )
        pkg.joinpath(*rule.split(".")).with_suffix(".py").write_text(text)
    for name in ODD:
        text = render_loader(
            odd_interface("genpkg", name),
            package="genpkg",
            library=None,
            wasm="g.wasm",
            editable=None,
        )
        (pkg / f"{name}.py").write_text(text)
    (pkg / "text").mkdir()
    (pkg / "text" / "__init__.py").write_text("")
    for rule in compound.RULES:
        text = render_loader(
            compound.interface("genpkg", rule),
            package="genpkg",
            library="libgen.so",
            wasm="g.wasm",
            editable=None,
        )
        pkg.joinpath(*rule.split(".")).with_suffix(".py").write_text(text)
    return pkg


USER_CODE = """\
from __future__ import annotations

import array

from genpkg import keywords, lists, many, pair, words
from genpkg.rules import answer, quote
from genpkg.text import echo, upper

price: float = quote.main(3, 9.5, True)
price = quote.main(qty=3, price=9.5, gold=True)
box = quote.Sandbox(caps={"reads_clock"}, max_steps=1_000_000, backend="native")
price = box.main(3, 9.5, True) + quote.Sandbox(backend="wasm").main(1, 2, False)
count: int = answer.main()
count = keywords.main(1, True) + keywords.Sandbox().main(2, False)
price = many.main(1, 2, 3, 4, 5, 6, 7, a_rather_long_parameter_name_7=8.0)
try:
    quote.main(1, 1.0, False)
except quote.NumericOverflow as error:
    kind: str = error.kind
except quote.RelonError:
    pass
text: str = echo.main("a", 0) + upper.Sandbox(backend="wasm").main(s="b")
xs: list[int]
ys: list[float]
bs: list[bool]
xs, ys, bs, count = lists.main([1], array.array("d", [1.0]), b"\\x01")
xs, ys, bs, count = lists.Sandbox().main(range(3), (1, 1.5), [True])
xs, ys, bs, count = lists.main(memoryview(b""), bytearray(), array.array("B"))
ws: list[str]
ws, text, count = words.main(["a"], "-")
ws, text, count = words.main(("a", "b"), sep="")
count = pair.main(1, 2.0)[0] + pair.Sandbox().main(1, 2)[0]
prices = quote.batch([1, 2], array.array("d", [1.0, 2.0]), True)
prices = quote.Sandbox(backend="wasm").batch(qty=range(2), price=1, gold=memoryview(b""))
flags = keywords.batch([1], (True,)) + many.Sandbox().batch(*[[1.0]] * 8)
"""

BAD_USER_CODE = """\
from genpkg.rules import quote

quote.main("3", 9.5, True)
quote.Sandbox(backend="jit")
text: str = quote.main(1, 1.0, True)
lists.main([1.5], [], [])
words.main([1], "-")
text = pair.main(1, 2.0)
quote.batch(["3"], [9.5], [True])
quote.Sandbox().batch([1], [2.0])
"""


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("generated")
    write_package(root)
    (root / "user_ok.py").write_text(USER_CODE)
    (root / "user_bad.py").write_text(BAD_USER_CODE)
    return root


def test_generated_modules_parse(generated: Path) -> None:
    files = sorted((generated / "genpkg").rglob("*.py"))
    assert len(files) == 15 + len(runtime_files())  # __init__s + loaders, the runtime
    for file in files:
        ast.parse(file.read_text(), str(file))


def test_generated_modules_are_ruff_clean(generated: Path) -> None:
    files = [str(f) for f in (generated / "genpkg").rglob("*.py") if f.name != "__init__.py"]
    cmd = [sys.executable, "-m", "ruff", "check", "--config", str(PYPROJECT), "--no-cache", *files]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout
    cmd[3] = "format"
    cmd.insert(4, "--check")
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout


def test_generated_modules_and_their_users_are_mypy_clean(generated: Path) -> None:
    cmd = [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--python-version", "3.10"]
    cmd += ["--config-file", "/dev/null", "genpkg", "user_ok.py"]
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=generated, check=False)
    assert result.returncode == 0, result.stdout
    cmd[-2:] = ["user_bad.py"]
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=generated, check=False)
    lines = [line for line in result.stdout.splitlines() if ": error:" in line]
    expected = ["3", "4", "5", "6", "7", "8", "9", "10"]
    assert [line.split(":")[1] for line in lines] == expected, result.stdout


def test_quote_module_shape(generated: Path) -> None:
    text = (generated / "genpkg" / "rules" / "quote.py").read_text()
    assert text.startswith(
        '"""Relon rule ``genpkg.rules.quote`` (from ``quote.relon``).\n\nPrice a quote.\n'
    )
    assert "from genpkg import _relon_runtime as _rt\n" in text
    assert "    def main(qty: int, price: float, gold: bool) -> float:\n" in text
    assert "        def main(self, qty: int, price: float, gold: bool) -> float: ..." in text
    assert "            max_memory: int | None = None,\n        ) -> None: ..." in text
    assert (
        "    def batch(\n        qty: Sequence[int] | Buffer | int,\n"
        "        price: Sequence[float] | Buffer | float,\n"
        "        gold: Sequence[bool] | Buffer | bool,\n    ) -> Any:\n"
    ) in text
    assert '    "batch",\n    "main",\n' in text
    assert "    batch = _RULE.batch\n" in text
    assert "    editable=_rt.EditableInputs(\n" in text
    assert '        files=(("x.relon", 5),),\n' in text
    tree = ast.parse(text)
    # data plus calls: no function or class is defined outside the TYPE_CHECKING stubs
    top = [type(node).__name__ for node in tree.body]
    assert "FunctionDef" not in top and "ClassDef" not in top


def test_unspellable_names_become_positional_only(generated: Path) -> None:
    text = (generated / "genpkg" / "keywords.py").read_text()
    assert "    def main(_arg0: int, _arg1: bool, /) -> int:\n" in text
    assert 'params=(("lambda", "Int"), ("self", "Bool")),' in text
    # a docstring with quotes or backslashes is not copied into Python docstrings
    assert "hi" not in text.split("_RULE = ")[0]
    assert text.startswith('"""Relon rule ``genpkg.keywords`` (from ``keywords.relon``).\n\nGen')
    assert repr(ODD_DOCS["keywords"]) in text


def test_long_data_is_wrapped(generated: Path) -> None:
    text = (generated / "genpkg" / "many.py").read_text()
    assert max(len(line) for line in text.splitlines()) <= 100
    module = ast.parse(text)
    call = next(
        n
        for n in ast.walk(module)
        if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "RuleSpec"
    )
    doc = next(k.value for k in call.keywords if k.arg == "doc")
    assert ast.literal_eval(doc) == ODD_DOCS["many"]
    assert '_rt.HostSpec("rng", ("Float", "Bool"), "Bool", ("uses_rng", "reads_env")),' in text


def test_render_is_deterministic() -> None:
    iface = interface("p", "rules.quote")
    first = render_loader(iface, package="p", library="a.so", wasm="a.wasm", editable=None)
    again = render_loader(iface, package="p", library="a.so", wasm="a.wasm", editable=None)
    assert first == again


def test_generated_modules_import_only_typing_and_their_runtime(generated: Path) -> None:
    allowed = {"__future__", "typing", "collections.abc", "typing_extensions", "genpkg"}
    for file in (generated / "genpkg").rglob("*.py"):
        if file.name == "__init__.py" or RUNTIME_MODULE in file.parts:
            continue
        tree = ast.parse(file.read_text())
        modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert not any(isinstance(n, ast.Import) for n in ast.walk(tree))
        assert modules <= allowed, file


def test_compound_module_shape(generated: Path) -> None:
    text = (generated / "genpkg" / "lists.py").read_text()
    assert "    from collections.abc import Iterable, Sequence\n" in text
    assert "    from typing_extensions import Buffer\n" in text
    assert (
        "    def main(\n        xs: Sequence[int] | Buffer,\n"
        "        ys: Sequence[float] | Buffer,\n        bs: Sequence[bool] | Buffer,\n"
        "    ) -> tuple[list[int], list[float], list[bool], int]:"
    ) in text
    assert 'result=("List<Int>", "List<Float>", "List<Bool>", "Int"),' in text
    assert "def batch" not in text  # no batch entry: not in the stub, nor in __all__
    assert '"batch"' not in text
    assert "    batch = _RULE.batch\n" in text  # at run time: a clear NotImplementedError
    assert "-> (List<Int>, List<Float>,\n        List<Bool>, Int)\n" in text  # wrapped
    words = (generated / "genpkg" / "words.py").read_text()
    assert "def main(ws: Sequence[str], sep: str) -> tuple[list[str], str, int]:" in words
    assert "Buffer" not in words
    echo = (generated / "genpkg" / "text" / "echo.py").read_text()
    assert "    def main(s: str, status: int) -> str:\n" in echo
    assert "Sequence" not in echo
