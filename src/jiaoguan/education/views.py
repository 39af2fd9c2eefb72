"""Pages: the learner's courses (``/portal/education/``), the course page that sends the
heartbeats and asks the identity checks (``/portal/education/<id>/``), the exam page, and
the staff's progress page with on-site sessions (``/console/education/``). A refusal is shown
in the reader's language."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from jiaoguan.accounts.models import User
from jiaoguan.audit.services import Actor
from jiaoguan.education import selectors, services
from jiaoguan.education.catalogue import COURSES, QUESTIONS
from jiaoguan.education.constants import EnrolmentState
from jiaoguan.kernel.crypto import mask_name
from jiaoguan.kernel.errors import DomainError, NotFound
from jiaoguan.partners.client import PartnerClient

#: the page reports the learner idle after this long without input (settings override)
IDLE_SECONDS = 300


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _citizen(request: HttpRequest) -> User:
    who = _user(request)
    if who.kind != "citizen":
        raise Http404
    return who


def _found(getter: Any, who: User, key: Any) -> Any:
    """A scoped read for a page: not found (or not the caller's) is a 404 page."""
    try:
        return getter(who, key)
    except NotFound as exc:
        raise Http404 from exc


@login_required
def portal(request: HttpRequest) -> HttpResponse:
    """The courses and the learner's enrolments; enrolling checks the duty or eligibility."""
    who = _citizen(request)
    error = {}
    if request.method == "POST":
        course = request.POST.get("course", "")[:32]
        try:
            e = services.enrolment_open(actor=Actor.of(who), principal=who, course=course)
        except DomainError as exc:
            error = {"course": course, "message": exc.localised(get_language())}
        else:
            return redirect("education:study", enrolment_id=e.public_id)
    rows = [
        {"e": e, "course": COURSES[e.course]}
        for e in selectors.enrolments_for(who).order_by("-enrolled_at")[:50]
    ]
    return render(
        request,
        "education/portal.html",
        {"courses": list(COURSES.values()), "rows": rows, "error": error},
    )


#: Demo only: the "photo" the demo learner sends (and the sandbox keeps as the one on file).
DEMO_PHOTO = b"jiaoguan demo face photo"


def _demo_photo(enrolment: Any) -> bytes:
    """Demo only (DEBUG and JIAOGUAN_DEMO_SHOW_OTP): put a reference photo for the learner into
    the face-check sandbox and return the same image, as if the camera had taken it."""
    PartnerClient(gettext_lazy("The demo sandbox")).request(
        "POST",
        "/facecheck/v1/faces",
        {
            "id_number": enrolment.person.id_number,
            "image": base64.b64encode(DEMO_PHOTO).decode("ascii"),
        },
    )
    return DEMO_PHOTO


def _study_action(request: HttpRequest, who: User, enrolment: Any) -> HttpResponse | None:
    action = request.POST.get("action", "")
    actor = Actor.of(who)
    if action in ("check", "demo_check"):
        check = selectors.check_get(who, request.POST.get("check", "")[:64])
        upload = request.FILES.get("photo")
        image = upload.read(services.MAX_IMAGE_BYTES + 1) if upload else b""
        if action == "demo_check" and settings.DEMO_SHOW_OTP:
            image = _demo_photo(enrolment)
        services.face_check_submit(actor=actor, principal=who, check=check, image=image)
    elif action == "exam":
        attempt = services.exam_start(actor=actor, principal=who, enrolment=enrolment)
        return redirect("education:exam", exam_id=attempt.public_id)
    elif action == "release":
        services.enrolment_release(actor=actor, principal=who, enrolment=enrolment)
    elif action == "withdraw":
        services.enrolment_withdraw(actor=actor, principal=who, enrolment=enrolment)
    return None


@login_required
def study(request: HttpRequest, enrolment_id: str) -> HttpResponse:
    who = _citizen(request)
    enrolment = _found(selectors.enrolment_get, who, enrolment_id)
    error = ""
    if request.method == "POST":
        try:
            response = _study_action(request, who, enrolment)
        except DomainError as exc:
            error = exc.localised(get_language())
        else:
            return response or redirect("education:study", enrolment_id=enrolment.public_id)
        enrolment = selectors.enrolment_get(who, enrolment_id)
    return render(
        request,
        "education/study.html",
        {
            "e": enrolment,
            "p": selectors.progress(enrolment),
            "studying": enrolment.state == EnrolmentState.STUDYING,
            "interval": services.heartbeat_interval(),
            "idle": int(getattr(settings, "EDUCATION_IDLE_SECONDS", IDLE_SECONDS)),
            "error": error,
            "demo": settings.DEMO_SHOW_OTP,
        },
    )


@login_required
def exam(request: HttpRequest, exam_id: str) -> HttpResponse:
    who = _citizen(request)
    attempt = _found(selectors.exam_get, who, exam_id)
    error = ""
    if request.method == "POST" and attempt.submitted_at is None:
        answers: dict[str, int] = {}
        for qid in attempt.questions:
            value = request.POST.get(f"q-{qid}", "")
            if value.isdigit():
                answers[qid] = int(value)
        try:
            attempt = services.exam_submit(
                actor=Actor.of(who), principal=who, attempt=attempt, answers=answers
            )
        except DomainError as exc:
            error = exc.localised(get_language())
    attempt.enrolment.refresh_from_db()
    return render(
        request,
        "education/exam.html",
        {
            "a": attempt,
            "e": attempt.enrolment,
            "course": COURSES[attempt.enrolment.course],
            "questions": [QUESTIONS[q] for q in attempt.questions if q in QUESTIONS],
            "en": (get_language() or "").startswith("en"),
            "error": error,
        },
    )


@login_required
def console(request: HttpRequest) -> HttpResponse:
    """Staff: learners' progress in their region; on-site sessions are recorded here."""
    who = _user(request)
    if not who.has_perm(selectors.VIEW_PERMISSION):
        raise Http404
    row_error: dict[str, str] = {}
    if request.method == "POST":
        key = request.POST.get("enrolment", "")[:64]
        try:
            e = selectors.enrolment_get(who, key)
            try:
                day = dt.date.fromisoformat(request.POST.get("day", "")[:10])
                minutes = int(request.POST.get("minutes", "") or "0")
            except ValueError as exc:
                raise DomainError(
                    "invalid_session", _("Enter the day and the minutes"), field="day"
                ) from exc
            services.onsite_session_record(
                actor=Actor.of(who),
                principal=who,
                enrolment=e,
                day=day,
                minutes=minutes,
                place=request.POST.get("place", ""),
            )
        except DomainError as exc:
            row_error = {"enrolment": key, "message": exc.localised(get_language())}
        else:
            return redirect("education:console")
    rows = list(selectors.enrolments_for(who).order_by("-enrolled_at")[:50])
    selectors.log_reads(who, Actor.of(who), rows, purpose="console")
    return render(
        request,
        "education/console.html",
        {
            "rows": [
                {
                    "e": e,
                    "name": mask_name(e.person.name),
                    "p": p,
                    "course": COURSES[e.course],
                    "error": row_error.get("message")
                    if row_error.get("enrolment") == str(e.public_id)
                    else "",
                }
                for e, p in zip(rows, selectors.progress_many(list(rows)), strict=True)
            ],
            "can_record": who.has_perm(services.ONSITE_PERMISSION),
        },
    )
