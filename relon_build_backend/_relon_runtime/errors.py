"""The exceptions a rule call raises (contract section 5), and the status -> error map."""

from __future__ import annotations

from .abi import ERROR_KINDS, TYPE_CHECKING, HostSpec, Status

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import NoReturn

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
    "RecursionLimitExceeded",
    "RelonError",
    "RelonLoadError",
    "StepLimitExceeded",
    "ValidationError",
    "ValueTooLarge",
    "capability_denied",
    "fail",
    "host_panic",
    "status_error",
]

#: What every "this build is broken or stale" message ends with.
REBUILD = "rebuild the package (pip install . again, or pip install -e . for an editable install)"


class RelonError(Exception):
    """Any error a Relon rule call raises; ``.kind`` is the stable Relon error tag."""

    kind = "RelonError"
    #: the row of a ``batch`` call that raised it (its message starts ``row N: ``); None
    #: for an error of ``main`` or of the batch as a whole
    row: int | None = None

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


class RecursionLimitExceeded(RelonError, RecursionError):
    """Calls nested deeper than the recursion limit (10,000)."""


class ValueTooLarge(RelonError, MemoryError):
    """The call's arguments and the values it builds exceed ``Sandbox(max_memory=...)``."""


class ValidationError(RelonError, ValueError):
    """A ``#schema`` value failed a field's ``#expect`` check or does not match its schema."""


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


def fail(status: int, note: bytes = b"", hosts: Sequence[HostSpec] = ()) -> NoReturn:
    """Raise :func:`status_error`."""
    raise status_error(status, note, hosts)


def status_error(status: int, note: bytes = b"", hosts: Sequence[HostSpec] = ()) -> RelonError:
    """The error of a non-zero entry status.

    ``note`` is what the call left in the library's note (docs/abi.md "Notes"): the
    panic message of status 7, the name of the host function of status 5, which
    ``hosts`` (the rule's gated ones) turns into the capability it needs.
    """
    if status == Status.HOST_PANIC and note:
        return host_panic(note)
    if status == Status.VALIDATION_ERROR and note:
        return ValidationError(note.decode("utf-8", "replace"))
    if status == Status.CAPABILITY_DENIED:
        name = note.decode("utf-8", "replace")
        for host in hosts:
            if host.name == name:
                return capability_denied(host)
    error = STATUS_ERRORS.get(status)
    if error is None:
        return HostPanic(f"the compiled rule returned unknown status {status}; {REBUILD}")
    return error(error.__doc__)


def capability_denied(host: HostSpec) -> CapabilityDenied:
    """The error of calling gated ``host`` without every capability it needs."""
    needs = host.capabilities
    noun, pronoun = ("capability", "it") if len(needs) == 1 else ("capabilities", "them")
    grant = "{" + ", ".join(repr(c) for c in needs) + "}"
    return CapabilityDenied(
        f"host function {host.name} needs {noun} {', '.join(needs)}, which this call was "
        f"not granted; grant {pronoun} with Sandbox(caps={grant})"
    )


# How rustc's PanicInfo displays: since 1.73 "panicked at FILE:L:C:\nMSG", before
# (Debian's wasm32 rustc 1.63) "panicked at 'MSG', FILE:L:C".
# (re is imported on the first panic: loaders that never see one do not pay for it)
_PANIC_FORMS = (
    r"panicked at (?P<at>[^\n]+:\d+:\d+):\n(?P<message>.*)",
    r"panicked at '(?P<message>.*)', (?P<at>[^\n]+:\d+:\d+)",
)


def host_panic(note: bytes) -> HostPanic:
    """The error of a panic whose handler left ``note`` (one wording for every rustc)."""
    import re

    text = note.decode("utf-8", "replace")
    for form in _PANIC_FORMS:
        match = re.fullmatch(form, text, re.DOTALL)
        if match:
            return HostPanic(f"a host function panicked at {match['at']}: {match['message']}")
    return HostPanic(f"a host function {text}" if text.startswith("panicked") else text)
