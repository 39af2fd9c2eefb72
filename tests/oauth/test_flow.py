"""jiaoguan as an OAuth 2.0 / OIDC provider: authorization code + PKCE, consent recorded in the
hash chain, RS256 ID tokens, refresh and RFC 7009 revocation, withdrawal on "my
authorisations" revoking the app's tokens at once (issue 4, item 2)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
from django.test import Client
from oauth2_provider.models import AccessToken, RefreshToken

from jiaoguan.audit.services import Actor
from jiaoguan.cases.services import catalogue_sync
from jiaoguan.oauth.models import AppAuthorisation
from jiaoguan.platforms.models import ConsentRecord
from jiaoguan.platforms.selectors import access_log, consent_chain_verify
from tests.conftest import make_citizen, make_licence, make_person, make_staff, make_vehicle
from tests.oauth.conftest import (
    REDIRECT,
    RegisteredApp,
    authorize_params,
    bearer,
    consent,
    exchange,
    pkce_pair,
    register_app,
    tokens_for,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def citizen():  # type: ignore[no-untyped-def]
    person = make_person()
    make_licence(person, points=3, classes=["C1"])
    make_vehicle(person)
    return make_citizen(person)


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    browser = Client()
    browser.force_login(user)
    return browser


def test_consent_page_lists_what_the_app_will_see_in_both_languages(
    provincial_app: RegisteredApp, citizen
) -> None:  # type: ignore[no-untyped-def]
    browser = signed_in(citizen)
    _, challenge = pkce_pair()
    url = f"/oauth/authorize/?{authorize_params(provincial_app, 'openid points:read', challenge)}"
    page = browser.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "苏服办" in text and "江苏省政务服务管理办公室" in text
    assert "在苏服办展示您的驾驶证记分" in text
    assert 'data-scope="points:read"' in text and 'data-scope="licence:read"' not in text
    assert page["Cache-Control"] == "no-store"
    browser.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = browser.get(url).content.decode()
    assert "Show your licence points in the provincial service app" in english
    assert "Your points in the current scoring cycle" in english


def test_code_flow_with_pkce_issues_tokens_and_records_consent(
    provincial_app: RegisteredApp, citizen
) -> None:  # type: ignore[no-untyped-def]
    tokens = tokens_for(signed_in(citizen), provincial_app, "openid points:read")
    assert tokens["token_type"] == "Bearer" and tokens["refresh_token"]
    assert set(tokens["scope"].split()) == {"openid", "points:read"}

    auth = AppAuthorisation.objects.get(user=citizen)
    assert auth.active and auth.scopes == ["openid", "points:read"]
    record = ConsentRecord.objects.get(consent_ref=auth.consent_ref)
    assert record.state == "given" and record.party_id == provincial_app.client_id
    assert record.scopes == ["openid", "points:read"]
    assert consent_chain_verify(citizen.person).ok

    # the ID token is RS256, verifiable against the published JWKS, about the opaque public id
    jwks = Client().get("/oauth/.well-known/jwks.json").json()
    key = jwt.PyJWK(jwks["keys"][0], algorithm="RS256")
    claims = jwt.decode(
        tokens["id_token"], key, algorithms=["RS256"], audience=provincial_app.client_id
    )
    assert claims["sub"] == str(citizen.public_id) and claims["nonce"] == "n-456"
    discovery = Client().get("/oauth/.well-known/openid-configuration").json()
    assert discovery["code_challenge_methods_supported"] == ["plain", "S256"] or (
        "S256" in discovery["code_challenge_methods_supported"]
    )

    points = Client().get("/api/v1/app/me/points", **bearer(tokens["access_token"]))
    assert points.status_code == 200, points.content
    assert points.json()["points"] == 3 and points.json()["full_score"] == 12


def test_pkce_is_required(provincial_app: RegisteredApp, citizen) -> None:  # type: ignore[no-untyped-def]
    browser = signed_in(citizen)
    answer = browser.get(
        f"/oauth/authorize/?{authorize_params(provincial_app, 'points:read', None)}"
    )
    # refused before any consent: back to the app with an error, or an error page
    if answer.status_code == 302:
        query = parse_qs(urlparse(answer["Location"]).query)
        assert query["error"] == ["invalid_request"]
    else:
        assert answer.status_code in (400, 200) and b"consent-allow" not in answer.content
    assert not AppAuthorisation.objects.exists()


def test_wrong_code_verifier_gets_no_token(provincial_app: RegisteredApp, citizen) -> None:  # type: ignore[no-untyped-def]
    code, _verifier = consent(signed_in(citizen), provincial_app, "points:read")
    other, _ = pkce_pair()
    answer = exchange(provincial_app, code, other)
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


def test_app_cannot_ask_for_a_scope_it_was_not_registered_for(citizen) -> None:  # type: ignore[no-untyped-def]
    app = register_app(["points:read"], name="保险公司小程序")
    _, challenge = pkce_pair()
    answer = signed_in(citizen).get(
        f"/oauth/authorize/?{authorize_params(app, 'points:read vehicles:read', challenge)}"
    )
    assert answer.status_code == 302
    assert parse_qs(urlparse(answer["Location"]).query)["error"] == ["invalid_scope"]


def test_staff_cannot_authorise_an_app(provincial_app: RegisteredApp) -> None:
    clerk = make_staff("counter_clerk", "3201")
    _, challenge = pkce_pair()
    answer = signed_in(clerk).get(
        f"/oauth/authorize/?{authorize_params(provincial_app, 'points:read', challenge)}"
    )
    assert answer.status_code == 403
    assert not AppAuthorisation.objects.exists()


def test_refusing_records_nothing(provincial_app: RegisteredApp, citizen) -> None:  # type: ignore[no-untyped-def]
    browser = signed_in(citizen)
    _verifier, challenge = pkce_pair()
    page = browser.get(
        f"/oauth/authorize/?{authorize_params(provincial_app, 'points:read', challenge)}"
    )
    form = page.context["form"]
    data = {name: (form[name].value() or "") for name in form.fields}
    answer = browser.post("/oauth/authorize/", data)  # no "allow"
    assert answer.status_code == 302
    assert parse_qs(urlparse(answer["Location"]).query)["error"] == ["access_denied"]
    assert not AppAuthorisation.objects.exists() and not ConsentRecord.objects.exists()


def test_refresh_rotates_and_the_old_refresh_token_is_refused(
    provincial_app: RegisteredApp, citizen
) -> None:  # type: ignore[no-untyped-def]
    tokens = tokens_for(signed_in(citizen), provincial_app, "points:read")
    refresh = {
        "grant_type": "refresh_token",
        "client_id": provincial_app.client_id,
        "client_secret": provincial_app.secret,
    }
    first = Client().post("/oauth/token/", {**refresh, "refresh_token": tokens["refresh_token"]})
    assert first.status_code == 200, first.content
    renewed = first.json()
    assert renewed["refresh_token"] != tokens["refresh_token"]
    assert (
        Client().get("/api/v1/app/me/points", **bearer(renewed["access_token"])).status_code == 200
    )
    again = Client().post("/oauth/token/", {**refresh, "refresh_token": tokens["refresh_token"]})
    assert again.status_code == 400


def test_rfc7009_revocation_refuses_the_token(provincial_app: RegisteredApp, citizen) -> None:  # type: ignore[no-untyped-def]
    tokens = tokens_for(signed_in(citizen), provincial_app, "points:read")
    answer = Client().post(
        "/oauth/revoke_token/",
        {
            "token": tokens["access_token"],
            "client_id": provincial_app.client_id,
            "client_secret": provincial_app.secret,
        },
    )
    assert answer.status_code == 200
    refused = Client().get("/api/v1/app/me/points", **bearer(tokens["access_token"]))
    assert refused.status_code == 401


def test_expired_token_is_refused(provincial_app: RegisteredApp, citizen) -> None:  # type: ignore[no-untyped-def]
    tokens = tokens_for(signed_in(citizen), provincial_app, "points:read")
    AccessToken.objects.filter(token_checksum__isnull=False).update(
        expires=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    refused = Client().get("/api/v1/app/me/points", **bearer(tokens["access_token"]))
    assert refused.status_code == 401
    assert refused["Content-Type"].startswith("application/problem+json")


def test_unknown_token_is_refused(db: None) -> None:
    assert Client().get("/api/v1/app/me/points", **bearer("not-a-token")).status_code == 401
    assert Client().get("/api/v1/app/me/points").status_code == 401


def test_withdrawing_on_my_authorisations_revokes_every_token_at_once(
    provincial_app: RegisteredApp, citizen
) -> None:  # type: ignore[no-untyped-def]
    browser = signed_in(citizen)
    tokens = tokens_for(browser, provincial_app, "openid points:read")
    assert (
        Client().get("/api/v1/app/me/points", **bearer(tokens["access_token"])).status_code == 200
    )

    page = browser.get("/portal/authorisations/")
    text = page.content.decode()
    assert f'data-testid="app-{provincial_app.client_id}"' in text
    assert ("苏服办" in text and "本记分周期的记分" in text) or "Your points" in text
    auth = AppAuthorisation.objects.get(user=citizen)
    assert auth.last_used_at is not None

    answer = browser.post(f"/portal/authorisations/{auth.consent_ref}/withdraw/")
    assert answer.status_code == 302
    auth.refresh_from_db()
    assert not auth.active and auth.end_reason == "withdrawn"
    assert (
        Client().get("/api/v1/app/me/points", **bearer(tokens["access_token"])).status_code == 401
    )
    assert not AccessToken.objects.filter(user=citizen).exists()
    assert not RefreshToken.objects.filter(user=citizen, revoked__isnull=True).exists()
    refreshed = Client().post(
        "/oauth/token/",
        {
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": provincial_app.client_id,
            "client_secret": provincial_app.secret,
        },
    )
    assert refreshed.status_code == 400
    states = list(
        ConsentRecord.objects.filter(consent_ref=auth.consent_ref)
        .order_by("revision")
        .values_list("state", flat=True)
    )
    assert states == ["given", "withdrawn"]
    assert consent_chain_verify(citizen.person).ok


def test_a_second_authorisation_replaces_the_first(provincial_app: RegisteredApp, citizen) -> None:  # type: ignore[no-untyped-def]
    browser = signed_in(citizen)
    first = tokens_for(browser, provincial_app, "points:read")
    second = tokens_for(browser, provincial_app, "points:read licence:read")
    assert Client().get("/api/v1/app/me/points", **bearer(first["access_token"])).status_code == 401
    assert (
        Client().get("/api/v1/app/me/licence", **bearer(second["access_token"])).status_code == 200
    )
    rows = list(AppAuthorisation.objects.filter(user=citizen).order_by("id"))
    assert [a.end_reason for a in rows] == ["replaced", ""]
    assert consent_chain_verify(citizen.person).ok


def test_reads_show_in_the_citizens_access_view_with_the_apps_purpose(
    provincial_app: RegisteredApp, citizen
) -> None:  # type: ignore[no-untyped-def]
    browser = signed_in(citizen)
    tokens = tokens_for(browser, provincial_app, "points:read licence:read vehicles:read")
    for path in ("points", "licence", "vehicles"):
        answer = Client().get(f"/api/v1/app/me/{path}", **bearer(tokens["access_token"]))
        assert answer.status_code == 200, (path, answer.content)
    rows, _ = access_log(citizen)
    actions = sorted(r.action for r in rows)
    assert actions == ["app.licence_read", "app.points_read", "app.vehicles_read"]
    assert all(r.reader_kind == "app" and r.reader_name == "苏服办" for r in rows)
    assert all(r.purpose == "在苏服办展示您的驾驶证记分" for r in rows)
    assert all(r.legal_basis == "个人同意（可随时撤回）" and "PIPL" in r.citation for r in rows)
    page = browser.get("/portal/access/").content.decode()
    assert "苏服办" in page and "在苏服办展示您的驾驶证记分" in page


def test_submit_scope_starts_and_submits_business_for_the_citizen(citizen) -> None:  # type: ignore[no-untyped-def]
    catalogue_sync(actor=Actor.system("tests"))
    app = register_app(["applications:submit", "points:read"], name="邮政便民")
    tokens = tokens_for(signed_in(citizen), app, "applications:submit")
    answer = Client().post(
        "/api/v1/app/me/applications",
        {"business_type": "contact_change", "changes": {"phone": "13912345678"}},
        content_type="application/json",
        **bearer(tokens["access_token"]),
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["business_type"] == "contact_change"
    assert answer.json()["state"] == "completed"
    assert AppAuthorisation.objects.get(user=citizen).last_used_at is not None
    citizen.person.refresh_from_db()
    assert citizen.person.phone == "13912345678"
    bad = Client().post(
        "/api/v1/app/me/applications",
        {"business_type": "no_such_business"},
        content_type="application/json",
        **bearer(tokens["access_token"]),
    )
    assert bad.status_code in (404, 422) and bad["Content-Type"].startswith(
        "application/problem+json"
    )
    # a refused submission (a mobile number of 3 digits) answers 422 and leaves no draft open
    from jiaoguan.cases.models import Application

    refused = Client().post(
        "/api/v1/app/me/applications",
        {"business_type": "contact_change", "changes": {"phone": "123"}},
        content_type="application/json",
        **bearer(tokens["access_token"]),
    )
    assert refused.status_code == 422, refused.content
    assert [p["name"] for p in refused.json()["invalid_params"]] == ["phone"]
    states = sorted(
        Application.objects.filter(applicant=citizen.person).values_list("state", flat=True)
    )
    assert states == ["completed", "withdrawn"]
    assert REDIRECT  # the same registered redirect served both


def test_sign_in_returns_to_the_authorization_request_but_never_off_site(
    provincial_app: RegisteredApp, citizen, sandbox_server
) -> None:  # type: ignore[no-untyped-def]
    from jiaoguan.accounts.models import OtpChallenge
    from tests.conftest import PASSWORD
    from tests.e2e.test_journeys import sms_code

    _, challenge = pkce_pair()
    authorize = f"/oauth/authorize/?{authorize_params(provincial_app, 'points:read', challenge)}"
    browser = Client()
    first = browser.get(authorize)
    assert first.status_code == 302 and first["Location"].startswith("/accounts/login/?next=")
    browser.post(first["Location"], {"username": citizen.username, "password": PASSWORD})
    assert OtpChallenge.objects.filter(user=citizen).exists()
    done = browser.post(
        "/accounts/login/code/", {"code": sms_code(sandbox_server.url, citizen.person.phone)}
    )
    assert done.status_code == 302 and done["Location"] == authorize

    evil = Client()
    evil.post(
        "/accounts/login/?next=https://evil.example/steal",
        {"username": citizen.username, "password": PASSWORD},
    )
    done = evil.post(
        "/accounts/login/code/", {"code": sms_code(sandbox_server.url, citizen.person.phone)}
    )
    assert done.status_code == 302 and "evil.example" not in done["Location"]


def test_a_retired_key_stays_published_for_rotation(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from jiaoguan.oauth.conf import provider_settings

    old = tmp_path / "old.pem"
    old.write_bytes(
        rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    monkeypatch.setenv("JIAOGUAN_OIDC_RETIRED_KEY_FILES", str(old))
    built = provider_settings()
    assert built["OIDC_RSA_PRIVATE_KEYS_INACTIVE"] == [old.read_text()]
    assert built["PKCE_REQUIRED"] is True and built["OIDC_RSA_PRIVATE_KEY"]
    from oauth2_provider.settings import oauth2_settings

    monkeypatch.setattr(oauth2_settings, "OIDC_RSA_PRIVATE_KEYS_INACTIVE", [old.read_text()])
    keys = Client().get("/oauth/.well-known/jwks.json").json()["keys"]
    assert len(keys) == 2 and len({k["kid"] for k in keys}) == 2
