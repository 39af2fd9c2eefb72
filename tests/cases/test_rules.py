"""The regulation rules of the business engine, with the cases DOMAIN.md gives (pure: no
database)."""

from __future__ import annotations

import datetime as dt

import pytest

from jiaoguan.cases import rules

D = dt.date


@pytest.mark.parametrize(
    ("today", "valid_until", "allowed", "code"),
    [
        (D(2026, 1, 1), D(2026, 4, 1), True, ""),  # within 90 days (R162 Art. 63)
        (D(2025, 12, 1), D(2026, 4, 1), False, "renewal_too_early"),
        (D(2027, 4, 1), D(2026, 4, 1), True, ""),  # expired, but less than a year
        (D(2027, 4, 2), D(2026, 4, 1), False, "renewal_too_late"),  # Art. 79(8)
    ],
)
def test_renewal_window(today: dt.date, valid_until: dt.date, allowed: bool, code: str) -> None:
    d = rules.renewal_window(valid_until=valid_until, today=today)
    assert (d.allowed, d.code) == (allowed, code)


@pytest.mark.parametrize(
    ("term", "full", "new"),
    [("6y", False, "10y"), ("10y", False, "permanent"), ("6y", True, "6y")],  # R162 Art. 62
)
def test_renewal_term(term: str, full: bool, new: str) -> None:
    assert rules.renewal_term(current_term=term, full_score_in_term=full).facts["term"] == new


@pytest.mark.parametrize(
    ("held", "age", "today", "keep"),
    [
        (["A1"], 64, D(2026, 1, 1), ["C1"]),  # 63+ after order 172 gives up large classes
        (["A1"], 61, D(2024, 6, 1), ["C1"]),  # 60+ before 2025-01-01
        (["B2", "D"], 71, D(2026, 1, 1), ["C1"]),  # 70+ also loses D (R162 Art. 65)
        (["C1", "E"], 75, D(2026, 1, 1), ["C1"]),
    ],
)
def test_age_downgrade_keeps(held: list[str], age: int, today: dt.date, keep: list[str]) -> None:
    d = rules.age_downgrade(held=held, age=age, today=today, small_class="C1")
    assert d.allowed and d.facts["keep"] == keep


def test_age_downgrade_not_due_at_61_after_the_2025_amendment() -> None:
    d = rules.age_downgrade(held=["A1"], age=61, today=D(2026, 1, 1), small_class="C1")
    assert not d.allowed and d.code == "age_downgrade_not_due"
    assert d.rule.endswith("@2025-01-01")


def test_age_downgrade_to_c2() -> None:
    d = rules.age_downgrade(held=["B1"], age=65, today=D(2026, 1, 1), small_class="C2")
    assert d.facts["keep"] == ["C2"]


@pytest.mark.parametrize(
    ("age", "classes", "owed"),
    [(70, ["C1"], True), (69, ["C1"], False), (40, ["C5"], True)],  # R162 Art. 74
)
def test_medical_owed(age: int, classes: list[str], owed: bool) -> None:
    assert rules.medical_owed(classes=classes, age=age).allowed is owed


def _deferral(**kw: object) -> rules.Decision:
    args: dict[str, object] = {
        "matter": "renewal",
        "classes": ["C1"],
        "age": 40,
        "valid_until": D(2026, 6, 1),
        "today": D(2026, 5, 1),
        "until": D(2027, 6, 1),
        "reason": "abroad",
    }
    return rules.deferral(**{**args, **kw})  # type: ignore[arg-type]


def test_deferral_cases() -> None:  # R162 Art. 75
    assert _deferral().allowed
    assert _deferral(until=D(2029, 6, 1)).allowed  # three years past the licence's end
    assert _deferral(until=D(2029, 6, 2)).code == "deferral_too_long"
    assert _deferral(until=D(2026, 5, 20)).code == "deferral_too_long"  # before it is due
    assert _deferral(today=D(2027, 6, 1), until=D(2028, 1, 1)).allowed  # a year after expiry
    assert _deferral(today=D(2027, 6, 2), until=D(2028, 1, 1)).code == "deferral_too_late"
    assert _deferral(reason="holiday").code == "invalid_reason"
    assert _deferral(matter="review").code == "review_not_owed"
    assert _deferral(matter="review", classes=["B2"], until=D(2027, 1, 1)).allowed
    assert _deferral(matter="medical").code == "medical_not_owed"
    assert _deferral(matter="renewal", valid_until=None).code == "licence_permanent"


@pytest.mark.parametrize(
    ("status", "code"),
    [
        ("valid", ""),
        ("expired", ""),
        ("suspended", "licence_detained"),
        ("revoked", "licence_not_in_force"),
    ],
)
def test_cancellation(status: str, code: str) -> None:
    assert rules.cancellation(status=status).code == code


def _exempt(**kw: object) -> rules.Decision:
    registered = kw.pop("registered", D(2020, 3, 1))
    year = kw.pop("year", 2)
    assert isinstance(registered, dt.date) and isinstance(year, int)
    until = registered.replace(year=registered.year + year)
    args: dict[str, object] = {
        "vehicle_class": "small_passenger",
        "use": "non_commercial",
        "seats": 5,
        "van": False,
        "registration_date": registered,
        "inspection_valid_until": until,
        "today": until - dt.timedelta(days=30),
    }
    return rules.exemption_label(**{**args, **kw})  # type: ignore[arg-type]


def test_exemption_label_only_years_by_version() -> None:
    """DOMAIN.md §4.2: label only at years 2 and 4 (2014, 2020); also at 8 from 2022-10-01."""
    assert _exempt(year=2).allowed and _exempt(year=4).allowed
    assert _exempt(year=6).code == "inspection_due_on_site"
    assert _exempt(year=10).code == "inspection_due_on_site"
    assert _exempt(year=8).allowed  # 2028 under the 2022 rules
    old = _exempt(registered=D(2013, 3, 1), year=8)  # 2021-03-01, the 2020 version in force
    assert old.code == "inspection_due_on_site" and old.rule.endswith("@2020-11-20")
    assert _exempt(year=2).facts["next_until"] == "2024-03-01"


def test_exemption_scope() -> None:
    assert _exempt(van=True).code == "not_exempt"  # vans keep the original cycle
    assert _exempt(use="commercial").code == "not_exempt"
    assert _exempt(seats=10).code == "not_exempt"
    assert _exempt(seats=9).allowed  # 7-9 seats added in 2020
    seven_in_2016 = _exempt(registered=D(2014, 3, 1), seats=7)
    assert seven_in_2016.code == "not_exempt" and seven_in_2016.rule.endswith("@2014-09-01")
    # motorcycles: from 2022-10-01 only (year 2 of a 2022-03 registration falls in 2024)
    assert _exempt(vehicle_class="motorcycle", registered=D(2022, 3, 1)).allowed
    assert _exempt(vehicle_class="motorcycle", registered=D(2016, 3, 1)).code == "not_exempt"
    assert _exempt(vehicle_class="heavy_truck").code == "not_exempt"


def test_exemption_window_is_three_months_before_the_end() -> None:  # R164 Art. 54
    until = D(2022, 3, 1)
    assert _exempt(today=D(2021, 12, 1)).allowed
    assert _exempt(today=D(2021, 11, 30)).code == "label_too_early"
    assert _exempt(today=until + dt.timedelta(days=1)).code == "inspection_overdue"
    assert _exempt(inspection_valid_until=None).code == "inspection_unknown"


def test_temporary_plate_validity() -> None:  # R164 Arts. 47-48, 51
    today = D(2026, 5, 1)
    d = rules.temporary_plate(
        today=today, insurance_until=None, replacement_open=True, holds_valid=False
    )
    assert d.facts["valid_until"] == "2026-05-15"  # 15 days including today
    d = rules.temporary_plate(
        today=today, insurance_until=D(2026, 5, 9), replacement_open=True, holds_valid=False
    )
    assert d.facts["valid_until"] == "2026-05-09"  # never beyond the insurance
    assert not rules.temporary_plate(
        today=today, insurance_until=None, replacement_open=False, holds_valid=False
    ).allowed
