from django.db import models
from django.utils.translation import gettext_lazy as _


class ReminderKind(models.TextChoices):
    DUE_SOON = "due_soon", _("Inspection due soon")
    OVERDUE = "overdue", _("Inspection overdue")
    SCRAP_WARNING = "scrap_warning", _("Heading for compulsory scrapping")


class StationStatus(models.TextChoices):
    RECOGNISED = "recognised", _("Recognised")
    #: R164 Art. 72: a station found faking results is no longer recognised
    SUSPENDED = "suspended", _("Suspended (not recognised)")


class AppointmentState(models.TextChoices):
    BOOKED = "booked", _("Booked")
    CHECKED_IN = "checked_in", _("Checked in")
    DONE = "done", _("Inspected")
    CANCELLED = "cancelled", _("Appointment cancelled")
    NO_SHOW = "no_show", _("No-show")


class Outcome(models.TextChoices):
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")


class InspectionItem(models.TextChoices):
    """The parts of a periodic inspection (GB 38900-2020, 机动车安全技术检验项目和方法)."""

    IDENTITY = "identity", _("Vehicle identity (VIN, plate, engine)")
    FEATURES = "features", _("Feature parameters")
    APPEARANCE = "appearance", _("Appearance")
    SAFETY_DEVICES = "safety_devices", _("Safety devices")
    UNDERBODY = "underbody", _("Underbody components")
    CHASSIS_DYNAMIC = "chassis_dynamic", _("Chassis dynamic check")
    BRAKES = "brakes", _("Brakes")
    HEADLAMPS = "headlamps", _("Headlamps")


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
