from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from jiaoguan.audit.models import AppendOnlyError, AuditEvent, AuditHead
from jiaoguan.audit.selectors import audit_verify
from jiaoguan.audit.services import (
    Actor,
    AuditEntry,
    AuditOutsideTransaction,
    audit_anchor_create,
    audit_record,
    audit_record_many,
)
from tests.conftest import make_person, make_vehicle

pytestmark = pytest.mark.django_db


def _write_some(n: int = 5) -> list[AuditEvent]:
    events = []
    for i in range(n):
        with transaction.atomic():
            events.append(
                audit_record(
                    actor=Actor.system(),
                    action="test.write",
                    object_type="thing",
                    object_ref=str(i),
                    after={"i": i},
                )
            )
    return events


def _raw(sql: str, params: list[object]) -> None:
    """Tamper directly in the database, as an attacker with SQL access would. On PostgreSQL the
    append-only trigger must be bypassed first (superuser: replica mode skips triggers)."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET session_replication_role = replica")
        cur.execute(sql, params)
        if connection.vendor == "postgresql":
            cur.execute("SET session_replication_role = DEFAULT")


def test_service_writes_audit_and_chain_verifies() -> None:
    person = make_person()
    make_vehicle(person)
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert "person.create" in actions and "vehicle.register" in actions
    result = audit_verify()
    assert result.ok, result.first_break
    assert result.rows_checked == AuditEvent.objects.count()


@pytest.mark.django_db(transaction=True)
def test_audit_outside_transaction_is_refused() -> None:
    with pytest.raises(AuditOutsideTransaction):
        audit_record(actor=Actor.system(), action="x")


def test_edited_row_is_detected() -> None:
    events = _write_some()
    target = events[2]
    _raw("UPDATE audit_auditevent SET reason = %s WHERE id = %s", ["forged", target.pk])
    result = audit_verify()
    assert not result.ok
    brk = result.first_break
    assert brk is not None
    assert (brk.partition, brk.seq) == (target.partition, target.seq)
    assert "edited" in brk.reason


def test_deleted_middle_row_is_detected() -> None:
    events = _write_some()
    target = events[1]
    _raw("DELETE FROM audit_auditevent WHERE id = %s", [target.pk])
    brk = audit_verify().first_break
    assert brk is not None and brk.partition == target.partition and brk.seq == target.seq + 1


def test_deleted_tail_is_detected() -> None:
    events = _write_some()
    last = max(events, key=lambda e: e.seq)
    _raw("DELETE FROM audit_auditevent WHERE id = %s", [last.pk])
    brk = audit_verify().first_break
    assert brk is not None and "end" in brk.reason


def test_rehashed_forgery_is_caught_by_anchor() -> None:
    """An attacker who edits a row and recomputes every later hash (and the head) keeps each
    chain self-consistent; the anchor taken earlier still exposes it."""
    from jiaoguan.audit.services import chain_hash

    events = _write_some(3)
    with transaction.atomic():
        audit_anchor_create()
    part = events[0].partition
    rows = list(AuditEvent.objects.filter(partition=part).order_by("seq"))
    prev = rows[0].prev_hash
    for row in rows:
        row.prev_hash = prev
        if row.seq == rows[0].seq:
            row.reason = "forged"
        new_hash = chain_hash(row)
        _raw(
            "UPDATE audit_auditevent SET reason = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [row.reason, prev, new_hash, row.pk],
        )
        prev = new_hash
    _raw("UPDATE audit_audithead SET hash = %s WHERE partition = %s", [prev, part])
    result = audit_verify()
    assert not result.ok
    assert result.first_break is not None and result.first_break.anchor_id is not None


def test_orm_refuses_update_and_delete() -> None:
    event = _write_some(1)[0]
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AppendOnlyError):
        event.delete()
    event.reason = "x"
    with pytest.raises(AppendOnlyError):
        event.save()


def test_postgres_trigger_refuses_update_and_delete() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")
    from django.db import DatabaseError

    event = _write_some(1)[0]
    for sql in (
        "UPDATE audit_auditevent SET reason = 'x' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cur,
        ):
            cur.execute(sql, [event.pk])


def test_one_transaction_keeps_one_partition() -> None:
    with transaction.atomic():
        a = audit_record(actor=Actor.system(), action="a")
        b = audit_record(actor=Actor.system(), action="b")
    assert a.partition == b.partition and b.seq == a.seq + 1


def test_many_rows_in_one_append_chain_on_from_the_head_and_verify() -> None:
    """audit_record_many: the rows audit_record would write one by one (same digests), in
    order in one partition, the head moved to the last; a tampered one is found."""
    actor = Actor.system("job")
    entries = [
        AuditEntry(
            action="test.many",
            object_type="thing",
            object_ref=str(i),
            before={"i": i - 1},
            after={"i": i},
            reason="R163 Art. 15",
            subject_person_ref=f"person-{i}",
        )
        for i in range(5)
    ]
    with transaction.atomic():
        first = audit_record(actor=actor, action="test.one", object_type="thing", object_ref="x")
        events = audit_record_many(actor=actor, entries=entries)
        assert audit_record_many(actor=actor, entries=[]) == []
    assert [e.seq for e in events] == [first.seq + 1 + i for i in range(5)]
    assert {e.partition for e in events} == {first.partition}
    head = AuditHead.objects.get(partition=first.partition)
    assert (head.seq, head.hash) == (events[-1].seq, events[-1].hash)
    with transaction.atomic():
        one = audit_record(
            actor=actor,
            action="test.many",
            object_type="thing",
            object_ref="4",
            before={"i": 3},
            after={"i": 4},
            reason="R163 Art. 15",
            subject_person_ref="person-4",
        )
    stored = AuditEvent.objects.get(partition=events[-1].partition, seq=events[-1].seq)
    assert (stored.before_digest, stored.after_digest) == (one.before_digest, one.after_digest)
    assert audit_verify().ok
    _raw(
        "UPDATE audit_auditevent SET reason = %s WHERE partition = %s AND seq = %s",
        ["forged", events[2].partition, events[2].seq],
    )
    assert not audit_verify().ok


@pytest.mark.django_db(transaction=True)
def test_many_rows_outside_a_transaction_are_refused() -> None:
    with pytest.raises(AuditOutsideTransaction):
        audit_record_many(actor=Actor.system(), entries=[AuditEntry(action="x")])


def test_audit_admin_is_read_only(admin_client: object) -> None:
    event = _write_some(1)[0]
    resp = admin_client.post(f"/admin/audit/auditevent/{event.pk}/delete/", {"post": "yes"})  # type: ignore[attr-defined]
    assert resp.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_use_different_partitions() -> None:
    """On PostgreSQL, two open transactions never wait for each other on a chain head."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks (SKIP LOCKED) are a PostgreSQL feature")
    from django.db import connections

    hold = threading.Event()
    release = threading.Event()
    seen: dict[str, int] = {}

    def first() -> None:
        with transaction.atomic():
            seen["first"] = audit_record(actor=Actor.system(), action="first").partition
            hold.set()
            release.wait(10)
        connections.close_all()

    t = threading.Thread(target=first)
    t.start()
    assert hold.wait(10)
    try:
        with transaction.atomic():
            seen["second"] = audit_record(actor=Actor.system(), action="second").partition
    finally:
        release.set()
        t.join(10)
    assert seen["first"] != seen["second"]
    assert audit_verify().ok
    assert AuditHead.objects.count() >= 2


def test_time_index_is_brin_on_postgres() -> None:
    """Each index costs every audit append (bench/writes.py): time ranges use BRIN, and the
    person's access log has no LIKE pattern index."""
    if connection.vendor != "postgresql":
        pytest.skip("BRIN is a PostgreSQL index")
    with connection.cursor() as cur:
        cur.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'audit_auditevent'"
        )
        indexes = dict(cur.fetchall())
    assert "USING brin" in indexes["audit_created_time_idx"]
    assert not [name for name in indexes if name.endswith("_like")]
