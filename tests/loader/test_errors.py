"""The messages of failed calls: what a status and the library's note turn into."""

from __future__ import annotations

import pytest

from relon_build_backend._relon_runtime.abi import NOTE_CAPACITY, HostSpec, Status
from relon_build_backend._relon_runtime.errors import (
    CapabilityDenied,
    HostPanic,
    StepLimitExceeded,
    host_panic,
    status_error,
)

RATE = HostSpec("read_rate", ("Int",), "Int", ("reads_fs",))
BOTH = HostSpec("sync", (), "Int", ("network", "reads_clock"))


@pytest.mark.parametrize(
    "note",
    [
        b"panicked at shim/host_shim.rs:3:5:\nno rate for 'gold', sorry",  # rustc >= 1.73
        b"panicked at 'no rate for 'gold', sorry', shim/host_shim.rs:3:5",  # rustc 1.63
    ],
)
def test_both_rustc_panic_forms_read_the_same(note: bytes) -> None:
    error = status_error(Status.HOST_PANIC, note)
    assert type(error) is HostPanic
    assert (
        str(error) == "a host function panicked at shim/host_shim.rs:3:5: no rate for 'gold', sorry"
    )


def test_a_multiline_panic_message_is_kept_whole() -> None:
    error = host_panic(b"panicked at shim/host_shim.rs:9:1:\nline one\nline two")
    assert str(error) == "a host function panicked at shim/host_shim.rs:9:1: line one\nline two"


def test_a_cut_note_is_shown_as_it_is_even_inside_a_utf8_sequence() -> None:
    # 13 bytes of "panicked at '" leave an odd count for the two-byte "é": the last is cut
    text = ("panicked at '" + "é" * NOTE_CAPACITY).encode()[:NOTE_CAPACITY]
    message = str(host_panic(text))
    assert message == "a host function panicked at '" + "é" * 505 + "\ufffd"


def test_a_panic_without_a_note_has_the_generic_message() -> None:
    assert str(status_error(Status.HOST_PANIC)) == HostPanic.__doc__


def test_capability_denied_names_the_host_and_how_to_grant() -> None:
    error = status_error(Status.CAPABILITY_DENIED, b"read_rate", (BOTH, RATE))
    assert type(error) is CapabilityDenied
    assert str(error) == (
        "host function read_rate needs capability reads_fs, which this call was not "
        "granted; grant it with Sandbox(caps={'reads_fs'})"
    )
    error = status_error(Status.CAPABILITY_DENIED, b"sync", (BOTH, RATE))
    assert "needs capabilities network, reads_clock" in str(error)
    assert "grant them with Sandbox(caps={'network', 'reads_clock'})" in str(error)


@pytest.mark.parametrize("note", [b"", b"not_a_host", b"\xff"])
def test_capability_denied_with_an_unknown_note_stays_generic(note: bytes) -> None:
    error = status_error(Status.CAPABILITY_DENIED, note, (RATE,))
    assert type(error) is CapabilityDenied
    assert str(error) == CapabilityDenied.__doc__


def test_other_statuses_ignore_the_note() -> None:
    error = status_error(Status.STEP_LIMIT_EXCEEDED, b"read_rate", (RATE,))
    assert type(error) is StepLimitExceeded
    assert "read_rate" not in str(error)


def test_an_unknown_status_says_to_rebuild() -> None:
    error = status_error(99)
    assert type(error) is HostPanic
    assert "unknown status 99" in str(error)
