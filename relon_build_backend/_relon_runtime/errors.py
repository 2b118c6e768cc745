"""The exceptions a rule call raises (contract section 5), and the status -> error map."""

from __future__ import annotations

from typing import NoReturn

from .abi import ERROR_KINDS

__all__ = [
    "REBUILD",
    "STATUS_ERRORS",
    "CapabilityDenied",
    "DivisionByZero",
    "EmptyList",
    "HostPanic",
    "IndexOutOfBounds",
    "MainArgTypeMismatch",
    "NumericOverflow",
    "RelonError",
    "RelonLoadError",
    "StepLimitExceeded",
    "fail",
]

#: What every "this build is broken or stale" message ends with.
REBUILD = "rebuild the package (pip install . again, or pip install -e . for an editable install)"


class RelonError(Exception):
    """Any error a Relon rule call raises; ``.kind`` is the stable Relon error tag."""

    kind = "RelonError"

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        cls.kind = cls.__name__  # the class name is the tag


class NumericOverflow(RelonError, OverflowError):
    """Checked Int arithmetic left the 64-bit range, or an Int argument does not fit in it."""


class DivisionByZero(RelonError, ZeroDivisionError):
    """``/`` or ``%`` by zero."""


class IndexOutOfBounds(RelonError, IndexError):
    """A list index outside ``0 <= i < len``."""


class EmptyList(RelonError, ValueError):
    """``min``/``max``/``first``/``last`` of an empty list."""


class CapabilityDenied(RelonError, PermissionError):
    """A gated host function was called without its capability (grant it: Sandbox(caps=...))."""


class StepLimitExceeded(RelonError, RuntimeError):
    """The step budget (``Sandbox(max_steps=...)``) was exhausted."""


class MainArgTypeMismatch(RelonError, TypeError):
    """An argument of the wrong Python type, or a missing / unexpected argument."""


class HostPanic(RelonError, RuntimeError):
    """A host function panicked (or the wasm module trapped); the interpreter survives."""


class RelonLoadError(ImportError):
    """The compiled rule cannot be used: missing, stale or built for another loader."""


_BY_KIND: dict[str, type[RelonError]] = {
    cls.kind: cls for cls in RelonError.__subclasses__() if cls is not MainArgTypeMismatch
}
#: ABI status -> error class, through the contract tag abi.ERROR_KINDS gives it
STATUS_ERRORS: dict[int, type[RelonError]] = {
    status: _BY_KIND[kind] for status, kind in ERROR_KINDS.items()
}


def fail(status: int) -> NoReturn:
    """Raise the error of a non-zero entry status."""
    error = STATUS_ERRORS.get(status)
    if error is None:
        raise HostPanic(f"the compiled rule returned unknown status {status}; {REBUILD}")
    raise error(error.__doc__)
