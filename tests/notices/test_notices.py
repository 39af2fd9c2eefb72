from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from jiaoguan.audit.services import Actor
from jiaoguan.cases import services
from jiaoguan.cases.services import catalogue_sync
from jiaoguan.notices.models import Notice
from tests.conftest import SANDBOX_KEY, make_citizen, make_licence, make_person

pytestmark = pytest.mark.django_db
ENGINE = Actor.system("tests")


@pytest.fixture(autouse=True)
def catalogue(db: None) -> None:
    catalogue_sync(actor=ENGINE)


def outbox(server: Any, phone: str) -> list[str]:
    req = urllib.request.Request(
        f"{server.url}/sms/v1/messages?phone={phone}",
        headers={"Authorization": f"Bearer {SANDBOX_KEY}"},
    )
    with urllib.request.urlopen(req, timeout=5) as resp:
        return [m["text"] for m in json.loads(resp.read())["messages"]]


def test_each_step_that_matters_sends_a_notice_and_an_sms(sandbox_server: Any) -> None:
    person = make_person()
    make_licence(person, classes=["A1"])
    app = services.application_start(
        actor=ENGINE, applicant=person, business_type="licence_downgrade", channel="online"
    )
    app = services.application_submit(
        actor=ENGINE, principal=None, application=app, changes={"keep_classes": ["C1"]}
    )
    services.application_payment_confirmed(application=app, reference="order-1")
    notices = list(Notice.objects.filter(person=person).order_by("id"))
    assert [n.template for n in notices] == [
        "application.awaiting_payment",
        "application.completed",
    ]
    assert all(n.sms_status == "sent" for n in notices)
    texts = outbox(sandbox_server, person.phone)
    assert any("请缴纳费用10.00元" in t and t.startswith("【交管】") for t in texts)
    assert notices[1].text("en") == (
        f"Your application {app.case_number} (Voluntary downgrade of licence classes) is complete."
    )


def test_refusal_notice_translates_the_rule_message() -> None:
    person = make_person()
    make_licence(person, classes=["C1"])
    app = services.application_start(
        actor=ENGINE, applicant=person, business_type="licence_downgrade", channel="online"
    )
    services.application_submit(
        actor=ENGINE, principal=None, application=app, changes={"keep_classes": ["C1"]}
    )
    notice = Notice.objects.get(person=person, template="application.rejected")
    assert notice.text("en").endswith("The classes kept allow the same as the licence today")
    with translation.override("zh-hans"):
        assert "所保留的准驾车型与现有驾驶证相同" in notice.text("zh-hans")


def test_sms_gateway_down_keeps_the_notice_queued(sandbox_server: Any) -> None:
    from jiaoguan.notices.services import notices_deliver_queued
    from tests.accounts.test_accounts import sandbox_call

    person = make_person()
    sandbox_call(
        sandbox_server, "POST", "/_sandbox/faults", {"service": "sms", "mode": "error", "count": 1}
    )
    try:
        app = services.application_start(
            actor=ENGINE, applicant=person, business_type="contact_change", channel="online"
        )
        app = services.application_submit(actor=ENGINE, principal=None, application=app)
    finally:
        sandbox_call(sandbox_server, "DELETE", "/_sandbox/faults")
    assert app.state == "completed"  # the business does not wait for the SMS gateway
    notice = Notice.objects.get(person=person)
    assert notice.sms_status == "queued"
    assert notices_deliver_queued() == 1
    notice.refresh_from_db()
    assert notice.sms_status == "sent" and notice.sms_message_id
    assert any(app.case_number in t for t in outbox(sandbox_server, person.phone))


def test_portal_and_api_show_my_notices() -> None:
    person = make_person()
    c = Client()
    c.force_login(make_citizen(person))
    app = services.application_start(
        actor=ENGINE, applicant=person, business_type="contact_change", channel="online"
    )
    services.application_submit(actor=ENGINE, principal=None, application=app)
    assert "已办结" in c.get("/portal/").content.decode()
    items = c.get("/api/v1/me/notices").json()["items"]
    assert len(items) == 1 and items[0]["read"] is False
    read = c.post(f"/api/v1/me/notices/{items[0]['id']}/read").json()
    assert read["read"] is True
    assert c.post("/api/v1/me/notices/not-a-uuid/read").status_code == 404
