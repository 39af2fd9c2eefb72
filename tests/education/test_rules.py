"""The education rules (pure): heartbeat credit, the random identity-check moments, exam
scoring, and the readiness of each course for its exam by DOMAIN.md §5.4 and §5.7."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from jiaoguan.education import rules
from jiaoguan.education.catalogue import COURSES, QUESTION_BANK, bank_for
from jiaoguan.education.constants import CourseKind

D = dt.date
DAY0 = D(2026, 3, 10)


def test_beat_credit() -> None:
    credit = rules.beat_credit
    assert credit(gap_seconds=None, active=True, interval=60, check_pending=False) == (0, "start")
    assert credit(gap_seconds=45, active=True, interval=60, check_pending=False) == (45, "counted")
    assert credit(gap_seconds=100, active=True, interval=60, check_pending=False) == (60, "counted")
    assert credit(gap_seconds=120, active=True, interval=60, check_pending=False) == (60, "counted")
    assert credit(gap_seconds=121, active=True, interval=60, check_pending=False) == (0, "gap")
    assert credit(gap_seconds=60, active=False, interval=60, check_pending=False) == (0, "idle")
    assert credit(gap_seconds=60, active=True, interval=60, check_pending=True) == (0, "paused")
    assert credit(gap_seconds=-5, active=True, interval=60, check_pending=False) == (0, "start")


@given(
    gap=st.one_of(st.none(), st.floats(min_value=-1e6, max_value=1e6)),
    active=st.booleans(),
    interval=st.integers(min_value=1, max_value=3600),
    pending=st.booleans(),
)
def test_a_heartbeat_never_credits_more_than_one_interval(
    gap: float | None, active: bool, interval: int, pending: bool
) -> None:
    seconds, status = rules.beat_credit(
        gap_seconds=gap, active=active, interval=interval, check_pending=pending
    )
    assert 0 <= seconds <= interval
    if status != "counted":
        assert seconds == 0
    if gap is not None and gap >= 0:
        assert seconds <= gap


@given(ref=st.text(max_size=40), number=st.integers(min_value=1, max_value=500))
def test_check_moments_fall_in_the_range_and_are_repeatable(ref: str, number: int) -> None:
    after = rules.check_after(key=b"k", enrolment_ref=ref, number=number)
    assert rules.CHECK_MIN_SECONDS <= after <= rules.CHECK_MAX_SECONDS
    assert after == rules.check_after(key=b"k", enrolment_ref=ref, number=number)


def test_check_moments_depend_on_the_secret_and_vary() -> None:
    draws = {rules.check_after(key=b"k", enrolment_ref="e", number=n) for n in range(1, 50)}
    assert len(draws) > 20
    assert [rules.check_after(key=b"a", enrolment_ref="e", number=n) for n in range(1, 10)] != [
        rules.check_after(key=b"b", enrolment_ref="e", number=n) for n in range(1, 10)
    ]


def test_a_check_expires_after_three_minutes() -> None:
    t = dt.datetime(2026, 3, 10, 2, tzinfo=dt.UTC)
    assert not rules.check_expired(requested_at=t, now=t + dt.timedelta(seconds=180))
    assert rules.check_expired(requested_at=t, now=t + dt.timedelta(seconds=181))


def test_exam_score() -> None:
    key = {"a": 0, "b": 1, "c": 2, "d": 0}
    assert rules.exam_score(answers={"a": 0, "b": 1, "c": 2, "d": 0}, key=key) == 100
    assert rules.exam_score(answers={"a": 0, "b": 1, "c": 0}, key=key) == 50
    assert rules.exam_score(answers={"x": 1, "a": 1}, key=key) == 0
    assert rules.exam_score(answers={}, key={}) == 0


def _days(start: int, n: int, minutes: int) -> dict[D, int]:
    return {DAY0 + dt.timedelta(days=start + i): minutes for i in range(n)}


def test_full_score_exam_ready_car_driver() -> None:
    """R163 Arts. 18–19: 7 days, at least 5 counted with 2 on-site; over 3 hours a day."""

    def ready(online: dict[D, int], onsite: dict[D, int], today: D, days: int = 7) -> str:
        d = rules.full_score_exam_ready(
            classes=["C1"],
            online_minutes_by_day=online,
            onsite_minutes_by_day=onsite,
            enrolled_on=DAY0,
            study_days_owed=days,
            today=today,
        )
        return "ok" if d.allowed else str(d.code)

    last = DAY0 + dt.timedelta(days=6)
    assert ready(_days(0, 3, 181), _days(3, 2, 181), last) == "ok"
    assert ready(_days(0, 3, 181), _days(3, 2, 181), last - dt.timedelta(days=1)) == (
        "study_period_running"
    )
    assert ready(_days(0, 3, 180), _days(3, 2, 181), last) == "study_incomplete"  # not over 3 h
    assert ready(_days(0, 4, 181), _days(4, 1, 181), last) == "study_incomplete"  # 1 on-site
    # on-site and online on the same date are one day
    assert ready(_days(0, 3, 181), _days(2, 2, 181), last) == "study_incomplete"
    # a second full score: 14 days of period
    assert ready(_days(0, 3, 181), _days(3, 2, 181), last, days=14) == "study_period_running"


def test_full_score_exam_ready_large_class_driver() -> None:
    """A1 A2 A3 B1 B2 drivers: 30 days, at least 10 counted with 5 on-site."""
    day30 = DAY0 + dt.timedelta(days=29)
    d = rules.full_score_exam_ready(
        classes=["B2"],
        online_minutes_by_day=_days(0, 5, 200),
        onsite_minutes_by_day=_days(5, 5, 200),
        enrolled_on=DAY0,
        study_days_owed=30,
        today=day30,
    )
    assert d.allowed and d.facts["counted_days"] == 10
    d = rules.full_score_exam_ready(
        classes=["B2"],
        online_minutes_by_day=_days(0, 6, 200),
        onsite_minutes_by_day=_days(6, 4, 200),
        enrolled_on=DAY0,
        study_days_owed=30,
        today=day30,
    )
    assert d.code == "study_incomplete"


def test_review_education_at_least_three_hours() -> None:
    """R162 Art. 73: at least 3 hours (180 minutes is enough: "不少于")."""
    course = COURSES["review"]
    assert course.minutes == 180
    cites = course.citations
    assert rules.minutes_ready(rule_id="r", minutes=180, required=180, cites=cites).allowed
    assert not rules.minutes_ready(rule_id="r", minutes=179, required=180, cites=cites).allowed


def test_reduction_online_thirty_minutes() -> None:
    """R163 Art. 27: 30 minutes of online study within 3 days, plus a test, for 1 point."""
    assert COURSES["reduction-online"].minutes == 30


def test_retake_waits() -> None:
    failed = D(2026, 3, 16)
    assert not rules.retake_allowed(
        last_failed_on=failed, wait_days=10, today=D(2026, 3, 25)
    ).allowed
    assert rules.retake_allowed(last_failed_on=failed, wait_days=10, today=D(2026, 3, 26)).allowed
    assert rules.retake_allowed(last_failed_on=failed, wait_days=0, today=failed).allowed
    assert rules.retake_allowed(last_failed_on=None, wait_days=10, today=failed).allowed


def test_the_bank_serves_every_course() -> None:
    ids = [q.id for q in QUESTION_BANK]
    assert len(ids) == len(set(ids))
    for q in QUESTION_BANK:
        assert 0 <= q.answer < len(q.options) and q.text_zh and q.text_en
    for course in COURSES.values():
        assert len(bank_for(course.kind)) >= course.questions
        assert 0 < course.pass_mark <= 100
    assert COURSES["full-score"].retake_wait_days == 10
    assert {c.kind for c in COURSES.values()} == set(CourseKind.values)
