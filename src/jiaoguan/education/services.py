"""Every write of online safety education (DESIGN.md, "Where things go"). Each public function
is one transaction with its audit rows; an enrolment's state moves only through
:func:`enrolment_transition` and the table in ``workflow.py``.

* :func:`enrolment_open` checks the duty or eligibility of the course's kind: an open
  full-score duty (R163 Art. 17), a review owed with 审验教育 after the last cycle (R162 Arts.
  72–73), or 学法减分 eligibility (R163 Arts. 25–26);
* :func:`study_heartbeat` measures study time (``rules.beat_credit``) and asks identity checks
  at random moments; :func:`face_check_submit` answers one through the face-check port;
* :func:`exam_start` / :func:`exam_submit` run the exam closing the course, scored here;
* a passed exam feeds the rules: the full-score duty is completed and the licence returned
  through ``violations.services.education_duty_complete`` (R163 Art. 23), the review education
  is recorded, the points are reduced through ``violations.services.points_reduce``.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from jiaoguan.accounts.constants import AccountKind
from jiaoguan.accounts.ports import get_port
from jiaoguan.accounts.principal import Principal
from jiaoguan.audit.services import Actor, audit_record
from jiaoguan.cases.rules import Decision
from jiaoguan.education import rules, workflow
from jiaoguan.education.catalogue import COURSES, QUESTIONS, REDUCTION_WINDOW_DAYS, Course, bank_for
from jiaoguan.education.constants import CheckState, CourseKind, EnrolmentState
from jiaoguan.education.models import (
    Enrolment,
    EnrolmentEvent,
    ExamAttempt,
    FaceCheck,
    OnsiteSession,
    StudyBeat,
)
from jiaoguan.kernel import clock
from jiaoguan.kernel.errors import Conflict, DomainError, Forbidden, NotFound
from jiaoguan.licensing.rules import (
    REDUCTION_BARRING_OFFENCES,
    cycle_bounds,
    full_score_exams,
    point_reduction,
    probation,
    review_duty,
)
from jiaoguan.registry.models import DrivingLicence, Person, Vehicle
from jiaoguan.violations import services as violations
from jiaoguan.violations.constants import DutyState, EntryState
from jiaoguan.violations.constants import State as ViolationState
from jiaoguan.violations.models import EducationDuty, PointCycle, Violation

OBJECT_TYPE = "enrolment"
ONSITE_PERMISSION = "education.record_onsite"
#: R163 Art. 8 kinds named differently in Art. 26(2)'s list.
_BARRING_KIND = {"taking_points_for_money": "point_trading"}
MAX_IMAGE_BYTES = 40 * 1024


def heartbeat_interval() -> int:
    return int(getattr(settings, "EDUCATION_HEARTBEAT_SECONDS", 60))


def _refuse(decision: Decision, field: str = "") -> DomainError:
    return DomainError(
        decision.code or "refused",
        _(decision.message),
        field=field or None,
        citation=decision.citations[0] if decision.citations else "",
    )


def _course(code: str) -> Course:
    course = COURSES.get(code)
    if course is None:
        raise DomainError("invalid_course", _("Choose a course from the list"), field="course")
    return course


def _person_of(principal: Principal) -> Person:
    person_id = getattr(principal, "person_id", None)
    if getattr(principal, "kind", "") != AccountKind.CITIZEN or not person_id:
        raise Forbidden("citizens_only", _("Only the learner can do this"))
    return Person.objects.get(pk=person_id)


def _licence_of(person: Person) -> DrivingLicence:
    licence = DrivingLicence.objects.filter(person=person).first()
    if licence is None:
        raise DomainError("no_licence", _("You hold no driving licence on record"))
    return licence


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _cycle_index(licence: DrivingLicence, on: dt.date) -> int:
    return cycle_bounds(licence.first_issue_date, on)[0]


def _cycle_points(licence: DrivingLicence, index: int) -> int:
    cycle = PointCycle.objects.filter(licence=licence, index=index).first()
    if cycle is None:
        return 0
    if cycle.closed_at is not None:
        return cycle.total
    qs = cycle.entries.exclude(state=EntryState.VOID)
    return int(qs.aggregate(t=Sum("points"))["t"] or 0) + cycle.opening_points


def reduction_decision(
    licence: DrivingLicence, *, minutes: int, test_passed: bool, today: dt.date
) -> Decision:
    """R163 Arts. 25–27 through ``licensing.rules.point_reduction`` with the licence's facts.
    A review overdue is not known here (no review records yet): taken as not overdue."""
    index = _cycle_index(licence, today)
    cycle = PointCycle.objects.filter(licence=licence, index=index).first()
    open_states = (
        ViolationState.RECORDED,
        ViolationState.CONTESTED,
        ViolationState.DRIVER_CONFIRMED,
    )
    offences = (
        Violation.objects.filter(
            licence=licence,
            point_entries__cycle__index__gte=index - 2,
            twelve_point_offence__gt="",
        )
        .exclude(state=ViolationState.VOID)
        .values_list("twelve_point_offence", flat=True)
    )
    barring = sorted({_BARRING_KIND.get(o, o) for o in offences} & set(REDUCTION_BARRING_OFFENCES))
    # the start of the cycle two before the current one: "the last 3 cycles" (Art. 26)
    since = cycle_bounds(licence.first_issue_date, today)[1]
    for _back in range(min(index, 2)):
        since = cycle_bounds(licence.first_issue_date, since - dt.timedelta(days=1))[1]
    fraud_since = dt.datetime.combine(since, dt.time(), clock.SHANGHAI)
    return point_reduction(
        activity="online",
        minutes=minutes,
        test_passed=test_passed,
        points_now=licence.points,
        reduced_this_cycle=violations.points_reduced_in(cycle) if cycle else 0,
        violations_open=Violation.objects.filter(licence=licence, state__in=open_states).exists(),
        full_score_educations_recent=EducationDuty.objects.filter(
            licence=licence, cycle__index__gte=index - 1
        )
        .exclude(state=DutyState.CANCELLED)
        .count(),
        offences_last_3_cycles=barring,
        in_probation=probation(probation_started=licence.first_issue_date, on=today).allowed,
        licence_detained=licence.status == "suspended",
        vehicle_overdue=Vehicle.objects.filter(
            owner_person=licence.person, inspection_valid_until__lt=today
        )
        .exclude(status="deregistered")
        .exists(),
        fraud_last_3_cycles=Enrolment.objects.filter(
            person=licence.person, state=EnrolmentState.VOID, enrolled_at__gte=fraud_since
        ).exists(),
    )


def _review_decision(licence: DrivingLicence, today: dt.date) -> tuple[Decision, int]:
    """Whether 审验教育 is owed after the licence's last ended cycle (R162 Arts. 72–73)."""
    current, start, _end = cycle_bounds(licence.first_issue_date, today)
    index = current - 1
    cycle_end = start - dt.timedelta(days=1)
    decision = review_duty(
        classes=licence.class_list,
        age=_age(licence.person.birth_date, today),
        points_in_cycle=_cycle_points(licence, index) if index >= 0 else 0,
        cycle_end=cycle_end,
    )
    return decision, index


def _eligibility(course: Course, licence: DrivingLicence, today: dt.date) -> dict[str, Any]:
    if course.kind == CourseKind.FULL_SCORE:
        duty = EducationDuty.objects.filter(licence=licence, state=DutyState.OPEN).first()
        if duty is None:
            raise DomainError(
                "no_duty",
                _("Full-score education is for a licence with an open full-score duty"),
                citation="R163 Art. 17",
            )
        return {"duty": duty, "rule": duty.rule}
    if course.kind == CourseKind.REVIEW:
        decision, index = _review_decision(licence, today)
        if not decision.allowed:
            raise _refuse(decision)
        if not decision.facts.get("education_hours"):
            raise DomainError(
                "no_review_education",
                _("The review after this cycle asks for no review education"),
                citation="R162 Art. 73",
            )
        return {"cycle_index": index, "rule": decision.rule}
    decision = reduction_decision(licence, minutes=course.minutes, test_passed=True, today=today)
    if not decision.allowed:
        raise _refuse(decision)
    return {"cycle_index": _cycle_index(licence, today), "rule": decision.rule}


def _history(
    enrolment: Enrolment, actor: Actor, command: str, before: str, reason: str = ""
) -> None:
    EnrolmentEvent.objects.create(
        enrolment=enrolment,
        command=command,
        from_state=before,
        to_state=enrolment.state,
        actor_ref=actor.ref,
        actor_label=actor.label,
        reason=reason[:500],
        at=clock.now(),
    )


def _audit(
    actor: Actor,
    action: str,
    enrolment: Enrolment,
    *,
    before: Any = None,
    after: Any = None,
    reason: str = "",
) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type=OBJECT_TYPE,
        object_ref=str(enrolment.public_id),
        before=before,
        after=after,
        reason=reason,
        subject_person_ref=str(enrolment.person.public_id),
    )


def _first_check(enrolment: Enrolment) -> int:
    return rules.check_after(
        key=settings.SECRET_KEY.encode(), enrolment_ref=str(enrolment.public_id), number=1
    )


@transaction.atomic
def enrolment_open(*, actor: Actor, principal: Principal, course: str) -> Enrolment:
    """A driver enrols in a course after its duty or eligibility is checked."""
    c = _course(course)
    person = _person_of(principal)
    licence = (
        DrivingLicence.objects.select_for_update()
        .select_related("person")
        .get(pk=_licence_of(person).pk)
    )
    today = clock.today()
    facts = _eligibility(c, licence, today)
    if Enrolment.objects.filter(
        person=person, course=c.code, state__in=(EnrolmentState.STUDYING, EnrolmentState.PASSED)
    ).exists():
        raise Conflict("already_enrolled", _("You are already enrolled in this course"))
    enrolment = Enrolment(
        person=person,
        licence=licence,
        course=c.code,
        kind=c.kind,
        duty=facts.get("duty"),
        cycle_index=facts.get("cycle_index"),
        enrolled_at=clock.now(),
        enrolled_on=today,
        rule=facts["rule"],
    )
    enrolment.next_check_at = _first_check(enrolment)
    enrolment.save()
    _history(enrolment, actor, "enrol", "")
    _audit(
        actor,
        "education.enrol",
        enrolment,
        after={"course": c.code, "kind": c.kind, "rule": enrolment.rule},
    )
    return enrolment


def enrolment_transition(
    *, actor: Actor, enrolment: Enrolment, command: str, reason: str = "", **changes: Any
) -> Enrolment:
    """Move a (locked) enrolment by a named command of ``workflow.TRANSITIONS``."""
    transition = workflow.TRANSITIONS.get(command)
    if transition is None or not workflow.allowed(command, enrolment.state):
        raise Conflict("invalid_state", _("This step is not possible in the current state"))
    if transition.reason_required and not reason.strip():
        raise DomainError("reason_required", _("Give the reason"), field="reason")
    before = enrolment.state
    enrolment.state = transition.target
    for name, value in changes.items():
        setattr(enrolment, name, value)
    enrolment.version += 1
    enrolment.save()
    _history(enrolment, actor, command, before, reason)
    _audit(
        actor,
        f"education.{command}",
        enrolment,
        before={"state": before},
        after={
            "state": enrolment.state,
            **({"result": enrolment.result} if enrolment.result else {}),
        },
        reason=reason,
    )
    return enrolment


def _locked(enrolment: Enrolment) -> Enrolment:
    return Enrolment.objects.select_for_update().select_related("person").get(pk=enrolment.pk)


def _own(principal: Principal, enrolment: Enrolment) -> None:
    if getattr(principal, "person_id", None) != enrolment.person_id:
        raise NotFound("not_found", _("Enrolment not found"))


def _void_since_pass(enrolment: Enrolment, check: FaceCheck, now: dt.datetime) -> int:
    """Void every counted beat since the last passed check (or the start): returns seconds."""
    last = enrolment.face_checks.filter(state=CheckState.PASSED).order_by("-answered_at").first()
    beats = enrolment.beats.filter(voided_at__isnull=True, seconds__gt=0)
    if last is not None and last.answered_at is not None:
        beats = beats.filter(at__gt=last.answered_at)
    seconds = int(beats.aggregate(t=Sum("seconds"))["t"] or 0)
    beats.update(voided_at=now, void_check=check)
    enrolment.counted_seconds = max(enrolment.counted_seconds - seconds, 0)
    return seconds


def _schedule_next(enrolment: Enrolment) -> None:
    enrolment.next_check_at = enrolment.counted_seconds + rules.check_after(
        key=settings.SECRET_KEY.encode(),
        enrolment_ref=str(enrolment.public_id),
        number=enrolment.checks + 1,
    )


def _close_check(
    actor: Actor, enrolment: Enrolment, check: FaceCheck, state: str, **fields: Any
) -> None:
    now = clock.now()
    check.state, check.answered_at = state, now
    for name, value in fields.items():
        setattr(check, name, value)
    check.save()
    voided = 0
    if state != CheckState.PASSED:
        voided = _void_since_pass(enrolment, check, now)
    _schedule_next(enrolment)
    enrolment.save(update_fields=["counted_seconds", "next_check_at"])
    _audit(
        actor,
        f"education.check_{state}",
        enrolment,
        after={
            "check": check.number,
            "score": check.score,
            "reason": check.reason,
            "voided_seconds": voided,
        },
        reason="R162 Art. 100" if voided else "",
    )


def _expire_check(actor: Actor, enrolment: Enrolment) -> FaceCheck | None:
    """The pending check, after marking it missed when its time ran out (None then)."""
    check = enrolment.face_checks.filter(state=CheckState.PENDING).first()
    if check is None:
        return None
    if rules.check_expired(requested_at=check.requested_at, now=clock.now()):
        _close_check(actor, enrolment, check, CheckState.MISSED, reason="timeout")
        return None
    return check


@transaction.atomic
def study_heartbeat(
    *, actor: Actor, principal: Principal, enrolment: Enrolment, tab: str, active: bool
) -> dict[str, Any]:
    """One heartbeat of a course page (``rules.beat_credit``): credits the time since the
    learner's previous heartbeat in any tab or course, asks an identity check when the counted
    time reaches the next random moment. Returns the progress the page shows."""
    _own(principal, enrolment)
    # all the learner's open enrolments, locked in one order: parallel tabs queue here
    mine = list(
        Enrolment.objects.select_for_update()
        .filter(person_id=enrolment.person_id, state=EnrolmentState.STUDYING)
        .order_by("pk")
    )
    current = next((e for e in mine if e.pk == enrolment.pk), None)
    if current is None:
        raise Conflict("not_studying", _("This course is not open for study"))
    current.person = enrolment.person
    now = clock.now()
    check = _expire_check(actor, current)
    last = max((e.last_beat_at for e in mine if e.last_beat_at), default=None)
    gap = (now - last).total_seconds() if last else None
    seconds, status = rules.beat_credit(
        gap_seconds=gap,
        active=active,
        interval=heartbeat_interval(),
        check_pending=check is not None,
    )
    StudyBeat.objects.create(
        enrolment=current,
        at=now,
        day=now.astimezone(clock.SHANGHAI).date(),
        tab=tab[:32],
        active=active,
        gap_seconds=None if gap is None else max(int(gap), 0),
        seconds=seconds,
        status=status,
    )
    current.last_beat_at = now
    current.counted_seconds += seconds
    if check is None and current.counted_seconds >= current.next_check_at:
        current.checks += 1
        check = FaceCheck.objects.create(enrolment=current, number=current.checks, requested_at=now)
        audit_record(
            actor=actor,
            action="education.check_request",
            object_type=OBJECT_TYPE,
            object_ref=str(current.public_id),
            after={"check": check.number, "at_seconds": current.counted_seconds},
            subject_person_ref=str(enrolment.person.public_id),
        )
    current.save(update_fields=["last_beat_at", "counted_seconds", "checks"])
    return {
        "status": status,
        "credited": seconds,
        "counted_seconds": current.counted_seconds,
        "today_seconds": day_seconds(current, now.astimezone(clock.SHANGHAI).date()),
        "check": str(check.public_id) if check else None,
    }


def day_seconds(enrolment: Enrolment, day: dt.date) -> int:
    qs = enrolment.beats.filter(day=day, voided_at__isnull=True)
    return int(qs.aggregate(t=Sum("seconds"))["t"] or 0)


def face_check_submit(
    *, actor: Actor, principal: Principal, check: FaceCheck, image: bytes
) -> FaceCheck:
    """The learner answers an identity check with a photo: the face-check service compares it
    with the reference photo of their ID number (outside the transaction: no lock held while
    the partner answers); a mismatch voids the time since the last passed check."""
    enrolment = check.enrolment
    _own(principal, enrolment)
    if not image or len(image) > MAX_IMAGE_BYTES:
        raise DomainError("invalid_image", _("Send a photo of at most 40 KB"), field="image")
    if check.state != CheckState.PENDING:
        raise Conflict("check_closed", _("This identity check is already closed"))
    verdict = get_port("facecheck").verify(
        id_number=enrolment.person.id_number, image=image, reference=str(check.public_id)
    )
    with transaction.atomic():
        locked = _locked(enrolment)
        current = FaceCheck.objects.select_for_update().get(pk=check.pk)
        if current.state != CheckState.PENDING:
            raise Conflict("check_closed", _("This identity check is already closed"))
        if rules.check_expired(requested_at=current.requested_at, now=clock.now()):
            _close_check(actor, locked, current, CheckState.MISSED, reason="timeout")
        else:
            _close_check(
                actor,
                locked,
                current,
                CheckState.PASSED if verdict.match else CheckState.FAILED,
                score=verdict.score,
                partner_ref=verdict.check_id,
                reason=verdict.reason,
            )
        return current


@transaction.atomic
def onsite_session_record(
    *,
    actor: Actor,
    principal: Principal,
    enrolment: Enrolment,
    day: dt.date,
    minutes: int,
    place: str,
) -> OnsiteSession:
    """The education office records one continuous on-site session (R163 Art. 19)."""
    from jiaoguan.education.selectors import enrolments_for

    if not principal.has_perm(ONSITE_PERMISSION):
        raise Forbidden("forbidden", _("You may not record on-site sessions"))
    if not enrolments_for(principal).filter(pk=enrolment.pk).exists():
        raise NotFound("not_found", _("Enrolment not found"))
    locked = _locked(enrolment)
    if locked.state != EnrolmentState.STUDYING or locked.kind != CourseKind.FULL_SCORE:
        raise Conflict("not_studying", _("This course is not open for study"))
    if not 1 <= minutes <= 12 * 60:
        raise DomainError("invalid_minutes", _("Enter the minutes of the session"), field="minutes")
    if not locked.enrolled_on <= day <= clock.today():
        raise DomainError(
            "invalid_day", _("The day must fall between enrolment and today"), field="day"
        )
    place = place.strip()[:120]
    if not place:
        raise DomainError("invalid_place", _("Enter where the session was held"), field="place")
    session = OnsiteSession.objects.create(
        enrolment=locked,
        day=day,
        minutes=minutes,
        place=place,
        recorded_by_ref=actor.ref,
        recorded_by_label=actor.label,
        recorded_at=clock.now(),
    )
    _audit(
        actor,
        "education.onsite_record",
        locked,
        after={"day": day.isoformat(), "minutes": minutes, "place": place},
    )
    return session


def minutes_by_day(enrolment: Enrolment) -> dict[dt.date, int]:
    rows = (
        enrolment.beats.filter(voided_at__isnull=True)
        .values("day")
        .annotate(total=Sum("seconds"))
        .order_by("day")
    )
    return {r["day"]: int(r["total"] or 0) // 60 for r in rows}


def onsite_by_day(enrolment: Enrolment) -> dict[dt.date, int]:
    """The longest continuous session of each day (a day counts by one session, Art. 19)."""
    out: dict[dt.date, int] = {}
    for s in enrolment.onsite.all():
        out[s.day] = max(out.get(s.day, 0), s.minutes)
    return out


def study_readiness(
    enrolment: Enrolment,
    today: dt.date | None = None,
    *,
    by_day: dict[dt.date, int] | None = None,
    onsite: dict[dt.date, int] | None = None,
) -> Decision:
    """Whether the study asked by the course is done (so the exam may be taken). ``by_day``
    and ``onsite``: :func:`minutes_by_day` and :func:`onsite_by_day` when the caller read them
    already (a list page reads them for all its rows at once)."""
    today = today or clock.today()
    course = COURSES[enrolment.course]
    if by_day is None:
        by_day = minutes_by_day(enrolment)
    if enrolment.kind == CourseKind.FULL_SCORE:
        duty = enrolment.duty
        return rules.full_score_exam_ready(
            classes=enrolment.licence.class_list,
            online_minutes_by_day=by_day,
            onsite_minutes_by_day=onsite if onsite is not None else onsite_by_day(enrolment),
            enrolled_on=enrolment.enrolled_on,
            study_days_owed=duty.study_days if duty else 0,
            today=today,
        )
    if enrolment.kind == CourseKind.REDUCTION:
        last = enrolment.enrolled_on + dt.timedelta(days=REDUCTION_WINDOW_DAYS - 1)
        minutes = sum(m for d, m in by_day.items() if d <= last)
        return rules.minutes_ready(
            rule_id="education.reduction_study",
            minutes=minutes,
            required=course.minutes,
            cites=course.citations,
        )
    return rules.minutes_ready(
        rule_id="education.review_study",
        minutes=sum(by_day.values()),
        required=course.minutes,
        cites=course.citations,
    )


@transaction.atomic
def exam_start(*, actor: Actor, principal: Principal, enrolment: Enrolment) -> ExamAttempt:
    """Draw the exam's questions from the bank once the study is done (an attempt already
    open is returned again, with the same questions)."""
    _own(principal, enrolment)
    locked = _locked(enrolment)
    if locked.state != EnrolmentState.STUDYING:
        raise Conflict("not_studying", _("This course is not open for study"))
    open_attempt = locked.exams.filter(submitted_at__isnull=True).first()
    if open_attempt is not None:
        return open_attempt
    ready = study_readiness(locked)
    if not ready.allowed:
        raise _refuse(ready)
    course = COURSES[locked.course]
    failed = locked.exams.filter(passed=False).order_by("-submitted_at").first()
    retake = rules.retake_allowed(
        last_failed_on=failed.submitted_at.astimezone(clock.SHANGHAI).date()
        if failed and failed.submitted_at
        else None,
        wait_days=course.retake_wait_days,
        today=clock.today(),
    )
    if not retake.allowed:
        raise _refuse(retake)
    bank = bank_for(locked.kind)
    drawn = secrets.SystemRandom().sample(bank, min(course.questions, len(bank)))
    attempt = ExamAttempt.objects.create(
        enrolment=locked,
        questions=[q.id for q in drawn],
        started_at=clock.now(),
        pass_mark=course.pass_mark,
        rule=ready.rule,
    )
    _audit(
        actor,
        "education.exam_start",
        locked,
        after={"exam": str(attempt.public_id), "questions": attempt.questions, "rule": ready.rule},
    )
    return attempt


def _complete(actor: Actor, enrolment: Enrolment) -> Enrolment:
    """Feed a passed course to the rules; the enrolment completes when its effect is applied
    (a full-score duty with fines unpaid, or with road tests still owed, waits)."""
    if enrolment.kind == CourseKind.FULL_SCORE:
        duty = enrolment.duty
        assert duty is not None
        exams = full_score_exams(
            full_scores_in_cycle=duty.full_scores_in_cycle, points_in_cycle=duty.points_in_cycle
        )
        owed = [e for e in exams.facts.get("exams", []) if e != "law"]  # type: ignore[attr-defined]
        if owed:
            enrolment.result = {"waiting": "exams", "exams": owed, "rule": exams.rule}
            enrolment.save(update_fields=["result"])
            return enrolment
        try:
            violations.education_duty_complete(
                actor=actor, duty=duty, exams_passed=True, source_ref=str(enrolment.public_id)
            )
        except DomainError as exc:
            enrolment.result = {"waiting": exc.code, "rule": exams.rule}
            enrolment.save(update_fields=["result"])
            return enrolment
        result: dict[str, Any] = {"duty": str(duty.public_id), "licence": "returned"}
    elif enrolment.kind == CourseKind.REDUCTION:
        licence = DrivingLicence.objects.select_related("person").get(pk=enrolment.licence_id)
        minutes = sum(minutes_by_day(enrolment).values())
        decision = reduction_decision(
            licence, minutes=minutes, test_passed=True, today=clock.today()
        )
        if not decision.allowed:
            enrolment.result = {"refused": decision.code, "rule": decision.rule}
            enrolment.save(update_fields=["result"])
            return enrolment
        off = int(str(decision.facts["points_off"]))
        violations.points_reduce(
            actor=actor,
            licence=licence,
            points=off,
            activity="online",
            source_ref=str(enrolment.public_id),
            rule=decision.rule,
        )
        result = {"points_off": off, "rule": decision.rule}
    else:
        result = {
            "review_education_hours": COURSES[enrolment.course].minutes // 60,
            "cycle": (enrolment.cycle_index or 0) + 1,
            "rule": enrolment.rule,
        }
    return enrolment_transition(
        actor=actor,
        enrolment=enrolment,
        command="complete",
        result=result,
        completed_at=clock.now(),
    )


@transaction.atomic
def exam_submit(
    *, actor: Actor, principal: Principal, attempt: ExamAttempt, answers: Mapping[str, int]
) -> ExamAttempt:
    """Score an exam on the server; a pass moves the enrolment on and feeds the rules."""
    _own(principal, attempt.enrolment)
    locked = _locked(attempt.enrolment)
    attempt = ExamAttempt.objects.select_for_update().get(pk=attempt.pk)
    if attempt.submitted_at is not None:
        raise Conflict("exam_closed", _("This exam has already been submitted"))
    key = {qid: QUESTIONS[qid].answer for qid in attempt.questions if qid in QUESTIONS}
    clean = {str(k)[:8]: int(v) for k, v in answers.items() if str(k) in key}
    score = rules.exam_score(answers=clean, key=key)
    attempt.answers, attempt.score = clean, score
    attempt.passed, attempt.submitted_at = score >= attempt.pass_mark, clock.now()
    attempt.save()
    _audit(
        actor,
        "education.exam_submit",
        locked,
        after={
            "exam": str(attempt.public_id),
            "score": score,
            "pass_mark": attempt.pass_mark,
            "passed": attempt.passed,
        },
    )
    if attempt.passed:
        enrolment_transition(actor=actor, enrolment=locked, command="pass_exam")
        _complete(actor, locked)
    return attempt


@transaction.atomic
def enrolment_release(*, actor: Actor, principal: Principal, enrolment: Enrolment) -> Enrolment:
    """Try again to feed a passed course to the rules (after the fines are paid)."""
    _own(principal, enrolment)
    locked = _locked(enrolment)
    if locked.state != EnrolmentState.PASSED:
        raise Conflict("invalid_state", _("This step is not possible in the current state"))
    done = _complete(actor, locked)
    if done.state != EnrolmentState.COMPLETED:
        raise DomainError(
            str(done.result.get("waiting") or done.result.get("refused") or "waiting"),
            _("The licence cannot be returned yet: pay every fine and pass every exam owed"),
            citation="R163 Art. 23",
        )
    return done


@transaction.atomic
def enrolment_withdraw(*, actor: Actor, principal: Principal, enrolment: Enrolment) -> Enrolment:
    _own(principal, enrolment)
    return enrolment_transition(actor=actor, enrolment=_locked(enrolment), command="withdraw")


@transaction.atomic
def enrolment_void(
    *, actor: Actor, principal: Principal, enrolment: Enrolment, reason: str
) -> Enrolment:
    """Staff void an enrolment found to be cheated (R162 Art. 100, R163 Art. 31): its time no
    longer counts and it bars 学法减分 for three cycles (R163 Art. 26)."""
    from jiaoguan.education.selectors import enrolments_for

    if not principal.has_perm(workflow.VOID_PERMISSION):
        raise Forbidden("forbidden", _("You may not void enrolments"))
    if not enrolments_for(principal).filter(pk=enrolment.pk).exists():
        raise NotFound("not_found", _("Enrolment not found"))
    return enrolment_transition(
        actor=actor, enrolment=_locked(enrolment), command="void", reason=reason
    )
