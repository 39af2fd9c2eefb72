"""Fee orders, what the payment providers told us (every callback and query answer, as
received), and the daily reconciliation reports for supervisors."""

from __future__ import annotations

import uuid

from django.db import models

from jiaoguan.payments.constants import (
    EventFlag,
    EventKind,
    MismatchKind,
    OrderStatus,
    Provider,
    TradeState,
)


class FeeOrder(models.Model):
    """One fee order per application. ``order_no`` is the human number, sent to the provider
    as ``out_trade_no``. Amounts are integer fen. The status only moves through
    ``workflow.TRANSITIONS``."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    order_no = models.CharField(max_length=32, unique=True)
    payer_person_ref = models.CharField(max_length=64, db_index=True)
    purpose_ref = models.CharField(max_length=64, db_index=True)
    subject = models.CharField(max_length=127)
    items = models.JSONField(default=list)  # [{code, name, amount_fen}]
    amount_fen = models.PositiveIntegerField()
    status = models.CharField(
        max_length=16, choices=OrderStatus.choices, default=OrderStatus.CREATED
    )
    provider = models.CharField(max_length=16, choices=Provider.choices, blank=True)
    provider_txn_id = models.CharField(max_length=64, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["created_at", "id"], name="payments_order_created_idx")]

    def __str__(self) -> str:
        return self.order_no


class OrderHistory(models.Model):
    """Append-only: every status change of an order."""

    order = models.ForeignKey(FeeOrder, on_delete=models.PROTECT, related_name="history")
    command = models.CharField(max_length=32)
    from_status = models.CharField(max_length=16)
    to_status = models.CharField(max_length=16)
    actor_ref = models.CharField(max_length=64)
    reason = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.command}: {self.from_status} -> {self.to_status}"


class PaymentEvent(models.Model):
    """One callback or query answer, recorded as received (before and whatever the outcome).

    ``dedupe_key`` is unique: a provider notification id for callbacks (redeliveries of the same
    notification are not recorded twice), the trade's transaction and state for query answers,
    a digest of body and signature for callbacks that failed verification."""

    provider = models.CharField(max_length=16, choices=Provider.choices)
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    dedupe_key = models.CharField(max_length=160, unique=True)
    order = models.ForeignKey(
        FeeOrder, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    out_trade_no = models.CharField(max_length=64, blank=True, db_index=True)
    provider_txn_id = models.CharField(max_length=64, blank=True)
    trade_state = models.CharField(max_length=16, choices=TradeState.choices, blank=True)
    amount_fen = models.PositiveIntegerField(null=True, blank=True)
    raw_body = models.TextField(blank=True)
    headers = models.JSONField(default=dict)
    verified = models.BooleanField(default=False)
    applied = models.BooleanField(default=False)
    flag = models.CharField(max_length=20, choices=EventFlag.choices, blank=True)
    received_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.dedupe_key


class ReconciliationReport(models.Model):
    """One run of the daily reconciliation for the orders created on ``day`` (China time)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    day = models.DateField(db_index=True)
    orders_checked = models.PositiveIntegerField(default=0)
    mismatch_count = models.PositiveIntegerField(default=0)
    run_at = models.DateTimeField()
    run_by_ref = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"reconciliation {self.day}"


class ReconciliationMismatch(models.Model):
    report = models.ForeignKey(
        ReconciliationReport, on_delete=models.PROTECT, related_name="mismatches"
    )
    order = models.ForeignKey(FeeOrder, on_delete=models.PROTECT, related_name="mismatches")
    kind = models.CharField(max_length=32, choices=MismatchKind.choices)
    provider = models.CharField(max_length=16, choices=Provider.choices, blank=True)
    local_status = models.CharField(max_length=16)
    provider_state = models.CharField(max_length=16, blank=True)
    local_amount_fen = models.PositiveIntegerField()
    provider_amount_fen = models.PositiveIntegerField(null=True, blank=True)
    provider_txn_id = models.CharField(max_length=64, blank=True)
    detail = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"{self.kind} ({self.provider_txn_id})"
