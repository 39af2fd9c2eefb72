"""Fee orders for the payer (session auth; the payer is the signed-in citizen's person) and
reconciliation for supervisors."""

from __future__ import annotations

import datetime as dt
import uuid

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status

from jiaoguan.api.auth import actor, principal, session_auth
from jiaoguan.api.pagination import Page, keyset
from jiaoguan.documents import pdf
from jiaoguan.payments import selectors, services
from jiaoguan.payments.schemas import (
    DayIn,
    MismatchOut,
    OrderIn,
    OrderOut,
    ReceiptOut,
    ReportOut,
    StartIn,
    StartOut,
)

router = Router(tags=["payments"])


@router.post(
    "/payments/orders",
    response={201: OrderOut},
    auth=session_auth,
    summary="Create a fee order that I pay (amounts in fen)",
)
def order_create(request: HttpRequest, payload: OrderIn) -> Status[OrderOut]:
    order = services.fee_order_create(
        actor=actor(request),
        payer_person_ref=selectors.person_ref_of(principal(request)),
        purpose_ref=payload.purpose_ref,
        subject=payload.subject,
        items=[item.dict() for item in payload.items],
    )
    return Status(201, OrderOut.build(order))


@router.get("/payments/orders/{order_id}", response=OrderOut, auth=session_auth)
def order_detail(request: HttpRequest, order_id: uuid.UUID) -> OrderOut:
    return OrderOut.build(selectors.order_for_payer(principal(request), order_id))


@router.post(
    "/payments/orders/{order_id}/start",
    response=StartOut,
    auth=session_auth,
    summary="Pay with WeChat Pay or Alipay: returns the QR code URL to scan",
)
def order_start(request: HttpRequest, order_id: uuid.UUID, payload: StartIn) -> StartOut:
    order = selectors.order_for_payer(principal(request), order_id)
    code_url = services.payment_start(actor=actor(request), order=order, provider=payload.provider)
    order.refresh_from_db()
    return StartOut(code_url=code_url, order=OrderOut.build(order))


@router.post(
    "/payments/orders/{order_id}/poll",
    response=OrderOut,
    auth=session_auth,
    summary="Ask the provider whether the order is paid",
)
def order_poll(request: HttpRequest, order_id: uuid.UUID) -> OrderOut:
    order = selectors.order_for_payer(principal(request), order_id)
    return OrderOut.build(services.payment_poll(actor=actor(request), order=order))


@router.get(
    "/payments/orders/{order_id}/receipt",
    response=ReceiptOut,
    auth=session_auth,
    summary="The signed receipt of a paid fee order (its payer, or staff who may see the order)",
)
def order_receipt(request: HttpRequest, order_id: uuid.UUID) -> ReceiptOut:
    return ReceiptOut.build(
        *selectors.receipt_for(principal(request), order_id, actor=actor(request))
    )


@router.get(
    "/payments/orders/{order_id}/receipt.pdf",
    auth=session_auth,
    summary="The printable receipt with its QR code",
    openapi_extra={"responses": {200: {"content": {"application/pdf": {}}}}},
)
def order_receipt_pdf(request: HttpRequest, order_id: uuid.UUID) -> HttpResponse:
    _order, doc = selectors.receipt_for(principal(request), order_id, actor=actor(request))
    response = HttpResponse(pdf.render(doc), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{doc.number}-v{doc.version}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@router.post(
    "/payments/reconciliations",
    response={201: ReportOut},
    auth=session_auth,
    summary="Run the reconciliation for one day (supervisors)",
)
def reconciliation_create(request: HttpRequest, payload: DayIn) -> Status[ReportOut]:
    selectors.mismatches_for(principal(request))  # permission check
    report = services.reconciliation_run(actor=actor(request), day=payload.day)
    return Status(201, ReportOut.build(report))


@router.get(
    "/payments/reconciliation-mismatches",
    response=Page[MismatchOut],
    auth=session_auth,
    summary="Mismatches found by the reconciliation (supervisors)",
)
def mismatch_list(
    request: HttpRequest, day: dt.date | None = None, cursor: str | None = None, limit: int = 50
) -> dict[str, object]:
    rows, nxt = keyset(
        selectors.mismatches_for(principal(request), day=day), cursor=cursor, limit=limit
    )
    return {"items": [MismatchOut.build(m) for m in rows], "next_cursor": nxt}
