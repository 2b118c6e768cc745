"""A seeded fuzzer of the front end: scanner, parser, checker and lowering.

Every input must either pass or be refused with a :class:`SourceError` (``file:line:col``
diagnostics); anything else (a ``RecursionError``, an ``AssertionError`` from lowering,
any other exception) is an internal error and a bug. Inputs, in equal shares:

- random bytes (decoded as UTF-8 with replacement, as a file would be);
- token soups: random sequences of the language's punctuators, keywords, names,
  literals and f-string pieces;
- mutations of valid programs (the repository's ``.relon`` files and programs from the
  differential test's generator): byte and token deletions, duplications, swaps and
  insertions, and deep nesting spliced in.

The test suite runs a few thousand inputs; the long run is::

    python tests/frontend/fuzz.py --count 1000000 --seed 1
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from relon_build_backend.frontend.checker import check_module
from relon_build_backend.frontend.diagnostics import SourceError
from relon_build_backend.frontend.parser import parse_module
from relon_build_backend.frontend.source import SourceFile
from relon_build_backend.frontend.tokens import PUNCTUATORS
from relon_build_backend.lower import lower_module

ROOT = Path(__file__).resolve().parents[2]
_WORDS = (
    "#main", "#schema", "#enum", "where", "true", "false", "range", "math", "list", "len",
    "map", "filter", "reduce", "sum", "any", "all", "Int", "Float", "Bool", "String",
    "List", "x", "y", "acc", "i", "_", "if", "else", "for", "in", "=>", "->",
)  # fmt: skip
_LITERALS = (
    "0", "1", "-1", "42", "9223372036854775807", "9223372036854775808", "0x", "0xff", "0b2",
    "1.5", "1e", "1e309", "NaN", '"a"', '"\\u{1F600}"', '"\\q"', 'r"x"', 'r#"y"#', 'f"${x}"',
    'f"${', "}", '"', "/*", "*/", "//", "\n", " ", "\t", "\ufeff", "\x00", "é",
)  # fmt: skip
_NESTING = ("(", "[", "-", "!", 'f"${', "{", "(x) => ")


def corpus() -> list[str]:
    """Valid programs to mutate: the repository's rules and generated ones."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(ROOT.glob("**/*.relon"))
             if ".venv" not in p.parts]  # fmt: skip
    sys.path.insert(0, str(ROOT / "tests"))
    try:
        from support.program_gen import ProgramGenerator
    finally:
        sys.path.remove(str(ROOT / "tests"))
    generator = ProgramGenerator(7)
    texts += [generator.generate().source for _ in range(200)]
    return texts


def inputs(seed: int, count: int, programs: list[str]) -> Iterator[str]:
    rng = random.Random(seed)
    makers = (_random_bytes, _token_soup, _mutation)
    for index in range(count):
        yield makers[index % 3](rng, programs)


def _random_bytes(rng: random.Random, _: list[str]) -> str:
    data = bytes(rng.randrange(256) for _ in range(rng.randrange(200)))
    prefix = rng.choice([b"", b"#main() -> Int\n", b"#main(Int x) -> Int\n"])
    return (prefix + data).decode("utf-8", errors="replace")


def _token_soup(rng: random.Random, _: list[str]) -> str:
    pieces = (*PUNCTUATORS, *_WORDS, *_LITERALS)
    head = rng.choice(["", "#main() -> Int\n", "#main(Int x, String s) -> String\n"])
    return head + " ".join(rng.choice(pieces) for _ in range(rng.randrange(1, 80)))


def _mutation(rng: random.Random, programs: list[str]) -> str:
    text = rng.choice(programs)
    for _ in range(rng.randrange(1, 5)):
        text = _mutate_once(rng, text)
    return text


def _mutate_once(rng: random.Random, text: str) -> str:
    if not text:
        return rng.choice(_LITERALS)
    at = rng.randrange(len(text))
    end = min(len(text), at + rng.randrange(1, 12))
    kind = rng.randrange(6)
    if kind == 0:  # delete a span
        return text[:at] + text[end:]
    if kind == 1:  # duplicate a span
        return text[:end] + text[at:end] + text[end:]
    if kind == 2:  # insert a piece
        piece = rng.choice((*PUNCTUATORS, *_WORDS, *_LITERALS))
        return text[:at] + piece + text[at:]
    if kind == 3:  # swap two spans
        other = rng.randrange(len(text))
        a, b = sorted((at, other))
        return text[:a] + text[b:end] + text[a:b] + text[a:a] + text[max(end, b) :]
    if kind == 4:  # deep nesting spliced in
        opener = rng.choice(_NESTING)
        depth = rng.choice((10, 100, 1000, 5000))
        return text[:at] + opener * depth + "1" + text[at:]
    return text[:at] + chr(rng.randrange(0x20, 0x250)) + text[at + 1 :]


def front_end(text: str) -> None:
    """Scan, parse, check and lower ``text``; only SourceError may come out."""
    try:
        checked = check_module(parse_module(SourceFile("fuzz.relon", text)), ())
        lower_module(checked, name="fuzz")
    except SourceError:
        pass


def run(seed: int, count: int) -> list[tuple[str, BaseException]]:
    """The inputs that broke the front end, with what they raised."""
    failures = []
    for text in inputs(seed, count, corpus()):
        try:
            front_end(text)
        except Exception as exc:
            failures.append((text, exc))
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    started = time.perf_counter()
    failures = run(args.seed, args.count)
    seconds = time.perf_counter() - started
    found = f"{len(failures)} internal errors"
    print(f"{args.count} inputs (seed {args.seed}) in {seconds:.0f} s: {found}")
    for text, exc in failures[:20]:
        print(f"--- {type(exc).__name__}: {exc}\n{text[:300]!r}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
