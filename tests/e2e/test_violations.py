"""A driver pays a fine and watches the points appear in the cycle: an enforcement camera's
record is waiting; the owner signs in, confirms they drove, pays through the payment sandbox
(the provider calls the live server back), and sees the points of the current cycle on the
portal. An officer then records a violation on the console page."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from jiaoguan.accounts import services as accounts
from jiaoguan.audit.services import Actor
from jiaoguan.kernel import clock
from jiaoguan.licensing.rules import cycle_bounds
from jiaoguan.payments.models import FeeOrder
from jiaoguan.violations import services
from jiaoguan.violations.models import Violation
from tests.conftest import make_citizen, make_licence, make_person, make_staff, make_vehicle
from tests.e2e.test_journeys import code_step, password_step, sign_in_staff, sms_code
from tests.payments.test_payments import pay

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DIGEST = "3f" * 32


@pytest.fixture(autouse=True)
def notify(settings: Any, live_server: Any) -> None:
    settings.PAYMENTS_NOTIFY_BASE_URL = live_server.url  # the providers call us back here


def test_a_driver_pays_a_fine_and_watches_the_points_appear_in_the_cycle(
    page: Any, live_server: Any, sandbox_server: Any, screenshot: Any
) -> None:
    person = make_person("320102")
    car = make_vehicle(person)
    licence = make_licence(person)
    citizen = make_citizen(person)
    camera, _token = accounts.api_client_create(
        actor=Actor.system("e2e"), name="电子警察", scopes=["violations:write"], region_scope="3201"
    )
    violation, _created = services.violation_record(
        actor=Actor(ref=str(camera.public_id), label=camera.name, role="partner_system"),
        principal=camera,
        plate_number=car.plate.number if car.plate else "",
        occurred_at=clock.now() - dt.timedelta(days=2),
        place="中山路与北京东路路口",
        region_code="320102",
        offence_code="1625",
        description="驾驶机动车违反道路交通信号灯通行",
        citation="《道路交通安全法》第38条、第90条",
        points=6,
        fine_fen=20000,
        evidence=[{"url": "https://cam.example/e/1.jpg", "sha256": DIGEST}],
        external_ref="CAM-1",
    )

    password_step(page, live_server.url, citizen.username)
    code_step(page, sms_code(sandbox_server.url, person.phone))
    expect(page.get_by_test_id("points-total")).to_have_text("0 / 12")
    page.get_by_test_id("violations-link").click()
    card = page.get_by_test_id("violation")
    expect(card).to_contain_text(violation.number)
    expect(card.get_by_test_id("violation-state")).to_have_text("已录入")
    expect(card.get_by_test_id("violation-fine")).to_have_text("¥200.00")
    screenshot("violations-1-recorded")

    card.get_by_label("本人驾驶").check()
    card.get_by_test_id("confirm").click()
    expect(card.get_by_test_id("violation-state")).to_have_text("已确认驾驶人")
    expect(page.get_by_test_id("points-total")).to_have_text("6 / 12")

    card.get_by_test_id("pay-wechat").click()
    expect(card.get_by_test_id("code-url")).to_contain_text("weixin://wxpay/")
    screenshot("violations-2-pay")
    order = FeeOrder.objects.get(purpose_ref=f"violation:{violation.public_id}")
    pay(sandbox_server, order, "wechat")  # the driver scans the code; the provider calls back
    page.reload()
    expect(card.get_by_test_id("violation-state")).to_have_text("罚款已缴纳")
    expect(card.get_by_test_id("receipt")).to_contain_text(order.order_no)

    page.goto(f"{live_server.url}/portal/")
    index, start, end = cycle_bounds(licence.first_issue_date, clock.today())
    points = page.get_by_test_id("points")
    expect(page.get_by_test_id("points-total")).to_have_text("6 / 12")
    expect(points).to_contain_text(f"第{index + 1}个记分周期：{start:%Y-%m-%d}至{end:%Y-%m-%d}")
    expect(page.get_by_test_id("ledger")).to_contain_text(re.compile(r"6 分 · 计分中 · 罚款已缴"))
    expect(page.get_by_test_id("licence-points")).to_have_text("6 / 12")
    screenshot("violations-3-points")
    assert Violation.objects.get().state == "paid"


def test_an_officer_records_a_violation_on_the_console(
    page: Any, live_server: Any, screenshot: Any
) -> None:
    owner = make_person("320102")
    car = make_vehicle(owner)
    officer = make_staff("police_officer", "3201")
    sign_in_staff(page, live_server.url, officer)
    page.goto(f"{live_server.url}/console/violations/")
    form = page.get_by_test_id("record-form")
    form.get_by_label("号牌号码").fill(car.plate.number if car.plate else "")
    form.get_by_label("日期和时间").fill("2026-01-05T08:30")
    form.get_by_label("地点", exact=True).fill("中山东路")
    form.get_by_label("行政区划代码（6位）").fill("320102")
    form.get_by_label("违法代码", exact=True).fill("1625")
    form.get_by_label("违法行为", exact=True).fill("闯红灯")
    form.get_by_label("违反及依据的法律条文").fill("《道路交通安全法》第38条")
    form.get_by_label(re.compile("^记分")).fill("4")
    form.get_by_label("罚款（元）").fill("200")
    page.get_by_test_id("record").click()
    expect(page.get_by_test_id("error-points")).to_contain_text("一次记分的分值为12分")
    screenshot("violations-4-officer-error")
    page.get_by_test_id("record-form").get_by_label(re.compile("^记分")).fill("6")
    page.get_by_test_id("record").click()
    row = page.get_by_test_id("violation-row")
    expect(row).to_contain_text(car.plate.number if car.plate else "")
    expect(row.get_by_test_id("row-state")).to_have_text("已录入")
