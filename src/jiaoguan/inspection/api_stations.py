"""Inspection stations over the API: the stations and their free slots (public), the owner's
online booking and cancellation, the station's desk (check-in, walk-in, no-show) and its
results item by item, and the vehicle office's management of station profiles. The same
services and selectors as the pages; a station sees only its own appointments."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from jiaoguan.api.auth import actor, principal, session_auth
from jiaoguan.api.pagination import Page, keyset
from jiaoguan.inspection import selectors, services
from jiaoguan.inspection.constants import InspectionItem
from jiaoguan.inspection.models import Appointment, InspectionResult, Station
from jiaoguan.kernel.errors import DomainError, NotFound
from jiaoguan.registry import selectors as registry_selectors
from jiaoguan.registry.models import Organisation

router = Router(tags=["inspection"])

Hours = dict[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], list[str]]


class StationOut(Schema):
    id: str
    name: str
    region_code: str
    lines: int
    slot_minutes: int
    capacity_per_slot: int
    opening_hours: dict[str, list[str]] = Field(description="Beijing time; a missing day is closed")
    vehicle_classes: list[str]
    status: str

    @staticmethod
    def build(s: Station) -> StationOut:
        return StationOut(
            id=str(s.public_id),
            name=s.organisation.name,
            region_code=s.organisation.region_code,
            lines=s.lines,
            slot_minutes=s.slot_minutes,
            capacity_per_slot=s.capacity_per_slot,
            opening_hours=s.opening_hours,
            vehicle_classes=s.vehicle_classes,
            status=s.status,
        )


class StationIn(Schema):
    lines: int = Field(ge=1, le=50)
    capacity_per_slot: int = Field(ge=1, le=500)
    slot_minutes: int = 30
    opening_hours: Hours
    vehicle_classes: list[str] = Field(max_length=20)


class StationCreateIn(StationIn):
    organisation_id: str = Field(max_length=64, description="the inspection_station organisation")


class StationStatusIn(Schema):
    status: Literal["recognised", "suspended"]
    reason: str = Field(max_length=200)


class SlotOut(Schema):
    start: dt.datetime
    remaining: int


class ItemIn(Schema):
    outcome: Literal["pass", "fail"]
    fix: str = Field("", max_length=200, description="what to fix, for a failed item")


class ResultIn(Schema):
    items: dict[str, ItemIn] = Field(
        description="every item (" + ", ".join(InspectionItem.values) + "); a re-test gives "
        "only the items that failed"
    )
    inspector: str = Field("", max_length=64)


class ResultOut(Schema):
    id: str
    outcome: str
    items: dict[str, Any]
    retest_of: str | None
    valid_until: dt.date | None = Field(description="the new period, on a pass")
    label_id: str | None = Field(description="the electronic label voucher, on a pass")
    recorded_at: dt.datetime
    rule: str

    @staticmethod
    def build(r: InspectionResult) -> ResultOut:
        return ResultOut(
            id=str(r.public_id),
            outcome=r.outcome,
            items=r.items,
            retest_of=str(r.retest_of.public_id) if r.retest_of_id and r.retest_of else None,
            valid_until=r.valid_until,
            label_id=r.label_ref or None,
            recorded_at=r.recorded_at,
            rule=r.rule,
        )


class AppointmentOut(Schema):
    id: str
    station_id: str
    station_name: str
    vehicle_id: str
    plate: str
    slot_start: dt.datetime | None
    walk_in: bool
    cross_region: bool = Field(description="全国通检: registered in another city or province")
    state: str
    due: dt.date
    results: list[ResultOut]

    @staticmethod
    def build(a: Appointment) -> AppointmentOut:
        return AppointmentOut(
            id=str(a.public_id),
            station_id=str(a.station.public_id),
            station_name=a.station.organisation.name,
            vehicle_id=str(a.vehicle.public_id),
            plate=a.vehicle.plate.number if a.vehicle.plate else "",
            slot_start=a.slot_start,
            walk_in=a.walk_in,
            cross_region=a.cross_region,
            state=a.state,
            due=a.due,
            results=[
                ResultOut.build(r) for r in a.results.select_related("retest_of").order_by("id")
            ],
        )


class BookIn(Schema):
    vehicle_id: str = Field(max_length=64)
    station_id: str = Field(max_length=64)
    slot_start: dt.datetime


class WalkInIn(Schema):
    number: str = Field(max_length=17, description="plate number or VIN")


class ReasonIn(Schema):
    reason: str = Field("", max_length=200)


# --- stations ---------------------------------------------------------------------------------


@router.get(
    "/inspection/stations",
    response=list[StationOut],
    auth=None,
    summary="Recognised inspection stations (any may be chosen: 全国通检)",
)
def station_list(request: HttpRequest, city: str = "", vehicle_class: str = "") -> list[StationOut]:
    qs = selectors.stations_public().order_by("organisation__region_code", "id")
    if city:
        qs = qs.filter(organisation__city_code=city[:4])
    rows = [s for s in qs[:500] if not vehicle_class or vehicle_class in s.vehicle_classes]
    return [StationOut.build(s) for s in rows]


def _managed(request: HttpRequest, station_id: str) -> Station:
    return selectors.station_get(station_id, selectors.stations_managed(principal(request)))


@router.post(
    "/inspection/stations",
    response={201: StationOut},
    auth=session_auth,
    summary="Register a station's profile (vehicle office)",
)
def station_create(request: HttpRequest, payload: StationCreateIn) -> Status[StationOut]:
    try:
        org = Organisation.objects.get(public_id=payload.organisation_id)
    except (ValueError, ValidationError, Organisation.DoesNotExist) as exc:
        # a malformed id is refused like an unknown one (the UUID field raises ValidationError)
        raise NotFound("not_found", _("Organisation not found"), field="organisation_id") from exc
    station = services.station_create(
        actor=actor(request),
        principal=principal(request),
        organisation=org,
        lines=payload.lines,
        capacity_per_slot=payload.capacity_per_slot,
        opening_hours={str(k): v for k, v in payload.opening_hours.items()},
        vehicle_classes=payload.vehicle_classes,
        slot_minutes=payload.slot_minutes,
    )
    return Status(201, StationOut.build(station))


@router.put(
    "/inspection/stations/{station_id}",
    response=StationOut,
    auth=session_auth,
    summary="Change a station's lines, capacity, hours or classes (vehicle office)",
)
def station_update(request: HttpRequest, station_id: str, payload: StationIn) -> StationOut:
    station = services.station_update(
        actor=actor(request),
        principal=principal(request),
        station=_managed(request, station_id),
        lines=payload.lines,
        capacity_per_slot=payload.capacity_per_slot,
        opening_hours={str(k): v for k, v in payload.opening_hours.items()},
        vehicle_classes=payload.vehicle_classes,
        slot_minutes=payload.slot_minutes,
    )
    return StationOut.build(station)


@router.post(
    "/inspection/stations/{station_id}/status",
    response=StationOut,
    auth=session_auth,
    summary="Suspend a station (R164 Art. 72) or recognise it again (vehicle office)",
)
def station_status(request: HttpRequest, station_id: str, payload: StationStatusIn) -> StationOut:
    station = services.station_status_set(
        actor=actor(request),
        principal=principal(request),
        station=_managed(request, station_id),
        status=payload.status,
        reason=payload.reason,
    )
    return StationOut.build(station)


@router.get(
    "/inspection/slots",
    response=list[SlotOut],
    auth=None,
    summary="A station's free slots on a day",
)
def slot_list(request: HttpRequest, station_id: str, date: dt.date) -> list[SlotOut]:
    station = selectors.station_get(station_id)
    return [
        SlotOut(start=s.start, remaining=s.remaining)
        for s in selectors.station_slots(station, date)
    ]


# --- appointments -----------------------------------------------------------------------------


@router.get(
    "/inspection/appointments",
    response=Page[AppointmentOut],
    auth=session_auth,
    summary="Appointments the caller may see (a station: its own only)",
)
def appointment_list(
    request: HttpRequest, cursor: str | None = None, limit: int = 20, state: str = ""
) -> dict[str, object]:
    qs = selectors.appointments_for(principal(request))
    if state:
        qs = qs.filter(state=state[:16])
    rows, nxt = keyset(qs, cursor=cursor, limit=limit)
    return {"items": [AppointmentOut.build(a) for a in rows], "next_cursor": nxt}


@router.post(
    "/inspection/appointments",
    response={201: AppointmentOut},
    auth=session_auth,
    summary="Book a slot for one's own vehicle",
)
def appointment_book(request: HttpRequest, payload: BookIn) -> Status[AppointmentOut]:
    who = principal(request)
    try:
        vehicle = registry_selectors.vehicle_get(who, payload.vehicle_id)
    except NotFound as exc:
        raise NotFound("not_found", _("Vehicle not found"), field="vehicle_id") from exc
    station = selectors.station_get(payload.station_id)
    try:
        appt = services.appointment_book(
            actor=actor(request),
            principal=who,
            vehicle=vehicle,
            station=station,
            slot_start=payload.slot_start,
        )
    except DomainError as exc:
        raise _refield(exc, {"vehicle": "vehicle_id", "station": "station_id"}) from exc
    return Status(201, AppointmentOut.build(appt))


def _refield(exc: DomainError, names: dict[str, str]) -> DomainError:
    """The same refusal naming the API's field (the services name ``vehicle`` and ``station``;
    the payloads say ``vehicle_id``, ``station_id`` or ``number``)."""
    if exc.field not in names:
        return exc
    return type(exc)(
        exc.code,
        exc.message,
        field=names[exc.field],
        citation=exc.citation,
        message_en=exc.message_en,
    )


@router.get(
    "/inspection/appointments/{appointment_id}",
    response=AppointmentOut,
    auth=session_auth,
    summary="One appointment with its results",
)
def appointment_detail(request: HttpRequest, appointment_id: str) -> AppointmentOut:
    return AppointmentOut.build(selectors.appointment_get(principal(request), appointment_id))


def _command(request: HttpRequest, appointment_id: str, command: str, reason: str = "") -> Any:
    who = principal(request)
    appt = selectors.appointment_get(who, appointment_id)
    return AppointmentOut.build(
        services.appointment_transition(
            actor=actor(request), principal=who, appointment=appt, command=command, reason=reason
        )
    )


@router.post(
    "/inspection/appointments/{appointment_id}/cancel",
    response=AppointmentOut,
    auth=session_auth,
    summary="Cancel a booking (the owner: up to the configured time before the slot)",
)
def appointment_cancel(
    request: HttpRequest, appointment_id: str, payload: ReasonIn | None = None
) -> AppointmentOut:
    return _command(request, appointment_id, "cancel", payload.reason if payload else "")


@router.post(
    "/inspection/appointments/{appointment_id}/check-in",
    response=AppointmentOut,
    auth=session_auth,
    summary="The station checks in a booked vehicle on its day",
)
def appointment_check_in(request: HttpRequest, appointment_id: str) -> AppointmentOut:
    return _command(request, appointment_id, "check_in")


@router.post(
    "/inspection/appointments/{appointment_id}/no-show",
    response=AppointmentOut,
    auth=session_auth,
    summary="The station marks a booking whose slot is over as a no-show",
)
def appointment_no_show(request: HttpRequest, appointment_id: str) -> AppointmentOut:
    return _command(request, appointment_id, "mark_no_show")


@router.post(
    "/inspection/walk-ins",
    response={201: AppointmentOut},
    auth=session_auth,
    summary="The station checks in a vehicle with no appointment",
)
def walk_in(request: HttpRequest, payload: WalkInIn) -> Status[AppointmentOut]:
    vehicle = selectors.vehicle_by_number(payload.number)
    if vehicle is None or selectors.station_of(principal(request)) is None:
        raise NotFound("not_found", _("No vehicle with this plate number or VIN"), field="number")
    try:
        appt = services.walk_in_check_in(
            actor=actor(request), principal=principal(request), vehicle=vehicle
        )
    except DomainError as exc:
        raise _refield(exc, {"vehicle": "number"}) from exc
    return Status(201, AppointmentOut.build(appt))


@router.post(
    "/inspection/inspections/{appointment_id}/result",
    response={201: ResultOut},
    auth=session_auth,
    summary="The station records a result item by item (a pass issues the label at once)",
)
def result_record(
    request: HttpRequest, appointment_id: str, payload: ResultIn
) -> Status[ResultOut]:
    who = principal(request)
    appt = selectors.appointment_get(who, appointment_id)
    result = services.inspection_result_record(
        actor=actor(request),
        principal=who,
        appointment=appt,
        items={k: v.dict() for k, v in payload.items.items()},
        inspector=payload.inspector,
    )
    return Status(201, ResultOut.build(result))
