"""Reads of applications, scoped like every list (DESIGN.md): applicants see their own; staff who
handle or review applications see those of their region scope; outlet agents see the
applications made at their own outlet; everyone else nothing."""

from __future__ import annotations

import uuid

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from jiaoguan.accounts.constants import AccountKind
from jiaoguan.accounts.principal import Principal
from jiaoguan.cases.constants import Channel, State
from jiaoguan.cases.effects import DOCUMENT_EFFECTS
from jiaoguan.cases.models import Application
from jiaoguan.documents.models import Document
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


def outlet_applications(principal: Principal) -> QuerySet[Application]:
    """Applications made at the caller's outlet: for an agent holding
    ``cases.handle_outlet_application`` and bound to an organisation, those whose outlet is
    that organisation; nothing for anyone else (an agent of one post office never sees
    another's)."""
    qs = Application.objects.select_related("business_type", "catalogue_entry", "applicant")
    org_id = getattr(principal, "organisation_id", None)
    if (
        not getattr(principal, "is_authenticated", False)
        or org_id is None
        or not principal.has_perm("cases.handle_outlet_application")
    ):
        return qs.none()
    return qs.filter(channel=Channel.OUTLET, outlet_id=org_id)


def outlet_application_get(principal: Principal, public_id: str | uuid.UUID) -> Application:
    try:
        return outlet_applications(principal).get(public_id=uuid.UUID(str(public_id)))
    except (ValueError, ObjectDoesNotExist) as exc:
        raise NotFound("not_found", _("%(what)s not found") % {"what": _("Application")}) from exc


_PRODUCED = {State.APPROVED, State.IN_PRODUCTION, State.READY, State.DISPATCHED, State.COMPLETED}


def application_document(app: Application) -> Document | None:
    """The document an approved application produced (the version issued for it), if its
    business produces one: the latest version of the holder's document about the
    application's subject issued since submission."""
    if (
        app.state not in _PRODUCED
        or app.catalogue_entry.effect not in DOCUMENT_EFFECTS
        or app.submitted_at is None
    ):
        return None
    return (
        Document.objects.filter(
            subject_ref=app.subject_ref,
            holder_person_ref=str(app.applicant.public_id),
            issued_at__gte=app.submitted_at,
        )
        .order_by("-issued_at", "-id")
        .first()
    )
