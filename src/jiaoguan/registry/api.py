from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from jiaoguan.api.auth import ANY_AUTH, actor, principal, session_auth
from jiaoguan.api.pagination import Page, keyset
from jiaoguan.kernel.errors import DomainError, NotFound
from jiaoguan.registry import selectors, services
from jiaoguan.registry.schemas import (
    ContactIn,
    LicenceOut,
    PersonOut,
    SearchOut,
    VehicleCommandIn,
    VehicleOut,
)

router = Router(tags=["registry"])


class ListQuery(Schema):
    cursor: str | None = None
    limit: int = 20
    plate: str | None = None
    vin: str | None = None


def _purpose(request: HttpRequest) -> str:
    """Why the caller reads: the ``purpose`` query parameter or the ``X-Purpose`` header."""
    return (request.GET.get("purpose") or request.headers.get("X-Purpose") or "")[:200]


@router.get(
    "/vehicles",
    response=Page[VehicleOut],
    auth=ANY_AUTH,
    summary="Vehicles the caller may see (own, or in scope)",
)
def vehicle_list(request: HttpRequest, q: Query[ListQuery]) -> dict[str, object]:
    who = principal(request)
    qs = selectors.vehicles_for(who)
    if q.vin:
        qs = qs.filter(vin=q.vin.strip().upper()[:17])
    if q.plate:
        # a plate number is unique: at most one row, no page ordering needed (bench/lookup.py)
        rows, nxt = list(qs.filter(plate__number=q.plate.strip().upper()[:10])[:1]), None
    else:
        rows, nxt = keyset(qs, cursor=q.cursor, limit=q.limit)
    full = selectors.can_see_full_identifiers(who)
    selectors.log_reads(who, actor(request), rows, purpose=_purpose(request))
    return {"items": [VehicleOut.build(v, full=full) for v in rows], "next_cursor": nxt}


@router.get("/vehicles/{vehicle_id}", response=VehicleOut, auth=ANY_AUTH)
def vehicle_detail(request: HttpRequest, vehicle_id: str) -> VehicleOut:
    who = principal(request)
    vehicle = selectors.vehicle_get(who, vehicle_id)
    selectors.log_reads(who, actor(request), [vehicle], purpose=_purpose(request))
    return VehicleOut.build(vehicle, full=selectors.can_see_full_identifiers(who))


@router.post(
    "/vehicles/{vehicle_id}/commands",
    response=VehicleOut,
    auth=session_auth,
    summary="Run a named status command (mortgage, seize, deregister...)",
)
def vehicle_command(request: HttpRequest, vehicle_id: str, payload: VehicleCommandIn) -> VehicleOut:
    who = principal(request)
    vehicle = selectors.vehicle_get(who, vehicle_id)
    perms = {perm for perm in ("registry.change_vehicle_status",) if who.has_perm(perm)}
    updated = services.vehicle_status_change(
        actor=actor(request),
        vehicle=vehicle,
        command=payload.command,
        reason=payload.reason,
        permissions=perms,
    )
    return VehicleOut.build(updated, full=selectors.can_see_full_identifiers(who))


@router.get("/licences", response=Page[LicenceOut], auth=ANY_AUTH)
def licence_list(
    request: HttpRequest, cursor: str | None = None, limit: int = 20
) -> dict[str, object]:
    who = principal(request)
    rows, nxt = keyset(selectors.licences_for(who), cursor=cursor, limit=limit)
    full = selectors.can_see_full_identifiers(who)
    selectors.log_reads(who, actor(request), rows, purpose=_purpose(request))
    return {"items": [LicenceOut.build(x, full=full) for x in rows], "next_cursor": nxt}


@router.get("/licences/{licence_id}", response=LicenceOut, auth=ANY_AUTH)
def licence_detail(request: HttpRequest, licence_id: str) -> LicenceOut:
    who = principal(request)
    licence = selectors.licence_get(who, licence_id)
    selectors.log_reads(who, actor(request), [licence], purpose=_purpose(request))
    return LicenceOut.build(licence, full=selectors.can_see_full_identifiers(who))


@router.get(
    "/persons/{person_id}",
    response=PersonOut,
    auth=ANY_AUTH,
    summary="One person's record; the read is audited with its purpose",
)
def person_detail(request: HttpRequest, person_id: str, purpose: str = "") -> PersonOut:
    who = principal(request)
    if getattr(who, "kind", "") != "citizen" and not purpose.strip():
        raise DomainError(
            "purpose_required", _("Say why you are looking at this person's data"), field="purpose"
        )
    person = selectors.person_read(who, person_id, actor=actor(request), purpose=purpose[:200])
    return PersonOut.build(
        person,
        full=selectors.can_see_full_identifiers(who)
        or getattr(who, "person_id", None) == person.pk,
    )


@router.get(
    "/search",
    response=SearchOut,
    auth=ANY_AUTH,
    summary="Find by plate, VIN or ID number (staff; audited as a read)",
)
def search(request: HttpRequest, q: str, purpose: str = "查询") -> SearchOut:
    who = principal(request)
    result = selectors.registry_search(who, q, actor=actor(request), purpose=purpose[:200])
    full = selectors.can_see_full_identifiers(who)
    return SearchOut(
        kind=result.kind,
        normalized=result.normalized,
        vehicles=[VehicleOut.build(v, full=full) for v in result.vehicles],
        persons=[PersonOut.build(p, full=full) for p in result.persons],
        licences=[LicenceOut.build(x, full=full) for x in result.licences],
    )


@router.post(
    "/me/contact",
    response=PersonOut,
    auth=session_auth,
    summary="Change my recorded phone or address (R162 Art. 81)",
)
def my_contact(request: HttpRequest, payload: ContactIn) -> PersonOut:
    who = principal(request)
    if not getattr(who, "person_id", None):
        raise NotFound("not_found", _("This account is not bound to a verified person"))
    person = services.person_contact_update(
        actor=actor(request), person=who.person, phone=payload.phone, address=payload.address
    )
    return PersonOut.build(person, full=True)
