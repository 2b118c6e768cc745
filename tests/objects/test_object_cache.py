"""The object cache on its own: entries round-trip, damaged ones are ignored, writes
are atomic under concurrency, pruning keeps the recently used."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from relon_build_backend.errors import ConfigError
from relon_build_backend.object_cache import CachedObject, ObjectCache, cache_key, cache_root
from relon_build_backend.objects import default_jobs

KEY = cache_key({"kind": "rule", "source": 1})


def test_keys_depend_on_every_fact_but_not_their_order() -> None:
    assert cache_key({"a": 1, "b": [2, 3]}) == cache_key({"b": [2, 3], "a": 1})
    assert cache_key({"a": 1, "b": [2, 3]}) != cache_key({"a": 1, "b": [3, 2]})
    assert cache_key({"a": 1}) != cache_key({"a": 2})


def test_an_entry_round_trips(tmp_path: Path) -> None:
    cache = ObjectCache(tmp_path)
    assert cache.get(KEY) is None
    cache.put(KEY, CachedObject(b"\x7fELF object", ("relon_rt_sort",)))
    assert cache.get(KEY) == CachedObject(b"\x7fELF object", ("relon_rt_sort",))
    assert ObjectCache(tmp_path).get(KEY) is not None  # persistent: another build sees it
    assert cache.hits == 1 and cache.stored == 1


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[:-1],
        lambda data: data[:10],
        lambda data: b"not json\n" + data,
        lambda _: b"",
    ],
    ids=["truncated-body", "truncated-header", "bad-header", "empty"],
)
def test_a_damaged_entry_is_a_miss(tmp_path: Path, damage: object) -> None:
    cache = ObjectCache(tmp_path)
    cache.put(KEY, CachedObject(b"object bytes"))
    (entry,) = tmp_path.glob("*/*.o")
    entry.write_bytes(damage(entry.read_bytes()))  # type: ignore[operator]
    assert cache.get(KEY) is None


def test_no_folder_is_no_cache(tmp_path: Path) -> None:
    cache = ObjectCache(None)
    cache.put(KEY, CachedObject(b"x"))
    assert cache.get(KEY) is None
    assert ObjectCache.from_environment({"RELON_CACHE": "0"}).folder is None
    assert (
        ObjectCache.from_environment({"RELON_CACHE": str(tmp_path)}).folder == tmp_path / "objects"
    )


def test_the_cache_folder_follows_the_environment() -> None:
    assert cache_root({"RELON_CACHE": "0"}) is None
    assert cache_root({"XDG_CACHE_HOME": "/x"}) == Path("/x/relon-build-backend")
    assert cache_root({"HOME": "/h"}) == Path("/h/.cache/relon-build-backend")


def test_an_unwritable_folder_only_costs_time(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    cache = ObjectCache(blocker / "objects")  # cannot be created under a file
    cache.put(KEY, CachedObject(b"x"))
    assert cache.get(KEY) is None


def test_concurrent_writers_and_readers_never_see_half_an_entry(tmp_path: Path) -> None:
    body = os.urandom(1 << 20)
    seen: list[CachedObject | None] = []

    def write() -> None:
        for _ in range(20):
            ObjectCache(tmp_path).put(KEY, CachedObject(body))

    def read() -> None:
        for _ in range(200):
            seen.append(ObjectCache(tmp_path).get(KEY))

    threads = [threading.Thread(target=write) for _ in range(4)]
    threads += [threading.Thread(target=read) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(entry is None or entry.object == body for entry in seen)
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [f"{KEY}.o"]  # no temp left


def test_pruning_keeps_the_most_recently_used(tmp_path: Path) -> None:
    cache = ObjectCache(tmp_path)
    keys = [cache_key({"n": n}) for n in range(4)]
    for age, key in enumerate(keys):
        cache.put(key, CachedObject(b"x" * 1000))
        os.utime(cache._path(key), (1000 + age, 1000 + age))  # type: ignore[arg-type]
    assert cache.get(keys[0]) is not None  # used now: the newest
    cache.prune(keep_bytes=2500)
    assert cache.get(keys[0]) is not None and cache.get(keys[3]) is not None
    assert cache.get(keys[1]) is None and cache.get(keys[2]) is None


def test_jobs_come_from_the_environment_or_the_cores() -> None:
    assert default_jobs({"RELON_JOBS": "3"}) == 3
    assert default_jobs({}) >= 1
    for bad in ("0", "-1", "two", "1.5"):
        with pytest.raises(ConfigError, match="RELON_JOBS must be a whole number"):
            default_jobs({"RELON_JOBS": bad})
