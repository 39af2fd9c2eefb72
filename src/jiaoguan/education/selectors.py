"""Reads of enrolments, scoped to the caller (DESIGN.md, permissions): a learner sees their
own; staff holding ``education.view_progress`` see the learners of their region scope (by the
person's registered region); nobody else sees any. Staff reads are audited with the learner
as subject."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from jiaoguan.accounts.constants import AccountKind
from jiaoguan.accounts.principal import Principal
from jiaoguan.audit.services import Actor, AuditEntry, audit_record_many
from jiaoguan.education import services
from jiaoguan.education.catalogue import COURSES
from jiaoguan.education.constants import CheckState, CourseKind, EnrolmentState
from jiaoguan.education.models import Enrolment, ExamAttempt, FaceCheck
from jiaoguan.kernel import clock
from jiaoguan.kernel.errors import NotFound
from jiaoguan.registry.selectors import region_filter

VIEW_PERMISSION = "education.view_progress"


def enrolments_for(principal: Principal) -> QuerySet[Enrolment]:
    qs = Enrolment.objects.select_related("person", "licence", "duty")
    if not getattr(principal, "is_authenticated", False):
        return qs.none()
    if principal.kind == AccountKind.CITIZEN:
        pid = getattr(principal, "person_id", None)
        return qs.filter(person_id=pid) if pid else qs.none()
    if not principal.has_perm(VIEW_PERMISSION):
        return qs.none()
    return region_filter(qs, principal.region_scope, prefix="person__")


def enrolment_get(principal: Principal, public_id: str | uuid.UUID) -> Enrolment:
    try:
        return enrolments_for(principal).get(public_id=uuid.UUID(str(public_id)))
    except (ValueError, ObjectDoesNotExist) as exc:
        raise NotFound("not_found", _("Enrolment not found")) from exc


def check_get(principal: Principal, public_id: str | uuid.UUID) -> FaceCheck:
    try:
        return FaceCheck.objects.select_related("enrolment__person").get(
            public_id=uuid.UUID(str(public_id)),
            enrolment__in=enrolments_for(principal),
        )
    except (ValueError, ObjectDoesNotExist) as exc:
        raise NotFound("not_found", _("Identity check not found")) from exc


def exam_get(principal: Principal, public_id: str | uuid.UUID) -> ExamAttempt:
    try:
        return ExamAttempt.objects.select_related("enrolment__person").get(
            public_id=uuid.UUID(str(public_id)),
            enrolment__in=enrolments_for(principal),
        )
    except (ValueError, ObjectDoesNotExist) as exc:
        raise NotFound("not_found", _("Exam not found")) from exc


def review_education_done(licence_id: int, cycle_index: int) -> Enrolment | None:
    """The completed 审验教育 of a licence for the review after cycle ``cycle_index`` (0-based,
    as ``PointCycle.index``), for the licence review to read (R162 Art. 73)."""
    return (
        Enrolment.objects.filter(
            licence_id=licence_id,
            kind=CourseKind.REVIEW,
            cycle_index=cycle_index,
            state=EnrolmentState.COMPLETED,
        )
        .order_by("completed_at")
        .first()
    )


def progress(enrolment: Enrolment, today: dt.date | None = None) -> dict[str, Any]:
    """What the learner and the staff see of one enrolment."""
    today = today or clock.today()
    course = COURSES[enrolment.course]
    by_day = services.minutes_by_day(enrolment)
    ready = services.study_readiness(enrolment, today)
    pending = enrolment.face_checks.filter(state=CheckState.PENDING).first()
    exams = list(enrolment.exams.order_by("started_at"))
    out: dict[str, Any] = {
        "course": course,
        "counted_minutes": enrolment.counted_seconds // 60,
        "today_minutes": services.day_seconds(enrolment, today) // 60,
        "by_day": sorted(by_day.items()),
        "onsite": sorted(services.onsite_by_day(enrolment).items()),
        "ready": ready,
        "pending_check": pending,
        "checks": list(enrolment.face_checks.order_by("number")),
        "voided_minutes": sum(b.seconds for b in enrolment.beats.filter(voided_at__isnull=False))
        // 60,
        "exams": exams,
        "open_exam": next((e for e in exams if e.submitted_at is None), None),
    }
    if enrolment.kind == CourseKind.FULL_SCORE and enrolment.duty is not None:
        out["duty"] = enrolment.duty
        out["counted_days"] = ready.facts.get("counted_days", 0)
        out["onsite_days"] = ready.facts.get("onsite_days", 0)
    return out


def log_reads(principal: Principal, actor: Actor, rows: list[Enrolment], *, purpose: str) -> None:
    """One audit row per enrolment read by staff, with the learner as subject."""
    if getattr(principal, "kind", "") == AccountKind.CITIZEN or not rows:
        return
    with transaction.atomic():  # one append for the page (the same rows, one per enrolment)
        audit_record_many(
            actor=actor,
            entries=[
                AuditEntry(
                    action="education.read",
                    object_type="enrolment",
                    object_ref=str(e.public_id),
                    reason=purpose[:200],
                    subject_person_ref=str(e.person.public_id),
                )
                for e in rows
            ],
        )
