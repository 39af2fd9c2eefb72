"""Signed payment receipts: issued once in the transaction that marks an order paid (however
the provider's word arrives: a duplicated callback, a poll racing the callback), showing the
right fields and amounts, verifiable offline against the published keys, and visible only to
the payer and to staff whose scope covers the order's application.

Callbacks really travel: the sandbox POSTs the signed callback to the live server (hence
``transaction=True``), as in ``test_payments``.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import jwt
import pytest
from django.db import connection, transaction
from django.test import Client

from jiaoguan.audit.models import AuditEvent
from jiaoguan.audit.services import Actor
from jiaoguan.cases.models import Application
from jiaoguan.cases.services import catalogue_sync
from jiaoguan.documents.constants import MAX_TOKEN_LENGTH, DocumentKind
from jiaoguan.documents.models import Document
from jiaoguan.documents.selectors import verify
from jiaoguan.kernel import clock
from jiaoguan.kernel.errors import Conflict
from jiaoguan.payments import services
from jiaoguan.payments.constants import EventFlag, OrderStatus
from jiaoguan.payments.models import FeeOrder, PaymentEvent
from jiaoguan.payments.ports import get_provider
from jiaoguan.registry.models import Person
from tests.cases.test_payment import awaiting
from tests.conftest import make_citizen, make_person, make_staff
from tests.payments.test_payments import ITEMS, SANDBOX_NAME, TOTAL, pay, sandbox

pytestmark = pytest.mark.django_db(transaction=True)
PROVIDERS = ["wechat", "alipay"]


@pytest.fixture
def notify(settings: Any, live_server: Any) -> str:
    settings.PAYMENTS_NOTIFY_BASE_URL = live_server.url
    return str(live_server.url)


def receipts(order: FeeOrder) -> list[Document]:
    return list(
        Document.objects.filter(
            kind=DocumentKind.PAYMENT_RECEIPT, subject_ref=str(order.public_id)
        ).order_by("version")
    )


def started(payer: Person, provider: str, items: list[dict[str, Any]] | None = None) -> FeeOrder:
    system = Actor.system("tests")
    order = services.fee_order_create(
        actor=system,
        payer_person_ref=str(payer.public_id),
        purpose_ref="licence-plate-42",
        subject="机动车号牌补领",
        items=items or ITEMS,
    )
    services.payment_start(actor=system, order=order, provider=provider)
    order.refresh_from_db()
    return order


def deliver_held(server: Any, order: FeeOrder, provider: str) -> Any:
    return sandbox(
        server,
        "POST",
        "/pay/sandbox/deliver",
        {"provider": SANDBOX_NAME[provider], "out_trade_no": order.order_no},
    )


@pytest.mark.parametrize("provider", PROVIDERS)
def test_duplicated_callback_issues_one_receipt_with_the_right_fields(
    provider: str, notify: str, sandbox_server: Any
) -> None:
    payer = make_person(name="欧阳娜娜")
    order = started(payer, provider)
    assert receipts(order) == []  # none before payment
    answer = pay(sandbox_server, order, provider, deliver="twice")
    assert len(answer["deliveries"]) == 2
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    [receipt] = receipts(order)
    assert (receipt.status, receipt.version, receipt.number[:2]) == ("valid", 1, "PJ")
    assert receipt.holder_person_ref == str(payer.public_id)
    assert order.paid_at is not None
    paid_china = order.paid_at.astimezone(clock.SHANGHAI)
    assert receipt.fields == {
        "order_no": order.order_no,
        "payer": "欧***",
        "purpose": "机动车号牌补领",
        "item_1": "号牌工本费 ¥100.00",
        "item_2": "行驶证工本费 ¥10.50",
        "total": "¥110.50",
        "channel": {"wechat": "微信支付", "alipay": "支付宝"}[provider],
        "provider_txn_id": answer["transaction_id"],
        "paid_at": paid_china.strftime("%Y-%m-%d %H:%M:%S"),
    }
    assert TOTAL == 11050 and order.amount_fen == TOTAL
    issued = AuditEvent.objects.filter(action="documents.document_issue")
    assert list(issued.values_list("object_ref", flat=True)) == [str(receipt.public_id)]


@pytest.mark.parametrize("callback_first", [True, False])
def test_poll_and_callback_crossing_issue_one_receipt(
    callback_first: bool, notify: str, sandbox_server: Any, monkeypatch: Any
) -> None:
    """The poll reads "paid" from the provider; before it records that, the callback lands
    (``callback_first``), or the other way round. Either way: paid once, one receipt."""
    order = started(make_person(), "wechat")
    pay(sandbox_server, order, "wechat", deliver="hold")
    real = get_provider("wechat")

    class CallbackArrivesMidPoll:
        """The real adapter, except that the held callback is delivered while a poll holds
        the provider's answer (the live server shares this patch: it parses callbacks with
        the real adapter)."""

        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

        def query(self, o: FeeOrder) -> Any:
            said = real.query(o)
            assert said.state == "paid"
            assert deliver_held(sandbox_server, o, "wechat")["deliveries"][0]["status"] == 200
            return said

    if callback_first:
        monkeypatch.setattr(services, "get_provider", lambda name: CallbackArrivesMidPoll())
        services.payment_poll(actor=Actor.system("tests"), order=order)
    else:
        services.payment_poll(actor=Actor.system("tests"), order=order)
        deliver_held(sandbox_server, order, "wechat")
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.history.filter(command="mark_paid").count() == 1
    assert len(receipts(order)) == 1
    events = PaymentEvent.objects.filter(order=order).order_by("id")
    assert [e.applied for e in events] == [True, False]
    assert events[1].flag == EventFlag.DUPLICATE


def test_poll_and_callback_racing_in_parallel_issue_one_receipt(
    notify: str, sandbox_server: Any
) -> None:
    """Truly concurrent: the callback (live server thread) and a poll (this process) start
    together and both find the trade paid; the locked order lets one of them pay it."""
    if connection.vendor != "postgresql":
        pytest.skip("parallel writers need PostgreSQL (SQLite serialises them)")
    for _ in range(3):
        order = started(make_person(), "alipay")
        pay(sandbox_server, order, "alipay", deliver="hold")
        errors = _together(
            lambda o=order: services.payment_poll(actor=Actor.system("tests"), order=o),
            lambda o=order: deliver_held(sandbox_server, o, "alipay"),
        )
        assert errors == []
        order.refresh_from_db()
        assert order.status == OrderStatus.PAID
        assert order.history.filter(command="mark_paid").count() == 1
        assert len(receipts(order)) == 1


def _together(*jobs: Any) -> list[BaseException]:
    """Run ``jobs`` in threads released at the same moment; the errors they raised."""
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job: Any) -> None:
        try:
            barrier.wait(5)
            job()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return errors


def test_receipt_verifies_offline_against_the_published_keys(
    notify: str, sandbox_server: Any
) -> None:
    order = started(make_person(), "alipay")
    pay(sandbox_server, order, "alipay")
    [receipt] = receipts(order)
    jwks = Client().get("/.well-known/jwks.json").json()
    kid = jwt.get_unverified_header(receipt.token)["kid"]
    key = jwt.PyJWK(next(k for k in jwks["keys"] if k["kid"] == kid), algorithm="ES256")
    claims = jwt.decode(receipt.token, key, algorithms=["ES256"], issuer="jiaoguan")
    assert claims["kind"] == "payment_receipt" and claims["number"] == receipt.number
    assert claims["sub"] == str(receipt.public_id)
    assert claims["fields"]["total"] == "¥110.50"
    assert claims["fields"]["order_no"] == order.order_no
    # a changed amount breaks the signature
    header, _payload, signature = receipt.token.split(".")
    forged_claims = {**claims, "fields": {**claims["fields"], "total": "¥1.00"}}
    forged_payload = jwt.utils.base64url_encode(
        json.dumps(forged_claims, separators=(",", ":")).encode()
    ).decode()
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(
            f"{header}.{forged_payload}.{signature}", key, algorithms=["ES256"], issuer="jiaoguan"
        )
    # and the public verify page reads it, with the receipt's labels
    page = Client().get("/verify/", {"token": receipt.token}).content.decode()
    assert "公安交通管理业务缴费电子凭证" in page
    assert "合计金额" in page and "¥110.50" in page and order.order_no in page
    assert verify(receipt.token).status == "valid"


def test_payer_reads_receipt_and_pdf_others_get_404(notify: str, sandbox_server: Any) -> None:
    payer = make_person()
    client = Client()
    client.force_login(make_citizen(payer))
    order = started(payer, "wechat")
    url = f"/api/v1/payments/orders/{order.public_id}/receipt"
    unpaid = client.get(url)
    assert unpaid.status_code == 404 and unpaid.json()["code"] == "no_receipt"
    pay(sandbox_server, order, "wechat")
    [receipt] = receipts(order)
    got = client.get(url)
    assert got.status_code == 200, got.content
    body = got.json()
    assert (body["number"], body["token"], body["status"]) == (
        receipt.number,
        receipt.token,
        "valid",
    )
    assert body["order_no"] == order.order_no and body["document"]["fields"] == receipt.fields
    assert Client().get(body["verify_url"]).status_code == 200
    pdf = client.get(url + ".pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and pdf.content.rstrip().endswith(b"%%EOF")
    assert len(pdf.content) > 2000
    # another citizen: as if it did not exist
    other = Client()
    other.force_login(make_citizen())
    for path in (url, url + ".pdf"):
        denied = other.get(path)
        assert denied.status_code == 404 and denied.json()["code"] == "not_found"
    assert other.get("/api/v1/payments/orders/not-a-uuid/receipt").status_code in (404, 422)
    # staff see no order whose purpose does not let them (not an application here)
    clerk = Client()
    clerk.force_login(make_staff("counter_clerk", payer.region_code[:4]))
    assert clerk.get(url).status_code == 404
    assert Client().get(url).status_code == 401


def test_application_fee_receipt_for_payer_and_staff_in_scope(
    notify: str, sandbox_server: Any
) -> None:
    catalogue_sync(actor=Actor.system("tests"))
    payer = make_person()
    citizen = Client()
    citizen.force_login(make_citizen(payer))
    app = awaiting(payer)
    citizen.post(f"/applications/{app.public_id}/", {"action": "pay_alipay"})
    order = FeeOrder.objects.get(purpose_ref=f"application:{app.public_id}")
    pay(sandbox_server, order, "alipay", deliver="twice")
    app = Application.objects.get(pk=app.pk)
    assert app.state == "completed"
    [receipt] = receipts(order)
    assert receipt.fields["purpose"] == app.business_type.name_zh
    assert receipt.fields["case_number"] == app.case_number
    assert receipt.fields["item_1"] == "行驶证工本费 ¥10.00"
    page = citizen.get(f"/applications/{app.public_id}/").content.decode()
    assert f"/api/v1/payments/orders/{order.public_id}/receipt.pdf" in page
    assert 'data-testid="receipt-pdf"' in page
    url = f"/api/v1/payments/orders/{order.public_id}/receipt"
    assert not AuditEvent.objects.filter(action="payments.receipt_read").exists()
    assert citizen.get(url).status_code == 200  # the payer's own read is not logged
    assert not AuditEvent.objects.filter(action="payments.receipt_read").exists()
    in_scope = make_staff("counter_clerk", payer.region_code[:4])
    staff = Client()
    staff.force_login(in_scope)
    assert staff.get(url).json()["number"] == receipt.number
    assert staff.get(url + ".pdf").content.startswith(b"%PDF-")
    read = AuditEvent.objects.filter(action="payments.receipt_read")
    assert set(read.values_list("subject_person_ref", "actor_ref")) == {
        (str(payer.public_id), Actor.of(in_scope).ref)
    }
    assert read.count() == 2
    elsewhere = Client()
    elsewhere.force_login(make_staff("counter_clerk", "3205"))  # the payer lives in 3201
    assert elsewhere.get(url).status_code == 404


def test_many_or_long_items_still_fit_the_receipt(notify: str, sandbox_server: Any) -> None:
    six = [{"code": f"c{n}", "name": f"费用{n}", "amount_fen": 100 * n} for n in range(1, 7)]
    order = started(make_person(), "wechat", items=six)
    pay(sandbox_server, order, "wechat")
    fields = receipts(order)[0].fields
    assert [fields[f"item_{n}"] for n in range(1, 5)] == [
        "费用1 ¥1.00",
        "费用2 ¥2.00",
        "费用3 ¥3.00",
        "其余3项 ¥15.00",
    ]
    assert "item_5" not in fields and fields["total"] == "¥21.00"
    long_names = [
        {"code": f"c{n}", "name": "机动车登记业务工本费" * 6, "amount_fen": 1000} for n in range(4)
    ]
    order = started(make_person(), "alipay", items=long_names)
    pay(sandbox_server, order, "alipay")
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID  # a long receipt never blocks the payment
    [receipt] = receipts(order)
    assert len(receipt.token) <= MAX_TOKEN_LENGTH
    assert receipt.fields["item_1"] == "4项 ¥40.00" and receipt.fields["total"] == "¥40.00"
    # the worst case still fits: the longest subject, long names, the one-line fallback
    order = services.fee_order_create(
        actor=Actor.system("tests"),
        payer_person_ref=str(make_person(name="阿卜杜热合曼·买买提依明·艾合买提江").public_id),
        purpose_ref="x",
        subject="机" * 127,
        items=long_names * 5,
    )
    services.payment_start(actor=Actor.system("tests"), order=order, provider="wechat")
    pay(sandbox_server, order, "wechat")
    [receipt] = receipts(order)
    assert receipt.fields["purpose"] == "机" * 40 and receipt.fields["item_1"] == "20项 ¥200.00"


def test_refund_voids_the_receipt(notify: str, sandbox_server: Any) -> None:
    """No service refunds yet (the providers' refund APIs are not wired); the workflow's
    ``refund`` transition is where it will happen, and it voids the receipt."""
    order = started(make_person(), "wechat")
    pay(sandbox_server, order, "wechat")
    [receipt] = receipts(order)
    with transaction.atomic():
        services._transition(
            services._locked(order), command="refund", actor=Actor.system("tests"), reason="r"
        )
    receipt.refresh_from_db()
    assert receipt.status == "void" and receipt.void_reason == "refunded"
    assert verify(receipt.token).status == "void"
    assert len(receipts(order)) == 1


def test_receipt_is_only_for_paid_orders() -> None:
    order = services.fee_order_create(
        actor=Actor.system("tests"),
        payer_person_ref="p",
        purpose_ref="x",
        subject="s",
        items=ITEMS,
    )
    with pytest.raises(Conflict) as info:
        services.receipt_issue(actor=Actor.system("tests"), order=order)
    assert info.value.code == "not_paid" and receipts(order) == []
