"""The exams API: the applicant books and sees the result; the exam site's partner system
(bearer token, scope ``exams:site``) publishes, checks in and enters results for its own site
only; personal data masked; bad input answers problem+json, never a 500."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from jiaoguan.accounts import services as accounts
from jiaoguan.audit.services import Actor
from jiaoguan.exams.models import ExamSite
from tests.exams.fixtures import DAY0, applicant, make_site, on

pytestmark = pytest.mark.django_db
D = dt.timedelta


def site_client(site: ExamSite, scopes: list[str] | None = None) -> dict[str, str]:
    _client, token = accounts.api_client_create(
        actor=Actor.system("tests"),
        name="考场系统",
        scopes=scopes or ["exams:site"],
        region_scope=site.organisation.city_code,
        organisation=site.organisation,
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def post(c: Client, url: str, body: Any, **headers: str) -> Any:
    return c.post(url, body, content_type="application/json", **headers)


def test_applicant_books_subject_one_and_sees_the_result() -> None:
    site = make_site()
    partner = site_client(site)
    person, user = applicant()
    c = Client()
    c.force_login(user)
    api = Client()
    with on(DAY0):
        r = post(
            api,
            "/api/v1/exams/plans",
            {"exam_date": "2026-03-12", "subject": 1, "capacity": 2},
            **partner,
        )
        assert r.status_code == 201, r.content
        plan_id = r.json()["id"]
        r = post(c, "/api/v1/exams/applications", {"licence_class": "C1", "region_code": "320102"})
        assert r.status_code == 201, r.content
        app = r.json()
        assert app["where_basis"] == "household" and "*" in app["id_number"]
        plans = c.get("/api/v1/exams/plans?subject=1").json()["items"]
        assert [p["id"] for p in plans] == [plan_id] and plans[0]["remaining"] == 2
        r = post(c, "/api/v1/exams/bookings", {"application_id": app["id"], "plan_id": plan_id})
        assert r.status_code == 201, r.content
        booking = r.json()
        assert booking["state"] == "booked" and booking["queue_position"] is None
    with on(DAY0 + D(10), "08:30"):
        listed = api.get("/api/v1/exams/bookings?exam_date=2026-03-12", **partner).json()
        assert [b["id"] for b in listed["items"]] == [booking["id"]]
        assert listed["items"][0]["applicant_name"] != person.name  # masked for the site
        r = post(api, f"/api/v1/exams/bookings/{booking['id']}/check-in", {}, **partner)
        assert r.status_code == 200, r.content
        assert r.json()["examiner"] in site.examiners
        r = post(
            api,
            f"/api/v1/exams/bookings/{booking['id']}/result",
            {"scores": {"main": [93]}},
            **partner,
        )
        assert r.status_code == 201, r.content
        mine = c.get(f"/api/v1/exams/bookings/{booking['id']}").json()
    assert mine["state"] == "passed" and mine["result"]["scores"] == {"main": [93]}
    from jiaoguan.audit.models import AuditEvent

    # the site's reads are in the applicant's "who looked at my data"; their own are not
    reads = AuditEvent.objects.filter(action="exam_booking.read", object_ref=booking["id"])
    assert reads.count() == 1 and reads[0].subject_person_ref == str(person.public_id)
    detail = c.get(f"/api/v1/exams/applications/{app['id']}").json()
    assert detail["state"] == "learning" and detail["permit_valid_until"] == "2029-03-11"


def test_a_full_day_shows_the_queue_position() -> None:
    site = make_site()
    partner = site_client(site)
    api = Client()
    clients = []
    for _ in range(3):
        _, user = applicant()
        c = Client()
        c.force_login(user)
        clients.append(c)
    with on(DAY0):
        plan_id = post(
            api,
            "/api/v1/exams/plans",
            {"exam_date": "2026-03-12", "subject": 1, "capacity": 1},
            **partner,
        ).json()["id"]
        got = []
        for c in clients:
            app = post(
                c, "/api/v1/exams/applications", {"licence_class": "C1", "region_code": "320102"}
            ).json()
            got.append(
                post(
                    c, "/api/v1/exams/bookings", {"application_id": app["id"], "plan_id": plan_id}
                ).json()
            )
        assert clients[2].get("/api/v1/exams/plans").json()["items"][0]["remaining"] == 0
    assert [(b["state"], b["queue_position"]) for b in got] == [
        ("booked", None),
        ("waiting", 1),
        ("waiting", 2),
    ]


def test_a_site_sees_and_touches_only_its_own_bookings() -> None:
    site, other = make_site(), make_site()
    partner, stranger = site_client(site), site_client(other)
    _, user = applicant()
    c, api = Client(), Client()
    c.force_login(user)
    with on(DAY0):
        plan_id = post(
            api,
            "/api/v1/exams/plans",
            {"exam_date": "2026-03-12", "subject": 1, "capacity": 2},
            **partner,
        ).json()["id"]
        app = post(
            c, "/api/v1/exams/applications", {"licence_class": "C1", "region_code": "320102"}
        ).json()
        b = post(
            c, "/api/v1/exams/bookings", {"application_id": app["id"], "plan_id": plan_id}
        ).json()
    with on(DAY0 + D(10)):
        assert api.get(f"/api/v1/exams/bookings/{b['id']}", **stranger).status_code == 404
        assert (
            post(api, f"/api/v1/exams/bookings/{b['id']}/check-in", {}, **stranger).status_code
            == 404
        )
        assert api.get("/api/v1/exams/bookings", **stranger).json()["items"] == []
        # a client without the scope may not publish
        no_scope = site_client(site, ["registry:read"])
        r = post(
            api,
            "/api/v1/exams/plans",
            {"exam_date": "2026-03-30", "subject": 1, "capacity": 2},
            **no_scope,
        )
        assert r.status_code == 404


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/v1/exams/applications", {"licence_class": "ZZ", "region_code": "320102"}),
        ("/api/v1/exams/applications", {"licence_class": "C1", "region_code": "abc"}),
        ("/api/v1/exams/bookings", {"application_id": "not-a-uuid", "plan_id": "x"}),
        ("/api/v1/exams/applications", {"licence_class": "C1"}),
    ],
)
def test_bad_input_is_problem_json(url: str, body: Any) -> None:
    _, user = applicant()
    c = Client()
    c.force_login(user)
    with on(DAY0):
        r = post(c, url, body)
    assert 400 <= r.status_code < 500, r.content
    assert r["Content-Type"].startswith("application/problem+json")


def test_where_to_apply_and_priority_rules_are_public() -> None:
    c = Client()
    r = post(
        c,
        "/api/v1/rules/exams/where-to-apply",
        {
            "office_region": "320102",
            "household_region": "340102",
            "permit_status": "none",
            "on": "2026-03-02",
        },
    )
    assert r.status_code == 200
    body = r.json()
    assert body["allowed"] is False and body["code"] == "not_resident_here"
    assert "R162 Art. 22" in body["citations"]
    r = post(
        c,
        "/api/v1/rules/exams/where-to-apply",
        {
            "office_region": "320102",
            "household_region": "340102",
            "permit_status": "valid",
            "permit_region": "320583",
            "permit_valid_until": "2026-06-30",
            "on": "2026-03-02",
        },
    )
    assert r.json()["allowed"] is True and r.json()["facts"]["basis"] == "residence_permit"
    rules = c.get("/api/v1/exams/priority-rules").json()
    assert rules["version"] == "local-2026-01"
    assert all("local configuration" in x["source"] for x in rules["rules"])
