"""Produced documents and the keys that sign them."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from jiaoguan.documents.constants import ALGORITHM, DocumentKind, DocumentStatus
from jiaoguan.kernel import crypto

KEY_CONTEXT = b"documents.signing_key"


class SigningKey(models.Model):
    """A key that signs document tokens.

    ES256 (ECDSA P-256 with SHA-256, RFC 7518) because any JOSE library on any phone or
    laptop can verify it offline against ``/.well-known/jwks.json``. SM2 (GB/T 32918) is the
    domestic alternative, but it has no JOSE algorithm registration, so a verifier would need
    custom code; a second SM2-signed token can be added when such a profile exists.

    One key is active (``retired_at`` empty) at a time. Rotation retires it but keeps its
    public key published, so documents it signed still verify; only ``published_until``
    (set for a compromised key) takes a public key out of the key set.
    """

    kid = models.CharField(max_length=64, unique=True)
    algorithm = models.CharField(max_length=8, default=ALGORITHM)
    public_jwk = models.JSONField()
    private_key_enc = models.BinaryField()
    created_at = models.DateTimeField()
    retired_at = models.DateTimeField(null=True, blank=True)
    published_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["algorithm"],
                condition=Q(retired_at__isnull=True),
                name="documents_one_active_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.algorithm} {self.kid}"

    @property
    def private_key_pem(self) -> str:
        return crypto.decrypt(self.private_key_enc, context=KEY_CONTEXT)


class Document(models.Model):
    """One version of a produced document. Replacing it issues version n+1 and marks this
    one superseded; the QR code on the paper carries :attr:`token`."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=32, choices=DocumentKind.choices)
    number = models.CharField(max_length=32, db_index=True)
    version = models.PositiveIntegerField()
    subject_type = models.CharField(max_length=32)
    subject_ref = models.CharField(max_length=64)
    holder_person_ref = models.CharField(max_length=64, blank=True, db_index=True)
    fields = models.JSONField(default=dict)
    status = models.CharField(
        max_length=16, choices=DocumentStatus.choices, default=DocumentStatus.VALID
    )
    issued_at = models.DateTimeField()
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(max_length=200, blank=True)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    kid = models.CharField(max_length=64)
    token = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject_type", "subject_ref", "version"],
                name="documents_version_uniq",
            ),
            models.UniqueConstraint(
                fields=["kind", "subject_type", "subject_ref"],
                condition=Q(status="valid"),
                name="documents_one_valid",
            ),
        ]
        indexes = [models.Index(fields=["subject_type", "subject_ref"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.number} v{self.version}"
