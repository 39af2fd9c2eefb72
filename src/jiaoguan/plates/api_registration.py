"""API of the new-vehicle registration with its number, plate orders, giving up a held number
and swapping numbers between two vehicles of one owner. Mounted on the plates router."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Status

from jiaoguan.accounts.constants import AccountKind
from jiaoguan.accounts.models import User
from jiaoguan.api.auth import actor, principal, session_auth
from jiaoguan.api.pagination import Page, keyset
from jiaoguan.audit.services import Actor
from jiaoguan.cases.models import Application
from jiaoguan.cases.services import fee_total_fen
from jiaoguan.kernel import regions
from jiaoguan.kernel.errors import Forbidden, NotFound
from jiaoguan.plates import keeping, registration, selectors, services
from jiaoguan.plates.api import _acting, _right_out, person_by_id_number, router
from jiaoguan.plates.models import PlateOrder, Reservation, SelectionRight
from jiaoguan.plates.schemas import (
    PlateOrderOut,
    RegistrationIn,
    RegistrationOut,
    ReservationOut,
    SwapIn,
    SwapOut,
)
from jiaoguan.registry.models import Person


def start_for(
    user: Any, act: Actor, *, id_number: str, vin: str, facts: dict[str, Any]
) -> tuple[Application, SelectionRight]:
    """A citizen for themself (online); a counter clerk for a person in their region (window);
    a dealer agent for a buyer at its point of sale (outlet). Anyone else is refused."""
    if isinstance(user, User) and user.kind == AccountKind.CITIZEN and user.person is not None:
        return registration.registration_start(
            actor=act, applicant=user.person, channel="online", vin=vin, facts=facts
        )
    if selectors.is_dealer_agent(user):
        buyer = person_by_id_number(id_number)
        act_for = dataclasses.replace(act, on_behalf_of_ref=str(buyer.public_id))
        return registration.registration_start(
            actor=act_for,
            applicant=buyer,
            channel="outlet",
            vin=vin,
            facts=facts,
            outlet=user.organisation,
        )
    if selectors.is_clerk(user):
        person = person_by_id_number(id_number)
        if not regions.contains(user.region_scope, person.region_code):
            raise Forbidden(
                "outside_scope", _("This person lives outside your region"), field="id_number"
            )
        return registration.registration_start(
            actor=act, applicant=person, channel="window", vin=vin, facts=facts
        )
    raise Forbidden("not_permitted", _("You may not do this"))


def registration_out(app: Application, right: SelectionRight) -> RegistrationOut:
    return RegistrationOut(
        application_id=str(app.public_id),
        case_number=app.case_number,
        state=app.state,
        channel=app.channel,
        fee_fen=fee_total_fen(app),
        right=_right_out(right),
    )


@router.post(
    "/plates/registrations",
    response={201: RegistrationOut},
    auth=session_auth,
    summary="Start a new-vehicle registration; it grants the right to select the number",
)
def registration_create(request: HttpRequest, payload: RegistrationIn) -> Status:
    facts = payload.dict()
    app, right = start_for(
        principal(request),
        actor(request),
        id_number=facts.pop("id_number"),
        vin=facts.pop("vin"),
        facts=facts,
    )
    return Status(201, registration_out(app, right))


@router.post(
    "/plates/reservations/{reservation_id}/release",
    response=ReservationOut,
    auth=session_auth,
    summary="Give up a held number: it returns to the pool and the selection opens again",
)
def reservation_release(request: HttpRequest, reservation_id: str) -> ReservationOut:
    try:
        reservation = Reservation.objects.select_related("right").get(public_id=reservation_id)
    except (Reservation.DoesNotExist, ValueError, ValidationError) as exc:
        raise NotFound("not_found", _("No such reservation")) from exc
    _right, acting = _acting(request, str(reservation.right.public_id))
    released = services.plate_release(acting=acting, reservation=reservation)
    released.refresh_from_db()
    return ReservationOut.build(Reservation.objects.select_related("number").get(pk=released.pk))


def _order_out(o: PlateOrder) -> PlateOrderOut:
    return PlateOrderOut(
        id=str(o.public_id),
        order_no=o.order_no,
        number=o.number,
        kind=o.kind,
        vin=o.vin,
        case_number=o.case_number,
        delivery=o.delivery,
        state=o.state,
        created_at=o.created_at,
    )


@router.get(
    "/plates/orders",
    response=Page[PlateOrderOut],
    auth=session_auth,
    summary="Plate orders of my region (staff)",
)
def orders_list(request: HttpRequest, cursor: str | None = None, limit: int = 20) -> Any:
    rows, nxt = keyset(selectors.orders_for(principal(request)), cursor=cursor, limit=limit)
    return {"items": [_order_out(o) for o in rows], "next_cursor": nxt}


@router.post(
    "/plates/orders/{order_id}/{command}",
    response=PlateOrderOut,
    auth=session_auth,
    summary="Report a plate order made, or handed over / posted (staff)",
)
def order_advance(request: HttpRequest, order_id: str, command: str) -> PlateOrderOut:
    order = selectors.order_get(principal(request), order_id)
    return _order_out(
        registration.plate_order_advance(actor=actor(request), order=order, command=command)
    )


@router.post(
    "/plates/swaps",
    response={201: SwapOut},
    auth=session_auth,
    summary="Swap the numbers of two of my vehicles (at most once a year, R164 Art. 20)",
)
def swap_create(request: HttpRequest, payload: SwapIn) -> Status:
    user = principal(request)
    person: Person | None = getattr(user, "person", None)
    if not isinstance(user, User) or user.kind != AccountKind.CITIZEN or person is None:
        raise Forbidden("not_permitted", _("You may not do this"))
    a = keeping.own_vehicle(person, payload.vehicle_a, field="vehicle_a")
    b = keeping.own_vehicle(person, payload.vehicle_b, field="vehicle_b")
    swap = keeping.number_swap(actor=actor(request), owner=person, vehicle_a=a, vehicle_b=b)
    return Status(
        201,
        SwapOut(
            id=str(swap.public_id),
            day=swap.day,
            vehicle_a_number=swap.number_b,
            vehicle_b_number=swap.number_a,
        ),
    )
