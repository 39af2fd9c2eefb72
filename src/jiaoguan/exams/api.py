"""Driving exams over the API: exam sites and their published plans (public), the priority
rules of an oversubscribed day and the where-to-apply rule (public), the applicant's
applications and bookings with their queue position and results, and the exam site's plans,
check-in (random examiner) and results, for a site's staff or its partner system (bearer
token with scope ``exams:site``). The same services and selectors as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from jiaoguan.api.auth import actor, bearer_auth, principal, session_auth
from jiaoguan.api.pagination import Page, keyset
from jiaoguan.exams import rules as exam_rules
from jiaoguan.exams import selectors, services
from jiaoguan.exams.models import Booking
from jiaoguan.exams.schemas import (
    ApplicationIn,
    ApplicationOut,
    BookIn,
    BookingOut,
    PlanIn,
    PlanOut,
    PriorityRulesOut,
    ReasonIn,
    RelocateIn,
    ScoresIn,
    SiteIn,
    SiteOut,
    WhereIn,
)
from jiaoguan.kernel import clock
from jiaoguan.kernel.errors import NotFound
from jiaoguan.licensing.schemas import DecisionOut
from jiaoguan.registry import selectors as registry_selectors
from jiaoguan.registry.models import Organisation

router = Router(tags=["exams"])
#: The bearer token first: with the session first, a partner's POST (no CSRF cookie) would be
#: refused by the session's CSRF check before the token is looked at.
SITE_AUTH = [bearer_auth, session_auth]


def _full(request: HttpRequest) -> bool:
    return registry_selectors.can_see_full_identifiers(principal(request))


def _booking(request: HttpRequest, b: Booking) -> BookingOut:
    return BookingOut.build(b, full=_full(request), position=selectors.queue_position(b))


def _purpose(request: HttpRequest) -> str:
    return (request.GET.get("purpose") or request.headers.get("X-Purpose") or "")[:200]


def _logged(request: HttpRequest, rows: Any) -> Any:
    """Staff and partner reads of applicants' records are audited (DESIGN.md)."""
    selectors.log_reads(principal(request), actor(request), rows, purpose=_purpose(request))
    return rows


# --- public -----------------------------------------------------------------------------------


@router.get("/exams/sites", response=list[SiteOut], auth=None, summary="Exam sites")
def site_list(request: HttpRequest, city: str = "") -> list[SiteOut]:
    qs = selectors.sites_public().order_by("organisation__region_code", "id")
    if city:
        qs = qs.filter(organisation__city_code=city[:4])
    return [SiteOut.build(s) for s in qs[:500]]


@router.get(
    "/exams/plans",
    response=Page[PlanOut],
    auth=None,
    summary="Published booking plans still open (places left per day and subject)",
)
def plan_list(
    request: HttpRequest,
    subject: int | None = None,
    city: str = "",
    cursor: str | None = None,
    limit: int = 50,
) -> dict[str, object]:
    rows, nxt = keyset(selectors.plans_open(subject=subject, city=city), cursor=cursor, limit=limit)
    return {"items": [PlanOut.build(p) for p in rows], "next_cursor": nxt}


@router.get(
    "/exams/priority-rules",
    response=PriorityRulesOut,
    auth=None,
    summary="The published priority rules that order an oversubscribed exam day",
)
def priority_rules(request: HttpRequest) -> PriorityRulesOut:
    return PriorityRulesOut.build(exam_rules.PRIORITY_RULES)


@router.post(
    "/rules/exams/where-to-apply",
    response=DecisionOut,
    auth=None,
    tags=["rules"],
    summary="May this office take the application (R162 Art. 22; measure 16)?",
)
def where_to_apply(request: HttpRequest, payload: WhereIn) -> DecisionOut:
    permit = (
        exam_rules.PermitFacts(
            payload.permit_status, payload.permit_region, payload.permit_valid_until
        )
        if payload.permit_status
        else None
    )
    return DecisionOut.build(
        exam_rules.where_to_apply(
            kind=payload.kind,
            office_region=payload.office_region,
            household_region=payload.household_region,
            residence_region=payload.residence_region,
            licence_region=payload.licence_region,
            permit=permit,
            on=payload.on or clock.today(),
        )
    )


# --- vehicle office ---------------------------------------------------------------------------


@router.post(
    "/exams/sites",
    response={201: SiteOut},
    auth=session_auth,
    summary="Register an exam site's profile (vehicle office)",
)
def site_create(request: HttpRequest, payload: SiteIn) -> Status[SiteOut]:
    try:
        org = Organisation.objects.get(public_id=payload.organisation_id)
    except (ValueError, ValidationError, Organisation.DoesNotExist) as exc:
        # a malformed id is refused like an unknown one (the UUID field raises ValidationError)
        raise NotFound("not_found", _("Organisation not found"), field="organisation_id") from exc
    site = services.exam_site_create(
        actor=actor(request),
        principal=principal(request),
        organisation=org,
        subjects=payload.subjects,
        classes=payload.classes,
        examiners=payload.examiners,
    )
    return Status(201, SiteOut.build(site))


# --- applicants -------------------------------------------------------------------------------


@router.get(
    "/exams/applications",
    response=Page[ApplicationOut],
    auth=session_auth,
    summary="Licence applications the caller may see",
)
def application_list(
    request: HttpRequest, cursor: str | None = None, limit: int = 20
) -> dict[str, object]:
    rows, nxt = keyset(selectors.applications_for(principal(request)), cursor=cursor, limit=limit)
    _logged(request, rows)
    full = _full(request)
    return {"items": [ApplicationOut.build(a, full=full) for a in rows], "next_cursor": nxt}


@router.post(
    "/exams/applications",
    response={201: ApplicationOut},
    auth=session_auth,
    summary="Apply for a licence class (the applicant, or a counter for them by ID number)",
)
def application_start(request: HttpRequest, payload: ApplicationIn) -> Status[ApplicationOut]:
    who = principal(request)
    person = getattr(who, "person", None)
    if payload.id_number:
        person = selectors.applicant_lookup(who, payload.id_number, payload.name)
    if person is None:
        raise NotFound("not_found", _("Person not found"), field="id_number")
    app = services.licence_application_start(
        actor=actor(request),
        principal=who,
        person=person,
        licence_class=payload.licence_class,
        office_region=payload.region_code,
        kind=payload.kind,
    )
    return Status(201, ApplicationOut.build(app, full=_full(request)))


@router.get("/exams/applications/{application_id}", response=ApplicationOut, auth=session_auth)
def application_detail(request: HttpRequest, application_id: str) -> ApplicationOut:
    app = selectors.application_get(principal(request), application_id)
    _logged(request, [app])
    return ApplicationOut.build(app, full=_full(request))


@router.post(
    "/exams/applications/{application_id}/withdraw",
    response=ApplicationOut,
    auth=session_auth,
    summary="Withdraw an application (open bookings are cancelled)",
)
def application_withdraw(
    request: HttpRequest, application_id: str, payload: ReasonIn | None = None
) -> ApplicationOut:
    who = principal(request)
    app = services.licence_application_withdraw(
        actor=actor(request),
        principal=who,
        application=selectors.application_get(who, application_id),
        reason=payload.reason if payload else "",
    )
    return ApplicationOut.build(app, full=_full(request))


@router.post(
    "/exams/applications/{application_id}/relocate",
    response=ApplicationOut,
    auth=session_auth,
    summary="Change the exam place after a move (small classes, a subject passed, at most 3 times)",
    description="R162 Art. 39 para 3. 422 with the rule's code beside `region_code` "
    "(`class_not_eligible`, `location_change_limit`, `no_subject_passed`, `same_place`, "
    "`not_resident_here`); 409 `booking_open` while a booking is open.",
)
def application_relocate(
    request: HttpRequest, application_id: str, payload: RelocateIn
) -> ApplicationOut:
    who = principal(request)
    app = services.licence_application_relocate(
        actor=actor(request),
        principal=who,
        application=selectors.application_get(who, application_id),
        office_region=payload.region_code.strip(),
        reason=payload.reason,
    )
    return ApplicationOut.build(app, full=_full(request))


@router.post(
    "/exams/bookings",
    response={201: BookingOut},
    auth=session_auth,
    summary="Book a subject on a plan (a full day: join its queue)",
)
def booking_request(request: HttpRequest, payload: BookIn) -> Status[BookingOut]:
    who = principal(request)
    app = selectors.application_get(who, payload.application_id)
    plan = selectors.plan_get(payload.plan_id)
    b = services.booking_request(actor=actor(request), principal=who, application=app, plan=plan)
    return Status(201, _booking(request, b))


@router.get(
    "/exams/bookings",
    response=Page[BookingOut],
    auth=SITE_AUTH,
    summary="Bookings the caller may see (an exam site: its own only)",
)
def booking_list(
    request: HttpRequest,
    exam_date: dt.date | None = None,
    state: str = "",
    cursor: str | None = None,
    limit: int = 20,
) -> dict[str, object]:
    qs = selectors.bookings_for(principal(request))
    if exam_date:
        qs = qs.filter(plan__exam_date=exam_date)
    if state:
        qs = qs.filter(state=state[:16])
    rows, nxt = keyset(qs, cursor=cursor, limit=limit)
    _logged(request, rows)
    return {"items": [_booking(request, b) for b in rows], "next_cursor": nxt}


@router.get("/exams/bookings/{booking_id}", response=BookingOut, auth=SITE_AUTH)
def booking_detail(request: HttpRequest, booking_id: str) -> BookingOut:
    b = selectors.booking_get(principal(request), booking_id)
    _logged(request, [b])
    return _booking(request, b)


@router.post(
    "/exams/bookings/{booking_id}/cancel",
    response=BookingOut,
    auth=session_auth,
    summary="Cancel a booking at least one working day ahead (R162 Art. 46)",
)
def booking_cancel(
    request: HttpRequest, booking_id: str, payload: ReasonIn | None = None
) -> BookingOut:
    who = principal(request)
    b = services.booking_cancel(
        actor=actor(request),
        principal=who,
        booking=selectors.booking_get(who, booking_id),
        reason=payload.reason if payload else "",
    )
    return _booking(request, b)


# --- exam sites -------------------------------------------------------------------------------


@router.post(
    "/exams/plans",
    response={201: PlanOut},
    auth=SITE_AUTH,
    summary="Publish a booking plan at one's own site (at least 10 days ahead, R162 Art. 52)",
)
def plan_publish(request: HttpRequest, payload: PlanIn) -> Status[PlanOut]:
    who = principal(request)
    site = selectors.site_of(who)
    if site is None:
        raise NotFound("not_found", _("Exam site not found"), field="site")
    plan = services.plan_publish(
        actor=actor(request),
        principal=who,
        site=site,
        exam_date=payload.exam_date,
        subject=payload.subject,
        capacity=payload.capacity,
        classes=payload.classes or None,
    )
    return Status(201, PlanOut.build(plan))


@router.post(
    "/exams/bookings/{booking_id}/check-in",
    response=BookingOut,
    auth=SITE_AUTH,
    summary="Check in a booked applicant on the day: an examiner is drawn at random",
)
def booking_check_in(request: HttpRequest, booking_id: str) -> BookingOut:
    who = principal(request)
    b = services.booking_check_in(
        actor=actor(request), principal=who, booking=selectors.booking_get(who, booking_id)
    )
    return _booking(request, b)


@router.post(
    "/exams/bookings/{booking_id}/result",
    response={201: BookingOut},
    auth=SITE_AUTH,
    summary="Enter the result of a sitting (scores per part, with the free retake)",
)
def booking_result(request: HttpRequest, booking_id: str, payload: ScoresIn) -> Status[BookingOut]:
    who = principal(request)
    services.booking_result_record(
        actor=actor(request),
        principal=who,
        booking=selectors.booking_get(who, booking_id),
        scores={str(k): v for k, v in payload.scores.items()},
    )
    return Status(201, _booking(request, selectors.booking_get(who, booking_id)))
