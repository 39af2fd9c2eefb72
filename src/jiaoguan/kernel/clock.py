"""One injectable clock.

All code asks :func:`now` / :func:`today` for the time; tests freeze it with
:func:`frozen`. Times are stored in UTC and shown in Asia/Shanghai.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

_source: Callable[[], dt.datetime] | None = None


def now() -> dt.datetime:
    """The current instant, timezone-aware, in UTC."""
    if _source is not None:
        return _source().astimezone(dt.UTC)
    return dt.datetime.now(dt.UTC)


def today() -> dt.date:
    """Today's date in China (Asia/Shanghai): the date that counts for deadlines."""
    return now().astimezone(SHANGHAI).date()


@contextlib.contextmanager
def frozen(at: dt.datetime) -> Iterator[None]:
    """Freeze :func:`now` at ``at`` (must be timezone-aware) for the duration of the block."""
    if at.tzinfo is None:
        raise ValueError("frozen() needs a timezone-aware datetime")
    global _source
    previous = _source
    _source = lambda: at  # noqa: E731
    try:
        yield
    finally:
        _source = previous
