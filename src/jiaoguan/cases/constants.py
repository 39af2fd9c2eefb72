from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    KIOSK = "kiosk", _("Self-service kiosk")
    WINDOW = "window", _("Service window")
    OUTLET = "outlet", _("Agent outlet")


class MaterialSource(models.TextChoices):
    """How a material is satisfied (measure 1, the four reductions)."""

    IDENTITY = "identity", _("Identity (verified account or ID card read)")
    DATA_LINK = "data_link", _("Checked through a data link")
    UPLOAD = "upload", _("Uploaded image")


class ReviewPolicy(models.TextChoices):
    AUTOMATIC = "automatic", _("Automatic when every check passes")
    MANUAL = "manual", _("Reviewed by a person")


class SubjectType(models.TextChoices):
    PERSON = "person", _("Person")
    VEHICLE = "vehicle", _("Vehicle")
    LICENCE = "licence", _("Driving licence")


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    VERIFYING = "verifying", _("Verifying")
    AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
    UNDER_REVIEW = "under_review", _("Under review")
    APPROVED = "approved", _("Approved")
    IN_PRODUCTION = "in_production", _("In production")
    READY = "ready", _("Ready for pickup")
    DISPATCHED = "dispatched", _("Dispatched")
    COMPLETED = "completed", _("Completed")
    REJECTED = "rejected", _("Rejected")
    RETURNED = "returned", _("Returned for correction")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class OutOfOrderReason(models.TextChoices):
    """Why a reviewer took a case before older ones (measure 3: the queue is worked in order of
    submission; every exception is recorded for supervisors)."""

    URGENT = "urgent", _("Urgent need stated by the applicant")
    ELDERLY_OR_DISABLED = "elderly_or_disabled", _("Elderly or disabled applicant")
    CORRECTION = "correction", _("Correction of an error by this office")
    SUPERVISOR = "supervisor", _("Instruction of a supervisor")


class TicketState(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    CALLED = "called", _("Called to a window")
    SERVED = "served", _("Served")
    NO_SHOW = "no_show", _("Did not come")


class Delivery(models.TextChoices):
    ELECTRONIC = "electronic", _("Electronic document only")
    PICKUP = "pickup", _("Pick up at the window")
    POST = "post", _("Delivered by post")
