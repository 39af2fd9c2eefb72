"""The exam business at service level: applications (where to apply), plans, bookings within
the rules, the queue, check-in with the random examiner, results, the learner permit and the
licence through the engine."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from jiaoguan.audit.models import AuditEvent
from jiaoguan.audit.services import Actor
from jiaoguan.cases.models import Application
from jiaoguan.exams import services
from jiaoguan.exams.models import Booking, ExamPlan, LicenceApplication
from jiaoguan.kernel.errors import DomainError
from jiaoguan.registry.models import DrivingLicence
from tests.exams.fixtures import (
    DAY0,
    applicant,
    apply,
    book,
    make_site,
    on,
    publish,
    sit,
    site_staff,
)

pytestmark = pytest.mark.django_db

D = dt.timedelta


def refused(code: str, fn: Any, *a: Any, **kw: Any) -> DomainError:
    with pytest.raises(DomainError) as exc:
        fn(*a, **kw)
    assert exc.value.code == code, exc.value.code
    return exc.value


def test_full_journey_to_the_licence_through_the_engine() -> None:
    site = make_site()
    staff = site_staff(site)
    person, user = applicant()
    with on(DAY0):
        app = apply(user)
        assert app.where_basis == "household" and app.state == "open"
        p1 = publish(site, 1, DAY0 + D(10), staff=staff)
        b1 = book(user, app, p1)
    assert b1.state == "booked" and b1.number == 1
    r1 = sit(staff, b1, {"main": [95]})
    assert r1.passed and r1.examiner in site.examiners
    app.refresh_from_db()
    assert app.state == "learning"
    assert app.permit_issued_on == DAY0 + D(10)
    assert app.permit_valid_until == dt.date(2029, 3, 11)  # 3 years, R162 Art. 41
    check_in = AuditEvent.objects.get(action="exams.booking_check_in", object_ref=str(b1.public_id))
    assert "secrets.choice" in check_in.reason
    # 科目二: 10 days after the permit for C1 (R162 Art. 43)
    permit_day = DAY0 + D(10)
    with on(permit_day + D(1)):
        p2 = publish(site, 2, permit_day + D(25), staff=staff)
        refused("too_early", book, user, app, p2)
    with on(permit_day + D(10)):
        b2 = book(user, app, p2)
    sit(staff, b2, {"main": [70, 85]})  # the free retake passes (80 for C1)
    # 科目三: 30 days for C1 (R162 Art. 44); both parts
    with on(permit_day + D(30)):
        p3 = publish(site, 3, permit_day + D(45), staff=staff)
        b3 = book(user, app, p3)
    r3 = sit(staff, b3, {"road": [92], "safety": [96]})
    assert r3.passed
    app.refresh_from_db()
    assert app.state == "awaiting_licence"
    case = Application.objects.get(public_id=app.licence_case_ref)
    assert case.business_type.code == "exam_licence_issue"
    assert case.state == "awaiting_payment"
    assert sum(f["amount_fen"] for f in case.catalogue_entry.fees) == 1000
    # the fee paid, the engine completes and issues the licence
    from jiaoguan.cases.services import application_payment_confirmed

    with on(permit_day + D(46)):
        application_payment_confirmed(application=case, reference="test-payment")
    app.refresh_from_db()
    licence = DrivingLicence.objects.get(person=person)
    assert app.state == "licensed" and licence.classes == "C1" and licence.term == "6y"
    assert licence.first_issue_date == permit_day + D(46)


def test_subject_three_safety_failed_keeps_the_road_part() -> None:
    site = make_site()
    staff = site_staff(site)
    _, user = applicant()
    with on(DAY0):
        app = apply(user)
        b1 = book(user, app, publish(site, 1, DAY0 + D(10), staff=staff))
    sit(staff, b1, {"main": [90]})
    day = DAY0 + D(10)
    with on(day + D(30)):
        b3 = book(user, app, publish(site, 3, day + D(40), staff=staff))
    r = sit(staff, b3, {"road": [90], "safety": [80, 85]})
    assert not r.passed and r.parts_passed == {"road": True, "safety": False}
    # the next sitting takes only the safety part, 10 days after the failed retake
    with on(day + D(45)):
        p = publish(site, 3, day + D(60), staff=staff)
        refused("retake_wait", book, user, app, p)
    with on(day + D(50)):
        b = book(user, app, p)
    assert b.number == 2
    with on(day + D(60), "09:00"):
        b = services.booking_check_in(actor=Actor.of(staff), principal=staff, booking=b)
        refused(
            "invalid_scores",
            services.booking_result_record,
            actor=Actor.of(staff),
            principal=staff,
            booking=b,
            scores={"road": [90], "safety": [95]},
        )
        services.booking_result_record(
            actor=Actor.of(staff), principal=staff, booking=b, scores={"safety": [95]}
        )
    app.refresh_from_db()
    assert app.passed.keys() == {"1", "3road", "3safety"}
    assert app.state == "learning"  # 科目二 still to pass


def test_fifth_failed_booking_voids_the_subjects_passed() -> None:
    site = make_site()
    staff = site_staff(site)
    _, user = applicant()
    with on(DAY0):
        app = apply(user)
        b1 = book(user, app, publish(site, 1, DAY0 + D(10), staff=staff))
    sit(staff, b1, {"main": [100]})
    day = DAY0 + D(10)
    for n in range(1, 6):
        start = day + D(20 * n)
        with on(start):
            b = book(user, app, publish(site, 2, start + D(10), staff=staff))
            if n == 5:  # a 科目三 booking still open when the 5th 科目二 fails
                b3 = book(user, app, publish(site, 3, start + D(15), staff=staff))
        assert b.number == n
        sit(staff, b, {"main": [50, 60]})
    b3.refresh_from_db()
    assert b3.state == "cancelled"
    app.refresh_from_db()
    assert app.state == "void" and app.passed == {}
    assert not Booking.objects.filter(application=app, state__in=["waiting", "booked"]).exists()
    with on(day + D(130)):
        refused("application_closed", book, user, app, publish(site, 2, day + D(140), staff=staff))


def test_booking_limit_counts_absence_and_not_a_timely_cancellation() -> None:
    site = make_site()
    staff = site_staff(site)
    _, user = applicant()
    with on(DAY0):
        app = apply(user)
        b1 = book(user, app, publish(site, 1, DAY0 + D(10), staff=staff))
    sit(staff, b1, {"main": [100]})
    day = DAY0 + D(10)
    # day is Thursday 2026-03-12; the exam is on Monday 2026-03-30 (day + 18)
    with on(day + D(1)):
        p = publish(site, 2, day + D(18), staff=staff)
    with on(day + D(10)):
        b = book(user, app, p)
    with on(day + D(15)):  # Friday: the last working day before the exam, in time
        services.booking_cancel(actor=Actor.of(user), principal=user, booking=b)
    b.refresh_from_db()
    assert b.state == "cancelled"  # not one of the 5 bookings
    with on(day + D(16)):
        b = book(user, app, p)
    assert b.number == 1
    with on(day + D(17)):  # Sunday: too late, the absence will count as a fail
        err = refused(
            "cancellation_too_late",
            services.booking_cancel,
            actor=Actor.of(user),
            principal=user,
            booking=b,
        )
        assert "R162 Art. 46" in (err.citation or "")
    with on(day + D(19)):
        assert services.bookings_absent_run(actor=Actor.system("tests")) == 1
    b.refresh_from_db()
    assert b.state == "absent"
    with on(day + D(20)):  # 10 days after the absence not yet over (R162 Art. 47)
        refused("retake_wait", book, user, app, publish(site, 2, day + D(35), staff=staff))


def test_oversubscribed_day_queues_by_published_priority() -> None:
    site = make_site()
    staff = site_staff(site)
    users = [applicant()[1] for _ in range(3)]
    with on(DAY0):
        apps = [apply(u) for u in users]
    # the first two pass 科目一 on different days: different permit expiry dates
    for i, u in enumerate(users):
        with on(DAY0 + D(i)):
            b = book(u, apps[i], publish(site, 1, DAY0 + D(10 + i), staff=staff))
        sit(staff, b, {"main": [95]})
    start = DAY0 + D(40)
    with on(start):
        p = publish(site, 2, start + D(12), capacity=1, staff=staff)
        first = book(users[2], apps[2], p)
    assert first.state == "booked"
    with on(start, "11:00"):
        late_permit_early_request = book(users[1], apps[1], p)
    with on(start, "12:00"):
        early_permit_late_request = book(users[0], apps[0], p)
    assert late_permit_early_request.state == early_permit_late_request.state == "waiting"
    from jiaoguan.exams import selectors

    assert selectors.queue_position(early_permit_late_request) == 1
    assert selectors.queue_position(late_permit_early_request) == 2
    with on(start + D(1)):
        services.booking_cancel(actor=Actor.of(users[2]), principal=users[2], booking=first)
    early_permit_late_request.refresh_from_db()
    assert early_permit_late_request.state == "booked"
    assert early_permit_late_request.allocation_rule == "local-2026-01"
    assert ExamPlan.objects.get(pk=p.pk).booked == 1
    assert AuditEvent.objects.filter(action="exams.booking_allocate").count() == 1


def _anhui_id(status: str) -> str:
    """An ID number of an Anhui household (340102) whose Jiangsu residence permit has
    ``status`` at the sandbox today (the sandbox judges permits on its own date)."""
    from sandbox.population import is_deceased
    from sandbox.residence import permit
    from sandbox.vehicles import find_id_number

    today = dt.date.today()
    return find_id_number(
        lambda n: permit(n, today)["status"] == status and not is_deceased(n),
        region_code="340102",
    )


def test_where_to_apply_other_province_needs_a_residence_permit() -> None:
    from jiaoguan.accounts.ports import get_port

    number = _anhui_id("valid")
    person, user = applicant(id_number=number)
    permit = get_port("residence").permit(id_number=number)
    assert permit.region_code and permit.region_code.startswith("32")
    with on(DAY0):
        app = services.licence_application_start(
            actor=Actor.of(user),
            principal=user,
            person=person,
            licence_class="C1",
            office_region=permit.region_code,
        )
        # the household province needs no permit: anywhere in Anhui with the ID card alone
    assert app.where_basis == "residence_permit"
    for status in ("none", "expired"):
        _, other = applicant(id_number=_anhui_id(status))
        with on(DAY0):
            err = refused("not_resident_here", apply, other, "C1", "320102")
        assert "R162 Art. 22" in (err.citation or "")


def test_refusals_of_class_age_and_site_scope() -> None:
    site = make_site()
    _, user = applicant()
    with on(DAY0):
        refused("class_not_first", apply, user, "A1")
        app = apply(user)
        refused("application_open", apply, user, "C1")
        other_site = make_site()
        refused(
            "not_found",
            services.plan_publish,
            actor=Actor.system("t"),
            principal=site_staff(other_site),
            site=site,
            exam_date=DAY0 + D(10),
            subject=1,
            capacity=5,
        )
        refused("plan_too_late", publish, site, 1, DAY0 + D(9))
        p = publish(site, 2, DAY0 + D(12))
        refused("no_learner_permit", book, user, app, p)
    assert Booking.objects.count() == 0
    assert LicenceApplication.objects.count() == 1


def test_learner_permit_expiry_stops_bookings() -> None:
    site = make_site()
    staff = site_staff(site)
    _, user = applicant()
    with on(DAY0):
        app = apply(user)
        b1 = book(user, app, publish(site, 1, DAY0 + D(10), staff=staff))
    sit(staff, b1, {"main": [90]})
    app.refresh_from_db()
    assert app.permit_valid_until is not None
    last = app.permit_valid_until
    with on(last - D(20)):
        p = publish(site, 2, last + D(1), staff=staff)
        refused("permit_expired", book, user, app, p)  # R162 Art. 41
        ok = publish(site, 2, last, staff=staff)
        assert book(user, app, ok).state == "booked"
    with on(last + D(1)):
        assert services.bookings_absent_run(actor=Actor.system("tests")) == 1
        assert services.permits_expire_run(actor=Actor.system("tests")) == 1
    app.refresh_from_db()
    assert app.state == "void" and app.passed == {}
    assert "R162 Art. 41" in app.void_reason


def test_withdrawing_frees_the_place_for_the_queue() -> None:
    site = make_site()
    staff = site_staff(site)
    (_, u1), (_, u2) = applicant(), applicant()
    with on(DAY0):
        a1, a2 = apply(u1), apply(u2)
        p = publish(site, 1, DAY0 + D(10), capacity=1, staff=staff)
        b1, b2 = book(u1, a1, p), book(u2, a2, p)
    assert (b1.state, b2.state) == ("booked", "waiting")
    with on(DAY0 + D(1)):
        services.licence_application_withdraw(actor=Actor.of(u1), principal=u1, application=a1)
    b1.refresh_from_db()
    b2.refresh_from_db()
    assert (b1.state, b2.state) == ("cancelled", "booked")
    a1.refresh_from_db()
    assert a1.state == "withdrawn"
    assert ExamPlan.objects.get(pk=p.pk).booked == 1


def test_a_counter_applies_for_an_applicant_and_a_class_is_added_at_the_issuing_office() -> None:
    from django.test import Client

    from tests.conftest import make_licence, make_staff

    person, _ = applicant()
    clerk = make_staff("counter_clerk", "3201")
    c = Client()
    c.force_login(clerk)
    with on(DAY0):
        r = c.post(
            "/api/v1/exams/applications",
            {"licence_class": "C1", "region_code": "320102", "id_number": person.id_number},
            content_type="application/json",
        )
    assert r.status_code == 201, r.content
    assert r.json()["channel"] == "window" and person.id_number not in r.json()["id_number"]
    driver, user = applicant()
    make_licence(driver, classes=["C1"])  # first issued 2015 in Nanjing
    with on(DAY0):
        app = services.licence_application_start(
            actor=Actor.of(user),
            principal=user,
            person=driver,
            licence_class="C6",
            office_region="320106",
            kind="add_class",
        )
        assert app.where_basis == "issuing_office"
        refused(
            "not_issuing_office",
            services.licence_application_start,
            actor=Actor.of(user),
            principal=user,
            person=driver,
            licence_class="B1",
            office_region="320506",
            kind="add_class",
        )
        refused("already_licensed", apply, user, "C2")


def test_an_added_class_goes_on_the_licence_held() -> None:
    from jiaoguan.cases.services import application_payment_confirmed
    from tests.conftest import make_licence

    site = make_site(classes=["C1", "C6"])
    staff = site_staff(site)
    driver, user = applicant()
    make_licence(driver, classes=["C1"])
    with on(DAY0):
        app = services.licence_application_start(
            actor=Actor.of(user),
            principal=user,
            person=driver,
            licence_class="C6",
            office_region="320102",
            kind="add_class",
        )
        b1 = book(user, app, publish(site, 1, DAY0 + D(10), staff=staff))
    sit(staff, b1, {"main": [91]})
    day = DAY0 + D(10)
    with on(day + D(1)):
        p2 = publish(site, 2, day + D(25), staff=staff)
        p3 = publish(site, 3, day + D(26), staff=staff)
        refused("too_early", book, user, app, p2)  # C6: 20 days (R162 Art. 43)
        assert book(user, app, p3).state == "booked"  # no 科目三 wait for C6 (Art. 44)
    with on(day + D(20)):
        b2 = book(user, app, p2)
    r2 = sit(staff, b2, {"main": [85, 90]})  # 90 for C6
    assert r2.passed
    b3 = Booking.objects.get(application=app, subject=3)
    sit(staff, b3, {"road": [95], "safety": [90]})
    app.refresh_from_db()
    case = Application.objects.get(public_id=app.licence_case_ref)
    with on(day + D(27)):
        application_payment_confirmed(application=case, reference="test-payment")
    licence = DrivingLicence.objects.get(person=driver)
    assert licence.classes == "C1 C6" and licence.first_issue_date == dt.date(2015, 5, 1)
    app.refresh_from_db()
    assert app.state == "licensed"


def test_a_free_place_left_beside_a_queue_is_filled_after_commit() -> None:
    """The window ``_fill_from_queue`` closes: a booking queued on a full counter while a
    concurrent cancellation's promotion could not yet see it (simulated by freeing the place
    behind the queue's back); the check after commit gives the place to the queue."""
    site = make_site()
    (_, u1), (_, u2) = applicant(), applicant()
    with on(DAY0):
        p = publish(site, 1, DAY0 + D(10), capacity=1)
        b1 = book(u1, apply(u1), p)
        b2 = book(u2, apply(u2), p)
        assert b2.state == "waiting"
        Booking.objects.filter(pk=b1.pk).update(state="cancelled")
        ExamPlan.objects.filter(pk=p.pk).update(booked=0)
        services._fill_from_queue(p.pk)
    b2.refresh_from_db()
    assert b2.state == "booked" and ExamPlan.objects.get(pk=p.pk).booked == 1
