from django.db import models
from django.utils.translation import gettext_lazy as _

#: the audit role of a third-party app reading a citizen's data with their consent
APP_READER_ROLE = "third_party_app"
#: legal basis recorded on an app's consent
APP_LEGAL_BASIS = "个人同意（可随时撤回）: PIPL Art. 13(1)(1), Art. 14, Art. 15"


class EndReason(models.TextChoices):
    WITHDRAWN = "withdrawn", _("Withdrawn by you")
    REPLACED = "replaced", _("Replaced by a newer authorisation")
    APP_DISABLED = "app_disabled", _("The app was disabled")


#: audit action of each read an app makes, by scope (they end in ``_read``: the citizen's
#: access log lists them)
READ_ACTIONS = {
    "licence:read": "app.licence_read",
    "points:read": "app.points_read",
    "violations:read": "app.violations_read",
    "vehicles:read": "app.vehicles_read",
}
