"""Pages: the citizen's violations with confirm and pay (``/portal/violations/``), and the
officer's page to record and void (``/console/violations/``). A refusal is shown beside the
field it concerns, in the reader's language."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from jiaoguan.accounts.models import User
from jiaoguan.audit.services import Actor
from jiaoguan.kernel import clock
from jiaoguan.kernel.crypto import mask_name
from jiaoguan.kernel.errors import DomainError
from jiaoguan.kernel.money import Money
from jiaoguan.licensing.rules import TWELVE_POINT_OFFENCES
from jiaoguan.partners.client import PartnerClient
from jiaoguan.payments.selectors import receipts_for_purpose
from jiaoguan.payments.services import payment_poll
from jiaoguan.violations import selectors, services
from jiaoguan.violations.apps import PURPOSE_PREFIX
from jiaoguan.violations.constants import State

RECORD_FIELDS = (
    "plate_number",
    "occurred_at",
    "place",
    "region_code",
    "offence_code",
    "description",
    "citation",
    "points",
    "fine",
    "twelve_point_offence",
    "evidence_url",
    "evidence_sha256",
)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _error(exc: DomainError) -> tuple[str, str]:
    return exc.localised(get_language()), exc.field or ""


def _demo_pay(order_no: str, provider: str) -> None:
    """Demo only (DEBUG and JIAOGUAN_DEMO_SHOW_OTP): scan the code in the payment sandbox."""
    PartnerClient(gettext_lazy("The demo sandbox")).request(
        "POST",
        "/pay/sandbox/pay",
        {
            "provider": {"wechat": "wechatpay", "alipay": "alipay"}.get(provider, "wechatpay"),
            "out_trade_no": order_no,
        },
    )


def _citizen_action(request: HttpRequest, who: User, action: str) -> None:
    v = selectors.violation_get(who, request.POST.get("violation", "")[:64])
    actor = Actor.of(who)
    if action == "confirm":
        self_drove = request.POST.get("who") != "other"
        services.violation_confirm_driver(
            actor=actor,
            principal=who,
            violation=v,
            driver_id_number="" if self_drove else request.POST.get("driver_id_number", "")[:18],
        )
        return
    if action in ("pay_wechat", "pay_alipay"):
        _order, code_url = services.violation_pay(
            actor=actor, principal=who, violation=v, provider=action.removeprefix("pay_")
        )
        request.session[f"pay:{v.public_id}"] = code_url
        return
    if action not in ("check_payment", "demo_pay"):
        return
    order = services.violation_fee_order(actor=actor, principal=who, violation=v)
    if action == "demo_pay" and settings.DEMO_SHOW_OTP:
        _demo_pay(order.order_no, request.POST.get("provider", ""))
    elif action == "check_payment":
        payment_poll(actor=actor, order=order)


@login_required
def portal(request: HttpRequest) -> HttpResponse:
    """A citizen's violations (own vehicles, and as driver) with their points and fines."""
    who = _user(request)
    if who.kind != "citizen":
        raise Http404
    failed: dict[str, Any] = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            _citizen_action(request, who, action)
        except DomainError as exc:
            message, field = _error(exc)
            failed = {"violation": request.POST.get("violation", ""), "field": field}
            failed["message"] = message
        else:
            return redirect("violations:portal")
    rows = []
    for v in selectors.violations_for(who).order_by("-occurred_at", "-id")[:100]:
        party = selectors.is_party(who, v)
        key = str(v.public_id)
        rows.append(
            {
                "v": v,
                "fine": Money(v.fine_fen).yuan_str,
                # another person's name is masked, even to the owner who named them
                "driver_name": ""
                if v.driver is None
                else v.driver.name
                if party["driver"]
                else mask_name(v.driver.name),
                "can_confirm": party["owner"] and v.state == State.RECORDED,
                "can_pay": (party["owner"] or party["driver"])
                and v.state == State.DRIVER_CONFIRMED
                and v.fine_fen > 0,
                "code_url": request.session.get(f"pay:{key}", "")
                if v.state == State.DRIVER_CONFIRMED
                else "",
                "receipts": receipts_for_purpose(f"{PURPOSE_PREFIX}{key}"),
                "error": failed if failed.get("violation") == key else None,
            }
        )
    return render(
        request,
        "violations/portal.html",
        {
            "rows": rows,
            "points": selectors.points_summary(who.person_id),
            "demo": settings.DEMO_SHOW_OTP,
            "general_error": failed.get("message", "")
            if failed and not any(r["error"] for r in rows)
            else "",
        },
    )


def _parse_record(post: Any) -> dict[str, Any]:
    """The record form's values for ``violation_record`` (a malformed number or time is
    refused beside its field)."""
    try:
        occurred = dt.datetime.fromisoformat(post.get("occurred_at", "")[:32])
    except ValueError as exc:
        raise DomainError(
            "invalid_time", _("Enter the date and time of the violation"), field="occurred_at"
        ) from exc
    if occurred.tzinfo is None:
        occurred = occurred.replace(tzinfo=clock.SHANGHAI)
    try:
        points = int(post.get("points", "") or "0")
    except ValueError as exc:
        raise DomainError("invalid_points", _("Enter a whole number"), field="points") from exc
    try:
        fine = Money.from_yuan(post.get("fine", "").strip() or "0").fen
    except ValueError as exc:
        raise DomainError(
            "invalid_fine", _("Enter the fine in yuan, at most 2 decimals"), field="fine"
        ) from exc
    url = post.get("evidence_url", "").strip()[:500]
    digest = post.get("evidence_sha256", "").strip()[:64]
    return {
        "plate_number": post.get("plate_number", "")[:16],
        "occurred_at": occurred,
        "place": post.get("place", "")[:200],
        "region_code": post.get("region_code", "")[:6],
        "offence_code": post.get("offence_code", "")[:8],
        "description": post.get("description", "")[:300],
        "citation": post.get("citation", "")[:300],
        "points": points,
        "fine_fen": fine,
        "twelve_point_offence": post.get("twelve_point_offence", "")[:32],
        "evidence": [{"url": url, "sha256": digest}] if url or digest else [],
    }


#: Service field names shown under another name on the form.
_FORM_FIELD = {"fine_fen": "fine", "evidence": "evidence_url", "evidence.0.url": "evidence_url"}


@login_required
def console(request: HttpRequest) -> HttpResponse:
    """Officers: record a violation in their region, contest, uphold or void one."""
    who = _user(request)
    if not (
        who.has_perm("violations.record_violation") or who.has_perm("violations.view_violation")
    ):
        raise Http404
    errors: dict[str, str] = {}
    row_error: dict[str, str] = {}
    values = {name: request.POST.get(name, "") for name in RECORD_FIELDS}
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "record":
                services.violation_record(
                    actor=Actor.of(who), principal=who, **_parse_record(request.POST)
                )
            elif action in ("void", "contest", "uphold"):
                v = selectors.violation_get(who, request.POST.get("violation", "")[:64])
                command = getattr(services, f"violation_{action}")
                command(
                    actor=Actor.of(who),
                    principal=who,
                    violation=v,
                    reason=request.POST.get("reason", "")[:500],
                )
        except DomainError as exc:
            message, field = _error(exc)
            if action == "record":
                for p in exc.problems:
                    name = p.field or field
                    name = _FORM_FIELD.get(name, name.split(".")[0] if name else "")
                    errors.setdefault(name or "general", p.localised(get_language()))
                if not exc.problems:
                    errors[_FORM_FIELD.get(field, field) or "general"] = message
            else:
                row_error = {"violation": request.POST.get("violation", ""), "message": message}
        else:
            return redirect("violations:console")
    rows = list(selectors.violations_for(who).order_by("-id")[:50])
    selectors.log_reads(who, Actor.of(who), rows, purpose="console")
    return render(
        request,
        "violations/console.html",
        {
            "rows": [
                {
                    "v": v,
                    "fine": Money(v.fine_fen).yuan_str,
                    "error": row_error.get("message")
                    if row_error.get("violation") == str(v.public_id)
                    else "",
                }
                for v in rows
            ],
            "errors": errors,
            "values": values,
            "offences": sorted(TWELVE_POINT_OFFENCES.items()),
            "can_record": who.has_perm("violations.record_violation"),
            "can_void": who.has_perm("violations.void_violation"),
        },
    )
