"""The scopes a third-party app may ask a citizen for, one per kind of data or action.

Pure data (no Django models): the settings read :data:`SCOPES` for django-oauth-toolkit, and
the consent page shows :data:`SCOPE_LABELS` in the reader's language."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

OPENID = "openid"
LICENCE_READ = "licence:read"
POINTS_READ = "points:read"
VIOLATIONS_READ = "violations:read"
VEHICLES_READ = "vehicles:read"
APPLICATIONS_SUBMIT = "applications:submit"

#: scope -> English description (what django-oauth-toolkit and the OpenAPI document show)
SCOPES: dict[str, str] = {
    OPENID: "Confirm who you are (an opaque account identifier, in a signed ID token).",
    LICENCE_READ: "Your driving licence: classes, status, validity.",
    POINTS_READ: "Your points in the current scoring cycle.",
    VIOLATIONS_READ: "Your traffic violations (as driver or vehicle owner).",
    VEHICLES_READ: "The vehicles registered to you: plate, class, inspection validity.",
    APPLICATIONS_SUBMIT: "Start and submit business applications on your behalf.",
}

#: scope -> what the citizen reads on the consent page and the "my authorisations" page
SCOPE_LABELS = {
    OPENID: _("Confirm who you are (an opaque account identifier)"),
    LICENCE_READ: _("Your driving licence: classes, status, validity"),
    POINTS_READ: _("Your points in the current scoring cycle"),
    VIOLATIONS_READ: _("Your traffic violations"),
    VEHICLES_READ: _("The vehicles registered to you"),
    APPLICATIONS_SUBMIT: _("Submit business applications on your behalf"),
}

#: scopes that read data (each read is written to the citizen's access log)
READ_SCOPES = (LICENCE_READ, POINTS_READ, VIOLATIONS_READ, VEHICLES_READ)
DATA_SCOPES = (*READ_SCOPES, APPLICATIONS_SUBMIT)


def labels(scopes: list[str]) -> list[str]:
    return [str(SCOPE_LABELS.get(s, s)) for s in scopes]
