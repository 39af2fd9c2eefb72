"""Who looked at my data (issue 4, item 5): every read of the citizen's record by others, with
who (masked), when, purpose and legal basis, newest first; strictly the citizen's own."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from jiaoguan.accounts import services as accounts
from jiaoguan.audit.services import Actor
from jiaoguan.platforms import services
from tests.conftest import make_citizen, make_licence, make_person, make_staff

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def people() -> tuple[Any, Any]:
    a, b = make_person("320102"), make_person("320104")
    make_licence(a, classes=["C1"])
    return make_citizen(a), make_citizen(b)


def test_staff_read_shows_in_my_log_and_not_in_anothers(people: tuple[Any, Any]) -> None:
    mine, other = people
    clerk = make_staff("counter_clerk", "3201", first_name="王小明")
    resp = client_for(clerk).get(
        f"/api/v1/persons/{mine.person.public_id}", {"purpose": "办理换证核对身份"}
    )
    assert resp.status_code == 200
    log = client_for(mine).get("/api/v1/me/access-log").json()
    assert len(log["items"]) == 1 and log["next_cursor"] is None
    entry = log["items"][0]
    assert entry["reader_kind"] == "staff"
    assert entry["reader_name"] == "王**"
    assert entry["reader_role"] == "窗口民警/辅警"
    assert entry["region"] == "南京市"
    assert entry["purpose"] == "办理换证核对身份"
    assert "PIPL Art. 13(1)(3)" in entry["citation"]
    assert entry["legal_basis"] and entry["what"]
    assert "王小明" not in str(log) and clerk.username not in str(log)
    assert client_for(other).get("/api/v1/me/access-log").json()["items"] == []
    page = client_for(mine).get("/portal/access/").content.decode()
    assert "办理换证核对身份" in page and "王**" in page
    assert "办理换证核对身份" not in client_for(other).get("/portal/access/").content.decode()


def test_share_views_and_partner_reads_are_listed_newest_first(people: tuple[Any, Any]) -> None:
    mine, _ = people
    created = services.share_create(actor=Actor.of(mine), person=mine.person, facts=["classes"])
    Client().get(f"/api/v1/shares/{created.code}")
    _client, token = accounts.api_client_create(
        actor=Actor.system("tests"),
        name="某财产保险公司",
        scopes=["persons:read"],
        region_scope="32",
    )
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert (
        api.get(
            f"/api/v1/persons/{mine.person.public_id}", {"purpose": "交强险承保核验"}
        ).status_code
        == 200
    )
    items = client_for(mine).get("/api/v1/me/access-log").json()["items"]
    assert [i["reader_kind"] for i in items] == ["partner", "share_code"]
    partner, share = items
    assert partner["reader_name"] == "某财产保险公司" and partner["purpose"] == "交强险承保核验"
    assert share["action"] == "platforms.share_view"
    assert share["citation"].startswith("PIPL Art. 13(1)(1)")
    # my own actions (creating the share) are not reads by others
    assert all(i["action"] != "platforms.share_create" for i in items)


def test_paginated_with_a_signed_cursor(people: tuple[Any, Any]) -> None:
    mine, _ = people
    clerk = make_staff("counter_clerk", "3201")
    staff = client_for(clerk)
    for n in range(5):
        staff.get(f"/api/v1/persons/{mine.person.public_id}", {"purpose": f"核对{n}"})
    api = client_for(mine)
    first = api.get("/api/v1/me/access-log", {"limit": 2}).json()
    assert [i["purpose"] for i in first["items"]] == ["核对4", "核对3"]
    second = api.get("/api/v1/me/access-log", {"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [i["purpose"] for i in second["items"]] == ["核对2", "核对1"]
    third = api.get("/api/v1/me/access-log", {"limit": 2, "cursor": second["next_cursor"]}).json()
    assert [i["purpose"] for i in third["items"]] == ["核对0"] and third["next_cursor"] is None
    bad = api.get("/api/v1/me/access-log", {"cursor": "forged"})
    assert bad.status_code == 422 and bad.json()["invalid_params"][0]["name"] == "cursor"
    assert api.get("/api/v1/me/access-log", {"limit": 0}).status_code == 422
    page = api.get("/portal/access/").content.decode()
    assert 'data-testid="older"' not in page  # 5 rows fit the default page


def test_only_citizens_have_an_access_log(people: tuple[Any, Any]) -> None:
    clerk = make_staff("counter_clerk", "3201")
    assert client_for(clerk).get("/api/v1/me/access-log").status_code == 404
    assert client_for(clerk).get("/portal/access/").status_code == 404
    assert Client().get("/api/v1/me/access-log").status_code == 401
    assert Client().get("/portal/access/").status_code == 302


def test_english_page(people: tuple[Any, Any]) -> None:
    mine, _ = people
    clerk = make_staff("counter_clerk", "3201")
    client_for(clerk).get(f"/api/v1/persons/{mine.person.public_id}", {"purpose": "check"})
    web = client_for(mine)
    web.cookies["django_language"] = "en"
    items = web.get("/api/v1/me/access-log", HTTP_ACCEPT_LANGUAGE="en").json()["items"]
    assert items[0]["reader_role"] == "Counter clerk" and items[0]["region"] == "Nanjing"


def test_partner_reads_of_vehicles_and_licences_are_in_the_owners_log(
    people: tuple[Any, Any],
) -> None:
    """Every partner read of a record about a person shows up in that person's access view."""
    from tests.conftest import make_vehicle

    mine, other = people
    vehicle = make_vehicle(mine.person)
    _client, token = accounts.api_client_create(
        actor=Actor.system("tests"),
        name="某保险公司",
        scopes=["registry:read"],
        region_scope="32",
    )
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_X_PURPOSE="理赔核验")
    assert api.get("/api/v1/vehicles", {"plate": vehicle.plate.number}).status_code == 200
    assert api.get(f"/api/v1/vehicles/{vehicle.public_id}").status_code == 200
    licence = mine.person.licence
    assert api.get(f"/api/v1/licences/{licence.public_id}").status_code == 200
    items = client_for(mine).get("/api/v1/me/access-log").json()["items"]
    assert [(i["reader_kind"], i["purpose"]) for i in items] == [("partner", "理赔核验")] * 3
    assert client_for(other).get("/api/v1/me/access-log").json()["items"] == []
    # the citizen's own reads are not logged as reads by others
    client_for(mine).get(f"/api/v1/vehicles/{vehicle.public_id}")
    assert len(client_for(mine).get("/api/v1/me/access-log").json()["items"]) == 3


def test_the_access_view_labels_are_in_the_catalogue() -> None:
    """The labels are extracted by makemessages and shown in Chinese (they were marked with an
    alias that makemessages does not read, so the zh-hans page showed them in English)."""
    from django.utils import translation

    from jiaoguan.platforms.selectors import OTHER_READ, READ_ACTIONS, READER_KINDS

    with translation.override("zh-hans"):
        assert str(READ_ACTIONS["person.read"]) == "查阅了您的个人信息"
        assert str(READER_KINDS["anonymous"]) == "匿名"
        assert str(OTHER_READ) != "Read your data"
