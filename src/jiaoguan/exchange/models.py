"""The national exchange: peers, the transactional outbox, the idempotent inbox, and the
electronic archive transfers (异地转籍) that travel through them (docs/exchange.md)."""

from __future__ import annotations

import uuid

from django.db import models

from jiaoguan.exchange.constants import (
    Direction,
    ForeignInspectionState,
    MessageType,
    OutboxState,
    TransferKind,
    TransferState,
)
from jiaoguan.inspection.constants import AppointmentState


class Peer(models.Model):
    """Another provincial deployment: where its inbox is and the key its messages verify with."""

    province_code = models.CharField(max_length=2, unique=True)
    name = models.CharField(max_length=64, blank=True)
    base_url = models.URLField(max_length=200)
    #: Ed25519 public key, 32 raw bytes in base64url
    public_key = models.CharField(max_length=64)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.province_code} {self.base_url}"


class OutboxMessage(models.Model):
    """A signed message written in the same transaction as the business change that sends
    it; the delivery task posts it until the receiver acknowledges it."""

    message_id = models.UUIDField(unique=True)
    type = models.CharField(max_length=32, choices=MessageType.choices)
    to_province = models.CharField(max_length=2)
    envelope = models.JSONField()
    state = models.CharField(
        max_length=16, choices=OutboxState.choices, default=OutboxState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="outbox_due_idx")]

    def __str__(self) -> str:
        return f"{self.type} → {self.to_province} ({self.message_id})"


class InboxMessage(models.Model):
    """A message received: stored once by its id (the unique constraint is the idempotence),
    applied in the same transaction."""

    message_id = models.UUIDField(unique=True)
    type = models.CharField(max_length=32)
    from_province = models.CharField(max_length=2)
    envelope_digest = models.CharField(max_length=64)
    envelope = models.JSONField()
    received_at = models.DateTimeField()
    result = models.JSONField(default=dict)
    deliveries = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return f"{self.type} ← {self.from_province} ({self.message_id})"


class ArchiveTransfer(models.Model):
    """One electronic archive transfer, seen from one side: ``out`` at the old office, ``in``
    at the new one. Both sides share ``public_id``."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    direction = models.CharField(max_length=4, choices=Direction.choices)
    kind = models.CharField(max_length=16, choices=TransferKind.choices)
    state = models.CharField(max_length=16, choices=TransferState.choices)
    vin = models.CharField(max_length=17, db_index=True)
    vehicle = models.ForeignKey(
        "registry.Vehicle", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    #: the owner (out: the old owner; in: the owner at the new office, the buyer on a sale)
    owner_person = models.ForeignKey(
        "registry.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_region = models.CharField(max_length=6)
    to_region = models.CharField(max_length=6)
    #: the region whose staff handle this side (out: from_region, in: to_region)
    region_code = models.CharField(max_length=6, db_index=True)
    archive = models.JSONField(default=dict)
    archive_digest = models.CharField(max_length=64)
    archive_seal = models.CharField(max_length=128)
    selection_right_ref = models.CharField(max_length=36, blank=True)
    new_plate = models.CharField(max_length=10, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    rule_version = models.CharField(max_length=32)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        permissions = [("handle_transfer", "Start and handle electronic archive transfers")]

    def __str__(self) -> str:
        return f"transfer {self.direction} {self.vin} ({self.state})"


class TransferEvent(models.Model):
    """History of a transfer: one row per transition."""

    transfer = models.ForeignKey(ArchiveTransfer, on_delete=models.PROTECT, related_name="events")
    command = models.CharField(max_length=32)
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16)
    actor_ref = models.CharField(max_length=64)
    note = models.CharField(max_length=200, blank=True)
    message_ref = models.CharField(max_length=36, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.command}: {self.from_state} → {self.to_state}"


class ForeignInspection(models.Model):
    """An inspection at a station here of a vehicle registered in another province
    (全国通检, R164 Art. 54). The result travels to the home province, which records it
    against the vehicle and issues the label; its answer comes back here."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    station = models.ForeignKey(
        "inspection.Station", on_delete=models.PROTECT, related_name="foreign_inspections"
    )
    home_province = models.CharField(max_length=2)
    vin = models.CharField(max_length=17, db_index=True)
    plate_number = models.CharField(max_length=10)
    vehicle_class = models.CharField(max_length=24)
    outcome = models.CharField(max_length=8)
    items = models.JSONField()
    inspector = models.CharField(max_length=64, blank=True)
    inspected_on = models.DateField()
    state = models.CharField(
        max_length=16, choices=ForeignInspectionState.choices, default=ForeignInspectionState.SENT
    )
    #: the home province's answer: the period the label covers and its document number
    valid_until = models.DateField(null=True, blank=True)
    label_number = models.CharField(max_length=32, blank=True)
    answer = models.CharField(max_length=64, blank=True)
    recorded_by = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"inspection of {self.plate_number} for {self.home_province} ({self.state})"


class ForeignAppointment(models.Model):
    """A slot booked at a station here for a vehicle registered in another province
    (全国通检, R164 Art. 54). There is no registry record of the vehicle here: the booking holds
    the facts the owner declared (plate, VIN, class, the owner's ID number), and the home
    province checks them against its register when the result arrives (refusing a mismatch).
    Its states are those of a local appointment and move through the same workflow table
    (``inspection.workflow.TRANSITIONS``); the place is taken on the same slot counter."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    station = models.ForeignKey(
        "inspection.Station", on_delete=models.PROTECT, related_name="foreign_appointments"
    )
    slot_start = models.DateTimeField()
    state = models.CharField(
        max_length=16, choices=AppointmentState.choices, default=AppointmentState.BOOKED
    )
    home_province = models.CharField(max_length=2)
    vin = models.CharField(max_length=17)
    plate_number = models.CharField(max_length=10)
    vehicle_class = models.CharField(max_length=24)
    #: the citizen account here that booked (a Person of this deployment), if any
    booked_by = models.ForeignKey(
        "registry.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    #: the owner's ID number as declared, encrypted (context ``foreign_appointment.owner``)
    owner_id_number_enc = models.BinaryField()
    inspection = models.OneToOneField(
        ForeignInspection,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appointment",
    )
    created_at = models.DateTimeField()
    checked_in_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        indexes = [models.Index(fields=["station", "slot_start"], name="foreign_appt_slot_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["vin"],
                condition=models.Q(state__in=["booked", "checked_in"]),
                name="foreign_appt_one_open_visit",
            )
        ]

    def __str__(self) -> str:
        return f"foreign appointment {self.public_id}"


class ForeignAppointmentEvent(models.Model):
    """Append-only history of a foreign appointment's states."""

    appointment = models.ForeignKey(
        ForeignAppointment, on_delete=models.PROTECT, related_name="events"
    )
    command = models.CharField(max_length=32)
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16)
    actor_ref = models.CharField(max_length=64)
    reason = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.command} {self.from_state}->{self.to_state}"
