from __future__ import annotations

import pytest
from django.test import Client

from jiaoguan.cases.models import Application
from tests.conftest import make_citizen, make_licence, make_person, make_staff

pytestmark = pytest.mark.django_db


def signed_in(user: object) -> Client:
    c = Client()
    c.force_login(user)  # type: ignore[arg-type]
    return c


def test_citizen_applies_on_pages() -> None:
    person = make_person()
    make_licence(person, classes=["B2"])
    c = signed_in(make_citizen(person))
    page = c.get("/portal/apply/").content.decode()
    assert "变更联系方式" in page and "驾驶证自愿降级" in page
    resp = c.post("/portal/apply/licence_downgrade/")
    assert resp.status_code == 302
    detail_url = resp["Location"]
    form = c.get(detail_url).content.decode()
    assert 'value="C1"' in form and 'value="B2"' in form  # choices from the licence's classes
    resp = c.post(detail_url, {"keep_classes": ["C1"]})
    assert resp.status_code == 302
    page = c.get(detail_url).content.decode()
    assert "待缴费" in page and "¥10.00" in page


def test_refusal_is_shown_with_its_legal_basis() -> None:
    person = make_person()
    make_licence(person, classes=["C1"])
    c = signed_in(make_citizen(person))
    url = c.post("/portal/apply/licence_downgrade/")["Location"]
    c.post(url, {"keep_classes": ["C1"]})
    page = c.get(url).content.decode()
    assert "不予受理" in page and "R162 Art. 65" in page


def test_api_start_submit_and_read() -> None:
    person = make_person()
    c = signed_in(make_citizen(person))
    resp = c.post(
        "/api/v1/applications", {"business_type": "contact_change"}, content_type="application/json"
    )
    assert resp.status_code == 201
    app = resp.json()
    assert app["state"] == "draft" and app["form"]["phone"] == person.phone
    resp = c.post(
        f"/api/v1/applications/{app['id']}/submit",
        {"changes": {"address": "南京市鼓楼区北京西路1号"}},
        content_type="application/json",
    )
    assert resp.status_code == 200 and resp.json()["state"] == "completed"
    history = [e["command"] for e in resp.json()["history"]]
    assert history[0] == "submit" and history[-1] == "complete"
    bad = c.post(
        f"/api/v1/applications/{app['id']}/commands",
        {"command": "withdraw"},
        content_type="application/json",
    )
    assert bad.status_code == 409 and bad["Content-Type"] == "application/problem+json"
    assert c.get("/api/v1/applications").json()["items"][0]["case_number"] == app["case_number"]


def test_api_refuses_unknown_business_and_other_peoples_applications() -> None:
    c = signed_in(make_citizen())
    resp = c.post(
        "/api/v1/applications", {"business_type": "teleport"}, content_type="application/json"
    )
    assert resp.status_code == 422 and resp.json()["code"] == "not_offered"
    other = make_person()
    other_client = signed_in(make_citizen(other))
    app_id = other_client.post(
        "/api/v1/applications", {"business_type": "contact_change"}, content_type="application/json"
    ).json()["id"]
    assert c.get(f"/api/v1/applications/{app_id}").status_code == 404
    assert c.get(f"/applications/{app_id}/").status_code == 404


def test_catalogue_is_public_and_dated() -> None:
    c = Client()
    today = {e["code"] for e in c.get("/api/v1/catalogue").json()}
    assert {"contact_change", "licence_downgrade", "licence_renewal"} <= today
    assert c.get("/api/v1/catalogue", {"on": "2018-08-01", "region": "320505"}).json() == []
    pilot = c.get("/api/v1/catalogue", {"on": "2018-08-01", "region": "320102"}).json()
    assert {e["version"] for e in pilot} == {1}
    assert c.get("/api/v1/catalogue", {"on": "not-a-date"}).status_code == 422


def test_review_queue_page_needs_the_permission() -> None:
    assert signed_in(make_staff("counter_clerk", "3201")).get("/console/review/").status_code == 404
    page = signed_in(make_staff("reviewer", "3201")).get("/console/review/")
    assert page.status_code == 200 and Application.objects.count() == 0


def test_application_form_pdf_for_the_record() -> None:
    import shutil
    import subprocess

    person = make_person()
    c = signed_in(make_citizen(person))
    app = c.post(
        "/api/v1/applications", {"business_type": "contact_change"}, content_type="application/json"
    ).json()
    c.post(
        f"/api/v1/applications/{app['id']}/submit", {"changes": {}}, content_type="application/json"
    )
    resp = c.get(f"/api/v1/applications/{app['id']}/form.pdf")
    assert resp.status_code == 200 and resp["Content-Type"] == "application/pdf"
    assert resp.content.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=resp.content, capture_output=True, check=True
        ).stdout.decode()
        assert app["case_number"] in text
    other = signed_in(make_citizen())
    assert other.get(f"/api/v1/applications/{app['id']}/form.pdf").status_code == 404


def test_staff_see_the_catalogue_with_its_history() -> None:
    page = signed_in(make_staff("counter_clerk", "3201")).get("/console/catalogue/")
    html = page.content.decode()
    assert page.status_code == 200 and "2018-07-01" in html and "3201" in html
    assert "R164 Art. 52" in html
    assert signed_in(make_citizen()).get("/console/catalogue/").status_code == 404


@pytest.mark.parametrize(
    "changes", [{"phone": 123}, {"phone": ["1"]}, {"address": "x" * 300}, {"phone": {"a": 1}}]
)
def test_submit_refuses_values_of_the_wrong_kind(changes: dict[str, object]) -> None:
    c = signed_in(make_citizen(make_person()))
    app = c.post(
        "/api/v1/applications", {"business_type": "contact_change"}, content_type="application/json"
    ).json()
    resp = c.post(
        f"/api/v1/applications/{app['id']}/submit",
        {"changes": changes},
        content_type="application/json",
    )
    assert resp.status_code == 422 and resp.json()["code"] == "invalid_value"
    assert resp.json()["invalid_params"][0]["name"] == next(iter(changes))
    assert c.get(f"/api/v1/applications/{app['id']}").json()["state"] == "draft"


def test_downgrade_classes_must_be_a_list_of_codes() -> None:
    person = make_person()
    make_licence(person, classes=["A1"])
    c = signed_in(make_citizen(person))
    app = c.post(
        "/api/v1/applications",
        {"business_type": "licence_downgrade"},
        content_type="application/json",
    ).json()
    resp = c.post(
        f"/api/v1/applications/{app['id']}/submit",
        {"changes": {"keep_classes": "C1"}},
        content_type="application/json",
    )
    assert resp.status_code == 422 and resp.json()["code"] == "invalid_value"
