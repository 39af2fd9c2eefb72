"""Stations, station staff and vehicles for the station tests (and the browser journeys)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from jiaoguan.audit.services import Actor
from jiaoguan.inspection import services
from jiaoguan.inspection.models import Station
from jiaoguan.kernel.uscc import USCC
from jiaoguan.registry import services as registry
from jiaoguan.registry.constants import OrganisationKind
from jiaoguan.registry.models import Organisation, Person, Vehicle
from tests.conftest import make_person, make_staff, make_vehicle

_n = itertools.count(1)
HOURS = {d: ["08:30", "17:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat")}
CLASSES = ["small_passenger", "mini_passenger", "large_passenger", "light_truck"]


def make_station_org(city: str = "3201", name: str = "南京市机动车检测有限公司") -> Organisation:
    n = next(_n)
    return registry.organisation_create(
        actor=Actor.system("tests"),
        uscc=str(USCC.generate(city + "02", f"{n + 70_000_000:08d}")),
        name=name,
        kind=OrganisationKind.INSPECTION_STATION,
        region_code=city + "02",
    )


def make_station(city: str = "3201", **kw: Any) -> Station:
    manager = make_staff("reviewer", city)
    return services.station_create(
        actor=Actor.of(manager),
        principal=manager,
        organisation=make_station_org(city, kw.pop("name", f"检测站{next(_n)}")),
        lines=kw.pop("lines", 2),
        capacity_per_slot=kw.pop("capacity_per_slot", 2),
        opening_hours=kw.pop("opening_hours", HOURS),
        vehicle_classes=kw.pop("vehicle_classes", CLASSES),
        slot_minutes=kw.pop("slot_minutes", 30),
    )


def station_staff(station: Station) -> Any:
    return make_staff("inspection_station", station.organisation.city_code, station.organisation)


def due_car(
    *,
    county: str = "320102",
    years: int = 6,
    days_left: int = 10,
    today: dt.date,
    person: Person | None = None,
    **kw: Any,
) -> Vehicle:
    """A small car whose period ends ``days_left`` days after ``today`` at the age of
    ``years`` (6 and 10: on site; 2, 4 and 8: label only)."""
    from jiaoguan.inspection.rules import add_months

    until = today + dt.timedelta(days=days_left)
    registered = add_months(until, -12 * years)
    return make_vehicle(
        person or make_person(county),
        registration_date=registered,
        manufacture_date=registered - dt.timedelta(days=30),
        inspection_valid_until=until,
        **kw,
    )
