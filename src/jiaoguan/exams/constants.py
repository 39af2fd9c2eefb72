from django.db import models
from django.utils.translation import gettext_lazy as _


class ApplicationKind(models.TextChoices):
    FIRST = "first", _("First licence")
    ADD_CLASS = "add_class", _("Additional class")


class ApplicationChannel(models.TextChoices):
    ONLINE = "online", _("Online (the applicant)")
    SCHOOL = "school", _("Driving school")
    WINDOW = "window", _("Counter")


class ApplicationState(models.TextChoices):
    OPEN = "open", _("Applied (科目一 to pass)")
    LEARNING = "learning", _("Learner permit issued")
    AWAITING_LICENCE = "awaiting_licence", _("All subjects passed: licence fee due")
    LICENSED = "licensed", _("Licence issued")
    VOID = "void", _("Void (subjects passed are void)")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class WhereBasis(models.TextChoices):
    """Why this office may take the application (R162 Art. 22; measure 16)."""

    HOUSEHOLD = "household", _("Household registration in this province")
    RESIDENCE = "residence", _("Residence in this province (recorded address)")
    RESIDENCE_PERMIT = "residence_permit", _("Residence permit of this province")
    ISSUING_OFFICE = "issuing_office", _("The office that issued the licence")


class Subject(models.IntegerChoices):
    ONE = 1, _("Subject 1 (law and theory)")
    TWO = 2, _("Subject 2 (site skills)")
    THREE = 3, _("Subject 3 (road skills and safe driving)")


class BookingState(models.TextChoices):
    WAITING = "waiting", _("In the queue (day oversubscribed)")
    BOOKED = "booked", _("Booked")
    CHECKED_IN = "checked_in", _("Checked in (examiner assigned)")
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")
    ABSENT = "absent", _("Absent (counts as failed)")
    CANCELLED = "cancelled", _("Cancelled")
    NOT_ALLOCATED = "not_allocated", _("No place allocated")
