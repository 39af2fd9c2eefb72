"""Exams in the browser: an applicant applies online, books 科目一 on a published exam day,
and, after the exam site's system has checked them in (random examiner) and entered the
result through the API, sees the result and the learner permit on their page."""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.request
from typing import Any

import pytest
from playwright.sync_api import expect

from jiaoguan.accounts import services as accounts
from jiaoguan.audit.services import Actor
from jiaoguan.cases.services import catalogue_sync
from jiaoguan.exams.models import Booking, LicenceApplication
from jiaoguan.kernel import clock
from tests.conftest import make_person
from tests.e2e.test_inspection import sign_in_citizen
from tests.exams.fixtures import make_site

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def call(base: str, path: str, token: str, body: dict[str, Any] | None = None) -> Any:
    """The exam site's own system calling the API over HTTP with its bearer token."""
    request = urllib.request.Request(
        f"{base}{path}",
        data=json.dumps(body or {}).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def test_applicant_books_subject_one_and_sees_the_result(
    page: Any, live_server: Any, sandbox_server: Any, screenshot: Any
) -> None:
    catalogue_sync(actor=Actor.system("tests"))
    site = make_site()
    _client, token = accounts.api_client_create(
        actor=Actor.system("tests"),
        name="考场系统",
        scopes=["exams:site"],
        region_scope="3201",
        organisation=site.organisation,
    )
    today = clock.today()
    exam_day = today + dt.timedelta(days=10)
    plan = call(
        live_server.url,
        "/api/v1/exams/plans",
        token,
        {"exam_date": exam_day.isoformat(), "subject": 1, "capacity": 30},
    )
    person = make_person("320102")
    sign_in_citizen(page, live_server.url, sandbox_server.url, person)

    page.goto(f"{live_server.url}/portal/exams/")
    page.locator("select[name=licence_class]").select_option("C1")
    page.locator("input[name=region_code]").fill("320105")
    page.get_by_test_id("apply-form").get_by_role("button").click()
    expect(page.get_by_test_id("application-state")).to_contain_text("科目一")
    screenshot("exams-1-applied")
    page.get_by_test_id("plan").filter(has_text=exam_day.isoformat()).get_by_test_id("book").click()
    expect(page.get_by_test_id("booking-state")).to_have_text("已预约")
    screenshot("exams-2-booked")
    booking = Booking.objects.get(application__person=person)
    assert booking.plan.public_id.hex == plan["id"].replace("-", "")

    # the exam day: the site's system checks in (examiner drawn) and enters the result
    exam_morning = dt.datetime.combine(exam_day, dt.time(9, 0), tzinfo=clock.SHANGHAI)
    with clock.frozen(exam_morning):
        checked = call(
            live_server.url, f"/api/v1/exams/bookings/{booking.public_id}/check-in", token
        )
        assert checked["examiner"] in site.examiners
        call(
            live_server.url,
            f"/api/v1/exams/bookings/{booking.public_id}/result",
            token,
            {"scores": {"main": [86, 94]}},
        )
        page.goto(f"{live_server.url}/portal/exams/")
        expect(page.get_by_test_id("booking-state")).to_have_text("合格")
        expect(page.get_by_test_id("booking-result")).to_contain_text("86 / 94")
        permit_until = LicenceApplication.objects.get(person=person).permit_valid_until
        assert permit_until is not None
        expect(page.get_by_test_id("permit")).to_have_text(permit_until.isoformat())
        expect(page.get_by_test_id("application-state")).to_have_text(re.compile("学习驾驶证明"))
        screenshot("exams-3-result")
