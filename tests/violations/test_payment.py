"""Paying a fine through the real payment path: the page (or the API) opens the order at the
provider (sandbox over HTTP), the provider's signed callback reaches the live server, and the
violation and the ledger learn it in the transaction that marks the order paid."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from jiaoguan.documents.models import Document
from jiaoguan.payments.models import FeeOrder
from jiaoguan.violations.models import PointEntry, Violation
from tests.conftest import make_citizen, make_licence, make_person
from tests.payments.test_payments import pay
from tests.violations.conftest import confirm, record

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def notify(settings: Any, live_server: Any) -> str:
    settings.PAYMENTS_NOTIFY_BASE_URL = live_server.url
    return str(live_server.url)


@pytest.mark.parametrize("provider", ["wechat", "alipay"])
def test_the_owner_pays_on_the_page_and_the_callback_marks_the_fine_paid(
    provider: str, world: dict[str, Any], notify: str, sandbox_server: Any
) -> None:
    v = confirm(world, record(world, points=3, fine_fen=20000))
    c = Client()
    c.force_login(world["citizen"])
    page = c.post(
        "/portal/violations/", {"violation": str(v.public_id), "action": f"pay_{provider}"}
    )
    assert page.status_code == 302
    assert 'data-testid="code-url"' in c.get("/portal/violations/").content.decode()
    order = FeeOrder.objects.get(purpose_ref=f"violation:{v.public_id}")
    assert order.amount_fen == 20000 and order.items[0]["name"] == "交通违法罚款"
    assert order.payer_person_ref == str(world["owner"].public_id)
    pay(sandbox_server, order, provider, deliver="twice")  # a duplicated callback too
    v = Violation.objects.get(pk=v.pk)
    assert v.state == "paid" and v.paid_at is not None and v.fee_order_no == order.order_no
    assert PointEntry.objects.get(violation=v).fine_paid
    assert v.events.filter(command="pay").count() == 1
    receipt = Document.objects.get(kind="payment_receipt")
    assert receipt.fields["purpose"] == "交通违法罚款" and receipt.fields["case_number"] == v.number
    text = c.get("/portal/violations/").content.decode()
    assert 'data-testid="receipt"' in text and "罚款已缴纳" in text


def test_lost_callback_is_found_by_i_have_paid_and_a_named_driver_pays_by_api(
    world: dict[str, Any], notify: str, sandbox_server: Any
) -> None:
    driver = make_person("320102")
    make_licence(driver)
    v = confirm(world, record(world, points=6, fine_fen=15000), driver_id_number=driver.id_number)
    api = Client()
    api.force_login(make_citizen(driver))
    started = api.post(
        f"/api/v1/violations/{v.public_id}/pay",
        {"provider": "wechat"},
        content_type="application/json",
    )
    assert started.status_code == 200 and started.json()["code_url"].startswith("weixin://")
    assert started.json()["amount_fen"] == 15000
    order = FeeOrder.objects.get(purpose_ref=f"violation:{v.public_id}")
    assert order.payer_person_ref == str(driver.public_id)  # the fine is the driver's
    pay(sandbox_server, order, "wechat", deliver="none")
    assert Violation.objects.get(pk=v.pk).state == "driver_confirmed"
    owner = Client()
    owner.force_login(world["citizen"])
    owner.post("/portal/violations/", {"violation": str(v.public_id), "action": "pay_wechat"})
    owner.post("/portal/violations/", {"violation": str(v.public_id), "action": "check_payment"})
    assert Violation.objects.get(pk=v.pk).state == "paid"
    again = api.post(
        f"/api/v1/violations/{v.public_id}/pay",
        {"provider": "alipay"},
        content_type="application/json",
    )
    assert again.status_code == 409


def test_voiding_closes_the_open_order(
    world: dict[str, Any], notify: str, sandbox_server: Any
) -> None:
    v = confirm(world, record(world, points=3))
    c = Client()
    c.force_login(world["citizen"])
    c.post("/portal/violations/", {"violation": str(v.public_id), "action": "pay_alipay"})
    officer = Client()
    officer.force_login(world["officer"])
    done = officer.post(
        "/console/violations/",
        {"violation": str(v.public_id), "action": "void", "reason": "复核：非本车"},
    )
    assert done.status_code == 302
    assert FeeOrder.objects.get(purpose_ref=f"violation:{v.public_id}").status == "closed"
    answer = pay(sandbox_server, FeeOrder.objects.get(), "alipay")
    assert Violation.objects.get(pk=v.pk).state == "void"  # a late payment changes nothing
    assert answer is not None
