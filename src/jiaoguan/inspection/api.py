"""The inspection schedule, served read-only (DESIGN.md: rules answer "why" for anyone): facts
in, decision and citations out."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from jiaoguan.inspection.rules import Schedule, Vehicle, schedule
from jiaoguan.kernel import clock
from jiaoguan.kernel.errors import DomainError

router = Router(tags=["rules"])

VehicleClassIn = Literal[
    "small_passenger",
    "mini_passenger",
    "medium_passenger",
    "large_passenger",
    "light_truck",
    "heavy_truck",
    "trailer",
    "motorcycle",
    "light_motorcycle",
]


class ScheduleIn(Schema):
    vehicle_class: VehicleClassIn
    use: Literal["commercial", "non_commercial"]
    seats: int = Field(ge=1, le=99)
    registration_date: dt.date
    van: bool = False
    casualty_accident: bool = False
    illegal_modification: bool = False
    on: dt.date | None = Field(None, description="The date asked about (default: today)")
    valid_until: dt.date | None = Field(
        None, description="The end of the current period when known (the label on record)"
    )


class ScheduleOut(Schema):
    due: dt.date = Field(description="The end of the inspection period that matters on `on`")
    label_only: bool = Field(description="The label alone, without a station visit")
    window_opens: dt.date = Field(description="The label may be applied for from this day")
    overdue: bool
    age_years: float
    interval_months: int
    category: str
    excluded: str = Field(description="Why the reform in force does not apply, if it does not")
    rule: str
    citations: list[str]

    @staticmethod
    def build(s: Schedule) -> ScheduleOut:
        return ScheduleOut(
            due=s.due,
            label_only=s.label_only,
            window_opens=s.window_opens,
            overdue=s.overdue,
            age_years=round(s.age_years, 2),
            interval_months=s.interval_months,
            category=s.category,
            excluded=s.excluded,
            rule=s.rule,
            citations=list(s.citations),
        )


@router.post(
    "/rules/inspection-schedule",
    response=ScheduleOut,
    auth=None,
    summary="When a vehicle is due for inspection, and whether the label alone will do",
)
def inspection_schedule(request: HttpRequest, payload: ScheduleIn) -> ScheduleOut:
    """L2 Art. 16 with the 2014, 2020 and 2022 reforms (DOMAIN.md §4), the version in force on
    `on`; R164 Art. 54 for the 3-month window."""
    on = payload.on or clock.today()
    if payload.registration_date > on:
        raise DomainError(
            "registered_after_date",
            _("The registration date is after the date asked about"),
            field="registration_date",
        )
    facts = Vehicle(
        vehicle_class=payload.vehicle_class,
        use=payload.use,
        seats=payload.seats,
        registration_date=payload.registration_date,
        van=payload.van,
        casualty_accident=payload.casualty_accident,
        illegal_modification=payload.illegal_modification,
    )
    return ScheduleOut.build(schedule(facts, on=on, valid_until=payload.valid_until))


from jiaoguan.inspection.api_stations import router as stations_router  # noqa: E402

router.add_router("/", stations_router)
