"""Stations over HTTP: the API (problem+json, fields named) and the pages (errors beside the
field), with a station seeing only its own appointments."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from jiaoguan.inspection import selectors
from jiaoguan.inspection.constants import InspectionItem
from jiaoguan.inspection.models import Appointment
from jiaoguan.kernel import clock
from jiaoguan.registry.models import Vehicle
from tests.conftest import make_staff
from tests.inspection.stations_fixtures import (
    due_car,
    make_station,
    make_station_org,
    station_staff,
)
from tests.inspection.test_stations import NOW, TODAY, account_of, at, book

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with clock.frozen(NOW):
        yield


def signed_in(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def post(c: Client, url: str, body: Any = None) -> Any:
    return c.post(f"/api/v1{url}", body or {}, content_type="application/json")


def test_stations_and_slots_are_public() -> None:
    station = make_station()
    rows = Client().get("/api/v1/inspection/stations").json()
    assert [r["id"] for r in rows] == [str(station.public_id)]
    assert rows[0]["opening_hours"]["mon"] == ["08:30", "17:00"]
    slots = (
        Client().get(f"/api/v1/inspection/slots?station_id={station.public_id}&date={TODAY}").json()
    )
    assert slots[0] == {"start": "2026-06-10T00:30:00Z", "remaining": 2}
    missing = Client().get(f"/api/v1/inspection/slots?station_id=nope&date={TODAY}")
    assert missing.status_code == 404 and missing["Content-Type"] == "application/problem+json"


def test_booking_cancel_and_refusals_as_problems() -> None:
    station = make_station()
    car = due_car(today=TODAY)
    c = signed_in(account_of(car.owner_person))
    body = {"vehicle_id": str(car.public_id), "station_id": str(station.public_id)}
    bad = post(c, "/inspection/appointments", body | {"slot_start": "2026-06-10T02:10:00Z"})
    assert bad.status_code == 422 and bad["Content-Type"] == "application/problem+json"
    assert bad.json()["invalid_params"][0]["name"] == "slot_start"
    made = post(c, "/inspection/appointments", body | {"slot_start": at("10:00").isoformat()})
    assert made.status_code == 201, made.json()
    appt = made.json()
    assert appt["state"] == "booked" and appt["cross_region"] is False
    label_only = due_car(today=TODAY, years=4, person=car.owner_person)
    refused = post(
        c,
        "/inspection/appointments",
        body | {"vehicle_id": str(label_only.public_id), "slot_start": at("10:00").isoformat()},
    )
    problem = refused.json()
    assert refused.status_code == 422 and problem["code"] == "label_only"
    assert problem["invalid_params"][0]["name"] == "vehicle_id"
    someone_else = due_car(today=TODAY)
    hidden = post(
        c,
        "/inspection/appointments",
        body | {"vehicle_id": str(someone_else.public_id), "slot_start": at("10:00").isoformat()},
    )
    assert hidden.status_code == 404
    cancelled = post(c, f"/inspection/appointments/{appt['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    again = post(c, f"/inspection/appointments/{appt['id']}/cancel")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"


def test_a_station_checks_in_records_through_the_api_and_sees_only_its_own() -> None:
    station = make_station()
    appt = book(due_car(today=TODAY), station, at("08:30"))
    mine = signed_in(station_staff(station))
    other = signed_in(station_staff(make_station()))
    assert other.get(f"/api/v1/inspection/appointments/{appt.public_id}").status_code == 404
    assert other.get("/api/v1/inspection/appointments").json()["items"] == []
    assert [a["id"] for a in mine.get("/api/v1/inspection/appointments").json()["items"]] == [
        str(appt.public_id)
    ]
    with clock.frozen(NOW + dt.timedelta(hours=1, minutes=25)):
        assert post(mine, f"/inspection/appointments/{appt.public_id}/check-in").status_code == 200
    items = {i: {"outcome": "pass"} for i in InspectionItem.values}
    forbidden = post(other, f"/inspection/inspections/{appt.public_id}/result", {"items": items})
    assert forbidden.status_code == 404
    bad = post(
        mine,
        f"/inspection/inspections/{appt.public_id}/result",
        {"items": items | {"brakes": {"outcome": "fail"}}},
    )
    assert bad.status_code == 422 and bad.json()["invalid_params"][0]["name"] == "items.brakes"
    ok = post(mine, f"/inspection/inspections/{appt.public_id}/result", {"items": items})
    assert ok.status_code == 201 and ok.json()["outcome"] == "pass" and ok.json()["label_id"]
    assert Vehicle.objects.get(pk=appt.vehicle_id).inspection_valid_until == dt.date(2028, 6, 20)


def test_walk_in_through_the_api_and_managers_suspend() -> None:
    station = make_station()
    car = due_car(today=TODAY)
    desk = signed_in(station_staff(station))
    unknown = post(desk, "/inspection/walk-ins", {"number": "LSVAA4182E2000000"})
    assert unknown.status_code == 404 and unknown.json()["invalid_params"][0]["name"] == "number"
    made = post(desk, "/inspection/walk-ins", {"number": car.plate.number})  # type: ignore[union-attr]
    assert (
        made.status_code == 201 and made.json()["walk_in"] and made.json()["state"] == "checked_in"
    )
    citizen = signed_in(account_of(car.owner_person))
    refused = post(citizen, "/inspection/walk-ins", {"number": car.vin})
    assert refused.status_code == 404
    clerk = signed_in(make_staff("counter_clerk", "3201"))
    body = {"status": "suspended", "reason": "出具虚假检验结果"}
    assert post(clerk, f"/inspection/stations/{station.public_id}/status", body).status_code == 404
    manager = signed_in(make_staff("reviewer", "3201"))
    done = post(manager, f"/inspection/stations/{station.public_id}/status", body)
    assert done.status_code == 200 and done.json()["status"] == "suspended"
    org = make_station_org()
    created = post(
        manager,
        "/inspection/stations",
        {
            "organisation_id": str(org.public_id),
            "lines": 1,
            "capacity_per_slot": 1,
            "opening_hours": {"mon": ["09:00", "12:00"]},
            "vehicle_classes": ["small_passenger"],
        },
    )
    assert created.status_code == 201, created.json()
    bad = post(
        manager,
        "/inspection/stations",
        {
            "organisation_id": str(make_station_org().public_id),
            "lines": 1,
            "capacity_per_slot": 1,
            "opening_hours": {"mon": ["12:00", "09:00"]},
            "vehicle_classes": ["small_passenger"],
        },
    )
    assert bad.status_code == 422 and bad.json()["invalid_params"][0]["name"] == "opening_hours"


# --- pages ------------------------------------------------------------------------------------


def test_the_owner_books_from_the_portal_page_and_errors_show_beside_the_field() -> None:
    station = make_station(capacity_per_slot=1)
    car = due_car(today=TODAY)
    c = signed_in(account_of(car.owner_person))
    assert f"/portal/inspection/book/{car.public_id}/" in c.get("/portal/").content.decode()
    url = f"/portal/inspection/book/{car.public_id}/"
    page = c.get(url, {"station": str(station.public_id), "date": str(TODAY)}).content.decode()
    assert 'data-testid="slot"' in page
    book(due_car(today=TODAY), station, at("10:00"))  # someone takes the 10:00 place
    full = c.post(
        url,
        {"station": str(station.public_id), "date": str(TODAY), "slot": at("10:00").isoformat()},
    )
    assert full.status_code == 200 and 'role="alert"' in full.content.decode()
    assert not Appointment.objects.filter(vehicle=car).exists()
    done = c.post(
        url,
        {"station": str(station.public_id), "date": str(TODAY), "slot": at("11:00").isoformat()},
    )
    assert done.status_code == 302 and done["Location"] == "/portal/inspection/"
    assert "已预约" in c.get("/portal/inspection/").content.decode()


def test_a_label_only_vehicle_is_pointed_to_the_exemption_label() -> None:
    car = due_car(today=TODAY, years=2)
    make_station()
    page = signed_in(account_of(car.owner_person)).get(f"/portal/inspection/book/{car.public_id}/")
    assert 'data-testid="label-only"' in page.content.decode()
    assert "/portal/apply/" in page.content.decode()


def test_the_desk_page_checks_in_and_records_a_fail_then_a_pass() -> None:
    station = make_station()
    appt = book(due_car(today=TODAY), station, at("08:30"))
    c = signed_in(station_staff(station))
    assert c.get("/station/").status_code == 200
    assert signed_in(make_staff("counter_clerk", "3201")).get("/station/").status_code == 404
    with clock.frozen(NOW + dt.timedelta(hours=1, minutes=25)):
        moved = c.post(f"/station/appointments/{appt.public_id}/check_in/")
        assert moved.status_code == 302
        url = f"/station/inspections/{appt.public_id}/"
        form = {i: "pass" for i in InspectionItem.values} | {"brakes": "fail"}
        missing_fix = c.post(url, form)
        assert "brakes_fix-error" in missing_fix.content.decode()
        assert c.post(url, form | {"brakes_fix": "左前制动力不足"}).status_code == 302
        page = c.get(url).content.decode()
        assert "左前制动力不足" in page and 'name="brakes"' in page and 'name="lights"' not in page
        assert c.post(url, {"brakes": "pass"}).status_code == 302
    assert Vehicle.objects.get(pk=appt.vehicle_id).inspection_valid_until == dt.date(2028, 6, 20)


def test_the_demo_seeds_one_station_per_city_with_its_staff_login() -> None:
    from jiaoguan.accounts.models import User
    from jiaoguan.demo import seed
    from jiaoguan.inspection.models import Station
    from jiaoguan.kernel import regions

    seed.seed_demo(persons=10, vehicles=10, progress=lambda _m: None)
    cities = [c.code for c in regions.cities_of(seed.PROVINCE)]
    assert sorted(Station.objects.values_list("organisation__city_code", flat=True)) == sorted(
        cities
    )
    login = next(x for x in seed.demo_logins() if x.role == "inspection_station")
    desk = User.objects.get(username=login.username)
    station = selectors.station_of(desk)
    assert station is not None and station.organisation_id == desk.organisation_id
    assert signed_in(desk).get("/station/").status_code == 200
