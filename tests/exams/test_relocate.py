"""Changing the exam place after a move (R162 Art. 39 para 3; DOMAIN.md §5.5): small classes,
once a subject is passed, at most 3 times, to an office the applicant may apply at, never with
a booking open; service, API and page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from jiaoguan.audit.models import AuditEvent
from jiaoguan.audit.services import Actor
from jiaoguan.exams import services
from jiaoguan.exams.models import ApplicationEvent, LicenceApplication
from jiaoguan.kernel.errors import DomainError, NotFound
from tests.conftest import make_citizen
from tests.exams.fixtures import DAY0, applicant, apply, book, make_site, on, publish, sit

pytestmark = pytest.mark.django_db

D = dt.timedelta


def relocate(user: Any, app: LicenceApplication, office: str) -> LicenceApplication:
    return services.licence_application_relocate(
        actor=Actor.of(user), principal=user, application=app, office_region=office
    )


def refused(code: str, user: Any, app: LicenceApplication, office: str) -> DomainError:
    with pytest.raises(DomainError) as exc:
        relocate(user, app, office)
    assert (exc.value.code, exc.value.field) == (code, "region_code"), exc.value.code
    return exc.value


def learning(cls: str = "C1") -> tuple[Any, LicenceApplication]:
    """An applicant of 南京 who passed 科目一 (learner permit issued)."""
    site = make_site(classes=[cls])
    _, user = applicant()
    with on(DAY0):
        app = apply(user, cls)
        b1 = book(user, app, publish(site, 1, DAY0 + D(10)))
    assert sit(_staff(site), b1, {"main": [95]}).passed
    app.refresh_from_db()
    assert app.state == "learning"
    return user, app


def _staff(site: Any) -> Any:
    from tests.exams.fixtures import site_staff

    return site_staff(site)


def test_a_small_class_moves_three_times_and_keeps_what_it_passed() -> None:
    user, app = learning()
    with on(DAY0 + D(12)):
        for n, office in enumerate(("320506", "320211", "320102"), 1):  # 苏州, 无锡, 南京
            app = relocate(user, app, office)
            assert (app.region_code, app.city_code, app.location_changes) == (
                office,
                office[:4],
                n,
            )
            assert app.where_basis == "household" and app.passed  # 科目一 still passed
        err = refused("location_change_limit", user, app, "320506")
    assert (err.citation or "").startswith("R162 Art. 39")
    events = ApplicationEvent.objects.filter(application=app, command="relocate")
    assert events.count() == 3 and {e.from_state for e in events} == {"learning"}
    audit = AuditEvent.objects.filter(action="exams.application_relocate")
    assert audit.count() == 3 and {a.object_ref for a in audit} == {str(app.public_id)}
    assert LicenceApplication.objects.get(pk=app.pk).version == app.version


def test_refusals_beside_the_field() -> None:
    user, app = learning()
    with on(DAY0 + D(12)):
        refused("same_place", user, app, app.region_code)
        refused("invalid_office", user, app, "32A5")
        # another province, without a residence permit there (the sandbox answers "none")
        refused("not_resident_here", user, app, "440106")
        # an open booking at the old place: cancel it first (its own rules apply)
        site = make_site("3201", classes=["C1"])
        plan = publish(site, 2, DAY0 + D(40))
    with on(DAY0 + D(21)):
        book(user, app, plan)
        with pytest.raises(DomainError) as exc:
            relocate(user, app, "320506")
    assert (exc.value.code, exc.value.status) == ("booking_open", 409)
    # before any subject is passed: withdraw and apply at the new place instead
    _, fresh = applicant()
    with on(DAY0):
        open_app = apply(fresh)
        refused("no_subject_passed", fresh, open_app, "320506")
    # large classes may not move (Art. 39 para 3 names the small ones)
    _, big = applicant()
    with on(DAY0):
        b2 = apply(big, "B2")
    LicenceApplication.objects.filter(pk=b2.pk).update(passed={"1": "2026-03-12"})
    with on(DAY0 + D(12)):
        refused("class_not_eligible", big, b2, "320506")
    # someone else's application is not found
    with pytest.raises(NotFound):
        relocate(make_citizen(), app, "320506")
    assert LicenceApplication.objects.get(pk=app.pk).location_changes == 0


def test_api_moves_and_answers_problems(client: Client) -> None:
    user, app = learning()
    client.force_login(user)
    url = f"/api/v1/exams/applications/{app.public_id}/relocate"
    with on(DAY0 + D(12)):
        ok = client.post(url, {"region_code": "320506"}, content_type="application/json")
        assert ok.status_code == 200, ok.content
        assert (ok.json()["region_code"], ok.json()["location_changes"]) == ("320506", 1)
        bad = client.post(url, {"region_code": "320506"}, content_type="application/json")
        assert bad.status_code == 422 and bad["Content-Type"].startswith("application/problem")
        assert bad.json()["code"] == "same_place"
        junk = client.post(url, {"region_code": 320506}, content_type="application/json")
        assert junk.status_code == 422
        missing = client.post(
            "/api/v1/exams/applications/nope/relocate",
            {"region_code": "320506"},
            content_type="application/json",
        )
        assert missing.status_code == 404


def test_the_portal_offers_the_change_and_shows_a_refusal_beside_the_field() -> None:
    user, app = learning()
    c = Client()
    c.force_login(user)
    with on(DAY0 + D(12)):
        page = c.get("/portal/exams/").content.decode()
        assert 'data-testid="relocate-form"' in page and "0 of 3" not in page  # zh first
        url = f"/portal/exams/applications/{app.public_id}/relocate/"
        r = c.post(url, {f"r{app.pk}-region_code": "440106"})
        assert r.status_code == 200
        body = r.content.decode()
        assert "户籍所在省" in body and 'data-testid="relocate-form"' in body
        r = c.post(url, {f"r{app.pk}-region_code": "320506"})
        assert r.status_code == 302
    app.refresh_from_db()
    assert (app.region_code, app.location_changes) == ("320506", 1)
