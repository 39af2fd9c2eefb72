"""Security of the resource endpoints: a token reaches only its scopes and its one citizen."""

from __future__ import annotations

import pytest
from django.test import Client

from jiaoguan.audit.models import AuditEvent
from tests.conftest import make_citizen, make_licence, make_person, make_vehicle
from tests.oauth.conftest import RegisteredApp, bearer, tokens_for

pytestmark = pytest.mark.django_db


def _citizen(points: int):  # type: ignore[no-untyped-def]
    person = make_person()
    make_licence(person, points=points)
    make_vehicle(person)
    user = make_citizen(person)
    browser = Client()
    browser.force_login(user)
    return user, browser


@pytest.mark.parametrize(
    ("granted", "path"),
    [
        ("points:read", "licence"),
        ("points:read", "vehicles"),
        ("points:read", "violations"),
        ("licence:read", "points"),
        ("vehicles:read", "licence"),
    ],
)
def test_a_token_for_one_scope_cannot_reach_another_scopes_endpoint(
    provincial_app: RegisteredApp, granted: str, path: str
) -> None:
    _user, browser = _citizen(2)
    tokens = tokens_for(browser, provincial_app, granted)
    answer = Client().get(f"/api/v1/app/me/{path}", **bearer(tokens["access_token"]))
    assert answer.status_code == 403
    assert answer.json()["code"] == "insufficient_scope"
    assert not AuditEvent.objects.filter(action__startswith="app.").exists()


def test_submit_needs_the_submit_scope(provincial_app: RegisteredApp) -> None:
    _user, browser = _citizen(0)
    tokens = tokens_for(browser, provincial_app, "points:read")
    answer = Client().post(
        "/api/v1/app/me/applications",
        {"business_type": "contact_change"},
        content_type="application/json",
        **bearer(tokens["access_token"]),
    )
    assert answer.status_code == 403


def test_a_token_for_one_citizen_reads_only_that_citizens_data(
    provincial_app: RegisteredApp,
) -> None:
    alice, alice_browser = _citizen(3)
    bob, bob_browser = _citizen(9)
    alice_tokens = tokens_for(alice_browser, provincial_app, "points:read vehicles:read")
    bob_tokens = tokens_for(bob_browser, provincial_app, "points:read vehicles:read")
    a = Client().get("/api/v1/app/me/points", **bearer(alice_tokens["access_token"])).json()
    b = Client().get("/api/v1/app/me/points", **bearer(bob_tokens["access_token"])).json()
    assert (a["points"], b["points"]) == (3, 9)
    a_vehicles = Client().get("/api/v1/app/me/vehicles", **bearer(alice_tokens["access_token"]))
    ids = {v["id"] for v in a_vehicles.json()}
    assert ids == {str(v.public_id) for v in alice.person.vehicles.all()}
    assert not ids & {str(v.public_id) for v in bob.person.vehicles.all()}
    # each read is in the reader's own citizen's trail only
    subjects = set(
        AuditEvent.objects.filter(action__startswith="app.").values_list(
            "subject_person_ref", flat=True
        )
    )
    assert subjects == {str(alice.person.public_id), str(bob.person.public_id)}
    # withdrawing Alice's authorisation leaves Bob's working
    auth = alice.app_authorisations.get()
    alice_browser.post(f"/portal/authorisations/{auth.consent_ref}/withdraw/")
    assert (
        Client().get("/api/v1/app/me/points", **bearer(alice_tokens["access_token"])).status_code
        == 401
    )
    assert (
        Client().get("/api/v1/app/me/points", **bearer(bob_tokens["access_token"])).status_code
        == 200
    )


def test_a_partner_token_is_not_an_app_token(provincial_app: RegisteredApp) -> None:
    from jiaoguan.accounts import services as accounts
    from jiaoguan.audit.services import Actor

    _client, token = accounts.api_client_create(
        actor=Actor.system("tests"), name="保险", scopes=["registry:read"], region_scope="3201"
    )
    assert Client().get("/api/v1/app/me/points", **bearer(token)).status_code == 401


def test_bad_authorization_and_token_requests_never_yield_a_500(
    provincial_app: RegisteredApp,
) -> None:
    _user, browser = _citizen(0)
    for query in (
        "",
        "response_type=code&client_id=unknown&scope=points:read",
        f"response_type=code&client_id={provincial_app.client_id}&redirect_uri=https://evil.example/cb",
        f"response_type=token&client_id={provincial_app.client_id}",
        f"response_type=code&client_id={provincial_app.client_id}&scope=%00",
    ):
        answer = browser.get(f"/oauth/authorize/?{query}")
        assert answer.status_code < 500, query
        if answer.status_code == 302:
            assert not answer["Location"].startswith("https://evil.example")
    assert browser.post("/oauth/authorize/", {"client_id": "x", "allow": "1"}).status_code < 500
    for form in (
        {},
        {"grant_type": "authorization_code", "code": "nope", "client_id": provincial_app.client_id},
        {"grant_type": "password", "username": "a", "password": "b"},
        {
            "grant_type": "client_credentials",
            "client_id": provincial_app.client_id,
            "client_secret": provincial_app.secret,
        },
        {"grant_type": "refresh_token", "refresh_token": "x" * 5000},
    ):
        assert Client().post("/oauth/token/", form).status_code in (400, 401), form
    assert Client().post("/oauth/revoke_token/", {"token": "x"}).status_code < 500
    assert (
        Client().get("/api/v1/app/me/points", HTTP_AUTHORIZATION="Bearer " + "a" * 300).status_code
        == 401
    )


def test_an_app_over_its_rate_gets_429(db: None) -> None:
    from jiaoguan.oauth.models import AppRegistration
    from tests.oauth.conftest import register_app

    app = register_app(["points:read"], name="限流应用")
    AppRegistration.objects.filter(application=app.application).update(rate_per_minute=2)
    _user, browser = _citizen(1)
    tokens = tokens_for(browser, app, "points:read")
    codes = [
        Client().get("/api/v1/app/me/points", **bearer(tokens["access_token"])).status_code
        for _ in range(3)
    ]
    if codes[2] == 200:  # the minute turned between the calls: once more in this minute
        codes = [
            Client().get("/api/v1/app/me/points", **bearer(tokens["access_token"])).status_code
            for _ in range(3)
        ]
    assert codes[2] == 429
    over = Client().get("/api/v1/app/me/points", **bearer(tokens["access_token"]))
    assert over.status_code == 429 and 1 <= int(over["Retry-After"]) <= 60
