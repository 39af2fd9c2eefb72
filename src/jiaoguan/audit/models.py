"""The audit trail: append-only rows chained by SM3 hash.

Design (docs/architecture.md, "Audit chain"): there are ``AUDIT_PARTITIONS`` independent chains.
A writer takes whichever chain head is free (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), so
concurrent transactions do not queue on one hot row. Each row stores its partition, its sequence
number in that partition, the hash of the previous row and its own hash. Anchors periodically
fold all chain heads into one chained record, tying the partitions together.

Rows hold no foreign keys: an audit row never dies with the object or actor it names.
"""

from __future__ import annotations

from typing import Any, NoReturn, TypeVar

from django.db import models

_M = TypeVar("_M", bound=models.Model)


class AppendOnlyError(RuntimeError):
    """Audit rows can be added, never changed or deleted."""


class AppendOnlyQuerySet(models.QuerySet[_M]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit rows cannot be updated")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("audit rows cannot be deleted")

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit rows cannot be updated")


class AuditEvent(models.Model):
    partition = models.PositiveSmallIntegerField()
    seq = models.PositiveBigIntegerField()
    created_at = models.DateTimeField()
    actor_ref = models.CharField(max_length=64, blank=True)  # user public id, or "system"
    actor_label = models.CharField(max_length=150, blank=True)
    actor_role = models.CharField(max_length=64, blank=True)
    on_behalf_of_ref = models.CharField(max_length=64, blank=True)
    outlet_ref = models.CharField(max_length=64, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, blank=True)
    object_ref = models.CharField(max_length=64, blank=True)
    subject_person_ref = models.CharField(max_length=64, blank=True)
    before_digest = models.CharField(max_length=64, blank=True)
    after_digest = models.CharField(max_length=64, blank=True)
    reason = models.TextField(blank=True)
    channel = models.CharField(max_length=16, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partition", "seq"], name="audit_partition_seq_uniq")
        ]
        # Every index costs each append (bench/writes.py): a plain index for the person's
        # access log (no LIKE pattern index), and on PostgreSQL a BRIN index for time ranges
        # (created by migration 0003: rows arrive in time order, so BRIN is tiny and cheap).
        indexes = [
            models.Index(fields=["object_type", "object_ref"], name="audit_object_idx"),
            models.Index(fields=["subject_person_ref"], name="audit_subject_idx"),
        ]
        permissions = [("verify_chain", "Verify the audit chain")]

    def __str__(self) -> str:
        return f"{self.partition}:{self.seq} {self.action} {self.object_type}:{self.object_ref}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("audit rows cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit rows cannot be deleted")

    def hashed_fields(self) -> dict[str, Any]:
        """The content covered by ``hash`` (everything but the hash itself and the db id)."""
        return {
            "partition": self.partition,
            "seq": self.seq,
            "created_at": self.created_at.isoformat(),
            "actor_ref": self.actor_ref,
            "actor_label": self.actor_label,
            "actor_role": self.actor_role,
            "on_behalf_of_ref": self.on_behalf_of_ref,
            "outlet_ref": self.outlet_ref,
            "action": self.action,
            "object_type": self.object_type,
            "object_ref": self.object_ref,
            "subject_person_ref": self.subject_person_ref,
            "before_digest": self.before_digest,
            "after_digest": self.after_digest,
            "reason": self.reason,
            "channel": self.channel,
            "request_id": self.request_id,
            "prev_hash": self.prev_hash,
        }


class AuditHead(models.Model):
    """The tip of one chain partition: last sequence number and hash."""

    partition = models.PositiveSmallIntegerField(primary_key=True)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"head {self.partition}@{self.seq}"


class AuditAnchor(models.Model):
    """All chain heads at one moment, chained to the previous anchor."""

    created_at = models.DateTimeField()
    heads = models.JSONField()  # {"<partition>": [seq, hash], ...}
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AppendOnlyQuerySet.as_manager()

    def __str__(self) -> str:
        return f"anchor {self.pk} {self.hash[:12]}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("anchors cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("anchors cannot be deleted")
