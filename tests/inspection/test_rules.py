"""Every inspection case of DOMAIN.md §4 as a test of the schedule rule, each reform version
and its boundaries."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiaoguan.inspection.rules import Vehicle, add_months, schedule

D = dt.date
REG = D(2010, 3, 1)


def car(**kw: object) -> Vehicle:
    args: dict[str, object] = {
        "vehicle_class": "small_passenger",
        "use": "non_commercial",
        "seats": 5,
        "registration_date": REG,
    }
    return Vehicle(**{**args, **kw})  # type: ignore[arg-type]


def dues(v: Vehicle, on: D) -> list[D]:
    return list(schedule(v, on=on).dues)


def years(v: Vehicle, on: D) -> list[float]:
    return [round((d - v.registration_date).days / 365.25, 1) for d in dues(v, on)]


# --- L2 Art. 16, the statutory intervals (no reform in force before 2014-09-01) ---------------


def test_statutory_small_car_two_yearly_then_yearly_then_half_yearly() -> None:
    v = car(registration_date=D(1990, 3, 1))
    got = dues(v, on=D(2006, 3, 1))  # before any reform: 2, 4, 6, 7, ..., 15, 15.5, 16
    assert got[:4] == [D(1992, 3, 1), D(1994, 3, 1), D(1996, 3, 1), D(1997, 3, 1)]
    assert D(2005, 3, 1) in got and D(2005, 9, 1) in got and got[-1] == D(2006, 3, 1)


def test_statutory_commercial_passenger_yearly_then_half_yearly() -> None:
    v = car(use="commercial", registration_date=D(2000, 3, 1))
    got = dues(v, on=D(2006, 3, 1))
    assert got[:5] == [D(2001, 3, 1), D(2002, 3, 1), D(2003, 3, 1), D(2004, 3, 1), D(2005, 3, 1)]
    assert got[5:] == [D(2005, 9, 1), D(2006, 3, 1)]


@pytest.mark.parametrize("cls", ["heavy_truck", "light_truck", "large_passenger"])
def test_statutory_trucks_and_large_passenger_yearly_then_half_yearly(cls: str) -> None:
    v = car(vehicle_class=cls, registration_date=D(2000, 3, 1))
    got = dues(v, on=D(2011, 3, 1))
    assert got[9] == D(2010, 3, 1) and got[10] == D(2010, 9, 1)


def test_statutory_motorcycle_two_yearly_then_yearly() -> None:
    v = car(vehicle_class="motorcycle", registration_date=D(2000, 3, 1))
    assert dues(v, on=D(2006, 3, 1)) == [D(2002, 3, 1), D(2004, 3, 1), D(2005, 3, 1), D(2006, 3, 1)]


def test_other_vehicles_yearly() -> None:
    v = car(vehicle_class="trailer", registration_date=D(2000, 3, 1))
    assert dues(v, on=D(2003, 3, 1)) == [D(2001, 3, 1), D(2002, 3, 1), D(2003, 3, 1)]


def test_no_label_only_before_the_2014_reform() -> None:
    s = schedule(car(registration_date=D(2012, 3, 1)), on=D(2014, 3, 1))
    assert s.due == D(2014, 3, 1) and not s.label_only and s.rule.endswith("@statutory")


# --- 2014-09-01: label only at years 2 and 4, fewer than 7 seats, no vans -------------------


def test_2014_label_only_at_years_2_and_4_on_site_at_6() -> None:
    v = car(registration_date=D(2013, 3, 1))
    assert schedule(v, on=D(2015, 3, 1)).label_only  # year 2
    assert schedule(v, on=D(2017, 3, 1)).label_only  # year 4
    six = schedule(v, on=D(2019, 3, 1))
    assert not six.label_only and six.rule.endswith("@2014-09-01")  # year 6 on site


def test_2014_excludes_seven_seats_and_vans() -> None:
    on = D(2016, 3, 1)
    assert schedule(car(seats=6, registration_date=D(2014, 3, 1)), on=on).label_only
    seven = schedule(car(seats=7, registration_date=D(2014, 3, 1)), on=on)
    assert not seven.label_only and seven.excluded == "seats"
    van = schedule(car(van=True, registration_date=D(2014, 3, 1)), on=on)
    assert not van.label_only and van.excluded == "van"


def test_2014_yearly_from_year_6() -> None:
    v = car(registration_date=D(2010, 3, 1))
    got = dues(v, on=D(2018, 3, 1))
    assert got[2:] == [D(2016, 3, 1), D(2017, 3, 1), D(2018, 3, 1)]


# --- 2020-11-20: 7-9 seats added, every 2 years to year 10 ---------------------------------


def test_2020_seven_to_nine_seats_added() -> None:
    on = D(2021, 3, 1)
    assert schedule(car(seats=9, registration_date=D(2019, 3, 1)), on=on).label_only
    assert schedule(car(seats=10, registration_date=D(2019, 3, 1)), on=on).excluded == "seats"


def test_2020_years_6_to_10_every_two_years_on_site() -> None:
    v = car(registration_date=D(2013, 3, 1))
    on = D(2021, 3, 1)  # year 8 under the 2020 rules: on site, not yearly
    assert dues(v, on)[-2:] == [D(2019, 3, 1), D(2021, 3, 1)]
    assert not schedule(v, on=on).label_only


# --- 2022-10-01: label only at 2, 4, 8; on site at 6 and 10; yearly after 10 and after 15 -----


def test_2022_year_8_label_only_where_2020_inspected_on_site() -> None:
    v = car(registration_date=D(2016, 3, 1))
    assert schedule(v, on=D(2024, 3, 1)).label_only  # year 8 under the 2022 rules
    assert schedule(v, on=D(2024, 3, 1)).rule.endswith("@2022-10-01")
    old = schedule(car(registration_date=D(2013, 3, 1)), on=D(2021, 3, 1))
    assert not old.label_only and old.rule.endswith("@2020-11-20")  # year 8 under 2020


def test_2022_full_cycle_within_ten_years() -> None:
    v = car(registration_date=D(2022, 3, 1))
    for year, label in [(2, True), (4, True), (6, False), (8, True), (10, False)]:
        s = schedule(v, on=D(2022 + year, 3, 1))
        assert s.due == D(2022 + year, 3, 1) and s.label_only is label, year


def test_2022_yearly_after_ten_and_after_fifteen() -> None:
    v = car(registration_date=D(2008, 3, 1))
    got = dues(v, on=D(2025, 3, 1))
    assert got[-3:] == [D(2023, 3, 1), D(2024, 3, 1), D(2025, 3, 1)]  # 15+: yearly, not 6-monthly


def test_2022_excluded_vehicles_keep_the_statutory_cycle() -> None:
    on = D(2025, 3, 1)
    for kw, why in [
        ({"van": True}, "van"),
        ({"illegal_modification": True}, "illegal_modification"),
        ({"casualty_accident": True}, "casualty_accident"),
    ]:
        s = schedule(car(registration_date=D(2008, 3, 1), **kw), on=on)
        assert s.excluded == why and not s.label_only
        assert s.interval_months == 6  # the statutory cycle after 15 years


def test_2022_motorcycles_on_site_at_6_and_10_yearly_after() -> None:
    v = car(vehicle_class="motorcycle", registration_date=D(2022, 11, 1))
    assert schedule(v, on=D(2024, 11, 1)).label_only
    assert not schedule(v, on=D(2028, 11, 1)).label_only  # year 6
    got = dues(v, on=D(2034, 11, 1))
    assert got[-3:] == [D(2032, 11, 1), D(2033, 11, 1), D(2034, 11, 1)]


def test_commercial_and_trucks_never_label_only() -> None:
    on = D(2024, 3, 1)
    assert not schedule(car(use="commercial", registration_date=D(2022, 3, 1)), on=on).label_only
    assert not schedule(
        car(vehicle_class="light_truck", registration_date=D(2022, 3, 1)), on=on
    ).label_only


# --- R164 Arts. 54-55: the 3-month window, and a registry period that is known ---------------


def test_window_opens_three_months_before_the_end() -> None:
    s = schedule(car(registration_date=D(2022, 5, 31)), on=D(2024, 3, 1))
    assert s.due == D(2024, 5, 31) and s.window_opens == D(2024, 2, 29)


def test_known_period_and_overdue() -> None:
    v = car(registration_date=D(2020, 3, 1))
    s = schedule(v, on=D(2024, 4, 1), valid_until=D(2024, 3, 1))
    assert s.overdue and s.due == D(2024, 3, 1) and s.label_only


@given(
    registered=st.dates(min_value=D(1995, 1, 1), max_value=D(2025, 12, 31)),
    offset=st.integers(min_value=0, max_value=12000),
    cls=st.sampled_from(["small_passenger", "heavy_truck", "motorcycle", "trailer"]),
    use=st.sampled_from(["commercial", "non_commercial"]),
)
def test_the_period_always_covers_the_date(registered: D, offset: int, cls: str, use: str) -> None:
    """Property: the due date is on or after the date asked, and the period ending there began
    on or before it."""
    on = registered + dt.timedelta(days=offset)
    s = schedule(car(vehicle_class=cls, use=use, registration_date=registered), on=on)
    assert s.due >= on
    assert add_months(s.due, -s.interval_months) <= on or len(s.dues) == 1
    assert s.interval_months in (6, 12, 24)
