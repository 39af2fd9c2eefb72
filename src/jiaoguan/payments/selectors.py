"""Reads that matter: a payer's own orders, an order and its receipt for whoever may see it,
the printed fields of a receipt, and reconciliation mismatches for supervisors."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from jiaoguan.audit.services import Actor, audit_record
from jiaoguan.documents.constants import DocumentKind
from jiaoguan.documents.models import Document
from jiaoguan.kernel import clock, crypto
from jiaoguan.kernel.errors import Forbidden, NotFound
from jiaoguan.kernel.money import Money
from jiaoguan.payments import purposes
from jiaoguan.payments.constants import (
    CHANNEL_PRINTED,
    RECEIPT_ITEM_LINES,
    RECEIPT_SUBJECT_TYPE,
    OrderStatus,
)
from jiaoguan.payments.models import FeeOrder, ReconciliationMismatch
from jiaoguan.registry.models import Person

SUPERVISOR_PERMISSION = "audit.view_auditevent"


def person_ref_of(user: Any) -> str:
    """The payer reference of a signed-in citizen: their registry person's public id."""
    person = getattr(user, "person", None)
    if person is None:
        raise NotFound("not_found", _("This account is not bound to a verified person"))
    return str(person.public_id)


def order_for_payer(user: Any, public_id: uuid.UUID | str) -> FeeOrder:
    """The order, if it is the caller's own (else not found: existence is not leaked)."""
    order = FeeOrder.objects.filter(
        public_id=public_id, payer_person_ref=person_ref_of(user)
    ).first()
    if order is None:
        raise NotFound("not_found", _("No such fee order"))
    return order


def _no_order() -> NotFound:
    return NotFound("not_found", _("No such fee order"))


def _is_payer(principal: Any, order: FeeOrder) -> bool:
    person = getattr(principal, "person", None) if getattr(principal, "person_id", None) else None
    return person is not None and str(person.public_id) == order.payer_person_ref


def order_for(principal: Any, public_id: uuid.UUID | str) -> FeeOrder:
    """The order, if the caller is its payer or the order's purpose lets them see it (staff
    see an application's fee order when the application's scope covers them); not found
    otherwise, so existence is not leaked."""
    try:
        order = FeeOrder.objects.filter(public_id=uuid.UUID(str(public_id))).first()
    except ValueError:
        order = None
    if order is None or not getattr(principal, "is_authenticated", False):
        raise _no_order()
    if not (_is_payer(principal, order) or purposes.visible_to(principal, order)):
        raise _no_order()
    return order


def receipt_of(order: FeeOrder) -> Document | None:
    """The latest receipt of an order (valid, or void after a refund); None before payment."""
    return (
        Document.objects.filter(
            kind=DocumentKind.PAYMENT_RECEIPT,
            subject_type=RECEIPT_SUBJECT_TYPE,
            subject_ref=str(order.public_id),
        )
        .order_by("-version")
        .first()
    )


def receipt_for(
    principal: Any, public_id: uuid.UUID | str, *, actor: Actor
) -> tuple[FeeOrder, Document]:
    """An order the caller may see, and its receipt. Anyone but the payer reading it is written
    to the audit trail (it names the payer and what they paid for)."""
    order = order_for(principal, public_id)
    doc = receipt_of(order)
    if doc is None:
        raise NotFound("no_receipt", _("This fee order has no receipt yet"))
    if not _is_payer(principal, order):
        with transaction.atomic():
            audit_record(
                actor=actor,
                action="payments.receipt_read",
                object_type="document",
                object_ref=str(doc.public_id),
                subject_person_ref=order.payer_person_ref,
            )
    return order, doc


def receipts_for_purpose(purpose_ref: str) -> list[tuple[FeeOrder, Document]]:
    """The paid orders of one purpose with their receipts (for the purpose's own page, which
    is already scoped)."""
    orders = FeeOrder.objects.filter(
        purpose_ref=purpose_ref, status__in=(OrderStatus.PAID, OrderStatus.REFUNDED)
    ).order_by("id")
    return [(order, doc) for order in orders if (doc := receipt_of(order)) is not None]


def _payer_name(order: FeeOrder) -> str:
    try:
        person = Person.objects.filter(public_id=uuid.UUID(order.payer_person_ref)).first()
    except ValueError:
        person = None
    return crypto.mask_name(person.name) if person is not None else ""


def _item_lines(items: list[dict[str, Any]]) -> list[str]:
    lines = [f"{i['name'][:40]} {Money(int(i['amount_fen'])).format_zh()}" for i in items]
    if len(lines) <= RECEIPT_ITEM_LINES:
        return lines
    kept = RECEIPT_ITEM_LINES - 1
    rest = sum(int(i["amount_fen"]) for i in items[kept:])
    return [*lines[:kept], f"其余{len(items) - kept}项 {Money(rest).format_zh()}"]


def receipt_fields(order: FeeOrder, *, itemised: bool = True) -> dict[str, str]:
    """What a paid order's receipt shows and signs: the order number, the payer's name masked
    as printed documents mask it, what was paid for and its case number, the fee items in yuan
    (stored in fen), the total, the channel, the provider's transaction id and the time paid
    (China time). ``itemised=False`` prints one line for all items (a receipt whose item names
    would not fit the QR code)."""
    described = purposes.describe(order)
    fields: dict[str, str] = {"order_no": order.order_no}
    payer = _payer_name(order)
    if payer:
        fields["payer"] = payer
    fields["purpose"] = described.title[:40]
    if described.reference:
        fields["case_number"] = described.reference[:40]
    lines = (
        _item_lines(order.items)
        if itemised
        else [f"{len(order.items)}项 {Money(order.amount_fen).format_zh()}"]
    )
    for n, line in enumerate(lines, start=1):
        fields[f"item_{n}"] = line
    fields["total"] = Money(order.amount_fen).format_zh()
    fields["channel"] = CHANNEL_PRINTED.get(order.provider, order.provider)
    fields["provider_txn_id"] = order.provider_txn_id
    if order.paid_at is not None:
        fields["paid_at"] = f"{order.paid_at.astimezone(clock.SHANGHAI):%Y-%m-%d %H:%M:%S}"
    return fields


def mismatches_for(user: Any, *, day: dt.date | None = None) -> QuerySet[ReconciliationMismatch]:
    if not user.has_perm(SUPERVISOR_PERMISSION):
        raise Forbidden("forbidden", _("You may not see payment reconciliations"))
    qs = ReconciliationMismatch.objects.select_related("report", "order")
    if day is not None:
        qs = qs.filter(report__day=day)
    return qs
