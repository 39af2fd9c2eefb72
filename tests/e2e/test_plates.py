"""Plate selection in the browser (issue 5): a citizen picks a number online (draw, countdown,
pick; the number is held and the draw is listed for public verification); a dealer's agent
opens the selection for a buyer and picks with them; a citizen at a hall kiosk picks one of
fifty by touch alone."""

from __future__ import annotations

import re
from typing import Any

import pyotp
import pytest
from playwright.sync_api import expect

from jiaoguan.audit.services import Actor
from jiaoguan.cases.kiosk import kiosk_id
from jiaoguan.kernel.uscc import USCC
from jiaoguan.plates.models import Reservation
from jiaoguan.registry.services import organisation_create
from tests.conftest import make_citizen, make_person, make_staff
from tests.e2e.test_journeys import code_step, password_step, sign_in_staff, sms_code
from tests.e2e.test_kiosk_outlet import assert_touch_only, place_card
from tests.plates.conftest import grant, released_pool, vin

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_citizen_picks_a_number_online(
    page: Any, live_server: Any, sandbox_server: Any, screenshot: Any
) -> None:
    released_pool()
    person = make_person()
    right = grant(person)
    citizen = make_citizen(person)

    password_step(page, live_server.url, citizen.username)
    code_step(page, sms_code(sandbox_server.url, person.phone))
    expect(page).to_have_url(re.compile(r"/portal/$"))

    page.goto(f"{live_server.url}/portal/plates/")
    expect(page.get_by_test_id("rights")).to_contain_text(right.vin)
    page.get_by_test_id("select-link").click()
    expect(page).to_have_url(re.compile(rf"/portal/plates/{right.public_id}/$"))
    expect(page.get_by_test_id("draws-left")).to_contain_text("5")
    page.get_by_test_id("draw").click()

    candidates = page.get_by_test_id("candidate")
    expect(candidates).to_have_count(10)
    expect(page.get_by_test_id("countdown")).to_be_visible()
    expect(page.get_by_test_id("draws-left")).to_contain_text("4")
    screenshot("plates-1-candidates")
    chosen = candidates.nth(4).inner_text().strip()
    assert re.fullmatch(r"苏AQ20\d\d", chosen)
    candidates.nth(4).click()

    expect(page.get_by_test_id("messages")).to_contain_text(
        re.compile("号码已为您保留|held for you")
    )
    expect(page.get_by_test_id("held-number")).to_have_text(chosen)
    expect(page.get_by_test_id("right-state")).to_have_text(
        re.compile("号码已保留|Number reserved")
    )
    screenshot("plates-2-held")
    reservation = Reservation.objects.get()
    assert reservation.number.number == chosen and reservation.channel == "online"

    page.goto(f"{live_server.url}/plates/verify/?right={right.public_id}&attempt=1")
    expect(page.get_by_test_id("verdict")).to_have_attribute("data-verdict", "pending")
    expect(page.get_by_test_id("published")).to_contain_text(chosen)


def test_dealer_picks_a_number_for_a_buyer(
    page: Any, live_server: Any, sandbox_server: Any, screenshot: Any
) -> None:
    released_pool()
    dealer = organisation_create(
        actor=Actor.system("e2e"),
        uscc=str(USCC.generate("320102", "00090009")),
        name="南京某汽车销售有限公司",
        kind="dealer",
        region_code="320102",
    )
    agent = make_staff("outlet_dealer", "3201", organisation=dealer)
    buyer = make_person()
    sign_in_staff(page, live_server.url, agent)

    page.goto(f"{live_server.url}/outlet/plates/")
    page.get_by_label(re.compile("购车人身份证明号码|Buyer's ID number")).fill(buyer.id_number)
    page.get_by_label(re.compile("车辆识别代号|Vehicle \\(VIN\\)")).fill("LSVAU2180N2000001")
    page.get_by_role("button", name=re.compile("开通选号|Open the selection")).click()
    expect(page.get_by_test_id("vin-error")).to_be_visible()  # a wrong check digit, beside VIN
    page.get_by_label(re.compile("车辆识别代号|Vehicle \\(VIN\\)")).fill(vin())
    page.get_by_role("button", name=re.compile("开通选号|Open the selection")).click()
    expect(page.get_by_test_id("for-buyer")).to_be_visible()

    page.get_by_test_id("draw").click()
    candidates = page.get_by_test_id("candidate")
    expect(candidates).to_have_count(10)
    chosen = candidates.first.inner_text().strip()
    candidates.first.click()
    expect(page.get_by_test_id("held-number")).to_have_text(chosen)
    screenshot("plates-3-dealer")
    reservation = Reservation.objects.get()
    assert reservation.channel == "dealer" and reservation.right.person == buyer
    assert reservation.right.dealer == dealer


def test_kiosk_user_picks_a_number_by_touch(
    page: Any, live_server: Any, sandbox_server: Any, screenshot: Any
) -> None:
    released_pool()
    person = make_person()
    grant(person)
    device = make_staff("kiosk_device", "3201")
    password_step(page, live_server.url, device.username)
    code_step(page, pyotp.TOTP(device.totp_secret).now())
    expect(page).to_have_url(re.compile(r"/kiosk/$"))
    page.set_viewport_size({"width": 1080, "height": 1920})
    place_card(sandbox_server, kiosk_id(device), person)
    page.get_by_test_id("read-card").click()
    expect(page.get_by_test_id("person")).to_contain_text(person.id_number_masked)

    page.get_by_test_id("plates-tile").click()  # by touch: no address bar on a kiosk
    page.get_by_test_id("select-link").click()
    assert_touch_only(page)
    page.get_by_test_id("draw").click()
    candidates = page.get_by_test_id("candidate")
    expect(candidates).to_have_count(50)  # the hall's "50选1"
    assert_touch_only(page)
    screenshot("plates-4-kiosk")
    chosen = candidates.nth(7).inner_text().strip()
    candidates.nth(7).click()
    expect(page.get_by_test_id("held-number")).to_have_text(chosen)
    reservation = Reservation.objects.get()
    assert reservation.channel == "hall" and reservation.actor_ref == str(device.public_id)


def test_citizen_registers_a_new_vehicle_with_its_number(
    page: Any, live_server: Any, sandbox_server: Any, screenshot: Any, settings: Any
) -> None:
    """Start the registration online, pick the number, pay in the sandbox, the reviewer
    approves: the vehicle is registered with that number and the plate order is made."""
    import datetime as dt

    from jiaoguan.cases.models import Application
    from jiaoguan.cases.services import catalogue_sync
    from jiaoguan.payments.models import FeeOrder
    from jiaoguan.plates.models import PlateOrder
    from jiaoguan.registry.models import Vehicle
    from tests.payments.test_payments import pay
    from tests.plates.test_registration import good_vin

    settings.PAYMENTS_NOTIFY_BASE_URL = live_server.url
    catalogue_sync(actor=Actor.system("e2e"))
    released_pool()
    person = make_person()
    citizen = make_citizen(person)
    password_step(page, live_server.url, citizen.username)
    code_step(page, sms_code(sandbox_server.url, person.phone))

    page.goto(f"{live_server.url}/portal/plates/")
    page.get_by_test_id("register-link").click()
    page.locator("#vin").fill(good_vin(dt.date.today()))
    page.select_option("#vehicle_class", "small_passenger")
    page.select_option("#fuel", "petrol")
    page.locator("#manufacture_date").fill("2026-01-15")
    page.locator("#brand").fill("比亚迪")
    screenshot("plates-register-1-form")
    page.get_by_test_id("register-start").click()
    expect(page).to_have_url(re.compile(r"/portal/plates/[0-9a-f-]{36}/$"))
    page.get_by_test_id("draw").click()
    candidate = page.get_by_test_id("candidate").first
    chosen = candidate.inner_text().strip()
    candidate.click()
    expect(page.get_by_test_id("held-number")).to_have_text(chosen)

    page.get_by_test_id("application-link").click()
    expect(page.get_by_test_id("state")).to_have_text("草稿")
    page.get_by_label(re.compile("窗口领取")).check()
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("state")).to_have_text("待缴费")
    expect(page.get_by_test_id("fee")).to_contain_text("¥120.00")
    page.get_by_test_id("pay-wechat").click()
    app = Application.objects.get()
    pay(sandbox_server, FeeOrder.objects.get(purpose_ref=f"application:{app.public_id}"), "wechat")
    page.reload()
    expect(page.get_by_test_id("state")).to_have_text("审核中")
    screenshot("plates-register-2-paid")

    page.context.clear_cookies()
    sign_in_staff(page, live_server.url, make_staff("reviewer", "3201"))
    page.goto(f"{live_server.url}/applications/{app.public_id}/")
    page.get_by_role("button", name="批准").click()
    expect(page.get_by_test_id("state")).to_have_text("待领取")
    vehicle = Vehicle.objects.select_related("plate").get(owner_person=person)
    assert vehicle.plate is not None and vehicle.plate.number == chosen
    order = PlateOrder.objects.get()
    assert order.number == chosen and order.delivery == "pickup"

    page.context.clear_cookies()
    sign_in_staff(page, live_server.url, make_staff("counter_clerk", "3201"))
    page.goto(f"{live_server.url}/console/plates/orders/")
    expect(page.get_by_test_id("orders")).to_contain_text(chosen)
    page.get_by_test_id("order-made").click()
    expect(page.get_by_test_id("order-state")).to_have_text(re.compile("已制作|Made"))
    screenshot("plates-register-3-order")
