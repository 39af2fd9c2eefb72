"""Business in the browser: a citizen replaces a lost driving permit online, pays through the
payment sandbox and follows the posted document to delivery; a clerk renews a licence at the
window in one visit (ticket, ID card, medical check by data link, fee, hand-over)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from jiaoguan.audit.services import Actor
from jiaoguan.cases.models import Application
from jiaoguan.cases.services import catalogue_sync
from jiaoguan.cases.tasks import track_shipments
from jiaoguan.cases.window import window_of
from jiaoguan.payments.models import FeeOrder
from tests.accounts.test_accounts import sandbox_call
from tests.cases.test_documents_and_links import _person_with_medical, _renewable
from tests.conftest import make_citizen, make_person, make_staff, make_vehicle
from tests.e2e.test_journeys import code_step, password_step, sign_in_staff, sms_code
from tests.payments.test_payments import pay

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def engine(settings: Any, live_server: Any) -> None:
    settings.PAYMENTS_NOTIFY_BASE_URL = live_server.url  # the providers call us back here
    catalogue_sync(actor=Actor.system("e2e"))


def state(page: Any) -> Any:
    return page.get_by_test_id("state")


def test_citizen_replaces_a_lost_permit_online_pays_and_tracks_the_post(
    page: Any, live_server: Any, sandbox_server: Any, screenshot: Any
) -> None:
    person = make_person(address="江苏省南京市玄武区中山路1号")
    vehicle = make_vehicle(person)
    citizen = make_citizen(person)
    password_step(page, live_server.url, citizen.username)
    code_step(page, sms_code(sandbox_server.url, person.phone))

    page.goto(f"{live_server.url}/portal/apply/")
    expect(page.get_by_test_id("offered")).to_contain_text(vehicle.plate.number)
    page.get_by_test_id("start-permit_replacement").click()
    expect(state(page)).to_have_text("草稿")
    page.get_by_label(re.compile("邮政寄递")).check()
    page.get_by_test_id("submit").click()
    expect(state(page)).to_have_text("待缴费")
    expect(page.get_by_test_id("fee")).to_contain_text("¥10.00")

    page.get_by_test_id("pay-wechat").click()
    expect(page.get_by_test_id("code-url")).to_contain_text("weixin://wxpay/")
    screenshot("4-citizen-pays")
    app = Application.objects.get()
    pay(
        sandbox_server, FeeOrder.objects.get(purpose_ref=f"application:{app.public_id}"), "wechat"
    )  # the citizen scans the code; the provider calls back
    page.reload()
    expect(state(page)).to_have_text("已寄出")
    tracking = Application.objects.get().shipment.tracking_no
    expect(page.get_by_test_id("shipment")).to_contain_text(tracking)

    for _ in range(3):  # the post moves the letter along; the worker tracks it
        sandbox_call(
            sandbox_server, "POST", "/post/v1/shipments/advance", {"tracking_no": tracking}
        )
    track_shipments.call()
    page.reload()
    expect(state(page)).to_have_text("已办结")
    expect(page.get_by_test_id("shipment")).to_contain_text("已妥投")
    expect(page.get_by_test_id("history")).to_contain_text("已办结")
    screenshot("5-citizen-delivered")


def test_clerk_renews_a_licence_at_the_window_in_one_visit(
    page: Any, live_server: Any, sandbox_server: Any, screenshot: Any
) -> None:
    person = _person_with_medical("fit")
    _renewable(person)
    clerk = make_staff("counter_clerk", "3201")

    page.goto(f"{live_server.url}/hall/3201/")  # the citizen takes a ticket at the kiosk
    page.get_by_test_id("take").click()
    expect(page.get_by_test_id("ticket")).to_have_text("A001")

    sign_in_staff(page, live_server.url, clerk)
    page.goto(f"{live_server.url}/console/window/")
    page.get_by_test_id("call-next").click()
    expect(page.get_by_test_id("ticket")).to_have_text("A001")
    sandbox_call(
        sandbox_server,
        "POST",
        "/idreader/v1/card",
        {"window": window_of(clerk), "name": person.name, "id_number": person.id_number},
    )
    page.get_by_test_id("read-card").click()
    expect(page.get_by_test_id("person")).to_contain_text(person.id_number_masked)

    page.get_by_test_id("start-licence_renewal").click()
    page.get_by_label(re.compile("窗口领取")).check()
    page.get_by_test_id("submit").click()
    expect(state(page)).to_have_text("待缴费")  # medical certificate checked by data link
    page.get_by_test_id("pay-alipay").click()
    app = Application.objects.get()
    pay(sandbox_server, FeeOrder.objects.get(purpose_ref=f"application:{app.public_id}"), "alipay")
    page.reload()
    expect(state(page)).to_have_text("待领取")
    page.get_by_test_id("hand-over").click()
    expect(state(page)).to_have_text("已办结")
    screenshot("6-window-renewal")

    page.goto(f"{live_server.url}/console/window/")
    page.get_by_test_id("finish").click()
    expect(page.get_by_test_id("call-next")).to_be_visible()
    app.refresh_from_db()
    assert app.channel == "window" and app.checks["medical_certificate"]["status"] == "ok"
