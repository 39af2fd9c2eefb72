"""A driving school opens its account (issue 4, item 7): the legal representative signs in
through the provincial platform, the USCC is checked with the market register, the agreement
is signed with the electronic business licence; the school's administrator signs in with TOTP
and opens a coach's account under the school."""

from __future__ import annotations

import re
from typing import Any

import pyotp
import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from jiaoguan.accounts.models import User
from sandbox import market
from sandbox.population import name_for
from tests.conftest import PASSWORD
from tests.e2e.test_journeys import code_step, password_step

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_representative_opens_a_driving_school_account(
    page: Any, browser: Any, live_server: Any, oidc_provider: Any, settings: Any, screenshot: Any
) -> None:
    oidc_provider.register_client(
        "jiaoguan-e2e-orgs", "secret-orgs", [f"{live_server.url}/accounts/sso/callback/"]
    )
    settings.SSO_ISSUER = oidc_provider.issuer
    settings.SSO_CLIENT_ID = "jiaoguan-e2e-orgs"
    settings.SSO_CLIENT_SECRET = "secret-orgs"
    cache.clear()
    uscc = market.example_uscc(start=1000)
    representative = market.legal_representative(uscc)

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_test_id("sso-start").click()
    page.get_by_label(re.compile("身份证号码")).fill(representative)
    page.get_by_label(re.compile("姓名")).fill(name_for(representative))
    page.get_by_role("button", name=re.compile("登录")).click()
    expect(page).to_have_url(re.compile(r"/portal/$"))

    page.get_by_test_id("org-link").click()
    page.get_by_label(re.compile("统一社会信用代码|Unified social credit code")).fill(uscc)
    page.get_by_label(re.compile("单位类型|Kind of organisation")).select_option("driving_school")
    page.get_by_role("button", name=re.compile("核验登记信息|Check with the register")).click()
    expect(page.get_by_test_id("agreement")).to_contain_text(uscc)
    expect(page.get_by_test_id("org-status")).to_have_text(re.compile("待签署|agreement to sign"))
    page.get_by_label(re.compile("管理员用户名|Administrator username")).fill("school-admin")
    page.get_by_label(re.compile("管理员密码|Administrator password")).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("使用电子营业执照签署|Sign with")).click()
    expect(page.get_by_test_id("signature-ok")).to_be_visible()
    secret = page.get_by_test_id("totp-secret").inner_text().strip()
    screenshot("orgs-1-signed")

    admin_context = browser.new_context(locale="zh-CN")
    admin = admin_context.new_page()
    try:
        password_step(admin, live_server.url, "school-admin")
        code_step(admin, pyotp.TOTP(secret).now())
        expect(admin).to_have_url(re.compile(r"/organisations/staff/$"))
        admin.get_by_label(re.compile("^(用户名|Username)$")).fill("coach-li")
        admin.get_by_label(re.compile("^(密码|Password)$")).fill(PASSWORD)
        admin.get_by_role("button", name=re.compile("开设账户|Open account")).click()
        expect(admin.get_by_test_id("org-staff")).to_contain_text("coach-li")
        admin.screenshot(path="test-results/e2e-orgs-2-staff.png", full_page=True)
    finally:
        admin_context.close()
    coach = User.objects.get(username="coach-li")
    assert coach.organisation is not None and coach.organisation.uscc == uscc
