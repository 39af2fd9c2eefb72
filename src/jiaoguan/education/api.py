"""Online safety education: the course list, enrolment, heartbeats, identity checks and
exams for the learner (session); progress, on-site sessions and voiding for staff holding
``education.view_progress`` / ``education.record_onsite`` in their region."""

from __future__ import annotations

import base64
import binascii

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from jiaoguan.api.auth import actor, principal, session_auth
from jiaoguan.api.pagination import Page, keyset
from jiaoguan.education import selectors, services
from jiaoguan.education.catalogue import COURSES
from jiaoguan.education.schemas import (
    AnswersIn,
    CheckIn,
    CheckOut,
    CourseOut,
    EnrolIn,
    EnrolmentOut,
    ExamOut,
    HeartbeatIn,
    HeartbeatOut,
    OnsiteIn,
    ReasonIn,
)
from jiaoguan.kernel.errors import DomainError

router = Router(tags=["education"])


def _out(request: HttpRequest, e: object) -> EnrolmentOut:
    enrolment = selectors.enrolment_get(principal(request), e.public_id)  # type: ignore[attr-defined]
    return EnrolmentOut.build(enrolment, selectors.progress(enrolment))


@router.get("/education/courses", response=list[CourseOut], auth=None, summary="The courses")
def course_list(request: HttpRequest) -> list[CourseOut]:
    return [CourseOut.build(c) for c in COURSES.values()]


@router.get(
    "/education/enrolments",
    response=Page[EnrolmentOut],
    auth=session_auth,
    summary="Enrolments the caller may see (own, or learners in the staff member's region)",
)
def enrolment_list(
    request: HttpRequest, cursor: str | None = None, limit: int = 20
) -> dict[str, object]:
    who = principal(request)
    rows, nxt = keyset(selectors.enrolments_for(who), cursor=cursor, limit=limit)
    selectors.log_reads(who, actor(request), rows, purpose="education progress")
    return {
        "items": [
            EnrolmentOut.build(e, p)
            for e, p in zip(rows, selectors.progress_many(list(rows)), strict=True)
        ],
        "next_cursor": nxt,
    }


@router.post(
    "/education/enrolments",
    response={201: EnrolmentOut},
    auth=session_auth,
    summary="Enrol in a course (the duty or eligibility is checked)",
)
def enrolment_create(request: HttpRequest, payload: EnrolIn) -> Status[EnrolmentOut]:
    e = services.enrolment_open(
        actor=actor(request), principal=principal(request), course=payload.course
    )
    return Status(201, _out(request, e))


@router.get("/education/enrolments/{enrolment_id}", response=EnrolmentOut, auth=session_auth)
def enrolment_detail(request: HttpRequest, enrolment_id: str) -> EnrolmentOut:
    who = principal(request)
    e = selectors.enrolment_get(who, enrolment_id)
    selectors.log_reads(who, actor(request), [e], purpose="education progress")
    return EnrolmentOut.build(e, selectors.progress(e))


@router.post(
    "/education/enrolments/{enrolment_id}/heartbeat",
    response=HeartbeatOut,
    auth=session_auth,
    summary="A heartbeat of the open course page",
)
def heartbeat(request: HttpRequest, enrolment_id: str, payload: HeartbeatIn) -> HeartbeatOut:
    who = principal(request)
    e = selectors.enrolment_get(who, enrolment_id)
    return HeartbeatOut(
        **services.study_heartbeat(
            actor=actor(request), principal=who, enrolment=e, tab=payload.tab, active=payload.active
        )
    )


@router.post(
    "/education/checks/{check_id}",
    response=CheckOut,
    auth=session_auth,
    summary="Answer an identity check with a photo",
)
def check_answer(request: HttpRequest, check_id: str, payload: CheckIn) -> CheckOut:
    who = principal(request)
    check = selectors.check_get(who, check_id)
    try:
        image = base64.b64decode(payload.image, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise DomainError("invalid_image", _("Send a photo (JPEG or PNG)"), field="image") from exc
    return CheckOut.build(
        services.face_check_submit(actor=actor(request), principal=who, check=check, image=image)
    )


@router.post(
    "/education/enrolments/{enrolment_id}/exam",
    response=ExamOut,
    auth=session_auth,
    summary="Start the exam (questions drawn from the bank) once the study is done",
)
def exam_start(request: HttpRequest, enrolment_id: str) -> ExamOut:
    who = principal(request)
    e = selectors.enrolment_get(who, enrolment_id)
    return ExamOut.build(services.exam_start(actor=actor(request), principal=who, enrolment=e))


@router.post(
    "/education/exams/{exam_id}", response=ExamOut, auth=session_auth, summary="Submit answers"
)
def exam_submit(request: HttpRequest, exam_id: str, payload: AnswersIn) -> ExamOut:
    who = principal(request)
    attempt = selectors.exam_get(who, exam_id)
    done = services.exam_submit(
        actor=actor(request), principal=who, attempt=attempt, answers=payload.answers
    )
    return ExamOut.build(done)


@router.post(
    "/education/enrolments/{enrolment_id}/release",
    response=EnrolmentOut,
    auth=session_auth,
    summary="Feed a passed course to the rules again (after paying the fines)",
)
def enrolment_release(request: HttpRequest, enrolment_id: str) -> EnrolmentOut:
    who = principal(request)
    e = selectors.enrolment_get(who, enrolment_id)
    return _out(
        request, services.enrolment_release(actor=actor(request), principal=who, enrolment=e)
    )


@router.post(
    "/education/enrolments/{enrolment_id}/onsite",
    response={201: EnrolmentOut},
    auth=session_auth,
    summary="Record an on-site session (staff: education.record_onsite)",
)
def onsite_record(
    request: HttpRequest, enrolment_id: str, payload: OnsiteIn
) -> Status[EnrolmentOut]:
    who = principal(request)
    e = selectors.enrolment_get(who, enrolment_id)
    services.onsite_session_record(
        actor=actor(request),
        principal=who,
        enrolment=e,
        day=payload.day,
        minutes=payload.minutes,
        place=payload.place,
    )
    return Status(201, _out(request, e))


@router.post(
    "/education/enrolments/{enrolment_id}/void",
    response=EnrolmentOut,
    auth=session_auth,
    summary="Void a cheated enrolment (staff, with the reason)",
)
def enrolment_void(request: HttpRequest, enrolment_id: str, payload: ReasonIn) -> EnrolmentOut:
    who = principal(request)
    e = selectors.enrolment_get(who, enrolment_id)
    services.enrolment_void(actor=actor(request), principal=who, enrolment=e, reason=payload.reason)
    return _out(request, e)
