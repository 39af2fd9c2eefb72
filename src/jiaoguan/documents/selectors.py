"""Reads about documents: the published key set, live status, scoped access, verification,
and the printed fields of each document built from the registry."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from jiaoguan.audit.services import Actor, audit_record
from jiaoguan.documents.models import Document, SigningKey
from jiaoguan.documents.signing import verify_offline
from jiaoguan.kernel import clock, crypto
from jiaoguan.kernel.errors import NotFound
from jiaoguan.registry.models import DrivingLicence, Vehicle

STAFF_PERMISSION = "registry.view_vehicle"


def published_jwks() -> dict[str, Any]:
    """Every public key a document may have been signed with (active and retired), minus
    keys withdrawn from publication (``published_until`` passed)."""
    keys = (
        SigningKey.objects.filter(
            Q(published_until__isnull=True) | Q(published_until__gt=clock.now())
        )
        .order_by("created_at", "id")
        .values_list("public_jwk", flat=True)
    )
    return {"keys": list(keys)}


def _not_found() -> NotFound:
    return NotFound("not_found", _("Document not found"), message_en="Document not found")


def document_get(public_id: str | uuid.UUID) -> Document:
    try:
        return Document.objects.get(public_id=uuid.UUID(str(public_id)))
    except (ValueError, ObjectDoesNotExist) as exc:
        raise _not_found() from exc


def document_status(public_id: str | uuid.UUID) -> str:
    """The live status of a document: valid, superseded or void."""
    return str(document_get(public_id).status)


def _is_holder(principal: Any, doc: Document) -> bool:
    person = getattr(principal, "person", None) if getattr(principal, "person_id", None) else None
    return (
        bool(doc.holder_person_ref)
        and person is not None
        and (str(person.public_id) == doc.holder_person_ref)
    )


def can_view(principal: Any, doc: Document) -> bool:
    """The holder (a citizen bound to that person) or staff/partners holding the registry view
    permission. Deny by default."""
    if not getattr(principal, "is_authenticated", False) and getattr(principal, "kind", "") != (
        "partner"
    ):
        return False
    if _is_holder(principal, doc):
        return True
    return getattr(principal, "kind", "") != "citizen" and bool(
        principal.has_perm(STAFF_PERMISSION)
    )


def document_for(principal: Any, public_id: str, *, actor: Actor) -> Document:
    """A document the caller may see; "not found" otherwise (existence is not leaked).
    Anyone but the holder reading it is written to the audit trail (a read of personal data)."""
    doc = document_get(public_id)
    if not can_view(principal, doc):
        raise _not_found()
    if not _is_holder(principal, doc):
        with transaction.atomic():
            audit_record(
                actor=actor,
                action="documents.document_read",
                object_type="document",
                object_ref=str(doc.public_id),
                subject_person_ref=doc.holder_person_ref,
            )
    return doc


@dataclass(frozen=True)
class Verification:
    """What a verifier learns: the signed claims, and the live status from the register."""

    claims: dict[str, Any]
    status: str
    document: Document | None

    @property
    def fields(self) -> dict[str, Any]:
        value = self.claims.get("fields")
        return value if isinstance(value, dict) else {}


def verify(token: str) -> Verification:
    """Offline-style check against the published keys, then the live status. A token whose
    signature holds but whose document is unknown here reports status ``unknown``."""
    claims = verify_offline(token, published_jwks())
    try:
        doc: Document | None = Document.objects.get(public_id=uuid.UUID(str(claims["sub"])))
    except (ValueError, ObjectDoesNotExist):
        doc = None
    if doc is not None and doc.token != token.strip():
        doc = None
    return Verification(claims=claims, status=doc.status if doc else "unknown", document=doc)


def licence_fields(licence: DrivingLicence) -> dict[str, str]:
    """What an electronic driving licence shows; the ID number (the licence number) is
    masked as the electronic licence masks it."""
    person = licence.person
    return {
        "name": person.name,
        "sex": "男" if person.sex == "M" else "女",
        "licence_number": crypto.mask_id_number(person.id_number),
        "classes": licence.classes,
        "first_issue_date": licence.first_issue_date.isoformat(),
        "valid_from": licence.valid_from.isoformat(),
        "valid_until": licence.valid_until.isoformat() if licence.valid_until else "长期",
    }


def certificate_fields(vehicle: Vehicle) -> dict[str, str]:
    """What the registration certificate (登记证书) records of the vehicle and its owner."""
    owner = vehicle.owner_person or vehicle.owner_organisation
    return {
        "owner": owner.name if owner is not None else "",
        "plate": vehicle.plate.number if vehicle.plate else "",
        "vin": vehicle.vin,
        "brand_model": f"{vehicle.brand} {vehicle.model_name}".strip(),
        "manufacture_date": vehicle.manufacture_date.isoformat(),
        "registration_date": vehicle.registration_date.isoformat(),
        "region_code": vehicle.region_code,
    }


def permit_fields(vehicle: Vehicle) -> dict[str, str]:
    """What the driving permit (行驶证) face shows."""
    owner = vehicle.owner_person or vehicle.owner_organisation
    with translation.override("zh-hans"):
        vehicle_class, use = (
            str(vehicle.get_vehicle_class_display()),
            str(vehicle.get_use_display()),
        )
    return {
        "plate": vehicle.plate.number if vehicle.plate else "",
        "vehicle_class": vehicle_class,
        "owner": owner.name if owner is not None else "",
        "use": use,
        "brand_model": f"{vehicle.brand} {vehicle.model_name}".strip(),
        "vin": vehicle.vin,
        "registration_date": vehicle.registration_date.isoformat(),
    }
