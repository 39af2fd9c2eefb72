"""Education pages with the Django test client: enrolling with the refusal shown in Chinese,
the course page with its identity check form, the exam page, and the staff console."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from jiaoguan.education.catalogue import QUESTIONS
from jiaoguan.education.models import Enrolment, ExamAttempt, FaceCheck, OnsiteSession
from jiaoguan.kernel import clock
from tests.conftest import make_citizen, make_person
from tests.education.helpers import FACE, NOW, pay, violation

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    c.force_login(user)
    return c


def test_enrolling_and_the_refusal_beside_the_course(world: dict[str, Any]) -> None:
    c = client_for(world["citizen"])
    page = c.get("/portal/education/")
    assert page.status_code == 200 and "满分学习教育" in page.content.decode()
    refused = c.post("/portal/education/", {"course": "full-score"})
    assert "满分学习教育仅适用于有待完成满分教育的驾驶证" in refused.content.decode()
    violation(world, 12)
    r = c.post("/portal/education/", {"course": "full-score"})
    e = Enrolment.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/portal/education/{e.public_id}/"
    study = c.get(r["Location"]).content.decode()
    assert 'data-heartbeat="/api/v1/education/enrolments/' in study
    assert "完成学习后方可参加考试" in study
    assert client_for(world["clerk"]).get("/portal/education/").status_code == 404


def test_the_identity_check_form_and_the_exam_page(world: dict[str, Any]) -> None:
    pay(violation(world, 3))
    c = client_for(world["citizen"])
    c.post("/portal/education/", {"course": "reduction-online"})
    e = Enrolment.objects.get()
    url = f"/portal/education/{e.public_id}/"
    for i in range(41):
        with clock.frozen(NOW + dt.timedelta(minutes=i)):
            r = c.post(
                f"/api/v1/education/enrolments/{e.public_id}/heartbeat",
                {"tab": "x", "active": True},
                content_type="application/json",
            )
            if r.json()["check"]:
                break
    check = FaceCheck.objects.get(state="pending")
    page = c.get(url).content.decode()
    assert 'data-testid="face-check"' in page and "data-heartbeat" not in page
    with clock.frozen(NOW + dt.timedelta(minutes=i)):
        photo = SimpleUploadedFile("me.png", FACE, content_type="image/png")
        r = c.post(url, {"action": "check", "check": str(check.public_id), "photo": photo})
    assert r.status_code == 302
    check.refresh_from_db()
    assert check.state == "passed"
    for j in range(i + 1, 45):  # on to over 30 minutes
        with clock.frozen(NOW + dt.timedelta(minutes=j)):
            c.post(
                f"/api/v1/education/enrolments/{e.public_id}/heartbeat",
                {"tab": "x", "active": True},
                content_type="application/json",
            )
    with clock.frozen(NOW + dt.timedelta(minutes=45)):
        r = c.post(url, {"action": "exam"})
    attempt = ExamAttempt.objects.get()
    assert r["Location"] == f"/portal/education/exam/{attempt.public_id}/"
    form = c.get(r["Location"]).content.decode()
    assert form.count('data-testid="question"') == 5
    answers = {f"q-{q}": str(QUESTIONS[q].answer) for q in attempt.questions}
    done = c.post(r["Location"], answers).content.decode()
    assert 'data-testid="score">100<' in done
    assert "已减免记分" in c.get(url).content.decode()
    points = c.get("/portal/violations/").content.decode()
    assert "本周期学法减分：1分（最多6分）" in points


def test_staff_console_records_an_on_site_session(world: dict[str, Any]) -> None:
    violation(world, 12)
    client_for(world["citizen"]).post("/portal/education/", {"course": "full-score"})
    clerk = client_for(world["clerk"])
    page = clerk.get("/console/education/").content.decode()
    assert page.count('data-testid="enrolment-row"') == 1 and world["driver"].name not in page
    e = Enrolment.objects.get()
    bad = clerk.post(
        "/console/education/",
        {"enrolment": str(e.public_id), "day": "nope", "minutes": "200", "place": "教育中心"},
    )
    assert "请填写日期和分钟数" in bad.content.decode()
    ok = clerk.post(
        "/console/education/",
        {"enrolment": str(e.public_id), "day": "2026-03-10", "minutes": "200", "place": "教育中心"},
    )
    assert ok.status_code == 302 and OnsiteSession.objects.get().minutes == 200
    suzhou = client_for(world["suzhou_clerk"]).get("/console/education/").content.decode()
    assert 'data-testid="no-enrolments"' in suzhou
    assert client_for(world["citizen"]).get("/console/education/").status_code == 404


def test_other_learners_pages_are_not_found(world: dict[str, Any]) -> None:
    import uuid

    violation(world, 12)
    client_for(world["citizen"]).post("/portal/education/", {"course": "full-score"})
    e = Enrolment.objects.get()
    stranger = client_for(make_citizen(make_person("320102")))
    assert stranger.get(f"/portal/education/{e.public_id}/").status_code == 404
    assert stranger.get(f"/portal/education/exam/{uuid.uuid4()}/").status_code == 404
    mine = client_for(world["citizen"])
    r = mine.post(f"/portal/education/{e.public_id}/", {"action": "check", "check": "zz"})
    assert r.status_code == 200 and "未找到该身份核验" in r.content.decode()


def test_the_demo_answers_a_check_only_in_demo_mode(world: dict[str, Any], settings: Any) -> None:
    violation(world, 12)
    c = client_for(world["citizen"])
    c.post("/portal/education/", {"course": "full-score"})
    e = Enrolment.objects.get()
    for i in range(e.next_check_at // 60 + 2):
        with clock.frozen(NOW + dt.timedelta(minutes=i)):
            c.post(
                f"/api/v1/education/enrolments/{e.public_id}/heartbeat",
                {"tab": "x", "active": True},
                content_type="application/json",
            )
    check = FaceCheck.objects.get(state="pending")
    url = f"/portal/education/{e.public_id}/"
    when = NOW + dt.timedelta(minutes=i)
    settings.DEMO_SHOW_OTP = False
    with clock.frozen(when):
        assert 'value="demo_check"' not in c.get(url).content.decode()
        r = c.post(url, {"action": "demo_check", "check": str(check.public_id)})
    assert "请上传不超过40 KB的照片" in r.content.decode()
    settings.DEMO_SHOW_OTP = True
    with clock.frozen(when):
        assert 'value="demo_check"' in c.get(url).content.decode()
        c.post(url, {"action": "demo_check", "check": str(check.public_id)})
    check.refresh_from_db()
    assert check.state == "passed"
