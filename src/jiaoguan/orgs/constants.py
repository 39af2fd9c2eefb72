from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgKind(models.TextChoices):
    """The organisations that open an account (issue 4, item 7)."""

    DEALER = "dealer", _("Car dealer")
    DRIVING_SCHOOL = "driving_school", _("Driving school")
    TRANSPORT_FIRM = "transport_firm", _("Transport firm")
    HOSPITAL = "hospital", _("Hospital")


class OrgAccountStatus(models.TextChoices):
    VERIFIED = "verified", _("Verified, agreement to sign")
    ACTIVE = "active", _("Active")
    WITHDRAWN = "withdrawn", _("Withdrawn")
