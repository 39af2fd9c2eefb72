"""Reads of violations and points, scoped to the caller (DESIGN.md, permissions):

* a citizen sees the violations of the vehicles they own and those they were confirmed as
  the driver of;
* officers and partner systems holding ``violations.view_violation`` see those that happened
  in their region scope; nobody else sees any.

Asking for a violation outside scope answers "not found". Staff and partner reads are written
to the audit trail with the owner or driver as subject (who looked at my data).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from jiaoguan.accounts.constants import AccountKind
from jiaoguan.accounts.principal import Principal
from jiaoguan.audit.services import Actor, AuditEntry, audit_record_many
from jiaoguan.kernel import clock
from jiaoguan.kernel.errors import NotFound
from jiaoguan.licensing.rules import FULL_SCORE, cycle_bounds
from jiaoguan.registry.models import DrivingLicence
from jiaoguan.registry.selectors import region_filter
from jiaoguan.violations.constants import DutyState, State
from jiaoguan.violations.models import (
    EducationDuty,
    PointCycle,
    PointEntry,
    PointReduction,
    Violation,
)

VIEW_PERMISSION = "violations.view_violation"


#: A violation is handled (处理完毕) once its decision is paid, or it is closed or void; before
#: that it blocks the business that needs "violations closed" (R164 Arts. 44, 54, 74; DOMAIN.md
#: §3.3, §4.3, §8). A paid violation stays "paid" until its points are settled at the cycle end,
#: which must not hold up an owner who has done everything asked of them.
UNHANDLED_STATES = (State.RECORDED, State.CONTESTED, State.DRIVER_CONFIRMED)


def unhandled_count(vehicle_id: int) -> int:
    """How many violations of this vehicle are not yet handled."""
    return Violation.objects.filter(vehicle_id=vehicle_id, state__in=UNHANDLED_STATES).count()


def violations_for(principal: Principal) -> QuerySet[Violation]:
    qs = Violation.objects.select_related("vehicle__owner_person", "driver")
    if not getattr(principal, "is_authenticated", False):
        return qs.none()
    if principal.kind == AccountKind.CITIZEN:
        pid = getattr(principal, "person_id", None)
        if not pid:
            return qs.none()
        return qs.filter(Q(vehicle__owner_person_id=pid) | Q(driver_id=pid))
    if not principal.has_perm(VIEW_PERMISSION):
        return qs.none()
    return region_filter(qs, principal.region_scope)


def violation_get(principal: Principal, public_id: str | uuid.UUID) -> Violation:
    try:
        return violations_for(principal).get(public_id=uuid.UUID(str(public_id)))
    except (ValueError, ObjectDoesNotExist) as exc:
        raise NotFound("not_found", _("Violation not found")) from exc


def log_reads(principal: Principal, actor: Actor, rows: list[Violation], *, purpose: str) -> None:
    """One audit row per violation read by staff or a partner, with the driver (or the owner)
    as subject; a citizen's reads of their own records are not logged."""
    if principal.kind == AccountKind.CITIZEN or not rows:
        return
    entries = []
    for v in rows:
        person = v.driver or v.vehicle.owner_person
        entries.append(
            AuditEntry(
                action="violation.read",
                object_type="violation",
                object_ref=str(v.public_id),
                reason=purpose,
                subject_person_ref=str(person.public_id) if person else "",
            )
        )
    with transaction.atomic():  # one append for the page (the same rows, one per violation)
        audit_record_many(actor=actor, entries=entries)


@dataclass
class PointsSummary:
    """A driver's points: the cycle containing ``on``, the points counting in it, its ledger
    rows and the open full-score duty."""

    licence: DrivingLicence
    cycle_number: int
    start: dt.date
    end: dt.date
    points: int
    full_score: int = FULL_SCORE
    entries: list[PointEntry] = field(default_factory=list)
    duty: EducationDuty | None = None
    #: an ended cycle is still waiting for the cycle-end job (the points shown are its own)
    close_pending: bool = False
    #: points taken off this cycle by study (学法减分, R163 Art. 25)
    reduced: int = 0


def points_summary(person_id: int | None, *, on: dt.date | None = None) -> PointsSummary | None:
    """The points of a person's licence (their own data: no audit), None without a licence."""
    licence = DrivingLicence.objects.filter(person_id=person_id).first() if person_id else None
    if licence is None:
        return None
    on = on or clock.today()
    index, start, end = cycle_bounds(licence.first_issue_date, on)
    entries: list[PointEntry] = list(
        PointEntry.objects.filter(licence=licence, cycle__index=index)
        .select_related("violation")
        .order_by("violation__occurred_at", "id")
    )
    pending = PointCycle.objects.filter(
        licence=licence, closed_at__isnull=True, end__lt=on
    ).exists()
    duty = EducationDuty.objects.filter(licence=licence, state=DutyState.OPEN).first()
    return PointsSummary(
        licence=licence,
        cycle_number=index + 1,
        start=start,
        end=end,
        points=licence.points,
        entries=entries,
        duty=duty,
        close_pending=pending,
        reduced=sum(
            PointReduction.objects.filter(licence=licence, cycle__index=index).values_list(
                "points", flat=True
            )
        ),
    )


def is_party(principal: Any, v: Violation) -> dict[str, bool]:
    """What the caller is to a violation: its vehicle's owner, its driver."""
    pid = getattr(principal, "person_id", None)
    return {
        "owner": bool(pid) and v.vehicle.owner_person_id == pid,
        "driver": bool(pid) and v.driver_id == pid,
    }
