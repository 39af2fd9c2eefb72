"""Licence, exam and scoring rules served read-only under /api/v1/rules/ (DESIGN.md: facts in,
decision and citations out, like OpenFisca's web API). Public: nothing here reads or writes
the database; every answer comes from the pure functions of ``licensing.rules`` and
``cases.rules``. Bad input is a 422 problem+json naming the field."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router
from ninja.throttling import AnonRateThrottle

from jiaoguan.cases import rules as case_rules
from jiaoguan.kernel import clock
from jiaoguan.licensing import rules
from jiaoguan.licensing.schemas import (
    AddClassIn,
    AgeCancellationIn,
    AgeDowngradeIn,
    BookingIn,
    BookingPlanIn,
    CancellationIn,
    ContactChangeIn,
    CycleEndIn,
    CycleIn,
    DecisionOut,
    DeferralIn,
    ExamPassIn,
    FailureIn,
    FirstApplicationIn,
    FullScoreExamsIn,
    FullScoreIn,
    LearnerPermitIn,
    LocationChangeIn,
    MedicalIn,
    OffenceIn,
    PointReductionIn,
    PointValueIn,
    ProbationFullScoreIn,
    ProbationIn,
    ReleaseIn,
    RenewalWindowIn,
    RestorationIn,
    ReviewIn,
    RoadTestIn,
    RuleInfoOut,
    StudyDaysIn,
    SuspensionIn,
)


class ClientRateThrottle(AnonRateThrottle):
    """Per client address (``REMOTE_ADDR``, as the share-code throttle of ``platforms``; a
    forwarded-for header is not trusted), counted in the Django cache (Redis in production).
    Over the rate the API answers 429 problem+json."""

    scope = "rules"

    def get_ident(self, request: HttpRequest) -> str:
        return str(request.META.get("REMOTE_ADDR") or "unknown")


#: Requests per client address: generous for people and partners asking "why", a brake on
#: bulk scraping. Pure computation, but every request costs CPU (DESIGN.md, performance).
RULES_RATE = "600/m"
throttle = ClientRateThrottle(RULES_RATE)
router = Router(tags=["rules"], throttle=throttle)


def _on(day: dt.date | None) -> dt.date:
    return day or clock.today()


@router.get(
    "/rules/licensing",
    response=list[RuleInfoOut],
    auth=None,
    summary="The licence, exam and scoring rules: versions, citations and endpoints",
)
def rule_list(request: HttpRequest) -> list[RuleInfoOut]:
    return [
        RuleInfoOut(
            id=r.id,
            versions=list(r.versions),
            citations=list(r.citations),
            section=r.section,
            confidence=r.confidence,
            endpoint=r.endpoint,
            summary=r.summary,
        )
        for r in rules.CATALOGUE
    ]


@router.post(
    "/rules/licence/first-application",
    response=DecisionOut,
    auth=None,
    summary="May a person of this age apply for this class as a first licence?",
)
def first_application(request: HttpRequest, payload: FirstApplicationIn) -> DecisionOut:
    """R162 Arts. 14 and 16 (DOMAIN.md §5.1–5.2); ages by date (MPS order 172 from 2025-01-01)."""
    return DecisionOut.build(
        rules.first_application(
            cls=payload.cls,
            age=payload.age,
            on=_on(payload.on),
            ability_tests_passed=payload.ability_tests_passed,
        )
    )


@router.post(
    "/rules/licence/add-class",
    response=DecisionOut,
    auth=None,
    summary="May this class be added to the licence held (增驾)?",
)
def add_class(request: HttpRequest, payload: AddClassIn) -> DecisionOut:
    """R162 Arts. 14, 16–17 (DOMAIN.md §5.2)."""
    return DecisionOut.build(
        rules.add_class(
            cls=payload.cls,
            held=[rules.HeldClass(h.cls, h.since) for h in payload.held],
            age=payload.age,
            on=_on(payload.on),
            first_issued=payload.first_issued,
            full_score_dates=payload.full_score_dates,
            vocational_student=payload.vocational_student,
            ability_tests_passed=payload.ability_tests_passed,
        )
    )


@router.post(
    "/rules/licence/probation",
    response=DecisionOut,
    auth=None,
    summary="Is the driver in probation, and may they do this activity?",
)
def probation(request: HttpRequest, payload: ProbationIn) -> DecisionOut:
    """R162 Arts. 76–77 (DOMAIN.md §5.3): without `activity`, whether the driver is in
    probation (allowed = in probation); with it, whether the activity is allowed."""
    on = _on(payload.on)
    if payload.activity is None:
        return DecisionOut.build(
            rules.probation(probation_started=payload.probation_started, on=on)
        )
    return DecisionOut.build(
        rules.probation_drive(
            probation_started=payload.probation_started,
            on=on,
            activity=payload.activity,
            companion_years=payload.companion_years,
            original_class=payload.original_class,
        )
    )


@router.post(
    "/rules/licence/probation-full-score",
    response=DecisionOut,
    auth=None,
    summary="Do the points of the probation cancel the probationary class?",
)
def probation_full_score(request: HttpRequest, payload: ProbationFullScoreIn) -> DecisionOut:
    """R162 Art. 80 (DOMAIN.md §5.3). allowed = cancel the class."""
    return DecisionOut.build(
        rules.probation_full_score(
            probation_started=payload.probation_started,
            on=_on(payload.on),
            points_in_probation=payload.points_in_probation,
        )
    )


@router.post(
    "/rules/licence/review",
    response=DecisionOut,
    auth=None,
    summary="Is a review (审验) owed after this cycle, by when, with how many hours of study?",
)
def review(request: HttpRequest, payload: ReviewIn) -> DecisionOut:
    """R162 Arts. 72–74 and 90 (DOMAIN.md §5.4). allowed = a review is owed."""
    return DecisionOut.build(
        rules.review_duty(
            classes=payload.classes,
            age=payload.age,
            points_in_cycle=payload.points_in_cycle,
            cycle_end=payload.cycle_end,
            fatal_accident_responsible=payload.fatal_accident_responsible,
            injury_accident_responsible=payload.injury_accident_responsible,
            school_bus=payload.school_bus,
        )
    )


@router.post(
    "/rules/licence/renewal-window",
    response=DecisionOut,
    auth=None,
    summary="May the licence be renewed on this date?",
)
def renewal_window(request: HttpRequest, payload: RenewalWindowIn) -> DecisionOut:
    """R162 Arts. 63 and 79(8) (DOMAIN.md §5.3); the business engine's rule."""
    return DecisionOut.build(
        case_rules.renewal_window(valid_until=payload.valid_until, today=_on(payload.on))
    )


@router.post(
    "/rules/licence/deferral",
    response=DecisionOut,
    auth=None,
    summary="May renewal, review or the medical certificate be deferred to this date?",
)
def deferral(request: HttpRequest, payload: DeferralIn) -> DecisionOut:
    """R162 Art. 75 (DOMAIN.md §5.3); the business engine's rule."""
    return DecisionOut.build(
        case_rules.deferral(
            matter=payload.matter,
            classes=list(payload.classes),
            age=payload.age,
            valid_until=payload.valid_until,
            today=_on(payload.on),
            until=payload.until,
            reason=payload.reason,
        )
    )


@router.post(
    "/rules/licence/age-downgrade",
    response=DecisionOut,
    auth=None,
    summary="Which classes a driver of this age must give up",
)
def age_downgrade(request: HttpRequest, payload: AgeDowngradeIn) -> DecisionOut:
    """R162 Art. 65 (DOMAIN.md §5.3), 60 or 63 by date; the business engine's rule."""
    return DecisionOut.build(
        case_rules.age_downgrade(
            held=list(payload.held),
            age=payload.age,
            today=_on(payload.on),
            small_class=payload.small_class,
        )
    )


@router.post(
    "/rules/licence/age-cancellation",
    response=DecisionOut,
    auth=None,
    summary="Is a licence with only these classes cancelled at this age?",
)
def age_cancellation(request: HttpRequest, payload: AgeCancellationIn) -> DecisionOut:
    """R162 Art. 79(10) (DOMAIN.md §5.2–5.3), 60 or 63 for M N P by date. allowed = cancel."""
    return DecisionOut.build(
        rules.age_cancellation(classes=payload.classes, age=payload.age, on=_on(payload.on))
    )


@router.post(
    "/rules/licence/medical",
    response=DecisionOut,
    auth=None,
    summary="Does the driver owe a periodic medical certificate, and how often?",
)
def medical(request: HttpRequest, payload: MedicalIn) -> DecisionOut:
    """R162 Art. 74 (DOMAIN.md §5.4); the business engine's rule. allowed = owed."""
    return DecisionOut.build(
        case_rules.medical_owed(classes=list(payload.classes), age=payload.age)
    )


@router.post(
    "/rules/licence/restoration",
    response=DecisionOut,
    auth=None,
    summary="May a licence cancelled for not being renewed be restored by passing subject 1?",
)
def restoration(request: HttpRequest, payload: RestorationIn) -> DecisionOut:
    """R162 Art. 79 para 3 (DOMAIN.md §5.3)."""
    return DecisionOut.build(
        rules.restoration(cancelled_on=payload.cancelled_on, on=_on(payload.on))
    )


@router.post(
    "/rules/licence/contact-change",
    response=DecisionOut,
    auth=None,
    summary="Is a change of phone number or address filed in time?",
)
def contact_change(request: HttpRequest, payload: ContactChangeIn) -> DecisionOut:
    """R162 Art. 81 (DOMAIN.md §5.3)."""
    return DecisionOut.build(
        rules.contact_change(changed_on=payload.changed_on, on=_on(payload.on))
    )


@router.post("/rules/exams/pass", response=DecisionOut, auth=None, summary="Does this score pass?")
def exam_pass(request: HttpRequest, payload: ExamPassIn) -> DecisionOut:
    """R162 Art. 38 (DOMAIN.md §5.5)."""
    return DecisionOut.build(
        rules.exam_pass(
            subject=payload.subject, cls=payload.cls, score=payload.score, part=payload.part
        )
    )


@router.post(
    "/rules/exams/learner-permit",
    response=DecisionOut,
    auth=None,
    summary="Until when the learner permit is valid",
)
def learner_permit(request: HttpRequest, payload: LearnerPermitIn) -> DecisionOut:
    """R162 Art. 41 (DOMAIN.md §5.5): 3 years, not past the upper age of the class."""
    return DecisionOut.build(
        rules.learner_permit(
            cls=payload.cls, issued_on=payload.issued_on, birth_date=payload.birth_date
        )
    )


@router.post(
    "/rules/exams/booking",
    response=DecisionOut,
    auth=None,
    summary="The earliest booking date of a subject, and whether it may be booked now",
)
def exam_booking(request: HttpRequest, payload: BookingIn) -> DecisionOut:
    """R162 Arts. 41, 43–44, 47 (DOMAIN.md §5.5)."""
    return DecisionOut.build(
        rules.exam_booking(
            subject=payload.subject,
            cls=payload.cls,
            permit_issued_on=payload.permit_issued_on,
            birth_date=payload.birth_date,
            exam_date=payload.exam_date,
            on=_on(payload.on),
            bookings_made=payload.bookings_made,
            retake_failed_on=payload.retake_failed_on,
            adding_to_car_licence=payload.adding_to_car_licence,
        )
    )


@router.post(
    "/rules/exams/failure", response=DecisionOut, auth=None, summary="What follows a failed exam"
)
def exam_failure(request: HttpRequest, payload: FailureIn) -> DecisionOut:
    """R162 Art. 47 (DOMAIN.md §5.5). allowed = a free retake is open in this sitting."""
    return DecisionOut.build(
        rules.exam_failure(
            subject=payload.subject,
            failed_on=payload.failed_on,
            was_retake=payload.was_retake,
            booking_number=payload.booking_number,
        )
    )


@router.post(
    "/rules/exams/cancellation",
    response=DecisionOut,
    auth=None,
    summary="May an exam booking still be cancelled (else an absence is a fail)?",
)
def booking_cancellation(request: HttpRequest, payload: CancellationIn) -> DecisionOut:
    """R162 Arts. 46 and 110 (DOMAIN.md §5.5)."""
    return DecisionOut.build(
        rules.booking_cancellation(exam_date=payload.exam_date, on=_on(payload.on))
    )


@router.post(
    "/rules/exams/booking-plan",
    response=DecisionOut,
    auth=None,
    summary="Is an exam day's booking plan published early enough?",
)
def booking_plan(request: HttpRequest, payload: BookingPlanIn) -> DecisionOut:
    """R162 Art. 52 (DOMAIN.md §5.5): at least 10 days before the exam."""
    return DecisionOut.build(
        rules.booking_plan_published(published_on=payload.published_on, exam_date=payload.exam_date)
    )


@router.post(
    "/rules/exams/location-change",
    response=DecisionOut,
    auth=None,
    summary="May the exam place be changed after moving?",
)
def location_change(request: HttpRequest, payload: LocationChangeIn) -> DecisionOut:
    """R162 Art. 39 (DOMAIN.md §5.5)."""
    return DecisionOut.build(
        rules.exam_location_change(cls=payload.cls, changes_made=payload.changes_made)
    )


@router.post(
    "/rules/exams/road-test-distance",
    response=DecisionOut,
    auth=None,
    summary="Is a road test route long enough for this class?",
)
def road_test_distance(request: HttpRequest, payload: RoadTestIn) -> DecisionOut:
    """R162 Art. 34 (DOMAIN.md §5.5)."""
    return DecisionOut.build(
        rules.road_test_distance(
            cls=payload.cls, first_application=payload.first_application, km=payload.km
        )
    )


@router.post(
    "/rules/scoring/cycle",
    response=DecisionOut,
    auth=None,
    summary="The scoring cycle (start and last day) containing a date",
)
def scoring_cycle(request: HttpRequest, payload: CycleIn) -> DecisionOut:
    """R163 Art. 3 (DOMAIN.md §5.7)."""
    return DecisionOut.build(
        rules.scoring_cycle(first_issued=payload.first_issued, on=_on(payload.on))
    )


@router.post(
    "/rules/scoring/point-value",
    response=DecisionOut,
    auth=None,
    summary="Is this a value one violation can carry?",
)
def point_value(request: HttpRequest, payload: PointValueIn) -> DecisionOut:
    """R163 Art. 7 (DOMAIN.md §5.7): 12, 9, 6, 3 or 1."""
    return DecisionOut.build(rules.point_value(points=payload.points))


@router.post(
    "/rules/scoring/offence",
    response=DecisionOut,
    auth=None,
    summary="Is this violation one of those that carry 12 points at once?",
)
def offence(request: HttpRequest, payload: OffenceIn) -> DecisionOut:
    """R163 Art. 8 (DOMAIN.md §5.7)."""
    return DecisionOut.build(rules.offence_points(offence=payload.offence))


@router.post(
    "/rules/scoring/cycle-end",
    response=DecisionOut,
    auth=None,
    summary="End of a cycle: points cleared, and those carried over for unpaid fines",
)
def cycle_end(request: HttpRequest, payload: CycleEndIn) -> DecisionOut:
    """R163 Arts. 7 and 15 (DOMAIN.md §5.7)."""
    return DecisionOut.build(
        rules.cycle_end_clearing(
            records=[rules.PointRecord(r.points, r.fine_unpaid) for r in payload.records]
        )
    )


@router.post(
    "/rules/scoring/full-score-study",
    response=DecisionOut,
    auth=None,
    summary="Days of full-score study owed, and the minimum on-site and online days",
)
def full_score_study(request: HttpRequest, payload: FullScoreIn) -> DecisionOut:
    """R163 Arts. 18–19 (DOMAIN.md §5.7)."""
    return DecisionOut.build(
        rules.full_score_study_days(
            classes=payload.classes,
            full_scores_in_cycle=payload.full_scores_in_cycle,
            points_in_cycle=payload.points_in_cycle,
        )
    )


@router.post(
    "/rules/scoring/study-days",
    response=DecisionOut,
    auth=None,
    summary="Counted full-score study days, and whether the minimum is reached",
)
def study_days(request: HttpRequest, payload: StudyDaysIn) -> DecisionOut:
    """R163 Art. 19 (DOMAIN.md §5.7)."""
    return DecisionOut.build(
        rules.study_days(
            classes=payload.classes,
            sessions=[rules.StudySession(s.day, s.mode, s.minutes) for s in payload.sessions],
        )
    )


@router.post(
    "/rules/scoring/full-score-exams",
    response=DecisionOut,
    auth=None,
    summary="The exams a driver takes after full-score study",
)
def full_score_exams(request: HttpRequest, payload: FullScoreExamsIn) -> DecisionOut:
    """R163 Arts. 20–22 (DOMAIN.md §5.7)."""
    return DecisionOut.build(
        rules.full_score_exams(
            full_scores_in_cycle=payload.full_scores_in_cycle,
            points_in_cycle=payload.points_in_cycle,
        )
    )


@router.post(
    "/rules/scoring/full-score-release",
    response=DecisionOut,
    auth=None,
    summary="May the points be cleared and the licence returned?",
)
def full_score_release(request: HttpRequest, payload: ReleaseIn) -> DecisionOut:
    """R163 Art. 23 (DOMAIN.md §5.7)."""
    return DecisionOut.build(
        rules.full_score_release(
            exams_passed=payload.exams_passed, fines_unpaid=payload.fines_unpaid
        )
    )


@router.post(
    "/rules/scoring/full-score-suspension",
    response=DecisionOut,
    auth=None,
    summary="Is the licence suspended for not attending full-score study?",
)
def full_score_suspension(request: HttpRequest, payload: SuspensionIn) -> DecisionOut:
    """R163 Arts. 29 and 36 (DOMAIN.md §5.7). allowed = suspend."""
    return DecisionOut.build(
        rules.full_score_suspension(
            notice_served_on=payload.notice_served_on,
            on=_on(payload.on),
            attended=payload.attended,
        )
    )


@router.post(
    "/rules/scoring/point-reduction",
    response=DecisionOut,
    auth=None,
    summary="May points be reduced by study (学法减分), and by how many?",
)
def point_reduction(request: HttpRequest, payload: PointReductionIn) -> DecisionOut:
    """R163 Arts. 25–27 (DOMAIN.md §5.7)."""
    return DecisionOut.build(
        rules.point_reduction(
            activity=payload.activity,
            minutes=payload.minutes,
            test_passed=payload.test_passed,
            points_now=payload.points_now,
            reduced_this_cycle=payload.reduced_this_cycle,
            violations_open=payload.violations_open,
            full_score_educations_recent=payload.full_score_educations_recent,
            offences_last_3_cycles=payload.offences_last_3_cycles,
            in_probation=payload.in_probation,
            review_overdue=payload.review_overdue,
            licence_detained=payload.licence_detained,
            vehicle_overdue=payload.vehicle_overdue,
            fraud_last_3_cycles=payload.fraud_last_3_cycles,
        )
    )
