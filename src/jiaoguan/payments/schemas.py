from __future__ import annotations

import datetime as dt
import uuid
from urllib.parse import urlencode

from django.urls import reverse
from ninja import Field, Schema

from jiaoguan.documents.models import Document
from jiaoguan.documents.schemas import DocumentOut
from jiaoguan.payments.models import FeeOrder, ReconciliationMismatch, ReconciliationReport


class ItemIn(Schema):
    code: str = Field(max_length=48)
    name: str = Field(max_length=64)
    amount_fen: int


class OrderIn(Schema):
    purpose_ref: str = Field(max_length=64, description="What is paid for (an application id)")
    subject: str = Field(max_length=127)
    items: list[ItemIn]


class StartIn(Schema):
    provider: str = Field(description='"wechat" or "alipay"')


class ItemOut(Schema):
    code: str
    name: str
    amount_fen: int


class OrderOut(Schema):
    id: uuid.UUID
    order_no: str
    purpose_ref: str
    subject: str
    items: list[ItemOut]
    amount_fen: int
    status: str
    provider: str
    paid_at: dt.datetime | None
    created_at: dt.datetime

    @staticmethod
    def build(o: FeeOrder) -> OrderOut:
        return OrderOut(
            id=o.public_id,
            order_no=o.order_no,
            purpose_ref=o.purpose_ref,
            subject=o.subject,
            items=[ItemOut(**i) for i in o.items],
            amount_fen=o.amount_fen,
            status=o.status,
            provider=o.provider,
            paid_at=o.paid_at,
            created_at=o.created_at,
        )


class StartOut(Schema):
    code_url: str
    order: OrderOut


class DayIn(Schema):
    day: dt.date


class ReportOut(Schema):
    id: uuid.UUID
    day: dt.date
    orders_checked: int
    mismatch_count: int
    run_at: dt.datetime

    @staticmethod
    def build(r: ReconciliationReport) -> ReportOut:
        return ReportOut(
            id=r.public_id,
            day=r.day,
            orders_checked=r.orders_checked,
            mismatch_count=r.mismatch_count,
            run_at=r.run_at,
        )


class MismatchOut(Schema):
    report_id: uuid.UUID
    day: dt.date
    order_no: str
    kind: str
    provider: str
    local_status: str
    provider_state: str
    local_amount_fen: int
    provider_amount_fen: int | None
    provider_txn_id: str
    detail: str

    @staticmethod
    def build(m: ReconciliationMismatch) -> MismatchOut:
        return MismatchOut(
            report_id=m.report.public_id,
            day=m.report.day,
            order_no=m.order.order_no,
            kind=m.kind,
            provider=m.provider,
            local_status=m.local_status,
            provider_state=m.provider_state,
            local_amount_fen=m.local_amount_fen,
            provider_amount_fen=m.provider_amount_fen,
            provider_txn_id=m.provider_txn_id,
            detail=m.detail,
        )


class ReceiptOut(Schema):
    """The signed receipt of a paid fee order: a ``payment_receipt`` document."""

    order_id: uuid.UUID
    order_no: str
    number: str = Field(description="The receipt's document number")
    status: str = Field(description="valid, or void once the fee was refunded")
    token: str = Field(description="The signed token (compact JWS, ES256) its QR code carries")
    verify_url: str = Field(description="The public verification page for this receipt")
    pdf_url: str
    document: DocumentOut

    @staticmethod
    def build(order: FeeOrder, doc: Document) -> ReceiptOut:
        return ReceiptOut(
            order_id=order.public_id,
            order_no=order.order_no,
            number=doc.number,
            status=doc.status,
            token=doc.token,
            verify_url=f"{reverse('documents:verify')}?{urlencode({'token': doc.token})}",
            pdf_url=f"/api/v1/payments/orders/{order.public_id}/receipt.pdf",
            document=DocumentOut.build(doc),
        )
