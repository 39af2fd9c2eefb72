"""What a citizen and a counter clerk see in the browser: sign-in with a second factor, the
citizen portal, the staff console's scoped search, form errors, lock-out, language switch."""

from __future__ import annotations

import json
import re
import urllib.parse
import urllib.request
from typing import Any

import pyotp
import pytest
from playwright.sync_api import expect

from jiaoguan.accounts.models import User
from tests.conftest import (
    PASSWORD,
    SANDBOX_KEY,
    make_citizen,
    make_licence,
    make_person,
    make_staff,
    make_vehicle,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# English msgid or its zh-hans translation: the catalogue may not be compiled yet.
NOTHING_FOUND = re.compile(r"Nothing found in your scope|未找到")
NEXT = re.compile(r"^(下一步|Next)$")
SIGN_IN = re.compile(r"^(登录|Sign in)$")
SEARCH = re.compile(r"^(查询|Search)$")


def sms_code(sandbox_url: str, phone: str) -> str:
    """The 6-digit code of the newest SMS sent to ``phone``, read from the sandbox outbox."""
    query = urllib.parse.urlencode({"phone": phone})
    request = urllib.request.Request(
        f"{sandbox_url}/sms/v1/messages?{query}",
        headers={"Authorization": f"Bearer {SANDBOX_KEY}"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        messages = json.load(response)["messages"]
    assert messages, f"no SMS in the sandbox outbox for {phone}"
    match = re.search(r"(?<!\d)\d{6}(?!\d)", messages[-1]["text"])
    assert match, messages[-1]["text"]
    return match.group()


def password_step(page: Any, base_url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label(re.compile("用户名|Username")).fill(username)
    page.get_by_label(re.compile("密码|Password")).fill(password)
    page.get_by_role("button", name=NEXT).click()


def code_step(page: Any, code: str) -> None:
    expect(page).to_have_url(re.compile(r"/accounts/login/code/$"))
    page.get_by_label(re.compile("验证码|One-time code")).fill(code)
    page.locator("main").get_by_role("button", name=SIGN_IN).click()


def sign_in_staff(page: Any, base_url: str, user: User, lands: str = r"/console/$") -> None:
    password_step(page, base_url, user.username)
    code_step(page, pyotp.TOTP(user.totp_secret).now())
    expect(page).to_have_url(re.compile(lands))


def search(page: Any, q: str) -> Any:
    page.locator("#id_q").fill(q)
    with page.expect_response(lambda r: "/console/" in r.url) as response:
        page.get_by_role("button", name=SEARCH).click()
    page.wait_for_load_state()
    return response.value


def test_citizen_signs_in_with_sms_code_and_sees_licence_and_vehicles(
    page: Any, live_server: Any, sandbox_server: Any, screenshot: Any
) -> None:
    person = make_person()
    make_licence(person, points=3, classes=["C1", "D"])
    cars = [make_vehicle(person), make_vehicle(person)]
    citizen = make_citizen(person)

    password_step(page, live_server.url, citizen.username)
    expect(page).to_have_url(re.compile(r"/accounts/login/code/$"))
    code_step(page, sms_code(sandbox_server.url, person.phone))

    expect(page).to_have_url(re.compile(r"/portal/$"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_test_id("licence-classes")).to_have_text("C1 D")
    expect(page.get_by_test_id("licence-points")).to_have_text("3 / 12")
    vehicles = page.get_by_test_id("vehicles")
    for car in cars:
        expect(vehicles).to_contain_text(car.plate.number)
    screenshot("1-citizen-portal")


def test_clerk_searches_within_scope_only(page: Any, live_server: Any, screenshot: Any) -> None:
    clerk = make_staff("counter_clerk", "3201")
    nanjing = make_vehicle(make_person("320102"))
    suzhou = make_vehicle(make_person("320505"))
    assert nanjing.region_code == "320102" and suzhou.region_code == "320505"

    sign_in_staff(page, live_server.url, clerk)
    assert search(page, nanjing.plate.number).status == 200
    results = page.get_by_test_id("results")
    expect(results).to_contain_text(nanjing.vin)
    expect(results).to_contain_text(nanjing.plate.number)

    assert search(page, suzhou.plate.number).status == 200
    results = page.get_by_test_id("results")
    expect(results).to_contain_text(NOTHING_FOUND)
    expect(results).not_to_contain_text(suzhou.vin)
    expect(page.locator("body")).not_to_contain_text(suzhou.vin)
    screenshot("2-clerk-search-out-of-scope")


def test_clerk_sees_error_beside_field_for_forbidden_plate_letter(
    page: Any, live_server: Any, screenshot: Any
) -> None:
    clerk = make_staff("counter_clerk", "3201")
    sign_in_staff(page, live_server.url, clerk)

    response = search(page, "苏A12I45")
    assert response.status == 200
    field = page.locator(".field", has=page.locator("#id_q"))
    expect(field.locator("p.error")).to_be_visible()
    expect(field.locator("p.error")).to_contain_text("号牌序号从不使用字母I和O")
    expect(page.locator("#id_q")).to_have_value("苏A12I45")
    expect(page.get_by_test_id("results")).to_have_count(0)
    screenshot("3-clerk-bad-plate")


def test_wrong_sms_code_shows_error_beside_code_field(
    page: Any, live_server: Any, sandbox_server: Any, screenshot: Any
) -> None:
    person = make_person()
    citizen = make_citizen(person)

    password_step(page, live_server.url, citizen.username)
    right = sms_code(sandbox_server.url, person.phone)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    code_step(page, wrong)

    expect(page).to_have_url(re.compile(r"/accounts/login/code/$"))
    field = page.locator(".field", has=page.locator("#id_code"))
    expect(field.locator("p.error")).to_contain_text("验证码不正确")
    screenshot("4a-wrong-sms-code")


def test_five_wrong_passwords_lock_the_account(
    page: Any, live_server: Any, screenshot: Any
) -> None:
    citizen = make_citizen()

    for _ in range(4):
        password_step(page, live_server.url, citizen.username, "wrong-password")
        expect(page.locator("p.error")).to_contain_text("用户名或密码错误")
    password_step(page, live_server.url, citizen.username, "wrong-password")
    expect(page.locator("p.error")).to_contain_text("锁定")
    # Locked: even the right password is refused now.
    password_step(page, live_server.url, citizen.username)
    expect(page.locator("p.error")).to_contain_text("锁定")
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))

    citizen.refresh_from_db()
    assert citizen.locked_until is not None
    screenshot("4b-account-locked")


def test_language_switch_to_english(page: Any, live_server: Any, screenshot: Any) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    page.get_by_role("button", name="English").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_role("button", name="简体中文")).to_be_visible()
    screenshot("5-english")
