from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from jiaoguan.exchange.models import (
    ArchiveTransfer,
    ForeignAppointment,
    ForeignInspection,
    TransferEvent,
)


class KeyOut(Schema):
    province: str
    algorithm: str
    public_key: str


class AckOut(Schema):
    ack: str
    duplicate: bool
    result: dict[str, Any]


class TransferStartIn(Schema):
    vehicle: str = Field(description="public id of the vehicle", max_length=36)
    to_region: str = Field(description="6-digit GB/T 2260 code of the new region", max_length=6)
    kind: str = Field("move_out", description="`move_out` (R164 Art. 18) or `sale` (Art. 27)")
    buyer_name: str = Field("", max_length=64)
    buyer_id_number: str = Field("", max_length=18)
    reason: str = Field("", max_length=200)


class AcceptIn(Schema):
    prefix: str = Field(description="authority prefix of the new number, e.g. 粤B", max_length=2)
    kind: str = Field("ordinary", max_length=16)


class RejectIn(Schema):
    reason: str = Field(max_length=200)


class EventOut(Schema):
    command: str
    from_state: str
    to_state: str
    note: str
    at: dt.datetime

    @staticmethod
    def build(e: TransferEvent) -> EventOut:
        return EventOut(
            command=e.command, from_state=e.from_state, to_state=e.to_state, note=e.note, at=e.at
        )


class TransferOut(Schema):
    id: str
    direction: str
    kind: str
    state: str
    state_label: str
    vin: str
    from_region: str
    to_region: str
    new_plate: str
    archive_digest: str
    reason: str
    rule_version: str
    created_at: dt.datetime
    updated_at: dt.datetime
    events: list[EventOut]

    @staticmethod
    def build(t: ArchiveTransfer) -> TransferOut:
        return TransferOut(
            id=str(t.public_id),
            direction=t.direction,
            kind=t.kind,
            state=t.state,
            state_label=str(t.get_state_display()),
            vin=t.vin,
            from_region=t.from_region,
            to_region=t.to_region,
            new_plate=t.new_plate,
            archive_digest=t.archive_digest,
            reason=t.reason,
            rule_version=t.rule_version,
            created_at=t.created_at,
            updated_at=t.updated_at,
            events=[EventOut.build(e) for e in t.events.all()],
        )


class ForeignInspectionIn(Schema):
    home_province: str = Field(
        description="GB/T 2260 code of the registering province", max_length=2
    )
    plate_number: str = Field(max_length=10)
    vin: str = Field(max_length=17)
    vehicle_class: str = Field(max_length=24)
    items: dict[str, Any] = Field(description="per item: {outcome: pass|fail, fix}")
    inspector: str = Field("", max_length=64)
    owner_id_number: str = Field(
        "", max_length=18, description="the owner's ID number, checked by the home province"
    )


class ForeignInspectionOut(Schema):
    id: str
    home_province: str
    plate_number: str
    vin: str
    outcome: str
    state: str
    inspected_on: dt.date
    valid_until: dt.date | None
    label_number: str
    answer: str
    state_label: str = ""
    appointment: str | None = None

    @staticmethod
    def build(i: ForeignInspection) -> ForeignInspectionOut:
        return ForeignInspectionOut(
            id=str(i.public_id),
            home_province=i.home_province,
            plate_number=i.plate_number,
            vin=i.vin,
            outcome=i.outcome,
            state=i.state,
            inspected_on=i.inspected_on,
            valid_until=i.valid_until,
            label_number=i.label_number,
            answer=i.answer,
            state_label=str(i.get_state_display()),
            appointment=str(i.appointment.public_id) if hasattr(i, "appointment") else None,
        )


class ForeignBookIn(Schema):
    station: str = Field(description="public id of the station", max_length=36)
    slot_start: dt.datetime = Field(description="one of the station's open slots")
    home_province: str = Field(
        description="GB/T 2260 code of the registering province", max_length=2
    )
    plate_number: str = Field(max_length=10)
    vin: str = Field(max_length=17)
    vehicle_class: str = Field(max_length=24)
    owner_id_number: str = Field(
        max_length=18, description="the owner's ID number, as the home province holds it"
    )


class ForeignResultIn(Schema):
    items: dict[str, Any] = Field(description="per item: {outcome: pass|fail, fix}")
    inspector: str = Field("", max_length=64)


class ReasonIn(Schema):
    reason: str = Field("", max_length=200)


class ForeignAppointmentOut(Schema):
    id: str
    station: str
    station_name: str
    slot_start: dt.datetime
    state: str
    state_label: str
    home_province: str
    plate_number: str
    vin: str
    vehicle_class: str
    inspection: ForeignInspectionOut | None

    @staticmethod
    def build(a: ForeignAppointment) -> ForeignAppointmentOut:
        return ForeignAppointmentOut(
            id=str(a.public_id),
            station=str(a.station.public_id),
            station_name=a.station.organisation.name,
            slot_start=a.slot_start,
            state=a.state,
            state_label=str(a.get_state_display()),
            home_province=a.home_province,
            plate_number=a.plate_number,
            vin=a.vin,
            vehicle_class=a.vehicle_class,
            inspection=ForeignInspectionOut.build(a.inspection) if a.inspection else None,
        )
