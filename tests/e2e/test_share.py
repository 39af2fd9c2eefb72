"""A citizen shares a licence check with a car-rental desk and revokes it (issue 4, item 6)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import make_citizen, make_licence, make_person
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_journeys import code_step, password_step, sms_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_citizen_shares_two_facts_and_revokes(
    page: Any, browser: Any, live_server: Any, sandbox_server: Any, screenshot: Any
) -> None:
    person = make_person()
    make_licence(person, points=3, classes=["C1", "D"])
    citizen = make_citizen(person)

    password_step(page, live_server.url, citizen.username)
    code_step(page, sms_code(sandbox_server.url, person.phone))
    expect(page).to_have_url(re.compile(r"/portal/$"))

    page.get_by_test_id("privacy-links").get_by_role(
        "link", name=re.compile("分享驾驶证核验|Share a licence check")
    ).click()
    expect(page).to_have_url(re.compile(r"/portal/shares/$"))
    page.get_by_label(re.compile("准驾车型|Licence classes")).check()
    page.get_by_label(re.compile("本记分周期累积记分|Points this cycle")).check()
    page.get_by_role("button", name=re.compile("生成分享码|Create share code")).click()
    code = page.get_by_test_id("share-code").inner_text().strip()
    assert re.fullmatch(r"[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}", code)
    link = page.get_by_test_id("share-link").get_attribute("href")
    assert link and link.endswith(f"/share/{code}/")
    expect(page.get_by_test_id("share-qr").locator("svg")).to_be_visible()
    screenshot("share-1-created")

    desk_context = browser.new_context(locale="zh-CN")
    desk = desk_context.new_page()
    try:
        desk.goto(link)
        facts = desk.get_by_test_id("shared-facts")
        expect(facts.locator("dd")).to_have_count(2)
        expect(desk.get_by_test_id("fact-classes")).to_have_text("C1 D")
        expect(desk.get_by_test_id("fact-points")).to_have_text("3 / 12")
        expect(desk.locator("main")).not_to_contain_text(person.name)
        desk.screenshot(path=str(SCREENSHOTS / "e2e-share-2-desk.png"), full_page=True)

        page.get_by_test_id("revoke").click()
        expect(page.get_by_test_id("share-status")).to_have_text(re.compile("已撤销|Revoked"))

        response = desk.goto(link)
        assert response is not None and response.status == 410
        expect(desk.get_by_test_id("share-error")).to_contain_text(re.compile("已撤销|revoked"))
        expect(desk.get_by_test_id("shared-facts")).to_have_count(0)
    finally:
        desk_context.close()
    screenshot("share-3-revoked")
