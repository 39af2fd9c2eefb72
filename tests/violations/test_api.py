"""The violations API: recording by enforcement systems (scope and region), officers,
problem+json beside the fields, scoping, confirming, voiding, and /me/points."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from jiaoguan.audit.models import AuditEvent
from jiaoguan.violations.models import Violation
from tests.conftest import make_citizen, make_person, make_staff, make_vehicle
from tests.violations.conftest import DIGEST, NOW, bearer, record

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def body(world: dict[str, Any], **kw: Any) -> dict[str, Any]:
    data = {
        "plate_number": world["vehicle"].plate.number,
        "occurred_at": (NOW - dt.timedelta(hours=3)).isoformat(),
        "place": "龙蟠中路 K12+300",
        "region_code": "320102",
        "offence_code": "13441",
        "description": "机动车超过规定时速20%以下",
        "citation": "《道路交通安全法》第42条、第90条",
        "points": 3,
        "fine_fen": 20000,
        "evidence": [{"url": "https://cam.example/e/881.jpg", "sha256": DIGEST}],
        "external_ref": "CAM-881",
    }
    data.update(kw)
    return data


def post(c: Client, path: str, data: dict[str, Any], **extra: Any) -> Any:
    return c.post(path, data, content_type="application/json", **extra)


def test_an_enforcement_system_records_in_its_region_and_retries_safely(
    world: dict[str, Any],
) -> None:
    auth = bearer(["violations:write"], "3201")
    c = Client()
    first = post(c, "/api/v1/violations", body(world), **auth)
    assert first.status_code == 201, first.content
    data = first.json()
    assert (data["state"], data["points"], data["source"]) == ("recorded", 3, "enforcement_system")
    assert data["evidence"] == [{"url": "https://cam.example/e/881.jpg", "sha256": DIGEST}]
    again = post(c, "/api/v1/violations", body(world, points=6), **auth)
    assert again.status_code == 200 and again.json()["id"] == data["id"]
    assert Violation.objects.count() == 1
    # it reads its region back (and the read is audited with the owner as subject)
    listed = c.get("/api/v1/violations", **auth).json()["items"]
    assert [v["id"] for v in listed] == [data["id"]]
    assert AuditEvent.objects.filter(
        action="violation.read", subject_person_ref=str(world["owner"].public_id)
    ).exists()


def test_scope_and_region_limit_the_enforcement_system(world: dict[str, Any]) -> None:
    c = Client()
    no_scope = post(c, "/api/v1/violations", body(world), **bearer(["registry:read"], "3201"))
    assert no_scope.status_code == 403 and no_scope["Content-Type"] == PROBLEM
    assert no_scope.json()["code"] == "not_permitted"
    suzhou = post(c, "/api/v1/violations", body(world), **bearer(["violations:write"], "3205"))
    assert suzhou.status_code == 403 and suzhou.json()["code"] == "outside_region"
    assert suzhou.json()["invalid_params"][0]["name"] == "region_code"
    # a Nanjing record is not seen from Suzhou
    post(c, "/api/v1/violations", body(world), **bearer(["violations:write"], "3201"))
    v = Violation.objects.get()
    other = c.get(f"/api/v1/violations/{v.public_id}", **bearer(["violations:write"], "3205"))
    assert other.status_code == 404
    assert (
        c.post("/api/v1/violations", body(world), content_type="application/json").status_code
        == 401
    )


def test_bad_input_is_a_problem_beside_each_field(world: dict[str, Any]) -> None:
    auth = bearer(["violations:write"], "3201")
    bad = post(
        Client(),
        "/api/v1/violations",
        body(
            world,
            plate_number="苏A00000",
            points=4,
            offence_code="16X5",
            evidence=[{"url": "ftp://x", "sha256": "00"}],
            occurred_at=(NOW + dt.timedelta(days=2)).isoformat(),
        ),
        **auth,
    )
    assert bad.status_code == 422 and bad["Content-Type"] == PROBLEM
    names = {p["name"]: p["code"] for p in bad.json()["invalid_params"]}
    assert names == {
        "plate_number": "unknown_plate",
        "occurred_at": "invalid_time",
        "offence_code": "invalid_offence_code",
        "points": "invalid_points",
        "evidence.0.url": "invalid_evidence",
        "evidence.0.sha256": "invalid_digest",
    }
    twelve = post(
        Client(), "/api/v1/violations", body(world, twelve_point_offence="drink_driving"), **auth
    )
    assert twelve.status_code == 422
    assert twelve.json()["invalid_params"][0] == {
        "code": "twelve_points_required",
        "message": "该违法行为记12分",
        "name": "points",
        "citation": "R163 Art. 8",
    }
    naive = post(
        Client(), "/api/v1/violations", body(world, occurred_at="2026-03-09T08:00:00"), **auth
    )
    assert naive.json()["invalid_params"][0]["message"] == "请填写带时区的时间"
    no_evidence = post(Client(), "/api/v1/violations", body(world, evidence=[]), **auth)
    assert no_evidence.json()["invalid_params"][0]["name"] == "evidence"
    assert Violation.objects.count() == 0


def test_an_officer_records_through_the_api(world: dict[str, Any]) -> None:
    officer = client_for(world["officer"])
    made = post(officer, "/api/v1/violations", body(world, evidence=[], external_ref=""))
    assert made.status_code == 201 and made.json()["source"] == "officer"
    clerk = client_for(make_staff("counter_clerk", "3201"))
    assert post(clerk, "/api/v1/violations", body(world)).status_code == 403


def test_citizens_see_their_vehicles_and_drives_only(world: dict[str, Any]) -> None:
    v = record(world)
    owner = client_for(world["citizen"])
    assert [x["number"] for x in owner.get("/api/v1/violations").json()["items"]] == [v.number]
    stranger = client_for(make_citizen(make_person("320102")))
    assert stranger.get("/api/v1/violations").json()["items"] == []
    missing = stranger.get(f"/api/v1/violations/{v.public_id}")
    assert missing.status_code == 404 and missing["Content-Type"] == PROBLEM
    assert post(stranger, f"/api/v1/violations/{v.public_id}/confirm-driver", {}).status_code == 404
    # a driver named by the owner sees it too, and the owner keeps seeing it
    driver = make_person("320102")
    from tests.conftest import make_licence

    make_licence(driver)
    confirmed = post(
        owner,
        f"/api/v1/violations/{v.public_id}/confirm-driver",
        {"driver_id_number": driver.id_number},
    )
    assert confirmed.status_code == 200 and confirmed.json()["state"] == "driver_confirmed"
    assert confirmed.json()["driver_name"].startswith(driver.name[0])
    seen = client_for(make_citizen(driver)).get(f"/api/v1/violations/{v.public_id}")
    assert seen.status_code == 200
    # the officer of Suzhou sees nothing of Nanjing, the one of Nanjing does
    assert client_for(world["suzhou_officer"]).get("/api/v1/violations").json()["items"] == []
    assert len(client_for(world["officer"]).get("/api/v1/violations").json()["items"]) == 1


def test_confirm_errors_and_my_points(world: dict[str, Any]) -> None:
    v = record(world, points=6)
    owner = client_for(world["citizen"])
    bad = post(
        owner, f"/api/v1/violations/{v.public_id}/confirm-driver", {"driver_id_number": "123"}
    )
    assert bad.status_code == 422 and bad.json()["invalid_params"][0]["name"] == "driver_id_number"
    ok = post(owner, f"/api/v1/violations/{v.public_id}/confirm-driver", {})
    assert ok.status_code == 200
    points = owner.get("/api/v1/me/points").json()
    assert points["points"] == 6 and points["full_score"] == 12
    assert points["cycle"] == {"number": 11, "start": "2025-05-01", "end": "2026-04-30"}
    assert points["ledger"][0]["violation_number"] == v.number
    assert points["ledger"][0]["state"] == "active" and not points["ledger"][0]["fine_paid"]
    assert points["duty"] is None
    nobody = client_for(make_citizen(make_person("320102")))
    assert nobody.get("/api/v1/me/points").status_code == 404


def test_officer_voids_through_the_api(world: dict[str, Any]) -> None:
    v = record(world, points=12, twelve_point_offence="drink_driving")
    owner = client_for(world["citizen"])
    post(owner, f"/api/v1/violations/{v.public_id}/confirm-driver", {})
    assert owner.get("/api/v1/me/points").json()["duty"]["study_days"] == 7
    officer = client_for(world["officer"])
    missing = post(officer, f"/api/v1/violations/{v.public_id}/void", {"reason": ""})
    assert missing.status_code == 422 and missing.json()["invalid_params"][0]["name"] == "reason"
    assert post(owner, f"/api/v1/violations/{v.public_id}/void", {"reason": "x"}).status_code == 403
    done = post(officer, f"/api/v1/violations/{v.public_id}/void", {"reason": "复核撤销"})
    assert done.status_code == 200 and done.json()["state"] == "void"
    mine = owner.get("/api/v1/me/points").json()
    assert (mine["points"], mine["duty"], mine["licence_status"]) == (0, None, "valid")


def test_paying_before_confirming_is_a_conflict(world: dict[str, Any]) -> None:
    v = record(world)
    owner = client_for(world["citizen"])
    early = post(owner, f"/api/v1/violations/{v.public_id}/pay", {"provider": "wechat"})
    assert early.status_code == 409 and early.json()["code"] == "not_payable"
    car = make_vehicle(make_person("320102"))
    assert car.plate is not None


def test_partners_only_record_and_read(world: dict[str, Any]) -> None:
    auth = bearer(["violations:write"], "3201")
    made = post(Client(), "/api/v1/violations", body(world), **auth).json()
    for command, data in (
        ("confirm-driver", {}),
        ("void", {"reason": "x"}),
        ("pay", {"provider": "wechat"}),
    ):
        answer = post(Client(), f"/api/v1/violations/{made['id']}/{command}", data, **auth)
        assert answer.status_code == 401, command
    assert Violation.objects.get().state == "recorded"


def test_partner_post_passes_without_csrf_but_a_session_post_does_not(
    world: dict[str, Any],
) -> None:
    """Over real HTTP a partner sends no cookie and no CSRF token: its bearer token must be
    looked at (the session scheme used to refuse it with 403 first). A browser session still
    needs the CSRF token on writes."""
    auth = bearer(["violations:write"], "3201")
    strict = Client(enforce_csrf_checks=True)
    made = post(strict, "/api/v1/violations", body(world), **auth)
    assert made.status_code == 201, made.content
    officer = Client(enforce_csrf_checks=True)
    officer.force_login(world["officer"])
    refused = post(officer, "/api/v1/violations", body(world, external_ref="csrf-2"))
    assert refused.status_code == 403
