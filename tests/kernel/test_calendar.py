"""Working-day calendar: R164 Art. 92 / R162 Art. 110 and R163 Art. 36 (DOMAIN.md header)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiaoguan.kernel.calendar import WorkingCalendar

D = dt.date


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return WorkingCalendar.load()


def test_covered_years(cal: WorkingCalendar) -> None:
    assert cal.covered_years == frozenset({2024, 2025, 2026})
    assert cal.sources is not None and "国办发明电〔2025〕7号" in cal.sources[2026]


@pytest.mark.parametrize(
    "day",
    [D(2024, 2, 4), D(2024, 5, 11), D(2025, 1, 26), D(2025, 2, 8), D(2025, 10, 11),
     D(2026, 1, 4), D(2026, 2, 14), D(2026, 2, 28), D(2026, 9, 20), D(2026, 10, 10)],
)  # fmt: skip
def test_adjusted_weekends_are_working_days(cal: WorkingCalendar, day: dt.date) -> None:
    assert day.weekday() >= 5
    assert cal.is_working_day(day)


@pytest.mark.parametrize(
    "day",
    [D(2024, 10, 1), D(2024, 10, 7), D(2025, 10, 3), D(2025, 10, 8), D(2026, 10, 5),
     D(2025, 1, 28), D(2026, 2, 23), D(2025, 5, 2), D(2024, 1, 1), D(2026, 6, 19)],
)  # fmt: skip
def test_holidays_are_not_working_days(cal: WorkingCalendar, day: dt.date) -> None:
    assert not cal.is_working_day(day)


def test_ordinary_week(cal: WorkingCalendar) -> None:
    assert cal.is_working_day(D(2025, 3, 14))  # Friday
    assert not cal.is_working_day(D(2025, 3, 15))  # Saturday
    assert not cal.is_working_day(D(2025, 3, 16))  # Sunday


def test_add_working_days_does_not_count_the_start_day(cal: WorkingCalendar) -> None:
    assert cal.add_working_days(D(2025, 3, 10), 0) == D(2025, 3, 10)
    assert cal.add_working_days(D(2025, 3, 10), 1) == D(2025, 3, 11)
    assert cal.add_working_days(D(2025, 3, 14), 1) == D(2025, 3, 17)  # over a weekend


def test_add_working_days_across_golden_week(cal: WorkingCalendar) -> None:
    # 2025-10-01..08 off; Sat 2025-10-11 is an adjusted working day.
    assert cal.add_working_days(D(2025, 9, 30), 1) == D(2025, 10, 9)
    assert cal.add_working_days(D(2025, 9, 30), 3) == D(2025, 10, 11)
    # Sun 2025-09-28 is a working day, so from Fri 09-26 the first working day is Sun 09-28.
    assert cal.add_working_days(D(2025, 9, 26), 1) == D(2025, 9, 28)


def test_add_working_days_across_spring_festival(cal: WorkingCalendar) -> None:
    # 2026-02-15..23 off; Sat 02-14 worked. From Fri 02-13: 02-14, 02-24, 02-25.
    assert cal.add_working_days(D(2026, 2, 13), 3) == D(2026, 2, 25)


def test_negative_days_refused(cal: WorkingCalendar) -> None:
    with pytest.raises(ValueError):
        cal.add_working_days(D(2025, 1, 1), -1)
    with pytest.raises(ValueError):
        cal.calendar_deadline(D(2025, 1, 1), -1)


def test_working_days_between(cal: WorkingCalendar) -> None:
    assert cal.working_days_between(D(2025, 9, 30), D(2025, 10, 11)) == 3
    assert cal.working_days_between(D(2025, 10, 11), D(2025, 9, 30)) == -3
    assert cal.working_days_between(D(2025, 3, 10), D(2025, 3, 10)) == 0


def test_r163_deadline_moves_off_a_holiday(cal: WorkingCalendar) -> None:
    # Three calendar days after 2025-09-28 is 10-01, a holiday: the period ends on 10-09.
    assert cal.calendar_deadline(D(2025, 9, 28), 3) == D(2025, 10, 9)
    # Ending on an adjusted working Saturday stays there.
    assert cal.calendar_deadline(D(2025, 10, 8), 3) == D(2025, 10, 11)
    # Ending on an ordinary working day is unchanged (calendar days, not working days).
    assert cal.calendar_deadline(D(2025, 3, 3), 10) == D(2025, 3, 13)
    # Ending on a plain Sunday moves to Monday.
    assert cal.calendar_deadline(D(2025, 3, 6), 3) == D(2025, 3, 10)


def test_outside_covered_years_falls_back_to_monday_to_friday(cal: WorkingCalendar) -> None:
    assert not cal.is_covered(D(2030, 10, 1))
    assert cal.is_working_day(D(2030, 10, 1))  # a Tuesday; no data for 2030
    assert not cal.is_working_day(D(2030, 10, 5))  # Saturday


def test_load_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "h.json"
    path.write_text(json.dumps({"2099": {"holidays": ["2099-01-01"], "workdays": []}}))
    cal = WorkingCalendar.load(path)
    assert cal.covered_years == frozenset({2099})
    assert not cal.is_working_day(D(2099, 1, 1))


def test_contradictory_data_refused() -> None:
    with pytest.raises(ValueError):
        WorkingCalendar.from_data(
            {"2099": {"holidays": ["2099-01-03"], "workdays": ["2099-01-03"]}}
        )


def test_data_counts_match_the_notices(cal: WorkingCalendar) -> None:
    # Days off / adjusted working days per notice: 2024 28/8, 2025 28/5, 2026 33/6.
    for year, off, worked in ((2024, 28, 8), (2025, 28, 5), (2026, 33, 6)):
        assert sum(1 for d in cal.holidays if d.year == year) == off
        assert sum(1 for d in cal.workdays if d.year == year) == worked
    assert all(d.weekday() >= 5 for d in cal.workdays)


@given(
    st.dates(min_value=D(2023, 6, 1), max_value=D(2027, 6, 1)),
    st.integers(min_value=0, max_value=40),
)
def test_between_inverts_add(start: dt.date, n: int) -> None:
    cal = WorkingCalendar.load()
    end = cal.add_working_days(start, n)
    assert cal.working_days_between(start, end) == n
    if n > 0:
        assert cal.is_working_day(end)


@given(
    st.dates(min_value=D(2023, 6, 1), max_value=D(2027, 6, 1)),
    st.integers(min_value=0, max_value=60),
)
def test_calendar_deadline_is_a_working_day_not_before_the_plain_end(
    start: dt.date, days: int
) -> None:
    cal = WorkingCalendar.load()
    end = cal.calendar_deadline(start, days)
    assert cal.is_working_day(end)
    assert end >= start + dt.timedelta(days=days)
