"""Call arenas: the native malloc'd chunk chain (runtime.c) and the wasm32 bump heap
(the LLVM IR runtime object), called for real through ctypes and wasmtime."""

from __future__ import annotations

import ctypes
import itertools
import random
from concurrent.futures import ThreadPoolExecutor

import pytest
from support.rt_harness import NativeMachine, Rt, RtStatus, WasmMachine

pytestmark = [pytest.mark.rustc]


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def _malloc_in_use() -> int:
    libc = ctypes.CDLL(None)
    if not hasattr(libc, "mallinfo2"):
        pytest.skip("needs glibc >= 2.33 (mallinfo2)")
    libc.mallinfo2.restype = _MallInfo2
    info = libc.mallinfo2()
    return int(info.uordblks + info.hblkhd)


def _arena() -> ctypes.Array[ctypes.c_int64]:
    return (ctypes.c_int64 * 2)()


def _alloc(lib: ctypes.CDLL, arena: ctypes.Array[ctypes.c_int64], size: int) -> int:
    block = lib.relon_arena_alloc(ctypes.addressof(arena), size)
    return int(block or 0)


def test_native_many_allocations_are_aligned_disjoint_and_kept(
    native_machine: NativeMachine,
) -> None:
    lib, arena = native_machine.lib, _arena()
    lib.relon_arena_init(ctypes.addressof(arena))
    rng = random.Random(3)
    blocks = []
    for i in range(4000):
        size = rng.choice([1, 7, 8, 24, 100, 2049, 3000, 70_000])
        block = _alloc(lib, arena, size)
        assert block != 0 and block % 8 == 0
        ctypes.memset(block, i % 251, size)
        blocks.append((block, size, i % 251))
    for block, size, value in blocks:
        assert ctypes.string_at(block, size) == bytes([value]) * size
    spans = sorted((block, block + size) for block, size, _ in blocks)
    assert all(end <= start for (_, end), (start, _) in itertools.pairwise(spans))
    handle = lib.relon_arena_detach(ctypes.addressof(arena))
    assert handle != 0
    assert lib.relon_arena_detach(ctypes.addressof(arena)) == 0  # detached: empty again
    lib.relon_release(handle)


def test_native_large_and_odd_sizes(native_machine: NativeMachine) -> None:
    lib, arena = native_machine.lib, _arena()
    lib.relon_arena_init(ctypes.addressof(arena))
    big = _alloc(lib, arena, 64 << 20)
    assert big != 0
    ctypes.memset(big, 1, 64 << 20)
    assert _alloc(lib, arena, -1) == 0
    empty = _alloc(lib, arena, 0)
    assert empty != 0 and empty % 8 == 0
    small = _alloc(lib, arena, 3)
    assert small != 0 and not big <= small < big + (64 << 20)
    lib.relon_arena_free(ctypes.addressof(arena))
    assert lib.relon_arena_detach(ctypes.addressof(arena)) == 0


def test_native_unused_arena_has_no_handle(native_machine: NativeMachine) -> None:
    lib, arena = native_machine.lib, _arena()
    lib.relon_arena_init(ctypes.addressof(arena))
    assert lib.relon_arena_detach(ctypes.addressof(arena)) == 0
    lib.relon_release(0)  # the loader releases whatever handle it got: 0 is a no-op


def _one_call(lib: ctypes.CDLL, rng: random.Random, *, detach: bool) -> None:
    arena = _arena()
    lib.relon_arena_init(ctypes.addressof(arena))
    for _ in range(60):
        assert _alloc(lib, arena, rng.choice([16, 500, 5000, 300_000])) != 0
    if detach:
        lib.relon_release(lib.relon_arena_detach(ctypes.addressof(arena)))
    else:
        lib.relon_arena_free(ctypes.addressof(arena))


def test_native_release_and_free_return_all_memory(native_machine: NativeMachine) -> None:
    lib, rng = native_machine.lib, random.Random(5)
    _one_call(lib, rng, detach=True)
    before = _malloc_in_use()
    for i in range(300):  # ~5 MB per call: 1.5 GB if anything leaked
        _one_call(lib, rng, detach=i % 2 == 0)
    assert _malloc_in_use() - before < 1 << 20


def _int(machine: WasmMachine, name: str, *args: int) -> int:
    result = machine.call(name, *args)
    assert isinstance(result, int)
    return result


@pytest.mark.wasm
def test_wasm_heap_mark_alloc_reset(wasm_machine: WasmMachine) -> None:
    m = wasm_machine
    mark = _int(m, "relon_heap_mark")
    first = _int(m, "relon_alloc", 1)
    assert first == mark and first % 8 == 0
    assert _int(m, "relon_alloc", 8) == first + 8
    assert _int(m, "relon_alloc", 0) == first + 16
    assert _int(m, "relon_heap_mark") == first + 16
    m.call("relon_heap_reset", mark)
    assert _int(m, "relon_heap_mark") == mark
    assert _int(m, "relon_alloc", 5) == first


@pytest.mark.wasm
def test_wasm_heap_grows_memory_and_refuses_impossible_sizes(wasm_machine: WasmMachine) -> None:
    m = wasm_machine
    mark = _int(m, "relon_heap_mark")
    pages = m.memory.size(m.store)
    size = 20 << 20
    block = _int(m, "relon_alloc", size)
    assert block != 0 and m.memory.size(m.store) >= pages + size // 65536
    m.write(block + size - 4, b"\1\2\3\4")
    assert m.read(block + size - 4, 4) == b"\1\2\3\4"
    assert _int(m, "relon_alloc", 1 << 32) == 0
    assert _int(m, "relon_alloc", -1) == 0
    assert _int(m, "relon_heap_mark") == mark + size  # failures allocate nothing
    m.call("relon_heap_reset", mark)


@pytest.mark.wasm
def test_wasm_arena_is_a_mark_on_the_heap(wasm_machine: WasmMachine) -> None:
    m = wasm_machine
    mark = _int(m, "relon_heap_mark")
    arena = _int(m, "relon_alloc", 16)
    m.call("relon_arena_init", arena)
    start = _int(m, "relon_heap_mark")
    assert _int(m, "relon_arena_alloc", arena, 100) == start
    assert _int(m, "relon_arena_alloc", arena, 1) == start + 104
    assert _int(m, "relon_arena_detach", arena) == 0
    m.call("relon_release", 0)
    m.call("relon_arena_free", arena)
    assert _int(m, "relon_heap_mark") == start
    m.call("relon_heap_reset", mark)


def test_native_arenas_on_many_threads(native_machine: NativeMachine) -> None:
    lib = native_machine.lib

    def calls(seed: int) -> bool:
        rng = random.Random(seed)
        for _ in range(150):
            arena = _arena()
            lib.relon_arena_init(ctypes.addressof(arena))
            blocks = [
                (_alloc(lib, arena, n), n) for n in (rng.randrange(1, 9000) for _ in range(20))
            ]
            for block, size in blocks:
                ctypes.memset(block, seed, size)
            if any(ctypes.string_at(b, n) != bytes([seed]) * n for b, n in blocks):
                return False
            lib.relon_release(lib.relon_arena_detach(ctypes.addressof(arena)))
        return True

    with ThreadPoolExecutor(4) as pool:  # ctypes releases the GIL during each call
        assert all(pool.map(calls, range(1, 9)))


@pytest.mark.wasm
def test_wasm_out_of_memory_is_null_then_value_too_large(wasm_machine: WasmMachine) -> None:
    limited = WasmMachine(wasm_machine.path, memory_limit=32 << 20)
    mark = _int(limited, "relon_heap_mark")
    assert _int(limited, "relon_alloc", 40 << 20) == 0  # memory.grow refused
    assert _int(limited, "relon_heap_mark") == mark
    rt = Rt(limited)
    assert rt.join_repeated("ab", 3) == "ababab"
    with pytest.raises(RtStatus) as caught:
        rt.join_repeated("x" * (1 << 20), 40)  # 40 MiB of output
    assert caught.value.status == 9  # ValueTooLarge
    assert _int(limited, "relon_heap_mark") == mark
