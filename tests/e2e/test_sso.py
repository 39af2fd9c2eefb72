"""A citizen signed in at the provincial government service platform reaches the jiaoguan
portal without a second sign-in and sees their licence (issue 4, item 1)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from jiaoguan.sso.models import ExternalIdentity
from tests.conftest import make_licence, make_person

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CLIENT_ID = "jiaoguan-e2e"
CLIENT_SECRET = "jiaoguan-e2e-secret"


@pytest.fixture
def sso(settings: Any, oidc_provider: Any, live_server: Any) -> Any:
    oidc_provider.register_client(
        CLIENT_ID,
        CLIENT_SECRET,
        [f"{live_server.url}/accounts/sso/callback/"],
        post_logout_redirect_uris=[f"{live_server.url}/"],
    )
    settings.SSO_ISSUER = oidc_provider.issuer
    settings.SSO_CLIENT_ID = CLIENT_ID
    settings.SSO_CLIENT_SECRET = CLIENT_SECRET
    cache.clear()
    return oidc_provider


def test_citizen_signed_in_at_the_province_reaches_the_portal(
    page: Any, live_server: Any, sso: Any, screenshot: Any
) -> None:
    person = make_person()
    make_licence(person, points=3, classes=["C1", "D"])

    # The citizen signs in at the provincial platform first (its own home page).
    page.goto(sso.issuer + "/")
    page.get_by_label(re.compile("身份证号码")).fill(person.id_number)
    page.get_by_label(re.compile("姓名")).fill(person.name)
    page.get_by_label(re.compile("登录方式")).select_option("face")
    page.get_by_role("button", name=re.compile("登录")).click()
    expect(page.get_by_test_id("gov-name")).to_have_text(person.name)
    screenshot("sso-1-province")

    # At jiaoguan: one click, no password, no SMS code.
    page.goto(f"{live_server.url}/accounts/login/")
    button = page.get_by_test_id("sso-start")
    expect(button).to_have_text(re.compile("使用省政务服务网登录|provincial government"))
    button.click()
    expect(page).to_have_url(re.compile(r"/portal/$"))
    expect(page.get_by_test_id("licence-classes")).to_have_text("C1 D")
    expect(page.get_by_test_id("licence-points")).to_have_text("3 / 12")
    screenshot("sso-2-portal")
    link = ExternalIdentity.objects.get(user__person=person)
    assert link.last_acr == "L3"


def test_citizen_not_yet_signed_in_signs_in_at_the_province_page(
    page: Any, live_server: Any, sso: Any
) -> None:
    person = make_person()
    make_licence(person, classes=["C2"])
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_test_id("sso-start").click()
    expect(page).to_have_url(re.compile(re.escape(sso.issuer) + "/authorize"))
    page.get_by_label(re.compile("身份证号码")).fill(person.id_number)
    page.get_by_label(re.compile("姓名")).fill(person.name)
    page.get_by_role("button", name=re.compile("登录")).click()
    expect(page).to_have_url(re.compile(r"/portal/$"))
    expect(page.get_by_test_id("licence-classes")).to_have_text("C2")


def _signed_in_through_the_province(page: Any, live_server: Any, sso: Any) -> Any:
    """A citizen signs in at the platform, then reaches the jiaoguan portal in one click."""
    person = make_person()
    make_licence(person)
    page.goto(sso.issuer + "/")
    page.get_by_label(re.compile("身份证号码")).fill(person.id_number)
    page.get_by_label(re.compile("姓名")).fill(person.name)
    page.get_by_label(re.compile("登录方式")).select_option("realname")
    page.get_by_role("button", name=re.compile("登录")).click()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_test_id("sso-start").click()
    expect(page).to_have_url(re.compile(r"/portal/$"))
    return person


def test_signing_out_at_the_province_signs_out_of_jiaoguan(
    page: Any, live_server: Any, sso: Any, screenshot: Any
) -> None:
    """The platform's sign-out reaches jiaoguan over HTTP (a signed back-channel logout
    token): the portal session opened from that sign-on ends with it."""
    sso.register_client(
        CLIENT_ID,
        CLIENT_SECRET,
        [f"{live_server.url}/accounts/sso/callback/"],
        backchannel_logout_uri=f"{live_server.url}/accounts/sso/backchannel-logout/",
    )
    person = _signed_in_through_the_province(page, live_server, sso)

    page.goto(sso.issuer + "/")
    page.get_by_test_id("gov-logout").click()
    expect(page.get_by_test_id("gov-signed-out")).to_be_visible()
    expect(page.locator("body")).to_contain_text(f"{CLIENT_ID} (200)")
    screenshot("sso-3-signed-out-at-the-province")
    page.goto(f"{live_server.url}/portal/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    from jiaoguan.sso.models import PlatformSession

    ended = PlatformSession.objects.get(user__person=person)
    assert ended.end_reason == "backchannel_logout"


def test_signing_out_of_jiaoguan_signs_out_at_the_province(
    page: Any, live_server: Any, sso: Any, screenshot: Any
) -> None:
    """RP-initiated logout: on a shared computer, signing out of jiaoguan also ends the
    platform's session, so the next person is asked who they are."""
    _signed_in_through_the_province(page, live_server, sso)
    page.get_by_role("button", name=re.compile("退出|Sign out")).click()
    expect(page).to_have_url(f"{live_server.url}/")
    page.goto(sso.issuer + "/")
    expect(page.get_by_label(re.compile("身份证号码"))).to_be_visible()  # asked again
    screenshot("sso-4-signed-out-everywhere")
