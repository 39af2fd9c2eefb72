"""A sale to a buyer in another province (R164 Art. 27), the transfer deadlines' daily sweep,
and the online fraud control (R164 Art. 74). Rules in ``exchange/deadlines.py``;
docs/exchange.md "Sale to another province", "Deadlines", "Online fraud control".

Kept out of ``services.py`` on purpose; it reuses that module's one mover of history
(``_event``) so every step here leaves the same ``TransferEvent`` + audit trail.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from jiaoguan.audit.services import Actor
from jiaoguan.documents.constants import DocumentKind, DocumentStatus
from jiaoguan.documents.models import Document
from jiaoguan.documents.services import document_issue, document_void
from jiaoguan.exchange import deadlines
from jiaoguan.exchange.constants import Direction, OutboxState, TransferKind, TransferState
from jiaoguan.exchange.models import ArchiveTransfer, OutboxMessage, TransferEvent
from jiaoguan.exchange.services import HANDLE_PERMISSION, _event, transfer_out_start
from jiaoguan.kernel import clock, regions
from jiaoguan.kernel.errors import Conflict, DomainError, Forbidden
from jiaoguan.notices.services import notice_send
from jiaoguan.registry.models import Person, RecordVersion, Vehicle
from jiaoguan.registry.services import id_number_index, plate_return

HANDOVER = "handover"
#: flags the daily sweep raises for a clerk (DOMAIN.md names no automatic action for them)
FLAGS = (
    "archive_upload_overdue",
    "transfer_in_overdue",
    "check_overdue",
    "registration_overdue",
)


def _local(at: dt.datetime) -> dt.date:
    return at.astimezone(clock.SHANGHAI).date()


def _check(transfer: ArchiveTransfer, permissions: set[str], scope: str) -> None:
    if HANDLE_PERMISSION not in permissions:
        raise Forbidden("not_permitted", _("You may not do this"))
    if not regions.contains(scope, transfer.region_code):
        raise Forbidden("outside_scope", _("This transfer is outside your region"))


# --- the sale: plates and permit back, a 30-day temporary plate ----------------------------


@transaction.atomic
def sale_handover(
    *, actor: Actor, permissions: set[str], scope: str, transfer: ArchiveTransfer
) -> Document:
    """The old office takes back the plates and the driving permit of a vehicle sold to a
    buyer in another province and issues the buyer a temporary plate valid 30 days to drive
    it to the new area (R164 Art. 27). The archive itself was sealed and queued when the
    sale was started (``transfer_out_start``); the buyer registers at the new office within
    the temporary plate's time. Returns the signed temporary-plate document."""
    _check(transfer, permissions, scope)
    locked = ArchiveTransfer.objects.select_for_update().get(pk=transfer.pk)
    if locked.direction != Direction.OUT or locked.kind != TransferKind.SALE:
        raise Conflict(
            "not_a_sale",
            _("Only a sale to another province hands over plates here"),
            citation=deadlines.SALE_CITATION,
        )
    if locked.state != TransferState.SENT:
        raise Conflict(
            "transition_not_allowed",
            _("The transfer is %(state)s: this does not apply")
            % {"state": locked.get_state_display()},
            citation=deadlines.SALE_CITATION,
        )
    if TransferEvent.objects.filter(transfer=locked, command=HANDOVER).exists():
        raise Conflict(
            "already_handed_over",
            _("The plates and permit were already taken back"),
            citation=deadlines.SALE_CITATION,
        )
    assert locked.vehicle is not None
    vehicle = Vehicle.objects.select_for_update(of=("self",)).get(pk=locked.vehicle.pk)
    reason = f"sold to another province (transfer {locked.public_id})"
    for permit in Document.objects.filter(
        kind=DocumentKind.DRIVING_PERMIT,
        subject_type="vehicle",
        subject_ref=str(vehicle.public_id),
        status=DocumentStatus.VALID,
    ):
        document_void(actor=actor, document=permit, reason=f"taken back: {reason}"[:200])
    plate_number = vehicle.plate.number if vehicle.plate else ""
    if vehicle.plate_id is not None:
        plate_return(actor=actor, vehicle=vehicle, reason=reason)
    owner = _sealed_archive(locked).get("owner") or {}
    buyer = _buyer(owner)
    valid_from, valid_until = deadlines.sale_temporary_plate(issued_on=clock.today())
    doc = document_issue(
        actor=actor,
        kind=DocumentKind.TEMPORARY_PLATE,
        subject_type="vehicle",
        subject_ref=str(vehicle.public_id),
        holder_person_ref=str(buyer.public_id) if buyer else "",
        fields={
            "plate": "",
            "former_plate": plate_number,
            "vin": vehicle.vin,
            "holder": str(owner.get("name", ""))[:64],
            "to_region": locked.to_region,
            "transfer": str(locked.public_id),
            "valid_from": valid_from.isoformat(),
            "valid_until": valid_until.isoformat(),
            "remarks": "异地转籍临时行驶",
        },
    )
    _event(
        locked,
        command=HANDOVER,
        from_state=locked.state,
        actor=actor,
        note=f"plates {plate_number or '-'} and permit back; temporary plate {doc.number}",
    )
    if buyer is not None:
        notice_send(
            person=buyer,
            template="exchange.sale_temporary_plate",
            params={"vin": vehicle.vin, "due": valid_until.isoformat(), "region": locked.to_region},
            object_type="archive_transfer",
            object_ref=str(locked.public_id),
        )
    return doc


def _sealed_archive(transfer: ArchiveTransfer) -> dict[str, Any]:
    """The archive as sealed and sent (the old office keeps it in its outbox message)."""
    sent = TransferEvent.objects.filter(transfer=transfer, command="send").first()
    msg = (
        OutboxMessage.objects.filter(message_id=sent.message_ref).first()
        if sent and sent.message_ref
        else None
    )
    archive = msg.envelope.get("body", {}).get("archive") if msg else None
    return archive if isinstance(archive, dict) else {}


def _buyer(owner: dict[str, Any]) -> Person | None:
    """The buyer, when this deployment knows them (by the id number in the sealed archive)."""
    id_number = str(owner.get("id_number", ""))
    if not id_number:
        return None
    return Person.objects.filter(id_number_index=id_number_index(id_number)).first()


# --- online fraud control (R164 Art. 74) ---------------------------------------------------


def recent_changes(vehicle: Vehicle, *, since: dt.datetime) -> int:
    """Transfers, plate replacements and document replacements of ``vehicle`` since ``since``
    (the facts R164 Art. 74 counts)."""
    transfers = ArchiveTransfer.objects.filter(vin=vehicle.vin, created_at__gte=since).count()
    plates = (
        RecordVersion.objects.filter(
            object_type="plate",
            object_ref=vehicle.plate.public_id,
            action="plate.reissue",
            changed_at__gte=since,
        ).count()
        if vehicle.plate is not None
        else 0
    )
    documents = Document.objects.filter(
        subject_type="vehicle",
        subject_ref=str(vehicle.public_id),
        version__gt=1,
        issued_at__gte=since,
    ).count()
    return transfers + plates + documents


def online_decision(vehicle: Vehicle) -> deadlines.OnlineDecision:
    window = int(settings.EXCHANGE_ONLINE_WINDOW_DAYS)
    return deadlines.online_allowed(
        recent_changes=recent_changes(vehicle, since=clock.now() - dt.timedelta(days=window)),
        max_changes=int(settings.EXCHANGE_ONLINE_MAX_CHANGES),
        window_days=window,
    )


@transaction.atomic
def transfer_start_online(
    *,
    actor: Actor,
    person: Person,
    vehicle: Vehicle,
    to_region: str,
    kind: str = TransferKind.MOVE_OUT,
    buyer_name: str = "",
    buyer_id_number: str = "",
) -> ArchiveTransfer:
    """The owner starts a move-out or a sale online. Refused with ``on_site_only`` when the
    vehicle had too many replacements, transfers or moves lately (R164 Art. 74): the owner
    must then come to a counter, where a clerk starts it (``transfer_out_start``)."""
    locked = Vehicle.objects.select_for_update(of=("self",)).get(pk=vehicle.pk)
    if locked.owner_person_id != person.pk:
        raise Forbidden("not_owner", _("Only the owner may do this"), field="vehicle")
    decision = online_decision(locked)
    if not decision.allowed:
        raise Conflict(
            "on_site_only",
            _(
                "%(n)d replacements, transfers or moves in %(days)d days: "
                "please apply at a vehicle office"
            )
            % {"n": decision.count, "days": decision.window_days},
            field="vehicle",
            citation=decision.citation,
        )
    return transfer_out_start(
        actor=actor,
        permissions={HANDLE_PERMISSION},
        scope=locked.region_code,
        vehicle=locked,
        to_region=to_region,
        kind=kind,
        buyer_name=buyer_name,
        buyer_id_number=buyer_id_number,
        reason="online application",
    )


# --- the daily deadline sweep --------------------------------------------------------------


def _flag(transfer: ArchiveTransfer, code: str, deadline: deadlines.Deadline) -> bool:
    """Raise ``code`` on ``transfer`` once (history + audit, no state change)."""
    command = f"flag_{code}"
    with transaction.atomic():
        locked = ArchiveTransfer.objects.select_for_update().get(pk=transfer.pk)
        if TransferEvent.objects.filter(transfer=locked, command=command).exists():
            return False
        _event(
            locked,
            command=command,
            from_state=locked.state,
            actor=Actor.system("exchange-deadlines"),
            note=f"due {deadline.due.isoformat()} ({deadline.citation})",
        )
        if code in ("transfer_in_overdue", "registration_overdue") and locked.owner_person:
            notice_send(
                person=locked.owner_person,
                template="exchange.transfer_overdue",
                params={"vin": locked.vin, "due": deadline.due.isoformat()},
                object_type="archive_transfer",
                object_ref=str(locked.public_id),
            )
    return True


def _received_at(transfer: ArchiveTransfer) -> dt.datetime:
    event = TransferEvent.objects.filter(transfer=transfer, command="receive").first()
    return event.at if event else transfer.created_at


def transfer_deadlines_sweep(*, limit: int = 5000) -> dict[str, int]:
    """Daily: find transfers past a deadline of ``exchange.deadlines`` and flag each once for
    a clerk, notifying the owner where the owner must act (docs/exchange.md "Deadlines").
    The sale's temporary plate is voided after its last day by the cases app's daily
    ``void_temporary_plates`` job (it reads the document's ``valid_until``)."""
    today = clock.today()
    counts = dict.fromkeys(FLAGS, 0)
    out = ArchiveTransfer.objects.filter(direction=Direction.OUT, state=TransferState.SENT)
    for t in out.order_by("id")[:limit]:
        started = _local(t.created_at)
        upload = deadlines.archive_upload(started_on=started, today=today)
        if upload.overdue and _archive_unacknowledged(t):
            counts["archive_upload_overdue"] += _flag(t, "archive_upload_overdue", upload)
        arrive = deadlines.transfer_in(started_on=started, today=today)
        if arrive.overdue:
            counts["transfer_in_overdue"] += _flag(t, "transfer_in_overdue", arrive)
    incoming = ArchiveTransfer.objects.filter(
        direction=Direction.IN, state__in=(TransferState.RECEIVED, TransferState.SELECTING)
    )
    for t in incoming.order_by("id")[:limit]:
        received = _local(_received_at(t))
        if t.state == TransferState.RECEIVED:
            check = deadlines.new_office_check(received_on=received, today=today)
            if check.overdue:
                counts["check_overdue"] += _flag(t, "check_overdue", check)
        register = deadlines.transfer_in(started_on=received, today=today)
        if register.overdue:
            counts["registration_overdue"] += _flag(t, "registration_overdue", register)
    return counts


def _archive_unacknowledged(transfer: ArchiveTransfer) -> bool:
    """Has the new office not yet acknowledged the archive message of this transfer?"""
    sent = TransferEvent.objects.filter(transfer=transfer, command="send").first()
    if sent is None or not sent.message_ref:
        return True
    return OutboxMessage.objects.filter(
        message_id=sent.message_ref, state__in=(OutboxState.PENDING, OutboxState.REFUSED)
    ).exists()


# --- selector ------------------------------------------------------------------------------


def flagged_transfers(*, scope: str) -> QuerySet[ArchiveTransfer]:
    """Transfers in the caller's region with an open deadline flag (still sent, received or
    selecting), newest first."""
    if not scope:
        raise DomainError("no_scope", _("No region"))
    open_states = (TransferState.SENT, TransferState.RECEIVED, TransferState.SELECTING)
    return (
        ArchiveTransfer.objects.filter(
            region_code__startswith=scope,
            state__in=open_states,
            events__command__in=[f"flag_{c}" for c in FLAGS],
        )
        .distinct()
        .order_by("-updated_at", "-id")
    )


def flags_of(transfer: ArchiveTransfer) -> list[dict[str, Any]]:
    """The deadline flags of a transfer (from its prefetched events when the list prefetched
    them: one query for the page, not one per row)."""
    return [
        {"code": e.command.removeprefix("flag_"), "note": e.note, "at": e.at}
        for e in transfer.events.all()
        if e.command.startswith("flag_")
    ]
