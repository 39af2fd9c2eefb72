"""Reads of applications, scoped like every list (DESIGN.md): applicants see their own; staff who
handle or review applications see those of their region scope; everyone else nothing."""

from __future__ import annotations

import uuid

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from jiaoguan.accounts.constants import AccountKind
from jiaoguan.accounts.principal import Principal
from jiaoguan.cases.models import Application
from jiaoguan.kernel.errors import NotFound
from jiaoguan.registry.selectors import region_filter


def applications_for(principal: Principal) -> QuerySet[Application]:
    qs = Application.objects.select_related("business_type", "catalogue_entry", "applicant")
    if not getattr(principal, "is_authenticated", False):
        return qs.none()
    if principal.kind == AccountKind.CITIZEN:
        pid = getattr(principal, "person_id", None)
        return qs.filter(applicant_id=pid) if pid else qs.none()
    if principal.has_perm("cases.handle_application") or principal.has_perm(
        "cases.review_application"
    ):
        return region_filter(qs, principal.region_scope)
    return qs.none()


def application_get(principal: Principal, public_id: str | uuid.UUID) -> Application:
    try:
        return applications_for(principal).get(public_id=uuid.UUID(str(public_id)))
    except (ValueError, ObjectDoesNotExist) as exc:
        raise NotFound("not_found", _("%(what)s not found") % {"what": _("Application")}) from exc


def review_queue(principal: Principal) -> QuerySet[Application]:
    """Applications waiting for a person, oldest submission first (measure 3)."""
    return applications_for(principal).filter(state="under_review").order_by("submitted_at", "id")
