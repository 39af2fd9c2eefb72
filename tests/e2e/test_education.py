"""A driver with 12 points completes full-score education online and gets the licence back.

The server's clock is moved by the test (days must pass: R163 Art. 19 counts study days) and
the browser's timers run on Playwright's fake clock, so each heartbeat of the course page is
one 10-minute step of both. The driver signs in, enrols, studies three online days of more
than 3 hours each, answers every identity check with their photo (the face-check sandbox
compares it over HTTP), a clerk of the education office records two on-site days on the
console, and on the last day of
the 7-day period the driver takes the exam: the points are cleared and the licence returned."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pyotp
import pytest
from playwright.sync_api import expect

from jiaoguan.education.catalogue import QUESTIONS
from jiaoguan.education.models import FaceCheck
from jiaoguan.kernel import clock
from jiaoguan.registry.models import DrivingLicence
from tests.conftest import make_citizen, make_licence, make_person, make_staff, make_vehicle
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_journeys import code_step, password_step, sms_code
from tests.education.helpers import FACE, at, pay, store_face, violation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

INTERVAL = 600  # seconds between heartbeats in this journey (60 by default)
DAY0 = dt.date(2026, 3, 10)


def test_a_driver_with_12_points_completes_full_score_education_online_and_gets_the_licence_back(
    page: Any,
    browser: Any,
    live_server: Any,
    sandbox_server: Any,
    settings: Any,
    monkeypatch: Any,
    tmp_path: Any,
    screenshot: Any,
) -> None:
    settings.EDUCATION_HEARTBEAT_SECONDS = INTERVAL
    settings.EDUCATION_IDLE_SECONDS = INTERVAL * 3 // 4
    now = {"at": at(DAY0, 8)}
    monkeypatch.setattr(clock, "_source", lambda: now["at"])
    driver = make_person("320102")
    world = {
        "driver": driver,
        "vehicle": make_vehicle(driver),
        "licence": make_licence(driver),
        "citizen": make_citizen(driver),
        "officer": make_staff("police_officer", "3201"),
    }
    store_face(sandbox_server.url, driver.id_number)
    photo = tmp_path / "face.png"
    photo.write_bytes(FACE)
    pay(violation(world, 12, twelve_point_offence="drink_driving"))
    assert DrivingLicence.objects.get(person=driver).status == "suspended"

    password_step(page, live_server.url, world["citizen"].username)
    code_step(page, sms_code(sandbox_server.url, driver.phone))
    page.clock.install(time=now["at"])
    page.goto(f"{live_server.url}/portal/education/")
    page.locator("[data-code=full-score]").get_by_test_id("enrol").click()
    expect(page.get_by_test_id("study-days")).to_have_text("7")
    study_url = page.url
    screenshot("education-1-enrolled")

    status = page.get_by_test_id("beat-status")
    checks = 0
    x = 10
    for day in range(3):
        now["at"] = at(DAY0 + dt.timedelta(days=day), 8)
        page.clock.set_system_time(now["at"])
        page.goto(study_url)
        expect(status).to_have_attribute("data-status", re.compile(r"\w+"))
        for _step in range(19):  # 19 × 10 minutes: over 3 hours
            now["at"] += dt.timedelta(seconds=INTERVAL)
            page.clock.run_for(INTERVAL * 500)
            x = 30 if x == 10 else 10
            page.mouse.move(x, x)  # the learner is active within the idle limit
            with page.expect_response(re.compile(r"/heartbeat$")):
                page.clock.run_for(INTERVAL * 500)
            if FaceCheck.objects.filter(state="pending").exists():  # the page reloads
                checks += 1
                check = page.get_by_test_id("face-check")
                expect(check).to_be_visible()
                if checks == 1:
                    screenshot("education-2-identity-check")
                check.get_by_label(re.compile("面部照片|Photo of your face")).set_input_files(
                    str(photo)
                )
                check.get_by_test_id("check-submit").click()
                expect(status).to_have_attribute("data-status", re.compile(r"\w+"))
        expect(page.get_by_test_id("today-minutes")).to_have_text(re.compile(r"^(18[1-9]|19\d)$"))
    assert checks >= 3
    assert not FaceCheck.objects.exclude(state="passed").exists()
    screenshot("education-3-studied")

    # the education office records the two on-site days on its console
    clerk = make_staff("counter_clerk", "3201")
    office = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    console = office.new_page()
    console.set_default_timeout(10_000)
    password_step(console, live_server.url, clerk.username)
    code_step(console, pyotp.TOTP(clerk.totp_secret).at(now["at"]))
    expect(console).to_have_url(re.compile(r"/console/$"))
    for day in (3, 4):
        now["at"] = at(DAY0 + dt.timedelta(days=day), 18)
        console.goto(f"{live_server.url}/console/education/")
        form = console.get_by_test_id("onsite-form")
        form.get_by_label("日期").fill(now["at"].date().isoformat())
        form.get_by_label("分钟").fill("200")
        form.get_by_label("地点").fill("南京市公安局交通管理局教育中心")
        form.get_by_test_id("onsite-record").click()
        expect(console.get_by_test_id("enrolment-row")).to_contain_text(
            f"5 ({day - 2}) / 5 (2)" if day == 4 else "4 (1) / 5 (2)"
        )
    console.screenshot(path=str(SCREENSHOTS / "e2e-education-4-office.png"), full_page=True)
    office.close()

    now["at"] = at(DAY0 + dt.timedelta(days=6), 9)  # the last day of the 7-day period
    page.clock.set_system_time(now["at"])
    page.goto(study_url)
    expect(page.get_by_test_id("counted-days")).to_have_text("5 (2)")
    page.get_by_test_id("exam-start").click()
    questions = page.get_by_test_id("question")
    expect(questions).to_have_count(10)
    for i in range(10):
        q = questions.nth(i)
        right = QUESTIONS[q.get_attribute("data-qid") or ""].answer
        q.locator(f"input[value='{right}']").check()
    screenshot("education-5-exam")
    page.get_by_test_id("exam-submit").click()
    expect(page.get_by_test_id("score")).to_have_text("100")
    expect(page.get_by_test_id("licence-returned")).to_be_visible()
    screenshot("education-6-licence-returned")

    page.goto(f"{live_server.url}/portal/")
    expect(page.get_by_test_id("licence-points")).to_have_text("0 / 12")
    expect(page.get_by_test_id("licence")).to_contain_text("有效")
    licence = DrivingLicence.objects.get(person=driver)
    assert licence.status == "valid" and licence.points == 0
