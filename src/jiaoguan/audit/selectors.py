"""Reading the audit trail: chain verification and a person's access log."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

from jiaoguan.audit.models import AuditAnchor, AuditEvent, AuditHead
from jiaoguan.audit.services import GENESIS, anchor_hash, chain_hash


@dataclass
class Break:
    partition: int | None
    seq: int | None
    reason: str
    anchor_id: int | None = None

    def __str__(self) -> str:
        where = (
            f"anchor {self.anchor_id}"
            if self.anchor_id
            else f"partition {self.partition} seq {self.seq}"
        )
        return f"{where}: {self.reason}"


@dataclass
class VerifyResult:
    rows_checked: int = 0
    anchors_checked: int = 0
    breaks: list[Break] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.breaks

    @property
    def first_break(self) -> Break | None:
        return self.breaks[0] if self.breaks else None


def audit_verify(*, stop_at_first: bool = True) -> VerifyResult:
    """Walk every chain partition and every anchor; report the first broken link.

    Detects: an edited row (its hash no longer matches its content), a deleted row (a gap in
    the sequence, or the next row's prev_hash not matching), a deleted tail (the head is ahead
    of the last row), a re-hashed forgery (anchors taken before it no longer match).
    """
    result = VerifyResult()
    row_hashes: dict[tuple[int, int], str] = {}
    anchors = list(AuditAnchor.objects.order_by("id"))
    anchored = {(int(p), int(v[0])) for a in anchors for p, v in a.heads.items()}
    for head in AuditHead.objects.order_by("partition"):
        expected_seq, prev = 1, GENESIS
        rows = AuditEvent.objects.filter(partition=head.partition).order_by("seq")
        for event in rows.iterator(chunk_size=2000):
            result.rows_checked += 1
            brk = None
            if event.seq != expected_seq:
                brk = f"sequence gap: expected {expected_seq}, found {event.seq} (rows deleted)"
            elif event.prev_hash != prev:
                brk = "previous-hash link does not match the row before (row deleted or edited)"
            elif chain_hash(event) != event.hash:
                brk = "row content does not match its hash (row edited)"
            if brk:
                result.breaks.append(Break(head.partition, event.seq, brk))
                if stop_at_first:
                    return result
            if (head.partition, event.seq) in anchored:
                row_hashes[(head.partition, event.seq)] = event.hash
            expected_seq, prev = event.seq + 1, event.hash
        if head.seq != expected_seq - 1 or head.hash != prev:
            result.breaks.append(
                Break(
                    head.partition,
                    expected_seq,
                    f"chain head is at {head.seq} but the last "
                    f"row is {expected_seq - 1} (rows deleted at the end)",
                )
            )
            if stop_at_first:
                return result
    prev_anchor = GENESIS
    for anchor in anchors:
        result.anchors_checked += 1
        reason = None
        if anchor.prev_hash != prev_anchor:
            reason = "anchor chain link broken"
        elif (
            anchor_hash(anchor.created_at.isoformat(), anchor.heads, anchor.prev_hash)
            != anchor.hash
        ):
            reason = "anchor content does not match its hash"
        else:
            for p, (seq, h) in anchor.heads.items():
                if seq and row_hashes.get((int(p), int(seq))) != h:
                    reason = f"partition {p} row {seq} differs from the anchored hash (re-hashed)"
                    break
        if reason:
            result.breaks.append(Break(None, None, reason, anchor_id=anchor.pk))
            if stop_at_first:
                return result
        prev_anchor = anchor.hash
    return result


def accesses_to_person(person_ref: str) -> QuerySet[AuditEvent]:
    """Every recorded read or change concerning one person, newest first."""
    return AuditEvent.objects.filter(subject_person_ref=person_ref).order_by("-created_at", "-id")
