"""API of plate selection: public announcements, draw records and their verification; the
applicant's (or dealer's, or clerk's) draws, picks and compositions; staff pools and batches."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from jiaoguan.accounts.models import User
from jiaoguan.api.auth import actor, principal, session_auth
from jiaoguan.api.pagination import Page, keyset
from jiaoguan.kernel.errors import DomainError, Forbidden, NotFound, Problem
from jiaoguan.kernel.idnumber import IdNumber
from jiaoguan.plates import rules, selectors, services
from jiaoguan.plates.models import SelectionRight
from jiaoguan.plates.schemas import (
    BatchIn,
    BatchNumbersOut,
    BatchOut,
    ComposeIn,
    ComposeRuleIn,
    ComposeRuleOut,
    DrawOut,
    PickIn,
    PoolIn,
    PoolOut,
    RefusalOut,
    ReleaseIn,
    ReservationOut,
    RightIn,
    RightOut,
    VerifyOut,
)
from jiaoguan.registry.models import Person
from jiaoguan.registry.services import id_number_index

router = Router(tags=["plates"])


# ---- public -------------------------------------------------------------------------------------


@router.get(
    "/plates/batches",
    response=Page[BatchOut],
    auth=None,
    summary="Announced batches with the hash of each list, published before they open",
)
def batches_public(request: HttpRequest, cursor: str | None = None, limit: int = 20) -> Any:
    rows, nxt = keyset(selectors.published_batches(), cursor=cursor, limit=limit)
    return {"items": [BatchOut.build(b) for b in rows], "next_cursor": nxt}


@router.get(
    "/plates/batches/{batch_id}/numbers",
    response=BatchNumbersOut,
    auth=None,
    summary="The canonical list of an announced batch (hash it to check the announcement)",
)
def batch_numbers(request: HttpRequest, batch_id: str) -> BatchNumbersOut:
    try:
        batch = selectors.published_batches().get(public_id=batch_id)
    except Exception as exc:
        raise NotFound("not_found", _("No such batch")) from exc
    return BatchNumbersOut(
        id=str(batch.public_id),
        hash_algorithm=batch.hash_algorithm,
        hash=batch.content_hash,
        numbers=list(selectors.batch_list(batch)),
    )


@router.get(
    "/plates/draws/{right_id}/{attempt}",
    response=VerifyOut,
    auth=None,
    summary="A draw's public record, recomputed from public data once its seed is revealed",
)
def draw_verify(request: HttpRequest, right_id: str, attempt: int) -> VerifyOut:
    return VerifyOut.build(selectors.draw_check(right_id, attempt))


@router.post(
    "/rules/plates/compose",
    response=ComposeRuleOut,
    auth=None,
    tags=["rules"],
    summary="Would a self-composed number pass the local rules? Every failed rule, cited",
)
def compose_rule(request: HttpRequest, payload: ComposeRuleIn) -> ComposeRuleOut:
    prefix = payload.prefix.strip().upper()
    rs, refusals = rules.compose_check(prefix, payload.kind, payload.serial.strip().upper())
    return ComposeRuleOut(
        acceptable=not refusals,
        rule_set=rs.code,
        rule_set_name=rs.name,
        citation=rs.citation,
        refusals=[
            RefusalOut(code=r.code, message=_(r.message), citation=r.citation) for r in refusals
        ],
    )


# ---- applicants, dealers, clerks ----------------------------------------------------------------


def _right_out(right: SelectionRight) -> RightOut:
    policy = services.current_policy()
    return RightOut.build(
        right,
        draws_left=max(0, policy.draws_per_right - right.draws_used),
        compose_left=max(0, policy.compose_attempts - right.compose_attempts_used),
        reservation=selectors.live_reservation(right),
        latest=selectors.latest_draw(right),
    )


def _acting(request: HttpRequest, right_id: str) -> tuple[SelectionRight, services.Acting]:
    right = selectors.right_get(right_id)
    return right, selectors.acting_for(principal(request), right)


@router.get(
    "/plates/rights",
    response=Page[RightOut],
    auth=session_auth,
    summary="My selection rights (a citizen) or the rights of my dealership (a dealer agent)",
)
def rights_list(request: HttpRequest, cursor: str | None = None, limit: int = 20) -> Any:
    user = principal(request)
    if selectors.is_dealer_agent(user):
        qs = selectors.rights_of_dealer(user)
    elif isinstance(user, User) and user.person is not None:
        qs = selectors.rights_of_person(user.person)
    else:
        qs = SelectionRight.objects.none()
    rows, nxt = keyset(qs, cursor=cursor, limit=limit)
    return {"items": [_right_out(r) for r in rows], "next_cursor": nxt}


def person_by_id_number(raw: str) -> Person:
    try:
        number = str(IdNumber.parse(raw))
    except DomainError as exc:
        raise DomainError(
            exc.code,
            exc.message,
            field="id_number",
            problems=[dataclasses.replace(p, field="id_number") for p in exc.problems],
            message_en=exc.message_en,
        ) from exc
    person = Person.objects.filter(id_number_index=id_number_index(number)).first()
    if person is None:
        raise NotFound(
            "person_not_found",
            _("This person is not in the registry: send them to a window"),
            field="id_number",
        )
    return person


def grant_right(
    user: Any, act: Any, *, id_number: str, vin: str, prefix: str, kind: str
) -> SelectionRight:
    """A clerk grants in their region; a dealer agent for its own dealership's buyer."""
    person = person_by_id_number(id_number)
    if selectors.is_dealer_agent(user):
        org = user.organisation
        return services.selection_right_grant(
            actor=act,
            person=person,
            vin=vin,
            prefix=prefix,
            kind=kind,
            scope=org.province_code,
            dealer=org,
        )
    if selectors.is_clerk(user):
        return services.selection_right_grant(
            actor=act, person=person, vin=vin, prefix=prefix, kind=kind, scope=user.region_scope
        )
    raise Forbidden("not_permitted", _("You may not do this"))


@router.post(
    "/plates/rights",
    response={201: RightOut},
    auth=session_auth,
    summary="Grant a buyer the right to select a number for a vehicle (clerk or dealer agent)",
)
def right_create(request: HttpRequest, payload: RightIn) -> Status:
    right = grant_right(
        principal(request),
        actor(request),
        id_number=payload.id_number,
        vin=payload.vin,
        prefix=payload.prefix,
        kind=payload.kind,
    )
    return Status(201, _right_out(right))


@router.get("/plates/rights/{right_id}", response=RightOut, auth=session_auth, summary="One right")
def right_detail(request: HttpRequest, right_id: str) -> RightOut:
    right, _acting_as = _acting(request, right_id)
    return _right_out(right)


@router.post(
    "/plates/rights/{right_id}/draws",
    response={201: DrawOut},
    auth=session_auth,
    summary="Draw a batch of random candidates (10 online, 50 in the hall) with a countdown",
)
def draw_create(request: HttpRequest, right_id: str) -> Status:
    right, acting = _acting(request, right_id)
    return Status(201, DrawOut.build(services.draw_make(acting=acting, right=right)))


@router.post(
    "/plates/rights/{right_id}/pick",
    response={201: ReservationOut},
    auth=session_auth,
    summary="Pick one candidate of the latest draw: it is held for 3 working days",
)
def pick(request: HttpRequest, right_id: str, payload: PickIn) -> Status:
    right, acting = _acting(request, right_id)
    draw = right.draws.filter(attempt=payload.attempt).select_related("window__pool").first()
    if draw is None:
        raise NotFound("not_found", _("No such draw"), field="attempt")
    reservation = services.plate_pick(
        acting=acting, right=right, draw=draw, number=payload.number.strip().upper()
    )
    return Status(201, ReservationOut.build(reservation))


def compose_refusal(outcome: services.ComposeOutcome) -> DomainError:
    problems = [
        Problem(code=r.code, message=_(r.message), field="serial", citation=r.citation)
        for r in outcome.refusals
    ]
    return DomainError(
        problems[0].code,
        problems[0].message,
        field="serial",
        citation=problems[0].citation,
        problems=problems,
    )


@router.post(
    "/plates/rights/{right_id}/compose",
    response={201: ReservationOut},
    auth=session_auth,
    summary="Compose a number under the local rules; each try counts against the limit",
)
def compose(request: HttpRequest, right_id: str, payload: ComposeIn) -> Status:
    right, acting = _acting(request, right_id)
    outcome = services.plate_compose(acting=acting, right=right, serial=payload.serial)
    if outcome.reservation is None:
        raise compose_refusal(outcome)
    return Status(201, ReservationOut.build(outcome.reservation))


# ---- staff --------------------------------------------------------------------------------------


def _manager(request: HttpRequest) -> User:
    user = principal(request)
    if not selectors.is_manager(user):
        raise Forbidden("not_permitted", _("You may not do this"))
    return user


@router.get("/plates/pools", response=Page[PoolOut], auth=session_auth, summary="Pools (staff)")
def pools_list(request: HttpRequest, cursor: str | None = None, limit: int = 20) -> Any:
    rows, nxt = keyset(selectors.pools_for(principal(request)), cursor=cursor, limit=limit)
    return {"items": [PoolOut.build(p) for p in rows], "next_cursor": nxt}


@router.post("/plates/pools", response={201: PoolOut}, auth=session_auth, summary="Create a pool")
def pool_create(request: HttpRequest, payload: PoolIn) -> Status:
    user = _manager(request)
    pool = services.pool_create(
        actor=actor(request), prefix=payload.prefix, kind=payload.kind, scope=user.region_scope
    )
    return Status(201, PoolOut.build(pool))


@router.post(
    "/plates/pools/{pool_id}/batches",
    response={201: BatchOut},
    auth=session_auth,
    summary="Create a draft batch from a pattern or an imported list",
)
def batch_create(request: HttpRequest, pool_id: str, payload: BatchIn) -> Status:
    user = _manager(request)
    pool = selectors.pool_get(user, pool_id)
    batch = services.batch_create(
        actor=actor(request),
        pool=pool,
        label=payload.label,
        pattern=payload.pattern,
        numbers=payload.numbers,
    )
    return Status(201, BatchOut.build(batch))


@router.post(
    "/plates/batches/{batch_id}/release",
    response=BatchOut,
    auth=session_auth,
    summary="Announce a batch (its hash is published now) to open at opens_at",
)
def batch_release(request: HttpRequest, batch_id: str, payload: ReleaseIn) -> BatchOut:
    user = _manager(request)
    batch = selectors.batch_get(user, batch_id)
    return BatchOut.build(
        services.batch_release(
            actor=actor(request),
            batch=batch,
            opens_at=payload.opens_at,
            compose_from=payload.compose_from,
        )
    )


@router.get(
    "/plates/reservations",
    response=Page[ReservationOut],
    auth=session_auth,
    summary="Reservations in my region (staff)",
)
def reservations_list(
    request: HttpRequest, state: str = "", cursor: str | None = None, limit: int = 20
) -> Any:
    qs = selectors.reservations_for(principal(request), state=state)
    rows, nxt = keyset(qs, cursor=cursor, limit=limit)
    return {"items": [ReservationOut.build(r) for r in rows], "next_cursor": nxt}


@router.post(
    "/plates/reservations/{reservation_id}/confirm",
    response=ReservationOut,
    auth=session_auth,
    summary="Confirm a held number: the registry plate is created (clerk)",
)
def reservation_confirm(request: HttpRequest, reservation_id: str) -> ReservationOut:
    user = principal(request)
    if not selectors.is_clerk(user):
        raise Forbidden("not_permitted", _("You may not do this"))
    reservation = selectors.reservation_get(user, reservation_id)
    services.plate_confirm(actor=actor(request), reservation=reservation)
    reservation.refresh_from_db()
    return ReservationOut.build(reservation)


# The registration, plate order, release and swap endpoints live in their own module and add
# themselves to this router.
from jiaoguan.plates import api_registration  # noqa: E402, F401
