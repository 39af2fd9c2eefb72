"""Reads of the oauth app: a citizen's app authorisations (the "my authorisations" page)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import get_language

from jiaoguan.oauth.models import AppAuthorisation, AppRegistration
from jiaoguan.oauth.scopes import labels
from jiaoguan.registry.models import Person


@dataclass(frozen=True)
class AppAuthorisationView:
    authorisation: AppAuthorisation
    app_name: str
    organisation: str
    purpose: str
    scope_labels: list[str]

    @property
    def active(self) -> bool:
        return self.authorisation.active


def app_authorisations_for(person: Person, *, limit: int = 100) -> list[AppAuthorisationView]:
    """``person``'s app authorisations, active ones first, then newest first."""
    rows = list(
        AppAuthorisation.objects.filter(person=person)
        .select_related("application")
        .order_by("ended_at", "-granted_at", "-id")[:limit]
    )
    registrations = {
        r.application_id: r
        for r in AppRegistration.objects.filter(application_id__in={a.application_id for a in rows})
    }
    english = (get_language() or "").startswith("en")
    views = []
    for a in rows:
        reg = registrations.get(a.application_id)
        purpose = ((reg.purpose_en or reg.purpose) if english else reg.purpose) if reg else ""
        views.append(
            AppAuthorisationView(
                authorisation=a,
                app_name=a.application.name,
                organisation=reg.organisation_name if reg else "",
                purpose=purpose,
                scope_labels=labels(list(a.scopes)),
            )
        )
    # active first (ended_at null sorts first on PostgreSQL, last on SQLite: sort here)
    return sorted(views, key=lambda v: not v.active)
