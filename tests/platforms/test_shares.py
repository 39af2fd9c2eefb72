"""Share a licence check (issue 4, item 6): only the chosen facts, live; revocable; expiring
after 21 days; unguessable and throttled; a signed offline token with only the chosen facts."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from typing import Any

import jwt
import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client

from jiaoguan.audit.services import Actor
from jiaoguan.kernel import clock
from jiaoguan.kernel.errors import DomainError, NotFound
from jiaoguan.platforms import rules, services
from jiaoguan.platforms.models import ConsentRecord, LicenceShare
from jiaoguan.registry.models import DrivingLicence
from tests.conftest import make_citizen, make_licence, make_person

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def holder() -> Any:
    person = make_person()
    make_licence(person, points=3, classes=["C1", "D"])
    return make_citizen(person)


def create(user: Any, facts: list[str]) -> dict[str, Any]:
    resp = client_for(user).post(
        "/api/v1/me/shares", {"facts": facts}, content_type="application/json"
    )
    assert resp.status_code == 201, resp.content
    return resp.json()


def raw_code(display: str) -> str:
    return display.replace("-", "")


def test_share_shows_only_the_chosen_facts_live(holder: Any) -> None:
    created = create(holder, ["points", "classes"])
    assert re.fullmatch(r"[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}", created["code"])
    assert created["facts"] == ["classes", "points"] and created["status"] == "active"
    assert created["url"].endswith(f"/share/{created['code']}/")
    desk = Client()
    body = desk.get(f"/api/v1/shares/{created['code']}").json()
    assert body["facts"] == {"classes": "C1 D", "points": 3}
    # live: a change in the record shows at the next check
    DrivingLicence.objects.filter(person=holder.person).update(points=6)
    assert desk.get(f"/api/v1/shares/{raw_code(created['code']).lower()}").json()["facts"] == {
        "classes": "C1 D",
        "points": 6,
    }
    page = desk.get(f"/share/{created['code']}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="fact-classes">C1 D<' in html
    assert 'data-testid="fact-points">6 / 12<' in html
    assert holder.person.name not in html
    assert "fact-valid" not in html
    assert page["Cache-Control"] == "no-store" and page["Referrer-Policy"] == "no-referrer"


def test_validity_fact_follows_status_and_date(holder: Any) -> None:
    created = create(holder, ["valid", "valid_until", "name"])
    url = f"/api/v1/shares/{created['code']}"
    facts = Client().get(url).json()["facts"]
    assert facts == {"name": holder.person.name, "valid": True, "valid_until": "2031-05-01"}
    DrivingLicence.objects.filter(person=holder.person).update(status="suspended")
    assert Client().get(url).json()["facts"]["valid"] is False


def test_code_is_stored_only_as_a_keyed_hash(holder: Any) -> None:
    created = create(holder, ["classes"])
    share = LicenceShare.objects.get(public_id=created["id"])
    code = raw_code(created["code"])
    assert share.code_index == services.code_index(code) and code not in share.code_index
    with connection.cursor() as cur:
        cur.execute("SELECT * FROM platforms_licenceshare")
        assert code not in repr(cur.fetchall())


def test_expired_share_is_410_after_21_days(holder: Any) -> None:
    created = create(holder, ["classes"])
    share = LicenceShare.objects.get(public_id=created["id"])
    assert share.expires_at - share.created_at == dt.timedelta(days=21)
    with clock.frozen(share.expires_at - dt.timedelta(seconds=1)):
        assert Client().get(f"/api/v1/shares/{created['code']}").status_code == 200
    with clock.frozen(share.expires_at):
        resp = Client().get(f"/api/v1/shares/{created['code']}")
        assert resp.status_code == 410
        assert resp["Content-Type"] == "application/problem+json"
        assert resp.json()["code"] == "share_expired"
        page = Client().get(f"/share/{created['code']}/")
        assert page.status_code == 410 and 'data-gone="share_expired"' in page.content.decode()


def test_revoked_share_is_410_and_its_consent_withdrawn(holder: Any) -> None:
    created = create(holder, ["classes"])
    owner = client_for(holder)
    resp = owner.post(f"/api/v1/me/shares/{created['id']}/revoke")
    assert resp.status_code == 200 and resp.json()["status"] == "revoked"
    gone = Client().get(f"/api/v1/shares/{created['code']}")
    assert gone.status_code == 410 and gone.json()["code"] == "share_revoked"
    page = Client().get(f"/share/{created['code']}/")
    assert page.status_code == 410 and 'data-gone="share_revoked"' in page.content.decode()
    revisions = list(
        ConsentRecord.objects.filter(consent_ref=created["consent_id"]).order_by("revision")
    )
    assert [(r.revision, r.state) for r in revisions] == [(1, "given"), (2, "withdrawn")]
    again = owner.post(f"/api/v1/me/shares/{created['id']}/revoke")
    assert again.status_code == 409 and again.json()["code"] == "share_revoked"


def test_another_citizen_cannot_revoke(holder: Any) -> None:
    created = create(holder, ["classes"])
    other_person = make_person()
    make_licence(other_person)
    other = make_citizen(other_person)
    resp = client_for(other).post(f"/api/v1/me/shares/{created['id']}/revoke")
    assert resp.status_code == 404
    with pytest.raises(NotFound):
        services.share_revoke(actor=Actor.of(other), person=other_person, share_id=created["id"])
    page = client_for(other).post(f"/portal/shares/{created['id']}/revoke/")
    assert page.status_code == 404
    assert client_for(other).get(f"/portal/shares/{created['id']}/").status_code == 404
    assert Client().get(f"/api/v1/shares/{created['code']}").status_code == 200
    unauthenticated = Client().post(f"/api/v1/me/shares/{created['id']}/revoke")
    assert unauthenticated.status_code == 401


def test_brute_force_gets_429(holder: Any) -> None:
    created = create(holder, ["classes"])
    desk = Client(REMOTE_ADDR="203.0.113.9")
    for i in range(rules.LOOKUP_MAX_FAILURES):
        guess = f"{'23456789ABCD'[i % 12]}" * rules.CODE_LENGTH
        assert desk.get(f"/api/v1/shares/{guess}").status_code == 404
    blocked = desk.get(f"/api/v1/shares/{created['code']}")
    assert blocked.status_code == 429
    assert blocked.json()["code"] == "too_many_attempts"
    assert int(blocked["Retry-After"]) == rules.LOOKUP_WINDOW.total_seconds()
    assert desk.get(f"/share/{created['code']}/").status_code == 429
    # another address is not blocked; after the window the first one may try again
    other_desk = Client(REMOTE_ADDR="198.51.100.7")
    assert other_desk.get(f"/api/v1/shares/{created['code']}").status_code == 200
    cache.clear()
    assert desk.get(f"/api/v1/shares/{created['code']}").status_code == 200


def test_malformed_codes_count_as_failures() -> None:
    desk = Client(REMOTE_ADDR="203.0.113.10")
    for text in ["x", "0000-0000-0000", "ÄÖÜ", "A" * 40]:
        resp = desk.get(f"/api/v1/shares/{text}")
        assert resp.status_code == 404 and resp.json()["code"] == "share_not_found"


def _jwks(client: Client) -> dict[str, Any]:
    resp = client.get("/.well-known/jwks.json")
    assert resp.status_code == 200
    return resp.json()


def test_offline_token_verifies_and_discloses_only_chosen_facts(holder: Any) -> None:
    created = create(holder, ["classes", "valid"])
    token = created["token"]
    jwks = _jwks(Client())
    header = jwt.get_unverified_header(token)
    key = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    claims = jwt.decode(
        token, jwt.PyJWK(key), algorithms=["ES256"], issuer="jiaoguan", options={"require": ["exp"]}
    )
    assert claims["fields"] == {"classes": "C1 D", "valid": True}
    assert set(claims) == {"iss", "sub", "kind", "iat", "exp", "fields"}
    assert claims["sub"] == created["id"] and claims["kind"] == "licence_check"
    assert claims["exp"] - claims["iat"] == 21 * 86400
    payload = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "==="))
    text = json.dumps(payload, ensure_ascii=False)
    person = holder.person
    for secret in (person.name, person.id_number, person.id_number[-4:], "points", "2031-05-01"):
        assert secret not in text
    # tampering breaks it
    head, _body, sig = token.split(".")
    forged_body = (
        base64.urlsafe_b64encode(json.dumps({**payload, "fields": {"classes": "A1"}}).encode())
        .rstrip(b"=")
        .decode()
    )
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(f"{head}.{forged_body}.{sig}", jwt.PyJWK(key), algorithms=["ES256"])
    # the citizen's page shows it as a QR code
    page = client_for(holder).get(f"/portal/shares/{created['id']}/")
    assert page.status_code == 200 and "<svg" in page.content.decode()


def test_bad_input_is_a_problem_beside_the_field(holder: Any) -> None:
    api = client_for(holder)
    for facts in ([], ["classes", "id_number"], "classes"):
        resp = api.post("/api/v1/me/shares", {"facts": facts}, content_type="application/json")
        assert resp.status_code == 422, facts
        assert resp["Content-Type"] == "application/problem+json"
        assert resp.json()["invalid_params"][0]["name"] == "facts"
    page = api.post("/portal/shares/", {})
    assert page.status_code == 422
    assert 'id="facts-error"' in page.content.decode()
    nobody = make_citizen(make_person())
    with pytest.raises(DomainError) as exc:
        services.share_create(actor=Actor.of(nobody), person=nobody.person, facts=["classes"])
    assert exc.value.code == "no_licence" and exc.value.field == "facts"
    assert LicenceShare.objects.count() == 0


def test_citizen_creates_and_revokes_on_pages(holder: Any) -> None:
    web = client_for(holder)
    assert web.get("/portal/").content.decode().count("/portal/shares/") >= 1
    resp = web.post("/portal/shares/", {"facts": ["classes", "points"]})
    assert resp.status_code == 201
    html = resp.content.decode()
    code = re.search(r'data-testid="share-code"[^>]*>([2-9A-Z-]+)<', html).group(1)  # type: ignore[union-attr]
    assert "<svg" in html and f"/share/{code}/" in html
    share = LicenceShare.objects.get(person=holder.person)
    listing = web.get("/portal/shares/").content.decode()
    assert code not in listing  # shown once only
    web.post(f"/portal/shares/{share.public_id}/revoke/")
    assert Client().get(f"/share/{code}/").status_code == 410
    assert web.get("/portal/shares/").status_code == 200


def test_desk_types_the_code(holder: Any) -> None:
    created = create(holder, ["classes"])
    resp = Client().get("/share/", {"code": raw_code(created["code"]).lower()})
    assert resp.status_code == 302 and resp["Location"] == f"/share/{created['code']}/"
    bad = Client().get("/share/", {"code": "abc"})
    assert bad.status_code == 200 and 'id="id_code-error"' in bad.content.decode()


def test_pages_in_chinese_first_and_english(holder: Any) -> None:
    created = create(holder, ["classes", "valid"])
    zh = Client().get(f"/share/{created['code']}/").content.decode()
    assert "准驾车型" in zh and "驾驶证有效且未被暂扣" in zh and ">是<" in zh
    en = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/share/{created['code']}/").content.decode()
    assert "Licence classes" in en and "Licence valid and not suspended" in en and ">Yes<" in en
    web = client_for(holder)
    for path in ("/portal/shares/", "/portal/authorisations/", "/portal/access/"):
        assert web.get(path).status_code == 200
        assert web.get(path, HTTP_ACCEPT_LANGUAGE="en").status_code == 200
    assert "我的授权" in web.get("/portal/authorisations/").content.decode()


def test_creation_views_and_revocation_are_audited(holder: Any) -> None:
    from jiaoguan.audit.models import AuditEvent
    from jiaoguan.audit.selectors import audit_verify

    created = create(holder, ["classes"])
    Client().get(f"/api/v1/shares/{created['code']}")
    client_for(holder).post(f"/api/v1/me/shares/{created['id']}/revoke")
    rows = AuditEvent.objects.filter(subject_person_ref=str(holder.person.public_id))
    actions = list(rows.order_by("id").values_list("action", flat=True))
    tail = actions[actions.index("platforms.consent_give") :]
    assert tail == [
        "platforms.consent_give",
        "platforms.share_create",
        "platforms.share_view",
        "platforms.consent_withdraw",
        "platforms.share_revoke",
    ]
    by_action = {e.action: e for e in rows}
    assert by_action["platforms.share_create"].actor_ref == str(holder.public_id)
    assert by_action["platforms.share_view"].actor_role == "share_code_viewer"
    assert raw_code(created["code"]) not in str(list(rows.values()))
    assert audit_verify().ok
