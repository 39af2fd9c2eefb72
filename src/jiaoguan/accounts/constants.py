from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountKind(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    STAFF = "staff", _("Staff")
    PARTNER = "partner", _("Partner system")


class OtpChannel(models.TextChoices):
    SMS = "sms", _("SMS code")
    TOTP = "totp", _("Authenticator code")
