"""Violations and points: enforcement systems record through the partner API (scope
``violations:write``, their region only); officers record, contest and void; owners and drivers
see theirs, confirm the driver and pay the fine; ``/me/points`` shows the current cycle."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from jiaoguan.api.auth import ANY_AUTH, actor, principal, session_auth
from jiaoguan.api.pagination import Page, keyset
from jiaoguan.kernel.errors import NotFound
from jiaoguan.violations import selectors, services
from jiaoguan.violations.schemas import (
    ConfirmIn,
    PayIn,
    PayOut,
    PointsOut,
    ReasonIn,
    ViolationIn,
    ViolationOut,
)

router = Router(tags=["violations"])


def _purpose(request: HttpRequest) -> str:
    return (request.GET.get("purpose") or request.headers.get("X-Purpose") or "")[:200]


@router.get(
    "/violations",
    response=Page[ViolationOut],
    auth=ANY_AUTH,
    summary="Violations the caller may see (own vehicles and as driver, or in scope)",
)
def violation_list(
    request: HttpRequest, cursor: str | None = None, limit: int = 20, state: str | None = None
) -> dict[str, object]:
    who = principal(request)
    qs = selectors.violations_for(who)
    if state:
        qs = qs.filter(state=state[:20])
    rows, nxt = keyset(qs, cursor=cursor, limit=limit)
    selectors.log_reads(who, actor(request), rows, purpose=_purpose(request))
    return {"items": [ViolationOut.build(v) for v in rows], "next_cursor": nxt}


@router.post(
    "/violations",
    response={200: ViolationOut, 201: ViolationOut},
    auth=ANY_AUTH,
    summary="Record a violation (enforcement systems: scope violations:write; officers)",
    description="201 when recorded; 200 with the first record when `external_ref` was sent "
    "before by the same caller (retries are safe).",
)
def violation_create(request: HttpRequest, payload: ViolationIn) -> Status[ViolationOut]:
    violation, created = services.violation_record(
        actor=actor(request),
        principal=principal(request),
        plate_number=payload.plate_number,
        occurred_at=payload.occurred_at,
        place=payload.place,
        region_code=payload.region_code,
        offence_code=payload.offence_code,
        description=payload.description,
        citation=payload.citation,
        points=payload.points,
        fine_fen=payload.fine_fen,
        evidence=[e.dict() for e in payload.evidence],
        twelve_point_offence=payload.twelve_point_offence,
        external_ref=payload.external_ref,
    )
    violation = selectors.violations_for(principal(request)).get(pk=violation.pk)
    return Status(201 if created else 200, ViolationOut.build(violation))


@router.get("/violations/{violation_id}", response=ViolationOut, auth=ANY_AUTH)
def violation_detail(request: HttpRequest, violation_id: str) -> ViolationOut:
    who = principal(request)
    violation = selectors.violation_get(who, violation_id)
    selectors.log_reads(who, actor(request), [violation], purpose=_purpose(request))
    return ViolationOut.build(violation)


@router.post(
    "/violations/{violation_id}/confirm-driver",
    response=ViolationOut,
    auth=session_auth,
    summary="Confirm who drove: the owner (no ID number) or a licence holder named by ID number",
)
def violation_confirm(request: HttpRequest, violation_id: str, payload: ConfirmIn) -> ViolationOut:
    who = principal(request)
    violation = services.violation_confirm_driver(
        actor=actor(request),
        principal=who,
        violation=selectors.violation_get(who, violation_id),
        driver_id_number=payload.driver_id_number,
    )
    return ViolationOut.build(selectors.violation_get(who, violation.public_id))


@router.post(
    "/violations/{violation_id}/pay",
    response=PayOut,
    auth=session_auth,
    summary="Pay the fine with WeChat Pay or Alipay: returns the code to scan",
)
def violation_pay(request: HttpRequest, violation_id: str, payload: PayIn) -> PayOut:
    who = principal(request)
    order, code_url = services.violation_pay(
        actor=actor(request),
        principal=who,
        violation=selectors.violation_get(who, violation_id),
        provider=payload.provider,
    )
    return PayOut(
        code_url=code_url,
        order_id=order.public_id,
        order_no=order.order_no,
        amount_fen=order.amount_fen,
    )


def _officer_command(
    request: HttpRequest, violation_id: str, payload: ReasonIn, command: Callable[..., Any]
) -> ViolationOut:
    """Contest, uphold or void: the same call with the officer's reason."""
    who = principal(request)
    v = command(
        actor=actor(request),
        principal=who,
        violation=selectors.violation_get(who, violation_id),
        reason=payload.reason,
    )
    return ViolationOut.build(selectors.violation_get(who, v.public_id))


@router.post(
    "/violations/{violation_id}/contest",
    response=ViolationOut,
    auth=session_auth,
    summary="Mark a record contested while it is checked (officers; R163 Art. 33)",
)
def violation_contest(request: HttpRequest, violation_id: str, payload: ReasonIn) -> ViolationOut:
    return _officer_command(request, violation_id, payload, services.violation_contest)


@router.post(
    "/violations/{violation_id}/uphold",
    response=ViolationOut,
    auth=session_auth,
    summary="The check upheld the record: open again (officers)",
)
def violation_uphold(request: HttpRequest, violation_id: str, payload: ReasonIn) -> ViolationOut:
    return _officer_command(request, violation_id, payload, services.violation_uphold)


@router.post(
    "/violations/{violation_id}/void",
    response=ViolationOut,
    auth=session_auth,
    summary="Void an unpaid record with the reason; its points go with it (officers; R163 Art. 16)",
)
def violation_void(request: HttpRequest, violation_id: str, payload: ReasonIn) -> ViolationOut:
    return _officer_command(request, violation_id, payload, services.violation_void)


@router.get(
    "/me/points",
    response=PointsOut,
    auth=session_auth,
    summary="My licence's points: the current cycle, its ledger and any full-score duty",
)
def my_points(request: HttpRequest) -> PointsOut:
    summary = selectors.points_summary(getattr(principal(request), "person_id", None))
    if summary is None:
        raise NotFound("no_licence", _("You have no driving licence on record"))
    return PointsOut.build(summary)
