"""New-vehicle registration (注册登记) through the business engine, with its number.

Starting the application (``registration_start``: online, at a counter or kiosk, or at a
dealer's point of sale for a buyer) opens a ``cases`` application of the type
``vehicle_registration`` and grants the plate :class:`SelectionRight` linked to it
(``SelectionRight.application_ref``). The applicant draws, picks or composes as for any right;
submitting checks the materials through the data links (purchase tax, compulsory insurance),
the VIN and that a number is held, then charges the fee (plates 100 yuan a pair, driving
permit 10, registration certificate 10: DOMAIN.md §6, integer fen). On approval the effect
(``registration_effect``, in the approving transaction) confirms the held number
(``services.plate_confirm``: the registry ``Plate``, never issued twice), registers the vehicle
with that plate (``registry.vehicle_register``), issues the driving permit and registration
certificate, and writes the :class:`PlateOrder` (the plates to make), delivered with the
application by pickup or post.

A reservation that lapses while its application is open releases the number as usual; the
applicant is told, the right opens again (a hall selection) and the application cannot be
approved until a number is held again (``registration_check`` refuses it, the effect refuses
it under lock), so nothing is ever issued twice or without its fee.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from jiaoguan.audit.services import Actor, audit_record
from jiaoguan.cases import rules as case_rules
from jiaoguan.cases.constants import Channel as CaseChannel
from jiaoguan.cases.constants import State
from jiaoguan.cases.models import Application
from jiaoguan.kernel import clock, regions
from jiaoguan.kernel.errors import Conflict, DomainError, NotFound
from jiaoguan.kernel.vin import VIN
from jiaoguan.plates import rules, services
from jiaoguan.plates.constants import (
    Channel,
    PlateOrderState,
    PoolKind,
    ReservationState,
    RightState,
)
from jiaoguan.plates.models import PlateOrder, Reservation, SelectionRight
from jiaoguan.registry.constants import Fuel, VehicleClass, VehicleUse
from jiaoguan.registry.models import Organisation, Person, Plate, Vehicle

BUSINESS = "vehicle_registration"
#: The cases channel of an application → the selection channel of its right.
SELECTION_CHANNEL = {
    CaseChannel.ONLINE: Channel.ONLINE,
    CaseChannel.KIOSK: Channel.HALL,
    CaseChannel.WINDOW: Channel.HALL,
    CaseChannel.OUTLET: Channel.DEALER,
}
#: Application states in which the registration is still open (its number may still lapse).
OPEN_STATES = (
    State.DRAFT,
    State.SUBMITTED,
    State.VERIFYING,
    State.AWAITING_PAYMENT,
    State.UNDER_REVIEW,
    State.RETURNED,
)
VEHICLE_FIELDS = (
    "vin",
    "vehicle_class",
    "use",
    "seats",
    "fuel",
    "manufacture_date",
    "brand",
    "model_name",
    "colour",
)


def _clean_facts(facts: dict[str, Any]) -> dict[str, Any]:
    """The vehicle's facts as the form records them; a refusal naming the field otherwise."""
    out: dict[str, Any] = {}
    if facts.get("vehicle_class") not in VehicleClass.values:
        raise DomainError("bad_vehicle_class", _("Choose the vehicle class"), field="vehicle_class")
    if facts.get("use") not in VehicleUse.values:
        raise DomainError("bad_use", _("Choose the use of the vehicle"), field="use")
    if facts.get("fuel") not in Fuel.values:
        raise DomainError("bad_fuel", _("Choose the fuel"), field="fuel")
    try:
        seats = int(facts.get("seats") or 0)
    except (TypeError, ValueError):
        seats = 0
    if not 1 <= seats <= 99:
        raise DomainError("bad_seats", _("Give the number of seats (1 to 99)"), field="seats")
    try:
        made = dt.date.fromisoformat(str(facts.get("manufacture_date") or ""))
    except ValueError as exc:
        raise DomainError(
            "bad_manufacture_date", _("Enter a date as YYYY-MM-DD"), field="manufacture_date"
        ) from exc
    if made > clock.today() or made.year < 1950:
        raise DomainError(
            "bad_manufacture_date",
            _("The manufacture date cannot be in the future"),
            field="manufacture_date",
        )
    out.update(
        vehicle_class=facts["vehicle_class"],
        use=facts["use"],
        fuel=facts["fuel"],
        seats=seats,
        manufacture_date=made.isoformat(),
    )
    for name in ("brand", "model_name", "colour"):
        out[name] = str(facts.get(name) or "").strip()[: 16 if name == "colour" else 64]
    return out


def _prefix_for(region_code: str) -> str:
    try:
        return regions.plate_prefix(region_code[:4])
    except KeyError as exc:
        raise DomainError(
            "no_authority",
            _("No plate-issuing authority is known for this region"),
            field="region",
        ) from exc


@transaction.atomic
def registration_start(
    *,
    actor: Actor,
    applicant: Person,
    channel: str,
    vin: str,
    facts: dict[str, Any],
    outlet: Organisation | None = None,
    region_code: str | None = None,
    keep_vehicle: str = "",
) -> tuple[Application, SelectionRight]:
    """Open a new-vehicle registration for ``applicant`` and the plate selection right that
    goes with it (the number kind follows from class and fuel: ``rules.plate_kind_for``).
    ``keep_vehicle``: the public id of the applicant's de-registered vehicle whose number the
    new vehicle keeps (R164 Arts. 44–45, ``keeping.keep_decision``) instead of selecting one."""
    from jiaoguan.cases.services import application_start
    from jiaoguan.plates import keeping

    try:
        parsed_vin = str(VIN.parse(vin))
    except DomainError as exc:
        raise DomainError(exc.code, exc.message, field="vin", message_en=exc.message_en) from exc
    clean = _clean_facts(facts)
    kind = rules.plate_kind_for(vehicle_class=clean["vehicle_class"], fuel=clean["fuel"])
    if not kind.allowed:
        raise DomainError(kind.code, _(kind.message), field="vehicle_class", citation=kind.citation)
    if Vehicle.objects.filter(vin=parsed_vin).exists():
        raise Conflict("vin_exists", _("This VIN is already registered"), field="vin")
    app = application_start(
        actor=actor,
        applicant=applicant,
        business_type=BUSINESS,
        channel=channel,
        outlet=outlet,
        region_code=region_code,
        dedicated=True,
    )
    prefix = _prefix_for(app.region_code)
    old = (
        keeping.own_vehicle(applicant, keep_vehicle, field="keep_vehicle") if keep_vehicle else None
    )
    if old is not None:
        _check_keep(applicant, old, prefix=prefix, kind=str(kind.facts["kind"]))
    right = services.selection_right_grant(
        actor=actor,
        person=applicant,
        vin=parsed_vin,
        prefix=prefix,
        kind=str(kind.facts["kind"]),
        scope=app.region_code[:2],
        dealer=outlet if channel == CaseChannel.OUTLET else None,
        application_ref=str(app.public_id),
    )
    if old is not None:
        right.kept_plate = old.plate
        right.state = RightState.RESERVED  # nothing to select: the number is the old one
        right.save(update_fields=["kept_plate", "state"])
    app.form = {
        **app.form,
        **clean,
        "kept_number": old.plate.number if old is not None and old.plate else "",
        "vin": parsed_vin,
        "plate_prefix": prefix,
        "plate_kind": kind.facts["kind"],
        "selection_right": str(right.public_id),
    }
    app.save(update_fields=["form"])
    audit_record(
        actor=actor,
        action="plates.registration_start",
        object_type="application",
        object_ref=str(app.public_id),
        subject_person_ref=str(applicant.public_id),
        after={"vin": parsed_vin, "right": str(right.public_id), "kind": kind.facts["kind"]},
    )
    return app, right


def _check_keep(applicant: Person, old: Vehicle, *, prefix: str, kind: str) -> None:
    from jiaoguan.plates import keeping

    decision = keeping.keep_decision(applicant, old, clock.today())
    if not decision.allowed:
        raise Conflict(
            decision.code, _(decision.message), field="keep_vehicle", citation=decision.citation
        )
    assert old.plate is not None
    wanted = PoolKind(kind).plate_kind.value
    if old.plate.number[:2] != prefix or old.plate.kind != wanted:
        raise Conflict(
            "keep_other_kind",
            _("The old number is of another authority or plate kind than the new vehicle's"),
            field="keep_vehicle",
            citation=rules.KEEP_CITATION,
        )
    if SelectionRight.objects.filter(
        kept_plate=old.plate, state__in=[RightState.OPEN, RightState.RESERVED]
    ).exists():
        raise Conflict(
            "keep_in_progress",
            _("This number is already being kept for another vehicle"),
            field="keep_vehicle",
        )


def _kept_source(right: SelectionRight) -> Vehicle | None:
    """The de-registered vehicle still carrying the number a right keeps."""
    if right.kept_plate_id is None:
        return None
    return Vehicle.objects.select_related("plate").filter(plate_id=right.kept_plate_id).first()


def right_of(app: Application) -> SelectionRight:
    right = (
        SelectionRight.objects.filter(application_ref=str(app.public_id)).order_by("-id").first()
    )
    if right is None:
        raise NotFound("not_found", _("No such selection"))
    return right


def held_reservation(app: Application) -> Reservation | None:
    """The live (held, not lapsed) reservation of the application's right, if any."""
    return (
        Reservation.objects.filter(
            right__application_ref=str(app.public_id),
            state=ReservationState.ACTIVE,
            expires_at__gt=clock.now(),
        )
        .select_related("number")
        .first()
    )


def registration_check(app: Application) -> case_rules.Decision:
    """The business rule of a new registration (``cases.checks.RULES``): a valid VIN not yet
    registered, and a number held for it."""
    rule = "plates.registration@2022-05-01"
    cite = (rules.REGISTRATION_CITATION,)
    vin = str(app.form.get("vin") or "")
    try:
        VIN.parse(vin)
    except DomainError:
        return case_rules.Decision(
            False, rule, cite, "bad_vin", gettext_noop("The VIN is not valid")
        )
    if Vehicle.objects.filter(vin=vin).exists():
        return case_rules.Decision(
            False, rule, cite, "vin_exists", gettext_noop("This VIN is already registered")
        )
    right = SelectionRight.objects.filter(application_ref=str(app.public_id)).first()
    if right is not None and right.kept_plate_id is not None:
        from jiaoguan.plates import keeping

        old = _kept_source(right)
        decision = (
            keeping.keep_decision(app.applicant, old, clock.today())
            if old is not None
            else rules.Verdict(False, rule, rules.KEEP_CITATION, "keep_not_released", "")
        )
        if not decision.allowed:
            return case_rules.Decision(
                False,
                decision.rule,
                (decision.citation,),
                decision.code,
                decision.message or gettext_noop("The old number can no longer be kept"),
            )
        return case_rules.Decision(True, rule, cite, facts={"number": app.form.get("kept_number")})
    held = held_reservation(app)
    if held is None:
        return case_rules.Decision(
            False,
            rule,
            (*cite, rules.RESERVATION_CITATION),
            "no_number_held",
            gettext_noop("No number is held for this vehicle: select a number first"),
        )
    return case_rules.Decision(True, rule, cite, facts={"number": held.number.number})


def registration_effect(app: Application, actor: Actor) -> None:
    """On approval (inside the approving transaction): issue the held number, register the
    vehicle with it, issue the permit and certificate and order the plates."""
    from jiaoguan.documents.constants import DocumentKind
    from jiaoguan.documents.selectors import certificate_fields, permit_fields
    from jiaoguan.documents.services import document_issue
    from jiaoguan.registry import services as registry

    right = (
        SelectionRight.objects.select_for_update()
        .filter(
            application_ref=str(app.public_id), state__in=[RightState.OPEN, RightState.RESERVED]
        )
        .first()
    )
    if right is None:
        raise Conflict(
            "no_number_held", _("No number is held for this vehicle: select a number first")
        )
    if right.kept_plate_id is not None:
        plate = _take_kept(right, app, actor)
    else:
        held = held_reservation(app)
        if held is None:
            raise Conflict(
                "no_number_held",
                _("The number held for this vehicle has lapsed: select a number again first"),
                citation=rules.RESERVATION_CITATION,
            )
        plate = services.plate_confirm(
            actor=actor, reservation=held, for_application=str(app.public_id)
        )
    form = app.form
    vehicle = registry.vehicle_register(
        actor=actor,
        vin=str(form["vin"]),
        plate_number=plate.number,
        plate=plate,
        owner_person=app.applicant,
        region_code=app.region_code,
        vehicle_class=str(form["vehicle_class"]),
        use=str(form["use"]),
        seats=int(form["seats"]),
        fuel=str(form["fuel"]),
        manufacture_date=dt.date.fromisoformat(str(form["manufacture_date"])),
        registration_date=clock.today(),
        brand=str(form.get("brand") or ""),
        model_name=str(form.get("model_name") or ""),
        colour=str(form.get("colour") or ""),
    )
    for kind, fields in (
        (DocumentKind.DRIVING_PERMIT, permit_fields(vehicle)),
        (DocumentKind.REGISTRATION_CERTIFICATE, certificate_fields(vehicle)),
    ):
        document_issue(
            actor=actor,
            kind=kind,
            subject_type="vehicle",
            subject_ref=str(vehicle.public_id),
            holder_person_ref=str(app.applicant.public_id),
            fields=fields,
        )
    app.form = {**form, "vehicle": str(vehicle.public_id), "plate": plate.number}
    app.save(update_fields=["form"])
    plate_order_create(actor=actor, app=app, plate=plate, vin=vehicle.vin)


def _take_kept(right: SelectionRight, app: Application, actor: Actor) -> Plate:
    """The kept number leaves the de-registered vehicle for the new one (decided again under
    the lock of the right)."""
    from jiaoguan.plates import keeping
    from jiaoguan.registry import services as registry

    old = _kept_source(right)
    decision = keeping.keep_decision(app.applicant, old, clock.today()) if old else None
    if old is None or decision is None or not decision.allowed:
        raise Conflict(
            "keep_not_released",
            _("The old number can no longer be kept"),
            citation=rules.KEEP_CITATION,
        )
    plate = old.plate
    assert plate is not None
    registry.vehicle_plate_detach(
        actor=actor, vehicle=old, reason=f"number kept by application {app.case_number}"
    )
    right.state = RightState.ISSUED
    right.plate = plate
    right.save(update_fields=["state", "plate"])
    audit_record(
        actor=actor,
        action="plates.keep",
        object_type="plate_right",
        object_ref=str(right.public_id),
        subject_person_ref=str(app.applicant.public_id),
        after={"number": plate.number, "from_vehicle": str(old.public_id), "rule": decision.rule},
    )
    return plate


def plate_order_create(*, actor: Actor, app: Application, plate: Plate, vin: str) -> PlateOrder:
    now = clock.now()
    order = PlateOrder.objects.create(
        order_no=f"PO{app.case_number}",
        plate=plate,
        number=plate.number,
        kind=plate.kind,
        vin=vin,
        application_ref=str(app.public_id),
        case_number=app.case_number,
        region_code=app.region_code,
        delivery=app.delivery,
        created_at=now,
        updated_at=now,
    )
    audit_record(
        actor=actor,
        action="plates.order_create",
        object_type="plate_order",
        object_ref=str(order.public_id),
        subject_person_ref=str(app.applicant.public_id),
        after={"number": plate.number, "case": app.case_number, "delivery": app.delivery},
    )
    return order


#: The plate order's lifecycle as data: command → (from states, to state).
ORDER_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "made": (frozenset({PlateOrderState.ORDERED}), PlateOrderState.MADE),
    "delivered": (frozenset({PlateOrderState.MADE}), PlateOrderState.DELIVERED),
}


@transaction.atomic
def plate_order_advance(*, actor: Actor, order: PlateOrder, command: str) -> PlateOrder:
    """The plate maker reports the plates made; the office reports them handed over or posted."""
    if command not in ORDER_TRANSITIONS:
        raise DomainError(
            "unknown_command",
            _("Unknown command: %(command)s") % {"command": command[:32]},
            field="command",
        )
    source, target = ORDER_TRANSITIONS[command]
    locked = PlateOrder.objects.select_for_update().get(pk=order.pk)
    if locked.state not in source:
        raise Conflict(
            "transition_not_allowed",
            _("The plate order is %(state)s: this command does not apply")
            % {"state": locked.get_state_display()},
        )
    before = locked.state
    locked.state = target
    locked.updated_at = clock.now()
    locked.save(update_fields=["state", "updated_at"])
    audit_record(
        actor=actor,
        action=f"plates.order_{command}",
        object_type="plate_order",
        object_ref=str(locked.public_id),
        before={"state": before},
        after={"state": target},
    )
    return locked


def on_reservation_lapsed(right: SelectionRight, number: str) -> None:
    """A reservation of a registration's right lapsed (inside the expiry transaction): tell
    the applicant; the application stays open but is not approved until a number is held."""
    from jiaoguan.notices.services import notice_send

    app = (
        Application.objects.filter(public_id=right.application_ref, state__in=OPEN_STATES)
        .select_related("applicant")
        .first()
    )
    if app is None:
        return
    audit_record(
        actor=Actor.system("plates-expiry"),
        action="application.number_lapsed",
        object_type="application",
        object_ref=str(app.public_id),
        subject_person_ref=str(app.applicant.public_id),
        reason=number,
    )
    notice_send(
        person=app.applicant,
        template="plates.reservation_lapsed",
        params={"case": app.case_number, "number": number},
        object_type="application",
        object_ref=str(app.public_id),
    )
