"""Partner credentials (issue 4, item 3): registered, rotated with a grace period and revoked in
the console by staff with the permission; optional binding to a client certificate."""

from __future__ import annotations

import datetime as dt
import re
from unittest import mock

import pytest
from django.test import Client

from jiaoguan.accounts import services as accounts
from jiaoguan.accounts.models import ApiClient
from jiaoguan.audit.models import AuditEvent
from jiaoguan.audit.services import Actor
from jiaoguan.kernel import clock
from jiaoguan.kernel.errors import DomainError
from tests.conftest import make_staff

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("tests")
FINGERPRINT = "ab" * 32


def _partner(**kw):  # type: ignore[no-untyped-def]
    return accounts.api_client_create(
        actor=SYSTEM,
        name=kw.pop("name", "人保财险江苏分公司"),
        scopes=["registry:read"],
        region_scope=kw.pop("region_scope", "32"),
        sector="insurer",
        **kw,
    )


def _call(token: str, **headers: str) -> int:
    return (
        Client()
        .get("/api/v1/vehicles", HTTP_AUTHORIZATION=f"Bearer {token}", **headers)
        .status_code
    )


def test_rotation_keeps_the_old_secret_for_the_grace_period_then_refuses_it() -> None:
    client, old = _partner()
    client, new = accounts.api_client_rotate(
        actor=SYSTEM, client=client, grace=dt.timedelta(hours=1)
    )
    assert new != old and client.token_prefix == new[:10]
    assert _call(new) == 200 and _call(old) == 200
    later = clock.now() + dt.timedelta(hours=1, seconds=1)
    with mock.patch("jiaoguan.kernel.clock.now", return_value=later):
        assert _call(old) == 401
        assert _call(new) == 200
    actions = list(
        AuditEvent.objects.filter(object_ref=str(client.public_id)).values_list("action", flat=True)
    )
    assert actions == ["api_client.create", "api_client.rotate"]


def test_without_grace_the_old_secret_stops_at_once_and_a_new_rotation_ends_the_grace() -> None:
    client, old = _partner()
    client, new = accounts.api_client_rotate(actor=SYSTEM, client=client, grace=dt.timedelta(0))
    assert _call(old) == 401 and _call(new) == 200
    client, newer = accounts.api_client_rotate(actor=SYSTEM, client=client)
    client, newest = accounts.api_client_rotate(actor=SYSTEM, client=client)
    assert _call(new) == 401  # replaced two rotations ago
    assert _call(newer) == 200 and _call(newest) == 200


def test_revoking_refuses_current_and_grace_secrets_and_rotation_is_refused() -> None:
    client, old = _partner()
    client, new = accounts.api_client_rotate(actor=SYSTEM, client=client)
    accounts.api_client_revoke(actor=SYSTEM, client=client, reason="合同终止")
    assert _call(old) == 401 and _call(new) == 401
    with pytest.raises(DomainError) as exc:
        accounts.api_client_rotate(actor=SYSTEM, client=client)
    assert exc.value.code == "client_revoked"
    with pytest.raises(DomainError):
        accounts.api_client_rotate(actor=SYSTEM, client=client, grace=dt.timedelta(days=8))


def test_a_client_bound_to_a_certificate_needs_that_certificate() -> None:
    _client, token = _partner(cert_sha256=":".join(re.findall("..", FINGERPRINT.upper())))
    assert ApiClient.objects.get().cert_sha256 == FINGERPRINT
    assert _call(token) == 401
    assert _call(token, HTTP_X_CLIENT_CERT_SHA256="cd" * 32) == 401
    assert _call(token, HTTP_X_CLIENT_CERT_SHA256=FINGERPRINT) == 200
    with pytest.raises(DomainError):
        _partner(cert_sha256="not-hex")


def test_a_partner_for_one_region_cannot_reach_another(db: None) -> None:
    from tests.conftest import make_person, make_vehicle

    nanjing = make_vehicle(make_person("320102"))
    suzhou = make_vehicle(make_person("320505"))
    _client, token = _partner(region_scope="3205")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    ids = [v["id"] for v in api.get("/api/v1/vehicles").json()["items"]]
    assert ids == [str(suzhou.public_id)]
    assert api.get(f"/api/v1/vehicles/{nanjing.public_id}").status_code == 404


def _console(role: str = "administrator", scope: str = "32") -> Client:
    browser = Client()
    browser.force_login(make_staff(role, scope))
    return browser


def test_console_registers_rotates_and_revokes_a_partner() -> None:
    admin = _console()
    page = admin.get("/console/partners/")
    assert page.status_code == 200
    created = admin.post(
        "/console/partners/",
        {
            "name": "南京市中级人民法院",
            "sector": "court",
            "scopes": ["registry:read"],
            "region_scope": "3201",
            "rate_per_minute": "120",
            "cert_sha256": "",
        },
    )
    assert created.status_code == 201 and created["Cache-Control"] == "no-store"
    token = re.search(r'data-testid="partner-token">(jg_[^<]+)<', created.content.decode())[1]  # type: ignore[index]
    client = ApiClient.objects.get(name="南京市中级人民法院")
    assert client.sector == "court" and client.rate_per_minute == 120
    assert _call(token) == 200

    rotated = admin.post(f"/console/partners/{client.public_id}/rotate/", {"grace_hours": "0"})
    assert rotated.status_code == 201
    new = re.search(r'data-testid="partner-token">(jg_[^<]+)<', rotated.content.decode())[1]  # type: ignore[index]
    assert _call(token) == 401 and _call(new) == 200

    revoked = admin.post(f"/console/partners/{client.public_id}/revoke/", {"reason": "协议到期"})
    assert revoked.status_code == 302 and _call(new) == 401
    assert list(
        AuditEvent.objects.filter(object_ref=str(client.public_id))
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["api_client.create", "api_client.rotate", "api_client.revoke"]


def test_console_refuses_bad_input_and_other_regions_and_staff_without_the_permission() -> None:
    admin = _console(scope="3201")
    outside = admin.post(
        "/console/partners/",
        {
            "name": "苏州保险",
            "sector": "insurer",
            "scopes": ["registry:read"],
            "region_scope": "3205",
            "rate_per_minute": "10",
        },
    )
    assert outside.status_code == 422 and not ApiClient.objects.exists()
    bad = admin.post(
        "/console/partners/",
        {
            "name": "x",
            "sector": "insurer",
            "scopes": ["nope"],
            "region_scope": "3201",
            "rate_per_minute": "-1",
        },
    )
    assert bad.status_code == 422
    other, _ = _partner(region_scope="3205")
    assert (
        admin.post(f"/console/partners/{other.public_id}/revoke/", {"reason": "x"}).status_code
        == 404
    )
    clerk = _console("counter_clerk", "3201")
    assert clerk.get("/console/partners/").status_code == 403
    assert (
        clerk.post(f"/console/partners/{other.public_id}/rotate/", {"grace_hours": "0"}).status_code
        == 403
    )
    assert clerk.get("/console/apps/").status_code == 403


def test_console_registers_an_app_and_disabling_it_ends_every_authorisation() -> None:
    from jiaoguan.oauth.models import AppAuthorisation, AppRegistration
    from tests.conftest import make_citizen, make_licence, make_person
    from tests.oauth.conftest import REDIRECT, RegisteredApp, bearer, tokens_for

    admin = _console()
    created = admin.post(
        "/console/apps/",
        {
            "name": "苏服办",
            "organisation_name": "江苏省政务服务管理办公室",
            "purpose": "展示记分",
            "purpose_en": "Show points",
            "redirect_uris": REDIRECT,
            "scopes": ["points:read"],
            "rate_per_minute": "100",
        },
    )
    assert created.status_code == 201
    text = created.content.decode()
    client_id = re.search(r'data-testid="client-id">([^<]+)<', text)[1]  # type: ignore[index]
    secret = re.search(r'data-testid="client-secret">([^<]+)<', text)[1]  # type: ignore[index]
    registration = AppRegistration.objects.get(application__client_id=client_id)
    app = RegisteredApp(application=registration.application, client_id=client_id, secret=secret)

    person = make_person()
    make_licence(person, points=1)
    citizen = make_citizen(person)
    browser = Client()
    browser.force_login(citizen)
    tokens = tokens_for(browser, app, "points:read")
    assert (
        Client().get("/api/v1/app/me/points", **bearer(tokens["access_token"])).status_code == 200
    )
    answer = admin.post(f"/console/apps/{registration.public_id}/disable/")
    assert answer.status_code == 302
    assert (
        Client().get("/api/v1/app/me/points", **bearer(tokens["access_token"])).status_code == 401
    )
    assert AppAuthorisation.objects.get().end_reason == "app_disabled"
