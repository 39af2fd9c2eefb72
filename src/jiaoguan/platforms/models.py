"""Consent records (signed revisions chained by hash) and licence-check share codes."""

from __future__ import annotations

import uuid
from typing import Any, NoReturn

from django.db import models

from jiaoguan.audit.models import AppendOnlyError, AppendOnlyQuerySet
from jiaoguan.platforms.constants import ConsentState, ShareFact, ShareStatus


class ConsentRecord(models.Model):
    """One revision of a consent, as the GovStack consent building block describes: a person
    (data subject) lets a party (a client, app or organisation) use some scopes of their data
    for a purpose under a legal basis, until they withdraw it.

    Revisions are never updated: giving creates revision 1, withdrawing appends revision n+1
    with state ``withdrawn``. All revisions of one person form one chain ordered by ``seq``:
    ``hash`` is SM3 over the canonical JSON of the revision including ``prev_hash`` (the hash
    of the person's previous revision), and ``signature`` is a compact JWS (ES256, the
    documents signing key, verifiable against ``/.well-known/jwks.json``) over that hash.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="consent_records"
    )
    consent_ref = models.UUIDField(db_index=True)  # the consent across its revisions
    revision = models.PositiveIntegerField()
    seq = models.PositiveBigIntegerField()  # position in the person's chain
    party_name = models.CharField(max_length=120)
    party_id = models.CharField(max_length=64)
    purpose = models.CharField(max_length=200)
    scopes = models.JSONField(default=list)
    legal_basis = models.CharField(max_length=200)
    state = models.CharField(max_length=16, choices=ConsentState.choices)
    expires_at = models.DateTimeField(null=True, blank=True)
    actor_ref = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    kid = models.CharField(max_length=64)
    signature = models.TextField()

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "seq"], name="consent_person_seq_uniq"),
            models.UniqueConstraint(
                fields=["consent_ref", "revision"], name="consent_ref_revision_uniq"
            ),
        ]

    def __str__(self) -> str:
        return f"consent {self.consent_ref} r{self.revision} {self.state}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("consent revisions cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("consent revisions cannot be deleted")

    def hashed_fields(self) -> dict[str, Any]:
        """What ``hash`` covers: the whole revision and the previous hash."""
        return {
            "id": str(self.public_id),
            "person": str(self.person.public_id),
            "consent": str(self.consent_ref),
            "revision": self.revision,
            "seq": self.seq,
            "party_name": self.party_name,
            "party_id": self.party_id,
            "purpose": self.purpose,
            "scopes": list(self.scopes),
            "legal_basis": self.legal_basis,
            "state": self.state,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "actor": self.actor_ref,
            "created_at": self.created_at.isoformat(),
            "prev_hash": self.prev_hash,
        }


class ConsentHead(models.Model):
    """The tip of one person's consent chain (last ``seq`` and ``hash``): appends lock it, and
    the verifier compares it with the last revision, so a deleted tail is seen."""

    person = models.OneToOneField(
        "registry.Person", on_delete=models.PROTECT, primary_key=True, related_name="+"
    )
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"consent head {self.person_id}@{self.seq}"


class LicenceShare(models.Model):
    """A share code that shows chosen facts of the holder's driving licence. The code itself is
    never stored: only its keyed HMAC-SM3 blind index. ``token`` is the signed offline token
    (ES256 JWS) carrying the chosen facts as of creation, shown as a QR code."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="licence_shares"
    )
    code_index = models.CharField(max_length=64, unique=True)
    facts = models.JSONField(default=list)
    consent_ref = models.UUIDField()
    kid = models.CharField(max_length=64)
    token = models.TextField()
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["person", "created_at"], name="share_person_idx")]

    def __str__(self) -> str:
        return f"share {self.public_id}"

    def status(self, now: Any) -> str:
        if self.revoked_at is not None:
            return ShareStatus.REVOKED
        if now >= self.expires_at:
            return ShareStatus.EXPIRED
        return ShareStatus.ACTIVE

    def fact_labels(self) -> list[str]:
        labels = dict(ShareFact.choices)
        return [str(labels.get(f, f)) for f in self.facts]
