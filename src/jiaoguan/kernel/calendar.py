"""Working-day calendar for deadlines.

Day counting (DOMAIN.md header) [primary]:

* R164 Art. 92 and R162 Art. 110: "一日/二日/三日/五日/七日/十日/十五日" are **working days**,
  not counting the day of the event — :meth:`WorkingCalendar.add_working_days`.
* R163 Art. 36: "三日/十日/三十日" are **calendar days**; if the last day is a holiday the
  period ends on the next working day — :meth:`WorkingCalendar.calendar_deadline`. We treat
  any non-working day (weekend or public holiday, but not an adjusted working weekend) as a
  day the period cannot end on.
* Temporary-plate validity (15/30/60/90 days, 6 months) counts plain calendar days: use
  ``date + timedelta`` directly, not this module.

Holidays and adjusted working weekends (调休) are data: ``kernel/data/holidays.json``, taken
from the State Council General Office's yearly notices (国办发明电〔2023〕7号 for 2024,
〔2024〕12号 for 2025, 〔2025〕7号 for 2026). Outside the covered years the calendar falls
back to Monday–Friday; :attr:`WorkingCalendar.covered_years` says which years are covered.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

WORKING_DAYS_CITATION = "R164 Art. 92; R162 Art. 110 (working days); DOMAIN.md header"
CALENDAR_DAYS_CITATION = "R163 Art. 36 (calendar days, end moved off holidays); DOMAIN.md header"

_ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class WorkingCalendar:
    """Which days are working days: weekdays, minus public holidays, plus 调休 weekends."""

    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]
    covered_years: frozenset[int]
    sources: Mapping[int, str] | None = field(default=None, compare=False)

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> WorkingCalendar:
        """Build from ``{"2026": {"holidays": [...], "workdays": [...]}, ...}``."""
        holidays: set[dt.date] = set()
        workdays: set[dt.date] = set()
        years: set[int] = set()
        sources: dict[int, str] = {}
        for year_key, entry in data.items():
            year = int(year_key)
            years.add(year)
            holidays.update(_dates(entry.get("holidays", ())))
            workdays.update(_dates(entry.get("workdays", ())))
            if "source" in entry:
                sources[year] = str(entry["source"])
        overlap = holidays & workdays
        if overlap:
            raise ValueError(f"days both holiday and workday: {sorted(overlap)}")
        return cls(frozenset(holidays), frozenset(workdays), frozenset(years), sources)

    @classmethod
    def load(cls, path: str | Path | None = None) -> WorkingCalendar:
        """The calendar from ``path`` or, by default, the packaged ``data/holidays.json``."""
        if path is None:
            return _default()
        with open(path, encoding="utf-8") as f:
            return cls.from_data(json.load(f))

    def is_covered(self, day: dt.date) -> bool:
        """Whether ``day`` falls in a year with published holiday data."""
        return day.year in self.covered_years

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.holidays:
            return False
        if day in self.workdays:
            return True
        return day.weekday() < 5

    def next_working_day(self, day: dt.date) -> dt.date:
        """``day`` itself if it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += _ONE_DAY
        return day

    def add_working_days(self, day: dt.date, n: int) -> dt.date:
        """The ``n``-th working day after ``day``, not counting ``day`` itself.

        ``add_working_days(d, 0)`` is ``d``. R164 Art. 92 / R162 Art. 110 semantics.
        """
        if n < 0:
            raise ValueError("n must be >= 0")
        while n > 0:
            day += _ONE_DAY
            if self.is_working_day(day):
                n -= 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end]: after ``start``, up to and including ``end``.

        The inverse of :meth:`add_working_days`:
        ``working_days_between(d, add_working_days(d, n)) == n``. Negative if ``end`` is
        before ``start``.
        """
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        day = start
        while day < end:
            day += _ONE_DAY
            if self.is_working_day(day):
                count += 1
        return count

    def calendar_deadline(self, start: dt.date, days: int) -> dt.date:
        """Last day of a period of ``days`` calendar days starting after ``start``.

        R163 Art. 36: counted in calendar days (the start day not counted); when the last day
        is not a working day the period ends on the next working day.
        """
        if days < 0:
            raise ValueError("days must be >= 0")
        return self.next_working_day(start + dt.timedelta(days=days))


def _dates(values: Iterable[str]) -> list[dt.date]:
    # A notice may list days of the neighbouring year (a New Year break starting on
    # 30 December), so dates are not required to fall in the year they are listed under.
    return [dt.date.fromisoformat(v) for v in values]


@functools.cache
def _default() -> WorkingCalendar:
    text = resources.files("jiaoguan.kernel").joinpath("data/holidays.json").read_text("utf-8")
    return WorkingCalendar.from_data(json.loads(text))
