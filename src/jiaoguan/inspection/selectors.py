"""Reads: the inspection schedule of a registry vehicle; stations, their slots, and the
appointments and results each caller may see (one selector for lists and details alike)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from jiaoguan.accounts.constants import AccountKind
from jiaoguan.inspection.constants import WEEKDAYS, AppointmentState, StationStatus
from jiaoguan.inspection.models import Appointment, InspectionResult, SlotCounter, Station
from jiaoguan.inspection.rules import Schedule, Vehicle, schedule
from jiaoguan.kernel import clock
from jiaoguan.kernel.errors import NotFound
from jiaoguan.registry.models import Vehicle as RegistryVehicle
from jiaoguan.registry.selectors import region_filter


def facts_of(vehicle: RegistryVehicle) -> Vehicle:
    """The schedule's facts from the registry record. Casualty accidents and illegal
    modification are not in the registry yet (they come with the accidents and violations
    registers), so they count as absent."""
    return Vehicle(
        vehicle_class=vehicle.vehicle_class,
        use=vehicle.use,
        seats=vehicle.seats,
        registration_date=vehicle.registration_date,
        van=vehicle.van,
    )


def vehicle_schedule(vehicle: RegistryVehicle) -> Schedule:
    """The current inspection period of a registered vehicle, today."""
    return schedule(facts_of(vehicle), on=clock.today(), valid_until=vehicle.inspection_valid_until)


# --- stations ---------------------------------------------------------------------------------


def _operates(principal: Any) -> bool:
    return bool(
        getattr(principal, "is_authenticated", False)
        and principal.has_perm("inspection.operate_station")
        and getattr(principal, "organisation_id", None)
    )


def _manages(principal: Any) -> bool:
    return bool(
        getattr(principal, "is_authenticated", False)
        and getattr(principal, "kind", "") == AccountKind.STAFF
        and principal.has_perm("inspection.manage_station")
    )


def stations_public() -> QuerySet[Station]:
    """Recognised stations: what owners choose from (public information)."""
    return Station.objects.filter(status=StationStatus.RECOGNISED).select_related("organisation")


def stations_managed(principal: Any) -> QuerySet[Station]:
    """Stations a vehicle-office user manages: those in their region scope."""
    qs = Station.objects.select_related("organisation")
    if not _manages(principal):
        return qs.none()
    return region_filter(qs, principal.region_scope, prefix="organisation__")


def station_get(public_id: str | uuid.UUID, qs: QuerySet[Station] | None = None) -> Station:
    try:
        return (qs if qs is not None else stations_public()).get(
            public_id=uuid.UUID(str(public_id))
        )
    except (ValueError, ObjectDoesNotExist) as exc:
        raise NotFound("not_found", _("Inspection station not found"), field="station") from exc


def station_of(principal: Any) -> Station | None:
    """The station a station user works for (their organisation's profile)."""
    if not _operates(principal):
        return None
    return (
        Station.objects.select_related("organisation")
        .filter(organisation_id=principal.organisation_id)
        .first()
    )


def local_day(day: dt.date, hhmm: str) -> dt.datetime:
    hour, minute = (int(x) for x in hhmm.split(":"))
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=clock.SHANGHAI)


def slot_starts(station: Station, day: dt.date) -> list[dt.datetime]:
    """The slot starts of a station on a (Beijing) day, from its opening hours, in UTC."""
    hours = station.opening_hours.get(WEEKDAYS[day.weekday()])
    if not hours:
        return []
    start, close = local_day(day, hours[0]), local_day(day, hours[1])
    step = dt.timedelta(minutes=station.slot_minutes)
    out = []
    while start + step <= close:
        out.append(start.astimezone(dt.UTC))
        start += step
    return out


@dataclass(frozen=True)
class Slot:
    start: dt.datetime
    remaining: int


def station_slots(station: Station, day: dt.date) -> list[Slot]:
    """The future slots of a station on a day with the places left."""
    starts = [s for s in slot_starts(station, day) if s > clock.now()]
    taken = dict(
        SlotCounter.objects.filter(station=station, start__in=starts).values_list("start", "taken")
    )
    return [Slot(s, max(station.capacity_per_slot - taken.get(s, 0), 0)) for s in starts]


# --- appointments and results -----------------------------------------------------------------


def appointments_for(principal: Any) -> QuerySet[Appointment]:
    """A station sees only its own appointments; the vehicle office those of the stations in
    its scope; an owner their own; anyone else nothing."""
    qs = Appointment.objects.select_related(
        "station__organisation", "vehicle__plate", "owner"
    ).defer("owner__id_number_enc", "owner__phone_enc", "owner__address")
    if not getattr(principal, "is_authenticated", False):
        return qs.none()
    if getattr(principal, "kind", "") == AccountKind.CITIZEN:
        pid = getattr(principal, "person_id", None)
        return qs.filter(owner_id=pid) if pid else qs.none()
    if _operates(principal):
        return qs.filter(station__organisation_id=principal.organisation_id)
    if _manages(principal):
        return region_filter(qs, principal.region_scope, prefix="station__organisation__")
    return qs.none()


def appointment_get(principal: Any, public_id: str | uuid.UUID) -> Appointment:
    try:
        return appointments_for(principal).get(public_id=uuid.UUID(str(public_id)))
    except (ValueError, ObjectDoesNotExist) as exc:
        raise NotFound("not_found", _("Appointment not found")) from exc


def results_for(principal: Any) -> QuerySet[InspectionResult]:
    visible = appointments_for(principal).values("id")
    return InspectionResult.objects.filter(appointment_id__in=visible).order_by("recorded_at", "id")


def station_day(station: Station, day: dt.date) -> QuerySet[Appointment]:
    """The desk's list for a day: booked slots of that day, and every visit still open or
    closed that day (walk-ins included)."""
    lo = local_day(day, "00:00")
    hi = lo + dt.timedelta(days=1)
    return (
        Appointment.objects.filter(station=station)
        .filter(
            Q(slot_start__gte=lo, slot_start__lt=hi)
            | Q(checked_in_at__gte=lo, checked_in_at__lt=hi)
            | Q(state=AppointmentState.CHECKED_IN)
        )
        .select_related("vehicle__plate", "owner")
        .defer("owner__id_number_enc", "owner__phone_enc", "owner__address")
        .order_by("slot_start", "checked_in_at", "id")
    )


def vehicle_by_number(number: str) -> RegistryVehicle | None:
    """A vehicle by its exact plate number or VIN (the station's walk-in desk)."""
    number = number.strip().upper()
    if not number:
        return None
    return (
        RegistryVehicle.objects.select_related("plate", "owner_person")
        .filter(Q(plate__number=number) | Q(vin=number))
        .first()
    )
