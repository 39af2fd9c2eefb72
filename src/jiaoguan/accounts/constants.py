from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountKind(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    STAFF = "staff", _("Staff")
    PARTNER = "partner", _("Partner system")


class OtpChannel(models.TextChoices):
    SMS = "sms", _("SMS code")
    TOTP = "totp", _("Authenticator code")


class PartnerSector(models.TextChoices):
    """The kinds of partner system that call the API with client credentials (issue 4)."""

    INSURER = "insurer", _("Insurer")
    COURT = "court", _("Court")
    POST = "post", _("Postal service")
    TAX = "tax", _("Tax authority")
    HOSPITAL = "hospital", _("Hospital")
    INSPECTION_STATION = "inspection_station", _("Inspection station")
    ENFORCEMENT = "enforcement", _("Enforcement system")
    OTHER = "other", _("Other department")
