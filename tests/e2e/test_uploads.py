"""In the browser: a citizen replaces a lost registration certificate online with the VIN rubbing
(车辆识别代号拓印膜) attached as an image; the reviewer sees the image beside the case and
approves."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from PIL import Image, ImageDraw, ImageFont
from playwright.sync_api import expect

from jiaoguan.audit.services import Actor
from jiaoguan.cases.models import Application, Attachment
from jiaoguan.cases.services import catalogue_sync
from jiaoguan.payments.models import FeeOrder
from tests.conftest import make_citizen, make_person, make_staff, make_vehicle
from tests.e2e.test_journeys import code_step, password_step, sign_in_staff, sms_code
from tests.payments.test_payments import pay

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def engine(settings: Any, live_server: Any) -> None:
    settings.PAYMENTS_NOTIFY_BASE_URL = live_server.url
    catalogue_sync(actor=Actor.system("e2e"))


def rubbing(vin: str) -> bytes:
    """A photo of a rubbing: the VIN in dark strokes on pale film, as a JPEG."""
    image = Image.new("RGB", (480, 120), (236, 232, 220))
    draw = ImageDraw.Draw(image)
    draw.text((16, 40), vin, fill=(40, 40, 48), font=ImageFont.load_default(size=36))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def loaded(img: Any) -> bool:
    """The browser fetched and decoded the image (not a broken-image box)."""
    return bool(img.evaluate("i => i.complete && i.naturalWidth > 0"))


def test_citizen_attaches_the_vin_rubbing_and_the_reviewer_sees_it(
    page: Any, live_server: Any, sandbox_server: Any, screenshot: Any
) -> None:
    person = make_person("320102")
    vehicle = make_vehicle(person)
    citizen = make_citizen(person)
    password_step(page, live_server.url, citizen.username)
    code_step(page, sms_code(sandbox_server.url, person.phone))

    page.goto(f"{live_server.url}/portal/apply/")
    page.get_by_test_id("start-certificate_replacement").click()
    expect(page.get_by_test_id("state")).to_have_text("草稿")
    page.get_by_test_id("submit").click()  # no image yet: refused beside the field
    expect(page.get_by_test_id("error-vin_rubbing")).to_contain_text("车辆识别代号拓印膜")
    expect(page.get_by_test_id("state")).to_have_text("草稿")

    field = page.get_by_label("车辆识别代号拓印膜")
    field.set_input_files(
        {"name": "scan.png", "mimeType": "image/png", "buffer": b"%PDF-1.4 not an image"}
    )
    page.get_by_test_id("upload").click()
    expect(page.get_by_test_id("error-vin_rubbing")).to_contain_text("仅接受JPEG或PNG")

    page.get_by_label("车辆识别代号拓印膜").set_input_files(
        {"name": "rubbing.jpg", "mimeType": "image/jpeg", "buffer": rubbing(vehicle.vin)}
    )
    page.get_by_test_id("upload").click()
    thumbnail = page.get_by_test_id("attachment-vin_rubbing").locator("img")
    expect(thumbnail).to_be_visible()
    assert loaded(thumbnail)
    screenshot("uploads-1-citizen-attached")
    page.get_by_label(re.compile("窗口领取")).check()
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("state")).to_have_text("待缴费")
    page.get_by_test_id("pay-wechat").click()
    app = Application.objects.get()
    pay(sandbox_server, FeeOrder.objects.get(purpose_ref=f"application:{app.public_id}"), "wechat")
    page.reload()
    expect(page.get_by_test_id("state")).to_have_text("审核中")

    page.context.clear_cookies()
    sign_in_staff(page, live_server.url, make_staff("reviewer", "3201"))
    page.goto(f"{live_server.url}/applications/{app.public_id}/")
    image = page.get_by_test_id("uploads").locator("img")
    expect(image).to_be_visible()
    assert loaded(image)
    current = Attachment.current(app, "vin_rubbing")
    assert current is not None
    expect(page.get_by_test_id("uploads")).to_contain_text(current.sha256[:16])
    screenshot("uploads-2-reviewer-compares")
    page.get_by_role("button", name="批准").click()
    expect(page.get_by_test_id("state")).to_have_text("待领取")
