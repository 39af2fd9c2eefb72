"""The exchange API: the inbox other provincial deployments post signed messages to, this
deployment's public key, and the archive transfer commands of the counter clerk."""

from __future__ import annotations

import json

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from jiaoguan.api.auth import ANY_AUTH, actor, principal, session_auth
from jiaoguan.api.pagination import Page, keyset
from jiaoguan.exchange import faults, selectors, services, signing
from jiaoguan.exchange.constants import ALGORITHM, MAX_ENVELOPE_BYTES
from jiaoguan.exchange.schemas import (
    AcceptIn,
    AckOut,
    ForeignAppointmentOut,
    ForeignBookIn,
    ForeignInspectionIn,
    ForeignInspectionOut,
    ForeignResultIn,
    KeyOut,
    ReasonIn,
    RejectIn,
    TransferOut,
    TransferStartIn,
)
from jiaoguan.kernel.errors import NotFound
from jiaoguan.registry.selectors import vehicles_for

router = Router(tags=["exchange"])


def _permissions(request: HttpRequest) -> set[str]:
    who = principal(request)
    return {p for p in (services.HANDLE_PERMISSION,) if who.has_perm(p)}


def _scope(request: HttpRequest) -> str:
    return str(getattr(principal(request), "region_scope", "") or "")


@router.get("/exchange/key", response=KeyOut, auth=None, summary="This deployment's public key")
def exchange_key(request: HttpRequest) -> KeyOut:
    return KeyOut(
        province=signing.own_province(), algorithm=ALGORITHM, public_key=signing.own_public_key()
    )


@router.post(
    "/exchange/inbox",
    response=AckOut,
    auth=None,
    summary="Receive a signed message from another provincial deployment",
    description="The body is the signed envelope (docs/exchange.md). 200 with `ack` = the "
    "message id once it is stored and applied; a repeat of a stored message is acked with "
    "`duplicate: true` and not applied again. Unknown sender or bad signature: 403; a "
    "malformed envelope: 400 (problem+json).",
)
def exchange_inbox(request: HttpRequest) -> AckOut:
    if len(request.body) > MAX_ENVELOPE_BYTES:
        raise services.EnvelopeRefused("too_large", _("The message is too large"))
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise services.EnvelopeRefused(
            "malformed", _("This is not an exchange envelope"), field="envelope"
        ) from exc
    msg, duplicate = services.inbox_receive(envelope=data)
    faults.hit(faults.RECEIVER_BEFORE_ACK)
    return AckOut(ack=str(msg.message_id), duplicate=duplicate, result=msg.result or {})


@router.get(
    "/exchange/transfers",
    response=Page[TransferOut],
    auth=ANY_AUTH,
    summary="Archive transfers the caller may see (own, or of the clerk's region)",
)
def transfer_list(
    request: HttpRequest, cursor: str | None = None, limit: int = 20, direction: str = ""
) -> dict[str, object]:
    qs = selectors.transfers_for(principal(request)).prefetch_related("events")
    if direction in ("in", "out"):
        qs = qs.filter(direction=direction)
    rows, nxt = keyset(qs, cursor=cursor, limit=limit)
    return {"items": [TransferOut.build(t) for t in rows], "next_cursor": nxt}


@router.get("/exchange/transfers/{transfer_id}", response=TransferOut, auth=ANY_AUTH)
def transfer_detail(request: HttpRequest, transfer_id: str) -> TransferOut:
    return TransferOut.build(selectors.transfer_get(principal(request), transfer_id))


@router.post(
    "/exchange/transfers",
    response={201: TransferOut},
    auth=ANY_AUTH,
    summary="Move a vehicle's registration to another province (seal and send the archive)",
)
def transfer_start(request: HttpRequest, payload: TransferStartIn) -> Status[TransferOut]:
    vehicle = vehicles_for(principal(request)).filter(public_id__iexact=payload.vehicle).first()
    if vehicle is None:
        raise NotFound("not_found", _("Vehicle not found"), field="vehicle")
    transfer = services.transfer_out_start(
        actor=actor(request),
        permissions=_permissions(request),
        scope=_scope(request),
        vehicle=vehicle,
        to_region=payload.to_region,
        kind=payload.kind,
        buyer_name=payload.buyer_name,
        buyer_id_number=payload.buyer_id_number,
        reason=payload.reason,
    )
    return Status(201, TransferOut.build(transfer))


@router.post("/exchange/transfers/{transfer_id}/accept", response=TransferOut, auth=ANY_AUTH)
def transfer_accept(request: HttpRequest, transfer_id: str, payload: AcceptIn) -> TransferOut:
    transfer = services.transfer_in_accept(
        actor=actor(request),
        permissions=_permissions(request),
        scope=_scope(request),
        transfer=selectors.transfer_get(principal(request), transfer_id),
        prefix=payload.prefix,
        kind=payload.kind,
    )
    return TransferOut.build(transfer)


@router.post("/exchange/transfers/{transfer_id}/register", response=TransferOut, auth=ANY_AUTH)
def transfer_register(request: HttpRequest, transfer_id: str) -> TransferOut:
    transfer = services.transfer_in_register(
        actor=actor(request),
        permissions=_permissions(request),
        scope=_scope(request),
        transfer=selectors.transfer_get(principal(request), transfer_id),
    )
    return TransferOut.build(transfer)


@router.post("/exchange/transfers/{transfer_id}/reject", response=TransferOut, auth=ANY_AUTH)
def transfer_reject(request: HttpRequest, transfer_id: str, payload: RejectIn) -> TransferOut:
    transfer = services.transfer_in_reject(
        actor=actor(request),
        permissions=_permissions(request),
        scope=_scope(request),
        transfer=selectors.transfer_get(principal(request), transfer_id),
        reason=payload.reason,
    )
    return TransferOut.build(transfer)


@router.post(
    "/exchange/inspections",
    response={201: ForeignInspectionOut},
    auth=ANY_AUTH,
    summary="A station records its inspection of a vehicle registered in another province",
    description="全国通检 (R164 Art. 54): the result is sent to the home province, which "
    "records it and issues the label; its answer shows here as `state`.",
)
def foreign_inspection_create(
    request: HttpRequest, payload: ForeignInspectionIn
) -> Status[ForeignInspectionOut]:
    inspection = services.foreign_inspection_record(
        actor=actor(request),
        principal=principal(request),
        home_province=payload.home_province,
        plate_number=payload.plate_number,
        vin=payload.vin,
        vehicle_class=payload.vehicle_class,
        items=payload.items,
        inspector=payload.inspector,
        owner_id_number=payload.owner_id_number,
    )
    return Status(201, ForeignInspectionOut.build(inspection))


@router.get(
    "/exchange/inspections",
    response=Page[ForeignInspectionOut],
    auth=ANY_AUTH,
    summary="The calling station's inspections of vehicles from other provinces",
)
def foreign_inspection_list(
    request: HttpRequest, cursor: str | None = None, limit: int = 20
) -> dict[str, object]:
    rows, nxt = keyset(
        selectors.foreign_inspections_for(principal(request)), cursor=cursor, limit=limit
    )
    return {"items": [ForeignInspectionOut.build(i) for i in rows], "next_cursor": nxt}


@router.post(
    "/exchange/appointments",
    response={201: ForeignAppointmentOut},
    auth=session_auth,
    summary="Book a station slot for a vehicle registered in another province",
    description="全国通检 (R164 Art. 54): a citizen declares the plate, VIN, class and the "
    "owner's ID number; the place is taken on the station's slot counter like a local "
    "booking. Large buses and school buses are refused; the home province refuses the "
    "result if the declared facts do not match its register (docs/exchange.md).",
)
def foreign_appointment_book(
    request: HttpRequest, payload: ForeignBookIn
) -> Status[ForeignAppointmentOut]:
    from jiaoguan.inspection.selectors import station_get

    appt = services.foreign_appointment_book(
        actor=actor(request),
        principal=principal(request),
        station=station_get(payload.station),
        slot_start=payload.slot_start,
        home_province=payload.home_province,
        plate_number=payload.plate_number,
        vin=payload.vin,
        vehicle_class=payload.vehicle_class,
        owner_id_number=payload.owner_id_number,
    )
    return Status(201, ForeignAppointmentOut.build(appt))


@router.get(
    "/exchange/appointments",
    response=Page[ForeignAppointmentOut],
    auth=session_auth,
    summary="Bookings of vehicles from other provinces: the station's own, or the citizen's",
)
def foreign_appointment_list(
    request: HttpRequest, cursor: str | None = None, limit: int = 20, state: str = ""
) -> dict[str, object]:
    qs = selectors.foreign_appointments_for(principal(request))
    if state:
        qs = qs.filter(state=state)
    rows, nxt = keyset(qs, cursor=cursor, limit=limit)
    return {"items": [ForeignAppointmentOut.build(a) for a in rows], "next_cursor": nxt}


@router.get(
    "/exchange/appointments/{appointment_id}", response=ForeignAppointmentOut, auth=session_auth
)
def foreign_appointment_detail(request: HttpRequest, appointment_id: str) -> ForeignAppointmentOut:
    return ForeignAppointmentOut.build(
        selectors.foreign_appointment_get(principal(request), appointment_id)
    )


def _foreign_command(
    request: HttpRequest, appointment_id: str, command: str, reason: str = ""
) -> ForeignAppointmentOut:
    who = principal(request)
    appt = services.foreign_appointment_transition(
        actor=actor(request),
        principal=who,
        appointment=selectors.foreign_appointment_get(who, appointment_id),
        command=command,
        reason=reason,
    )
    return ForeignAppointmentOut.build(appt)


@router.post(
    "/exchange/appointments/{appointment_id}/check-in",
    response=ForeignAppointmentOut,
    auth=session_auth,
    summary="The station checks in a booked vehicle from another province (on the day)",
)
def foreign_appointment_check_in(
    request: HttpRequest, appointment_id: str
) -> ForeignAppointmentOut:
    return _foreign_command(request, appointment_id, "check_in")


@router.post(
    "/exchange/appointments/{appointment_id}/cancel",
    response=ForeignAppointmentOut,
    auth=session_auth,
    summary="Cancel a booking (the citizen who booked, before the deadline, or the station)",
)
def foreign_appointment_cancel(
    request: HttpRequest, appointment_id: str, payload: ReasonIn
) -> ForeignAppointmentOut:
    return _foreign_command(request, appointment_id, "cancel", payload.reason)


@router.post(
    "/exchange/appointments/{appointment_id}/no-show",
    response=ForeignAppointmentOut,
    auth=session_auth,
    summary="The station marks a booking not kept (after its slot)",
)
def foreign_appointment_no_show(request: HttpRequest, appointment_id: str) -> ForeignAppointmentOut:
    return _foreign_command(request, appointment_id, "mark_no_show")


@router.post(
    "/exchange/appointments/{appointment_id}/result",
    response={201: ForeignInspectionOut},
    auth=session_auth,
    summary="The station records the result of a booked foreign inspection, item by item",
    description="The result goes to the home province as `inspection.result` (the same "
    "message as a walk-in); the booking is closed in the same transaction.",
)
def foreign_appointment_result(
    request: HttpRequest, appointment_id: str, payload: ForeignResultIn
) -> Status[ForeignInspectionOut]:
    who = principal(request)
    appt = selectors.foreign_appointment_get(who, appointment_id)
    inspection = services.foreign_inspection_record(
        actor=actor(request),
        principal=who,
        home_province=appt.home_province,
        plate_number=appt.plate_number,
        vin=appt.vin,
        vehicle_class=appt.vehicle_class,
        items=payload.items,
        inspector=payload.inspector,
        appointment=appt,
    )
    return Status(201, ForeignInspectionOut.build(inspection))
