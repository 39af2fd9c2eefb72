"""The API of the sale to another province, the deadline flags and the owner's online start
(docs/exchange.md): a router of its own, mounted next to the exchange router."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from jiaoguan.accounts.constants import AccountKind
from jiaoguan.api.auth import ANY_AUTH, actor, principal
from jiaoguan.api.pagination import Page, keyset
from jiaoguan.exchange import sale, selectors, services
from jiaoguan.exchange.models import ArchiveTransfer
from jiaoguan.exchange.schemas import TransferOut
from jiaoguan.kernel.errors import Forbidden, NotFound
from jiaoguan.registry.models import Person
from jiaoguan.registry.selectors import vehicles_for

router = Router(tags=["exchange"])


class HandoverOut(Schema):
    transfer: str
    temporary_plate: str = Field(description="number of the signed temporary-plate document")
    document: str = Field(description="public id of the document (verify it at /verify)")
    valid_from: str
    valid_until: str


class FlagOut(Schema):
    code: str
    note: str
    at: dt.datetime


class FlaggedOut(Schema):
    id: str
    direction: str
    kind: str
    state: str
    vin: str
    from_region: str
    to_region: str
    flags: list[FlagOut]

    @staticmethod
    def build(t: ArchiveTransfer) -> FlaggedOut:
        return FlaggedOut(
            id=str(t.public_id),
            direction=t.direction,
            kind=t.kind,
            state=t.state,
            vin=t.vin,
            from_region=t.from_region,
            to_region=t.to_region,
            flags=[FlagOut(**f) for f in sale.flags_of(t)],
        )


class OnlineStartIn(Schema):
    vehicle: str = Field(description="public id of the vehicle", max_length=36)
    to_region: str = Field(description="6-digit GB/T 2260 code of the new region", max_length=6)
    kind: str = Field("move_out", description="`move_out` (R164 Art. 18) or `sale` (Art. 27)")
    buyer_name: str = Field("", max_length=64)
    buyer_id_number: str = Field("", max_length=18)


def _permissions(request: HttpRequest) -> set[str]:
    return {p for p in (services.HANDLE_PERMISSION,) if principal(request).has_perm(p)}


def _scope(request: HttpRequest) -> str:
    return str(getattr(principal(request), "region_scope", "") or "")


@router.post(
    "/exchange/transfers/{transfer_id}/handover",
    response=HandoverOut,
    auth=ANY_AUTH,
    summary="Sale to another province: take back plates and permit, issue a 30-day temporary plate",
    description="R164 Art. 27. Only for an outgoing `sale` still `sent`, once.",
)
def transfer_handover(request: HttpRequest, transfer_id: str) -> HandoverOut:
    transfer = selectors.transfer_get(principal(request), transfer_id)
    doc = sale.sale_handover(
        actor=actor(request),
        permissions=_permissions(request),
        scope=_scope(request),
        transfer=transfer,
    )
    return HandoverOut(
        transfer=str(transfer.public_id),
        temporary_plate=doc.number,
        document=str(doc.public_id),
        valid_from=str(doc.fields["valid_from"]),
        valid_until=str(doc.fields["valid_until"]),
    )


@router.get(
    "/exchange/flagged-transfers",
    response=Page[FlaggedOut],
    auth=ANY_AUTH,
    summary="Open transfers of the clerk's region past a deadline (flags of the daily sweep)",
)
def flagged_list(
    request: HttpRequest, cursor: str | None = None, limit: int = 20
) -> dict[str, object]:
    if services.HANDLE_PERMISSION not in _permissions(request) or not _scope(request):
        qs = ArchiveTransfer.objects.none()
    else:
        qs = sale.flagged_transfers(scope=_scope(request)).prefetch_related("events")
    rows, nxt = keyset(qs, cursor=cursor, limit=limit)
    return {"items": [FlaggedOut.build(t) for t in rows], "next_cursor": nxt}


@router.post(
    "/exchange/online-transfers",
    response={201: TransferOut},
    auth=ANY_AUTH,
    summary="The owner starts a move-out or sale online (on-site only after frequent changes)",
    description="R164 Art. 74: 409 `on_site_only` when the vehicle had too many replacements, "
    "transfers or moves in the configured window.",
)
def online_start(request: HttpRequest, payload: OnlineStartIn) -> Status[TransferOut]:
    who = principal(request)
    person_id = getattr(who, "person_id", None)
    if who.kind != AccountKind.CITIZEN or not person_id:
        raise Forbidden("not_citizen", _("Only the owner applies online"))
    vehicle = vehicles_for(who).filter(public_id__iexact=payload.vehicle).first()
    if vehicle is None:
        raise NotFound("not_found", _("Vehicle not found"), field="vehicle")
    transfer = sale.transfer_start_online(
        actor=actor(request),
        person=Person.objects.get(pk=person_id),
        vehicle=vehicle,
        to_region=payload.to_region,
        kind=payload.kind,
        buyer_name=payload.buyer_name,
        buyer_id_number=payload.buyer_id_number,
    )
    return Status(201, TransferOut.build(transfer))
