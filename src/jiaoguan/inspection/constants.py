from django.db import models
from django.utils.translation import gettext_lazy as _


class ReminderKind(models.TextChoices):
    DUE_SOON = "due_soon", _("Inspection due soon")
    OVERDUE = "overdue", _("Inspection overdue")
    SCRAP_WARNING = "scrap_warning", _("Heading for compulsory scrapping")
