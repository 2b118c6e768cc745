"""Records, documents and enums at the Python surface (docs/abi.md "Documents").

A rule whose ``#main`` has any of them carries a surface (each parameter's shape and
the result's, :mod:`.shapes`), and :func:`document_entry` wraps the flat ``main``
over their leaves: it reads each record from a Mapping or from attributes (a
dataclass, a named tuple, a pydantic model), checks every leaf against its type
(ValidationError naming the field's path), and builds the result's nested ``dict``\\ s
and variant names. Exact ``dict`` records take a specialized entry compiled per rule.
"""

from __future__ import annotations

from .abi import TYPE_CHECKING
from .errors import MainArgTypeMismatch
from .shapes import EntryTemplate, Fields, Leaf, Shape, Surface, in_record, shape

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

__all__ = ["document_entry"]


def document_entry(flat_main: Callable[..., object], surface: Surface) -> Callable[..., object]:
    """``main`` taking records and enums, calling ``flat_main`` with their leaves."""
    params = [(name, shape(data)) for name, data in surface[0]]
    result = shape(surface[1])
    names = [name for name, _ in params]
    plain_result = isinstance(result, Leaf)
    single = not plain_result and len(result.kinds()) == 1

    def main(*args: object, **kwargs: object) -> object:
        values = _bind(names, args, kwargs)
        flat: list[object] = []
        for (name, param), value in zip(params, values, strict=True):
            flat += param.flatten(param.read(value, name, top=True, columns_ok=True))
        try:
            out = flat_main(*flat)
        except MainArgTypeMismatch as error:
            raise in_record(error) from None
        if plain_result:
            return out
        leaves = (out,) if single and not isinstance(out, tuple) else out
        assert isinstance(leaves, tuple | list), leaves
        return result.to_python(result.nest(leaves))

    fast = _fast_entry(flat_main, params, result, main)
    if fast is not None:
        main = fast
    main.__name__ = main.__qualname__ = getattr(flat_main, "__qualname__", "main")
    main.__module__ = getattr(flat_main, "__module__", __name__)
    spelled = ", ".join(f"{param.spelled()} {name}" for name, param in params)
    header = f"#main({spelled}) -> {result.spelled()}"
    rest = (getattr(flat_main, "__doc__", None) or "").partition("\n\n")[2]
    main.__doc__ = f"{header}\n\n{rest}" if rest else header
    return main


def _fast_entry(
    flat_main: Callable[..., object],
    params: list[tuple[str, Shape]],
    result: Shape,
    slow: Callable[..., object],
) -> Callable[..., object] | None:
    template = EntryTemplate()
    names = [f"a{i}" for i in range(len(params))]
    body = template.lines
    body += [
        f"    if kwargs or len(args) != {len(params)}:",
        "        return slow(*args, **kwargs)",
    ]
    if names:
        body.append(f"    {', '.join(names)}, = args")
    body += ["    try:", "        pass"]
    leaves: list[str] = []
    for (_, param), name in zip(params, names, strict=True):
        found = param.fast_leaves(template, name, "        ")
        if found is None:
            return None
        leaves += found
    body += ["    except (KeyError, TypeError):", "        return slow(*args, **kwargs)"]
    body += ["    try:", f"        out = flat({', '.join(leaves)})"]
    body += ["    except MainArgTypeMismatch as error:", "        raise in_record(error) from None"]
    width = len(result.kinds())
    grouped = isinstance(result, Fields)  # the flat result is a tuple of its leaves
    outs = ["out"] if width == 1 and not grouped else [f"out[{i}]" for i in range(width)]
    if width == 1 and grouped:
        body.append("    out = out if type(out) is tuple else (out,)")
    built = result.fast_result(template, outs)
    if built is None:
        return None
    body.append(f"    return {built}")
    header = ", ".join(
        ["flat", "slow", "in_record", "MainArgTypeMismatch", *template.consts_names()]
    )
    source = "\n".join(
        [
            f"def make({header}):",
            "  def main(*args, **kwargs):",
            *("  " + line for line in body),
            "  return main",
            "",
        ]
    )
    namespace: dict[str, Any] = {}
    exec(compile(source, "<relon document entry>", "exec"), namespace)
    made: Callable[..., object] = namespace["make"](
        flat_main, slow, in_record, MainArgTypeMismatch, *template.consts
    )
    return made


def _bind(names: list[str], args: tuple[object, ...], kwargs: dict[str, object]) -> list[object]:
    if not kwargs and len(args) == len(names):
        return list(args)
    if len(args) > len(names):
        raise MainArgTypeMismatch(f"main takes {len(names)} arguments, got {len(args)}")
    values: dict[str, object] = dict(zip(names, args, strict=False))
    for key, value in kwargs.items():
        if key not in names:
            raise MainArgTypeMismatch(f"main got an unexpected argument '{key}'")
        if key in values:
            raise MainArgTypeMismatch(f"main got two values for argument '{key}'")
        values[key] = value
    missing = [n for n in names if n not in values]
    if missing:
        raise MainArgTypeMismatch(f"main is missing argument '{missing[0]}'")
    return [values[n] for n in names]
