"""Writing the audit trail. Called by every service inside its own transaction."""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction

from jiaoguan.audit.models import AuditAnchor, AuditEvent, AuditHead
from jiaoguan.kernel import clock, context
from jiaoguan.kernel.crypto import canonical_json, digest, sm3_hex

if TYPE_CHECKING:
    from jiaoguan.accounts.models import User

GENESIS = "0" * 64


class AuditOutsideTransaction(RuntimeError):
    """audit_record must run inside the transaction of the change it records."""


@dataclass(frozen=True)
class Actor:
    """Who acts: a user, or the system itself (tasks, seeding); ``on_behalf_of_ref`` names the
    person a kiosk or an outlet agent acts for (written to every row this actor records)."""

    ref: str
    label: str
    role: str = ""
    outlet_ref: str = ""
    on_behalf_of_ref: str = ""

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(ref="system", label=label, role="system")

    @classmethod
    def of(cls, user: User | None) -> Actor:
        if user is None or not getattr(user, "is_authenticated", False):
            return cls(ref="anonymous", label="anonymous", role="anonymous")
        org = getattr(user, "organisation", None)
        return cls(
            ref=str(user.public_id),
            label=user.get_username(),
            role=user.primary_role(),
            outlet_ref=str(org.public_id) if org is not None else "",
        )


def ensure_heads() -> None:
    """Create the chain heads (idempotent). Run after migrate and by the test setup."""
    existing = set(AuditHead.objects.values_list("partition", flat=True))
    AuditHead.objects.bulk_create(
        [
            AuditHead(partition=p, seq=0, hash=GENESIS)
            for p in range(settings.AUDIT_PARTITIONS)
            if p not in existing
        ]
    )


class _HeldHead:
    """An on-commit no-op that marks which head the current transaction holds.

    Django empties ``run_on_commit`` on commit and on rollback, so the marker is valid exactly
    while it is still queued there: in this transaction and no other.
    """

    def __init__(self, partition: int) -> None:
        self.partition = partition

    def __call__(self) -> None:
        return None


def _held_partition() -> int | None:
    marker = getattr(connection, "_jiaoguan_audit_head", None)
    if marker is not None and any(entry[1] is marker for entry in connection.run_on_commit):
        return int(marker.partition)
    return None


def _mark_held(partition: int) -> None:
    marker = _HeldHead(partition)
    connection._jiaoguan_audit_head = marker  # type: ignore[attr-defined]
    transaction.on_commit(marker)


def _take_head() -> AuditHead:
    """Lock a chain head for this transaction (portable ORM path).

    Reuses the head this transaction already holds; otherwise takes any head that no other
    transaction holds (SKIP LOCKED where the database has it), and waits only when every head
    is busy.
    """
    held = _held_partition()
    if held is not None:
        return AuditHead.objects.select_for_update().get(partition=held)
    head = None
    if connection.features.has_select_for_update_skip_locked:
        head = AuditHead.objects.select_for_update(skip_locked=True).order_by("?").first()
    if head is None:
        partitions = settings.AUDIT_PARTITIONS
        head = (
            AuditHead.objects.select_for_update()
            .filter(partition=random.randrange(partitions))
            .first()
        )
    if head is None:
        ensure_heads()
        head = AuditHead.objects.select_for_update().get(partition=0)
    _mark_held(head.partition)
    return head


# PostgreSQL path: the same chain in two statements instead of three ORM queries (measured in
# bench/writes.py: the audit's share of write throughput fell from 31% to 20%).
_HEAD_SQL = "SELECT partition, seq, hash FROM audit_audithead"
_EVENT_FIELDS = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key]
_APPEND_SQL = (
    "WITH ins AS (INSERT INTO audit_auditevent ({cols}) VALUES ({vals}) RETURNING id) "
    "UPDATE audit_audithead SET seq = %s, hash = %s WHERE partition = %s "
    "RETURNING (SELECT id FROM ins)"
)


_FREE_HEAD_ATTEMPTS = 20


def _take_head_sql(cur: Any) -> tuple[int, int, str]:
    held = _held_partition()
    if held is not None:
        cur.execute(_HEAD_SQL + " WHERE partition = %s FOR UPDATE", [held])
        return tuple(cur.fetchone())
    row = None
    for attempt in range(_FREE_HEAD_ATTEMPTS):
        cur.execute(_HEAD_SQL + " ORDER BY random() LIMIT 1 FOR UPDATE SKIP LOCKED")
        row = cur.fetchone()
        if row is not None:
            break
        # Every head is busy. Waiting on one while this transaction holds other row locks can
        # deadlock with a transaction that holds that head, so first retry for a free one.
        time.sleep(0.001 * (attempt + 1))
    if row is None:
        partition = random.randrange(settings.AUDIT_PARTITIONS)
        cur.execute(_HEAD_SQL + " WHERE partition = %s FOR UPDATE", [partition])
        row = cur.fetchone()
    if row is None:
        ensure_heads()
        cur.execute(_HEAD_SQL + " WHERE partition = 0 FOR UPDATE")
        row = cur.fetchone()
    _mark_held(row[0])
    return tuple(row)


@functools.cache
def _append_statement(vendor: str) -> str:
    """The append statement, built once (quoting every column on each call cost ~0.2 ms)."""
    return _APPEND_SQL.format(
        cols=", ".join(connection.ops.quote_name(f.column) for f in _EVENT_FIELDS),
        vals=", ".join(["%s"] * len(_EVENT_FIELDS)),
    )


def _append_sql(cur: Any, event: AuditEvent) -> None:
    sql = _append_statement(connection.vendor)
    values = [f.get_db_prep_save(getattr(event, f.attname), connection) for f in _EVENT_FIELDS]
    cur.execute(sql, [*values, event.seq, event.hash, event.partition])
    event.pk = cur.fetchone()[0]
    event._state.adding = False


@dataclass(frozen=True)
class AuditEntry:
    """One row for :func:`audit_record_many`: what :func:`audit_record` takes besides the
    actor."""

    action: str
    object_type: str = ""
    object_ref: str = ""
    before: Any = None
    after: Any = None
    reason: str = ""
    subject_person_ref: str = ""
    on_behalf_of_ref: str = ""


def _event(actor: Actor, entry: AuditEntry) -> AuditEvent:
    """The unsaved, unchained row of ``entry``."""
    return AuditEvent(
        created_at=clock.now(),
        actor_ref=actor.ref,
        actor_label=actor.label[:150],
        actor_role=actor.role,
        on_behalf_of_ref=entry.on_behalf_of_ref or actor.on_behalf_of_ref,
        outlet_ref=actor.outlet_ref,
        action=entry.action,
        object_type=entry.object_type,
        object_ref=entry.object_ref,
        subject_person_ref=entry.subject_person_ref,
        before_digest=digest(entry.before) if entry.before is not None else "",
        after_digest=digest(entry.after) if entry.after is not None else "",
        reason=entry.reason,
        channel=context.channel.get(),
        request_id=context.request_id.get(),
    )


def audit_record(
    *,
    actor: Actor,
    action: str,
    object_type: str = "",
    object_ref: str = "",
    before: Any = None,
    after: Any = None,
    reason: str = "",
    on_behalf_of_ref: str = "",
    subject_person_ref: str = "",
) -> AuditEvent:
    """Append one audit row to a chain. Must be called inside the change's transaction."""
    if not connection.in_atomic_block:
        raise AuditOutsideTransaction(action)
    event = _event(
        actor,
        AuditEntry(
            action=action,
            object_type=object_type,
            object_ref=object_ref,
            before=before,
            after=after,
            reason=reason,
            subject_person_ref=subject_person_ref,
            on_behalf_of_ref=on_behalf_of_ref,
        ),
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            event.partition, seq, event.prev_hash = _take_head_sql(cur)
            event.seq = seq + 1
            event.hash = chain_hash(event)
            _append_sql(cur, event)
        return event
    head = _take_head()
    event.partition, event.seq, event.prev_hash = head.partition, head.seq + 1, head.hash
    event.hash = chain_hash(event)
    event.save(force_insert=True)
    AuditHead.objects.filter(partition=head.partition).update(seq=event.seq, hash=event.hash)
    return event


def audit_record_many(*, actor: Actor, entries: Sequence[AuditEntry]) -> list[AuditEvent]:
    """Append one audit row per entry, in order, to one chain: the same rows as calling
    :func:`audit_record` for each, in three statements instead of two per row (the head locked
    once, the rows inserted together, the head moved once). For set-based jobs that decide
    many things in one transaction (the cycle-end points job). Must be called inside it."""
    if not connection.in_atomic_block:
        raise AuditOutsideTransaction(entries[0].action if entries else "audit_record_many")
    if not entries:
        return []
    events = [_event(actor, entry) for entry in entries]
    postgres = connection.vendor == "postgresql"
    if postgres:
        with connection.cursor() as cur:
            partition, seq, prev = _take_head_sql(cur)
    else:
        head = _take_head()
        partition, seq, prev = head.partition, head.seq, head.hash
    for event in events:
        seq += 1
        event.partition, event.seq, event.prev_hash = partition, seq, prev
        event.hash = prev = chain_hash(event)
    if postgres:
        # COPY: the rows' values adapted by psycopg, not field by field by the ORM (in
        # bench/points.py the ORM's bulk INSERT cost more than computing the chain); the
        # rows get no ``pk`` here (nothing uses it: rows are named by partition and seq)
        raw = connection.connection
        assert raw is not None  # a connection is open: the head was just locked
        with raw.cursor() as cur, cur.copy(_copy_statement(connection.vendor)) as copy:
            for event in events:
                copy.write_row([getattr(event, f.attname) for f in _EVENT_FIELDS])
    else:
        AuditEvent.objects.bulk_create(events, batch_size=2000)
    AuditHead.objects.filter(partition=partition).update(seq=seq, hash=prev)
    return events


@functools.cache
def _copy_statement(vendor: str) -> str:
    columns = ", ".join(connection.ops.quote_name(f.column) for f in _EVENT_FIELDS)
    return f"COPY {AuditEvent._meta.db_table} ({columns}) FROM STDIN"


def chain_hash(event: AuditEvent) -> str:
    return sm3_hex(canonical_json(event.hashed_fields()))


def anchor_hash(created_at: str, heads: dict[str, list[Any]], prev_hash: str) -> str:
    return sm3_hex(canonical_json({"created_at": created_at, "heads": heads, "prev": prev_hash}))


@transaction.atomic
def audit_anchor_create() -> AuditAnchor:
    """Fold every chain head into one anchor, chained to the previous anchor."""
    heads_qs = AuditHead.objects.select_for_update().order_by("partition")
    heads = {str(h.partition): [h.seq, h.hash] for h in heads_qs}
    last = AuditAnchor.objects.order_by("-id").first()
    prev = last.hash if last else GENESIS
    created = clock.now()
    anchor = AuditAnchor(created_at=created, heads=heads, prev_hash=prev)
    anchor.hash = anchor_hash(created.isoformat(), heads, prev)
    anchor.save(force_insert=True)
    return anchor
