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
from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext as _

from jiaoguan.accounts.constants import AccountKind
from jiaoguan.accounts.principal import Principal
from jiaoguan.audit.services import Actor, AuditEntry, audit_record_many
from jiaoguan.education import services
from jiaoguan.education.catalogue import COURSES
from jiaoguan.education.constants import CheckState, CourseKind, EnrolmentState
from jiaoguan.education.models import (
    Enrolment,
    ExamAttempt,
    FaceCheck,
    OnsiteSession,
    StudyBeat,
)
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
    return progress_many([enrolment], today)[0]


def progress_many(
    enrolments: list[Enrolment], today: dt.date | None = None
) -> list[dict[str, Any]]:
    """:func:`progress` of each of ``enrolments`` (read with their licence and duty), in a
    handful of queries for all of them: a list page does not query per row."""
    today = today or clock.today()
    ids = [e.pk for e in enrolments]
    counted: dict[int, dict[dt.date, int]] = {pk: {} for pk in ids}  # seconds by day
    voided: dict[int, int] = dict.fromkeys(ids, 0)
    beats = (
        StudyBeat.objects.filter(enrolment_id__in=ids)
        .values("enrolment_id", "day")
        .annotate(
            live=Sum("seconds", filter=Q(voided_at__isnull=True)),
            gone=Sum("seconds", filter=Q(voided_at__isnull=False)),
        )
    )
    for row in beats:
        if row["live"] is not None:
            counted[row["enrolment_id"]][row["day"]] = int(row["live"])
        voided[row["enrolment_id"]] += int(row["gone"] or 0)
    onsite: dict[int, dict[dt.date, int]] = {pk: {} for pk in ids}
    for s in OnsiteSession.objects.filter(enrolment_id__in=ids):
        days = onsite[s.enrolment_id]  # the longest session of a day counts (Art. 19)
        days[s.day] = max(days.get(s.day, 0), s.minutes)
    checks: dict[int, list[FaceCheck]] = {pk: [] for pk in ids}
    for c in FaceCheck.objects.filter(enrolment_id__in=ids).order_by("number", "pk"):
        checks[c.enrolment_id].append(c)
    exams: dict[int, list[ExamAttempt]] = {pk: [] for pk in ids}
    for x in ExamAttempt.objects.filter(enrolment_id__in=ids).order_by("started_at", "pk"):
        exams[x.enrolment_id].append(x)
    out = []
    for enrolment in enrolments:
        pk = enrolment.pk
        by_day = {d: sec // 60 for d, sec in sorted(counted[pk].items())}
        ready = services.study_readiness(enrolment, today, by_day=by_day, onsite=onsite[pk])
        pending = [c for c in checks[pk] if c.state == CheckState.PENDING]
        tried = exams[pk]
        item: dict[str, Any] = {
            "course": COURSES[enrolment.course],
            "counted_minutes": enrolment.counted_seconds // 60,
            "today_minutes": counted[pk].get(today, 0) // 60,
            "by_day": sorted(by_day.items()),
            "onsite": sorted(onsite[pk].items()),
            "ready": ready,
            "pending_check": min(pending, key=lambda c: c.pk) if pending else None,
            "checks": checks[pk],
            "voided_minutes": voided[pk] // 60,
            "exams": tried,
            "open_exam": next((x for x in tried if x.submitted_at is None), None),
        }
        if enrolment.kind == CourseKind.FULL_SCORE and enrolment.duty is not None:
            item["duty"] = enrolment.duty
            item["counted_days"] = ready.facts.get("counted_days", 0)
            item["onsite_days"] = ready.facts.get("onsite_days", 0)
        out.append(item)
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
