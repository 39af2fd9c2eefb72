"""The HTTP API: scoping, masking, problem+json, pagination, partner tokens, read logging."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from jiaoguan.accounts import services as accounts
from jiaoguan.audit.models import AuditEvent
from jiaoguan.audit.services import Actor
from tests.conftest import make_citizen, make_licence, make_person, make_staff, make_vehicle

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def bearer(scopes: list[str], region: str) -> tuple[Any, dict[str, str]]:
    client, token = accounts.api_client_create(
        actor=Actor.system(), name="insurer", scopes=scopes, region_scope=region
    )
    return client, {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    nj = make_person("320102")
    sz = make_person("320505")
    return {
        "nj_owner": nj,
        "sz_owner": sz,
        "nj_vehicle": make_vehicle(nj, plate="苏A2B345"),
        "sz_vehicle": make_vehicle(sz, plate="苏E6C789"),
        "nj_licence": make_licence(nj, points=3),
    }


def test_citizen_sees_own_vehicles_and_not_others(world: dict[str, Any]) -> None:
    citizen = make_citizen(world["nj_owner"])
    c = client_for(citizen)
    body = c.get("/api/v1/vehicles").json()
    assert [v["plate"]["number"] for v in body["items"]] == ["苏A2B345"]
    other = c.get(f"/api/v1/vehicles/{world['sz_vehicle'].public_id}")
    assert other.status_code == 404 and other["Content-Type"] == PROBLEM
    lic = c.get("/api/v1/licences").json()["items"]
    assert lic[0]["points"] == 3 and lic[0]["classes"] == ["C1"]


def test_clerk_of_city_a_cannot_see_city_b(world: dict[str, Any]) -> None:
    nanjing = client_for(make_staff("counter_clerk", "3201"))
    plates = [v["plate"]["number"] for v in nanjing.get("/api/v1/vehicles").json()["items"]]
    assert plates == ["苏A2B345"]
    assert nanjing.get(f"/api/v1/vehicles/{world['sz_vehicle'].public_id}").status_code == 404
    assert nanjing.get("/api/v1/vehicles", {"plate": "苏E6C789"}).json()["items"] == []
    province = client_for(make_staff("supervisor", "32"))
    assert len(province.get("/api/v1/vehicles").json()["items"]) == 2


def test_roles_without_registry_permission_see_nothing(world: dict[str, Any]) -> None:
    dealer = client_for(make_staff("outlet_dealer", "3201"))
    assert dealer.get("/api/v1/vehicles").json()["items"] == []
    resp = dealer.get("/api/v1/search", {"q": "苏A2B345"})
    assert resp.status_code == 403 and resp.json()["code"] == "not_permitted"


def test_identifiers_are_masked_unless_role_allows(world: dict[str, Any]) -> None:
    clerk = client_for(make_staff("counter_clerk", "3201"))
    reviewer = client_for(make_staff("reviewer", "3201"))
    pid = world["nj_owner"].public_id
    masked = clerk.get(f"/api/v1/persons/{pid}", {"purpose": "业务办理"}).json()
    full = reviewer.get(f"/api/v1/persons/{pid}", {"purpose": "审核"}).json()
    assert "*" in masked["id_number"] and masked["id_number"] != world["nj_owner"].id_number
    assert full["id_number"] == world["nj_owner"].id_number


def test_person_read_requires_purpose_and_is_audited(world: dict[str, Any]) -> None:
    clerk = client_for(make_staff("counter_clerk", "3201"))
    pid = world["nj_owner"].public_id
    resp = clerk.get(f"/api/v1/persons/{pid}")
    assert resp.status_code == 422 and resp.json()["invalid_params"][0]["name"] == "purpose"
    clerk.get(f"/api/v1/persons/{pid}", {"purpose": "窗口业务"})
    reads = AuditEvent.objects.filter(action="person.read", subject_person_ref=str(pid))
    assert reads.count() == 1 and reads.get().reason == "窗口业务"


def test_search_by_plate_vin_and_id_is_audited(world: dict[str, Any]) -> None:
    clerk = client_for(make_staff("counter_clerk", "3201"))
    owner = world["nj_owner"]
    by_plate = clerk.get("/api/v1/search", {"q": "苏a2b345", "purpose": "核查"}).json()
    assert by_plate["kind"] == "plate" and by_plate["vehicles"][0]["vin"] == world["nj_vehicle"].vin
    by_vin = clerk.get("/api/v1/search", {"q": world["nj_vehicle"].vin}).json()
    assert by_vin["kind"] == "vin" and len(by_vin["vehicles"]) == 1
    by_id = clerk.get("/api/v1/search", {"q": owner.id_number}).json()
    assert by_id["kind"] == "id_number" and len(by_id["persons"]) == 1
    assert by_id["persons"][0]["id_number"] == owner.id_number_masked
    assert AuditEvent.objects.filter(action="registry.search").count() == 3
    assert (
        AuditEvent.objects.filter(
            action="person.read", subject_person_ref=str(owner.public_id)
        ).count()
        == 3
    )


def test_search_outside_scope_finds_nothing(world: dict[str, Any]) -> None:
    clerk = client_for(make_staff("counter_clerk", "3201"))
    body = clerk.get("/api/v1/search", {"q": "苏E6C789"}).json()
    assert body["vehicles"] == []


@pytest.mark.parametrize(
    ("path", "params", "status", "code"),
    [
        ("/api/v1/search", {"q": "苏A12I45"}, 422, "forbidden_letter_io"),
        ("/api/v1/search", {"q": "LSJA24U62JG269226"}, 422, "bad_check_digit"),
        ("/api/v1/search", {"q": "11010519491231002Y"}, 422, "bad_character"),
        ("/api/v1/search", {"q": "hello"}, 422, "query_unrecognised"),
        ("/api/v1/search", {"q": ""}, 422, "query_required"),
        ("/api/v1/search", {"q": "x" * 500}, 422, "query_too_long"),
        ("/api/v1/search", {}, 422, "validation_error"),
        ("/api/v1/vehicles", {"limit": "0"}, 422, "invalid_limit"),
        ("/api/v1/vehicles", {"limit": "1000"}, 422, "invalid_limit"),
        ("/api/v1/vehicles", {"limit": "abc"}, 422, "validation_error"),
        ("/api/v1/vehicles", {"cursor": "forged"}, 422, "invalid_cursor"),
        ("/api/v1/vehicles/not-a-uuid", {}, 404, "not_found"),
        ("/api/v1/vehicles/6f1c1f3e-0000-4000-8000-000000000000", {}, 404, "not_found"),
        ("/api/v1/nowhere", {}, 404, "not_found"),
    ],
)
def test_bad_input_is_problem_json_never_500(
    world: dict[str, Any], path: str, params: dict[str, str], status: int, code: str
) -> None:
    clerk = client_for(make_staff("counter_clerk", "3201"))
    resp = clerk.get(path, params)
    assert resp.status_code == status, resp.content
    assert resp["Content-Type"] == PROBLEM
    body = resp.json()
    assert body["code"] == code and body["status"] == status and body["title"]


def test_validation_problem_lists_invalid_params(world: dict[str, Any]) -> None:
    citizen = make_citizen(world["nj_owner"])
    c = client_for(citizen)
    resp = c.post("/api/v1/me/contact", {"phone": "123"}, content_type="application/json")
    assert resp.status_code == 422
    assert resp.json()["invalid_params"] == [
        {"code": "invalid_phone", "message": resp.json()["detail"], "name": "phone"}
    ]
    resp = c.post("/api/v1/me/contact", "{not json", content_type="application/json")
    assert resp.status_code in (400, 422) and resp["Content-Type"] == PROBLEM


def test_citizen_changes_contact(world: dict[str, Any]) -> None:
    c = client_for(make_citizen(world["nj_owner"]))
    resp = c.post("/api/v1/me/contact", {"phone": "13700001234"}, content_type="application/json")
    assert resp.status_code == 200 and resp.json()["phone"] == "13700001234"


def test_unauthenticated_is_401_problem(world: dict[str, Any]) -> None:
    resp = Client().get("/api/v1/vehicles")
    assert resp.status_code == 401 and resp["Content-Type"] == PROBLEM


def test_keyset_pagination_walks_all_rows(world: dict[str, Any]) -> None:
    owner = world["nj_owner"]
    for _ in range(4):
        make_vehicle(owner)
    c = client_for(make_staff("counter_clerk", "3201"))
    seen, cursor = [], None
    while True:
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        body = c.get("/api/v1/vehicles", params).json()
        seen += [v["id"] for v in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 5


def test_partner_token_is_limited_to_scope_and_region(world: dict[str, Any]) -> None:
    c = Client()
    client, headers = bearer(["registry:read"], "3205")
    items = c.get("/api/v1/vehicles", **headers).json()["items"]  # type: ignore[arg-type]
    assert [v["plate"]["number"] for v in items] == ["苏E6C789"]
    assert c.get(f"/api/v1/vehicles/{world['nj_vehicle'].public_id}", **headers).status_code == 404  # type: ignore[arg-type]
    # registry:read does not include persons
    resp = c.get(f"/api/v1/persons/{world['sz_owner'].public_id}", {"purpose": "理赔"}, **headers)  # type: ignore[arg-type]
    assert resp.status_code == 404
    me = c.get("/api/v1/me", **headers).json()  # type: ignore[arg-type]
    assert me["kind"] == "partner" and me["scopes"] == ["registry:read"]
    accounts.api_client_revoke(actor=Actor.system(), client=client, reason="contract ended")
    assert c.get("/api/v1/vehicles", **headers).status_code == 401  # type: ignore[arg-type]
    assert c.get("/api/v1/vehicles", HTTP_AUTHORIZATION="Bearer jg_forged").status_code == 401


def test_partner_cannot_use_session_only_commands(world: dict[str, Any]) -> None:
    _client, headers = bearer(["registry:read"], "32")
    resp = Client().post(
        f"/api/v1/vehicles/{world['nj_vehicle'].public_id}/commands",
        {"command": "seize", "reason": "x"},
        content_type="application/json",
        **headers,
    )  # type: ignore[arg-type]
    assert resp.status_code == 401


def test_officer_runs_status_command_clerk_cannot(world: dict[str, Any]) -> None:
    vid = world["nj_vehicle"].public_id
    officer = client_for(make_staff("police_officer", "3201"))
    clerk = client_for(make_staff("counter_clerk", "3201"))
    body = {"command": "seize", "reason": "法院协助执行"}
    assert (
        clerk.post(
            f"/api/v1/vehicles/{vid}/commands", body, content_type="application/json"
        ).status_code
        == 403
    )
    resp = officer.post(f"/api/v1/vehicles/{vid}/commands", body, content_type="application/json")
    assert resp.status_code == 200 and resp.json()["status"] == "seized"
    again = officer.post(f"/api/v1/vehicles/{vid}/commands", body, content_type="application/json")
    assert again.status_code == 409 and again.json()["citations"] == ["R164 Art. 42"]


def test_identifier_decode_api() -> None:
    c = Client()
    ok = c.get("/api/v1/identifiers/id-number/11010519491231002X").json()
    assert ok["valid"] and ok["normalized"] == "11010519491231002X"
    assert ok["fields"]["birth_date"] == "1949-12-31"
    bad = c.get("/api/v1/identifiers/id-number/110105194912310021")
    assert bad.status_code == 200 and bad.json()["valid"] is False
    assert bad.json()["problems"][0]["code"] == "bad_check_character"
    assert bad.json()["problems"][0]["citation"]
    assert c.get("/api/v1/identifiers/vin/LSJA24U62JG269225").json()["valid"]
    assert c.get("/api/v1/identifiers/uscc/91350100M000100Y43").json()["valid"]
    plate = c.get("/api/v1/identifiers/plate/贵A12345").json()
    assert plate["valid"] and plate["fields"]["province_code"] == "52"
    assert c.get("/api/v1/identifiers/plate/黔A12345").json()["valid"] is False
    unknown = c.get("/api/v1/identifiers/passport/E12345678")
    assert unknown.status_code == 422 and unknown["Content-Type"] == PROBLEM


def test_errors_come_in_the_callers_language(world: dict[str, Any]) -> None:
    clerk = client_for(make_staff("counter_clerk", "3201"))
    zh = clerk.get("/api/v1/search", {"q": "苏A12I45"}).json()
    en = clerk.get("/api/v1/search", {"q": "苏A12I45"}, HTTP_ACCEPT_LANGUAGE="en").json()
    assert zh["code"] == en["code"] == "forbidden_letter_io"
    assert zh["detail"] == "第5位是字母“I”：号牌序号从不使用字母I和O。"
    assert en["detail"] == "Character 5 is the letter I: plate serials never use I or O."
    assert en["invalid_params"][0]["name"] == "q" and en["invalid_params"][0]["citation"]
    zh2 = clerk.get("/api/v1/vehicles", {"limit": "0"}).json()["detail"]
    en2 = clerk.get("/api/v1/vehicles", {"limit": "0"}, HTTP_ACCEPT_LANGUAGE="en").json()["detail"]
    assert zh2 == "每页条数应为1至100" and en2 == "A page holds 1 to 100 rows"


def test_who_looked_at_my_data(world: dict[str, Any]) -> None:
    """Every staff read of a person is in that person's access log, with actor and purpose."""
    from jiaoguan.audit.selectors import accesses_to_person

    clerk = make_staff("counter_clerk", "3201")
    client_for(clerk).get(f"/api/v1/persons/{world['nj_owner'].public_id}", {"purpose": "窗口业务"})
    reads = [
        e for e in accesses_to_person(str(world["nj_owner"].public_id)) if e.action == "person.read"
    ]
    assert [(e.actor_label, e.reason) for e in reads] == [(clerk.username, "窗口业务")]
    assert not [
        e for e in accesses_to_person(str(world["sz_owner"].public_id)) if e.action == "person.read"
    ]


@pytest.mark.django_db
def test_a_partner_over_its_rate_gets_429_with_retry_after() -> None:
    from django.core.cache import cache

    cache.clear()
    _client, token = accounts.api_client_create(
        actor=Actor.system("tests"),
        name="限流测试",
        scopes=["registry:read"],
        region_scope="32",
        rate_per_minute=3,
    )
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    codes = [api.get("/api/v1/vehicles").status_code for _ in range(4)]
    if codes[3] == 200:  # the minute turned between the calls: try once more in this minute
        codes = [api.get("/api/v1/vehicles").status_code for _ in range(4)]
    assert codes[:3].count(200) >= 2 and codes[3] == 429
    over = api.get("/api/v1/vehicles")
    assert over.status_code == 429 and over["Content-Type"].startswith("application/problem+json")
    assert 1 <= int(over["Retry-After"]) <= 60 and over.json()["code"] == "rate_limited"
    _other, token2 = accounts.api_client_create(
        actor=Actor.system("tests"), name="另一合作方", scopes=["registry:read"], region_scope="32"
    )
    assert Client(HTTP_AUTHORIZATION=f"Bearer {token2}").get("/api/v1/vehicles").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_partner_reads_are_audited_outside_a_test_transaction() -> None:
    """As in production: no transaction around the request (the audit needs one of its own)."""
    person = make_person()
    vehicle = make_vehicle(person)
    _client, token = accounts.api_client_create(
        actor=Actor.system("tests"), name="保险公司", scopes=["registry:read"], region_scope="32"
    )
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    resp = api.get("/api/v1/vehicles", {"plate": vehicle.plate.number})
    assert resp.status_code == 200, resp.content
    assert api.get(f"/api/v1/vehicles/{vehicle.public_id}").status_code == 200
    assert AuditEvent.objects.filter(action="vehicle.read").count() == 2
