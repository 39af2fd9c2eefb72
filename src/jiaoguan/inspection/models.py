from __future__ import annotations

import uuid

from django.db import models

from jiaoguan.inspection.constants import (
    AppointmentState,
    Outcome,
    ReminderKind,
    StationStatus,
)


class InspectionReminder(models.Model):
    """One reminder sent to a vehicle's owner about one inspection period: at most one of each
    kind per period, so the daily run never repeats itself."""

    vehicle = models.ForeignKey(
        "registry.Vehicle", on_delete=models.PROTECT, related_name="inspection_reminders"
    )
    due = models.DateField()  # the end of the period the reminder is about
    kind = models.CharField(max_length=16, choices=ReminderKind.choices)
    template = models.CharField(max_length=48)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["vehicle", "due", "kind"], name="inspection_reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.vehicle_id} {self.due}"


class Station(models.Model):
    """The profile of a recognised inspection station (机动车安全技术检验机构): one per
    organisation of kind ``inspection_station``. Opening hours are data: ``{"mon": ["08:30",
    "17:00"], ...}`` in Beijing time, a weekday left out being closed."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.OneToOneField(
        "registry.Organisation", on_delete=models.PROTECT, related_name="station"
    )
    lines = models.PositiveSmallIntegerField()  # inspection lines (检测线)
    slot_minutes = models.PositiveSmallIntegerField(default=30)
    capacity_per_slot = models.PositiveSmallIntegerField()  # online places per slot
    opening_hours = models.JSONField(default=dict)
    vehicle_classes = models.JSONField(default=list)  # registry VehicleClass codes it may inspect
    status = models.CharField(
        max_length=16, choices=StationStatus.choices, default=StationStatus.RECOGNISED
    )
    status_reason = models.CharField(max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        permissions = [
            ("manage_station", "Register, change and suspend inspection stations"),
            ("operate_station", "Check in vehicles and record results at one's own station"),
        ]

    def __str__(self) -> str:
        return f"station {self.public_id}"


class SlotCounter(models.Model):
    """Places taken in one slot of one station: the row booking locks (``SELECT … FOR UPDATE``),
    so two bookings of the last place are serialised and never both succeed."""

    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="slot_counters")
    start = models.DateTimeField()
    taken = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["station", "start"], name="inspection_slot_once")
        ]

    def __str__(self) -> str:
        return f"{self.station_id} {self.start:%Y-%m-%d %H:%M} {self.taken}"


class Appointment(models.Model):
    """One visit of one vehicle to one station: booked online for a slot, or a walk-in checked
    in at the desk. Its state moves only through ``services.appointment_transition``."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="appointments")
    vehicle = models.ForeignKey(
        "registry.Vehicle", on_delete=models.PROTECT, related_name="inspection_appointments"
    )
    owner = models.ForeignKey(
        "registry.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspection_appointments",
    )
    slot_start = models.DateTimeField(null=True, blank=True)  # null for a walk-in
    walk_in = models.BooleanField(default=False)
    state = models.CharField(
        max_length=16, choices=AppointmentState.choices, default=AppointmentState.BOOKED
    )
    due = models.DateField()  # the end of the period this visit is for
    cross_region = models.BooleanField(default=False)  # 全国通检: registered in another city
    created_at = models.DateTimeField()
    checked_in_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        indexes = [
            models.Index(fields=["station", "slot_start"]),
            models.Index(fields=["owner", "state", "slot_start"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["vehicle"],
                condition=models.Q(state__in=["booked", "checked_in"]),
                name="inspection_one_open_visit",
            )
        ]

    def __str__(self) -> str:
        return f"appointment {self.public_id}"


class AppointmentEvent(models.Model):
    """Append-only history of an appointment's states."""

    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="events")
    command = models.CharField(max_length=32)
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16)
    actor_ref = models.CharField(max_length=64)
    reason = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.command} {self.from_state}->{self.to_state}"


class InspectionResult(models.Model):
    """One result of one inspection: every item pass or fail, with what to fix. A re-test
    (``retest_of``) gives only the items that failed; the others carry over."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="results")
    retest_of = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="retest"
    )
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    #: {item: {"outcome": "pass"|"fail", "fix": "what to fix"}} for the items examined
    items = models.JSONField()
    inspector = models.CharField(max_length=64, blank=True)
    recorded_by = models.CharField(max_length=64)
    recorded_at = models.DateTimeField()
    valid_until = models.DateField(null=True, blank=True)  # the new period, on a pass
    label_ref = models.CharField(max_length=64, blank=True)  # the label document's public id
    rule = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"result {self.public_id} {self.outcome}"
