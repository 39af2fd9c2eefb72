"""The fee step of an application, paid through the real providers' protocol (sandbox):
the provider's signed callback reaches the live server and the application moves on."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from jiaoguan.audit.services import Actor
from jiaoguan.cases import services
from jiaoguan.cases.models import Application
from jiaoguan.cases.services import catalogue_sync
from jiaoguan.documents.models import Document
from jiaoguan.payments.models import FeeOrder
from tests.conftest import make_citizen, make_person, make_vehicle
from tests.payments.test_payments import pay

ENGINE = Actor.system("tests")


@pytest.fixture
def notify(settings: Any, live_server: Any) -> str:
    settings.PAYMENTS_NOTIFY_BASE_URL = live_server.url
    return str(live_server.url)


def awaiting(person: Any) -> Application:
    vehicle = make_vehicle(person)
    app = services.application_start(
        actor=ENGINE,
        applicant=person,
        business_type="permit_replacement",
        channel="online",
        subject_ref=str(vehicle.public_id),
    )
    app = services.application_submit(actor=ENGINE, principal=None, application=app)
    assert app.state == "awaiting_payment"
    return app


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("provider", ["wechat", "alipay"])
def test_paid_callback_completes_the_application(
    provider: str, notify: str, sandbox_server: Any
) -> None:
    catalogue_sync(actor=ENGINE)
    person = make_person()
    c = Client()
    c.force_login(make_citizen(person))
    app = awaiting(person)
    page = c.post(f"/applications/{app.public_id}/", {"action": f"pay_{provider}"})
    assert page.status_code == 302
    assert 'data-testid="code-url"' in c.get(f"/applications/{app.public_id}/").content.decode()
    order = FeeOrder.objects.get(purpose_ref=f"application:{app.public_id}")
    assert order.amount_fen == 1000 and order.items[0]["name"] == "行驶证工本费"
    pay(sandbox_server, order, provider, deliver="twice")  # a duplicated callback too
    app.refresh_from_db()
    assert app.state == "completed"
    assert Document.objects.get(kind="driving_permit").status == "valid"
    assert app.events.filter(command="complete").count() == 1


@pytest.mark.django_db(transaction=True)
def test_lost_callback_is_found_by_i_have_paid(notify: str, sandbox_server: Any) -> None:
    catalogue_sync(actor=ENGINE)
    person = make_person()
    c = Client()
    c.force_login(make_citizen(person))
    app = awaiting(person)
    c.post(f"/applications/{app.public_id}/", {"action": "pay_wechat"})
    order = FeeOrder.objects.get(purpose_ref=f"application:{app.public_id}")
    pay(sandbox_server, order, "wechat", deliver="none")
    app.refresh_from_db()
    assert app.state == "awaiting_payment"
    c.post(f"/applications/{app.public_id}/", {"action": "check_payment"})
    app.refresh_from_db()
    assert app.state == "completed"


@pytest.mark.django_db(transaction=True)
def test_demo_pay_button_only_in_demo_mode(settings: Any, notify: str, sandbox_server: Any) -> None:
    catalogue_sync(actor=ENGINE)
    person = make_person()
    c = Client()
    c.force_login(make_citizen(person))
    app = awaiting(person)
    c.post(f"/applications/{app.public_id}/", {"action": "pay_wechat"})
    settings.DEMO_SHOW_OTP = False
    c.post(f"/applications/{app.public_id}/", {"action": "demo_pay", "provider": "wechat"})
    app.refresh_from_db()
    assert app.state == "awaiting_payment"  # refused outside the demo
    settings.DEMO_SHOW_OTP = True
    assert "WeChat Pay" in c.get(f"/applications/{app.public_id}/").content.decode()
    c.post(f"/applications/{app.public_id}/", {"action": "demo_pay", "provider": "wechat"})
    app.refresh_from_db()
    assert app.state == "completed"
