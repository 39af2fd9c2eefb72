"""Single sign-on through the provincial identity platform (issue 4, item 1).

The relying party (jiaoguan.sso) talks over real HTTP to the sandbox OpenID provider
(sandbox/oidc.py, built with authlib's server components); nothing of the protocol is mocked.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.core.cache import cache
from django.test import Client
from joserfc import jwt
from joserfc.jwk import RSAKey

from jiaoguan.accounts.models import User
from jiaoguan.audit.models import AuditEvent
from jiaoguan.kernel.errors import DomainError, PartnerUnavailable
from jiaoguan.sso import rules
from jiaoguan.sso.client import OidcRelyingParty
from jiaoguan.sso.constants import AttemptStatus
from jiaoguan.sso.models import ExternalIdentity, SignInAttempt
from sandbox.oidc import subject_for
from tests.conftest import make_citizen, make_licence, make_person, new_id_number

pytestmark = pytest.mark.django_db

CLIENT_ID = "jiaoguan-test"
CLIENT_SECRET = "jiaoguan-test-secret"
CALLBACK = "http://testserver/accounts/sso/callback/"


@pytest.fixture(autouse=True)
def _sso(settings: Any, oidc_provider: Any) -> None:
    oidc_provider.register_client(
        CLIENT_ID, CLIENT_SECRET, [CALLBACK], post_logout_redirect_uris=["http://testserver/"]
    )
    settings.SSO_ISSUER = oidc_provider.issuer
    settings.SSO_CLIENT_ID = CLIENT_ID
    settings.SSO_CLIENT_SECRET = CLIENT_SECRET
    cache.clear()


def _authorize(client: Client, *, id_number: str, name: str, method: str = "realname") -> str:
    """Start at jiaoguan, sign in at the provider's page; returns the callback URL."""
    start = client.get("/accounts/sso/start/")
    assert start.status_code == 302, start.content
    location = start["Location"]
    assert location.startswith(OidcRelyingParty().metadata()["authorization_endpoint"])
    params = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    assert params["code_challenge_method"] == "S256" and params["nonce"] and params["state"]
    page = requests.get(location, timeout=5)
    assert page.status_code == 200 and "身份证号码" in page.text
    answer = requests.post(
        location.split("?")[0],
        data={**params, "id_number": id_number, "name": name, "method": method},
        allow_redirects=False,
        timeout=5,
    )
    assert answer.status_code == 302, answer.text
    assert answer.headers["Location"].startswith(CALLBACK)
    return str(answer.headers["Location"])


def _callback(client: Client, url: str) -> Any:
    parts = urlsplit(url)
    return client.get(parts.path + "?" + parts.query)


def _sign_in(client: Client, person_number: str, name: str, method: str = "realname") -> Any:
    return _callback(client, _authorize(client, id_number=person_number, name=name, method=method))


def _person_number_and_name() -> tuple[str, str]:
    from sandbox.population import name_for

    number = new_id_number()
    return number, name_for(number)


# -- the provider --------------------------------------------------------------------------


def test_provider_discovery_and_jwks(oidc_provider: Any) -> None:
    meta = requests.get(f"{oidc_provider.issuer}/.well-known/openid-configuration", timeout=5)
    data = meta.json()
    assert data["issuer"] == oidc_provider.issuer
    assert data["code_challenge_methods_supported"] == ["S256"]
    keys = requests.get(data["jwks_uri"], timeout=5).json()["keys"]
    assert keys and all(k["kty"] == "RSA" and "d" not in k and k["kid"] for k in keys)


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _provider_code(oidc_provider: Any, challenge: str | None) -> tuple[str, str]:
    number, name = _person_number_and_name()
    params = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": CALLBACK,
        "scope": "openid profile id_number",
        "state": "s",
        "nonce": secrets.token_urlsafe(8),
    }
    if challenge:
        params |= {"code_challenge": challenge, "code_challenge_method": "S256"}
    answer = requests.post(
        f"{oidc_provider.issuer}/authorize",
        data={**params, "id_number": number, "name": name, "method": "realname"},
        allow_redirects=False,
        timeout=5,
    )
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    return query.get("code", [""])[0], query.get("error", [""])[0]


def test_provider_refuses_a_wrong_pkce_verifier(oidc_provider: Any) -> None:
    _verifier, challenge = _pkce()
    code, _ = _provider_code(oidc_provider, challenge)
    token_url = f"{oidc_provider.issuer}/token"
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK}
    wrong = requests.post(
        token_url,
        data={**form, "code_verifier": _pkce()[0]},
        auth=(CLIENT_ID, CLIENT_SECRET),
        timeout=5,
    )
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    missing = requests.post(token_url, data=form, auth=(CLIENT_ID, CLIENT_SECRET), timeout=5)
    assert missing.status_code == 400


def test_provider_requires_pkce(oidc_provider: Any) -> None:
    code, error = _provider_code(oidc_provider, None)
    assert code == "" and error == "invalid_request"


def test_provider_refuses_a_reused_nonce(oidc_provider: Any) -> None:
    number, name = _person_number_and_name()
    _verifier, challenge = _pkce()
    params = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": CALLBACK,
        "scope": "openid profile id_number",
        "state": "s",
        "nonce": "same-nonce-" + secrets.token_hex(4),
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    form = {**params, "id_number": number, "name": name, "method": "realname"}
    url = f"{oidc_provider.issuer}/authorize"
    first = requests.post(url, data=form, allow_redirects=False, timeout=5)
    assert "code=" in first.headers["Location"]
    again = requests.post(url, data=form, allow_redirects=False, timeout=5)
    assert "error=invalid_request" in again.headers["Location"]
    assert "code=" not in again.headers["Location"]


def test_provider_code_is_single_use(oidc_provider: Any) -> None:
    verifier, challenge = _pkce()
    code, _ = _provider_code(oidc_provider, challenge)
    rp = OidcRelyingParty()
    assert rp.exchange(code=code, code_verifier=verifier, redirect_uri=CALLBACK).id_token
    with pytest.raises(DomainError) as refused:
        rp.exchange(code=code, code_verifier=verifier, redirect_uri=CALLBACK)
    assert refused.value.code == "token_refused"


# -- the relying party: sign-in and account binding -----------------------------------------


def test_sign_in_opens_an_account_and_a_second_sign_in_finds_it() -> None:
    number, name = _person_number_and_name()
    client = Client()
    response = _sign_in(client, number, name)
    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get(external_identities__subject=subject_for(number))
    assert user.kind == "citizen" and user.person is not None
    assert user.person.id_number == number and user.person.name == name
    assert not user.has_usable_password()
    assert client.session["jiaoguan_sso_acr"] == "L2"
    assert client.get("/portal/").status_code == 200

    again = Client()
    assert _sign_in(again, number, name, method="face").status_code == 302
    assert int(again.session["_auth_user_id"]) == user.pk
    assert again.session["jiaoguan_sso_acr"] == "L3"
    assert User.objects.filter(person__id_number_index=user.person.id_number_index).count() == 1
    logins = AuditEvent.objects.filter(action="account.login", object_ref=str(user.public_id))
    assert logins.count() == 2
    assert AuditEvent.objects.filter(action="account.open_sso").count() == 1
    link = ExternalIdentity.objects.get(user=user)
    assert link.last_acr == "L3"


def test_sign_in_binds_the_existing_citizen_account_through_the_blind_index() -> None:
    person = make_person()
    make_licence(person, points=3, classes=["C1", "D"])
    citizen = make_citizen(person)
    client = Client()
    assert _sign_in(client, person.id_number, person.name).status_code == 302
    assert int(client.session["_auth_user_id"]) == citizen.pk
    assert ExternalIdentity.objects.get(user=citizen).subject == subject_for(person.id_number)
    assert AuditEvent.objects.filter(action="account.bind_sso").count() == 1
    portal = client.get("/portal/")
    assert 'data-testid="licence-classes">C1 D<' in portal.content.decode()


def test_sign_in_opens_an_account_for_a_registered_person_without_one() -> None:
    person = make_person()
    make_licence(person)
    client = Client()
    assert _sign_in(client, person.id_number, person.name).status_code == 302
    user = User.objects.get(pk=client.session["_auth_user_id"])
    assert user.person_id == person.pk


def test_low_assurance_is_refused_and_audited() -> None:
    number, name = _person_number_and_name()
    client = Client()
    response = _sign_in(client, number, name, method="sms")
    assert response.status_code == 403
    assert b'data-code="sso_assurance_too_low"' in response.content
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(external_identities__subject=subject_for(number)).exists()
    attempt = SignInAttempt.objects.get(refusal_code="sso_assurance_too_low")
    assert attempt.status == AttemptStatus.REFUSED and attempt.acr == "L1"
    assert AuditEvent.objects.filter(action="sso.refused", object_ref=str(attempt.public_id))


def test_assurance_rule() -> None:
    assert rules.assurance_decision("L2").may_sign_in
    assert rules.assurance_decision("L3").may_sign_in
    assert rules.assurance_decision("L1").reason == "assurance_too_low"
    assert rules.assurance_decision("").reason == "assurance_unknown"
    assert rules.assurance_decision("L9").reason == "assurance_unknown"
    assert "not a rule of law" in rules.assurance_decision("L1").citation


def test_a_staff_persons_identity_does_not_sign_in_to_a_staff_account() -> None:
    from tests.conftest import make_staff

    person = make_person()
    staff = make_staff("counter_clerk", "3201")
    User.objects.filter(pk=staff.pk).update(person=person)
    response = _sign_in(Client(), person.id_number, person.name)
    assert response.status_code == 403 and b"sso_not_citizen" in response.content


# -- the relying party: security --------------------------------------------------------------


def test_state_mismatch_is_refused() -> None:
    number, name = _person_number_and_name()
    client = Client()
    url = _authorize(client, id_number=number, name=name)
    tampered = url.replace("state=", "state=x")
    response = _callback(client, tampered)
    assert response.status_code == 422 and b"sso_state_mismatch" in response.content
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="sso.refused", reason="sso_state_mismatch").exists()


def test_callback_from_another_browser_is_refused() -> None:
    number, name = _person_number_and_name()
    url = _authorize(Client(), id_number=number, name=name)
    response = _callback(Client(), url)  # an attacker's browser, no attempt in its session
    assert b"sso_state_mismatch" in response.content


def test_replayed_callback_is_refused() -> None:
    number, name = _person_number_and_name()
    client = Client()
    url = _authorize(client, id_number=number, name=name)
    attempt_id = client.session["jiaoguan_sso_attempt"]
    assert _callback(client, url).status_code == 302
    client.logout()
    session = client.session
    session["jiaoguan_sso_attempt"] = attempt_id  # even with the attempt restored
    session.save()
    again = _callback(client, url)
    assert again.status_code == 422 and b"sso_attempt_used" in again.content
    assert "_auth_user_id" not in client.session


def test_expired_attempt_is_refused() -> None:
    from jiaoguan.kernel import clock

    number, name = _person_number_and_name()
    client = Client()
    url = _authorize(client, id_number=number, name=name)
    attempt_id = client.session["jiaoguan_sso_attempt"]
    with clock.frozen(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=11)):
        response = _callback(client, url)
    assert b"sso_attempt_expired" in response.content
    attempt = SignInAttempt.objects.get(public_id=attempt_id)
    assert attempt.status == AttemptStatus.REFUSED
    assert attempt.refusal_code == "sso_attempt_expired"
    assert list(attempt.history.values_list("to_status", flat=True)) == ["refused"]


def test_provider_error_is_refused_without_a_500() -> None:
    client = Client()
    client.get("/accounts/sso/start/")
    state = SignInAttempt.objects.get(public_id=client.session["jiaoguan_sso_attempt"]).state
    response = client.get(f"/accounts/sso/callback/?state={state}&error=access_denied")
    assert response.status_code == 422 and b"sso_denied" in response.content


def test_provider_down_is_a_503_page(settings: Any) -> None:
    settings.SSO_ISSUER = "http://127.0.0.1:9"
    response = Client().get("/accounts/sso/start/")
    assert response.status_code == 503


def test_sso_not_configured(settings: Any) -> None:
    settings.SSO_ISSUER = ""
    assert Client().get("/accounts/sso/start/").status_code == 422
    assert b"sso-start" not in Client().get("/accounts/login/").content


def test_login_page_offers_the_provincial_platform() -> None:
    page = Client().get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'data-testid="sso-start"' in page


# -- ID token verification ------------------------------------------------------------------


def _claims(oidc_provider: Any, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": oidc_provider.issuer,
        "sub": "abc",
        "aud": [CLIENT_ID],
        "azp": CLIENT_ID,
        "iat": now,
        "exp": now + 600,
        "nonce": "n-1",
        "acr": "L2",
        "name": "王伟",
        "id_number": new_id_number(),
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _sign(claims: dict[str, Any], key: RSAKey, **header: Any) -> str:
    return jwt.encode({"alg": "RS256", "kid": key.kid, **header}, claims, key)


def test_a_genuine_token_verifies(oidc_provider: Any) -> None:
    token = _sign(_claims(oidc_provider), oidc_provider.current_key)
    identity = OidcRelyingParty().verify_id_token(token, nonce="n-1")
    assert identity.acr == "L2" and identity.name == "王伟"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"exp": int(time.time()) - 120}, "id_token_expired"),
        ({"aud": ["another-portal"], "azp": None}, "id_token_audience"),
        ({"aud": [CLIENT_ID, "another"], "azp": "another"}, "id_token_audience"),
        ({"aud": [CLIENT_ID, "another"], "azp": None}, "id_token_audience"),
        ({"iss": "http://evil.example"}, "id_token_issuer"),
        ({"nonce": "n-2"}, "id_token_nonce"),
        ({"nonce": None}, "id_token_claims"),
        ({"iat": int(time.time()) + 3600}, "id_token_issued_at"),
        ({"exp": None}, "id_token_claims"),
        ({"id_number": None}, "id_token_claims"),
    ],
)
def test_bad_claims_are_refused(oidc_provider: Any, changes: dict[str, Any], code: str) -> None:
    token = _sign(_claims(oidc_provider, **changes), oidc_provider.current_key)
    with pytest.raises(DomainError) as refused:
        OidcRelyingParty().verify_id_token(token, nonce="n-1")
    assert refused.value.code == code


def test_at_hash_must_match_the_access_token(oidc_provider: Any) -> None:
    from jiaoguan.sso.client import _at_hash

    token = _sign(_claims(oidc_provider, at_hash=_at_hash("token-a")), oidc_provider.current_key)
    rp = OidcRelyingParty()
    assert rp.verify_id_token(token, nonce="n-1", access_token="token-a")
    with pytest.raises(DomainError) as refused:
        rp.verify_id_token(token, nonce="n-1", access_token="token-b")
    assert refused.value.code == "id_token_at_hash"


def test_a_forged_token_is_refused(oidc_provider: Any) -> None:
    forger = RSAKey.generate_key(2048, parameters={"kid": oidc_provider.current_key.kid})
    token = _sign(_claims(oidc_provider), forger)  # the provider's kid, another key
    with pytest.raises(DomainError) as refused:
        OidcRelyingParty().verify_id_token(token, nonce="n-1")
    assert refused.value.code == "id_token_signature"

    stranger = RSAKey.generate_key(2048, parameters={"kid": "forged-kid"})
    with pytest.raises(DomainError) as refused:
        OidcRelyingParty().verify_id_token(_sign(_claims(oidc_provider), stranger), nonce="n-1")
    assert refused.value.code == "id_token_unknown_key"


def test_other_algorithms_and_garbage_are_refused(oidc_provider: Any) -> None:
    from joserfc.jwk import OctKey

    secret = OctKey.import_key(CLIENT_SECRET.encode() * 2)
    hs = jwt.encode(
        {"alg": "HS256", "kid": oidc_provider.current_key.kid}, _claims(oidc_provider), secret
    )
    for raw, code in [(hs, "id_token_algorithm"), ("not-a-token", "id_token_malformed")]:
        with pytest.raises(DomainError) as refused:
            OidcRelyingParty().verify_id_token(raw, nonce="n-1")
        assert refused.value.code == code
    parts = _sign(_claims(oidc_provider), oidc_provider.current_key).split(".")
    none = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode()
    with pytest.raises(DomainError) as refused:
        OidcRelyingParty().verify_id_token(f"{none}.{parts[1]}.", nonce="n-1")
    assert refused.value.code == "id_token_algorithm"


def test_key_rotation_refetches_the_jwks_once(oidc_provider: Any) -> None:
    rp = OidcRelyingParty()
    before = oidc_provider.key_fetches
    rp.verify_id_token(_sign(_claims(oidc_provider), oidc_provider.current_key), nonce="n-1")
    rp.verify_id_token(_sign(_claims(oidc_provider), oidc_provider.current_key), nonce="n-1")
    assert oidc_provider.key_fetches == before + 1  # cached after the first
    old_key = oidc_provider.current_key
    rotate = requests.post(
        f"{oidc_provider.issuer}/_admin/rotate-keys",
        headers={"Authorization": "Bearer test-sandbox-key"},
        timeout=5,
    )
    assert rotate.status_code == 200 and rotate.json()["kid"] != old_key.kid
    rp.verify_id_token(_sign(_claims(oidc_provider), oidc_provider.current_key), nonce="n-1")
    assert oidc_provider.key_fetches == before + 2  # the new kid made one refetch
    rp.verify_id_token(_sign(_claims(oidc_provider), old_key), nonce="n-1")  # still published
    rp.verify_id_token(_sign(_claims(oidc_provider), oidc_provider.current_key), nonce="n-1")
    assert oidc_provider.key_fetches == before + 2
    # and the whole flow works with the rotated key
    number, name = _person_number_and_name()
    assert _sign_in(Client(), number, name).status_code == 302


def test_rotation_needs_the_admin_key(oidc_provider: Any) -> None:
    answer = requests.post(f"{oidc_provider.issuer}/_admin/rotate-keys", timeout=5)
    assert answer.status_code == 401


def test_unreachable_jwks_is_partner_unavailable(oidc_provider: Any, settings: Any) -> None:
    rp = OidcRelyingParty(issuer="http://127.0.0.1:9")
    with pytest.raises(PartnerUnavailable):
        rp.verify_id_token(_sign(_claims(oidc_provider), oidc_provider.current_key), nonce="n")


# -- back-channel logout (OpenID Connect Back-Channel Logout 1.0) --------------------------

LOGOUT_URL = "/accounts/sso/backchannel-logout/"


def _signed_in_session(oidc_provider: Any) -> tuple[Client, Any, Any]:
    """A citizen signed in through the platform: the browser, its platform session record
    and the sandbox's view of the citizen (with the platform session's ``sid``)."""
    from jiaoguan.sso.models import PlatformSession
    from sandbox.oidc import Citizen

    number, name = _person_number_and_name()
    browser = Client()
    assert _sign_in(browser, number, name).status_code == 302
    ps = PlatformSession.objects.get(user__person__id_number_index=_index(number))
    assert ps.sid and ps.session_key == browser.session.session_key and ps.ended_at is None
    citizen = Citizen(number, name, "L2", ("pwd", "realname"), int(time.time()), ps.sid)
    assert ps.subject == citizen.sub
    return browser, ps, citizen


def _index(number: str) -> str:
    from jiaoguan.registry.services import id_number_index

    return id_number_index(number)


def _logout_claims(oidc_provider: Any, citizen: Any, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": oidc_provider.issuer,
        "aud": CLIENT_ID,
        "iat": now,
        "exp": now + 120,
        "jti": secrets.token_urlsafe(12),
        "sub": citizen.sub,
        "sid": citizen.session,
        "events": {"http://schemas.openid.net/event/backchannel-logout": {}},
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def test_the_platforms_logout_ends_the_session_it_opened(oidc_provider: Any) -> None:
    from jiaoguan.sso.models import PlatformSession

    browser, ps, citizen = _signed_in_session(oidc_provider)
    other, other_ps, _ = _signed_in_session(oidc_provider)  # another citizen, signed in too
    assert browser.get("/portal/").status_code == 200
    token = oidc_provider.logout_token(CLIENT_ID, citizen)  # what the platform sends
    answer = Client().post(LOGOUT_URL, {"logout_token": token})
    assert answer.status_code == 200 and answer.json() == {"sessions_ended": 1}
    assert answer["Cache-Control"] == "no-store"
    assert browser.get("/portal/").status_code == 302  # signed out: back to the sign-in page
    assert other.get("/portal/").status_code == 200  # the other citizen is not
    ps.refresh_from_db()
    assert ps.ended_at is not None and ps.end_reason == "backchannel_logout"
    assert PlatformSession.objects.get(pk=other_ps.pk).ended_at is None
    assert AuditEvent.objects.filter(action="account.logout_sso").count() == 1
    # the same token again is a replay
    again = Client().post(LOGOUT_URL, {"logout_token": token})
    assert again.status_code == 400 and again.json()["error_description"] == (
        "logout_token_replayed"
    )


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"aud": "another-portal"}, "logout_token_audience"),
        ({"iss": "http://evil.example"}, "logout_token_issuer"),
        ({"events": None}, "logout_token_events"),
        ({"events": {"urn:other": {}}}, "logout_token_events"),
        ({"nonce": "n-1"}, "logout_token_nonce"),
        ({"sub": None, "sid": None}, "logout_token_subject"),
        ({"jti": None}, "logout_token_jti"),
        ({"iat": int(time.time()) - 3600, "exp": None}, "logout_token_issued_at"),
        ({"exp": int(time.time()) - 120}, "logout_token_expired"),
    ],
)
def test_a_bad_logout_token_ends_nothing(
    oidc_provider: Any, changes: dict[str, Any], code: str
) -> None:
    browser, ps, citizen = _signed_in_session(oidc_provider)
    token = _sign(
        _logout_claims(oidc_provider, citizen, **changes),
        oidc_provider.current_key,
        typ="logout+jwt",
    )
    answer = Client().post(LOGOUT_URL, {"logout_token": token})
    assert answer.status_code == 400 and answer.json()["error_description"] == code
    assert browser.get("/portal/").status_code == 200
    ps.refresh_from_db()
    assert ps.ended_at is None
    assert AuditEvent.objects.filter(action="sso.logout_refused", reason=code).exists()


def test_a_forged_or_mistyped_logout_token_ends_nothing(oidc_provider: Any) -> None:
    browser, _ps, citizen = _signed_in_session(oidc_provider)
    claims = _logout_claims(oidc_provider, citizen)
    forger = RSAKey.generate_key(2048, parameters={"kid": oidc_provider.current_key.kid})
    cases = [
        (_sign(claims, forger, typ="logout+jwt"), "logout_token_signature"),
        (_sign(claims, oidc_provider.current_key, typ="at+jwt"), "logout_token_type"),
        ("not-a-token", "logout_token_malformed"),
    ]
    for token, code in cases:
        answer = Client().post(LOGOUT_URL, {"logout_token": token})
        assert answer.status_code == 400 and answer.json()["error_description"] == code
    assert Client().get(LOGOUT_URL).status_code == 405
    assert browser.get("/portal/").status_code == 200


def test_a_token_naming_only_the_subject_ends_all_its_sessions(oidc_provider: Any) -> None:
    browser, _ps, citizen = _signed_in_session(oidc_provider)
    token = _sign(
        _logout_claims(oidc_provider, citizen, sid=None),
        oidc_provider.current_key,
        typ="logout+jwt",
    )
    answer = Client().post(LOGOUT_URL, {"logout_token": token})
    assert answer.status_code == 200 and answer.json() == {"sessions_ended": 1}
    assert browser.get("/portal/").status_code == 302


def test_signing_out_here_ends_the_platform_session_too(oidc_provider: Any) -> None:
    """RP-initiated logout: signing out at jiaoguan sends the browser by the platform's
    end-session endpoint, which ends the platform session and sends it back home."""
    from jiaoguan.sso.models import PlatformSession

    number, name = _person_number_and_name()
    browser, platform = Client(), requests.Session()  # the browser's two cookie jars
    start = browser.get("/accounts/sso/start/")["Location"]
    params = {k: v[0] for k, v in parse_qs(urlsplit(start).query).items()}
    answer = platform.post(
        start.split("?")[0],
        data={**params, "id_number": number, "name": name, "method": "realname"},
        allow_redirects=False,
        timeout=5,
    )
    assert _callback(browser, answer.headers["Location"]).status_code == 302
    assert platform.cookies.get("gov_sso")
    out = browser.post("/accounts/logout/")
    assert out.status_code == 302
    target = out["Location"]
    assert target.startswith(oidc_provider.issuer + "/end-session?")
    query = parse_qs(urlsplit(target).query)
    assert query["client_id"] == [CLIENT_ID]
    assert query["post_logout_redirect_uri"] == ["http://testserver/"]
    assert browser.get("/portal/").status_code == 302  # signed out here
    ps = PlatformSession.objects.get(user__person__id_number_index=_index(number))
    assert ps.end_reason == "signed_out_here"
    back = platform.get(target, allow_redirects=False, timeout=5)
    assert back.status_code == 302 and back.headers["Location"] == "http://testserver/"
    # the platform no longer signs this browser straight back in: it asks who they are
    again = platform.get(browser.get("/accounts/sso/start/")["Location"], timeout=5)
    assert again.status_code == 200 and "身份证号码" in again.text
    # an unregistered return address is not followed
    stray = requests.get(
        f"{oidc_provider.issuer}/end-session",
        params={"client_id": CLIENT_ID, "post_logout_redirect_uri": "https://evil.example/"},
        allow_redirects=False,
        timeout=5,
    )
    assert stray.status_code == 200 and "Signed out" in stray.text


def test_a_password_sign_out_does_not_pass_by_the_platform() -> None:
    citizen = make_citizen()
    browser = Client()
    browser.force_login(citizen)
    out = browser.post("/accounts/logout/")
    assert out.status_code == 302 and out["Location"] == "/"
