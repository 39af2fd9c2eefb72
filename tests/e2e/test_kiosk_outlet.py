"""Kiosk and outlet in the browser: a citizen replaces a lost driving permit at a hall's
self-service kiosk by touch alone (ID card, a tile, a choice, the payment code, print, finish);
a post-office agent renews a citizen's licence at the outlet and finds it in the outlet's list."""

from __future__ import annotations

import re
from typing import Any

import pyotp
import pytest
from playwright.sync_api import expect

from jiaoguan.audit.models import AuditEvent
from jiaoguan.audit.services import Actor
from jiaoguan.cases import kiosk
from jiaoguan.cases.kiosk import kiosk_id
from jiaoguan.cases.models import Application
from jiaoguan.cases.services import catalogue_sync
from jiaoguan.cases.window import window_of
from jiaoguan.kernel.uscc import USCC
from jiaoguan.payments.models import FeeOrder
from jiaoguan.registry import services as registry
from tests.accounts.test_accounts import sandbox_call
from tests.cases.test_documents_and_links import _person_with_medical, _renewable
from tests.conftest import make_person, make_staff, make_vehicle
from tests.e2e.test_journeys import code_step, password_step, sign_in_staff
from tests.payments.test_payments import pay

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Text a citizen could type into: the kiosk has no keyboard, so its screens hold none.
TEXT_INPUTS = "input:not([type]), input[type=text], input[type=number], input[type=tel], textarea"
# Everything a citizen touches on the kiosk screen.
TOUCH_TARGETS = "main button, main a.button, main label.choice, #kiosk-finish button"


@pytest.fixture(autouse=True)
def engine(settings: Any, live_server: Any) -> None:
    settings.PAYMENTS_NOTIFY_BASE_URL = live_server.url  # the providers call us back here
    catalogue_sync(actor=Actor.system("e2e"))


def state(page: Any) -> Any:
    return page.get_by_test_id("state")


def place_card(server: Any, reader: str, person: Any) -> None:
    """What the citizen does: lay the ID card on the reader."""
    sandbox_call(
        server,
        "POST",
        "/idreader/v1/card",
        {"window": reader, "name": person.name, "id_number": person.id_number},
    )


def assert_touch_only(page: Any) -> None:
    """No text field to type into, and every touch target at least 48 px high and wide."""
    assert page.locator(TEXT_INPUTS).count() == 0
    small = page.eval_on_selector_all(
        TOUCH_TARGETS,
        """els => els.filter(e => e.offsetParent !== null)
                 .map(e => e.getBoundingClientRect())
                 .filter(r => r.height < 48 || r.width < 48).length""",
    )
    assert small == 0


def test_citizen_replaces_a_lost_permit_at_the_kiosk_by_touch_only(
    page: Any, live_server: Any, sandbox_server: Any, screenshot: Any
) -> None:
    person = make_person()
    vehicle = make_vehicle(person)
    device = make_staff("kiosk_device", "3201")
    # An administrator signs the kiosk in once with its device account.
    password_step(page, live_server.url, device.username)
    code_step(page, pyotp.TOTP(device.totp_secret).now())
    expect(page).to_have_url(re.compile(r"/kiosk/$"))
    page.set_viewport_size({"width": 1080, "height": 1920})  # a portrait touch screen

    # From here on the citizen only touches the screen: no keyboard.
    typed = []
    page.on("console", lambda m: typed.append(m.text) if m.text == "keydown" else None)
    page.add_init_script("document.addEventListener('keydown', () => console.log('keydown'), true)")
    expect(page.get_by_test_id("read-card")).to_be_visible()
    assert_touch_only(page)
    place_card(sandbox_server, kiosk_id(device), person)
    page.get_by_test_id("read-card").click()
    expect(page.get_by_test_id("person")).to_contain_text(person.id_number_masked)
    assert_touch_only(page)
    screenshot("kiosk-1-business")

    page.get_by_test_id(f"start-permit_replacement-{vehicle.plate.number}").click()
    expect(state(page)).to_have_text("草稿")
    expect(page.get_by_test_id("form")).to_contain_text(vehicle.vin)
    assert_touch_only(page)
    page.locator("label.choice", has_text="仅电子证件").click()
    page.get_by_test_id("submit").click()
    expect(state(page)).to_have_text("待缴费")
    expect(page.get_by_test_id("fee")).to_contain_text("¥10.00")

    page.get_by_test_id("pay-wechat").click()
    expect(page.get_by_test_id("qr").locator("svg")).to_be_visible()
    assert_touch_only(page)
    screenshot("kiosk-2-pay")
    app = Application.objects.get()
    pay(sandbox_server, FeeOrder.objects.get(purpose_ref=f"application:{app.public_id}"), "wechat")
    page.get_by_test_id("check-payment").click()  # "I have paid"
    expect(state(page)).to_have_text("已办结")
    printed = page.get_by_test_id("print")
    expect(printed).to_be_visible()
    pdf = page.request.get(live_server.url + printed.get_attribute("href"))
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    screenshot("kiosk-3-done")

    page.get_by_test_id("finish").click()
    expect(page.get_by_test_id("read-card")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text(person.id_number_masked)
    expect(page.locator("body")).not_to_contain_text(person.name)
    page.go_back()  # the next citizen tries the back button
    expect(page.locator("body")).not_to_contain_text(person.id_number_masked)
    assert typed == []
    app.refresh_from_db()
    assert app.channel == "kiosk" and app.events.get(command="submit").actor_label.startswith(
        "kiosk:"
    )


def test_post_office_agent_renews_a_licence_for_a_citizen(
    page: Any, live_server: Any, sandbox_server: Any, screenshot: Any
) -> None:
    person = _person_with_medical("fit")
    _renewable(person)
    office = registry.organisation_create(
        actor=Actor.system("e2e"),
        uscc=str(USCC.generate("320102", "00080001")),
        name="南京邮政玄武营业部",
        kind="post_office",
        region_code="320102",
    )
    agent = make_staff("outlet_post", "3201", organisation=office)
    sign_in_staff(page, live_server.url, agent)
    page.get_by_role("link", name=re.compile("网点代办|Outlet desk")).click()
    expect(page.get_by_test_id("outlet")).to_contain_text("南京邮政玄武营业部")

    place_card(sandbox_server, window_of(agent), person)
    page.get_by_test_id("read-card").click()
    expect(page.get_by_test_id("person")).to_contain_text(person.id_number_masked)
    page.get_by_test_id("start-licence_renewal").click()
    expect(state(page)).to_have_text("草稿")
    page.get_by_label(re.compile("仅电子证件")).check()
    page.get_by_test_id("submit").click()
    expect(state(page)).to_have_text("待缴费")  # medical certificate checked by data link
    page.get_by_test_id("pay-alipay").click()
    expect(page.get_by_test_id("qr").locator("svg")).to_be_visible()
    app = Application.objects.get()
    pay(sandbox_server, FeeOrder.objects.get(purpose_ref=f"application:{app.public_id}"), "alipay")
    page.reload()
    expect(state(page)).to_have_text("已办结")
    expect(page.get_by_test_id("history")).to_contain_text(agent.username)
    screenshot("outlet-renewal")

    page.get_by_role("link", name=re.compile("网点代办|Outlet desk")).first.click()
    expect(page.get_by_test_id("handled")).to_contain_text(app.case_number)
    page.get_by_test_id("finish").click()
    expect(page.get_by_test_id("read-card")).to_be_visible()
    app.refresh_from_db()
    assert app.channel == "outlet" and app.outlet == office
    assert app.checks["medical_certificate"]["status"] == "ok"


def test_the_kiosk_screen_forgets_the_citizen_by_itself_after_inactivity(
    page: Any, live_server: Any, sandbox_server: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(kiosk, "IDLE_SECONDS", 2)
    person = make_person()
    device = make_staff("kiosk_device", "3201")
    password_step(page, live_server.url, device.username)
    code_step(page, pyotp.TOTP(device.totp_secret).now())
    place_card(sandbox_server, kiosk_id(device), person)
    page.get_by_test_id("read-card").click()
    expect(page.get_by_test_id("person")).to_contain_text(person.id_number_masked)
    # nobody touches the screen: its own timer ends the session
    expect(page.get_by_test_id("read-card")).to_be_visible(timeout=8_000)
    expect(page.locator("body")).not_to_contain_text(person.id_number_masked)
    assert AuditEvent.objects.get(action="kiosk.session_end").reason == "inactivity"
