"""Every write to the registry. Each function is one transaction with its audit row and a
new :class:`RecordVersion`, so the registry keeps its history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import F, Model
from django.utils.translation import gettext as _

from jiaoguan.audit.models import AuditEvent
from jiaoguan.audit.services import Actor, AuditEntry, audit_record, audit_record_many
from jiaoguan.kernel import clock, crypto
from jiaoguan.kernel.errors import Conflict, DomainError, Forbidden
from jiaoguan.kernel.idnumber import IdNumber
from jiaoguan.kernel.plates import Plate as PlateNumber
from jiaoguan.kernel.uscc import USCC
from jiaoguan.kernel.vin import VIN
from jiaoguan.registry.constants import IdKind, LicenceTerm, OrganisationKind, PlateStatus
from jiaoguan.registry.models import (
    DrivingLicence,
    Organisation,
    Person,
    Plate,
    RecordVersion,
    ScopedRegion,
    Vehicle,
)
from jiaoguan.registry.workflow import VEHICLE_TRANSITIONS

_PERMIT_KIND = {"81": IdKind.PERMIT_HK, "82": IdKind.PERMIT_MO, "83": IdKind.PERMIT_TW}


def id_number_index(id_number: str) -> str:
    return crypto.blind_index(id_number, purpose="person.id_number")


def phone_index(phone: str) -> str:
    return crypto.blind_index(phone, purpose="person.phone")


def normalise_phone(raw: str) -> str:
    phone = "".join(ch for ch in raw if ch.isdigit())
    if len(phone) != 11 or not phone.startswith("1"):
        raise DomainError(
            "invalid_phone", _("A mobile number has 11 digits starting with 1"), field="phone"
        )
    return phone


def snapshot(obj: Model) -> dict[str, Any]:
    """A JSON-safe picture of a registry record for history and audit digests.
    Encrypted identifiers appear only masked."""
    data: dict[str, Any] = {}
    for f in obj._meta.concrete_fields:
        if f.name.endswith("_enc") or f.name.endswith("_index"):
            continue
        value = getattr(obj, f.attname)
        data[f.attname] = (
            value.isoformat()
            if isinstance(value, dt.date | dt.datetime)
            else (
                str(value)
                if value is not None and not isinstance(value, int | str | bool)
                else value
            )
        )
    if isinstance(obj, Person):
        data["id_number_masked"] = obj.id_number_masked
        data["phone_masked"] = obj.phone_masked
    return data


def _keep_version(obj: Model, *, action: str, event: AuditEvent) -> None:
    RecordVersion.objects.create(
        object_type=obj._meta.model_name or "",
        object_ref=obj.public_id,  # type: ignore[attr-defined]
        version=obj.version,  # type: ignore[attr-defined]
        changed_at=event.created_at,
        action=action,
        snapshot=snapshot(obj),
        audit_partition=event.partition,
        audit_seq=event.seq,
    )


def _write(
    obj: Model,
    *,
    actor: Actor,
    action: str,
    before: dict[str, Any] | None,
    reason: str = "",
    subject_person_ref: str = "",
) -> AuditEvent:
    event = audit_record(
        actor=actor,
        action=action,
        object_type=obj._meta.model_name or "",
        object_ref=str(obj.public_id),  # type: ignore[attr-defined]
        before=before,
        after=snapshot(obj),
        reason=reason,
        subject_person_ref=subject_person_ref,
    )
    _keep_version(obj, action=action, event=event)
    return event


def _create(
    obj: ScopedRegion, *, region_code: str, actor: Actor, action: str, subject_person_ref: str = ""
) -> None:
    """Insert a new registry record in its region, with its first version and audit row."""
    obj.set_region(region_code)
    obj.save(force_insert=True)
    _write(obj, actor=actor, action=action, before=None, subject_person_ref=subject_person_ref)


@transaction.atomic
def person_create(
    *,
    actor: Actor,
    name: str,
    id_number: str,
    phone: str = "",
    address: str = "",
    residence_region: str | None = None,
) -> Person:
    """Register a natural person. The ID number is parsed (GB 11643), encrypted and indexed."""
    parsed = IdNumber.parse(id_number)
    number = str(parsed)
    name = name.strip()
    if not name or len(name) > 64:
        raise DomainError("invalid_name", _("Enter a name (at most 64 characters)"), field="name")
    index = id_number_index(number)
    if Person.objects.filter(id_number_index=index).exists():
        raise Conflict(
            "person_exists", _("This ID number is already registered"), field="id_number"
        )
    now = clock.now()
    person = Person(
        name=name,
        sex=parsed.sex,
        birth_date=parsed.birth_date,
        id_kind=_PERMIT_KIND.get(number[:2], IdKind.RESIDENT),
        id_number_enc=crypto.encrypt(number, context=b"person.id_number"),
        id_number_index=index,
        address=address.strip(),
        created_at=now,
        updated_at=now,
    )
    if phone:
        phone = normalise_phone(phone)
        person.phone_enc = crypto.encrypt(phone, context=b"person.phone")
        person.phone_index = phone_index(phone)
    _create(
        person,
        region_code=residence_region or parsed.region_code,
        actor=actor,
        action="person.create",
        subject_person_ref=str(person.public_id),
    )
    return person


@transaction.atomic
def person_contact_update(
    *,
    actor: Actor,
    person: Person,
    phone: str | None = None,
    address: str | None = None,
    reason: str = "",
) -> Person:
    """Change recorded contact details (R162 Art. 81: report within 30 days)."""
    changes: dict[str, Any] = {}
    if phone is not None:
        phone = normalise_phone(phone)
        changes["phone_enc"] = crypto.encrypt(phone, context=b"person.phone")
        changes["phone_index"] = phone_index(phone)
    if address is not None:
        if len(address.strip()) > 200:
            raise DomainError(
                "invalid_address", _("An address has at most 200 characters"), field="address"
            )
        changes["address"] = address.strip()
    return _change(person, actor=actor, action="person.contact_update", reason=reason, **changes)


@transaction.atomic
def organisation_create(
    *, actor: Actor, uscc: str, name: str, kind: str, region_code: str
) -> Organisation:
    parsed = USCC.parse(uscc)
    if kind not in OrganisationKind.values:
        raise DomainError("invalid_kind", _("Unknown kind of organisation"), field="kind")
    if Organisation.objects.filter(uscc=str(parsed)).exists():
        raise Conflict(
            "organisation_exists",
            _("This unified social credit code is already registered"),
            field="uscc",
        )
    now = clock.now()
    org = Organisation(
        uscc=str(parsed), name=name.strip(), kind=kind, created_at=now, updated_at=now
    )
    _create(org, region_code=region_code, actor=actor, action="organisation.create")
    return org


@transaction.atomic
def vehicle_register(
    *,
    actor: Actor,
    vin: str,
    plate_number: str,
    owner_person: Person | None = None,
    owner_organisation: Organisation | None = None,
    region_code: str,
    vehicle_class: str,
    use: str,
    seats: int,
    fuel: str,
    manufacture_date: dt.date,
    registration_date: dt.date,
    brand: str = "",
    model_name: str = "",
    colour: str = "",
    imported: bool | None = None,
    van: bool = False,
    inspection_valid_until: dt.date | None = None,
    plate: Plate | None = None,
) -> Vehicle:
    """Record a registered vehicle with its plate. ``plate``: a registry plate already issued
    for this number and not on any vehicle (the new-vehicle registration, ``plates.registration``,
    issues it from the selection first); otherwise the plate is created here."""
    if (owner_person is None) == (owner_organisation is None):
        raise DomainError("owner_required", _("A vehicle has exactly one owner"), field="owner")
    parsed_vin = VIN.parse(vin, imported=imported)
    parsed_plate = PlateNumber.parse(plate_number)
    if Vehicle.objects.filter(vin=str(parsed_vin)).exists():
        raise Conflict("vin_exists", _("This VIN is already registered"), field="vin")
    now = clock.now()
    if plate is not None:
        if plate.number != str(parsed_plate) or Vehicle.objects.filter(plate=plate).exists():
            raise Conflict("plate_taken", _("This plate number is in use"), field="plate_number")
    elif Plate.objects.filter(number=str(parsed_plate)).exists():
        raise Conflict("plate_taken", _("This plate number is in use"), field="plate_number")
    else:
        plate = Plate.objects.create(
            number=str(parsed_plate), kind=parsed_plate.kind.value, issued_at=now
        )
    vehicle = Vehicle(
        vin=str(parsed_vin),
        plate=plate,
        owner_person=owner_person,
        owner_organisation=owner_organisation,
        vehicle_class=vehicle_class,
        use=use,
        seats=seats,
        fuel=fuel,
        manufacture_date=manufacture_date,
        registration_date=registration_date,
        brand=brand,
        model_name=model_name,
        colour=colour,
        van=van,
        inspection_valid_until=inspection_valid_until,
        created_at=now,
        updated_at=now,
    )
    _create(
        vehicle,
        region_code=region_code,
        actor=actor,
        action="vehicle.register",
        subject_person_ref=str(owner_person.public_id) if owner_person else "",
    )
    return vehicle


@transaction.atomic
def vehicle_status_change(
    *, actor: Actor, vehicle: Vehicle, command: str, reason: str, permissions: set[str]
) -> Vehicle:
    """Run a named status command through the workflow table (``registry/workflow.py``)."""
    transition = VEHICLE_TRANSITIONS.get(command)
    if transition is None:
        raise DomainError(
            "unknown_command",
            _("Unknown command: %(command)s") % {"command": command},
            field="command",
        )
    if transition.permission not in permissions:
        raise Forbidden("not_permitted", _("You may not do this"))
    if not reason.strip():
        raise DomainError("reason_required", _("Give a reason"), field="reason")
    locked = (
        Vehicle.objects.select_for_update(of=("self",))
        .select_related("owner_person")
        .get(pk=vehicle.pk)
    )
    if locked.status not in transition.source:
        raise Conflict(
            "transition_not_allowed",
            _("The vehicle is %(status)s: this command does not apply")
            % {"status": locked.get_status_display()},
            citation=transition.citation,
        )
    before = snapshot(locked)
    locked.status = transition.target
    locked.version += 1
    locked.updated_at = clock.now()
    locked.save(update_fields=["status", "version", "updated_at"])
    _write(
        locked,
        actor=actor,
        action=f"vehicle.{command}",
        before=before,
        reason=reason,
        subject_person_ref=str(locked.owner_person.public_id) if locked.owner_person else "",
    )
    return locked


@transaction.atomic
def licence_issue(
    *,
    actor: Actor,
    person: Person,
    classes: list[str],
    first_issue_date: dt.date,
    valid_from: dt.date,
    term: str,
    region_code: str,
    points: int = 0,
) -> DrivingLicence:
    """Record a driving licence (the exam and application business comes with its issue).
    Terms: 6 years, 10 years or permanent (R162 Art. 13)."""
    if term not in LicenceTerm.values:
        raise DomainError(
            "invalid_term",
            _("A licence is valid for 6 years, 10 years or permanently"),
            field="term",
            citation="R162 Art. 13",
        )
    if DrivingLicence.objects.filter(person=person).exists():
        raise Conflict(
            "licence_exists", _("This person already holds a driving licence"), field="person"
        )
    years = {LicenceTerm.SIX_YEARS: 6, LicenceTerm.TEN_YEARS: 10}.get(LicenceTerm(term))
    valid_until = add_years(valid_from, years) if years else None
    now = clock.now()
    licence = DrivingLicence(
        person=person,
        classes=" ".join(classes),
        first_issue_date=first_issue_date,
        valid_from=valid_from,
        valid_until=valid_until,
        term=term,
        points=points,
        created_at=now,
        updated_at=now,
    )
    _create(
        licence,
        region_code=region_code,
        actor=actor,
        action="licence.issue",
        subject_person_ref=str(person.public_id),
    )
    return licence


M = TypeVar("M", Person, Vehicle, DrivingLicence)


def _change(obj: M, *, actor: Actor, action: str, reason: str, **changes: Any) -> M:
    """Lock a registry record, set ``changes``, bump its version and keep the history and the
    audit row (the subject is the person the record is about)."""
    locked = type(obj).objects.select_for_update().get(pk=obj.pk)
    before = snapshot(locked)
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.version += 1
    locked.updated_at = clock.now()
    locked.save()
    subject = (
        locked
        if isinstance(locked, Person)
        else locked.person
        if isinstance(locked, DrivingLicence)
        else locked.owner_person
    )
    _write(
        locked,
        actor=actor,
        action=action,
        before=before,
        reason=reason,
        subject_person_ref=str(subject.public_id) if subject is not None else "",
    )
    return locked


def _licence_change(
    licence: DrivingLicence, *, actor: Actor, action: str, reason: str, **changes: Any
) -> DrivingLicence:
    return _change(licence, actor=actor, action=action, reason=reason, **changes)


@transaction.atomic
def licence_classes_change(
    *, actor: Actor, licence: DrivingLicence, classes: list[str], reason: str
) -> DrivingLicence:
    """Record new classes on a licence (downgrade, upgrade); the business decides whether."""
    return _licence_change(
        licence,
        actor=actor,
        action="licence.classes_change",
        reason=reason,
        classes=" ".join(classes),
    )


@transaction.atomic
def licence_renew(
    *, actor: Actor, licence: DrivingLicence, valid_from: dt.date, term: str, reason: str
) -> DrivingLicence:
    """Record a renewed licence: a new validity period of ``term`` from ``valid_from``."""
    if term not in LicenceTerm.values:
        raise DomainError(
            "invalid_term",
            _("A licence is valid for 6 years, 10 years or permanently"),
            field="term",
            citation="R162 Art. 13",
        )
    years = {LicenceTerm.SIX_YEARS: 6, LicenceTerm.TEN_YEARS: 10}.get(LicenceTerm(term))
    return _licence_change(
        licence,
        actor=actor,
        action="licence.renew",
        reason=reason,
        valid_from=valid_from,
        term=term,
        valid_until=add_years(valid_from, years) if years else None,
    )


DEFERRABLE = ("renewal", "review", "medical")


@transaction.atomic
def licence_defer(
    *, actor: Actor, licence: DrivingLicence, matter: str, until: dt.date, reason: str
) -> DrivingLicence:
    """Record that ``matter`` (renewal, review or medical certificate) is deferred to
    ``until`` (R162 Art. 75); the business decides whether it may be."""
    if matter not in DEFERRABLE:
        raise DomainError("invalid_matter", _("Unknown matter to defer"), field="matter")
    licence = DrivingLicence.objects.select_for_update().get(pk=licence.pk)
    return _licence_change(
        licence,
        actor=actor,
        action="licence.defer",
        reason=reason,
        deferrals={**licence.deferrals, matter: until.isoformat()},
    )


@transaction.atomic
def licence_medical_file(
    *, actor: Actor, licence: DrivingLicence, examined_on: dt.date, reason: str
) -> DrivingLicence:
    """File a medical certificate examined on ``examined_on`` (R162 Art. 74); a filed
    certificate ends a deferral of the medical certificate."""
    licence = DrivingLicence.objects.select_for_update().get(pk=licence.pk)
    deferrals = {k: v for k, v in licence.deferrals.items() if k != "medical"}
    return _licence_change(
        licence,
        actor=actor,
        action="licence.medical_file",
        reason=reason,
        medical_filed_on=examined_on,
        deferrals=deferrals,
    )


@transaction.atomic
def licence_cancel(*, actor: Actor, licence: DrivingLicence, reason: str) -> DrivingLicence:
    """Cancel (注销) a licence (R162 Art. 79); the record stays, its status says cancelled."""
    return _licence_change(
        licence, actor=actor, action="licence.cancel", reason=reason, status="cancelled"
    )


@transaction.atomic
def licence_scoring_record(
    *, actor: Actor, licence: DrivingLicence, points: int, reason: str, detained: bool | None = None
) -> DrivingLicence:
    """Record the points of the current scoring cycle (R163 Art. 3) and, when ``detained`` is
    given, the licence detained at full score (status suspended, Art. 17) or returned (valid,
    Art. 23); the violations app decides."""
    changes: dict[str, Any] = {"points": points}
    action = "licence.points_record"
    if detained is not None:
        changes["status"] = "suspended" if detained else "valid"
        action = "licence.detain" if detained else "licence.return"
    return _licence_change(licence, actor=actor, action=action, reason=reason, **changes)


@transaction.atomic
def licence_points_record_many(
    *, actor: Actor, points: Mapping[int, int], reason: str
) -> list[DrivingLicence]:
    """:func:`licence_scoring_record` without a detention for many licences at once (the
    cycle-end job, R163 Art. 15): ``points`` maps licence ids to the points of their current
    cycle. Each licence whose points change gets the same new version, history row and audit
    row as one call would give it, in a few statements for all of them. Returns the changed
    licences."""
    locked = list(
        DrivingLicence.objects.select_for_update(of=("self",))
        .select_related("person")
        .filter(pk__in=list(points))
        .order_by("pk")
    )
    now = clock.now()
    changed: list[DrivingLicence] = []
    befores: list[dict[str, Any]] = []
    for licence in locked:
        if licence.points == points[licence.pk]:
            continue
        befores.append(snapshot(licence))
        licence.points = points[licence.pk]
        licence.version += 1
        licence.updated_at = now
        changed.append(licence)
    by_points: dict[int, list[int]] = {}
    for licence in changed:
        by_points.setdefault(licence.points, []).append(licence.pk)
    for value, ids in by_points.items():  # the version of each row is one more than read
        DrivingLicence.objects.filter(pk__in=ids).update(
            points=value, version=F("version") + 1, updated_at=now
        )
    action = "licence.points_record"
    afters = [snapshot(licence) for licence in changed]
    events = audit_record_many(
        actor=actor,
        entries=[
            AuditEntry(
                action=action,
                object_type="drivinglicence",
                object_ref=str(licence.public_id),
                before=before,
                after=after,
                reason=reason,
                subject_person_ref=str(licence.person.public_id),
            )
            for licence, before, after in zip(changed, befores, afters, strict=True)
        ],
    )
    RecordVersion.objects.bulk_create(
        [
            RecordVersion(
                object_type="drivinglicence",
                object_ref=licence.public_id,
                version=licence.version,
                changed_at=event.created_at,
                action=action,
                snapshot=after,
                audit_partition=event.partition,
                audit_seq=event.seq,
            )
            for licence, after, event in zip(changed, afters, events, strict=True)
        ],
        batch_size=2000,
    )
    return changed


@transaction.atomic
def person_name_change(*, actor: Actor, person: Person, name: str, reason: str) -> Person:
    """Record the name the population register now holds for a person (R162 Art. 66:
    a change of recorded details); the caller has checked it with the register."""
    name = name.strip()
    if not 2 <= len(name) <= 64:
        raise DomainError("invalid_name", _("Enter the name as on the ID card"), field="name")
    return _change(person, actor=actor, action="person.name_change", reason=reason, name=name)


@transaction.atomic
def vehicle_inspection_record(
    *, actor: Actor, vehicle: Vehicle, valid_until: dt.date, reason: str
) -> Vehicle:
    """Record the end of the inspection period a new label covers (R164 Arts. 54–55)."""
    return _change(
        vehicle,
        actor=actor,
        action="vehicle.inspection_record",
        reason=reason,
        inspection_valid_until=valid_until,
    )


@transaction.atomic
def plate_reissue(*, actor: Actor, vehicle: Vehicle, reason: str) -> Plate:
    """New plates with the same number for a vehicle whose plates were lost or damaged
    (R164 Art. 51)."""
    if vehicle.plate_id is None:
        raise DomainError("no_plate", _("This vehicle has no plates to replace"), field="vehicle")
    plate = Plate.objects.select_for_update().get(pk=vehicle.plate_id)
    before = snapshot(plate)
    plate.issue_count += 1
    plate.version += 1
    plate.issued_at = clock.now()
    plate.save(update_fields=["issue_count", "version", "issued_at"])
    _write(
        plate,
        actor=actor,
        action="plate.reissue",
        before=before,
        reason=reason,
        subject_person_ref=str(vehicle.owner_person.public_id) if vehicle.owner_person else "",
    )
    return plate


def add_years(d: dt.date, years: int) -> dt.date:
    """The same day ``years`` later; 29 February becomes 28 February in a common year."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


@transaction.atomic
def vehicle_plates_swap(*, actor: Actor, a: Vehicle, b: Vehicle, reason: str) -> None:
    """Exchange the plates (numbers) of two vehicles (R164 Art. 20; the rule is decided by the
    caller, ``plates.keeping``): both records get a new version and an audit row."""
    first, second = sorted([a, b], key=lambda v: v.pk)
    locked = {
        v.pk: v
        for v in Vehicle.objects.select_for_update(of=("self",))
        .select_related("owner_person")
        .filter(pk__in=[first.pk, second.pk])
        .order_by("pk")
    }
    va, vb = locked[a.pk], locked[b.pk]
    if va.plate_id is None or vb.plate_id is None:
        raise DomainError("no_plate", _("This vehicle has no plates to replace"), field="vehicle")
    before = {va.pk: snapshot(va), vb.pk: snapshot(vb)}
    plate_a, plate_b = va.plate_id, vb.plate_id
    Vehicle.objects.filter(pk=va.pk).update(plate=None)  # free the one-to-one slot first
    now = clock.now()
    for vehicle, plate_id in ((vb, plate_a), (va, plate_b)):
        vehicle.plate_id = plate_id
        vehicle.version += 1
        vehicle.updated_at = now
        vehicle.save(update_fields=["plate", "version", "updated_at"])
    for vehicle in (va, vb):
        vehicle.refresh_from_db()
        _write(
            vehicle,
            actor=actor,
            action="vehicle.plate_swap",
            before=before[vehicle.pk],
            reason=reason,
            subject_person_ref=str(vehicle.owner_person.public_id) if vehicle.owner_person else "",
        )


def vehicle_plate_detach(*, actor: Actor, vehicle: Vehicle, reason: str) -> Vehicle:
    """Take the plate off a de-registered vehicle, so its former owner's new vehicle can keep
    the number (R164 Arts. 44–45; the rule is decided by ``plates.keeping``)."""
    return _change(vehicle, actor=actor, action="vehicle.plate_detach", reason=reason, plate=None)


@transaction.atomic
def plate_return(*, actor: Actor, vehicle: Vehicle, reason: str) -> Plate:
    """The owner hands the plates back (a sale to a buyer in another province, R164 Art. 27):
    the plate is retired and taken off the vehicle, each with its history and audit row."""
    if vehicle.plate_id is None:
        raise DomainError("no_plate", _("This vehicle has no plates to return"), field="vehicle")
    plate = Plate.objects.select_for_update().get(pk=vehicle.plate_id)
    before = snapshot(plate)
    plate.status = PlateStatus.RETIRED
    plate.retired_at = clock.now()
    plate.version += 1
    plate.save(update_fields=["status", "retired_at", "version"])
    _write(
        plate,
        actor=actor,
        action="plate.return",
        before=before,
        reason=reason,
        subject_person_ref=str(vehicle.owner_person.public_id) if vehicle.owner_person else "",
    )
    vehicle_plate_detach(actor=actor, vehicle=vehicle, reason=reason)
    return plate
