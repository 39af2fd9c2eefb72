"""Every write of the exams app: exam sites, licence applications (where to apply, the
learner permit), booking plans, bookings with their queue, check-in with the random examiner,
results, and the licence issued through the business engine."""

from __future__ import annotations

import datetime as dt
import secrets
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from jiaoguan.accounts.ports import get_port
from jiaoguan.audit.services import Actor, audit_record
from jiaoguan.exams import rules as exam_rules
from jiaoguan.exams.constants import (
    ApplicationChannel,
    ApplicationKind,
    ApplicationState,
    BookingState,
)
from jiaoguan.exams.models import (
    ApplicationEvent,
    Booking,
    BookingEvent,
    ExamPlan,
    ExamResult,
    ExamSite,
    LicenceApplication,
)
from jiaoguan.exams.workflow import (
    APPLICATION_ACTIVE,
    APPLICATION_TRANSITIONS,
    BOOKING_TRANSITIONS,
    COUNTS_AS_BOOKING,
    HOLDS_PLACE,
    OPEN_BOOKING,
)
from jiaoguan.kernel import clock
from jiaoguan.kernel.errors import Conflict, DomainError, Forbidden, NotFound, PartnerUnavailable
from jiaoguan.licensing import rules as licensing
from jiaoguan.registry import services as registry
from jiaoguan.registry.constants import LicenceTerm, OrganisationKind
from jiaoguan.registry.models import DrivingLicence, Organisation, Person

#: The business type (catalogue) through which a licence is issued after the exams.
LICENCE_BUSINESS_TYPE = "exam_licence_issue"


def refuse(decision: Any, field: str | None = None) -> DomainError:
    """The structured refusal of a rule decision, in the caller's language."""
    return DomainError(
        decision.code,
        _(decision.message),
        field=field,
        citation=", ".join(decision.citations),
        message_en=decision.message,
    )


# --- exam sites -------------------------------------------------------------------------------


def _site_snapshot(s: ExamSite) -> dict[str, Any]:
    return {
        "organisation": str(s.organisation.public_id),
        "subjects": s.subjects,
        "classes": s.classes,
        "examiners": len(s.examiners),
        "active": s.active,
        "version": s.version,
    }


@transaction.atomic
def exam_site_create(
    *,
    actor: Actor,
    principal: Any,
    organisation: Organisation,
    subjects: list[int],
    classes: list[str],
    examiners: list[str],
) -> ExamSite:
    """Register an exam site's profile (vehicle office staff of its region)."""
    scope = getattr(principal, "region_scope", "") or ""
    if not principal.has_perm("exams.manage_exam_sites") or not scope:
        raise Forbidden("forbidden", _("You may not manage exam sites"))
    if not organisation.region_code.startswith(scope):
        raise NotFound("not_found", _("Organisation not found"), field="organisation")
    if organisation.kind != OrganisationKind.EXAM_SITE:
        raise DomainError(
            "not_an_exam_site", _("This organisation is not an exam site"), field="organisation"
        )
    if not subjects or any(s not in licensing.SUBJECTS for s in subjects):
        raise DomainError("invalid_subjects", _("Choose subjects 1, 2 or 3"), field="subjects")
    if not classes or any(c not in licensing.CLASSES for c in classes):
        raise DomainError("invalid_classes", _("Give the classes examined"), field="classes")
    names = [e.strip() for e in examiners if e.strip()]
    if not names or len(set(names)) != len(names) or any(len(e) > 32 for e in names):
        raise DomainError(
            "invalid_examiners",
            _("Give the examiners' codes (distinct, at most 32 characters)"),
            field="examiners",
        )
    if ExamSite.objects.filter(organisation=organisation).exists():
        raise Conflict("site_exists", _("This exam site already has a profile"))
    now = clock.now()
    site = ExamSite.objects.create(
        organisation=organisation,
        subjects=sorted(set(subjects)),
        classes=sorted(set(classes)),
        examiners=names,
        created_at=now,
        updated_at=now,
    )
    audit_record(
        actor=actor,
        action="exams.site_create",
        object_type="exam_site",
        object_ref=str(site.public_id),
        after=_site_snapshot(site),
    )
    return site


def _operates(principal: Any, site: ExamSite) -> bool:
    return bool(
        principal is not None
        and principal.has_perm("exams.operate_exam_site")
        and getattr(principal, "organisation_id", None) == site.organisation_id
    )


# --- licence applications ---------------------------------------------------------------------


def _app_snapshot(a: LicenceApplication) -> dict[str, Any]:
    return {
        "person": str(a.person.public_id),
        "class": a.licence_class,
        "kind": a.kind,
        "channel": a.channel,
        "region_code": a.region_code,
        "where_basis": a.where_basis,
        "where_rule": a.where_rule,
        "state": a.state,
        "passed": a.passed,
        "permit_issued_on": a.permit_issued_on.isoformat() if a.permit_issued_on else None,
        "permit_valid_until": a.permit_valid_until.isoformat() if a.permit_valid_until else None,
        "location_changes": a.location_changes,
        "version": a.version,
    }


def _app_move(
    a: LicenceApplication, command: str, *, actor: Actor, role: str, reason: str = ""
) -> LicenceApplication:
    """Apply one row of the application table to a locked application, with history and
    audit in the caller's transaction."""
    t = APPLICATION_TRANSITIONS[command]
    if role not in t.by:
        raise Forbidden("forbidden", _("You may not do this to this application"))
    if a.state not in t.source:
        raise Conflict(
            "invalid_transition",
            _("This application cannot be changed that way now (it is %(state)s)")
            % {"state": ApplicationState(a.state).label},
            field="state",
        )
    before = _app_snapshot(a)
    source = a.state
    a.state = t.target
    a.version += 1
    a.updated_at = clock.now()
    a.save()
    ApplicationEvent.objects.create(
        application=a,
        command=command,
        from_state=source,
        to_state=a.state,
        actor_ref=actor.ref[:64],
        reason=reason[:200],
        at=a.updated_at,
    )
    audit_record(
        actor=actor,
        action=f"exams.application_{command}",
        object_type="licence_application",
        object_ref=str(a.public_id),
        before=before,
        after=_app_snapshot(a),
        reason=reason,
        subject_person_ref=str(a.person.public_id),
    )
    return a


def _residence_permit(person: Person) -> exam_rules.PermitFacts:
    """The residence permit through the population system's data link (measure 1: looked up,
    not handed in). A link that does not answer is a clear "try again", never a refusal."""
    try:
        permit = get_port("residence").permit(id_number=person.id_number)
    except PartnerUnavailable as exc:
        raise DomainError(
            "residence_link_unavailable",
            _("The residence-permit system does not answer at present; try again later"),
            field="region_code",
        ) from exc
    return exam_rules.PermitFacts(permit.status, permit.region_code, permit.valid_until)


def _age(person: Person, on: dt.date) -> int:
    born = person.birth_date
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _may_apply_for(principal: Any, person: Person) -> tuple[str, Organisation | None]:
    """(channel, agent): the person themselves online, or a school / counter in its scope."""
    if getattr(principal, "person_id", None) == person.pk:
        return ApplicationChannel.ONLINE, None
    if principal is not None and principal.has_perm("exams.handle_licence_application"):
        scope = getattr(principal, "region_scope", "") or ""
        org = getattr(principal, "organisation", None)
        if scope:
            if org is not None and org.kind == OrganisationKind.COMPANY:
                return ApplicationChannel.SCHOOL, org
            return ApplicationChannel.WINDOW, org
    raise Forbidden("forbidden", _("You may not apply for this person"))


@transaction.atomic
def licence_application_start(
    *,
    actor: Actor,
    principal: Any,
    person: Person,
    licence_class: str,
    office_region: str,
    kind: str = ApplicationKind.FIRST,
) -> LicenceApplication:
    """Apply for a class at the office of ``office_region``: where to apply (R162 Art. 22;
    measure 16; the residence permit through its data link only when the household
    registration is in another province), the class and the age (R162 Arts. 14, 16–17 via
    ``licensing.rules``). An applicant online, or a driving school or counter for them."""
    channel, agent = _may_apply_for(principal, person)
    if kind not in ApplicationKind.values:
        raise DomainError("invalid_kind", _("Unknown kind of application"), field="kind")
    scope = getattr(principal, "region_scope", "") or ""
    if channel != ApplicationChannel.ONLINE and not office_region.startswith(scope):
        raise Forbidden("forbidden", _("This office is outside your region"), field="region_code")
    today = clock.today()
    age = _age(person, today)
    licence = DrivingLicence.objects.filter(person=person).first()
    if kind == ApplicationKind.FIRST:
        if licence is not None:
            raise DomainError(
                "already_licensed",
                _("You hold a licence: apply to add a class"),
                field="kind",
                citation="R162 Art. 16",
            )
        decision = licensing.first_application(cls=licence_class, age=age, on=today)
    else:
        if licence is None:
            raise DomainError("no_licence", _("Adding a class needs a licence"), field="kind")
        held = [licensing.HeldClass(c, licence.first_issue_date) for c in licence.classes.split()]
        decision = licensing.add_class(
            cls=licence_class,
            held=held,
            age=age,
            on=today,
            first_issued=licence.first_issue_date,
        )
    if not decision.allowed:
        raise refuse(decision, "licence_class")
    household = person.id_number[:6]
    permit = None
    if kind == ApplicationKind.FIRST and household[:2] != office_region[:2]:
        permit = _residence_permit(person)
    where = exam_rules.where_to_apply(
        kind=kind,
        office_region=office_region,
        household_region=household,
        residence_region=person.region_code,
        licence_region=licence.region_code if licence else None,
        permit=permit,
        on=today,
    )
    if not where.allowed:
        raise refuse(where, "region_code")
    now = clock.now()
    try:
        with transaction.atomic():
            app = LicenceApplication.objects.create(
                person=person,
                licence_class=licence_class,
                kind=kind,
                channel=channel,
                agent=agent,
                region_code=office_region,
                city_code=office_region[:4],
                province_code=office_region[:2],
                where_basis=str(where.facts["basis"]),
                where_rule=where.rule,
                created_at=now,
                updated_at=now,
            )
    except IntegrityError as exc:
        raise Conflict(
            "application_open",
            _("An application for this class is already open"),
            field="licence_class",
        ) from exc
    ApplicationEvent.objects.create(
        application=app,
        command="apply",
        to_state=app.state,
        actor_ref=actor.ref[:64],
        at=now,
    )
    audit_record(
        actor=actor,
        action="exams.application_start",
        object_type="licence_application",
        object_ref=str(app.public_id),
        after={**_app_snapshot(app), "rules": [decision.rule, where.rule]},
        subject_person_ref=str(person.public_id),
    )
    return app


def _applicant_role(principal: Any, app: LicenceApplication) -> str:
    if getattr(principal, "person_id", None) == app.person_id:
        return "applicant"
    if (
        principal is not None
        and app.agent_id is not None
        and getattr(principal, "organisation_id", None) == app.agent_id
        and principal.has_perm("exams.handle_licence_application")
    ):
        return "applicant"
    return ""


def _lock_app(app: LicenceApplication) -> LicenceApplication:
    return (
        LicenceApplication.objects.select_for_update(of=("self",))
        .select_related("person")
        .get(pk=app.pk)
    )


@transaction.atomic
def licence_application_withdraw(
    *, actor: Actor, principal: Any, application: LicenceApplication, reason: str = ""
) -> LicenceApplication:
    """The applicant (or their agent) withdraws; open bookings are cancelled with it."""
    app = _lock_app(application)
    if not _applicant_role(principal, app):
        raise NotFound("not_found", _("Application not found"))
    for b in app.bookings.filter(state__in=[BookingState.WAITING, BookingState.BOOKED]):
        _booking_cancel_locked(_lock_booking(b), actor=actor, reason="application withdrawn")
    return _app_move(app, "withdraw", actor=actor, role="applicant", reason=reason)


@transaction.atomic
def licence_application_relocate(
    *,
    actor: Actor,
    principal: Any,
    application: LicenceApplication,
    office_region: str,
    reason: str = "",
) -> LicenceApplication:
    """Change the exam place after a move (R162 Art. 39 para 3; DOMAIN.md §5.5): an applicant
    for a small class (C1–C6) who has passed part of the exams and now lives elsewhere books the
    other subjects at the office of the new residence, at most 3 times. The new office must be
    one they may apply at (R162 Art. 22, ``exams.rules.where_to_apply``, the residence permit
    through its data link when the household registration is in another province); the move
    itself is the applicant's statement (the registry keeps no residence history to check it
    against, and measure 16 lets them apply anywhere in their own province). The applicant
    online, or a counter for them whose region covers the application and the new office;
    refused while a booking is open (cancel it first: the cancellation rules apply). Nothing
    passed is lost."""
    app = _lock_app(application)
    person = app.person
    own = getattr(principal, "person_id", None) == app.person_id
    scope = getattr(principal, "region_scope", "") or ""
    counter = (
        principal is not None
        and bool(scope)
        and principal.has_perm("exams.handle_licence_application")
        and office_region.startswith(scope)
    )
    if not (own or counter):
        raise NotFound("not_found", _("Application not found"))
    if len(office_region) != 6 or not office_region.isdigit():
        raise DomainError(
            "invalid_office", _("Choose the office (a 6-digit region code)"), field="region_code"
        )
    if app.state not in APPLICATION_ACTIVE:
        raise Conflict(
            "invalid_transition",
            _("This application cannot be changed that way now (it is %(state)s)")
            % {"state": ApplicationState(app.state).label},
            field="state",
        )
    decision = licensing.exam_location_change(
        cls=app.licence_class, changes_made=app.location_changes
    )
    if not decision.allowed:
        raise refuse(decision, "region_code")
    if not app.passed:
        raise DomainError(
            "no_subject_passed",
            _(
                "The exam place can be changed once a subject is passed; before that, withdraw"
                " and apply at your new place"
            ),
            field="region_code",
            citation="R162 Art. 39",
        )
    if office_region == app.region_code:
        raise DomainError("same_place", _("This is already your exam place"), field="region_code")
    if app.bookings.filter(state__in=OPEN_BOOKING).exists():
        raise Conflict(
            "booking_open",
            _("Cancel your open exam booking first"),
            field="region_code",
            citation="R162 Art. 46",
        )
    today = clock.today()
    household = person.id_number[:6]
    licence = DrivingLicence.objects.filter(person=person).first()
    permit = None
    if app.kind == ApplicationKind.FIRST and household[:2] != office_region[:2]:
        permit = _residence_permit(person)
    where = exam_rules.where_to_apply(
        kind=app.kind,
        office_region=office_region,
        household_region=household,
        residence_region=person.region_code,
        licence_region=licence.region_code if licence else None,
        permit=permit,
        on=today,
    )
    if not where.allowed:
        raise refuse(where, "region_code")
    before = _app_snapshot(app)
    app.region_code, app.city_code, app.province_code = (
        office_region,
        office_region[:4],
        office_region[:2],
    )
    app.where_basis, app.where_rule = str(where.facts["basis"]), where.rule
    app.location_changes += 1
    app.version += 1
    app.updated_at = clock.now()
    app.save()
    reason = reason.strip()[:200]
    ApplicationEvent.objects.create(
        application=app,
        command="relocate",
        from_state=app.state,
        to_state=app.state,
        actor_ref=actor.ref[:64],
        reason=reason,
        at=app.updated_at,
    )
    audit_record(
        actor=actor,
        action="exams.application_relocate",
        object_type="licence_application",
        object_ref=str(app.public_id),
        before=before,
        after={**_app_snapshot(app), "rules": [decision.rule, where.rule]},
        reason=reason,
        subject_person_ref=str(person.public_id),
    )
    return app


# --- plans ------------------------------------------------------------------------------------


@transaction.atomic
def plan_publish(
    *,
    actor: Actor,
    principal: Any,
    site: ExamSite,
    exam_date: dt.date,
    subject: int,
    capacity: int,
    classes: list[str] | None = None,
) -> ExamPlan:
    """Publish the booking plan of one day and subject at one's own site, at least 10 days
    ahead (R162 Art. 52 via ``licensing.rules.booking_plan_published``)."""
    if not _operates(principal, site):
        raise NotFound("not_found", _("Exam site not found"), field="site")
    if not site.active:
        raise DomainError("site_inactive", _("This exam site is not active"), field="site")
    if subject not in site.subjects:
        raise DomainError(
            "subject_not_examined", _("This site does not examine that subject"), field="subject"
        )
    if not 1 <= capacity <= 5000:
        raise DomainError("invalid_capacity", _("Give between 1 and 5000 places"), field="capacity")
    wanted = sorted(set(classes or site.classes))
    if any(c not in site.classes for c in wanted):
        raise DomainError(
            "class_not_examined", _("This site does not examine that class"), field="classes"
        )
    today = clock.today()
    decision = licensing.booking_plan_published(published_on=today, exam_date=exam_date)
    if not decision.allowed:
        raise refuse(decision, "exam_date")
    try:
        with transaction.atomic():
            plan = ExamPlan.objects.create(
                site=site,
                exam_date=exam_date,
                subject=subject,
                classes=wanted,
                capacity=capacity,
                published_on=today,
                rule=decision.rule,
                created_at=clock.now(),
            )
    except IntegrityError as exc:
        raise Conflict(
            "plan_exists", _("A plan for this day and subject is already published")
        ) from exc
    audit_record(
        actor=actor,
        action="exams.plan_publish",
        object_type="exam_plan",
        object_ref=str(plan.public_id),
        after={
            "site": str(site.public_id),
            "exam_date": exam_date.isoformat(),
            "subject": subject,
            "classes": wanted,
            "capacity": capacity,
            "rule": decision.rule,
        },
    )
    return plan


def _take_place(plan_id: int) -> bool:
    """Take one place of a plan in one conditional ``UPDATE … WHERE booked < capacity``: the
    row lock of the UPDATE serialises concurrent takers and each re-checks the condition on
    the committed row, so the counter never passes the capacity (also a CHECK constraint)."""
    return bool(
        ExamPlan.objects.filter(pk=plan_id, booked__lt=F("capacity")).update(booked=F("booked") + 1)
    )


def _free_place(plan_id: int) -> None:
    ExamPlan.objects.filter(pk=plan_id, booked__gt=0).update(booked=F("booked") - 1)


# --- bookings ---------------------------------------------------------------------------------


def _booking_snapshot(b: Booking) -> dict[str, Any]:
    return {
        "application": str(b.application.public_id),
        "plan": str(b.plan.public_id),
        "subject": b.subject,
        "state": b.state,
        "number": b.number,
        "examiner": b.examiner,
        "allocation_rule": b.allocation_rule,
        "version": b.version,
    }


def _booking_move(
    b: Booking, command: str, *, actor: Actor, role: str, reason: str = "", **audit_extra: Any
) -> Booking:
    t = BOOKING_TRANSITIONS[command]
    if role not in t.by:
        raise Forbidden("forbidden", _("You may not do this to this booking"))
    if b.state not in t.source:
        raise Conflict(
            "invalid_transition",
            _("This booking cannot be changed that way now (it is %(state)s)")
            % {"state": BookingState(b.state).label},
            field="state",
        )
    before = _booking_snapshot(b)
    source = b.state
    now = clock.now()
    b.state = t.target
    if t.target == BookingState.CHECKED_IN:
        b.checked_in_at = now
    elif t.target == BookingState.BOOKED:
        b.allocated_at = now
    else:
        b.closed_at = now
    b.version += 1
    b.save()
    BookingEvent.objects.create(
        booking=b,
        command=command,
        from_state=source,
        to_state=b.state,
        actor_ref=actor.ref[:64],
        reason=reason[:200],
        at=now,
    )
    audit_record(
        actor=actor,
        action=f"exams.booking_{command}",
        object_type="exam_booking",
        object_ref=str(b.public_id),
        before=before,
        after={**_booking_snapshot(b), **audit_extra},
        reason=reason,
        subject_person_ref=str(b.application.person.public_id),
    )
    return b


def _lock_booking(b: Booking) -> Booking:
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("plan__site", "application__person")
        .get(pk=b.pk)
    )


def _bookings_made(app: LicenceApplication, subject: int) -> int:
    return app.bookings.filter(subject=subject, state__in=COUNTS_AS_BOOKING).count()


def _retake_failed_on(app: LicenceApplication, subject: int) -> dt.date | None:
    """The day of the last failed sitting (or absence) of ``subject``: every recorded fail is
    a failed retake or a sitting whose retake was not taken (R162 Art. 47)."""
    last = (
        app.bookings.filter(subject=subject, state__in=[BookingState.FAILED, BookingState.ABSENT])
        .select_related("plan")
        .order_by("-plan__exam_date")
        .first()
    )
    return last.plan.exam_date if last else None


def _check_booking(app: LicenceApplication, plan: ExamPlan, today: dt.date) -> str:
    """The rules a booking must meet (R162 Arts. 41, 43–44, 47 via ``licensing.rules``);
    returns the rule version used."""
    subject = plan.subject
    if app.state not in APPLICATION_ACTIVE:
        raise Conflict(
            "application_closed",
            _("This application takes no more bookings (it is %(state)s)")
            % {"state": ApplicationState(app.state).label},
            field="application",
        )
    if app.licence_class not in plan.classes:
        raise DomainError(
            "class_not_examined", _("This plan does not examine your class"), field="plan"
        )
    if plan.exam_date <= today:
        raise DomainError("plan_closed", _("Booking for this day has closed"), field="plan")
    parts = {1: ["1"], 2: ["2"], 3: ["3road", "3safety"]}[subject]
    if all(p in app.passed for p in parts):
        raise Conflict("already_passed", _("You have passed this subject"), field="plan")
    if subject == 1:
        if app.state != ApplicationState.OPEN:
            raise Conflict("already_passed", _("You have passed this subject"), field="plan")
        return f"exam.booking@{licensing.R162_IN_FORCE.isoformat()}"
    if app.permit_issued_on is None:
        raise DomainError(
            "no_learner_permit",
            _("Subjects 2 and 3 are booked with the learner permit issued after subject 1"),
            field="plan",
            citation="R162 Art. 40",
        )
    decision = licensing.exam_booking(
        subject=subject,
        cls=app.licence_class,
        permit_issued_on=app.permit_issued_on,
        birth_date=app.person.birth_date,
        exam_date=plan.exam_date,
        on=today,
        bookings_made=_bookings_made(app, subject),
        retake_failed_on=_retake_failed_on(app, subject),
        adding_to_car_licence=app.kind == ApplicationKind.ADD_CLASS,
    )
    if not decision.allowed:
        raise refuse(decision, "plan")
    return decision.rule


@transaction.atomic
def booking_request(
    *, actor: Actor, principal: Any, application: LicenceApplication, plan: ExamPlan
) -> Booking:
    """Book a subject on a published plan within the rules. While places remain one is taken
    at once (a single conditional UPDATE of the plan's counter); when the day is full the
    booking waits in the queue, ranked by the published priority rules
    (``rules.PRIORITY_RULES``), and takes a place a cancellation frees."""
    app = _lock_app(application)
    if not _applicant_role(principal, app):
        raise NotFound("not_found", _("Application not found"), field="application")
    plan = ExamPlan.objects.select_related("site").get(pk=plan.pk)
    today = clock.today()
    rule = _check_booking(app, plan, today)
    now = clock.now()
    taken = _take_place(plan.pk)
    priority = {
        "permit_valid_until": (
            app.permit_valid_until.isoformat() if app.permit_valid_until else None
        ),
        "requested_at": now.astimezone(dt.UTC).isoformat(),
    }
    try:
        with transaction.atomic():
            booking = Booking.objects.create(
                application=app,
                plan=plan,
                subject=plan.subject,
                state=BookingState.BOOKED if taken else BookingState.WAITING,
                number=_bookings_made(app, plan.subject) + 1 if taken else 0,
                priority=priority,
                requested_at=now,
                allocated_at=now if taken else None,
                allocation_rule=exam_rules.PRIORITY_RULES.version if not taken else "",
                booking_rule=rule,
            )
    except IntegrityError as exc:
        raise Conflict(
            "booking_open", _("This subject is already booked or in a queue"), field="plan"
        ) from exc
    BookingEvent.objects.create(
        booking=booking,
        command="book" if taken else "queue",
        to_state=booking.state,
        actor_ref=actor.ref[:64],
        at=now,
    )
    if not taken:  # a place freed by a concurrent cancellation that could not see this booking
        transaction.on_commit(partial(_fill_from_queue, plan.pk), robust=True)
    audit_record(
        actor=actor,
        action="exams.booking_request",
        object_type="exam_booking",
        object_ref=str(booking.public_id),
        after={**_booking_snapshot(booking), "rule": rule, "priority": priority},
        subject_person_ref=str(app.person.public_id),
    )
    return booking


def _promote(plan: ExamPlan, actor: Actor) -> Booking | None:
    """Give a freed place to the first waiting booking under the priority rules (the
    allocation and the rule version are audited). Waiting rows are locked with SKIP LOCKED so
    a concurrent promotion never blocks on, or takes, the same booking."""
    waiting = list(
        Booking.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(plan=plan, state=BookingState.WAITING)
        .select_related("application__person", "plan")
    )
    if not waiting:
        return None
    rules = exam_rules.PRIORITY_RULES
    first = min(waiting, key=lambda b: (exam_rules.queue_key(b.priority, rules), b.pk))
    if not _take_place(plan.pk):
        return None
    first.number = _bookings_made(first.application, first.subject) + 1
    first.allocation_rule = rules.version
    return _booking_move(
        first,
        "allocate",
        actor=actor,
        role="system",
        reason=f"place freed; priority rules {rules.version}",
        queue_length=len(waiting),
    )


def _fill_from_queue(plan_id: int) -> None:
    """After a commit that queued a booking or freed a place: give the plan's free places to its
    queue. A booking queued while a concurrent cancellation freed a place is invisible to that
    cancellation's promotion until it commits; whichever of the two commits last runs this check
    after both, so no place stays free while someone waits."""
    with transaction.atomic():
        plan = ExamPlan.objects.get(pk=plan_id)
        while plan.booked < plan.capacity and _promote(plan, Actor.system("exams.queue")):
            plan.refresh_from_db(fields=["booked"])


def _release(b: Booking) -> None:
    """A cancelled booking's place goes back to the plan and on to the queue (now, and once
    more after commit: ``_fill_from_queue``)."""
    _free_place(b.plan_id)
    _promote(b.plan, Actor.system("exams.queue"))
    transaction.on_commit(partial(_fill_from_queue, b.plan_id), robust=True)


def _booking_cancel_locked(b: Booking, *, actor: Actor, reason: str) -> Booking:
    held = b.state in HOLDS_PLACE
    b = _booking_move(b, "cancel", actor=actor, role="applicant", reason=reason)
    if held:
        _release(b)
    return b


@transaction.atomic
def booking_cancel(*, actor: Actor, principal: Any, booking: Booking, reason: str = "") -> Booking:
    """Cancel a booking: a place is cancelled at least one working day ahead (R162 Art. 46 via
    ``licensing.rules.booking_cancellation``), later the absence counts as a fail; a place in
    the queue may be given up at any time. A freed place goes to the queue."""
    b = _lock_booking(booking)
    if not _applicant_role(principal, b.application):
        raise NotFound("not_found", _("Booking not found"))
    if b.state in HOLDS_PLACE:
        decision = licensing.booking_cancellation(exam_date=b.plan.exam_date, on=clock.today())
        if not decision.allowed:
            raise refuse(decision, "state")
    return _booking_cancel_locked(b, actor=actor, reason=reason)


@transaction.atomic
def booking_check_in(*, actor: Actor, principal: Any, booking: Booking) -> Booking:
    """The site checks in a booked applicant on the exam day and an examiner is drawn at
    random (``secrets``) from the site's examiners (R162 Art. 48); the draw is audited."""
    b = _lock_booking(booking)
    if not _operates(principal, b.plan.site):
        raise NotFound("not_found", _("Booking not found"))
    if b.plan.exam_date != clock.today():
        raise DomainError("not_today", _("Check in on the exam day"), field="state")
    examiners = list(b.plan.site.examiners)
    if not examiners:
        raise Conflict("no_examiners", _("This site has no examiners"), field="state")
    b.examiner = secrets.choice(examiners)
    return _booking_move(
        b,
        "check_in",
        actor=actor,
        role="site",
        reason="examiner drawn at random (secrets.choice), R162 Art. 48",
        drawn_from=len(examiners),
    )


@transaction.atomic
def booking_result_record(
    *, actor: Actor, principal: Any, booking: Booking, scores: dict[str, list[int]]
) -> ExamResult:
    """The site enters the result of a sitting: per part the first score and, after a fail,
    the free retake (R162 Arts. 38, 47). Passing 科目一 issues the learner permit (3 years,
    R162 Art. 41); failing the 5th booking of 科目二 or 科目三 voids the application and the
    subjects passed (Art. 47); passing the last subject opens the licence business with its
    10-yuan fee in the business engine, which issues the licence once the fee is paid."""
    b = _lock_booking(booking)
    if not _operates(principal, b.plan.site):
        raise NotFound("not_found", _("Booking not found"))
    if b.state != BookingState.CHECKED_IN:
        raise Conflict(
            "not_checked_in", _("Record a result for a checked-in applicant"), field="state"
        )
    app = _lock_app(b.application)
    done = [p[1:] for p in ("3road", "3safety") if p in app.passed] if b.subject == 3 else []
    outcome = exam_rules.sitting_outcome(
        subject=b.subject, cls=app.licence_class, scores=scores, done=done
    )
    if outcome.code == "invalid_scores":
        raise refuse(outcome, "scores")
    parts = dict(outcome.facts["parts_passed"])  # type: ignore[call-overload]
    today = clock.today()
    b = _booking_move(
        b, "pass" if outcome.allowed else "fail", actor=actor, role="site", scores=scores
    )
    result = ExamResult.objects.create(
        booking=b,
        scores=scores,
        parts_passed=parts,
        passed=outcome.allowed,
        rule=outcome.rule,
        examiner=b.examiner,
        recorded_by=actor.ref[:64],
        recorded_at=clock.now(),
    )
    for part, ok in parts.items():
        if ok:
            app.passed[str(b.subject) if part == "main" else f"3{part}"] = today.isoformat()
    app.save(update_fields=["passed"])
    if b.subject == 1 and outcome.allowed:
        _issue_permit(app, actor, today)
    elif not outcome.allowed:
        _after_fail(b, actor, today, app)
    if app.state == ApplicationState.LEARNING and exam_rules.exams_complete(app.passed):
        _open_licence_case(app, actor)
    return result


def _after_fail(
    b: Booking, actor: Actor, day: dt.date, app: LicenceApplication | None = None
) -> None:
    """A failed sitting or an absence: failing the 5th booking of 科目二 or 科目三 voids the
    subjects passed and the application (R162 Art. 47 via ``licensing.rules.exam_failure``)."""
    failure = licensing.exam_failure(
        subject=b.subject, failed_on=day, was_retake=True, booking_number=b.number
    )
    if not failure.facts.get("voids_other_subjects"):
        return
    app = app or _lock_app(b.application)
    if app.state not in APPLICATION_ACTIVE:
        return
    _void(app, actor, "5th booking failed (R162 Art. 47)")


def _void(app: LicenceApplication, actor: Actor, reason: str) -> None:
    """Void a (locked) application: the subjects passed are void and its open bookings are
    cancelled, their places going to the queue."""
    app.passed = {}
    app.void_reason = reason[:200]
    for b in app.bookings.filter(state__in=[BookingState.WAITING, BookingState.BOOKED]):
        locked = _lock_booking(b)
        held = locked.state in HOLDS_PLACE
        locked = _booking_move(locked, "cancel", actor=actor, role="system", reason=reason)
        if held:
            _release(locked)
    _app_move(app, "void", actor=actor, role="system", reason=app.void_reason)


def _issue_permit(app: LicenceApplication, actor: Actor, today: dt.date) -> None:
    decision = licensing.learner_permit(
        cls=app.licence_class, issued_on=today, birth_date=app.person.birth_date
    )
    if not decision.allowed:  # over the age limit by now: nothing more to sit
        _void(app, actor, decision.code)
        return
    app.permit_issued_on = today
    app.permit_valid_until = dt.date.fromisoformat(str(decision.facts["valid_until"]))
    app.permit_rule = decision.rule
    _app_move(app, "issue_permit", actor=actor, role="system", reason=decision.rule)


def _open_licence_case(app: LicenceApplication, actor: Actor) -> None:
    """Open and submit the licence business in the engine for the applicant (the fee of 10
    yuan, DOMAIN.md §6, is then due); ``licence_from_exams`` runs when it completes."""
    from jiaoguan.cases import services as cases

    case = cases.application_start(
        actor=actor,
        applicant=app.person,
        business_type=LICENCE_BUSINESS_TYPE,
        channel="online",
        region_code=app.region_code,
    )
    case.form = {**case.form, "licence_class": app.licence_class, "exams": str(app.public_id)}
    case.save(update_fields=["form"])
    app.licence_case_ref = str(case.public_id)
    _app_move(app, "all_passed", actor=actor, role="system", reason=case.case_number)
    cases.application_submit(actor=actor, principal=None, application=case)


def licence_from_exams(*, case: Any, actor: Actor) -> DrivingLicence:
    """The engine's effect for ``exam_licence_issue``: the licence (first issue: 6 years, R162
    Art. 13; an added class on the licence held) and its electronic document, and the
    application closes. Runs inside the engine's approving transaction."""
    from jiaoguan.documents.constants import DocumentKind
    from jiaoguan.documents.selectors import licence_fields
    from jiaoguan.documents.services import document_issue

    app = (
        LicenceApplication.objects.select_for_update(of=("self",))
        .select_related("person")
        .get(licence_case_ref=str(case.public_id))
    )
    today = clock.today()
    if app.kind == ApplicationKind.FIRST:
        licence = registry.licence_issue(
            actor=actor,
            person=app.person,
            classes=[app.licence_class],
            first_issue_date=today,
            valid_from=today,
            term=LicenceTerm.SIX_YEARS,
            region_code=app.region_code,
        )
    else:
        held = DrivingLicence.objects.get(person=app.person)
        licence = registry.licence_classes_change(
            actor=actor,
            licence=held,
            classes=[*held.classes.split(), app.licence_class],
            reason=f"exams {app.public_id}",
        )
    licence = DrivingLicence.objects.select_related("person").get(pk=licence.pk)
    document_issue(
        actor=actor,
        kind=DocumentKind.DRIVING_LICENCE,
        subject_type="licence",
        subject_ref=str(licence.public_id),
        holder_person_ref=str(app.person.public_id),
        fields=licence_fields(licence),
    )
    _app_move(app, "licence_issued", actor=actor, role="system", reason=str(licence.public_id))
    return licence


# --- scheduled jobs ---------------------------------------------------------------------------


def bookings_absent_run(*, actor: Actor) -> int:
    """After the exam day: booked applicants who never checked in are absent, which counts as
    a failed sitting (R162 Art. 46); queues of past days close. Each in its own transaction."""
    today = clock.today()
    marked = 0
    for b in Booking.objects.filter(
        state__in=[BookingState.BOOKED, BookingState.WAITING], plan__exam_date__lt=today
    ).iterator():
        with transaction.atomic():
            locked = _lock_booking(b)
            if locked.state == BookingState.BOOKED:
                _booking_move(
                    locked,
                    "mark_absent",
                    actor=actor,
                    role="system",
                    reason="not cancelled one working day ahead: counts as failed (R162 Art. 46)",
                )
                _after_fail(locked, actor, locked.plan.exam_date)
                marked += 1
            elif locked.state == BookingState.WAITING:
                _booking_move(locked, "close_queue", actor=actor, role="system")
    return marked


def permits_expire_run(*, actor: Actor) -> int:
    """Applications whose learner permit has expired before every subject was passed: the
    subjects passed are void (R162 Art. 41) and the application with them. Each in its own
    transaction; returns how many."""
    today = clock.today()
    voided = 0
    for app in LicenceApplication.objects.filter(
        state=ApplicationState.LEARNING, permit_valid_until__lt=today
    ).iterator():
        with transaction.atomic():
            locked = _lock_app(app)
            if locked.state == ApplicationState.LEARNING:
                _void(locked, actor, "learner permit expired (R162 Art. 41)")
                voided += 1
    return voided
