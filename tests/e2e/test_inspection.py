"""Inspection in the browser: an owner books a slot at a station (here, in another city than
the one their car is registered in: 全国通检); a station checks in a walk-in and records a
pass, and the owner sees the new period; an owner gets the inspection-exempt label online
(free: insurance and vehicle tax checked through the data links, no payment)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from jiaoguan.audit.services import Actor
from jiaoguan.cases.models import Application
from jiaoguan.cases.services import catalogue_sync
from jiaoguan.documents.models import Document
from jiaoguan.inspection.models import Appointment
from jiaoguan.kernel import clock
from jiaoguan.payments.models import FeeOrder
from jiaoguan.registry.models import Vehicle
from tests.cases.test_more_business import _exempt_setup
from tests.conftest import make_citizen
from tests.e2e.test_journeys import code_step, password_step, sign_in_staff, sms_code
from tests.inspection.stations_fixtures import due_car, make_station, station_staff

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
EVERY_DAY = {d: ["08:00", "18:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def sign_in_citizen(page: Any, base: str, sandbox_url: str, person: Any) -> None:
    citizen = make_citizen(person)
    password_step(page, base, citizen.username)
    code_step(page, sms_code(sandbox_url, person.phone))
    expect(page).to_have_url(re.compile(r"/portal/$"))


def test_owner_books_a_station_slot_in_another_city(
    page: Any, live_server: Any, sandbox_server: Any, screenshot: Any
) -> None:
    station = make_station("3201", name="南京市机动车检测站", opening_hours=EVERY_DAY)
    car = due_car(county="320502", today=clock.today())  # registered in Suzhou, due on site
    assert car.owner_person is not None
    sign_in_citizen(page, live_server.url, sandbox_server.url, car.owner_person)

    page.get_by_test_id("book-inspection").click()
    expect(page.get_by_test_id("period")).to_contain_text(str(car.inspection_valid_until))
    page.get_by_label("机动车检验机构").select_option(label="南京市机动车检测站")
    tomorrow = clock.today() + dt.timedelta(days=1)
    page.get_by_label("日期").fill(tomorrow.isoformat())
    page.get_by_test_id("show-slots").click()
    page.get_by_test_id("slot").first.check()
    screenshot("inspection-1-owner-chooses-slot")
    page.get_by_test_id("book").click()

    expect(page).to_have_url(re.compile(r"/portal/inspection/$"))
    expect(page.get_by_test_id("appointment-state")).to_have_text("已预约")
    expect(page.get_by_test_id("appointments")).to_contain_text("南京市机动车检测站")
    appt = Appointment.objects.get(vehicle=car)
    assert appt.station == station and appt.cross_region and appt.state == "booked"
    assert (
        appt.slot_start is not None
        and appt.slot_start.astimezone(clock.SHANGHAI).date() == tomorrow
    )
    screenshot("inspection-2-owner-booked")


def test_station_records_a_pass_and_the_owner_sees_the_new_period(
    page: Any, browser: Any, live_server: Any, sandbox_server: Any, screenshot: Any
) -> None:
    station = make_station("3201", opening_hours=EVERY_DAY)
    car = due_car(today=clock.today())
    old = car.inspection_valid_until
    desk = station_staff(station)
    sign_in_staff(page, live_server.url, desk, lands=r"/station/$")  # station staff land there

    page.goto(f"{live_server.url}/station/")
    assert car.plate is not None
    page.get_by_label("号牌号码或车辆识别代号").fill(car.plate.number)
    page.get_by_test_id("walk-in").get_by_role("button").click()
    expect(page).to_have_url(re.compile(r"/station/inspections/"))
    expect(page.get_by_test_id("visit-state")).to_have_text("已登记")
    for item in ("brakes", "headlamps"):  # every item defaults to a pass; the desk checks two
        page.get_by_test_id(f"item-{item}").get_by_label("合格", exact=True).check()
    page.get_by_label("检验员").fill("王工")
    page.get_by_test_id("record").click()
    expect(page.get_by_test_id("outcome")).to_have_text("合格")
    car.refresh_from_db()
    assert car.inspection_valid_until is not None and old is not None
    assert car.inspection_valid_until > old
    expect(page.get_by_test_id("label")).to_contain_text(str(car.inspection_valid_until))
    screenshot("inspection-3-station-pass")
    label = Document.objects.get(kind="inspection_label", subject_ref=str(car.public_id))
    assert label.fields["inspection_valid_until"] == car.inspection_valid_until.strftime("%Y-%m")

    owner = browser.new_context(locale="zh-CN")
    try:
        mine = owner.new_page()
        assert car.owner_person is not None
        sign_in_citizen(mine, live_server.url, sandbox_server.url, car.owner_person)
        expect(mine.get_by_test_id("inspection")).to_contain_text(
            car.inspection_valid_until.isoformat()
        )
    finally:
        owner.close()


def test_owner_gets_the_exemption_label_online(
    page: Any, live_server: Any, sandbox_server: Any, screenshot: Any
) -> None:
    catalogue_sync(actor=Actor.system("e2e"))
    person, subject, _changes = _exempt_setup()
    vehicle = Vehicle.objects.get(public_id=subject)
    old = vehicle.inspection_valid_until
    sign_in_citizen(page, live_server.url, sandbox_server.url, person)
    expect(page.get_by_test_id("inspection")).to_contain_text("免检")

    page.goto(f"{live_server.url}/portal/apply/")
    page.get_by_test_id("start-exemption_label").click()
    expect(page.get_by_test_id("state")).to_have_text("草稿")
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("state")).to_have_text("已办结")
    screenshot("inspection-4-exemption-label")
    app = Application.objects.get()
    assert app.business_type.code == "exemption_label"
    assert not FeeOrder.objects.exists()  # the label is free: nothing to pay
    vehicle.refresh_from_db()
    assert vehicle.inspection_valid_until is not None and old is not None
    assert vehicle.inspection_valid_until > old
    assert Document.objects.filter(kind="inspection_label", subject_ref=subject).exists()
    page.goto(f"{live_server.url}/portal/")
    expect(page.get_by_test_id("inspection")).to_contain_text(
        vehicle.inspection_valid_until.isoformat()
    )
