"""Periodic inspection (安全技术检验) as code: the statutory intervals and the reforms layered on
them by date of force (DOMAIN.md §4). Pure functions over plain data.

Sources, as DOMAIN.md gives them:

* L2 Art. 16 (道路交通安全法实施条例) [primary]: the statutory intervals by vehicle class, use and
  age, counted from the registration date.
* 2014-09-01 (公安部、质检总局《关于加强和改进机动车检验工作的意见》) [secondary]: non-commercial
  small and mini passenger vehicles, not vans and with fewer than 7 seats, get the label without a
  station visit at years 2 and 4; on-site from year 6.
* 2020-11-20 [secondary]: 7-9 seats added; years 6-10 every 2 years instead of yearly.
* 2022-10-01 (四部门《关于深化机动车检验制度改革优化车检服务工作的意见》) [secondary, consistent]:
  within 10 years on-site only at years 6 and 10, the label alone at 2, 4 and 8; after 15 years
  yearly instead of every 6 months; motorcycles on-site at 6 and 10 only, yearly after 10.
* Exclusions (all reforms): vans, vehicles penalised for illegal modification and vehicles in a
  casualty accident keep the statutory cycle (and never get the label alone).
* R164 Arts. 54-55 [primary]: the label may be applied for within 3 months before the period ends.

The version applied is the one in force on the date asked about: the reforms applied to vehicles
already on the road.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

SMALL_PASSENGER = frozenset({"small_passenger", "mini_passenger"})
LARGE_PASSENGER = frozenset({"medium_passenger", "large_passenger"})
PASSENGER = SMALL_PASSENGER | LARGE_PASSENGER
TRUCKS = frozenset({"light_truck", "heavy_truck"})
MOTORCYCLES = frozenset({"motorcycle", "light_motorcycle"})

STATUTORY = "L2 Art. 16"
WINDOW_MONTHS = 3


@dataclass(frozen=True)
class Reform:
    """One reform of the cycle of non-commercial small passenger vehicles (and motorcycles)."""

    since: dt.date
    source: str
    max_seats: int  # passenger vehicles with more seats keep the statutory cycle
    label_only_years: tuple[int, ...]  # years at which the label is issued without a visit
    two_yearly_until: int  # small passenger: every 2 years until this age
    half_yearly_from: int | None  # small passenger: every 6 months from this age (None: never)
    motorcycles: bool  # whether motorcycles follow the reform
    motorcycle_two_yearly_until: int = 4


REFORMS: tuple[Reform, ...] = (
    Reform(dt.date(2014, 9, 1), "2014 MPS/AQSIQ opinion; DOMAIN.md §4.2", 6, (2, 4), 6, 15, False),
    Reform(dt.date(2020, 11, 20), "2020 reform; DOMAIN.md §4.2", 9, (2, 4), 10, 15, False),
    Reform(
        dt.date(2022, 10, 1),
        "2022 four-ministry opinion; DOMAIN.md §4.2",
        9,
        (2, 4, 8),
        10,
        None,
        True,
        10,
    ),
)


@dataclass(frozen=True)
class Vehicle:
    """The facts the schedule needs."""

    vehicle_class: str
    use: str  # "commercial" | "non_commercial"
    seats: int
    registration_date: dt.date
    van: bool = False
    casualty_accident: bool = False
    illegal_modification: bool = False


@dataclass(frozen=True)
class Schedule:
    """The answer for one vehicle on one date."""

    due: dt.date  # the end of the current inspection period
    label_only: bool  # the label alone (no station visit) at this due date
    window_opens: dt.date  # the label may be applied for from this day (R164 Art. 54)
    overdue: bool  # ``on`` is after ``due``
    age_years: float  # the vehicle's age at ``due``
    interval_months: int  # the length of the period that ends at ``due``
    category: str
    rule: str
    citations: tuple[str, ...]
    excluded: str = ""  # why the reform does not apply ("van", "casualty_accident", ...)
    dues: tuple[dt.date, ...] = field(default=(), repr=False)  # every due date up to ``due``


def add_months(day: dt.date, months: int) -> dt.date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def reform_on(on: dt.date) -> Reform | None:
    in_force = [r for r in REFORMS if r.since <= on]
    return in_force[-1] if in_force else None


def category(v: Vehicle) -> str:
    if v.vehicle_class in MOTORCYCLES:
        return "motorcycle"
    if v.vehicle_class in PASSENGER and v.use == "commercial":
        return "commercial_passenger"
    if v.vehicle_class in SMALL_PASSENGER:
        return "small_passenger"
    if v.vehicle_class in TRUCKS or v.vehicle_class in LARGE_PASSENGER:
        return "truck_or_large_passenger"
    return "other"


def exclusion(v: Vehicle, reform: Reform | None) -> str:
    """Why the reform in force does not apply to this vehicle ("" when it does)."""
    cat = category(v)
    if reform is None:
        return "no_reform"
    if cat == "motorcycle":
        if not reform.motorcycles:
            return "not_covered"
    elif cat != "small_passenger" or v.use != "non_commercial":
        return "not_covered"
    elif v.van:
        return "van"
    elif v.seats > reform.max_seats:
        return "seats"
    if v.illegal_modification:
        return "illegal_modification"
    if v.casualty_accident:
        return "casualty_accident"
    return ""


def interval_months(v: Vehicle, age: float, reform: Reform | None) -> int:
    """The length of the period starting at ``age`` years."""
    cat = category(v)
    covered = exclusion(v, reform) == ""
    if cat == "commercial_passenger":
        return 12 if age < 5 else 6
    if cat == "truck_or_large_passenger":
        return 12 if age < 10 else 6
    if cat == "motorcycle":
        until = reform.motorcycle_two_yearly_until if covered and reform else 4
        return 24 if age < until else 12
    if cat == "small_passenger":
        if covered and reform is not None:
            if age < reform.two_yearly_until:
                return 24
            if reform.half_yearly_from is None or age < reform.half_yearly_from:
                return 12
            return 6
        return 24 if age < 6 else (12 if age < 15 else 6)
    return 12


def _age(registered: dt.date, day: dt.date) -> float:
    months = (day.year - registered.year) * 12 + day.month - registered.month
    if day.day < registered.day and add_months(registered, months) > day:
        months -= 1
    return months / 12


def schedule(v: Vehicle, *, on: dt.date, valid_until: dt.date | None = None) -> Schedule:
    """The inspection period that matters on ``on``: its end (the first due date on or after
    ``on``, or ``valid_until`` when the registry knows the current period), whether it ends
    with the label alone or an on-site inspection, and when the label may be applied for."""
    reform = reform_on(on)
    excluded = exclusion(v, reform)
    dues: list[dt.date] = []
    day, age, months = v.registration_date, 0.0, 0
    target = valid_until or on
    while True:
        months = interval_months(v, age, reform)
        nxt = add_months(day, months)
        dues.append(nxt)
        if nxt >= target or len(dues) > 200:
            break
        day, age = nxt, _age(v.registration_date, nxt)
    due = valid_until or dues[-1]
    age_at_due = _age(v.registration_date, due)
    whole = int(age_at_due) if age_at_due == int(age_at_due) else -1
    label_only = bool(reform is not None and excluded == "" and whole in reform.label_only_years)
    version = reform.since.isoformat() if reform else "statutory"
    citations = (STATUTORY, "R164 Art. 54", "R164 Art. 55") + ((reform.source,) if reform else ())
    return Schedule(
        due=due,
        label_only=label_only,
        window_opens=add_months(due, -WINDOW_MONTHS),
        overdue=on > due,
        age_years=age_at_due,
        interval_months=months,
        category=category(v),
        rule=f"inspection.schedule@{version}",
        citations=citations,
        excluded=excluded,
        dues=tuple(dues),
    )


# --- inspection stations: where, when, and what follows a result ------------------------------

#: R164 Art. 54 (全国通检): any vehicle may be inspected where it is, except large passenger
#: vehicles and school buses. School buses are not modelled in the registry yet (no flag on the
#: vehicle), so only the class ``large_passenger`` is refused here.
CROSS_REGION_EXCLUDED = frozenset({"large_passenger"})
CROSS_REGION_CITATION = "R164 Art. 54"


def cross_region_allowed(vehicle_class: str) -> bool:
    """Whether a vehicle registered elsewhere may be inspected at a station here."""
    return vehicle_class not in CROSS_REGION_EXCLUDED


def next_valid_until(v: Vehicle, *, due: dt.date, passed_on: dt.date) -> dt.date:
    """The end of the period a label issued after a pass on ``passed_on`` covers: the period
    after ``due`` (its length by the vehicle's age at ``due``, under the version in force on
    ``passed_on``). A vehicle inspected after whole periods lapsed gets the period that
    contains ``passed_on``: the cycle stays anchored to the registration date (L2 Art. 16)."""
    reform = reform_on(passed_on)
    until = due
    while True:
        until = add_months(until, interval_months(v, _age(v.registration_date, until), reform))
        if until > passed_on:
            return until


#: Re-test (复检), a local policy: DOMAIN.md gives no national rule. A vehicle that fails may be
#: re-tested at the same station on the items that failed, within RETEST_DAYS of the first
#: result and at most RETEST_MAX times; after that it needs a new full inspection.
RETEST_DAYS = 15
RETEST_MAX = 2

#: No-shows, a local policy (DOMAIN.md has no national rule): NO_SHOW_LIMIT no-shows within
#: NO_SHOW_DAYS block online booking for NO_SHOW_BLOCK_DAYS after the last one. Walk-ins stay
#: open.
NO_SHOW_LIMIT = 3
NO_SHOW_DAYS = 90
NO_SHOW_BLOCK_DAYS = 30

#: Online booking opens this many days ahead (local policy).
BOOKING_HORIZON_DAYS = 14


def booking_blocked_until(no_shows: list[dt.date], today: dt.date) -> dt.date | None:
    """The day online booking opens again for an owner with these no-show dates, or None when
    it is open (local policy: see NO_SHOW_LIMIT)."""
    recent = sorted(d for d in no_shows if d > today - dt.timedelta(days=NO_SHOW_DAYS))
    if len(recent) < NO_SHOW_LIMIT:
        return None
    until = recent[-1] + dt.timedelta(days=NO_SHOW_BLOCK_DAYS)
    return until if until > today else None


def retest_open(*, first_result_on: dt.date, retests: int, today: dt.date) -> bool:
    """Whether a failed vehicle may still be re-tested on its failed items (local policy)."""
    return retests < RETEST_MAX and today <= first_result_on + dt.timedelta(days=RETEST_DAYS)
