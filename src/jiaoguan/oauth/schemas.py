from __future__ import annotations

import datetime as dt

from ninja import Schema


class AppLicenceOut(Schema):
    classes: list[str]
    status: str
    valid_from: dt.date
    valid_until: dt.date | None
    points: int


class AppPointsOut(Schema):
    points: int
    full_score: int
    cycle_start: dt.date
    cycle_end: dt.date


class AppViolationOut(Schema):
    id: str
    occurred_at: dt.datetime
    place: str
    plate_number: str
    description: str
    points: int
    fine_fen: int
    state: str


class AppVehicleOut(Schema):
    id: str
    plate_number: str | None
    vehicle_class: str
    brand: str
    model_name: str
    status: str
    inspection_valid_until: dt.date | None


class AppApplicationIn(Schema):
    business_type: str
    subject_id: str = ""
    changes: dict[str, object] = {}


class AppApplicationOut(Schema):
    id: str
    case_number: str
    business_type: str
    state: str
