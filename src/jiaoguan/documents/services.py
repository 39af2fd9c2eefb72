"""Every write about produced documents: issue (a new version supersedes the old one), void,
and signing-key rotation. Each is one transaction with its audit rows."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from jiaoguan.audit.services import Actor, audit_record
from jiaoguan.documents import signing
from jiaoguan.documents.constants import (
    ISSUER,
    MAX_TOKEN_LENGTH,
    NUMBER_PREFIX,
    DocumentKind,
    DocumentStatus,
)
from jiaoguan.documents.models import KEY_CONTEXT, Document, SigningKey
from jiaoguan.kernel import clock, crypto
from jiaoguan.kernel.errors import Conflict, DomainError

_FIELD_KEY_MAX = 32
_FIELD_VALUE_MAX = 80


def _snapshot(doc: Document) -> dict[str, Any]:
    return {
        "id": str(doc.public_id),
        "kind": doc.kind,
        "number": doc.number,
        "version": doc.version,
        "status": doc.status,
        "subject": f"{doc.subject_type}:{doc.subject_ref}",
        "fields": doc.fields,
        "kid": doc.kid,
        "voided_at": doc.voided_at.isoformat() if doc.voided_at else None,
    }


def _key_create(*, actor: Actor) -> SigningKey:
    kid, jwk, pem = signing.new_key_pair()
    key = SigningKey.objects.create(
        kid=kid,
        public_jwk=jwk,
        private_key_enc=crypto.encrypt(pem, context=KEY_CONTEXT),
        created_at=clock.now(),
    )
    audit_record(
        actor=actor,
        action="documents.signing_key_create",
        object_type="signingkey",
        object_ref=kid,
        after={"kid": kid, "jwk": jwk},
    )
    return key


@transaction.atomic
def signing_key_rotate(*, actor: Actor) -> SigningKey:
    """Retire the active key (its public key stays published) and make a new one active."""
    now = clock.now()
    for old in SigningKey.objects.select_for_update().filter(retired_at__isnull=True):
        old.retired_at = now
        old.save(update_fields=["retired_at"])
        audit_record(
            actor=actor,
            action="documents.signing_key_retire",
            object_type="signingkey",
            object_ref=old.kid,
            after={"kid": old.kid, "retired_at": now.isoformat()},
        )
    return _key_create(actor=actor)


def _active_key(*, actor: Actor) -> SigningKey:
    """The active key, read without a lock (signing must not queue on one row; a key retired
    meanwhile stays published, so what it signed still verifies). The first documents of a
    new deployment may race to create it: the loser uses the winner's key."""
    key = SigningKey.objects.filter(retired_at__isnull=True).first()
    if key is not None:
        return key
    try:
        with transaction.atomic():
            return _key_create(actor=actor)
    except IntegrityError:
        return SigningKey.objects.get(retired_at__isnull=True)


def _clean_fields(fields: dict[str, Any]) -> dict[str, str | int]:
    if not isinstance(fields, dict) or not fields:
        raise DomainError("invalid_fields", _("Give the fields the document shows"), field="fields")
    clean: dict[str, str | int] = {}
    for key, value in fields.items():
        if not isinstance(key, str) or not key or len(key) > _FIELD_KEY_MAX:
            raise DomainError("invalid_fields", _("Invalid field name"), field="fields")
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise DomainError(
                "invalid_fields", _("A printed field is a short text or number"), field="fields"
            )
        if isinstance(value, str) and len(value) > _FIELD_VALUE_MAX:
            raise DomainError(
                "invalid_fields", _("A printed field is a short text or number"), field="fields"
            )
        clean[key] = value
    return clean


def _new_number(kind: str) -> str:
    return f"{NUMBER_PREFIX[kind]}{clock.today():%Y}{uuid.uuid4().int % 10**10:010d}"


@transaction.atomic
def document_issue(
    *,
    actor: Actor,
    kind: str,
    subject_type: str,
    subject_ref: str,
    holder_person_ref: str,
    fields: dict[str, Any],
    number: str | None = None,
) -> Document:
    """Issue a document (or replace one): the valid document of the same kind and subject,
    if any, becomes ``superseded`` and the new one is version n+1, signed with the active
    key. A replacement keeps the document number unless a new one is given."""
    if kind not in DocumentKind.values:
        raise DomainError("invalid_kind", _("Unknown document kind"), field="kind")
    subject_type, subject_ref = subject_type.strip(), subject_ref.strip()
    if not subject_type or len(subject_type) > 32 or not subject_ref or len(subject_ref) > 64:
        raise DomainError("invalid_subject", _("Say what the document is about"), field="subject")
    if len(holder_person_ref) > 64 or (number is not None and not 0 < len(number) <= 32):
        raise DomainError("invalid_number", _("Invalid document number"), field="number")
    printed = _clean_fields(fields)
    now = clock.now()
    same = Document.objects.select_for_update().filter(
        kind=kind, subject_type=subject_type, subject_ref=subject_ref
    )
    previous = same.filter(status=DocumentStatus.VALID).first()
    last = same.order_by("-version").first()
    if previous is not None:
        before = _snapshot(previous)
        previous.status = DocumentStatus.SUPERSEDED
        previous.voided_at = now
        previous.save(update_fields=["status", "voided_at"])
        audit_record(
            actor=actor,
            action="documents.document_supersede",
            object_type="document",
            object_ref=str(previous.public_id),
            before=before,
            after=_snapshot(previous),
            subject_person_ref=previous.holder_person_ref,
        )
    key = _active_key(actor=actor)
    doc = Document(
        public_id=uuid.uuid4(),
        kind=kind,
        number=number or (last.number if last is not None else _new_number(kind)),
        version=(last.version + 1) if last is not None else 1,
        subject_type=subject_type,
        subject_ref=subject_ref,
        holder_person_ref=holder_person_ref,
        fields=printed,
        issued_at=now,
        supersedes=previous,
        kid=key.kid,
    )
    claims = {
        "iss": ISSUER,
        "sub": str(doc.public_id),
        "kind": kind,
        "number": doc.number,
        "version": doc.version,
        "iat": int(now.timestamp()),
        "fields": printed,
    }
    doc.token = signing.sign(claims, kid=key.kid, private_key_pem=key.private_key_pem)
    if len(doc.token) > MAX_TOKEN_LENGTH:
        raise DomainError(
            "fields_too_large",
            _("Too much printed text for the QR code on the document"),
            field="fields",
        )
    doc.save(force_insert=True)
    audit_record(
        actor=actor,
        action="documents.document_issue",
        object_type="document",
        object_ref=str(doc.public_id),
        after=_snapshot(doc),
        subject_person_ref=holder_person_ref,
    )
    return doc


@transaction.atomic
def document_void(*, actor: Actor, document: Document, reason: str) -> Document:
    """Declare a valid document void (lost, stolen, revoked). Verification then says so."""
    reason = reason.strip()
    if not reason or len(reason) > 200:
        raise DomainError(
            "reason_required", _("Give a reason (at most 200 characters)"), field="reason"
        )
    doc = Document.objects.select_for_update().get(pk=document.pk)
    if doc.status != DocumentStatus.VALID:
        raise Conflict("not_valid", _("Only a valid document can be voided"), field="status")
    before = _snapshot(doc)
    doc.status = DocumentStatus.VOID
    doc.voided_at = clock.now()
    doc.void_reason = reason
    doc.save(update_fields=["status", "voided_at", "void_reason"])
    audit_record(
        actor=actor,
        action="documents.document_void",
        object_type="document",
        object_ref=str(doc.public_id),
        before=before,
        after=_snapshot(doc),
        reason=reason,
        subject_person_ref=doc.holder_person_ref,
    )
    return doc
