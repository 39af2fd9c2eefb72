from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clean_cache() -> Iterator[None]:
    """Share-code lookup throttles live in the cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()
