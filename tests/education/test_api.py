"""The education API: problem+json refusals, heartbeats, identity checks through the sandbox,
exams whose answers never leave the server, and scoping of staff reads (audited)."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import pytest
from django.test import Client

from jiaoguan.audit.models import AuditEvent
from jiaoguan.education.catalogue import QUESTIONS
from jiaoguan.education.models import Enrolment, FaceCheck
from jiaoguan.kernel import clock
from tests.conftest import make_citizen, make_person
from tests.education.helpers import FACE, NOW, OTHER_FACE, pay, violation

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"
BASE = "/api/v1/education"


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def post(c: Client, path: str, data: Any) -> Any:
    return c.post(path, data, content_type="application/json")


def beats(c: Client, enrolment: str, start: dt.datetime, minutes: int) -> list[dict[str, Any]]:
    out = []
    for i in range(minutes + 1):
        with clock.frozen(start + dt.timedelta(minutes=i)):
            r = post(c, f"{BASE}/enrolments/{enrolment}/heartbeat", {"tab": "a", "active": True})
            assert r.status_code == 200, r.content
            out.append(r.json())
            if r.json()["check"]:
                image = base64.b64encode(FACE).decode()
                answer = post(c, f"{BASE}/checks/{r.json()['check']}", {"image": image})
                assert answer.json()["state"] == "passed"
    return out


def test_courses_are_public_data() -> None:
    r = Client().get(f"{BASE}/courses")
    codes = {c["code"]: c for c in r.json()}
    assert set(codes) == {"full-score", "review", "reduction-online"}
    assert codes["review"]["minutes"] == 180 and codes["full-score"]["pass_mark"] == 90


def test_enrolment_refusals_are_problems(world: dict[str, Any]) -> None:
    c = client_for(world["citizen"])
    r = post(c, f"{BASE}/enrolments", {"course": "full-score"})
    assert r.status_code == 422 and r["Content-Type"].startswith(PROBLEM)
    assert r.json()["code"] == "no_duty"
    r = post(c, f"{BASE}/enrolments", {"course": "nope"})
    assert r.json()["code"] == "invalid_course"
    assert r.json()["invalid_params"][0]["name"] == "course"
    assert post(c, f"{BASE}/enrolments", {"course": 7}).status_code == 422
    assert post(c, f"{BASE}/enrolments", "not json").status_code in (400, 422)
    staff = client_for(world["clerk"])
    r = post(staff, f"{BASE}/enrolments", {"course": "review"})
    assert r.status_code == 403 and r.json()["code"] == "citizens_only"
    assert post(Client(), f"{BASE}/enrolments", {"course": "review"}).status_code == 401


def test_study_by_heartbeat_checks_and_the_exam(world: dict[str, Any]) -> None:
    pay(violation(world, 3))
    c = client_for(world["citizen"])
    r = post(c, f"{BASE}/enrolments", {"course": "reduction-online"})
    assert r.status_code == 201
    eid = r.json()["id"]
    assert post(c, f"{BASE}/enrolments", {"course": "reduction-online"}).status_code == 409
    bad = post(c, f"{BASE}/enrolments/{eid}/heartbeat", {"tab": "a"})
    assert bad.status_code == 422 and bad["Content-Type"].startswith(PROBLEM)
    assert (
        post(c, f"{BASE}/enrolments/nope/heartbeat", {"tab": "a", "active": True}).status_code
        == 404
    )
    early = post(c, f"{BASE}/enrolments/{eid}/exam", {})
    assert early.status_code == 422 and early.json()["code"] == "study_incomplete"
    answers = beats(c, eid, NOW, 31)
    assert answers[-1]["counted_seconds"] >= 30 * 60
    detail = c.get(f"{BASE}/enrolments/{eid}").json()
    assert detail["ready_for_exam"] and detail["counted_minutes"] >= 30
    exam = post(c, f"{BASE}/enrolments/{eid}/exam", {})
    assert exam.status_code == 200
    questions = exam.json()["questions"]
    assert len(questions) == 5 and all("answer" not in q for q in questions)
    right = {q["id"]: QUESTIONS[q["id"]].answer for q in questions}
    done = post(c, f"{BASE}/exams/{exam.json()['id']}", {"answers": right})
    assert done.json()["score"] == 100 and done.json()["passed"] is True
    final = c.get(f"{BASE}/enrolments/{eid}").json()
    assert final["state"] == "completed" and final["result"]["points_off"] == 1
    points = c.get("/api/v1/me/points").json()
    assert points["points"] == 2 and points["reduced"] == 1


def test_identity_check_answers(world: dict[str, Any]) -> None:
    violation(world, 12)
    c = client_for(world["citizen"])
    eid = post(c, f"{BASE}/enrolments", {"course": "full-score"}).json()["id"]
    e = Enrolment.objects.get(public_id=eid)
    check = None
    for i in range(e.next_check_at // 60 + 2):
        with clock.frozen(NOW + dt.timedelta(minutes=i)):
            r = post(c, f"{BASE}/enrolments/{eid}/heartbeat", {"tab": "a", "active": True})
            check = check or r.json()["check"]
    assert check
    bad = post(c, f"{BASE}/checks/{check}", {"image": "***"})
    assert bad.status_code == 422 and bad.json()["invalid_params"][0]["name"] == "image"
    stranger = client_for(make_citizen(make_person("320102")))
    assert post(stranger, f"{BASE}/checks/{check}", {"image": "eA=="}).status_code == 404
    with clock.frozen(NOW + dt.timedelta(minutes=e.next_check_at // 60 + 2)):
        r = post(c, f"{BASE}/checks/{check}", {"image": base64.b64encode(OTHER_FACE).decode()})
    assert r.json()["state"] == "failed" and r.json()["reason"] == "mismatch"
    assert FaceCheck.objects.get(public_id=check).partner_ref
    assert c.get(f"{BASE}/enrolments/{eid}").json()["voided_minutes"] >= 20


def test_staff_see_progress_in_their_region_and_record_on_site(world: dict[str, Any]) -> None:
    violation(world, 12)
    c = client_for(world["citizen"])
    eid = post(c, f"{BASE}/enrolments", {"course": "full-score"}).json()["id"]
    clerk = client_for(world["clerk"])
    items = clerk.get(f"{BASE}/enrolments").json()["items"]
    assert [i["id"] for i in items] == [eid]
    assert AuditEvent.objects.filter(action="education.read", object_ref=eid).exists()
    assert client_for(world["suzhou_clerk"]).get(f"{BASE}/enrolments").json()["items"] == []
    assert client_for(world["suzhou_clerk"]).get(f"{BASE}/enrolments/{eid}").status_code == 404
    r = post(
        clerk,
        f"{BASE}/enrolments/{eid}/onsite",
        {"day": "2026-03-10", "minutes": 200, "place": "教育中心"},
    )
    assert r.status_code == 201 and r.json()["onsite_days"] == [
        {"day": "2026-03-10", "minutes": 200}
    ]
    r = post(
        clerk, f"{BASE}/enrolments/{eid}/onsite", {"day": "2026-03-10", "minutes": 0, "place": "x"}
    )
    assert r.status_code == 422
    officer = client_for(world["officer"])  # sees progress, does not record
    assert officer.get(f"{BASE}/enrolments/{eid}").status_code == 200
    r = post(
        officer,
        f"{BASE}/enrolments/{eid}/onsite",
        {"day": "2026-03-10", "minutes": 200, "place": "x"},
    )
    assert r.status_code == 403
    assert post(c, f"{BASE}/enrolments/{eid}/void", {"reason": "x"}).status_code == 403
    r = post(clerk, f"{BASE}/enrolments/{eid}/void", {"reason": "代学：照片与本人不符"})
    assert r.json()["state"] == "void"
