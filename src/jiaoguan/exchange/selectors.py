"""Reads of the exchange, scoped to the caller: staff holding ``exchange.handle_transfer``
see the transfers of their region (the old office's outgoing, the new office's incoming);
a citizen sees the transfers of which they are the owner."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from jiaoguan.accounts.constants import AccountKind
from jiaoguan.accounts.principal import Principal
from jiaoguan.exchange.models import ArchiveTransfer, ForeignAppointment, ForeignInspection
from jiaoguan.kernel.errors import NotFound


def transfers_for(principal: Principal) -> QuerySet[ArchiveTransfer]:
    qs = ArchiveTransfer.objects.select_related("owner_person", "vehicle").order_by("-id")
    if not getattr(principal, "is_authenticated", False):
        return qs.none()
    if principal.kind == AccountKind.CITIZEN:
        person_id = getattr(principal, "person_id", None)
        return qs.filter(owner_person_id=person_id) if person_id else qs.none()
    if not principal.has_perm("exchange.handle_transfer"):
        return qs.none()
    scope = principal.region_scope or ""
    if len(scope) not in (2, 4, 6) or not scope.isdigit():
        return qs.none()
    return qs.filter(region_code__startswith=scope)


def transfer_get(principal: Principal, public_id: str | uuid.UUID) -> ArchiveTransfer:
    try:
        ref = uuid.UUID(str(public_id))
    except ValueError as exc:
        raise NotFound("not_found", "Not found") from exc
    found = transfers_for(principal).filter(public_id=ref).first()
    if found is None:
        raise NotFound("not_found", "Not found")
    return found


def foreign_inspections_for(principal: Principal) -> QuerySet[ForeignInspection]:
    """A station sees its own inspections of vehicles from elsewhere; nobody else does."""
    from jiaoguan.inspection.selectors import station_of

    station = station_of(principal) if getattr(principal, "is_authenticated", False) else None
    if station is None:
        return ForeignInspection.objects.none()
    return (
        ForeignInspection.objects.filter(station=station)
        .select_related("appointment")
        .order_by("-id")
    )


def foreign_appointments_for(principal: Principal) -> QuerySet[ForeignAppointment]:
    """Bookings of vehicles from other provinces: a station sees those at its own station,
    a citizen those they booked; nobody else sees any."""
    from jiaoguan.inspection.selectors import station_of

    qs = ForeignAppointment.objects.select_related(
        "station__organisation", "inspection", "booked_by"
    ).order_by("-id")
    if not getattr(principal, "is_authenticated", False):
        return qs.none()
    station = station_of(principal)
    if station is not None:
        return qs.filter(station=station)
    if principal.kind == AccountKind.CITIZEN:
        person_id = getattr(principal, "person_id", None)
        return qs.filter(booked_by_id=person_id) if person_id else qs.none()
    return qs.none()


def foreign_appointment_get(principal: Principal, public_id: str | uuid.UUID) -> ForeignAppointment:
    try:
        ref = uuid.UUID(str(public_id))
    except ValueError as exc:
        raise NotFound("not_found", "Not found") from exc
    found = foreign_appointments_for(principal).filter(public_id=ref).first()
    if found is None:
        raise NotFound("not_found", "Not found")
    return found
