from __future__ import annotations

from django.db import models

from jiaoguan.inspection.constants import ReminderKind


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
