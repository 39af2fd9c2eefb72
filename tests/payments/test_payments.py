"""Payments end to end over real HTTP.

The sandbox (a real HTTP server) plays WeChat Pay v3 and Alipay with keys it generated; the
adapters talk to it through the official SDKs. Callbacks are really delivered: the sandbox
POSTs the signed callback to the notify URL of a live Django server (pytest-django's
``live_server``, hence ``transaction=True``), so the providers' signing and the SDKs'
verification (RSA signatures, WeChat's AES-256-GCM resource) run exactly as in production.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
from typing import Any

import pytest
from django.test import Client

from jiaoguan.audit.models import AuditEvent
from jiaoguan.audit.services import Actor
from jiaoguan.kernel import clock
from jiaoguan.kernel.errors import Conflict, DomainError
from jiaoguan.payments import services
from jiaoguan.payments.constants import EventFlag, MismatchKind, OrderStatus
from jiaoguan.payments.models import FeeOrder, PaymentEvent, ReconciliationMismatch
from tests.conftest import SANDBOX_KEY, make_citizen, make_person, make_staff

pytestmark = pytest.mark.django_db(transaction=True)

SANDBOX_NAME = {"wechat": "wechatpay", "alipay": "alipay"}
ITEMS = [
    {"code": "plate_fee", "name": "号牌工本费", "amount_fen": 10000},
    {"code": "licence_fee", "name": "行驶证工本费", "amount_fen": 1050},
]
TOTAL = 11050
PROVIDERS = ["wechat", "alipay"]


def sandbox(server: Any, method: str, path: str, body: Any = None) -> Any:
    host, port = server.server_address[:2]
    conn = http.client.HTTPConnection(str(host), port, timeout=30)
    data = None if body is None else json.dumps(body).encode()
    conn.request(method, path, body=data, headers={"Authorization": f"Bearer {SANDBOX_KEY}"})
    answer = json.loads(conn.getresponse().read())
    conn.close()
    return answer


def pay(server: Any, order: FeeOrder, provider: str, **extra: Any) -> Any:
    body = {"provider": SANDBOX_NAME[provider], "out_trade_no": order.order_no, **extra}
    return sandbox(server, "POST", "/pay/sandbox/pay", body)


@pytest.fixture
def notify(settings: Any, live_server: Any) -> str:
    settings.PAYMENTS_NOTIFY_BASE_URL = live_server.url
    return str(live_server.url)


@pytest.fixture
def system() -> Actor:
    return Actor.system("tests")


def new_order(system: Actor, items: list[dict[str, Any]] | None = None) -> FeeOrder:
    return services.fee_order_create(
        actor=system,
        payer_person_ref="person-1",
        purpose_ref="application-1",
        subject="机动车注册登记",
        items=items or ITEMS,
    )


def started(system: Actor, provider: str) -> FeeOrder:
    order = new_order(system)
    code_url = services.payment_start(actor=system, order=order, provider=provider)
    assert code_url.startswith(
        "weixin://wxpay/bizpayurl?pr=" if provider == "wechat" else "https://qr.alipay.com/"
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.PAYING
    return order


@pytest.mark.parametrize("provider", PROVIDERS)
def test_duplicated_callback_pays_once(
    provider: str, notify: str, sandbox_server: Any, system: Actor
) -> None:
    order = started(system, provider)
    answer = pay(sandbox_server, order, provider, deliver="twice")
    if provider == "wechat":
        expected: Any = (200, {"code": "SUCCESS", "message": "成功"})
        got = [(d["status"], json.loads(d["body"])) for d in answer["deliveries"]]
    else:
        expected = (200, "success")
        got = [(d["status"], d["body"]) for d in answer["deliveries"]]
    assert got == [expected, expected]
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.provider_txn_id == answer["transaction_id"]
    assert order.amount_fen == TOTAL
    events = PaymentEvent.objects.filter(order=order)
    assert [(e.verified, e.applied, e.amount_fen) for e in events] == [(True, True, TOTAL)]
    assert order.history.filter(command="mark_paid").count() == 1
    assert (
        AuditEvent.objects.filter(
            action="payments.order_mark_paid", object_ref=str(order.public_id)
        ).count()
        == 1
    )
    # paying again is refused here and at the provider
    with pytest.raises(Conflict) as info:
        services.payment_start(actor=system, order=order, provider=provider)
    assert info.value.code == "already_paid"
    assert pay(sandbox_server, order, provider)["error"] == "already_paid"


@pytest.mark.parametrize("provider", PROVIDERS)
def test_forged_callback_refused_and_recorded(
    provider: str, notify: str, sandbox_server: Any, system: Actor
) -> None:
    order = started(system, provider)
    answer = pay(sandbox_server, order, provider, deliver="forged")
    delivery = answer["deliveries"][0]
    if provider == "wechat":
        assert delivery["status"] == 401 and json.loads(delivery["body"])["code"] == "FAIL"
    else:
        assert delivery["body"] == "fail"
    order.refresh_from_db()
    assert order.status == OrderStatus.PAYING
    event = PaymentEvent.objects.get(verified=False)
    assert (event.flag, event.applied, event.order_id) == (EventFlag.FORGED, False, None)
    assert order.order_no in event.raw_body or provider == "wechat"  # WeChat's is encrypted
    assert AuditEvent.objects.filter(action="payments.callback_refused").count() == 1
    # the provider knows nothing of a payment
    assert services.payment_poll(actor=system, order=order).status == OrderStatus.PAYING


def test_tampered_body_is_refused(notify: str, sandbox_server: Any, system: Actor) -> None:
    """A genuine Alipay notification with the amount changed fails its signature."""
    order = started(system, "alipay")
    pay(sandbox_server, order, "alipay", deliver="none")
    from urllib.parse import urlencode

    client = Client()
    fields = {
        "app_id": "2021000000000001",
        "out_trade_no": order.order_no,
        "trade_no": "x",
        "trade_status": "TRADE_SUCCESS",
        "total_amount": "110.50",
        "sign_type": "RSA2",
        "sign": "bm90IGEgc2lnbmF0dXJl",
    }
    response = client.post(
        "/payments/notify/alipay",
        urlencode(fields),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.content == b"fail"
    order.refresh_from_db()
    assert order.status == OrderStatus.PAYING
    response = Client().post("/payments/notify/wechat", b"{}", content_type="application/json")
    assert response.status_code == 401


@pytest.mark.parametrize("provider", PROVIDERS)
def test_lost_callback_caught_by_poll(
    provider: str, notify: str, sandbox_server: Any, system: Actor
) -> None:
    order = started(system, provider)
    assert services.payment_poll(actor=system, order=order).status == OrderStatus.PAYING
    answer = pay(sandbox_server, order, provider, deliver="none")
    assert answer["deliveries"] == []
    order = services.payment_poll(actor=system, order=order)
    assert order.status == OrderStatus.PAID
    assert order.provider_txn_id == answer["transaction_id"]
    assert order.paid_at is not None
    # polling again changes nothing
    assert services.payment_poll(actor=system, order=order).status == OrderStatus.PAID
    assert order.history.filter(command="mark_paid").count() == 1


@pytest.mark.parametrize("provider", PROVIDERS)
def test_late_callback_after_close_is_flagged(
    provider: str, notify: str, sandbox_server: Any, system: Actor
) -> None:
    order = started(system, provider)
    pay(sandbox_server, order, provider, deliver="hold")
    services.fee_order_close(actor=system, order=order, reason="application withdrawn")
    answer = sandbox(
        sandbox_server,
        "POST",
        "/pay/sandbox/deliver",
        {"provider": SANDBOX_NAME[provider], "out_trade_no": order.order_no},
    )
    assert answer["deliveries"][0]["status"] == 200  # acknowledged: recorded and flagged
    order.refresh_from_db()
    assert order.status == OrderStatus.CLOSED
    event = PaymentEvent.objects.get(order=order)
    assert (event.verified, event.applied, event.flag) == (True, False, EventFlag.LATE_AFTER_CLOSE)
    assert AuditEvent.objects.filter(action="payments.payment_late_after_close").count() == 1
    report = services.reconciliation_run(actor=system, day=clock.today())
    kinds = set(report.mismatches.values_list("kind", flat=True))
    assert kinds == {MismatchKind.PAID_AT_PROVIDER_ONLY}


@pytest.mark.parametrize("provider", PROVIDERS)
def test_stale_query_after_success_does_not_unpay(
    provider: str, notify: str, sandbox_server: Any, system: Actor
) -> None:
    order = started(system, provider)
    pay(sandbox_server, order, provider, deliver="once", stale_queries=1)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    order = services.payment_poll(actor=system, order=order)  # the provider lags: "not paid"
    assert order.status == OrderStatus.PAID
    stale = PaymentEvent.objects.get(order=order, kind="query")
    assert stale.trade_state in ("not_paid", "unknown")  # Alipay: "no such trade" before a scan
    assert (stale.flag, stale.applied) == (EventFlag.STALE, False)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_amount_mismatch_refused(
    provider: str, notify: str, sandbox_server: Any, system: Actor
) -> None:
    order = started(system, provider)
    pay(sandbox_server, order, provider, deliver="once", amount_fen=TOTAL - 1)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAYING
    event = PaymentEvent.objects.get(order=order)
    assert (event.amount_fen, event.flag, event.applied) == (
        TOTAL - 1,
        EventFlag.AMOUNT_MISMATCH,
        False,
    )
    report = services.reconciliation_run(actor=system, day=clock.today())
    rows = {(m.kind, m.provider_amount_fen) for m in report.mismatches.all()}
    assert rows == {
        (MismatchKind.PAID_AT_PROVIDER_ONLY, TOTAL - 1),
        (MismatchKind.AMOUNT_MISMATCH, TOTAL - 1),
    }


def test_paid_with_both_wallets_is_a_duplicate_charge(
    notify: str, sandbox_server: Any, system: Actor
) -> None:
    order = started(system, "wechat")
    services.payment_start(actor=system, order=order, provider="alipay")  # switched wallet
    first = pay(sandbox_server, order, "wechat", deliver="once")
    second = pay(sandbox_server, order, "alipay", deliver="once")
    order.refresh_from_db()
    assert (order.status, order.provider, order.provider_txn_id) == (
        OrderStatus.PAID,
        "wechat",
        first["transaction_id"],
    )
    flagged = PaymentEvent.objects.get(order=order, flag=EventFlag.SECOND_CHARGE)
    assert flagged.provider_txn_id == second["transaction_id"]
    report = services.reconciliation_run(actor=system, day=clock.today())
    assert [(m.kind, m.provider, m.provider_txn_id) for m in report.mismatches.all()] == [
        (MismatchKind.DUPLICATE_CHARGE, "alipay", second["transaction_id"])
    ]


def test_reconciliation_lists_injected_mismatches(
    notify: str, sandbox_server: Any, system: Actor
) -> None:
    fine = started(system, "wechat")
    pay(sandbox_server, fine, "wechat")
    lost = started(system, "alipay")
    pay(sandbox_server, lost, "alipay", deliver="none")  # never polled
    ghost = started(system, "wechat")
    # injected: marked paid here without any payment at the provider
    FeeOrder.objects.filter(pk=ghost.pk).update(
        status=OrderStatus.PAID, provider_txn_id="4200bogus"
    )
    report = services.reconciliation_run(actor=system, day=clock.today())
    assert (report.orders_checked, report.mismatch_count) == (3, 2)
    rows = {(m.order_id, m.kind) for m in report.mismatches.all()}
    assert rows == {
        (lost.pk, MismatchKind.PAID_AT_PROVIDER_ONLY),
        (ghost.pk, MismatchKind.PAID_HERE_ONLY),
    }
    assert (
        services.reconciliation_run(
            actor=system, day=clock.today() - dt.timedelta(days=1)
        ).orders_checked
        == 0
    )

    supervisor = make_staff("supervisor", "32")
    client = Client()
    client.force_login(supervisor)
    listed = client.get(f"/api/v1/payments/reconciliation-mismatches?day={clock.today()}").json()
    assert {(i["order_no"], i["kind"]) for i in listed["items"]} == {
        (lost.order_no, "paid_at_provider_only"),
        (ghost.order_no, "paid_here_only"),
    }
    clerk = make_staff("counter_clerk", "3201")
    client.force_login(clerk)
    assert client.get("/api/v1/payments/reconciliation-mismatches").status_code == 403


def test_invalid_amounts_refused(system: Actor) -> None:
    for bad in (0, -5, 1.5, "100", True):
        with pytest.raises(DomainError) as info:
            new_order(system, [{"code": "x", "name": "费", "amount_fen": bad}])
        assert info.value.field == "items.0.amount_fen"
    assert new_order(system, [{"code": "x", "name": "费", "amount_fen": 1}]).amount_fen == 1


def test_payer_api(notify: str, sandbox_server: Any) -> None:
    person = make_person()
    citizen = make_citizen(person)
    client = Client()
    client.force_login(citizen)
    created = client.post(
        "/api/v1/payments/orders",
        {
            "purpose_ref": "app-42",
            "subject": "驾驶证补领",
            "items": [{"code": "dl", "name": "驾驶证工本费", "amount_fen": 1000}],
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    order_id = created.json()["id"]
    assert created.json()["amount_fen"] == 1000
    started_ = client.post(
        f"/api/v1/payments/orders/{order_id}/start",
        {"provider": "alipay"},
        content_type="application/json",
    )
    assert started_.status_code == 200, started_.content
    assert started_.json()["code_url"].startswith("https://qr.alipay.com/")
    order = FeeOrder.objects.get(public_id=order_id)
    assert order.payer_person_ref == str(person.public_id)
    pay(sandbox_server, order, "alipay", deliver="none")
    polled = client.post(f"/api/v1/payments/orders/{order_id}/poll")
    assert polled.json()["status"] == "paid"
    again = client.post(
        f"/api/v1/payments/orders/{order_id}/start",
        {"provider": "wechat"},
        content_type="application/json",
    )
    assert again.status_code == 409 and again.json()["code"] == "already_paid"
    bad = client.post(
        f"/api/v1/payments/orders/{order_id}/start",
        {"provider": "paypal"},
        content_type="application/json",
    )
    assert bad.status_code in (409, 422)
    other = Client()
    other.force_login(make_citizen())
    assert other.get(f"/api/v1/payments/orders/{order_id}").status_code == 404
    assert ReconciliationMismatch.objects.count() == 0


@pytest.mark.parametrize("provider", PROVIDERS)
def test_paying_again_after_a_lost_callback_finds_the_payment(
    provider: str, notify: str, sandbox_server: Any, system: Actor
) -> None:
    order = started(system, provider)
    pay(sandbox_server, order, provider, deliver="none")
    with pytest.raises(Conflict) as info:
        services.payment_start(actor=system, order=order, provider=provider)
    assert info.value.code == "already_paid"
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_poller_catches_lost_callbacks(notify: str, sandbox_server: Any, system: Actor) -> None:
    from jiaoguan.payments.tasks import poll_pending_payments

    lost = started(system, "wechat")
    waiting = started(system, "alipay")
    pay(sandbox_server, lost, "wechat", deliver="none")
    assert poll_pending_payments.call(older_than_seconds=0) == 1
    lost.refresh_from_db()
    waiting.refresh_from_db()
    assert (lost.status, waiting.status) == (OrderStatus.PAID, OrderStatus.PAYING)
