from django.db import models
from django.utils.translation import gettext_lazy as _


class CourseKind(models.TextChoices):
    FULL_SCORE = "full_score", _("Full-score education")
    REVIEW = "review", _("Licence-review education")
    REDUCTION = "reduction", _("Study to reduce points")


class EnrolmentState(models.TextChoices):
    """Where an enrolment stands (``workflow.TRANSITIONS`` moves it)."""

    STUDYING = "studying", _("Studying")
    PASSED = "passed", _("Exam passed")
    COMPLETED = "completed", _("Completed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    VOID = "void", _("Void")


class BeatStatus(models.TextChoices):
    """What one heartbeat counted, and why."""

    START = "start", _("Start of a stretch")
    COUNTED = "counted", _("Counted")
    IDLE = "idle", _("Idle or hidden")
    GAP = "gap", _("Gap too long")
    PAUSED = "paused", _("Identity check pending")


class CheckState(models.TextChoices):
    PENDING = "pending", _("Pending")
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")
    MISSED = "missed", _("Missed")
