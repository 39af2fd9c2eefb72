"""Every write of the exchange: peers, the transactional outbox and its delivery, the
idempotent inbox, and the electronic archive transfer (docs/exchange.md).

Delivery guarantees: a message is written to the outbox in the transaction of the business
change that sends it, so it exists exactly when the change does. Delivery claims it with a
short lease, posts it, and marks it delivered only on the receiver's ack; a sender killed
before marking sends it again after the lease, and the receiver, which stored the message
under its id (unique) in the transaction that applied it, acks the repeat without applying it
again. Together: at-least-once delivery, exactly-once effect.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from jiaoguan.audit.services import Actor, audit_record
from jiaoguan.documents.constants import DocumentKind
from jiaoguan.documents.models import Document
from jiaoguan.documents.services import document_issue
from jiaoguan.exchange import faults, rules, signing
from jiaoguan.exchange.constants import (
    ARCHIVE_FORMAT,
    ENVELOPE_FIELDS,
    Direction,
    ForeignInspectionState,
    MessageType,
    OutboxState,
    TransferKind,
    TransferState,
)
from jiaoguan.exchange.models import (
    ArchiveTransfer,
    ForeignAppointment,
    ForeignAppointmentEvent,
    ForeignInspection,
    InboxMessage,
    OutboxMessage,
    Peer,
    TransferEvent,
)
from jiaoguan.exchange.transport import HttpTransport, Transport, TransportError
from jiaoguan.exchange.workflow import TRANSITIONS
from jiaoguan.inspection.constants import AppointmentState
from jiaoguan.kernel import clock, crypto, regions
from jiaoguan.kernel.errors import Conflict, DomainError, Forbidden, NotFound
from jiaoguan.kernel.idnumber import IdNumber
from jiaoguan.kernel.vin import VIN
from jiaoguan.registry.constants import VehicleStatus
from jiaoguan.registry.models import Person, RecordVersion, Vehicle
from jiaoguan.registry.services import (
    id_number_index,
    person_create,
    vehicle_register,
    vehicle_status_change,
)

logger = logging.getLogger(__name__)

STATUS_PERMISSION = {"registry.change_vehicle_status"}
HANDLE_PERMISSION = "exchange.handle_transfer"
INBOX_PATH = "/api/v1/exchange/inbox"


class EnvelopeRefused(DomainError):
    """An envelope the inbox will not take (the sender must not retry it unchanged)."""

    status = 400
    title = "Envelope refused"


class SenderRefused(DomainError):
    """Unknown sender or a signature that does not verify."""

    status = 403
    title = "Sender refused"


# --- peers ---------------------------------------------------------------------------------


@transaction.atomic
def peer_upsert(
    *, actor: Actor, province_code: str, base_url: str, public_key: str, name: str = ""
) -> Peer:
    """Configure (or change) another provincial deployment."""
    if not (len(province_code) == 2 and province_code.isdigit()):
        raise DomainError("invalid_province", _("A province code has 2 digits"), field="province")
    if province_code == signing.own_province():
        raise DomainError("own_province", _("This deployment is that province"), field="province")
    if not base_url.startswith(("http://", "https://")):
        raise DomainError("invalid_url", _("Give the peer's http(s) base URL"), field="base_url")
    try:
        raw = signing.unb64url(public_key)
    except ValueError as exc:
        raise DomainError("invalid_key", _("Not an Ed25519 public key"), field="key") from exc
    if len(raw) != 32:
        raise DomainError("invalid_key", _("Not an Ed25519 public key"), field="key")
    now = clock.now()
    peer = Peer.objects.select_for_update().filter(province_code=province_code).first()
    before = None
    if peer is None:
        peer = Peer(province_code=province_code, created_at=now)
    else:
        before = {"base_url": peer.base_url, "public_key": peer.public_key}
    peer.base_url = base_url.rstrip("/")
    peer.public_key = public_key
    peer.name = name[:64]
    peer.active = True
    peer.updated_at = now
    peer.save()
    audit_record(
        actor=actor,
        action="exchange.peer_set",
        object_type="exchange_peer",
        object_ref=province_code,
        before=before,
        after={"base_url": peer.base_url, "public_key": peer.public_key},
    )
    return peer


# --- outbox --------------------------------------------------------------------------------


def message_send(*, actor: Actor, type: str, to: str, body: dict[str, Any]) -> OutboxMessage:
    """Write a signed message to the outbox. Must run inside the business change's
    transaction: the message exists if and only if the change commits."""
    if not connection.in_atomic_block:
        raise RuntimeError("message_send must run inside the business transaction")
    if not Peer.objects.filter(province_code=to, active=True).exists():
        raise DomainError(
            "unknown_peer",
            _("No exchange with this province is configured"),
            field="to_region",
        )
    now = clock.now()
    message_id = uuid.uuid4()
    env = signing.envelope(type=type, to=to, body=body, message_id=message_id, created=now)
    msg = OutboxMessage.objects.create(
        message_id=message_id,
        type=type,
        to_province=to,
        envelope=env,
        next_attempt_at=now,
        created_at=now,
    )
    audit_record(
        actor=actor,
        action="exchange.message_queue",
        object_type="outbox_message",
        object_ref=str(message_id),
        after={"type": type, "to": to, "digest": signing.digest(env)},
    )
    transaction.on_commit(_nudge_delivery)
    return msg


def _nudge_delivery() -> None:
    """Ask a worker to deliver now. Only a nudge: the outbox row is the durable record and
    the periodic ``deliver_outbox`` sweep finds it even if this enqueue never happens."""
    from jiaoguan.exchange.tasks import deliver_outbox

    try:
        deliver_outbox.enqueue()
    except Exception:  # the sweep delivers it anyway
        logger.exception("could not enqueue the outbox delivery")


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=float(settings.EXCHANGE_LEASE_SECONDS))


def backoff(attempts: int) -> dt.timedelta:
    """Wait before attempt ``attempts + 1``: the retry base (2 s), doubled each attempt, at
    most 10 minutes."""
    base = float(settings.EXCHANGE_RETRY_SECONDS)
    return dt.timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 600.0))


def _claim(pk: int) -> OutboxMessage | None:
    """Take the message for one attempt: bump its attempts and push its next attempt a lease
    ahead, so another deliverer leaves it alone while this one posts it. Committed before
    the post: a deliverer that dies holding it only delays the message by the lease."""
    now = clock.now()
    with transaction.atomic():
        row = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=pk, state=OutboxState.PENDING, next_attempt_at__lte=now)
            .first()
        )
        if row is None:
            return None
        row.attempts += 1
        row.next_attempt_at = now + _lease()
        row.save(update_fields=["attempts", "next_attempt_at"])
    return row


@transaction.atomic
def _settle(row: OutboxMessage, *, state: str, error: str = "", answer: Any = None) -> bool:
    """Record the outcome of an attempt (compare-and-set on the attempt it belongs to)."""
    now = clock.now()
    same = OutboxMessage.objects.filter(pk=row.pk, state=OutboxState.PENDING, attempts=row.attempts)
    if state == OutboxState.PENDING:
        changed = same.update(next_attempt_at=now + backoff(row.attempts), last_error=error[:300])
        return bool(changed)
    changed = same.update(state=state, delivered_at=now, last_error=error[:300])
    if changed:
        audit_record(
            actor=Actor.system("exchange-delivery"),
            action=(
                "exchange.message_delivered"
                if state == OutboxState.DELIVERED
                else "exchange.message_refused"
            ),
            object_type="outbox_message",
            object_ref=str(row.message_id),
            after={"attempts": row.attempts, "answer": answer},
            reason=error[:200],
        )
    return bool(changed)


def outbox_deliver_one(pk: int, *, transport: Transport | None = None) -> str:
    """One attempt at one message: ``delivered``, ``refused``, ``retry`` or ``skipped``."""
    row = _claim(pk)
    if row is None:
        return "skipped"
    peer = Peer.objects.filter(province_code=row.to_province, active=True).first()
    if peer is None:
        _settle(row, state=OutboxState.PENDING, error="no active peer")
        return "retry"
    try:
        status, answer = (transport or HttpTransport()).post(
            peer.base_url + INBOX_PATH, row.envelope
        )
    except TransportError as exc:
        _settle(row, state=OutboxState.PENDING, error=str(exc))
        return "retry"
    faults.hit(faults.SENDER_AFTER_SEND)
    if status == 200 and answer.get("ack") == str(row.message_id):
        _settle(row, state=OutboxState.DELIVERED, answer=answer)
        return "delivered"
    if status in (400, 403, 409, 422) and answer.get("code") != "unknown_sender":
        # the receiver read it and will never take it: a dead letter for the operators
        _settle(row, state=OutboxState.REFUSED, error=f"{status} {answer.get('code', '')}")
        return "refused"
    # 5xx, 429, a sender the peer does not know yet (configuration lag), or no ack
    _settle(row, state=OutboxState.PENDING, error=f"HTTP {status} {answer.get('code', '')}")
    return "retry"


def outbox_deliver_due(*, limit: int = 100, transport: Transport | None = None) -> dict[str, int]:
    """Try every message whose next attempt is due (oldest first)."""
    ids = list(
        OutboxMessage.objects.filter(state=OutboxState.PENDING, next_attempt_at__lte=clock.now())
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    counts = {"delivered": 0, "refused": 0, "retry": 0, "skipped": 0}
    for pk in ids:
        counts[outbox_deliver_one(pk, transport=transport)] += 1
    return counts


# --- inbox ---------------------------------------------------------------------------------


def _refuse(code: str, message: str, message_en: str) -> EnvelopeRefused:
    return EnvelopeRefused(code, message, field="envelope", message_en=message_en)


def parse_envelope(data: Any) -> dict[str, Any]:
    """Check the envelope's shape (every field, nothing else, the right types)."""
    bad = _refuse("malformed", _("This is not an exchange envelope"), "Not an exchange envelope")
    if not isinstance(data, dict) or set(data) != set(ENVELOPE_FIELDS):
        raise bad
    if not all(isinstance(data[k], str) for k in ENVELOPE_FIELDS if k != "body"):
        raise bad
    if not isinstance(data["body"], dict):
        raise bad
    try:
        uuid.UUID(data["id"])
        dt.datetime.fromisoformat(data["created"].replace("Z", "+00:00"))
    except ValueError as exc:
        raise bad from exc
    for code in (data["from"], data["to"]):
        if not (len(code) == 2 and code.isdigit()):
            raise bad
    return data


def inbox_receive(*, envelope: Any) -> tuple[InboxMessage, bool]:
    """Take a message from a peer: verify, store once, apply in the same transaction.
    Returns the stored message and whether it was a duplicate (acked, not applied again)."""
    env = parse_envelope(envelope)
    if env["to"] != signing.own_province():
        raise _refuse(
            "wrong_recipient", _("This message is for another province"), "Wrong recipient"
        )
    peer = Peer.objects.filter(province_code=env["from"], active=True).first()
    if peer is None:
        raise SenderRefused(
            "unknown_sender", _("The sender is not a known peer"), message_en="Unknown sender"
        )
    if not signing.verify_envelope(env, peer.public_key):
        raise SenderRefused(
            "bad_signature",
            _("The signature does not match the sender's key"),
            message_en="Bad signature",
        )
    handler = HANDLERS.get(env["type"])
    if handler is None:
        raise _refuse("unknown_type", _("Unknown message type"), "Unknown message type")
    digest = signing.digest(env)
    actor = Actor(
        ref=f"exchange:{env['from']}", label=f"exchange peer {env['from']}", role="system"
    )
    try:
        with transaction.atomic():
            existing = InboxMessage.objects.select_for_update().filter(message_id=env["id"]).first()
            if existing is not None:
                return _duplicate(existing, digest, actor), True
            msg = InboxMessage.objects.create(
                message_id=env["id"],
                type=env["type"],
                from_province=env["from"],
                envelope_digest=digest,
                envelope=env,
                received_at=clock.now(),
            )
            msg.result = handler(actor=actor, envelope=env)
            msg.save(update_fields=["result"])
            audit_record(
                actor=actor,
                action="exchange.message_apply",
                object_type="inbox_message",
                object_ref=env["id"],
                after={"type": env["type"], "digest": digest, "result": msg.result},
            )
            return msg, False
    except IntegrityError:
        # a concurrent delivery of the same message stored it first
        with transaction.atomic():
            existing = InboxMessage.objects.select_for_update().filter(message_id=env["id"]).first()
            if existing is None:  # another unique constraint: the message repeats a fact
                raise Conflict(
                    "conflicting_message",
                    _("This message conflicts with one already applied"),
                    field="envelope",
                ) from None
            return _duplicate(existing, digest, actor), True


def _duplicate(existing: InboxMessage, digest: str, actor: Actor) -> InboxMessage:
    if existing.envelope_digest != digest:
        raise Conflict(
            "id_reused",
            _("A different message was already received under this id"),
            field="envelope",
        )
    existing.deliveries += 1
    existing.save(update_fields=["deliveries"])
    audit_record(
        actor=actor,
        action="exchange.message_duplicate",
        object_type="inbox_message",
        object_ref=str(existing.message_id),
        after={"deliveries": existing.deliveries},
    )
    return existing


# --- archive transfer: the old office ------------------------------------------------------


def _event(
    transfer: ArchiveTransfer,
    *,
    command: str,
    from_state: str,
    actor: Actor,
    note: str = "",
    message_ref: str = "",
) -> None:
    TransferEvent.objects.create(
        transfer=transfer,
        command=command,
        from_state=from_state,
        to_state=transfer.state,
        actor_ref=actor.ref[:64],
        note=note[:200],
        message_ref=message_ref,
        at=clock.now(),
    )
    audit_record(
        actor=actor,
        action=f"exchange.transfer_{command}",
        object_type="archive_transfer",
        object_ref=str(transfer.public_id),
        before={"state": from_state} if from_state else None,
        after={"state": transfer.state, "direction": transfer.direction, "vin": transfer.vin},
        reason=note[:200],
        subject_person_ref=str(transfer.owner_person.public_id) if transfer.owner_person else "",
    )


def _open_violations(vehicle: Vehicle) -> int:
    """Violations not yet handled: a paid one no longer blocks the move (it stays "paid" only
    until its points are settled at the cycle end)."""
    from jiaoguan.violations.selectors import unhandled_count

    return unhandled_count(vehicle.pk)


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value


def seal_archive(
    *, vehicle: Vehicle, transfer_id: uuid.UUID, kind: str, to_region: str, owner: dict[str, str]
) -> tuple[dict[str, Any], str, str]:
    """The electronic archive: the vehicle record, its history (every ``RecordVersion``) and
    its documents (number, version, status and the SHA-256 of the signed token), signed with
    this deployment's key. Returns (archive, seal, digest)."""
    history = RecordVersion.objects.filter(
        object_type="vehicle", object_ref=vehicle.public_id
    ).order_by("version")
    documents = Document.objects.filter(
        subject_type="vehicle", subject_ref=str(vehicle.public_id)
    ).order_by("kind", "version")
    archive = {
        "format": ARCHIVE_FORMAT,
        "transfer": str(transfer_id),
        "kind": kind,
        "sealed_at": _iso(clock.now()),
        "from_office": vehicle.region_code,
        "to_region": to_region,
        "vehicle": {
            "public_id": str(vehicle.public_id),
            "vin": vehicle.vin,
            "plate": vehicle.plate.number if vehicle.plate else "",
            "brand": vehicle.brand,
            "model_name": vehicle.model_name,
            "colour": vehicle.colour,
            "vehicle_class": vehicle.vehicle_class,
            "use": vehicle.use,
            "seats": vehicle.seats,
            "fuel": vehicle.fuel,
            "van": vehicle.van,
            "manufacture_date": _iso(vehicle.manufacture_date),
            "registration_date": _iso(vehicle.registration_date),
            "inspection_valid_until": _iso(vehicle.inspection_valid_until),
        },
        "owner": owner,
        "history": [
            {
                "version": h.version,
                "action": h.action,
                "changed_at": _iso(h.changed_at),
                "snapshot": h.snapshot,
            }
            for h in history
        ],
        "documents": [
            {
                "kind": d.kind,
                "number": d.number,
                "version": d.version,
                "status": d.status,
                "issued_at": _iso(d.issued_at),
                "token_sha256": hashlib.sha256(d.token.encode()).hexdigest(),
            }
            for d in documents
        ],
    }
    seal = signing.sign_bytes(signing.canonical(archive))
    return archive, seal, signing.digest(archive)


@transaction.atomic
def transfer_out_start(
    *,
    actor: Actor,
    permissions: set[str],
    scope: str,
    vehicle: Vehicle,
    to_region: str,
    kind: str = TransferKind.MOVE_OUT,
    buyer_name: str = "",
    buyer_id_number: str = "",
    reason: str = "",
) -> ArchiveTransfer:
    """The old office moves a vehicle's registration to another province (R164 Art. 18), or
    registers its sale to a buyer there (Art. 27): checks the rollout rule and that every
    violation is closed, seals the archive and sends it, and marks the vehicle
    ``transferring`` until the new office answers. (The accidents register does not exist
    yet, so open accidents are not checked.)"""
    if HANDLE_PERMISSION not in permissions:
        raise Forbidden("not_permitted", _("You may not do this"))
    if kind not in TransferKind.values:
        raise DomainError("invalid_kind", _("Choose moving out or a sale"), field="kind")
    locked = (
        Vehicle.objects.select_for_update(of=("self",))
        .select_related("plate", "owner_person")
        .get(pk=vehicle.pk)
    )
    if not regions.contains(scope, locked.region_code):
        raise Forbidden("outside_scope", _("This vehicle is outside your region"), field="vehicle")
    if not (len(to_region) == 6 and to_region.isdigit()):
        raise DomainError(
            "invalid_region", _("Give the 6-digit code of the new region"), field="to_region"
        )
    decision = rules.archive_transfer(
        on=clock.today(),
        vehicle_class=locked.vehicle_class,
        use=locked.use,
        from_region=locked.region_code,
        to_region=to_region,
    )
    if not decision.allowed:
        messages = {
            "same_province": _("Within one province no archive transfer is needed"),
            "pilot_class": _("The pilot covers non-commercial small and mini cars only"),
            "pilot_city": _("The pilot runs between the 15 pilot cities only"),
            "not_in_force": _("Electronic archive transfer was not in force on this date"),
        }
        raise DomainError(
            decision.code,
            messages.get(decision.code, _("Not allowed")),
            field="to_region",
            citation=decision.citation,
        )
    if locked.owner_person is None:
        raise DomainError(
            "organisation_owner",
            _("Transfers of vehicles owned by organisations are not supported yet"),
            field="vehicle",
        )
    if locked.status != VehicleStatus.NORMAL:
        raise Conflict(
            "vehicle_not_normal",
            _("The vehicle is %(status)s: it cannot move")
            % {"status": locked.get_status_display()},
            field="vehicle",
            citation="R164 Art. 18",
        )
    open_count = _open_violations(locked)
    if open_count:
        raise Conflict(
            "violations_open",
            _("%(n)d violations are not closed") % {"n": open_count},
            field="vehicle",
            citation=rules.CLOSED_CITATION,
        )
    if kind == TransferKind.SALE:
        parsed = IdNumber.parse(buyer_id_number)
        if not buyer_name.strip():
            raise DomainError("buyer_required", _("Give the buyer's name"), field="buyer_name")
        owner = {"name": buyer_name.strip()[:64], "id_number": str(parsed), "address": ""}
    else:
        person = locked.owner_person
        owner = {"name": person.name, "id_number": person.id_number, "address": person.address}
    to_province = to_region[:2]
    if not Peer.objects.filter(province_code=to_province, active=True).exists():
        raise DomainError(
            "unknown_peer", _("No exchange with this province is configured"), field="to_region"
        )
    transfer_id = uuid.uuid4()
    archive, seal, digest = seal_archive(
        vehicle=locked, transfer_id=transfer_id, kind=kind, to_region=to_region, owner=owner
    )
    vehicle_status_change(
        actor=actor,
        vehicle=locked,
        command="transfer_out",
        reason=reason or f"archive transfer {transfer_id}",
        permissions=STATUS_PERMISSION,
    )
    now = clock.now()
    transfer = ArchiveTransfer.objects.create(
        public_id=transfer_id,
        direction=Direction.OUT,
        kind=kind,
        state=TransferState.SENT,
        vin=locked.vin,
        vehicle=locked,
        owner_person=locked.owner_person,
        from_region=locked.region_code,
        to_region=to_region,
        region_code=locked.region_code,
        archive_digest=digest,
        archive_seal=seal,
        reason=reason[:200],
        rule_version=decision.rule_version,
        created_at=now,
        updated_at=now,
    )
    msg = message_send(
        actor=actor,
        type=MessageType.ARCHIVE_TRANSFER,
        to=to_province,
        body={"transfer": str(transfer_id), "archive": archive, "seal": seal},
    )
    _event(transfer, command="send", from_state="", actor=actor, message_ref=str(msg.message_id))
    return transfer


def _move(
    transfer: ArchiveTransfer, command: str, *, actor: Actor, note: str = "", message_ref: str = ""
) -> ArchiveTransfer:
    """The one mover: lock, check the table, set the state, keep history and audit."""
    t = TRANSITIONS[command]
    locked = ArchiveTransfer.objects.select_for_update().get(pk=transfer.pk)
    if locked.direction != t.direction or locked.state not in t.source:
        raise Conflict(
            "transition_not_allowed",
            _("The transfer is %(state)s: this does not apply")
            % {"state": locked.get_state_display()},
            citation=t.citation,
        )
    before = locked.state
    locked.state = t.target
    locked.version += 1
    locked.updated_at = clock.now()
    locked.save(update_fields=["state", "version", "updated_at"])
    _event(
        locked, command=command, from_state=before, actor=actor, note=note, message_ref=message_ref
    )
    return locked


def _handle_registered(*, actor: Actor, envelope: dict[str, Any]) -> dict[str, Any]:
    """The new office registered the vehicle: close the old record as transferred."""
    body = envelope["body"]
    transfer = ArchiveTransfer.objects.filter(
        public_id=_uuid(body.get("transfer")) or _NO_UUID, direction=Direction.OUT
    ).first()
    if transfer is None or transfer.to_region[:2] != envelope["from"]:
        return {"outcome": "unknown_transfer"}
    transfer = _move(transfer, "complete", actor=actor, message_ref=envelope["id"])
    transfer.new_plate = str(body.get("plate", ""))[:10]
    transfer.save(update_fields=["new_plate"])
    assert transfer.vehicle is not None
    vehicle_status_change(
        actor=actor,
        vehicle=transfer.vehicle,
        command="transfer_complete",
        reason=f"registered in {transfer.to_region} (transfer {transfer.public_id})",
        permissions=STATUS_PERMISSION,
    )
    return {"outcome": "completed", "transfer": str(transfer.public_id)}


def _handle_rejected(*, actor: Actor, envelope: dict[str, Any]) -> dict[str, Any]:
    """The new office refused the archive: the vehicle is normal again here."""
    body = envelope["body"]
    transfer = ArchiveTransfer.objects.filter(
        public_id=_uuid(body.get("transfer")) or _NO_UUID, direction=Direction.OUT
    ).first()
    if transfer is None or transfer.to_region[:2] != envelope["from"]:
        return {"outcome": "unknown_transfer"}
    note = str(body.get("reason", ""))[:200]
    transfer = _move(transfer, "refused", actor=actor, note=note, message_ref=envelope["id"])
    assert transfer.vehicle is not None
    vehicle_status_change(
        actor=actor,
        vehicle=transfer.vehicle,
        command="transfer_cancel",
        reason=f"refused by {transfer.to_region}: {note}"[:200],
        permissions=STATUS_PERMISSION,
    )
    return {"outcome": "refused", "transfer": str(transfer.public_id)}


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


_NO_UUID = uuid.UUID(int=0)  # matches nothing: no public id is the nil UUID


# --- archive transfer: the new office ------------------------------------------------------


def _verify_archive(envelope: dict[str, Any], peer: Peer) -> tuple[dict[str, Any], str, str | None]:
    """(archive, seal, refusal code or None)."""
    body = envelope["body"]
    archive, seal = body.get("archive"), body.get("seal")
    if not isinstance(archive, dict) or not isinstance(seal, str):
        return {}, "", "malformed_archive"
    if not signing.verify_bytes(signing.canonical(archive), seal, peer.public_key):
        return archive, seal, "bad_archive_seal"
    if archive.get("format") != ARCHIVE_FORMAT or archive.get("transfer") != body.get("transfer"):
        return archive, seal, "malformed_archive"
    vehicle = archive.get("vehicle")
    if not isinstance(vehicle, dict) or not isinstance(archive.get("owner"), dict):
        return archive, seal, "malformed_archive"
    try:
        VIN.parse(str(vehicle.get("vin", "")))
        IdNumber.parse(str(archive["owner"].get("id_number", "")))
    except DomainError:
        return archive, seal, "vin_or_owner_invalid"
    to_region = str(archive.get("to_region", ""))
    if to_region[:2] != signing.own_province():
        return archive, seal, "wrong_region"
    if Vehicle.objects.filter(vin=vehicle.get("vin")).exists():
        return archive, seal, "vin_registered_here"
    return archive, seal, None


def _handle_archive(*, actor: Actor, envelope: dict[str, Any]) -> dict[str, Any]:
    """An archive arrives: verify seal and VIN, file it as a received transfer (or refuse it
    and tell the old office, so its vehicle does not stay ``transferring``)."""
    peer = Peer.objects.get(province_code=envelope["from"])
    transfer_id = _uuid(envelope["body"].get("transfer"))
    if transfer_id is None:
        return {"outcome": "malformed"}
    archive, seal, refusal = _verify_archive(envelope, peer)
    vehicle = archive.get("vehicle") or {}
    now = clock.now()
    owner = None
    if refusal is None:
        owner_data = archive["owner"]
        index = id_number_index(str(IdNumber.parse(owner_data["id_number"])))
        owner = Person.objects.filter(id_number_index=index).first() or person_create(
            actor=actor,
            name=owner_data["name"],
            id_number=owner_data["id_number"],
            address=owner_data.get("address", ""),
            residence_region=archive["to_region"],
        )
    transfer = ArchiveTransfer.objects.create(
        public_id=transfer_id,
        direction=Direction.IN,
        kind=str(archive.get("kind", TransferKind.MOVE_OUT))[:16],
        state=TransferState.RECEIVED if refusal is None else TransferState.REJECTED,
        vin=str(vehicle.get("vin", ""))[:17],
        owner_person=owner,
        from_region=str(archive.get("from_office", ""))[:6],
        to_region=str(archive.get("to_region", ""))[:6],
        region_code=str(archive.get("to_region", ""))[:6],
        archive=archive,
        archive_digest=signing.digest(archive) if archive else "",
        archive_seal=seal[:128],
        reason=refusal or "",
        rule_version="r164",
        created_at=now,
        updated_at=now,
    )
    _event(
        transfer,
        command="receive",
        from_state="",
        actor=actor,
        note=refusal or "",
        message_ref=envelope["id"],
    )
    if refusal is not None:
        message_send(
            actor=actor,
            type=MessageType.ARCHIVE_REJECTED,
            to=envelope["from"],
            body={"transfer": str(transfer_id), "reason": refusal},
        )
        return {"outcome": "rejected", "reason": refusal}
    return {"outcome": "received", "transfer": str(transfer_id)}


def _check_in_side(transfer: ArchiveTransfer, permissions: set[str], scope: str) -> None:
    if HANDLE_PERMISSION not in permissions:
        raise Forbidden("not_permitted", _("You may not do this"))
    if transfer.direction != Direction.IN or not regions.contains(scope, transfer.region_code):
        raise Forbidden("outside_scope", _("This transfer is outside your region"))


@transaction.atomic
def transfer_in_accept(
    *,
    actor: Actor,
    permissions: set[str],
    scope: str,
    transfer: ArchiveTransfer,
    prefix: str,
    kind: str = "ordinary",
) -> ArchiveTransfer:
    """The new office accepts the archive and lets the owner select a new number: a
    selection right under ``prefix`` (the plates app; R164 Art. 18: a new number)."""
    from jiaoguan.plates.services import selection_right_grant

    _check_in_side(transfer, permissions, scope)
    locked = (
        ArchiveTransfer.objects.select_for_update(of=("self",))
        .select_related("owner_person")
        .get(pk=transfer.pk)
    )
    if locked.state != TransferState.RECEIVED or locked.owner_person is None:
        raise Conflict("transition_not_allowed", _("The transfer is not waiting to be accepted"))
    right = selection_right_grant(
        actor=actor,
        person=locked.owner_person,
        vin=locked.vin,
        prefix=prefix,
        kind=kind,
        scope=scope,
    )
    locked.selection_right_ref = str(right.public_id)
    locked.save(update_fields=["selection_right_ref"])
    return _move(locked, "accept", actor=actor, note=f"selection right {right.public_id}")


@transaction.atomic
def transfer_in_register(
    *, actor: Actor, permissions: set[str], scope: str, transfer: ArchiveTransfer
) -> ArchiveTransfer:
    """Register the vehicle from its archive under the number the owner selected, issue the
    driving permit and (if the archive's inspection is still valid) the inspection label,
    and tell the old office, which then closes its record as transferred."""
    from jiaoguan.plates.constants import RightState
    from jiaoguan.plates.models import SelectionRight

    _check_in_side(transfer, permissions, scope)
    locked = (
        ArchiveTransfer.objects.select_for_update(of=("self",))
        .select_related("owner_person")
        .get(pk=transfer.pk)
    )
    if locked.state != TransferState.SELECTING:
        raise Conflict("transition_not_allowed", _("The transfer is not waiting to be registered"))
    right = (
        SelectionRight.objects.select_related("plate")
        .filter(public_id=locked.selection_right_ref)
        .first()
    )
    if right is None or right.state != RightState.ISSUED or right.plate is None:
        raise Conflict(
            "number_not_selected",
            _("The owner has not confirmed a new number yet"),
            field="transfer",
        )
    data = locked.archive["vehicle"]
    valid_until = (
        dt.date.fromisoformat(data["inspection_valid_until"])
        if data.get("inspection_valid_until")
        else None
    )
    vehicle = vehicle_register(
        actor=actor,
        vin=data["vin"],
        plate_number=right.plate.number,
        plate=right.plate,
        owner_person=locked.owner_person,
        region_code=locked.to_region,
        vehicle_class=data["vehicle_class"],
        use=data["use"],
        seats=int(data["seats"]),
        fuel=data["fuel"],
        manufacture_date=dt.date.fromisoformat(data["manufacture_date"]),
        # the inspection cycle stays anchored to the first registration (L2 Art. 16)
        registration_date=dt.date.fromisoformat(data["registration_date"]),
        brand=data.get("brand", ""),
        model_name=data.get("model_name", ""),
        colour=data.get("colour", ""),
        van=bool(data.get("van")),
        inspection_valid_until=valid_until,
    )
    holder = str(locked.owner_person.public_id) if locked.owner_person else ""
    document_issue(
        actor=actor,
        kind=DocumentKind.DRIVING_PERMIT,
        subject_type="vehicle",
        subject_ref=str(vehicle.public_id),
        holder_person_ref=holder,
        fields={
            "plate": right.plate.number,
            "vehicle_class": vehicle.get_vehicle_class_display(),
            "owner": locked.owner_person.name if locked.owner_person else "",
            "use": vehicle.get_use_display(),
            "brand_model": f"{vehicle.brand} {vehicle.model_name}".strip() or "-",
            "vin": vehicle.vin,
            "registration_date": vehicle.registration_date.isoformat(),
            "remarks": f"转入 {locked.from_region}",
        },
    )
    if valid_until is not None and valid_until >= clock.today():
        document_issue(
            actor=actor,
            kind=DocumentKind.INSPECTION_LABEL,
            subject_type="vehicle",
            subject_ref=str(vehicle.public_id),
            holder_person_ref=holder,
            fields={
                "plate": right.plate.number,
                "vin": vehicle.vin,
                "inspection_valid_until": valid_until.strftime("%Y-%m"),
                "valid_until": valid_until.strftime("%Y-%m"),
                "remarks": "转入换发",
            },
        )
    locked.vehicle = vehicle
    locked.new_plate = right.plate.number
    locked.save(update_fields=["vehicle", "new_plate"])
    msg = message_send(
        actor=actor,
        type=MessageType.ARCHIVE_REGISTERED,
        to=locked.from_region[:2],
        body={"transfer": str(locked.public_id), "plate": right.plate.number},
    )
    return _move(locked, "register", actor=actor, message_ref=str(msg.message_id))


@transaction.atomic
def transfer_in_reject(
    *, actor: Actor, permissions: set[str], scope: str, transfer: ArchiveTransfer, reason: str
) -> ArchiveTransfer:
    """The new office refuses the archive (for example the vehicle presented does not match);
    the old office is told and its vehicle becomes normal again."""
    _check_in_side(transfer, permissions, scope)
    if not reason.strip():
        raise DomainError("reason_required", _("Give a reason"), field="reason")
    moved = _move(transfer, "reject", actor=actor, note=reason)
    message_send(
        actor=actor,
        type=MessageType.ARCHIVE_REJECTED,
        to=moved.from_region[:2],
        body={"transfer": str(moved.public_id), "reason": reason.strip()[:200]},
    )
    return moved


# --- inspection anywhere (全国通检) -----------------------------------------------------------


def _station_recognised(station: Any) -> None:
    from jiaoguan.inspection.constants import StationStatus

    if station.status != StationStatus.RECOGNISED:
        raise DomainError(
            "station_suspended",
            _("This station is not recognised at present"),
            field="station",
            citation="R164 Art. 72",
        )


def _foreign_eligible(
    station: Any, vehicle_class: str, home_province: str, *, registered_here: str
) -> None:
    """Whether ``station`` may inspect a vehicle of ``vehicle_class`` registered in
    ``home_province`` (R164 Art. 54), refused beside the field otherwise; ``registered_here``
    is what to tell someone whose vehicle is registered in this province."""
    from jiaoguan.registry.constants import VehicleClass

    decision = rules.inspection_anywhere(vehicle_class=vehicle_class)
    if not decision.allowed:  # before the class check: a school bus is no registry class
        raise DomainError(
            decision.code,
            _("Large buses and school buses are inspected in their home province only"),
            field="vehicle_class",
            citation=decision.citation,
        )
    if vehicle_class not in VehicleClass.values:
        raise DomainError("invalid_class", _("Unknown vehicle class"), field="vehicle_class")
    if vehicle_class not in station.vehicle_classes:
        raise DomainError(
            "class_not_inspected",
            _("This station does not inspect this class of vehicle"),
            field="vehicle_class",
        )
    if home_province == signing.own_province():
        raise DomainError("registered_here", registered_here, field="home_province")
    if not Peer.objects.filter(province_code=home_province, active=True).exists():
        raise DomainError(
            "unknown_peer",
            _("No exchange with this province is configured"),
            field="home_province",
        )


@transaction.atomic
def foreign_inspection_record(
    *,
    actor: Actor,
    principal: Any,
    home_province: str,
    plate_number: str,
    vin: str,
    vehicle_class: str,
    items: dict[str, Any],
    inspector: str = "",
    owner_id_number: str = "",
    appointment: ForeignAppointment | None = None,
) -> ForeignInspection:
    """A station here records its inspection of a vehicle registered in another province
    (R164 Art. 54: any vehicle except large passenger vehicles and school buses, with no
    delegation paperwork). The result is sent to the home province, which records it against
    the vehicle and issues the label (a pass), or refuses it.

    With ``appointment`` (a booking of this station, checked in) the vehicle's facts are the
    booking's (the arguments given for them are ignored) and the booking is closed (done)
    in the same transaction; without it the vehicle was presented at the desk (walk-in)."""
    from jiaoguan.inspection.constants import Outcome
    from jiaoguan.inspection.selectors import station_of
    from jiaoguan.inspection.services import clean_items  # the stations' own item checks
    from jiaoguan.kernel.plates import Plate as PlateNumber

    station = station_of(principal)
    if station is None:
        raise Forbidden("forbidden", _("Only an inspection station may record inspections"))
    _station_recognised(station)
    booking: ForeignAppointment | None = None
    if appointment is not None:
        booking = (
            ForeignAppointment.objects.select_for_update()
            .filter(pk=appointment.pk, station=station)
            .first()
        )
        if booking is None:
            raise NotFound("not_found", _("Appointment not found"), field="appointment")
        if booking.state != AppointmentState.CHECKED_IN:
            raise Conflict(
                "not_checked_in",
                _("Record a result for a vehicle checked in"),
                field="state",
            )
        home_province, plate_number, vin = booking.home_province, booking.plate_number, booking.vin
        vehicle_class = booking.vehicle_class
        owner_id_number = _owner_id_number(booking)
    _foreign_eligible(
        station,
        vehicle_class,
        home_province,
        registered_here=_("This vehicle is registered here: check it in as usual"),
    )
    parsed_vin = str(VIN.parse(vin))
    plate = str(PlateNumber.parse(plate_number))
    from jiaoguan.inspection.constants import InspectionItem

    clean = clean_items(items, set(InspectionItem.values))
    passed = all(v["outcome"] == Outcome.PASS for v in clean.values())
    inspector = inspector.strip()[:64]
    now = clock.now()
    inspection = ForeignInspection.objects.create(
        station=station,
        home_province=home_province,
        vin=parsed_vin,
        plate_number=plate,
        vehicle_class=vehicle_class,
        outcome=Outcome.PASS if passed else Outcome.FAIL,
        items=clean,
        inspector=inspector,
        inspected_on=clock.today(),
        recorded_by=actor.ref[:64],
        created_at=now,
        updated_at=now,
    )
    body: dict[str, Any] = {
        "inspection": str(inspection.public_id),
        "vin": parsed_vin,
        "plate": plate,
        "vehicle_class": vehicle_class,
        "outcome": inspection.outcome,
        "items": clean,
        "inspected_on": inspection.inspected_on.isoformat(),
        "station": station.organisation.name,
        "station_region": station.organisation.region_code,
    }
    if owner_id_number:
        # the owner as declared; the home province refuses the result if it does not match
        body["owner_id_number"] = str(IdNumber.parse(owner_id_number))
    message_send(actor=actor, type=MessageType.INSPECTION_RESULT, to=home_province, body=body)
    if booking is not None:
        booking.inspection = inspection
        booking.save(update_fields=["inspection"])
        _foreign_move(booking, "record_result", actor=actor)
    audit_record(
        actor=actor,
        action="exchange.foreign_inspection_record",
        object_type="foreign_inspection",
        object_ref=str(inspection.public_id),
        after={"vin": parsed_vin, "home": home_province, "outcome": inspection.outcome},
    )
    return inspection


# --- inspection anywhere: booking a slot (全国通检) -----------------------------------------

_OWNER_CONTEXT = b"foreign_appointment.owner"


def _owner_id_number(appt: ForeignAppointment) -> str:
    return crypto.decrypt(bytes(appt.owner_id_number_enc), context=_OWNER_CONTEXT)


def _foreign_snapshot(a: ForeignAppointment) -> dict[str, Any]:
    return {
        "station": str(a.station.public_id),
        "slot_start": a.slot_start.isoformat(),
        "state": a.state,
        "home_province": a.home_province,
        "vin": a.vin,
        "plate": a.plate_number,
        "vehicle_class": a.vehicle_class,
        "inspection": str(a.inspection.public_id) if a.inspection else None,
        "version": a.version,
    }


def _foreign_event(
    a: ForeignAppointment,
    command: str,
    before_state: str,
    actor: Actor,
    reason: str = "",
    *,
    snapshot_before: dict[str, Any] | None = None,
) -> None:
    ForeignAppointmentEvent.objects.create(
        appointment=a,
        command=command,
        from_state=before_state,
        to_state=a.state,
        actor_ref=actor.ref[:64],
        reason=reason[:200],
        at=clock.now(),
    )
    audit_record(
        actor=actor,
        action=f"exchange.foreign_appointment_{command}",
        object_type="foreign_appointment",
        object_ref=str(a.public_id),
        before=snapshot_before,
        after=_foreign_snapshot(a),
        reason=reason,
        subject_person_ref=str(a.booked_by.public_id) if a.booked_by else "",
    )


def _foreign_move(
    appt: ForeignAppointment, command: str, *, actor: Actor, reason: str = ""
) -> ForeignAppointment:
    """Apply one transition of the appointment workflow table (the local appointments'
    ``inspection.workflow.TRANSITIONS``) to a locked foreign appointment."""
    from jiaoguan.inspection.services import appointment_move

    moved: ForeignAppointment = appointment_move(
        appt,
        command,
        actor=actor,
        reason=reason,
        snapshot=_foreign_snapshot,
        event=_foreign_event,
    )
    return moved


def foreign_appointments_cancel_at(
    *, actor: Actor, station: Any, reason: str
) -> list[ForeignAppointment]:
    """Cancel the booked foreign appointments of ``station`` (locked by the caller, who has
    just suspended it: R164 Art. 72), as its local ones are, in the caller's transaction; their
    places go back to the slot counters. Returns them (the caller tells who booked)."""
    booked = (
        ForeignAppointment.objects.select_for_update(of=("self",))
        .select_related("station__organisation", "booked_by")
        .filter(station=station, state=AppointmentState.BOOKED)
        .order_by("pk")
    )
    return [_foreign_move(appt, "cancel", actor=actor, reason=reason) for appt in booked]


@transaction.atomic
def foreign_appointment_book(
    *,
    actor: Actor,
    principal: Any,
    station: Any,
    slot_start: dt.datetime,
    home_province: str,
    plate_number: str,
    vin: str,
    vehicle_class: str,
    owner_id_number: str,
) -> ForeignAppointment:
    """Book a slot at a station here for a vehicle registered in another province (全国通检,
    R164 Art. 54: any class except large passenger vehicles and school buses). The caller is
    a citizen account here; it declares the plate, VIN, class and the owner's ID number,
    which are kept with the booking and sent with the result: the home province records the
    result only if they match its register (docs/exchange.md, "Booking"). The place is taken
    on the station's slot counter under its row lock, exactly as a local booking
    (``inspection.services.slot_take``)."""
    from jiaoguan.accounts.constants import AccountKind
    from jiaoguan.inspection.models import Station
    from jiaoguan.inspection.services import slot_check, slot_take
    from jiaoguan.kernel.plates import Plate as PlateNumber

    if getattr(principal, "kind", None) != AccountKind.CITIZEN:
        raise Forbidden("forbidden", _("Only a citizen account may book an inspection"))
    station = Station.objects.select_related("organisation").get(pk=station.pk)
    _station_recognised(station)
    _foreign_eligible(
        station,
        vehicle_class,
        home_province,
        registered_here=_("This vehicle is registered here: book it from your vehicle's page"),
    )
    parsed_vin = str(VIN.parse(vin))
    plate = str(PlateNumber.parse(plate_number))
    owner = str(IdNumber.parse(owner_id_number))
    if Vehicle.objects.filter(vin=parsed_vin, status=VehicleStatus.NORMAL).exists():
        raise DomainError(
            "registered_here",
            _("This vehicle is registered here: book it from your vehicle's page"),
            field="vin",
        )
    start = slot_check(station, slot_start)
    open_states = [AppointmentState.BOOKED, AppointmentState.CHECKED_IN]
    if ForeignAppointment.objects.filter(vin=parsed_vin, state__in=open_states).exists():
        raise Conflict(
            "already_booked",
            _("This vehicle already has an open inspection appointment"),
            field="vin",
        )
    slot_take(station, start)
    try:
        with transaction.atomic():
            appt = ForeignAppointment.objects.create(
                station=station,
                slot_start=start,
                home_province=home_province,
                vin=parsed_vin,
                plate_number=plate,
                vehicle_class=vehicle_class,
                booked_by=getattr(principal, "person", None),
                owner_id_number_enc=crypto.encrypt(owner, context=_OWNER_CONTEXT),
                created_at=clock.now(),
            )
    except IntegrityError as exc:  # a concurrent booking of the same vehicle won
        raise Conflict(
            "already_booked",
            _("This vehicle already has an open inspection appointment"),
            field="vin",
        ) from exc
    _foreign_event(appt, "book", "", actor)
    return appt


@transaction.atomic
def foreign_appointment_transition(
    *,
    actor: Actor,
    principal: Any,
    appointment: ForeignAppointment,
    command: str,
    reason: str = "",
) -> ForeignAppointment:
    """``check_in`` (the station, on the day), ``cancel`` (the citizen who booked, up to the
    cancellation deadline, or the station) or ``mark_no_show`` (the station, after the slot)
    on a foreign appointment, as the appointment workflow table allows."""
    from jiaoguan.inspection.constants import StationStatus
    from jiaoguan.inspection.selectors import station_of
    from jiaoguan.inspection.services import cancel_before, clock_day
    from jiaoguan.inspection.workflow import TRANSITIONS as APPOINTMENT_TRANSITIONS

    t = APPOINTMENT_TRANSITIONS.get(command)
    if t is None or command == "record_result":
        raise DomainError("unknown_command", _("Unknown command"), field="command")
    appt = (
        ForeignAppointment.objects.select_for_update(of=("self",))
        .select_related("station__organisation", "booked_by")
        .get(pk=appointment.pk)
    )
    station = station_of(principal) if principal is not None else None
    person = getattr(principal, "person", None)
    if principal is None:
        role = "system"
    elif station is not None and station.pk == appt.station_id:
        role = "station"
    elif person is not None and appt.booked_by_id == person.pk:
        role = "owner"
    else:
        raise NotFound("not_found", _("Appointment not found"))
    if role not in t.by:
        raise Forbidden("forbidden", _("You may not do this to this appointment"))
    now = clock.now()
    if command == "cancel" and role == "owner" and now > appt.slot_start - cancel_before():
        raise DomainError(
            "too_late_to_cancel",
            _("An appointment can be cancelled up to %(minutes)s minutes before its slot")
            % {"minutes": int(cancel_before().total_seconds() // 60)},
            field="slot_start",
        )
    ends = appt.slot_start + dt.timedelta(minutes=appt.station.slot_minutes)
    if command == "mark_no_show" and now < ends:
        raise Conflict("slot_not_over", _("The slot is not over yet"), field="slot_start")
    if command == "check_in":
        if appt.station.status != StationStatus.RECOGNISED:
            raise DomainError(
                "station_suspended",
                _("This station is not recognised at present"),
                field="station",
                citation="R164 Art. 72",
            )
        if clock_day(appt.slot_start) != clock.today():
            raise DomainError(
                "not_today", _("Check in on the day of the appointment"), field="slot_start"
            )
    return _foreign_move(appt, command, actor=actor, reason=reason)


def foreign_appointments_no_show_run(*, actor: Actor) -> int:
    """Mark as no-shows the foreign bookings whose slot ended more than the grace period ago
    without a check-in (the same rule and grace as local bookings,
    ``inspection.services.no_shows_mark``); each one in its own transaction."""
    from jiaoguan.inspection.services import no_shows_mark

    return no_shows_mark(
        ForeignAppointment.objects.filter(state=AppointmentState.BOOKED),
        lambda appt: foreign_appointment_transition(
            actor=actor, principal=None, appointment=appt, command="mark_no_show"
        ),
    )


def _handle_inspection_result(*, actor: Actor, envelope: dict[str, Any]) -> dict[str, Any]:
    """At the home province: a station elsewhere inspected one of our vehicles. A pass
    within the window gives the vehicle its next period and the electronic label (R164
    Arts. 54–56), as a local station's pass does; a fail is only noted. Either way the
    station's province hears back."""
    from jiaoguan.inspection.constants import Outcome
    from jiaoguan.inspection.rules import next_valid_until, schedule
    from jiaoguan.inspection.selectors import facts_of
    from jiaoguan.registry.services import vehicle_inspection_record

    body = envelope["body"]
    ref = _uuid(body.get("inspection"))
    if ref is None:
        return {"outcome": "malformed"}
    vehicle = (
        Vehicle.objects.select_related("plate", "owner_person")
        .filter(vin=str(body.get("vin", ""))[:17])
        .first()
    )
    refusal = None
    try:
        inspected_on = dt.date.fromisoformat(str(body.get("inspected_on")))
    except ValueError:
        return {"outcome": "malformed"}
    if vehicle is None:
        refusal = "unknown_vehicle"
    elif vehicle.plate is None or vehicle.plate.number != body.get("plate"):
        refusal = "plate_mismatch"
    elif vehicle.status != VehicleStatus.NORMAL:
        refusal = "vehicle_not_normal"
    elif not rules.inspection_anywhere(vehicle_class=vehicle.vehicle_class).allowed:
        refusal = "not_elsewhere"
    elif body.get("vehicle_class") != vehicle.vehicle_class:
        refusal = "class_mismatch"
    elif "owner_id_number" in body and (
        vehicle.owner_person is None
        or vehicle.owner_person.id_number_index
        != id_number_index(str(body.get("owner_id_number", ""))[:18])
    ):
        refusal = "owner_mismatch"
    answer: dict[str, Any] = {"inspection": str(ref)}
    if refusal is None and vehicle is not None and body.get("outcome") == Outcome.PASS:
        s = schedule(facts_of(vehicle), on=inspected_on, valid_until=vehicle.inspection_valid_until)
        if s.label_only or (not s.overdue and inspected_on < s.window_opens):
            refusal = "not_due"
        else:
            due = vehicle.inspection_valid_until or inspected_on
            valid_until = next_valid_until(facts_of(vehicle), due=due, passed_on=inspected_on)
            vehicle = vehicle_inspection_record(
                actor=actor,
                vehicle=vehicle,
                valid_until=valid_until,
                reason=f"inspection {ref} at {str(body.get('station', ''))[:60]}",
            )
            label = document_issue(
                actor=actor,
                kind=DocumentKind.INSPECTION_LABEL,
                subject_type="vehicle",
                subject_ref=str(vehicle.public_id),
                holder_person_ref=(
                    str(vehicle.owner_person.public_id) if vehicle.owner_person else ""
                ),
                fields={
                    "plate": vehicle.plate.number if vehicle.plate else "",
                    "vin": vehicle.vin,
                    "inspection_valid_until": valid_until.strftime("%Y-%m"),
                    "valid_until": valid_until.strftime("%Y-%m"),
                    "remarks": f"异地检验合格 {body.get('station', '')!s}"[:80],
                },
            )
            answer.update(
                outcome="recorded", valid_until=valid_until.isoformat(), label=label.number
            )
    elif refusal is None:
        answer.update(outcome="recorded")
    if refusal is not None:
        answer.update(outcome="refused", reason=refusal)
    audit_record(
        actor=actor,
        action="exchange.inspection_result_apply",
        object_type="vehicle",
        object_ref=str(vehicle.public_id) if vehicle else "",
        after={**answer, "station_outcome": body.get("outcome")},
        subject_person_ref=(
            str(vehicle.owner_person.public_id) if vehicle and vehicle.owner_person else ""
        ),
    )
    message_send(
        actor=actor, type=MessageType.INSPECTION_RECORDED, to=envelope["from"], body=answer
    )
    return answer


def _handle_inspection_recorded(*, actor: Actor, envelope: dict[str, Any]) -> dict[str, Any]:
    """The home province's answer to one of our stations' inspections."""
    body = envelope["body"]
    found = (
        ForeignInspection.objects.select_for_update()
        .filter(public_id=_uuid(body.get("inspection")) or _NO_UUID, home_province=envelope["from"])
        .first()
    )
    if found is None or found.state != ForeignInspectionState.SENT:
        return {"outcome": "unknown_inspection"}
    refused = body.get("outcome") == "refused"
    found.state = ForeignInspectionState.REFUSED if refused else ForeignInspectionState.RECORDED
    found.answer = str(body.get("reason") or body.get("outcome") or "")[:64]
    found.label_number = str(body.get("label") or "")[:32]
    if body.get("valid_until"):
        try:
            found.valid_until = dt.date.fromisoformat(str(body["valid_until"]))
        except ValueError:
            found.valid_until = None
    found.updated_at = clock.now()
    found.save()
    audit_record(
        actor=actor,
        action="exchange.foreign_inspection_answer",
        object_type="foreign_inspection",
        object_ref=str(found.public_id),
        after={"state": found.state, "label": found.label_number, "answer": found.answer},
    )
    return {"outcome": found.state}


HANDLERS: dict[str, Callable[..., dict[str, Any]]] = {
    MessageType.ARCHIVE_TRANSFER: _handle_archive,
    MessageType.ARCHIVE_REGISTERED: _handle_registered,
    MessageType.ARCHIVE_REJECTED: _handle_rejected,
    MessageType.INSPECTION_RESULT: _handle_inspection_result,
    MessageType.INSPECTION_RECORDED: _handle_inspection_recorded,
}
