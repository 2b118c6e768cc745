"""Shared pytest configuration."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session", autouse=True)
def _private_object_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Builds in this session share one object cache of their own: nothing from an
    earlier run is reused, and nothing is left in the user's cache folder."""
    previous = os.environ.get("RELON_CACHE")
    os.environ["RELON_CACHE"] = str(tmp_path_factory.mktemp("relon-cache"))
    yield
    if previous is None:
        os.environ.pop("RELON_CACHE", None)
    else:
        os.environ["RELON_CACHE"] = previous
