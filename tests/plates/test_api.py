"""Plate selection over HTTP: problem+json refusals, public records, the staff flow."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from jiaoguan.kernel import clock
from jiaoguan.kernel.uscc import USCC
from jiaoguan.plates import services
from jiaoguan.plates.models import Reservation
from jiaoguan.registry.constants import OrganisationKind
from jiaoguan.registry.services import organisation_create
from tests.conftest import make_citizen, make_person, make_staff
from tests.plates.conftest import STAFF, T0, grant, released_pool, vin

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_citizen_draws_and_picks_over_the_api(at_t0: Any) -> None:
    released_pool()
    person = make_person()
    right = grant(person)
    c = _client(make_citizen(person))
    listed = c.get("/api/v1/plates/rights").json()
    assert [r["id"] for r in listed["items"]] == [str(right.public_id)]
    r = c.post(f"/api/v1/plates/rights/{right.public_id}/draws")
    assert r.status_code == 201, r.content
    draw = r.json()
    assert draw["channel"] == "online" and len(draw["candidates"]) == 10
    assert draw["window"]["seed"] == ""  # still secret
    r = c.post(
        f"/api/v1/plates/rights/{right.public_id}/pick",
        {"attempt": 1, "number": "苏AQ9999"},
        content_type="application/json",
    )
    assert r.status_code == 422
    assert r["Content-Type"].startswith("application/problem+json")
    assert r.json()["invalid_params"][0]["name"] == "number"
    r = c.post(
        f"/api/v1/plates/rights/{right.public_id}/pick",
        {"attempt": 1, "number": draw["candidates"][0]},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["number"] == draw["candidates"][0]


def test_someone_else_cannot_see_or_draw(at_t0: Any) -> None:
    released_pool()
    right = grant()
    stranger = _client(make_citizen())
    assert stranger.get(f"/api/v1/plates/rights/{right.public_id}").status_code == 404
    assert stranger.post(f"/api/v1/plates/rights/{right.public_id}/draws").status_code == 404
    assert stranger.get("/api/v1/plates/rights/not-a-uuid").status_code == 404


def test_compose_refusals_name_every_rule(at_t0: Any) -> None:
    released_pool()
    person = make_person()
    right = grant(person)
    c = _client(make_citizen(person))
    r = c.post(
        f"/api/v1/plates/rights/{right.public_id}/compose",
        {"serial": "0I000"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert r.status_code == 422
    params = r.json()["invalid_params"]
    assert {p["code"] for p in params} == {
        "no_i_o",
        "first_is_letter",
        "exactly_two_letters",
        "not_all_zero",
    }
    assert all(p["name"] == "serial" and "DOMAIN.md §3.3" in p["citation"] for p in params)


def test_rules_api_answers_anyone() -> None:
    r = Client().post(
        "/api/v1/rules/plates/compose",
        {"prefix": "京N", "kind": "ordinary", "serial": "AB12C"},
        content_type="application/json",
    )
    body = r.json()
    assert r.status_code == 200 and body["rule_set"] == "beijing"
    assert {x["code"] for x in body["refusals"]} == {"beijing_last_two_digits"}


def test_staff_create_release_and_confirm() -> None:
    admin = make_staff("administrator", "32")
    clerk = make_staff("counter_clerk", "3201")
    c = _client(admin)
    with clock.frozen(T0):
        r = c.post(
            "/api/v1/plates/pools",
            {"prefix": "苏A", "kind": "small_nev"},
            content_type="application/json",
        )
        assert r.status_code == 201, r.content
        pool_id = r.json()["id"]
        r = c.post(
            f"/api/v1/plates/pools/{pool_id}/batches",
            {"label": "新能源一", "pattern": "D1###"},
            content_type="application/json",
        )
        assert r.status_code == 422  # a small NEV serial has 6 characters
        r = c.post(
            f"/api/v1/plates/pools/{pool_id}/batches",
            {"label": "新能源一", "pattern": "D12##3"},
            content_type="application/json",
        )
        assert r.status_code == 201, r.content
        batch = r.json()
        assert batch["size"] == 100 and batch["state"] == "draft"
        r = c.post(
            f"/api/v1/plates/batches/{batch['id']}/release", {}, content_type="application/json"
        )
        assert r.status_code == 200 and r.json()["announced_at"]
        public = Client().get(f"/api/v1/plates/batches/{batch['id']}/numbers").json()
        assert len(public["numbers"]) == 100 and public["hash"] == batch["hash"]
        # the clerk grants a right, the person picks in the hall through the clerk
        clerk_client = _client(clerk)
        person = make_person()
        r = clerk_client.post(
            "/api/v1/plates/rights",
            {"id_number": person.id_number, "vin": vin(), "prefix": "苏A", "kind": "small_nev"},
            content_type="application/json",
        )
        assert r.status_code == 201, r.content
        right_id = r.json()["id"]
        draw = clerk_client.post(f"/api/v1/plates/rights/{right_id}/draws").json()
        assert draw["channel"] == "hall" and len(draw["candidates"]) == 50
        res = clerk_client.post(
            f"/api/v1/plates/rights/{right_id}/pick",
            {"attempt": 1, "number": draw["candidates"][0]},
            content_type="application/json",
        ).json()
        r = clerk_client.post(f"/api/v1/plates/reservations/{res['id']}/confirm")
        assert r.status_code == 200 and r.json()["state"] == "confirmed"
    # a clerk of another city sees nothing of it
    other = _client(make_staff("counter_clerk", "3205"))
    assert other.get(f"/api/v1/plates/rights/{right_id}").status_code == 404
    assert other.get("/api/v1/plates/reservations?state=confirmed").json()["items"] == []
    # a citizen may not create pools
    assert (
        _client(make_citizen())
        .post(
            "/api/v1/plates/pools",
            {"prefix": "苏B", "kind": "ordinary"},
            content_type="application/json",
        )
        .status_code
        == 403
    )


def test_dealer_opens_a_selection_for_a_buyer(at_t0: Any) -> None:
    released_pool()
    dealer = organisation_create(
        actor=STAFF,
        uscc=str(USCC.generate("320102", "00090001")),
        name="南京某汽车销售有限公司",
        kind=OrganisationKind.DEALER,
        region_code="320102",
    )
    agent = make_staff("outlet_dealer", "3201", organisation=dealer)
    buyer = make_person()
    c = _client(agent)
    r = c.post(
        "/api/v1/plates/rights",
        {"id_number": buyer.id_number, "vin": vin(), "prefix": "苏A", "kind": "ordinary"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    right_id = r.json()["id"]
    draw = c.post(f"/api/v1/plates/rights/{right_id}/draws").json()
    assert draw["channel"] == "dealer" and len(draw["candidates"]) == 10
    r = c.post(
        "/api/v1/plates/rights",
        {"id_number": "110101199003070000", "vin": vin(), "prefix": "苏A", "kind": "ordinary"},
        content_type="application/json",
    )
    assert r.status_code == 422 and r.json()["invalid_params"][0]["name"] == "id_number"


def test_public_draw_record_verifies_after_the_window(at_t0: Any) -> None:
    released_pool()
    right = grant()
    services.draw_make(acting=services.Acting(STAFF, "online"), right=right)
    pending = Client().get(f"/api/v1/plates/draws/{right.public_id}/1").json()
    assert pending["verified"] is None
    with clock.frozen(T0 + dt.timedelta(days=1)):
        services.windows_reveal_due(actor=STAFF)
    body = Client().get(f"/api/v1/plates/draws/{right.public_id}/1").json()
    assert body["verified"] is True and body["recomputed"] == body["draw"]["candidates"]
    assert Reservation.objects.count() == 0
