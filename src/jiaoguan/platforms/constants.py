from django.db import models
from django.utils.translation import gettext_lazy as _


class ShareFact(models.TextChoices):
    """The facts of a driving licence that a holder may disclose with a share code. Only the
    ticked ones are shown on the share page and written into the signed offline token."""

    NAME = "name", _("Holder's name")
    CLASSES = "classes", _("Licence classes")
    VALID = "valid", _("Licence valid and not suspended")
    VALID_UNTIL = "valid_until", _("Valid until")
    POINTS = "points", _("Points this cycle")
    FIRST_ISSUE_DATE = "first_issue_date", _("First issued on")


class ShareStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    REVOKED = "revoked", _("Share revoked")
    EXPIRED = "expired", _("Share expired")


class ConsentState(models.TextChoices):
    GIVEN = "given", _("Given")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# The party recorded on the consent behind a share code (GovStack consent: the data consumer).
SHARE_PARTY = "share code"
SHARE_PURPOSE = "licence check by share code"
# The audit action written when someone opens a share code.
SHARE_VIEW_ACTION = "platforms.share_view"
SHARE_VIEWER_ROLE = "share_code_viewer"
CONSENT_OBJECT = "consentrecord"
