"""Every read of the registry that matters, scoped to what the caller may see.

One selector per kind of record is used by lists and details alike (DESIGN.md, permissions):
- a citizen sees their own records (through the person bound to their account);
- staff and partner systems see records in their region scope (2, 4 or 6 digit GB/T 2260
  prefix) if they hold the view permission; nothing otherwise (deny by default).
Asking for a record outside scope answers "not found", never "forbidden", so existence is not
leaked. Reads of a person's data are written to the audit trail with their purpose.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from jiaoguan.accounts.constants import AccountKind
from jiaoguan.accounts.principal import Principal
from jiaoguan.audit.services import Actor, audit_record
from jiaoguan.kernel.errors import DomainError, Forbidden, InvalidIdentifier, NotFound
from jiaoguan.kernel.idnumber import IdNumber
from jiaoguan.kernel.plates import Plate as PlateNumber
from jiaoguan.kernel.vin import VIN
from jiaoguan.registry.models import DrivingLicence, Person, Vehicle
from jiaoguan.registry.services import id_number_index

M = TypeVar("M", bound=models.Model)

_SCOPE_FIELD = {2: "province_code", 4: "city_code", 6: "region_code"}


def region_filter(qs: QuerySet[M], scope: str, prefix: str = "") -> QuerySet[M]:
    """Filter ``qs`` to a 2, 4 or 6 digit region scope; an empty or malformed scope sees nothing."""
    name = _SCOPE_FIELD.get(len(scope or ""))
    if name is None or not scope.isdigit():
        return qs.none()
    return qs.filter(**{f"{prefix}{name}": scope})


def _person_id(principal: Principal) -> int | None:
    return getattr(principal, "person_id", None)


def _scoped(
    qs: QuerySet[M], principal: Principal, *, perm: str, own: dict[str, Any]
) -> QuerySet[M]:
    if not getattr(principal, "is_authenticated", False):
        return qs.none()
    if principal.kind == AccountKind.CITIZEN:
        pid = _person_id(principal)
        return qs.filter(**{k: pid for k in own}) if pid else qs.none()
    if not principal.has_perm(perm):
        return qs.none()
    return region_filter(qs, principal.region_scope)


def vehicles_for(principal: Principal) -> QuerySet[Vehicle]:
    # owners come along for their names; their encrypted columns are not loaded
    qs = Vehicle.objects.select_related("plate", "owner_person", "owner_organisation").defer(
        "owner_person__id_number_enc", "owner_person__phone_enc", "owner_person__address"
    )
    return _scoped(qs, principal, perm="registry.view_vehicle", own={"owner_person_id": None})


def licences_for(principal: Principal) -> QuerySet[DrivingLicence]:
    qs = DrivingLicence.objects.select_related("person")
    return _scoped(qs, principal, perm="registry.view_drivinglicence", own={"person_id": None})


def persons_for(principal: Principal) -> QuerySet[Person]:
    return _scoped(Person.objects.all(), principal, perm="registry.view_person", own={"id": None})


def _get(qs: QuerySet[M], public_id: str | uuid.UUID, what: str) -> M:
    try:
        return qs.get(public_id=uuid.UUID(str(public_id)))
    except (ValueError, ObjectDoesNotExist) as exc:
        raise NotFound("not_found", _("%(what)s not found") % {"what": what}) from exc


def vehicle_get(principal: Principal, public_id: str | uuid.UUID) -> Vehicle:
    return _get(vehicles_for(principal), public_id, _("Vehicle"))


def licence_get(principal: Principal, public_id: str | uuid.UUID) -> DrivingLicence:
    return _get(licences_for(principal), public_id, _("Driving licence"))


def can_see_full_identifiers(principal: Principal) -> bool:
    return bool(principal.has_perm("registry.view_full_identifiers"))


@transaction.atomic
def person_read(
    principal: Principal, public_id: str | uuid.UUID, *, actor: Actor, purpose: str
) -> Person:
    """Read one person's record; the read is audited with its purpose (who looked at my data)."""
    person = _get(persons_for(principal), public_id, _("Person"))
    if principal.kind != AccountKind.CITIZEN:
        _log_read(actor, person, purpose=purpose, what="person.read")
    return person


def _log_read(
    actor: Actor,
    person: Person,
    *,
    purpose: str,
    what: str,
    object_type: str = "person",
    object_ref: str = "",
) -> None:
    audit_record(
        actor=actor,
        action=what,
        object_type=object_type,
        object_ref=object_ref or str(person.public_id),
        reason=purpose,
        subject_person_ref=str(person.public_id),
    )


@transaction.atomic
def log_reads(
    principal: Principal,
    actor: Actor,
    records: list[Vehicle] | list[DrivingLicence],
    *,
    purpose: str,
) -> None:
    """Record that staff, an outlet or a partner system read these vehicles or licences, one
    audit row per record with its person as subject, so the person sees it in "who looked at
    my data" (DESIGN.md: reads of personal data are logged). A citizen's reads of their own
    records are not logged."""
    if principal.kind == AccountKind.CITIZEN:
        return
    for record in records:
        if isinstance(record, Vehicle):
            person, kind = record.owner_person, "vehicle"
        else:
            person, kind = record.person, "drivinglicence"
        if person is not None:
            _log_read(
                actor,
                person,
                purpose=purpose,
                what=f"{kind}.read",
                object_type=kind,
                object_ref=str(record.public_id),
            )


@dataclass
class SearchResult:
    kind: str  # "plate", "vin", "id_number"
    normalized: str
    vehicles: list[Vehicle] = field(default_factory=list)
    persons: list[Person] = field(default_factory=list)
    licences: list[DrivingLicence] = field(default_factory=list)


def classify_query(raw: str) -> tuple[str, str]:
    """Decide whether a search term is a plate, a VIN or an ID number, and normalise it.

    A term that looks like one kind (a Chinese first character: a plate; 17 letters and
    digits: a VIN; 15 or 18 digits: an ID number) but does not parse gets that parser's own
    problem (for example "I and O are never used in plate serials"), not a generic refusal."""
    text = (raw or "").strip()
    if not text:
        raise DomainError(
            "query_required", _("Enter a plate number, a VIN or an ID number"), field="q"
        )
    if len(text) > 32:
        raise DomainError("query_too_long", _("The search text is too long"), field="q")
    parsers = (("plate", PlateNumber.parse), ("vin", VIN.parse), ("id_number", IdNumber.parse))
    errors: dict[str, InvalidIdentifier] = {}
    for kind, parser in parsers:
        try:
            return kind, str(parser(text))
        except InvalidIdentifier as exc:
            errors[kind] = exc
    compact = text.replace(" ", "")
    likely = (
        "plate"
        if not compact[:1].isascii()
        else "vin"
        if len(compact) == 17
        else "id_number"
        if len(compact) in (15, 18) and compact[:-1].isdigit()
        else None
    )
    if likely is not None:
        found = errors[likely]
        raise InvalidIdentifier(
            found.code,
            found.message,
            field="q",
            citation=found.citation,
            message_en=found.message_en,
            kind=likely,
        )
    raise DomainError(
        "query_unrecognised",
        _("Not recognised: enter a full plate number, a 17-character VIN or an 18-digit ID number"),
        field="q",
    )


@transaction.atomic
def registry_search(principal: Principal, raw: str, *, actor: Actor, purpose: str) -> SearchResult:
    """Search by plate, VIN or ID number within scope. Every search is audited as a read; a
    search that finds people records whose data was seen."""
    if not principal.has_perm("registry.search_registry"):
        raise Forbidden("not_permitted", _("You may not search the vehicle and driver records"))
    kind, value = classify_query(raw)
    result = SearchResult(kind=kind, normalized=value)
    vehicles = vehicles_for(principal)
    if kind == "plate":
        result.vehicles = list(vehicles.filter(plate__number=value)[:10])
    elif kind == "vin":
        result.vehicles = list(vehicles.filter(vin=value)[:10])
    else:
        index = id_number_index(value)
        result.persons = list(persons_for(principal).filter(id_number_index=index)[:10])
        result.vehicles = list(vehicles.filter(owner_person__id_number_index=index)[:50])
        result.licences = list(licences_for(principal).filter(person__id_number_index=index)[:10])
    audit_record(
        actor=actor, action="registry.search", object_type="search", object_ref=kind, reason=purpose
    )
    seen = {p.pk: p for p in result.persons}
    seen.update({v.owner_person.pk: v.owner_person for v in result.vehicles if v.owner_person})
    for person in seen.values():
        _log_read(actor, person, purpose=purpose, what="person.read")
    return result
