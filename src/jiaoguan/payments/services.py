"""Every payment write (DESIGN.md, "Where things go").

Network calls to a provider happen outside the database transaction; each write that follows
is one ``transaction.atomic`` block that locks the order, records what the provider said
(:class:`PaymentEvent`), applies it through the workflow table and writes the audit row.

Paying twice never charges twice: starting payment on a paid order is refused; a callback or
query answer is applied to an order at most once (the order row is locked, redeliveries are
deduplicated by the provider's notification id, and only ``created``/``paying`` orders move to
``paid``); a second transaction for a paid order is flagged ``second_charge`` and listed by
the reconciliation as a duplicate charge to refund.

A paid order gets its signed receipt (a ``payment_receipt`` document) in the transaction that
marks it paid, so there is never a payment without its receipt nor a second receipt; a refund
voids it (the workflow table knows ``refund``, but no service refunds yet: refunding needs the
providers' refund APIs, and the duplicate charges the reconciliation lists are refunded at the
merchant platform).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from jiaoguan.audit.services import Actor, audit_record
from jiaoguan.documents.constants import DocumentKind, DocumentStatus
from jiaoguan.documents.models import Document
from jiaoguan.documents.services import document_issue, document_void
from jiaoguan.kernel import clock
from jiaoguan.kernel.errors import Conflict, DomainError, PartnerUnavailable, Problem
from jiaoguan.payments import purposes, selectors, workflow
from jiaoguan.payments.conf import notify_url
from jiaoguan.payments.constants import (
    RECEIPT_SUBJECT_TYPE,
    EventFlag,
    EventKind,
    MismatchKind,
    OrderStatus,
    Provider,
    TradeState,
)
from jiaoguan.payments.models import (
    FeeOrder,
    OrderHistory,
    PaymentEvent,
    ReconciliationMismatch,
    ReconciliationReport,
)
from jiaoguan.payments.ports import BadSignature, ProviderEvent, get_provider

OBJECT_TYPE = "payments.feeorder"
MAX_ITEMS = 20
MAX_AMOUNT_FEN = 100_000_000  # one million yuan: far above any traffic-police fee
#: Headers kept with a callback (the rest is transport noise).
KEPT_HEADERS = (
    "Content-Type",
    "Wechatpay-Timestamp",
    "Wechatpay-Nonce",
    "Wechatpay-Signature",
    "Wechatpay-Serial",
    "Wechatpay-Signature-Type",
    "Request-ID",
)


def snapshot(order: FeeOrder) -> dict[str, Any]:
    return {
        "order_no": order.order_no,
        "status": order.status,
        "amount_fen": order.amount_fen,
        "items": order.items,
        "provider": order.provider,
        "provider_txn_id": order.provider_txn_id,
        "paid_at": order.paid_at.isoformat() if order.paid_at else None,
    }


def _new_order_no() -> str:
    return f"JF{clock.today():%Y%m%d}{secrets.randbelow(10**12):012d}"


def _check_items(items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    problems: list[Problem] = []
    clean: list[dict[str, Any]] = []
    if not items or len(items) > MAX_ITEMS:
        raise DomainError("invalid_items", _("A fee order has 1 to 20 items"), field="items")
    for n, item in enumerate(items):
        code, name, amount = item.get("code"), item.get("name"), item.get("amount_fen")
        if not isinstance(code, str) or not code.strip() or len(code) > 48:
            problems.append(Problem("invalid_item", _("Item code is required"), f"items.{n}.code"))
        if not isinstance(name, str) or not name.strip() or len(name) > 64:
            problems.append(Problem("invalid_item", _("Item name is required"), f"items.{n}.name"))
        if (
            isinstance(amount, bool)
            or not isinstance(amount, int)
            or not 0 < amount <= MAX_AMOUNT_FEN
        ):
            problems.append(
                Problem(
                    "invalid_amount",
                    _("An amount is a positive whole number of fen"),
                    f"items.{n}.amount_fen",
                )
            )
        else:
            clean.append(
                {"code": str(code).strip(), "name": str(name).strip(), "amount_fen": amount}
            )
    if problems:
        raise DomainError(
            problems[0].code, problems[0].message, field=problems[0].field, problems=problems
        )
    return clean


@transaction.atomic
def fee_order_create(
    *,
    actor: Actor,
    payer_person_ref: str,
    purpose_ref: str,
    subject: str,
    items: Sequence[Mapping[str, Any]],
) -> FeeOrder:
    """A fee order for one purpose (an application's public id): the sum of its items, in fen."""
    clean = _check_items(items)
    subject = (subject or "").strip()
    if not subject or len(subject) > 127:
        raise DomainError(
            "invalid_subject", _("The subject is 1 to 127 characters"), field="subject"
        )
    total = sum(item["amount_fen"] for item in clean)
    if total > MAX_AMOUNT_FEN:
        raise DomainError(
            "invalid_amount", _("An amount is a positive whole number of fen"), field="items"
        )
    now = clock.now()
    order = FeeOrder.objects.create(
        order_no=_new_order_no(),
        payer_person_ref=payer_person_ref,
        purpose_ref=purpose_ref[:64],
        subject=subject,
        items=clean,
        amount_fen=total,
        created_at=now,
        updated_at=now,
    )
    audit_record(
        actor=actor,
        action="payments.fee_order_create",
        object_type=OBJECT_TYPE,
        object_ref=str(order.public_id),
        after=snapshot(order),
        subject_person_ref=payer_person_ref,
    )
    return order


def _transition(
    order: FeeOrder, *, command: str, actor: Actor, reason: str = "", **changes: Any
) -> None:
    """Move a locked order through the workflow table, with history and audit."""
    if not workflow.allowed(command, order.status):
        raise Conflict(
            "invalid_transition",
            _("This fee order cannot do that in its present state"),
            field="status",
        )
    before = snapshot(order)
    previous = order.status
    order.status = workflow.TRANSITIONS[command].target
    for name, value in changes.items():
        setattr(order, name, value)
    order.updated_at = clock.now()
    order.save()
    OrderHistory.objects.create(
        order=order,
        command=command,
        from_status=previous,
        to_status=order.status,
        actor_ref=actor.ref,
        reason=reason[:200],
        at=order.updated_at,
    )
    audit_record(
        actor=actor,
        action=f"payments.order_{command}",
        object_type=OBJECT_TYPE,
        object_ref=str(order.public_id),
        before=before,
        after=snapshot(order),
        reason=reason,
        subject_person_ref=order.payer_person_ref,
    )
    if order.status == OrderStatus.REFUNDED:
        _receipt_void(order, actor=actor)


@transaction.atomic
def receipt_issue(*, actor: Actor, order: FeeOrder) -> Document:
    """The signed receipt of a paid order, issued once: called in the transaction that marks
    the order paid (the order row locked), it returns the receipt already issued if there is
    one. A receipt whose item names would not fit the QR code prints one line for its items."""
    if order.status != OrderStatus.PAID:
        raise Conflict("not_paid", _("This fee order has not been paid"), field="status")
    existing = selectors.receipt_of(order)
    if existing is not None:
        return existing

    def issue(itemised: bool) -> Document:
        return document_issue(
            actor=actor,
            kind=DocumentKind.PAYMENT_RECEIPT,
            subject_type=RECEIPT_SUBJECT_TYPE,
            subject_ref=str(order.public_id),
            holder_person_ref=order.payer_person_ref,
            fields=selectors.receipt_fields(order, itemised=itemised),
        )

    try:
        return issue(itemised=True)
    except DomainError as exc:
        if exc.code != "fields_too_large":
            raise
    return issue(itemised=False)


def _receipt_void(order: FeeOrder, *, actor: Actor) -> None:
    receipt = Document.objects.filter(
        kind=DocumentKind.PAYMENT_RECEIPT,
        subject_type=RECEIPT_SUBJECT_TYPE,
        subject_ref=str(order.public_id),
        status=DocumentStatus.VALID,
    ).first()
    if receipt is not None:
        document_void(actor=actor, document=receipt, reason="refunded")


def _locked(order: FeeOrder) -> FeeOrder:
    return FeeOrder.objects.select_for_update().get(pk=order.pk)


def _refuse_unpayable(order: FeeOrder) -> None:
    if order.status in (OrderStatus.PAID, OrderStatus.REFUNDED):
        raise Conflict("already_paid", _("This fee order has already been paid"), field="status")
    if order.status == OrderStatus.CLOSED:
        raise Conflict("order_closed", _("This fee order is closed"), field="status")


def payment_start(*, actor: Actor, order: FeeOrder, provider: str) -> str:
    """Open (or reopen) the order at ``provider``; returns the QR code URL to show the payer.

    Refused for a paid, refunded or closed order. Switching provider while paying is allowed
    (the citizen may prefer the other wallet); should both be paid, the second charge is
    flagged and the reconciliation lists it for refund."""
    if provider not in Provider.values:
        raise DomainError("invalid_provider", _("Unknown payment provider"), field="provider")
    _refuse_unpayable(order)
    try:
        code_url = get_provider(provider).create_native_order(
            order, notify_url=notify_url(provider)
        )
    except Conflict:
        if order.provider == provider:  # paid at the provider, callback lost: catch up now
            payment_poll(actor=actor, order=order)
        raise
    with transaction.atomic():
        order = _locked(order)
        _refuse_unpayable(order)
        _transition(order, command="start", actor=actor, reason=provider, provider=provider)
    return code_url


@transaction.atomic
def fee_order_close(*, actor: Actor, order: FeeOrder, reason: str) -> FeeOrder:
    """Close an unpaid order (application withdrawn, payment window over). A payment that
    arrives afterwards is recorded, flagged ``late_after_close`` and listed for refund."""
    order = _locked(order)
    _refuse_unpayable(order)
    _transition(order, command="close", actor=actor, reason=reason, closed_reason=reason[:200])
    return order


def _apply(order: FeeOrder, said: ProviderEvent, event: PaymentEvent, actor: Actor) -> None:
    """Apply a verified provider statement to a locked order (sets event.applied/flag)."""
    if said.state != TradeState.PAID:
        if order.status in (OrderStatus.PAID, OrderStatus.REFUNDED):
            event.flag = EventFlag.STALE  # a lagging "not paid" never un-pays an order
        return
    same_charge = (said.provider, said.transaction_id) == (order.provider, order.provider_txn_id)
    if order.status in (OrderStatus.CREATED, OrderStatus.PAYING):
        if said.amount_fen != order.amount_fen:
            event.flag = EventFlag.AMOUNT_MISMATCH
        else:
            _transition(
                order,
                command="mark_paid",
                actor=actor,
                reason=f"{said.provider} {said.transaction_id}",
                provider=said.provider,
                provider_txn_id=said.transaction_id,
                paid_at=said.paid_at or clock.now(),
            )
            event.applied = True
            receipt_issue(actor=actor, order=order)
            purposes.on_paid(order)
            return
    elif order.status == OrderStatus.CLOSED:
        event.flag = EventFlag.LATE_AFTER_CLOSE
    elif same_charge:
        event.flag = EventFlag.DUPLICATE
        return
    else:
        event.flag = EventFlag.SECOND_CHARGE
    audit_record(
        actor=actor,
        action=f"payments.payment_{event.flag}",
        object_type=OBJECT_TYPE,
        object_ref=str(order.public_id),
        after={
            "provider": said.provider,
            "transaction_id": said.transaction_id,
            "amount_fen": said.amount_fen,
            "order_amount_fen": order.amount_fen,
            "status": order.status,
        },
        subject_person_ref=order.payer_person_ref,
    )


def _record(
    *,
    kind: str,
    provider: str,
    said: ProviderEvent,
    dedupe_key: str,
    raw_body: str,
    headers: Mapping[str, str],
    actor: Actor,
) -> PaymentEvent:
    """Record one verified statement and apply it (call inside a transaction)."""
    order = (
        FeeOrder.objects.select_for_update().filter(order_no=said.out_trade_no).first()
        if said.out_trade_no
        else None
    )
    existing = PaymentEvent.objects.filter(dedupe_key=dedupe_key).first()
    if existing is not None:
        return existing  # a redelivery: recorded (and applied, or flagged) the first time
    event = PaymentEvent(
        provider=provider,
        kind=kind,
        dedupe_key=dedupe_key[:160],
        order=order,
        out_trade_no=said.out_trade_no[:64],
        provider_txn_id=said.transaction_id[:64],
        trade_state=said.state,
        amount_fen=said.amount_fen,
        raw_body=raw_body,
        headers=dict(headers),
        verified=True,
        received_at=clock.now(),
    )
    if order is None:
        event.flag = EventFlag.UNKNOWN_ORDER
    else:
        _apply(order, said, event, actor)
    event.save()
    return event


def _kept_headers(headers: Mapping[str, str]) -> dict[str, str]:
    lower = {k.lower(): v for k, v in headers.items()}
    return {name: lower[name.lower()] for name in KEPT_HEADERS if name.lower() in lower}


def payment_callback_receive(
    *, provider: str, headers: Mapping[str, str], body: bytes
) -> PaymentEvent:
    """A provider's callback, as received: verified with the provider's key (a forged one is
    recorded unverified and not applied), deduplicated by the provider's notification id, and
    applied at most once."""
    if provider not in Provider.values:
        raise DomainError("invalid_provider", _("Unknown payment provider"), field="provider")
    kept = _kept_headers(headers)
    raw = body.decode("utf-8", "replace")
    actor = Actor.system(f"{provider} callback")
    try:
        said = get_provider(provider).parse_callback(kept, body)
    except BadSignature as exc:
        digest = hashlib.sha256(body + repr(sorted(kept.items())).encode()).hexdigest()
        with transaction.atomic():
            event, created = PaymentEvent.objects.get_or_create(
                dedupe_key=f"{provider}:unverified:{digest}",
                defaults={
                    "provider": provider,
                    "kind": EventKind.CALLBACK,
                    "raw_body": raw,
                    "headers": kept,
                    "verified": False,
                    "flag": EventFlag.FORGED,
                    "received_at": clock.now(),
                },
            )
            if created:
                audit_record(
                    actor=actor,
                    action="payments.callback_refused",
                    object_type="payments.paymentevent",
                    object_ref=str(event.pk),
                    reason=str(exc)[:200],
                )
        return event
    key = said.event_id or f"{said.transaction_id}:{said.state}"
    with transaction.atomic():
        return _record(
            kind=EventKind.CALLBACK,
            provider=provider,
            said=said,
            dedupe_key=f"{provider}:notify:{key}",
            raw_body=raw,
            headers=kept,
            actor=actor,
        )


def payment_poll(*, actor: Actor, order: FeeOrder) -> FeeOrder:
    """Ask the order's provider about it and apply the answer (catches lost callbacks)."""
    if not order.provider:
        raise Conflict("not_started", _("Payment has not been started"), field="provider")
    said = get_provider(order.provider).query(order)
    if said.out_trade_no != order.order_no:
        raise PartnerUnavailable(
            "partner_error", _("The payment provider answered about another order")
        )
    with transaction.atomic():
        _record(
            kind=EventKind.QUERY,
            provider=order.provider,
            said=said,
            dedupe_key=(
                f"{order.provider}:query:{order.order_no}:{said.state}:{said.transaction_id}"
            ),
            raw_body="",
            headers={},
            actor=actor,
        )
    order.refresh_from_db()
    return order


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time.min, tzinfo=clock.SHANGHAI).astimezone(dt.UTC)
    return start, start + dt.timedelta(days=1)


def _providers_of(order: FeeOrder) -> list[str]:
    started = OrderHistory.objects.filter(order=order, command="start").values_list(
        "reason", flat=True
    )
    seen = dict.fromkeys([*started, order.provider])
    return [p for p in seen if p in Provider.values]


def _compare(order: FeeOrder) -> list[dict[str, Any]]:
    """What is wrong between the order and its providers (asks each provider it was started
    with, and looks at the verified events)."""
    rows: list[dict[str, Any]] = []
    base = {"order": order, "local_status": order.status, "local_amount_fen": order.amount_fen}
    charges: dict[tuple[str, str], int | None] = {}
    for provider in _providers_of(order):
        try:
            said = get_provider(provider).query(order)
        except PartnerUnavailable as exc:
            rows.append(
                {
                    **base,
                    "kind": MismatchKind.PROVIDER_UNREACHABLE,
                    "provider": provider,
                    "detail": exc.code,
                }
            )
            continue
        if said.state == TradeState.PAID:
            charges[(provider, said.transaction_id)] = said.amount_fen
    for provider, txn, amount in PaymentEvent.objects.filter(
        order=order, verified=True, trade_state=TradeState.PAID
    ).values_list("provider", "provider_txn_id", "amount_fen"):
        charges.setdefault((provider, txn), amount)
    paid_here = order.status in (OrderStatus.PAID, OrderStatus.REFUNDED)
    ours = (order.provider, order.provider_txn_id)
    if paid_here and ours not in charges:
        rows.append(
            {
                **base,
                "kind": MismatchKind.PAID_HERE_ONLY,
                "provider": order.provider,
                "provider_txn_id": order.provider_txn_id,
                "provider_state": TradeState.NOT_PAID,
            }
        )
    for (provider, txn), amount in sorted(charges.items()):
        row = {
            **base,
            "provider": provider,
            "provider_txn_id": txn,
            "provider_amount_fen": amount,
            "provider_state": TradeState.PAID,
        }
        if not paid_here:
            rows.append({**row, "kind": MismatchKind.PAID_AT_PROVIDER_ONLY})
        elif (provider, txn) != ours:
            rows.append({**row, "kind": MismatchKind.DUPLICATE_CHARGE})
        if amount != order.amount_fen:
            rows.append({**row, "kind": MismatchKind.AMOUNT_MISMATCH})
    return rows


def reconciliation_run(*, actor: Actor, day: dt.date) -> ReconciliationReport:
    """Compare every order created on ``day`` (China time) that went to a provider with what
    the providers say, and persist the mismatches for supervisors."""
    start, end = _day_bounds(day)
    orders = list(
        FeeOrder.objects.filter(created_at__gte=start, created_at__lt=end)
        .exclude(provider="")
        .order_by("id")
    )
    rows = [row for order in orders for row in _compare(order)]
    with transaction.atomic():
        report = ReconciliationReport.objects.create(
            day=day,
            orders_checked=len(orders),
            mismatch_count=len(rows),
            run_at=clock.now(),
            run_by_ref=actor.ref,
        )
        ReconciliationMismatch.objects.bulk_create(
            [
                ReconciliationMismatch(
                    report=report,
                    order=row["order"],
                    kind=row["kind"],
                    provider=row.get("provider", ""),
                    local_status=row["local_status"],
                    provider_state=row.get("provider_state", ""),
                    local_amount_fen=row["local_amount_fen"],
                    provider_amount_fen=row.get("provider_amount_fen"),
                    provider_txn_id=row.get("provider_txn_id", ""),
                    detail=row.get("detail", ""),
                )
                for row in rows
            ]
        )
        audit_record(
            actor=actor,
            action="payments.reconciliation_run",
            object_type="payments.reconciliationreport",
            object_ref=str(report.public_id),
            after={"day": day.isoformat(), "orders": len(orders), "mismatches": len(rows)},
        )
    return report
