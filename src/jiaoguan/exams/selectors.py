"""Reads of the exams app, scoped to the caller: one selector per object for lists and
details alike (an applicant: their own; a school or counter: what it made; an exam site: its
own plans and bookings; vehicle-office staff: their region)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _

from jiaoguan.accounts.constants import AccountKind
from jiaoguan.audit.services import Actor, AuditEntry, audit_record_many
from jiaoguan.exams import rules as exam_rules
from jiaoguan.exams.constants import BookingState
from jiaoguan.exams.models import Booking, ExamPlan, ExamSite, LicenceApplication
from jiaoguan.kernel import clock
from jiaoguan.kernel.errors import DomainError, NotFound
from jiaoguan.kernel.idnumber import IdNumber
from jiaoguan.registry.constants import OrganisationKind
from jiaoguan.registry.models import Person
from jiaoguan.registry.selectors import region_filter

M = TypeVar("M", bound=Model)


def _get(qs: QuerySet[M], public_id: str, message: str, field: str) -> M:
    """One row of ``qs`` by public id; a malformed id or one outside ``qs`` is not found."""
    try:
        return qs.get(public_id=uuid.UUID(str(public_id)))
    except (ValueError, ObjectDoesNotExist) as exc:
        raise NotFound("not_found", message, field=field) from exc


def site_of(principal: Any) -> ExamSite | None:
    """The exam site a caller operates (staff account or partner client of that site)."""
    if principal is None or not principal.has_perm("exams.operate_exam_site"):
        return None
    org = getattr(principal, "organisation_id", None)
    if org is None:
        return None
    return ExamSite.objects.select_related("organisation").filter(organisation_id=org).first()


def sites_public() -> QuerySet[ExamSite]:
    return ExamSite.objects.filter(active=True).select_related("organisation")


def site_get(public_id: str) -> ExamSite:
    return _get(sites_public(), public_id, _("Exam site not found"), "site_id")


def plans_open(*, subject: int | None = None, city: str = "") -> QuerySet[ExamPlan]:
    """Published plans still open for booking (public: sites, days, places left)."""
    qs = ExamPlan.objects.filter(exam_date__gt=clock.today(), site__active=True).select_related(
        "site__organisation"
    )
    if subject:
        qs = qs.filter(subject=subject)
    if city:
        qs = qs.filter(site__organisation__city_code=city[:4])
    return qs.order_by("exam_date", "id")


def plan_get(public_id: str) -> ExamPlan:
    qs = ExamPlan.objects.select_related("site__organisation")
    return _get(qs, public_id, _("Plan not found"), "plan_id")


def is_school(principal: Any) -> bool:
    """A driving school's staff: a company's account applying for its students (they see
    only the applications the school made, never the region's)."""
    org = getattr(principal, "organisation", None)
    return org is not None and org.kind == OrganisationKind.COMPANY


def _staff_scope(principal: Any) -> str:
    """The region a vehicle-office user or counter clerk sees applications of ("" for none)."""
    if principal is None or not (
        principal.has_perm("exams.manage_exam_sites")
        or principal.has_perm("exams.handle_licence_application")
    ):
        return ""
    if is_school(principal):
        return ""
    return getattr(principal, "region_scope", "") or ""


def applicant_lookup(principal: Any, id_number: str, name: str = "") -> Person:
    """The person a counter or a driving school applies for. A counter finds them in the
    registry it may read; a school, which reads no registry, names them by ID number *and*
    name as on the ID card (both must match: a number alone finds no one). Not found is the
    same answer whatever failed."""
    from jiaoguan.registry.selectors import persons_for
    from jiaoguan.registry.services import id_number_index

    missing = NotFound("not_found", _("Person not found"), field="id_number")
    try:
        index = id_number_index(str(IdNumber.parse(id_number)))
    except DomainError as exc:
        raise missing from exc
    if is_school(principal):
        person = Person.objects.filter(id_number_index=index).first()
        if person is None or person.name != name.strip():
            raise missing
        return person
    found = persons_for(principal).filter(id_number_index=index).first()
    if found is None:
        raise missing
    return found


def applications_for(principal: Any) -> QuerySet[LicenceApplication]:
    """Applications the caller may see: their own; those a school or counter made; every one
    of the region for vehicle-office staff; those with a booking at the caller's site."""
    qs = LicenceApplication.objects.select_related("person")
    if not getattr(principal, "is_authenticated", False):
        return qs.none()
    own = Q(person_id=getattr(principal, "person_id", None) or -1)
    org = getattr(principal, "organisation_id", None)
    if org is not None and principal.has_perm("exams.handle_licence_application"):
        own |= Q(agent_id=org)
    scope = _staff_scope(principal)
    if scope:
        own |= Q(pk__in=region_filter(LicenceApplication.objects.all(), scope).values("pk"))
    site = site_of(principal)
    if site is not None:
        own |= Q(bookings__plan__site=site)
    return qs.filter(own).distinct().order_by("-id")


def application_get(principal: Any, public_id: str) -> LicenceApplication:
    return _get(
        applications_for(principal), public_id, _("Application not found"), "application_id"
    )


def bookings_for(principal: Any) -> QuerySet[Booking]:
    """Bookings the caller may see: of the applications they may see, or, for an exam site,
    on its own plans only."""
    qs = Booking.objects.select_related("plan__site__organisation", "application__person")
    site = site_of(principal)
    if site is not None:
        return qs.filter(plan__site=site).order_by("-id")
    return qs.filter(application__in=applications_for(principal).values("pk")).order_by("-id")


def booking_get(principal: Any, public_id: str) -> Booking:
    return _get(bookings_for(principal), public_id, _("Booking not found"), "booking_id")


def site_day(site: ExamSite, day: dt.date) -> QuerySet[Booking]:
    """A site's bookings of one day (its desk)."""
    return (
        Booking.objects.filter(
            plan__site=site,
            plan__exam_date=day,
            state__in=[
                BookingState.BOOKED,
                BookingState.CHECKED_IN,
                BookingState.PASSED,
                BookingState.FAILED,
            ],
        )
        .select_related("plan", "application__person")
        .order_by("plan__subject", "id")
    )


def queue_position(booking: Booking) -> int | None:
    """1-based place of a waiting booking in its day's queue under the published priority
    rules, or None when it is not waiting. The queue of one day and subject is short (at most
    the applicants who asked for that day), so it is ranked here rather than in SQL."""
    if booking.state != BookingState.WAITING:
        return None
    waiting = Booking.objects.filter(plan_id=booking.plan_id, state=BookingState.WAITING).values(
        "pk", "priority"
    )
    mine = (exam_rules.queue_key(booking.priority), booking.pk)
    return 1 + sum(1 for w in waiting if (exam_rules.queue_key(w["priority"]), w["pk"]) < mine)


@transaction.atomic
def log_reads(
    principal: Any, actor: Actor, rows: list[LicenceApplication] | list[Booking], *, purpose: str
) -> None:
    """Record that staff, an exam site or its system read these applications or bookings: one
    audit row each with the applicant as subject ("who looked at my data"). An applicant's
    reads of their own records are not logged."""
    if getattr(principal, "kind", "") == AccountKind.CITIZEN:
        return
    entries = []
    for row in rows:
        app = row if isinstance(row, LicenceApplication) else row.application
        kind = "licence_application" if isinstance(row, LicenceApplication) else "exam_booking"
        entries.append(
            AuditEntry(
                action=f"{kind}.read",
                object_type=kind,
                object_ref=str(row.public_id),
                reason=purpose[:200],
                subject_person_ref=str(app.person.public_id),
            )
        )
    audit_record_many(actor=actor, entries=entries)  # one append for the page
