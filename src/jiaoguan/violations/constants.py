from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    """Where a violation record stands (``workflow.TRANSITIONS`` moves it)."""

    RECORDED = "recorded", _("Recorded")
    CONTESTED = "contested", _("Contested")
    DRIVER_CONFIRMED = "driver_confirmed", _("Driver confirmed")
    PAID = "paid", _("Fine paid")
    CLOSED = "closed", _("Closed")
    VOID = "void", _("Void")


class Source(models.TextChoices):
    ENFORCEMENT_SYSTEM = "enforcement_system", _("Enforcement system")
    OFFICER = "officer", _("Police officer")


class EntryKind(models.TextChoices):
    VIOLATION = "violation", _("Violation")
    CARRY_OVER = "carry_over", _("Carried over")


class EntryState(models.TextChoices):
    """A ledger entry's points: counting, cleared (cycle end or full-score process),
    carried into the next cycle (R163 Art. 15), or void with the violation (Art. 16)."""

    ACTIVE = "active", _("Counting")
    CLEARED = "cleared", _("Cleared")
    CARRIED = "carried", _("Carried over")
    VOID = "void", _("Void")


class DutyState(models.TextChoices):
    OPEN = "open", _("Open")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
