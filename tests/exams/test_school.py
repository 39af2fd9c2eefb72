"""A driving school applies for its students (R162 Art. 22 through the school channel): the
staff of a driving school's organisation account name the applicant by ID number and name
(the school reads no registry), apply at an office of their region, and see only the
applications the school made; API and page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from jiaoguan.exams.models import LicenceApplication
from jiaoguan.orgs import services as orgs
from tests.conftest import PASSWORD
from tests.exams.fixtures import DAY0, applicant, apply, on
from tests.orgs.test_orgs import _active

pytestmark = pytest.mark.django_db


def school_staff(start: int = 700) -> Any:
    account, rep = _active(start=start)
    admin = orgs.org_account_sign(
        applicant=rep, account=account, admin_username=f"adm-{start}", admin_password=PASSWORD
    ).administrator
    return orgs.org_staff_create(admin=admin, username=f"coach-{start}", password=PASSWORD).user


def test_a_school_applies_for_its_student_by_number_and_name() -> None:
    coach = school_staff()
    assert coach.has_perm("exams.handle_licence_application")
    office = coach.region_scope
    student, _user = applicant(office)
    client = Client()
    client.force_login(coach)
    url = "/api/v1/exams/applications"
    body = {"licence_class": "C1", "region_code": office, "id_number": student.id_number}
    with on(DAY0):
        for wrong in ({}, {"name": student.name + "甲"}):  # the number alone finds no one
            r = client.post(url, {**body, **wrong}, content_type="application/json")
            assert r.status_code == 404, r.content
            assert r.json()["code"] == "not_found"
        r = client.post(url, {**body, "name": student.name}, content_type="application/json")
    assert r.status_code == 201, r.content
    assert r.json()["channel"] == "school"
    app = LicenceApplication.objects.get(public_id=r.json()["id"])
    assert app.agent_id == coach.organisation_id and app.person_id == student.pk
    # the school sees the application it made, not the region's others
    _other, someone = applicant(office)
    with on(DAY0):
        theirs = apply(someone, office=office)
    seen = {i["id"] for i in client.get(url).json()["items"]}
    assert seen == {str(app.public_id)}
    assert client.get(f"{url}/{theirs.public_id}").status_code == 404


def test_the_console_form_applies_and_shows_a_refusal_beside_the_field() -> None:
    coach = school_staff(710)
    office = coach.region_scope
    student, _user = applicant(office)
    c = Client()
    c.force_login(coach)
    page = c.get("/console/exams/")
    assert page.status_code == 200 and 'data-testid="apply-for-form"' in page.content.decode()
    form = {
        "id_number": student.id_number,
        "name": "错名",
        "licence_class": "C1",
        "kind": "first",
        "region_code": office,
    }
    with on(DAY0):
        r = c.post("/console/exams/", form)
        assert r.status_code == 200 and "未找到该人员" in r.content.decode()
        assert not LicenceApplication.objects.exists()
        r = c.post("/console/exams/", {**form, "name": student.name})
    assert r.status_code == 302
    app = LicenceApplication.objects.get()
    assert (app.channel, app.agent_id) == ("school", coach.organisation_id)
    listed = c.get("/console/exams/").content.decode()
    assert 'data-testid="console-applications"' in listed
