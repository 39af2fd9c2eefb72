"""Every write of the business engine. The lifecycle moves only through
:func:`application_transition`, which consults the workflow table (``workflow.py``)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from jiaoguan.accounts.ports import get_port
from jiaoguan.accounts.principal import Principal
from jiaoguan.audit.services import Actor, audit_record
from jiaoguan.cases import checks, rules
from jiaoguan.cases.catalogue import FEE_NAMES, TYPES, entries_for
from jiaoguan.cases.constants import (
    Channel,
    Delivery,
    OutOfOrderReason,
    ReviewPolicy,
    State,
    SubjectType,
)
from jiaoguan.cases.effects import DELIVERABLE_EFFECTS, EFFECTS, PHYSICAL_EFFECTS
from jiaoguan.cases.models import (
    Application,
    ApplicationEvent,
    BusinessType,
    CaseCounter,
    CatalogueEntry,
    Shipment,
)
from jiaoguan.cases.workflow import TRANSITIONS
from jiaoguan.kernel import clock
from jiaoguan.kernel.calendar import WorkingCalendar
from jiaoguan.kernel.errors import Conflict, DomainError, Forbidden, NotFound, PartnerUnavailable
from jiaoguan.notices.services import notice_send
from jiaoguan.payments.models import FeeOrder
from jiaoguan.payments.services import fee_order_create
from jiaoguan.registry.models import DrivingLicence, Organisation, Person, Vehicle

_CALENDAR = WorkingCalendar.load()


# --- catalogue ------------------------------------------------------------------------------


@transaction.atomic
def catalogue_sync(*, actor: Actor) -> int:
    """Load the catalogue of ``catalogue.py`` (idempotent); returns how many entries it added."""
    added = 0
    for spec in TYPES:
        if spec["effect"] not in EFFECTS:
            raise DomainError("unknown_effect", f"no registry effect {spec['effect']!r}")
        btype, _created = BusinessType.objects.get_or_create(
            code=spec["code"], defaults={"name_zh": spec["name_zh"], "name_en": spec["name_en"]}
        )
        for entry in entries_for(spec):
            if CatalogueEntry.objects.filter(
                business_type=btype, version=entry["version"]
            ).exists():
                continue
            row = CatalogueEntry.objects.create(
                business_type=btype, created_at=clock.now(), **entry
            )
            audit_record(
                actor=actor,
                action="catalogue.entry_add",
                object_type="catalogue",
                object_ref=f"{btype.code}@{row.version}",
                after={
                    **entry,
                    "valid_from": str(entry["valid_from"]),
                    "valid_until": str(entry["valid_until"]),
                },
            )
            added += 1
    return added


def catalogue_in_force(
    *, on: dt.date, region_code: str, code: str | None = None
) -> list[CatalogueEntry]:
    """For each business type (or just ``code``), the entry in force on ``on`` in
    ``region_code``: the highest version whose dates and regions cover it. One query."""
    entries = CatalogueEntry.objects.select_related("business_type").order_by(
        "business_type__code", "-version"
    )
    if code is not None:
        entries = entries.filter(business_type__code=code)
    chosen: dict[str, CatalogueEntry] = {}
    for e in entries:
        if (
            e.business_type.code not in chosen
            and e.valid_from <= on
            and (e.valid_until is None or on < e.valid_until)
            and (not e.regions or any(region_code.startswith(r) for r in e.regions))
        ):
            chosen[e.business_type.code] = e
    return list(chosen.values())


def entry_in_force(code: str, *, on: dt.date, region_code: str, channel: str) -> CatalogueEntry:
    """The catalogue entry for ``code`` in force on ``on`` in ``region_code``, offered on
    ``channel``; a refusal saying which of the two is missing otherwise."""
    candidates = catalogue_in_force(on=on, region_code=region_code, code=code)
    if not candidates:
        raise DomainError(
            "not_offered",
            _("This business is not offered here on this date"),
            field="business_type",
        )
    entry = candidates[0]
    if channel not in entry.channels:
        raise DomainError(
            "channel_not_offered",
            _("This business cannot be done through this channel"),
            field="channel",
        )
    return entry


# --- the lifecycle --------------------------------------------------------------------------


def _lock(application: Application) -> Application:
    """Lock an application's row for this transaction, with what every step reads of it
    (applicant, business type, catalogue entry) in the same query."""
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("applicant", "business_type", "catalogue_entry")
        .get(pk=application.pk)
    )


def _is_applicant(principal: Principal | None, app: Application) -> bool:
    return principal is None or getattr(principal, "person_id", None) == app.applicant_id


def _is_outlet_agent(principal: Principal | None, app: Application) -> bool:
    """An agent of the outlet an application was made at acts there for the applicant."""
    return (
        principal is not None
        and app.outlet_id is not None
        and app.outlet_id == getattr(principal, "organisation_id", None)
        and principal.has_perm("cases.handle_outlet_application")
    )


@transaction.atomic
def application_transition(
    *,
    actor: Actor,
    principal: Principal | None,
    application: Application,
    command: str,
    reason: str = "",
) -> Application:
    """Run a named command: lock the row, check the table and the caller, move, record.

    ``principal`` None means the engine itself (checks, payment, production)."""
    transition = TRANSITIONS.get(command)
    if transition is None:
        raise DomainError(
            "unknown_command",
            _("Unknown command: %(command)s") % {"command": command},
            field="command",
        )
    app = _lock(application)
    if transition.by == "system" and principal is not None:
        raise Forbidden("not_permitted", _("You may not do this"))
    if (
        transition.by == "applicant"
        and not _is_applicant(principal, app)
        and not _is_outlet_agent(principal, app)
        and not (principal is not None and principal.has_perm("cases.handle_application"))
    ):
        raise Forbidden("not_permitted", _("You may not do this"))
    if transition.by == "staff" and (
        principal is None or not principal.has_perm(transition.permission)
    ):
        raise Forbidden("not_permitted", _("You may not do this"))
    if (
        transition.by == "staff"
        and command in ("reject", "return_for_correction")
        and not reason.strip()
    ):
        raise DomainError("reason_required", _("Give a reason"), field="reason")
    if app.state not in transition.source:
        raise Conflict(
            "transition_not_allowed",
            _("The application is %(state)s: this command does not apply")
            % {"state": app.get_state_display()},
        )
    before = app.state
    app.state = transition.target
    app.version += 1
    app.updated_at = clock.now()
    app.save(update_fields=["state", "version", "updated_at"])
    event = audit_record(
        actor=actor,
        action=f"application.{command}",
        object_type="application",
        object_ref=str(app.public_id),
        before={"state": before},
        after={"state": app.state},
        reason=reason,
        subject_person_ref=str(app.applicant.public_id),
    )
    _notify(app, reason)
    ApplicationEvent.objects.create(
        application=app,
        command=command,
        from_state=before,
        to_state=app.state,
        actor_ref=actor.ref,
        actor_label=actor.label,
        reason=reason,
        at=event.created_at,
        audit_partition=event.partition,
        audit_seq=event.seq,
    )
    return app


_NOTIFY_ON = {
    State.AWAITING_PAYMENT,
    State.UNDER_REVIEW,
    State.RETURNED,
    State.REJECTED,
    State.READY,
    State.DISPATCHED,
    State.COMPLETED,
}


def _notify(app: Application, reason: str) -> None:
    """Tell the applicant at each step that matters to them (portal message + SMS)."""
    if app.state not in _NOTIFY_ON:
        return
    refusal = (app.refusal or {}).get("message", "") if app.state == State.REJECTED else ""
    notice_send(
        person=app.applicant,
        template=f"application.{app.state}",
        params={
            "case": app.case_number,
            "business": app.business_type.name_zh,
            "business_en": app.business_type.name_en,
            "fee": f"{fee_total_fen(app) / 100:.2f}",
            "due": app.due_date.isoformat() if app.due_date else "",
            "reason": refusal or reason,
        },
        object_type="application",
        object_ref=str(app.public_id),
    )


def _case_number(region_code: str, day: dt.date) -> str:
    key = f"{region_code}{day:%Y%m%d}"
    counter, _created = CaseCounter.objects.select_for_update().get_or_create(key=key)
    counter.value += 1
    counter.save(update_fields=["value"])
    return f"{key}{counter.value:06d}"


def _subject(entry: CatalogueEntry, applicant: Person, subject_ref: str) -> tuple[str, Any]:
    if entry.subject_type == SubjectType.PERSON:
        return str(applicant.public_id), applicant
    if entry.subject_type == SubjectType.LICENCE:
        licence = DrivingLicence.objects.filter(person=applicant).first()
        if licence is None:
            raise NotFound("not_found", _("%(what)s not found") % {"what": _("Driving licence")})
        return str(licence.public_id), licence
    try:
        vehicle = applicant.vehicles.filter(public_id=uuid.UUID(subject_ref)).first()
    except ValueError:
        vehicle = None
    if vehicle is None:
        raise NotFound("not_found", _("%(what)s not found") % {"what": _("Vehicle")})
    return str(vehicle.public_id), vehicle


def _prefill(entry: CatalogueEntry, applicant: Person, subject: Any) -> dict[str, Any]:
    """No handwriting (measure 1): every field the form shows comes from the registry."""
    values: dict[str, Any] = {
        "name": applicant.name,
        "id_number_masked": applicant.id_number_masked,
        "phone": applicant.phone,
        "address": applicant.address,
    }
    if isinstance(subject, Vehicle):
        values.update(
            plate=subject.plate.number if subject.plate else "",
            vin=subject.vin,
            inspection_valid_until=(
                subject.inspection_valid_until.isoformat()
                if subject.inspection_valid_until
                else None
            ),
        )
    if isinstance(subject, DrivingLicence):
        values.update(
            classes=subject.class_list,
            term=subject.term,
            valid_until=subject.valid_until.isoformat() if subject.valid_until else None,
        )
    return {k: values[k] for k in ["name", "id_number_masked", *entry.prefill] if k in values}


#: Business types started only through their own service (which fills the form and creates
#: what goes with the application), not the generic start; their pages link to it.
DEDICATED_START = {"vehicle_registration": "jiaoguan.plates.registration.registration_start"}


@transaction.atomic
def application_start(
    *,
    actor: Actor,
    applicant: Person,
    business_type: str,
    channel: str,
    subject_ref: str = "",
    outlet: Organisation | None = None,
    region_code: str | None = None,
    dedicated: bool = False,
) -> Application:
    """Open a draft: the catalogue entry in force, the subject, and a prefilled form.
    ``dedicated``: called by the type's own start service (``DEDICATED_START``)."""
    if business_type in DEDICATED_START and not dedicated:
        raise DomainError(
            "dedicated_start",
            _("This business is started on its own page"),
            field="business_type",
        )
    if channel not in Channel.values:
        raise DomainError("invalid_channel", _("Unknown channel"), field="channel")
    if channel == Channel.OUTLET and outlet is None:
        raise DomainError(
            "outlet_required", _("An outlet application names its outlet"), field="outlet"
        )
    where = region_code or (outlet.region_code if outlet else applicant.region_code)
    today = clock.today()
    entry = entry_in_force(business_type, on=today, region_code=where, channel=channel)
    if outlet is not None and outlet.kind not in entry.outlet_kinds:
        raise DomainError(
            "outlet_not_authorised",
            _("This outlet is not authorised for this business"),
            field="outlet",
        )
    ref, subject = _subject(entry, applicant, subject_ref)
    now = clock.now()
    app = Application.objects.create(
        case_number=_case_number(where, today),
        business_type=entry.business_type,
        catalogue_entry=entry,
        applicant=applicant,
        channel=channel,
        outlet=outlet,
        region_code=where,
        city_code=where[:4],
        province_code=where[:2],
        subject_type=entry.subject_type,
        subject_ref=ref,
        form=_prefill(entry, applicant, subject),
        created_at=now,
        updated_at=now,
    )
    audit_record(
        actor=actor,
        action="application.start",
        object_type="application",
        object_ref=str(app.public_id),
        after={"type": business_type, "channel": channel},
        subject_person_ref=str(applicant.public_id),
    )
    return app


_DEFERRAL_FIELDS = {"reason", "until"}
EDITABLE = {
    "contact_change": {"phone", "address"},
    "licence_downgrade": {"keep_classes"},
    "licence_detail_change": {"new_name"},
    "age_downgrade": {"small_class"},
    "renewal_deferral": _DEFERRAL_FIELDS,
    "review_deferral": _DEFERRAL_FIELDS,
    "medical_deferral": _DEFERRAL_FIELDS,
}
#: Fields the applicant must fill before submitting (no default can stand in for them).
REQUIRED = {
    "licence_detail_change": ("new_name",),
    "renewal_deferral": ("reason", "until"),
    "review_deferral": ("reason", "until"),
    "medical_deferral": ("reason", "until"),
}


def _phone_ok(value: object) -> bool:
    from jiaoguan.registry.services import normalise_phone

    try:
        normalise_phone(str(value))
    except DomainError:
        return False
    return True


def _iso_date(value: str) -> bool:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


#: What a well-formed value of a field looks like (the rules judge it afterwards), and the
#: message shown beside the field when it is not.
FIELD_FORMATS: dict[str, tuple[Any, str]] = {
    "until": (
        lambda v: isinstance(v, str) and _iso_date(v),
        gettext_noop("Enter a date as YYYY-MM-DD"),
    ),
    "reason": (
        lambda v: v in rules.DEFERRAL_REASONS,
        gettext_noop("Choose the reason for the deferral"),
    ),
    "small_class": (lambda v: v in ("C1", "C2"), gettext_noop("Choose C1 or C2")),
    "phone": (_phone_ok, gettext_noop("A mobile number has 11 digits starting with 1")),
    "new_name": (
        lambda v: isinstance(v, str) and 2 <= len(v.strip()) <= 64,
        gettext_noop("Enter the name as on the ID card"),
    ),
}
DELIVERY_FIELDS = {"delivery", "delivery_address"}


LIST_FIELDS = {"keep_classes"}


def _clean_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """The form's changes as the business expects them: short texts, or lists of short codes."""
    for name, value in changes.items():
        if name in LIST_FIELDS:
            ok = (
                isinstance(value, list)
                and len(value) <= 20
                and all(isinstance(v, str) and len(v) <= 8 for v in value)
            )
        else:
            ok = value is None or (isinstance(value, str) and len(value) <= 200)
        if not ok:
            raise DomainError("invalid_value", _("This value is not valid here"), field=name)
        check = FIELD_FORMATS.get(name)
        if check is not None and value not in (None, "") and not check[0](value):
            raise DomainError("invalid_value", _(check[1]), field=name)
    return changes


def _editable(app: Application) -> set[str]:
    fields = set(EDITABLE.get(app.business_type.code, set()))
    if app.catalogue_entry.effect in DELIVERABLE_EFFECTS:
        fields |= DELIVERY_FIELDS
    return fields


def application_submit(
    *,
    actor: Actor,
    principal: Principal | None,
    application: Application,
    changes: dict[str, Any] | None = None,
) -> Application:
    """The applicant confirms the prefilled form (changing only what the business changes) and
    submits; the engine then runs its checks."""
    from jiaoguan.cases.uploads import require_uploads

    with transaction.atomic():
        app = _lock(application)
        require_uploads(app)
        allowed = _editable(app)
        extra = set(changes or {}) - allowed
        if extra:
            raise DomainError(
                "field_not_editable",
                _("These fields cannot be changed: %(f)s") % {"f": ", ".join(sorted(extra))},
                field=sorted(extra)[0],
            )
        changes = _clean_changes(dict(changes or {}))
        physical = app.catalogue_entry.effect in PHYSICAL_EFFECTS
        default = (
            Delivery.PICKUP if physical and app.delivery == Delivery.ELECTRONIC else app.delivery
        )
        delivery = str(changes.pop("delivery", default) or default)
        if delivery not in Delivery.values or (physical and delivery == Delivery.ELECTRONIC):
            raise DomainError(
                "invalid_delivery", _("Choose how the document reaches you"), field="delivery"
            )
        if delivery == Delivery.POST:
            address = str(changes.get("delivery_address") or app.applicant.address).strip()
            if not 6 <= len(address) <= 200:
                raise DomainError(
                    "address_required", _("Give a postal address"), field="delivery_address"
                )
            changes["delivery_address"] = address
        form = {**app.form, **changes}
        for name in REQUIRED.get(app.business_type.code, ()):
            if form.get(name) in (None, ""):
                raise DomainError("required", _("This field is required"), field=name)
        app.delivery = delivery
        app.form = form
        app.save(update_fields=["form", "delivery"])
        app = application_transition(
            actor=actor, principal=principal, application=app, command="submit"
        )
        app.submitted_at = clock.now()
        app.due_date = _CALENDAR.add_working_days(
            clock.today(), app.catalogue_entry.time_limit_working_days
        )
        app.save(update_fields=["submitted_at", "due_date"])
        app = application_transition(
            actor=Actor.system("engine"), principal=None, application=app, command="start_checks"
        )
    return application_check(application=app)


def application_check(*, application: Application) -> Application:
    """Run the checks of a verifying application. A data link that does not answer leaves it
    visibly "verifying" (retried by ``tasks.recheck_applications``); it is never approved
    without its checks.

    The data links are asked before the row is locked, outside any transaction this function
    opens, so a slow partner holds no lock (on SQLite: not the database's write lock). What
    they answered is applied under the lock only if the application is still verifying; the
    form and the materials cannot change while it is."""
    engine = Actor.system("engine")
    current = Application.objects.select_related(
        "applicant", "business_type", "catalogue_entry"
    ).get(pk=application.pk)
    if current.state != State.VERIFYING:
        return current
    results = checks.run(current)
    with transaction.atomic():
        app = _lock(application)
        if app.state != State.VERIFYING:
            return app
        app.checks = {**app.checks, **results}
        app.save(update_fields=["checks"])
        if any(r["status"] == "pending" for r in results.values()):
            audit_record(
                actor=engine,
                action="application.check_pending",
                object_type="application",
                object_ref=str(app.public_id),
                reason=",".join(k for k, r in results.items() if r["status"] == "pending"),
            )
            return app
        decision = checks.eligibility(app)
        failed = [r for r in results.values() if r["status"] == "failed"]
        refused = decision is not None and not decision.allowed
        if failed or refused:
            first = failed[0] if failed else refusal_from(decision)  # type: ignore[arg-type]
            app.refusal = first
            app.save(update_fields=["refusal"])
            return application_transition(
                actor=engine,
                principal=None,
                application=app,
                command="refuse_automatically",
                reason=str(first.get("code", "")),
            )
        if app.catalogue_entry.fees and not _fee_paid(app):
            return application_transition(
                actor=engine, principal=None, application=app, command="await_payment"
            )
        return _after_payment(app, engine)


def _fee_paid(app: Application) -> bool:
    """Whether the fee was paid already: an application returned for correction after payment
    and submitted again is not charged a second time."""
    return FeeOrder.objects.filter(purpose_ref=_purpose(app), status="paid").exists()


def fee_total_fen(app: Application) -> int:
    return sum(int(f["amount_fen"]) for f in app.catalogue_entry.fees)


@transaction.atomic
def application_payment_confirmed(*, application: Application, reference: str) -> Application:
    """The payments side confirms the fee (called once per paid fee order)."""
    app = _lock(application)
    if app.state != State.AWAITING_PAYMENT:
        raise Conflict("not_awaiting_payment", _("This application is not awaiting payment"))
    engine = Actor.system("engine")
    audit_record(
        actor=engine,
        action="application.paid",
        object_type="application",
        object_ref=str(app.public_id),
        reason=reference,
    )
    return _after_payment(app, engine)


def _after_payment(app: Application, engine: Actor) -> Application:
    if app.catalogue_entry.review_policy == ReviewPolicy.MANUAL:
        return application_transition(
            actor=engine, principal=None, application=app, command="send_to_review"
        )
    app = application_transition(
        actor=engine,
        principal=None,
        application=app,
        command="approve_automatically",
        reason="every check passed",
    )
    return _complete(app, engine)


def _complete(app: Application, actor: Actor) -> Application:
    EFFECTS[app.catalogue_entry.effect](app, actor)
    engine = Actor.system("engine")
    if app.delivery == Delivery.ELECTRONIC:
        return application_transition(
            actor=engine, principal=None, application=app, command="complete"
        )
    app = application_transition(actor=engine, principal=None, application=app, command="produce")
    if app.delivery == Delivery.PICKUP:
        return application_transition(
            actor=engine, principal=None, application=app, command="ready_for_pickup"
        )
    return application_dispatch(application=app)


def application_dispatch(*, application: Application) -> Application:
    """Hand a produced document to the postal service. If the post does not answer, the
    application stays "in production" and ``tasks.dispatch_pending`` tries again."""
    with transaction.atomic():
        app = _lock(application)
        if app.state != State.IN_PRODUCTION or app.delivery != Delivery.POST:
            return app
        try:
            shipment = get_port("post").ship(
                reference=app.case_number,
                name=app.applicant.name,
                phone=app.applicant.phone,
                address=app.form.get("delivery_address") or app.applicant.address,
                content=app.business_type.name_zh,
            )
        except PartnerUnavailable:
            return app
        now = clock.now()
        Shipment.objects.create(
            application=app,
            tracking_no=shipment.tracking_no,
            status=shipment.status,
            events=list(shipment.events),
            created_at=now,
            updated_at=now,
        )
        return application_transition(
            actor=Actor.system("engine"),
            principal=None,
            application=app,
            command="dispatch",
            reason=shipment.tracking_no,
        )


def application_track(*, application: Application) -> Application:
    """Ask the post where a dispatched document is; delivered completes the application."""
    with transaction.atomic():
        app = _lock(application)
        shipment = Shipment.objects.filter(application=app).first()
        if app.state != State.DISPATCHED or shipment is None:
            return app
        tracked = get_port("post").track(tracking_no=shipment.tracking_no)
        shipment.status, shipment.events = tracked.status, list(tracked.events)
        shipment.updated_at = clock.now()
        shipment.save(update_fields=["status", "events", "updated_at"])
        if tracked.status != "delivered":
            return app
        return application_transition(
            actor=Actor.system("engine"),
            principal=None,
            application=app,
            command="complete",
            reason="delivered",
        )


@transaction.atomic
def application_review(
    *,
    actor: Actor,
    principal: Principal,
    application: Application,
    command: str,
    reason: str = "",
    out_of_order: str = "",
) -> Application:
    """A reviewer approves (the registry changes), rejects or returns an application.

    The queue is worked in order of submission: deciding a case while an older one in the
    reviewer's scope waits needs an ``out_of_order`` reason code, recorded for supervisors."""
    from jiaoguan.cases.selectors import review_queue

    if command not in ("approve", "reject", "return_for_correction"):
        raise DomainError(
            "unknown_command",
            _("Unknown command: %(command)s") % {"command": command},
            field="command",
        )
    older = (
        application.submitted_at is not None
        and review_queue(principal).filter(submitted_at__lt=application.submitted_at).exists()
    )
    if older:
        if out_of_order not in OutOfOrderReason.values:
            raise DomainError(
                "out_of_order_reason_required",
                _("Older applications are waiting: give the reason for taking this one first"),
                field="out_of_order",
            )
        audit_record(
            actor=actor,
            action="application.out_of_order",
            object_type="application",
            object_ref=str(application.public_id),
            reason=out_of_order,
            subject_person_ref=str(application.applicant.public_id),
        )
    app = application_transition(
        actor=actor, principal=principal, application=application, command=command, reason=reason
    )
    if command == "reject":
        app.refusal = {"code": "rejected_by_reviewer", "message": reason, "citations": []}
        app.save(update_fields=["refusal"])
    if command == "approve":
        return _complete(app, actor)
    return app


def refusal_from(decision: rules.Decision) -> dict[str, Any]:
    return {
        "code": decision.code,
        "message": decision.message,
        "rule": decision.rule,
        "citations": list(decision.citations),
    }


# --- fees -----------------------------------------------------------------------------------


def _purpose(app: Application) -> str:
    from jiaoguan.cases.apps import PURPOSE_PREFIX

    return f"{PURPOSE_PREFIX}{app.public_id}"


@transaction.atomic
def application_fee_order(*, actor: Actor, application: Application) -> FeeOrder:
    """The fee order of an application awaiting payment (one open order; created on first ask)."""
    app = _lock(application)
    if app.state != State.AWAITING_PAYMENT:
        raise Conflict("not_awaiting_payment", _("This application is not awaiting payment"))
    existing = (
        FeeOrder.objects.filter(purpose_ref=_purpose(app))
        .exclude(status="closed")
        .order_by("-id")
        .first()
    )
    if existing is not None:
        return existing
    items = [
        {
            "code": f["code"],
            "name": FEE_NAMES.get(f["code"], f["code"]),
            "amount_fen": int(f["amount_fen"]),
        }
        for f in app.catalogue_entry.fees
    ]
    return fee_order_create(
        actor=actor,
        payer_person_ref=str(app.applicant.public_id),
        purpose_ref=_purpose(app),
        subject=f"{app.business_type.name_zh} {app.case_number}",
        items=items,
    )


def on_fee_paid(order: FeeOrder) -> None:
    """Payments tells the engine a fee order was paid (inside that transaction)."""
    from jiaoguan.cases.apps import PURPOSE_PREFIX

    app = Application.objects.filter(
        public_id=order.purpose_ref.removeprefix(PURPOSE_PREFIX)
    ).first()
    if app is not None and app.state == State.AWAITING_PAYMENT:
        application_payment_confirmed(application=app, reference=order.order_no)


def temporary_plates_void_due(*, actor: Actor) -> int:
    """Void the temporary plates whose time is up (``rules.temporary_plate_void``): past their
    last day, or 3 days after the vehicle's new plates were handed over or delivered. One
    transaction per plate; returns how many were voided."""
    from jiaoguan.documents.models import Document
    from jiaoguan.documents.services import document_void

    today = clock.today()
    voided = 0
    plates = list(Document.objects.filter(kind="temporary_plate", status="valid").order_by("id"))
    # when each vehicle's plate replacement completed (new plates handed over or delivered)
    completions: dict[str, list[dt.datetime]] = {}
    for subject, at in (
        ApplicationEvent.objects.filter(
            application__business_type__code="plate_replacement",
            application__subject_ref__in={d.subject_ref for d in plates},
            to_state=State.COMPLETED,
        )
        .order_by("at")
        .values_list("application__subject_ref", "at")
    ):
        completions.setdefault(subject, []).append(at)
    for doc in plates:
        received = next(
            (at for at in completions.get(doc.subject_ref, []) if at >= doc.issued_at), None
        )
        decision = rules.temporary_plate_void(
            today=today,
            valid_until=dt.date.fromisoformat(str(doc.fields["valid_until"])),
            plates_received_on=received.astimezone(clock.SHANGHAI).date() if received else None,
        )
        if decision.allowed:
            with transaction.atomic():
                document_void(
                    actor=actor,
                    document=doc,
                    reason=f"{decision.rule}: void from {decision.facts['void_from']}",
                )
            voided += 1
    return voided
