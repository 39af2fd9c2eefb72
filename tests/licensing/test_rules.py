"""Every case of DOMAIN.md §5.1–5.7 as a test of the rules (boundaries: the day before and the
day of each limit). §5.6 (where to apply) is issue 7 item 2 and not encoded here."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiaoguan.cases import rules as case_rules
from jiaoguan.cases.rules import Decision
from jiaoguan.kernel.calendar import WorkingCalendar
from jiaoguan.licensing import rules
from jiaoguan.licensing.rules import HeldClass, PointRecord, StudySession

D = dt.date
BEFORE_172 = D(2024, 12, 31)
AFTER_172 = D(2025, 1, 1)
ALL = rules.CLASSES

# ---- §5.1 classes ----------------------------------------------------------------------------


@pytest.mark.parametrize("cls", ALL)
def test_first_application_classes_art_16(cls: str) -> None:
    d = rules.first_application(cls=cls, age=30, on=AFTER_172)
    first = cls in {"A3", "B2", "C1", "C2", "C3", "C4", "C5", "D", "E", "F", "M", "N", "P"}
    assert d.allowed is first
    if not first:
        assert cls in {"A1", "A2", "B1", "C6"}
        assert d.code == "class_not_first"
        assert d.rule == "licence.first_application_class@2022-04-01"
        assert "R162 Art. 16" in d.citations


def test_only_added_classes_can_be_added() -> None:
    for cls in ("A1", "A2", "B1", "C6"):
        assert cls in rules.ADDABLE_CLASSES
    assert "C5" not in rules.ADDABLE_CLASSES


def test_c1_does_not_include_c6_but_a2_does() -> None:
    """C1 does not allow C6, so C6 can be added to C1; A2 allows it, so not to A2."""
    c1 = [HeldClass("C1", D(2020, 1, 1))]
    ok = rules.add_class(cls="C6", held=c1, age=30, on=AFTER_172, first_issued=D(2020, 1, 1))
    assert ok.allowed, ok
    a2 = [HeldClass("A2", D(2015, 1, 1))]
    no = rules.add_class(cls="C6", held=a2, age=40, on=AFTER_172, first_issued=D(2010, 1, 1))
    assert no.code == "class_already_allowed"


def test_class_table_also_permits() -> None:
    assert case_rules.permitted_classes(["A1"]) >= {"A3", "B1", "B2", "C1", "C2", "C3", "C4", "M"}
    assert "C6" in case_rules.permitted_classes(["A2"])
    assert case_rules.permitted_classes(["D"]) == {"D", "E", "F"}


# ---- §5.2 ages, 2021 text and order 172 ------------------------------------------------------

AGES_2022 = {
    **dict.fromkeys(("C1", "C2", "C5", "F"), (18, None)),
    **dict.fromkeys(("C3", "C4", "D", "E", "M"), (18, 60)),
    **dict.fromkeys(("A3", "B1", "B2", "C6", "N", "P"), (20, 60)),
    **dict.fromkeys(("A1", "A2"), (22, 60)),
}
AGES_2025 = {
    **dict.fromkeys(("C1", "C2", "C5", "F"), (18, None)),
    **dict.fromkeys(("D", "E"), (18, 70)),
    "C6": (20, 70),
    **dict.fromkeys(("C3", "C4", "M"), (18, 63)),
    **dict.fromkeys(("A3", "B1", "B2", "N", "P"), (20, 63)),
    **dict.fromkeys(("A1", "A2"), (22, 63)),
}


@pytest.mark.parametrize(("on", "table"), [(BEFORE_172, AGES_2022), (AFTER_172, AGES_2025)])
@pytest.mark.parametrize("cls", ALL)
def test_application_age_boundaries(on: dt.date, table: dict, cls: str) -> None:
    low, high = table[cls]
    version = "2025-01-01" if on >= AFTER_172 else "2022-04-01"

    def age(a: int) -> bool:
        d = rules.application_age(cls=cls, age=a, on=on, ability_tests_passed=True)
        assert d.rule == f"licence.application_age@{version}"
        return d.allowed

    assert not age(low - 1)
    assert age(low)
    if high is not None:
        assert age(high)  # "以下" includes the number (Art. 110)
        assert not age(high + 1)
        assert rules.application_age(cls=cls, age=high + 1, on=on).code == "too_old"
    else:
        assert age(90)


def test_order_172_large_classes_60_to_63() -> None:
    """A first application for B2 at 61: refused on 2024-12-31, allowed on 2025-01-01."""
    before = rules.first_application(cls="B2", age=61, on=BEFORE_172)
    after = rules.first_application(cls="B2", age=61, on=AFTER_172)
    assert (before.allowed, after.allowed) == (False, True)
    assert before.rule == "licence.first_application_age@2022-04-01"
    assert after.rule == "licence.first_application_age@2025-01-01"
    assert "MPS order 172" in after.citations and "MPS order 172" not in before.citations
    assert rules.first_application(cls="A3", age=63, on=AFTER_172).allowed
    assert not rules.first_application(cls="A3", age=64, on=AFTER_172).allowed


def test_order_172_motorcycles_up_to_70() -> None:
    assert not rules.first_application(cls="E", age=61, on=BEFORE_172).allowed
    assert rules.first_application(cls="E", age=70, on=AFTER_172).allowed
    assert rules.first_application(cls="D", age=70, on=AFTER_172).allowed
    assert rules.first_application(cls="D", age=71, on=AFTER_172).code == "too_old"


@pytest.mark.parametrize("on", [BEFORE_172, AFTER_172])
@pytest.mark.parametrize("cls", ["C1", "C2", "C5", "F"])
def test_seventy_plus_after_ability_tests(on: dt.date, cls: str) -> None:
    assert rules.first_application(cls=cls, age=69, on=on).allowed
    untested = rules.first_application(cls=cls, age=70, on=on)
    assert untested.code == "ability_tests_required"
    assert rules.first_application(cls=cls, age=70, on=on, ability_tests_passed=True).allowed
    assert rules.first_application(cls=cls, age=85, on=on, ability_tests_passed=True).allowed


def test_vocational_students_a1_a2_from_19() -> None:
    c1 = [HeldClass("C1", D(2024, 6, 1))]
    kw = {"held": c1, "on": D(2025, 9, 1), "first_issued": D(2024, 6, 1)}
    student = rules.add_class(cls="A1", age=19, vocational_student=True, **kw)
    assert student.allowed, student
    assert student.facts["vocational_route"] is True
    assert rules.add_class(cls="A1", age=18, vocational_student=True, **kw).code == "too_young"
    # not a student: C1 for a year does not qualify for A1
    assert rules.add_class(cls="A1", age=23, **kw).code == "experience_too_short"


def test_no_version_before_2022() -> None:
    d = rules.first_application(cls="C1", age=30, on=D(2022, 3, 31))
    assert (d.allowed, d.code, d.rule) == (
        False,
        "rule_not_in_force",
        "licence.first_application_class@none",
    )
    assert rules.first_application(cls="C1", age=30, on=D(2022, 4, 1)).allowed


# ---- §5.2 upgrades (增驾, Art. 17) --------------------------------------------------------------


def _add(
    cls: str,
    held: list[tuple[str, dt.date]],
    on: dt.date,
    full: list[dt.date] | None = None,
    age: int = 35,
) -> Decision:
    return rules.add_class(
        cls=cls,
        held=[HeldClass(c, s) for c, s in held],
        age=age,
        on=on,
        first_issued=D(2010, 3, 10),
        full_score_dates=full or [],
    )


def test_upgrade_no_full_score_in_current_or_previous_cycle() -> None:
    # cycles from 2010-03-10: the one containing 2025-06-01 started 2025-03-10
    held = [("C1", D(2010, 3, 10))]
    assert _add("C6", held, D(2025, 6, 1)).allowed
    assert _add("C6", held, D(2025, 6, 1), [D(2025, 4, 1)]).code == "full_score_recent"
    assert _add("C6", held, D(2025, 6, 1), [D(2024, 3, 10)]).code == "full_score_recent"
    # the cycle before that (ended 2024-03-09) does not count for C6
    assert _add("C6", held, D(2025, 6, 1), [D(2024, 3, 9)]).allowed


def test_upgrade_c6_needs_c1_or_c2_one_year() -> None:
    since = D(2024, 5, 20)
    assert _add("C6", [("C2", since)], D(2025, 5, 19)).code == "experience_too_short"
    assert _add("C6", [("C2", since)], D(2025, 5, 20)).allowed
    assert _add("C6", [("C3", D(2010, 3, 10))], D(2025, 5, 20)).code == "experience_too_short"


@pytest.mark.parametrize("base", ["A3", "B2", "C1", "C2", "C3", "C4"])
def test_upgrade_b1_two_years(base: str) -> None:
    since = D(2023, 7, 1)
    assert _add("B1", [(base, since)], D(2025, 6, 30)).code == "experience_too_short"
    assert _add("B1", [(base, since)], D(2025, 7, 1)).allowed


def test_upgrade_b1_no_full_score_in_last_two_cycles() -> None:
    held = [("C1", D(2010, 3, 10))]
    on = D(2025, 6, 1)  # current cycle 2025-03-10; completed ones start 2024-03-10, 2023-03-10
    assert _add("B1", held, on, [D(2023, 3, 10)]).code == "full_score_record"
    assert _add("B1", held, on, [D(2023, 3, 9)]).allowed
    assert _add("C6", held, on, [D(2023, 3, 10)]).allowed  # C6: only this and last cycle


def test_upgrade_a2() -> None:
    assert _add("A2", [("B2", D(2023, 7, 1))], D(2025, 6, 30)).code == "experience_too_short"
    assert _add("A2", [("B2", D(2023, 7, 1))], D(2025, 7, 1)).allowed
    assert _add("A2", [("B1", D(2023, 7, 1))], D(2025, 7, 1)).allowed
    assert _add("A2", [("A1", D(2024, 7, 1))], D(2025, 6, 30)).code == "experience_too_short"
    assert _add("A2", [("A1", D(2024, 7, 1))], D(2025, 7, 1)).allowed
    held = [("B2", D(2015, 1, 1))]
    assert _add("A2", held, D(2025, 6, 1), [D(2023, 4, 1)]).code == "full_score_record"


def test_upgrade_a1() -> None:
    for base in ("A3", "B1"):
        assert _add("A1", [(base, D(2023, 7, 1))], D(2025, 6, 30)).code == "experience_too_short"
        assert _add("A1", [(base, D(2023, 7, 1))], D(2025, 7, 1)).allowed
    assert _add("A1", [("B2", D(2022, 7, 1))], D(2025, 6, 30)).code == "experience_too_short"
    assert _add("A1", [("B2", D(2022, 7, 1))], D(2025, 7, 1)).allowed
    assert _add("A1", [("A2", D(2024, 7, 1))], D(2025, 7, 1)).allowed
    # three completed cycles: 2022-03-10 .. 2025-03-09
    held = [("B1", D(2015, 1, 1))]
    assert _add("A1", held, D(2025, 6, 1), [D(2022, 3, 10)]).code == "full_score_record"
    assert _add("A1", held, D(2025, 6, 1), [D(2022, 3, 9)]).allowed


def test_upgrade_age_applies() -> None:
    held = [("B2", D(2015, 1, 1))]
    assert _add("A2", held, D(2024, 6, 1), age=61).code == "too_old"
    assert _add("A2", held, D(2025, 6, 1), age=63).allowed


# ---- §5.3 validity, renewal, cancellation, probation ------------------------------------------


def test_terms_6_10_permanent() -> None:
    assert (
        case_rules.renewal_term(current_term="6y", full_score_in_term=False).facts["term"] == "10y"
    )
    assert (
        case_rules.renewal_term(current_term="10y", full_score_in_term=False).facts["term"]
        == "permanent"
    )
    assert case_rules.renewal_term(current_term="6y", full_score_in_term=True).facts["term"] == "6y"


def test_renewal_within_90_days() -> None:
    until = D(2026, 6, 30)
    assert (
        case_rules.renewal_window(valid_until=until, today=D(2026, 3, 31)).code
        == "renewal_too_early"
    )
    assert case_rules.renewal_window(valid_until=until, today=D(2026, 4, 1)).allowed
    assert case_rules.renewal_window(valid_until=until, today=D(2027, 6, 30)).allowed
    assert (
        case_rules.renewal_window(valid_until=until, today=D(2027, 7, 1)).code == "renewal_too_late"
    )


def test_restoration_within_two_years_of_cancellation() -> None:
    assert rules.restoration(cancelled_on=D(2024, 5, 1), on=D(2026, 4, 30)).allowed
    assert (
        rules.restoration(cancelled_on=D(2024, 5, 1), on=D(2026, 5, 1)).code
        == "restoration_too_late"
    )


def test_age_downgrade_60_then_63() -> None:
    before = case_rules.age_downgrade(held=["B2"], age=61, today=BEFORE_172, small_class="C1")
    after = case_rules.age_downgrade(held=["B2"], age=61, today=AFTER_172, small_class="C1")
    assert before.allowed and before.facts["keep"] == ["C1"]
    assert not after.allowed
    assert case_rules.age_downgrade(held=["B2"], age=63, today=AFTER_172, small_class="C2").facts[
        "keep"
    ] == ["C2"]
    seventy = case_rules.age_downgrade(held=["C1", "D"], age=70, today=AFTER_172, small_class="C1")
    assert seventy.facts["keep"] == ["C1"]


def test_age_cancellation_m_n_p_60_to_63_and_c3_c4_at_70() -> None:
    assert rules.age_cancellation(classes=["M"], age=61, on=BEFORE_172).allowed
    assert not rules.age_cancellation(classes=["M"], age=61, on=AFTER_172).allowed
    assert rules.age_cancellation(classes=["N", "P"], age=63, on=AFTER_172).allowed
    assert not rules.age_cancellation(classes=["M", "C1"], age=66, on=AFTER_172).allowed
    assert not rules.age_cancellation(classes=["C3"], age=69, on=AFTER_172).allowed
    assert rules.age_cancellation(classes=["C3", "C4"], age=70, on=AFTER_172).allowed


def test_deferral_within_validity_or_a_year_after() -> None:
    kw = {
        "matter": "renewal",
        "classes": ["C1"],
        "age": 40,
        "valid_until": D(2025, 6, 30),
        "reason": "abroad",
    }
    assert case_rules.deferral(today=D(2026, 6, 30), until=D(2027, 6, 30), **kw).allowed
    assert (
        case_rules.deferral(today=D(2026, 7, 1), until=D(2027, 6, 30), **kw).code
        == "deferral_too_late"
    )


def test_probation_twelve_months() -> None:
    start = D(2025, 3, 10)
    assert rules.probation(probation_started=start, on=D(2026, 3, 9)).allowed
    assert rules.probation(probation_started=start, on=D(2026, 3, 10)).code == "not_in_probation"
    assert rules.probation(probation_started=start, on=start).facts["sign_required"] is True


@pytest.mark.parametrize("activity", rules.PROBATION_FORBIDDEN)
def test_probation_forbidden(activity: str) -> None:
    start = D(2025, 3, 10)
    d = rules.probation_drive(probation_started=start, on=D(2025, 6, 1), activity=activity)
    assert d.code == "forbidden_in_probation"
    assert rules.probation_drive(
        probation_started=start, on=D(2026, 3, 10), activity=activity
    ).allowed
    # driving a class held before the one added is not restricted (Art. 77 para 3)
    assert rules.probation_drive(
        probation_started=start, on=D(2025, 6, 1), activity=activity, original_class=True
    ).allowed


def test_probation_expressway_companion_three_years() -> None:
    kw = {"probation_started": D(2025, 3, 10), "on": D(2025, 6, 1), "activity": "expressway"}
    assert rules.probation_drive(**kw).code == "companion_required"
    assert rules.probation_drive(companion_years=2, **kw).code == "companion_required"
    assert rules.probation_drive(companion_years=3, **kw).allowed


def test_probation_twelve_points_cancel_the_class() -> None:
    kw = {"probation_started": D(2025, 3, 10), "on": D(2025, 9, 1)}
    assert rules.probation_full_score(points_in_probation=11, **kw).code == "below_full_score"
    assert rules.probation_full_score(points_in_probation=12, **kw).allowed


def test_contact_change_within_30_days() -> None:
    assert rules.contact_change(changed_on=D(2025, 5, 1), on=D(2025, 5, 31)).allowed
    assert rules.contact_change(changed_on=D(2025, 5, 1), on=D(2025, 6, 1)).code == "filed_late"


# ---- §5.4 review -----------------------------------------------------------------------------

END = D(2025, 3, 9)


def test_c_class_reviewed_only_on_renewal() -> None:
    d = rules.review_duty(classes=["C1"], age=40, points_in_cycle=9, cycle_end=END)
    assert d.code == "review_on_renewal_only"


@pytest.mark.parametrize("cls", ["A1", "A2", "A3", "B1", "B2"])
def test_large_classes_reviewed_within_30_days_unless_no_points(cls: str) -> None:
    d = rules.review_duty(classes=[cls], age=40, points_in_cycle=1, cycle_end=END)
    assert d.allowed and d.facts["deadline"] == "2025-04-08"
    assert d.facts["education_hours"] == 3
    assert (
        rules.review_duty(classes=[cls], age=40, points_in_cycle=0, cycle_end=END).code
        == "review_exempt_no_points"
    )


def test_fatal_accident_review_and_education() -> None:
    d = rules.review_duty(
        classes=["C1"], age=40, points_in_cycle=0, cycle_end=END, fatal_accident_responsible=True
    )
    assert d.allowed and d.facts["education_hours"] == 3


def test_seventy_plus_injury_accident_review_and_ability_tests() -> None:
    kw = {
        "classes": ["C1"],
        "points_in_cycle": 0,
        "cycle_end": END,
        "injury_accident_responsible": True,
    }
    assert not rules.review_duty(age=69, **kw).allowed
    d = rules.review_duty(age=70, **kw)
    assert d.allowed and d.facts["ability_tests"] is True and d.facts["education_hours"] == 0


def test_school_bus_every_cycle_three_hours() -> None:
    d = rules.review_duty(classes=["A3"], age=45, points_in_cycle=0, cycle_end=END, school_bus=True)
    assert d.allowed and d.facts["education_hours"] == 3 and "R162 Art. 90" in d.citations


def test_medical_checks_seventy_yearly_c5_three_years() -> None:
    assert case_rules.medical_owed(classes=["C1"], age=70).facts["every_years"] == 1
    assert case_rules.medical_owed(classes=["C5"], age=40).facts["every_years"] == 3
    assert not case_rules.medical_owed(classes=["C1"], age=69).allowed


# ---- §5.5 exams ------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", ALL)
def test_pass_marks(cls: str) -> None:
    assert not rules.exam_pass(subject=1, cls=cls, score=89).allowed
    assert rules.exam_pass(subject=1, cls=cls, score=90).allowed
    mark = 90 if cls in {"A1", "A2", "A3", "B1", "B2", "C6"} else 80
    assert not rules.exam_pass(subject=2, cls=cls, score=mark - 1).allowed
    assert rules.exam_pass(subject=2, cls=cls, score=mark).allowed
    for part in ("road", "safety"):
        assert not rules.exam_pass(subject=3, cls=cls, score=89, part=part).allowed
        assert rules.exam_pass(subject=3, cls=cls, score=90, part=part).allowed


def test_three_subjects_only() -> None:
    assert rules.exam_pass(subject=4, cls="C1", score=100).code == "invalid_subject"


def test_learner_permit_three_years() -> None:
    d = rules.learner_permit(cls="C1", issued_on=D(2025, 3, 1), birth_date=D(2000, 1, 1))
    assert d.facts["valid_until"] == "2028-02-29"


def test_learner_permit_not_past_upper_age() -> None:
    # B2 in 2025: up to 63, i.e. until the day before the 64th birthday
    d = rules.learner_permit(cls="B2", issued_on=D(2025, 3, 1), birth_date=D(1965, 6, 15))
    assert d.facts["valid_until"] == "2028-02-29"  # three years come first
    assert d.facts["age_limit_until"] == "2029-06-14"
    d = rules.learner_permit(cls="B2", issued_on=D(2025, 3, 1), birth_date=D(1962, 6, 15))
    assert d.facts["valid_until"] == "2026-06-14"
    old = rules.learner_permit(cls="B2", issued_on=D(2025, 3, 1), birth_date=D(1961, 1, 1))
    assert old.code == "too_old"


def test_exam_after_permit_expiry_refused() -> None:
    kw = {
        "subject": 3,
        "cls": "C1",
        "permit_issued_on": D(2025, 3, 1),
        "birth_date": D(2000, 1, 1),
        "on": D(2028, 2, 1),
    }
    assert rules.exam_booking(exam_date=D(2028, 2, 29), **kw).allowed
    assert rules.exam_booking(exam_date=D(2028, 3, 1), **kw).code == "permit_expired"


WAITS = {
    2: {
        **dict.fromkeys(["C1", "C2", "C3", "C4", "C5", "M", "N", "P"], 10),
        **dict.fromkeys(["A1", "A2", "A3", "B1", "B2", "C6"], 20),
    },
    3: {
        **dict.fromkeys(["C2", "C5", "C3", "C4"], 20),
        **dict.fromkeys(["C1", "M", "N", "P"], 30),
        **dict.fromkeys(["A1", "A2", "A3", "B1", "B2"], 40),
    },
}


@pytest.mark.parametrize("subject", [2, 3])
@pytest.mark.parametrize("cls", ALL)
def test_earliest_booking(subject: int, cls: str) -> None:
    issued = D(2025, 3, 1)
    wait = WAITS[subject].get(cls, 0)  # classes not listed (motorcycles; C6 for 3): no wait
    earliest = issued + dt.timedelta(days=wait)

    def book(on: dt.date) -> Decision:
        return rules.exam_booking(
            subject=subject,
            cls=cls,
            permit_issued_on=issued,
            birth_date=D(1990, 1, 1),
            exam_date=D(2025, 6, 1),
            on=on,
        )

    d = book(earliest)
    assert d.allowed and d.facts["earliest"] == earliest.isoformat()
    if wait:
        assert book(earliest - dt.timedelta(days=1)).code == "too_early"


@pytest.mark.parametrize("cls", ["A1", "A2", "A3", "B1", "B2"])
def test_subject_3_thirty_days_when_adding_to_a_car_licence(cls: str) -> None:
    kw = {
        "subject": 3,
        "cls": cls,
        "permit_issued_on": D(2025, 3, 1),
        "birth_date": D(1990, 1, 1),
        "exam_date": D(2025, 6, 1),
    }
    assert rules.exam_booking(on=D(2025, 3, 31), adding_to_car_licence=True, **kw).allowed
    assert (
        rules.exam_booking(on=D(2025, 3, 30), adding_to_car_licence=True, **kw).code == "too_early"
    )
    assert rules.exam_booking(on=D(2025, 3, 31), **kw).code == "too_early"


def test_five_bookings_per_subject() -> None:
    kw = {
        "cls": "C1",
        "permit_issued_on": D(2025, 1, 1),
        "birth_date": D(1990, 1, 1),
        "exam_date": D(2025, 6, 1),
        "on": D(2025, 5, 1),
    }
    assert rules.exam_booking(subject=2, bookings_made=4, **kw).allowed
    assert rules.exam_booking(subject=2, bookings_made=5, **kw).code == "booking_limit"
    assert rules.exam_booking(subject=1, bookings_made=5, **kw).allowed


def test_ten_days_after_failing_the_retake() -> None:
    kw = {
        "subject": 2,
        "cls": "C1",
        "permit_issued_on": D(2025, 1, 1),
        "birth_date": D(1990, 1, 1),
        "exam_date": D(2025, 6, 1),
        "retake_failed_on": D(2025, 5, 1),
    }
    assert rules.exam_booking(on=D(2025, 5, 10), **kw).code == "retake_wait"
    assert rules.exam_booking(on=D(2025, 5, 11), **kw).allowed


def test_one_free_retake_then_rebook_and_fifth_failure() -> None:
    first = rules.exam_failure(
        subject=2, failed_on=D(2025, 5, 1), was_retake=False, booking_number=1
    )
    assert first.allowed and first.facts["retake_same_sitting"]
    retake = rules.exam_failure(
        subject=2, failed_on=D(2025, 5, 1), was_retake=True, booking_number=4
    )
    assert retake.code == "sitting_ended" and retake.facts["rebook_from"] == "2025-05-11"
    assert retake.facts["voids_other_subjects"] is False
    fifth = rules.exam_failure(
        subject=3, failed_on=D(2025, 5, 1), was_retake=True, booking_number=5
    )
    assert fifth.facts["voids_other_subjects"] is True
    law = rules.exam_failure(subject=1, failed_on=D(2025, 5, 1), was_retake=True, booking_number=1)
    assert law.facts["rebook_from"] == "2025-05-01"


def test_cancel_at_least_one_working_day_ahead() -> None:
    cal = WorkingCalendar.from_data({})  # Monday to Friday
    wed = D(2025, 6, 11)
    assert rules.booking_cancellation(exam_date=wed, on=D(2025, 6, 10), calendar=cal).allowed
    late = rules.booking_cancellation(exam_date=wed, on=wed, calendar=cal)
    assert late.code == "cancellation_too_late" and late.facts["absence_counts_as_fail"]
    monday = D(2025, 6, 16)
    assert rules.booking_cancellation(exam_date=monday, on=D(2025, 6, 13), calendar=cal).allowed
    assert not rules.booking_cancellation(exam_date=monday, on=D(2025, 6, 14), calendar=cal).allowed


def test_exam_location_change_three_times_small_classes() -> None:
    assert rules.exam_location_change(cls="C1", changes_made=2).allowed
    assert rules.exam_location_change(cls="C1", changes_made=3).code == "location_change_limit"
    assert rules.exam_location_change(cls="B2", changes_made=0).code == "class_not_eligible"


def test_booking_plan_published_ten_days_ahead() -> None:
    assert rules.booking_plan_published(
        published_on=D(2025, 6, 1), exam_date=D(2025, 6, 11)
    ).allowed
    assert not rules.booking_plan_published(
        published_on=D(2025, 6, 1), exam_date=D(2025, 6, 10)
    ).allowed


def test_road_test_distance() -> None:
    assert rules.road_test_distance(cls="C1", first_application=True, km=3).allowed
    assert (
        rules.road_test_distance(cls="C1", first_application=True, km=2.9).code == "route_too_short"
    )
    assert rules.road_test_distance(cls="A1", first_application=False, km=10).allowed
    assert not rules.road_test_distance(cls="A1", first_application=False, km=9.9).allowed
    first_b2 = rules.road_test_distance(cls="B2", first_application=True, km=8)
    assert first_b2.allowed and first_b2.facts["day_km"] == 5.0
    assert (
        rules.road_test_distance(cls="D", first_application=True, km=0).facts["minimum_km"] is None
    )


# ---- §5.7 scoring ----------------------------------------------------------------------------


def test_cycle_runs_from_first_issue() -> None:
    d = rules.scoring_cycle(first_issued=D(2018, 5, 10), on=D(2025, 5, 9))
    assert (d.facts["start"], d.facts["end"]) == ("2024-05-10", "2025-05-09")
    d = rules.scoring_cycle(first_issued=D(2018, 5, 10), on=D(2025, 5, 10))
    assert (d.facts["start"], d.facts["end"]) == ("2025-05-10", "2026-05-09")
    assert d.facts["full_score"] == 12


def test_cycle_leap_day_first_issue() -> None:
    """A first issue on 29 February: later cycles start on 1 March in common years."""
    first = D(2020, 2, 29)
    assert rules.cycle_bounds(first, D(2021, 2, 28)) == (0, first, D(2021, 2, 28))
    assert rules.cycle_bounds(first, D(2021, 3, 1)) == (1, D(2021, 3, 1), D(2022, 2, 28))
    d = rules.scoring_cycle(first_issued=first, on=D(2023, 2, 28))
    assert (d.facts["start"], d.facts["end"]) == ("2022-03-01", "2023-02-28")
    d = rules.scoring_cycle(first_issued=first, on=D(2024, 2, 28))
    assert (d.facts["start"], d.facts["end"]) == ("2023-03-01", "2024-02-28")
    d = rules.scoring_cycle(first_issued=first, on=D(2024, 2, 29))
    assert (d.facts["start"], d.facts["end"], d.facts["days"]) == ("2024-02-29", "2025-02-28", 366)


def test_cycle_rule_in_force_from_2022_04_01() -> None:
    assert (
        rules.scoring_cycle(first_issued=D(2010, 1, 1), on=D(2022, 3, 31)).code
        == "rule_not_in_force"
    )
    assert rules.scoring_cycle(first_issued=D(2010, 1, 1), on=D(2022, 4, 1)).allowed


def test_cycle_before_first_issue() -> None:
    d = rules.scoring_cycle(first_issued=D(2025, 5, 10), on=D(2025, 5, 9))
    assert d.code == "before_first_issue"


days = st.dates(min_value=D(1950, 1, 1), max_value=D(2150, 12, 31))


@given(first=days, offset=st.integers(min_value=0, max_value=60_000))
def test_cycle_contains_the_date_and_is_twelve_months(first: dt.date, offset: int) -> None:
    on = first + dt.timedelta(days=offset)
    on = max(on, rules.R163_IN_FORCE)
    if on > D(2199, 1, 1):
        return
    index, start, end = rules.cycle_bounds(first, on)
    assert start <= on <= end
    assert (end - start).days + 1 in (365, 366)
    assert start.month in (first.month, 3) and index >= 0
    # the next cycle starts the day after this one ends
    assert rules.cycle_bounds(first, end + dt.timedelta(days=1))[1] == end + dt.timedelta(days=1)
    assert rules.cycle_bounds(first, end + dt.timedelta(days=1))[0] == index + 1


@pytest.mark.parametrize("points", [12, 9, 6, 3, 1])
def test_point_values(points: int) -> None:
    assert rules.point_value(points=points).allowed


@pytest.mark.parametrize("points", [0, 2, 4, 5, 7, 8, 10, 11, 13, 24])
def test_other_point_values_refused(points: int) -> None:
    assert rules.point_value(points=points).code == "invalid_points"


@pytest.mark.parametrize(
    "offence",
    [
        "drink_driving",
        "hit_and_run",
        "fake_plates",
        "overloading",
        "expressway_reversing",
        "taking_points_for_money",
    ],
)
def test_twelve_point_examples(offence: str) -> None:
    assert rules.offence_points(offence=offence).facts["points"] == 12


def test_cycle_end_clears_except_unpaid_fines() -> None:
    d = rules.cycle_end_clearing(
        records=[PointRecord(6, False), PointRecord(3, True), PointRecord(1, True)]
    )
    assert d.allowed and d.facts["carried_over"] == 4 and d.facts["cleared"] == 6
    d = rules.cycle_end_clearing(records=[PointRecord(9, False), PointRecord(2 + 1, False)])
    assert d.code == "full_score"
    assert rules.cycle_end_clearing(
        records=[PointRecord(9, False), PointRecord(1, False), PointRecord(1, False)]
    ).allowed


def _study(classes: list[str], n: int, points: int) -> dict:
    return dict(
        rules.full_score_study_days(
            classes=classes, full_scores_in_cycle=n, points_in_cycle=points
        ).facts
    )


def test_full_score_study_days_7_and_30() -> None:
    assert _study(["C1"], 1, 12)["study_days"] == 7
    assert _study(["B2"], 1, 12)["study_days"] == 30
    assert _study(["C1", "A1"], 1, 12)["study_days"] == 30
    assert not rules.full_score_study_days(
        classes=["C1"], full_scores_in_cycle=0, points_in_cycle=11
    ).allowed


def test_full_score_study_increments_and_caps() -> None:
    assert _study(["C1"], 2, 12)["study_days"] == 14
    assert _study(["C1"], 1, 24)["study_days"] == 14
    assert _study(["C1"], 1, 23)["study_days"] == 7
    assert _study(["B2"], 2, 24)["study_days"] == 60
    assert _study(["C1"], 8, 12)["study_days"] == 56
    assert _study(["C1"], 9, 12)["study_days"] == 60
    assert _study(["C1"], 20, 12)["study_days"] == 60
    assert _study(["B2"], 4, 12)["study_days"] == 120
    assert _study(["B2"], 10, 12)["study_days"] == 120


def _s(day: int, mode: str, minutes: int) -> StudySession:
    return StudySession(D(2025, 6, day), mode, minutes)


def test_a_day_counts_over_three_hours() -> None:
    d = rules.study_days(
        classes=["C1"],
        sessions=[
            _s(1, "onsite", 180),
            _s(2, "onsite", 181),
            _s(3, "online", 90),
            _s(3, "online", 91),
            _s(4, "online", 180),
        ],
    )
    assert d.facts["counted_days"] == 2 and d.facts["onsite_days"] == 1
    # on-site time is one continuous session: two short ones do not add up
    d = rules.study_days(classes=["C1"], sessions=[_s(5, "onsite", 120), _s(5, "onsite", 120)])
    assert d.facts["counted_days"] == 0


def test_onsite_and_online_same_date_one_day() -> None:
    d = rules.study_days(classes=["C1"], sessions=[_s(1, "onsite", 200), _s(1, "online", 200)])
    assert d.facts["counted_days"] == 1 and d.facts["onsite_days"] == 1


def test_minimum_counted_and_onsite_days() -> None:
    five_one = [_s(1, "onsite", 200)] + [_s(d, "online", 200) for d in range(2, 6)]
    assert rules.study_days(classes=["C1"], sessions=five_one).code == "study_incomplete"
    five_two = [_s(1, "onsite", 200), _s(2, "onsite", 200)] + [
        _s(d, "online", 200) for d in range(3, 6)
    ]
    assert rules.study_days(classes=["C1"], sessions=five_two).allowed
    four_two = five_two[:-1]
    assert not rules.study_days(classes=["C1"], sessions=four_two).allowed
    large_ok = [_s(d, "onsite", 200) for d in range(1, 6)] + [
        _s(d, "online", 200) for d in range(6, 11)
    ]
    assert rules.study_days(classes=["B1"], sessions=large_ok).allowed
    assert not rules.study_days(classes=["B1"], sessions=large_ok[:-1]).allowed
    four_onsite = [_s(d, "onsite", 200) for d in range(1, 5)] + [
        _s(d, "online", 200) for d in range(5, 12)
    ]
    assert rules.study_days(classes=["B1"], sessions=four_onsite).code == "study_incomplete"


def test_exams_after_full_score() -> None:
    def exams(n: int, p: int) -> list[str]:
        return list(
            rules.full_score_exams(full_scores_in_cycle=n, points_in_cycle=p).facts["exams"]
        )  # type: ignore[call-overload]

    assert exams(1, 12) == ["law"]
    assert exams(1, 23) == ["law"]
    assert exams(2, 12) == ["law", "road"]
    assert exams(1, 24) == ["law", "road"]
    assert exams(1, 35) == ["law", "road"]
    assert exams(1, 36) == ["law", "site", "road"]
    assert exams(3, 12) == ["law", "site", "road"]
    assert (
        rules.full_score_exams(full_scores_in_cycle=1, points_in_cycle=12).facts["retake_wait_days"]
        == 10
    )


def test_release_after_exams_and_fines() -> None:
    assert rules.full_score_release(exams_passed=True, fines_unpaid=0).allowed
    assert rules.full_score_release(exams_passed=True, fines_unpaid=1).code == "fines_unpaid"
    assert rules.full_score_release(exams_passed=False, fines_unpaid=0).code == "exams_not_passed"


def test_suspended_after_30_days_without_attending() -> None:
    cal = WorkingCalendar.from_data({})
    served = D(2025, 6, 2)  # + 30 = 2025-07-02, a Wednesday
    kw = {"notice_served_on": served, "calendar": cal}
    assert not rules.full_score_suspension(on=D(2025, 7, 2), attended=False, **kw).allowed
    assert rules.full_score_suspension(on=D(2025, 7, 3), attended=False, **kw).allowed
    assert not rules.full_score_suspension(on=D(2025, 7, 3), attended=True, **kw).allowed
    # a deadline on a Saturday moves to Monday (R163 Art. 36)
    sat = rules.full_score_suspension(
        notice_served_on=D(2025, 6, 7), on=D(2025, 7, 7), attended=False, calendar=cal
    )
    assert sat.facts["deadline"] == "2025-07-07" and not sat.allowed


def _reduce(**kw: object) -> Decision:
    base: dict = {
        "activity": "online",
        "minutes": 30,
        "test_passed": True,
        "points_now": 6,
        "reduced_this_cycle": 0,
    }
    return rules.point_reduction(**{**base, **kw})


def test_point_reduction_activities() -> None:
    assert _reduce().facts["points_off"] == 1
    assert _reduce(minutes=29).code == "activity_incomplete"
    assert _reduce(test_passed=False).code == "activity_incomplete"
    assert _reduce(activity="onsite", minutes=60).facts["points_off"] == 2
    assert _reduce(activity="onsite", minutes=59).code == "activity_incomplete"
    assert (
        _reduce(activity="public_service", minutes=60, test_passed=False).facts["points_off"] == 1
    )


def test_point_reduction_cap_six_per_cycle() -> None:
    assert _reduce(activity="onsite", minutes=60, reduced_this_cycle=4).facts["points_off"] == 2
    assert _reduce(activity="onsite", minutes=60, reduced_this_cycle=5).facts["points_off"] == 1
    assert _reduce(reduced_this_cycle=6).code == "reduction_cap"
    assert _reduce(activity="onsite", minutes=60, points_now=1).facts["points_off"] == 1


def test_point_reduction_below_twelve_and_violations_closed() -> None:
    assert _reduce(points_now=11).allowed
    assert _reduce(points_now=12).code == "full_score"
    assert _reduce(points_now=0).code == "no_points"
    assert _reduce(violations_open=True).code == "violations_open"


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"full_score_educations_recent": 2}, "repeated_full_score"),
        ({"offences_last_3_cycles": ["hit_and_run"]}, "barring_offence"),
        ({"offences_last_3_cycles": ["drink_driving"]}, "barring_offence"),
        ({"offences_last_3_cycles": ["fake_plates"]}, "barring_offence"),
        ({"offences_last_3_cycles": ["point_trading"]}, "barring_offence"),
        ({"in_probation": True}, "in_probation"),
        ({"review_overdue": True}, "review_overdue"),
        ({"licence_detained": True}, "licence_detained"),
        ({"vehicle_overdue": True}, "vehicle_overdue"),
        ({"fraud_last_3_cycles": True}, "education_fraud"),
    ],
)
def test_point_reduction_exclusions(kw: dict, code: str) -> None:
    d = _reduce(**kw)
    assert (d.allowed, d.code) == (False, code)
    assert "R163 Art. 26" in d.citations


def test_one_full_score_education_does_not_bar_reduction() -> None:
    assert _reduce(full_score_educations_recent=1).allowed


# ---- every decision names its rule, version and citations ------------------------------------


def test_catalogue_ids_are_unique_and_versioned() -> None:
    ids = [r.id for r in rules.CATALOGUE]
    assert len(ids) == len(set(ids))
    for r in rules.CATALOGUE:
        assert r.versions and all(dt.date.fromisoformat(v) for v in r.versions)
        assert r.citations


def test_docs_list_every_rule() -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "rules.md").read_text("utf-8")
    missing = [r.id for r in rules.CATALOGUE if f"`{r.id}`" not in text]
    assert not missing


# ---- properties ------------------------------------------------------------------------------


@given(cls=st.sampled_from(ALL), age=st.integers(0, 110), tests=st.booleans())
def test_order_172_only_relaxes_the_ages(cls: str, age: int, tests: bool) -> None:
    kw = {"cls": cls, "age": age, "ability_tests_passed": tests}
    if rules.application_age(on=BEFORE_172, **kw).allowed:
        assert rules.application_age(on=AFTER_172, **kw).allowed


@given(
    cls=st.sampled_from(ALL),
    issued=st.dates(min_value=D(2022, 4, 1), max_value=D(2060, 1, 1)),
    age_days=st.integers(16 * 365, 80 * 365),
)
def test_learner_permit_within_three_years_and_the_age_limit(
    cls: str, issued: dt.date, age_days: int
) -> None:
    birth = issued - dt.timedelta(days=age_days)
    d = rules.learner_permit(cls=cls, issued_on=issued, birth_date=birth)
    if not d.allowed:
        assert d.code == "too_old"
        return
    until = dt.date.fromisoformat(str(d.facts["valid_until"]))
    assert issued <= until < rules._add_years(issued, 3)
    found = rules.age_limit(cls, issued)
    assert found is not None
    if found[1].maximum is not None:
        assert case_rules.age_on(birth, until) <= found[1].maximum


@given(
    subject=st.sampled_from([1, 2, 3]),
    cls=st.sampled_from(ALL),
    wait_after=st.integers(0, 60),
    adding=st.booleans(),
    failed_after=st.one_of(st.none(), st.integers(0, 60)),
)
def test_a_booking_allowed_is_never_before_the_waits(
    subject: int, cls: str, wait_after: int, adding: bool, failed_after: int | None
) -> None:
    issued = D(2025, 3, 1)
    failed = None if failed_after is None else issued + dt.timedelta(days=failed_after)
    on = issued + dt.timedelta(days=wait_after)
    d = rules.exam_booking(
        subject=subject,
        cls=cls,
        permit_issued_on=issued,
        birth_date=D(1990, 1, 1),
        exam_date=on + dt.timedelta(days=20),
        on=on,
        retake_failed_on=failed,
        adding_to_car_licence=adding,
    )
    wait = rules.booking_wait_days(subject=subject, cls=cls, adding_to_car_licence=adding)
    if d.allowed:
        assert on >= issued + dt.timedelta(days=wait)
        if failed is not None and subject in (2, 3):
            assert on >= failed + dt.timedelta(days=10)


@given(
    classes=st.lists(st.sampled_from(ALL), min_size=1, max_size=3),
    n=st.integers(1, 12),
    points=st.integers(12, 100),
)
def test_study_days_between_base_and_cap_and_monotonic(
    classes: list[str], n: int, points: int
) -> None:
    days = rules.full_score_study_days(
        classes=classes, full_scores_in_cycle=n, points_in_cycle=points
    )
    more = rules.full_score_study_days(
        classes=classes, full_scores_in_cycle=n + 1, points_in_cycle=points + 12
    )
    group = rules.STUDY_TERMS[str(days.facts["group"])]
    value = int(str(days.facts["study_days"]))
    assert group.base_days <= value <= group.cap_days
    assert value <= int(str(more.facts["study_days"]))


sessions = st.lists(
    st.builds(
        StudySession,
        st.dates(min_value=D(2025, 6, 1), max_value=D(2025, 6, 20)),
        st.sampled_from(["onsite", "online"]),
        st.integers(0, 400),
    ),
    max_size=30,
)


@given(classes=st.sampled_from([["C1"], ["B2"]]), some=sessions, extra=sessions)
def test_study_day_counting_properties(
    classes: list[str], some: list[StudySession], extra: list[StudySession]
) -> None:
    d = rules.study_days(classes=classes, sessions=some)
    counted, onsite = int(str(d.facts["counted_days"])), int(str(d.facts["onsite_days"]))
    assert onsite <= counted <= len({s.day for s in some})
    more = rules.study_days(classes=classes, sessions=some + extra)
    assert int(str(more.facts["counted_days"])) >= counted  # more study never counts less
    assert d.allowed <= more.allowed


@given(
    activity=st.sampled_from(["online", "onsite", "public_service"]),
    minutes=st.integers(0, 200),
    test_passed=st.booleans(),
    points_now=st.integers(0, 20),
    reduced=st.integers(0, 8),
)
def test_point_reduction_never_past_the_cap_or_below_zero(
    activity: str, minutes: int, test_passed: bool, points_now: int, reduced: int
) -> None:
    d = rules.point_reduction(
        activity=activity,
        minutes=minutes,
        test_passed=test_passed,
        points_now=points_now,
        reduced_this_cycle=reduced,
    )
    if d.allowed:
        off = int(str(d.facts["points_off"]))
        assert 1 <= off <= 2
        assert reduced + off <= 6
        assert 0 <= points_now - off < 12
