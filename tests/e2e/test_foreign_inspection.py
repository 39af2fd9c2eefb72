"""Inspection anywhere in the browser (全国通检 with a booking): the owner of a car registered in
another province (广东, a configured peer; its deployment is not running here, so the result
waits in the outbox) books today's slot at a station here; the station checks it in from its
page for vehicles from other provinces and records a pass, which is queued for the home
province. The two-deployment test (tests/exchange/test_two_deployments.py) carries the same
booking across two real deployments."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from jiaoguan.audit.services import Actor
from jiaoguan.demo.seed import make_vin
from jiaoguan.exchange import services, signing
from jiaoguan.exchange.models import ForeignAppointment, OutboxMessage
from jiaoguan.inspection.selectors import station_slots
from jiaoguan.kernel import clock
from tests.conftest import make_person, new_id_number
from tests.e2e.test_inspection import sign_in_citizen
from tests.e2e.test_journeys import sign_in_staff
from tests.inspection.stations_fixtures import make_station, station_staff

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
ALL_DAY = {d: ["00:00", "23:30"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


@pytest.fixture
def jiangsu_with_guangdong() -> Iterator[None]:
    with override_settings(EXCHANGE_PROVINCE="32"):
        services.peer_upsert(
            actor=Actor.system("e2e"),
            province_code="44",
            base_url="http://127.0.0.1:9",
            public_key=signing.new_key()[1],
            name="广东",
        )
        yield


def test_owner_books_a_foreign_slot_and_the_station_records_a_pass(
    page: Any,
    browser: Any,
    live_server: Any,
    sandbox_server: Any,
    screenshot: Any,
    jiangsu_with_guangdong: None,
) -> None:
    station = make_station("3201", name="南京市机动车检测站", opening_hours=ALL_DAY)
    if not station_slots(station, clock.today()):
        pytest.skip("no slot left today (the run is in the last half hour of the day)")
    vin = make_vin(random.Random(11), 424_242, 2020)
    person = make_person("320102")
    sign_in_citizen(page, live_server.url, sandbox_server.url, person)

    page.goto(f"{live_server.url}/portal/inspection/")
    page.get_by_test_id("foreign-book-link").click()
    form = page.get_by_test_id("foreign-book")
    form.locator("[name=home_province]").select_option("44")
    form.locator("[name=plate_number]").fill("粤B12345")
    form.locator("[name=vin]").fill(vin)
    form.locator("[name=vehicle_class]").select_option("small_passenger")
    form.locator("[name=owner_id_number]").fill(new_id_number("440305"))
    form.locator("[name=station]").select_option(label="南京市机动车检测站")
    form.locator("[name=date]").fill(clock.today().isoformat())
    page.get_by_test_id("show-slots").click()
    page.get_by_test_id("slot").first.check()
    screenshot("foreign-1-owner-chooses-slot")
    page.get_by_test_id("book").click()
    expect(page.get_by_test_id("booking-state")).to_have_text("已预约")
    appt = ForeignAppointment.objects.get()
    assert appt.vin == vin and appt.station == station and appt.state == "booked"
    screenshot("foreign-2-owner-booked")

    desk = browser.new_context(locale="zh-CN")
    try:
        staff_page = desk.new_page()
        sign_in_staff(staff_page, live_server.url, station_staff(station), lands=r"/station/$")
        staff_page.get_by_test_id("foreign-link").click()
        expect(staff_page.get_by_test_id("foreign-粤B12345")).to_be_visible()
        staff_page.get_by_test_id("check-in").click()
        expect(staff_page).to_have_url(re.compile(r"/station/foreign/[0-9a-f-]+/$"))
        expect(staff_page.get_by_test_id("visit-state")).to_have_text("已登记")
        for item in ("brakes", "headlamps"):
            staff_page.get_by_test_id(f"item-{item}").get_by_label("合格", exact=True).check()
        staff_page.get_by_label("检验员").fill("王工")
        staff_page.get_by_test_id("record").click()
        expect(staff_page.get_by_test_id("outcome")).to_have_text("合格")
        appt.refresh_from_db()
        assert appt.state == "done" and appt.inspection is not None
        assert appt.inspection.outcome == "pass"
        msg = OutboxMessage.objects.get(type="inspection.result")
        assert msg.to_province == "44" and msg.envelope["body"]["vin"] == vin
        staff_page.goto(f"{live_server.url}/station/foreign/")
        expect(staff_page.get_by_test_id("inspection-粤B12345")).to_be_visible()
    finally:
        desk.close()
