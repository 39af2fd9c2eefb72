"""The exams pages: the applicant's portal, the exam site's desk (publish, check in with a
random examiner, record a result) and the clerks' console, masked for roles that do not
need full identifiers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from jiaoguan.exams.models import Booking, ExamPlan
from tests.conftest import make_staff
from tests.exams.fixtures import DAY0, applicant, apply, book, make_site, on, publish, site_staff

pytestmark = pytest.mark.django_db
D = dt.timedelta


def test_desk_publishes_checks_in_and_records_a_result() -> None:
    site = make_site()
    staff = site_staff(site)
    person, user = applicant()
    desk = Client()
    desk.force_login(staff)
    with on(DAY0):
        r = desk.post("/exam-site/", {"exam_date": "2026-03-12", "subject": "1", "capacity": "5"})
        assert r.status_code == 302
        plan = ExamPlan.objects.get(site=site)
        r = desk.post("/exam-site/", {"exam_date": "2026-03-05", "subject": "1", "capacity": "5"})
        assert r.status_code == 200 and "十日" in r.content.decode()  # R162 Art. 52
        app = apply(user)
        b = book(user, app, plan)
    with on(DAY0 + D(10), "08:00"):
        page = desk.get("/exam-site/?date=2026-03-12").content.decode()
        assert 'data-testid="desk-booking"' in page and person.name not in page  # masked
        assert desk.post(f"/exam-site/bookings/{b.public_id}/check-in/").status_code == 302
        b.refresh_from_db()
        assert b.state == "checked_in" and b.examiner in site.examiners
        r = desk.post(f"/exam-site/bookings/{b.public_id}/result/", {"main_1": "abc"})
        assert r.status_code == 422
        r = desk.post(f"/exam-site/bookings/{b.public_id}/result/", {"main_1": "88"})
        assert r.status_code == 302
    b.refresh_from_db()
    assert b.state == "failed"
    c = Client()
    c.force_login(user)
    page = c.get("/portal/exams/").content.decode()
    assert "不合格" in page and "88" in page


def test_another_site_cannot_touch_a_booking() -> None:
    site, other = make_site(), make_site()
    _, user = applicant()
    with on(DAY0):
        b = book(user, apply(user), publish(site, 1, DAY0 + D(10)))
    stranger = Client()
    stranger.force_login(site_staff(other))
    with on(DAY0 + D(10)):
        assert stranger.post(f"/exam-site/bookings/{b.public_id}/check-in/").status_code == 404
    assert Booking.objects.get(pk=b.pk).state == "booked"


def test_portal_shows_a_refusal_beside_the_field() -> None:
    _, user = applicant()
    c = Client()
    c.force_login(user)
    with on(DAY0):
        r = c.post("/portal/exams/", {"licence_class": "C1", "region_code": "440106"})
    assert r.status_code == 200
    assert "户籍所在省" in r.content.decode()


def test_console_masks_identifiers_for_a_counter_clerk_not_for_a_reviewer() -> None:
    person, user = applicant()
    with on(DAY0):
        apply(user)
    clerk, reviewer = Client(), Client()
    clerk.force_login(make_staff("counter_clerk", "3201"))
    reviewer.force_login(make_staff("reviewer", "3201"))
    masked = clerk.get("/console/exams/").content.decode()
    assert person.id_number not in masked and person.id_number_masked in masked
    assert person.id_number in reviewer.get("/console/exams/").content.decode()
    outside = Client()
    outside.force_login(make_staff("counter_clerk", "3205"))
    assert person.id_number_masked not in outside.get("/console/exams/").content.decode()


def test_portal_offers_only_the_subjects_that_may_be_booked() -> None:
    site = make_site()
    _, user = applicant()
    c = Client()
    c.force_login(user)
    with on(DAY0):
        apply(user)
        publish(site, 1, DAY0 + D(10))
        publish(site, 2, DAY0 + D(11))
        page = c.get("/portal/exams/").content.decode()
    assert page.count('data-testid="plan"') == 1 and "科目一" in page
