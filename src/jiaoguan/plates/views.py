"""Pages of plate selection: the citizen's portal page, the kiosk's touch variant, the
dealer's desk for a buyer, the staff console (pools, batches, reservations) and the public
verification page. Every write goes through ``plates.services``; a refusal is shown beside
its field."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from jiaoguan.accounts.constants import AccountKind
from jiaoguan.accounts.models import User
from jiaoguan.audit.services import Actor
from jiaoguan.kernel import clock
from jiaoguan.kernel.errors import DomainError, NotFound
from jiaoguan.plates import selectors, services
from jiaoguan.plates.api import compose_refusal, grant_right
from jiaoguan.plates.constants import PoolKind, ReservationState
from jiaoguan.plates.models import SelectionRight
from jiaoguan.registry.models import Person

Errors = dict[str, list[str]]
SELECT_FIELDS = frozenset({"number", "serial", "right"})
GRANT_FIELDS = frozenset({"id_number", "vin", "prefix", "kind"})
CONSOLE_FIELDS = frozenset({"prefix", "kind", "label", "pattern"})


def _add(errors: Errors, exc: DomainError, known: frozenset[str] = frozenset()) -> None:
    """File each problem beside its field when the page shows that field, else at the top."""
    lang = get_language()
    for p in exc.problems:
        name = p.field or exc.field or "form"
        errors.setdefault(name if name in known else "form", []).append(p.localised(lang))


def _selection_context(right: SelectionRight, acting: services.Acting) -> dict[str, Any]:
    policy = services.current_policy()
    draw = selectors.latest_draw(right)
    now = clock.now()
    seconds_left = int((draw.expires_at - now).total_seconds()) if draw else 0
    return {
        "right": right,
        "channel": acting.channel,
        "draw": draw,
        "draw_open": bool(draw and seconds_left > 0 and right.state == "open"),
        "seconds_left": max(0, seconds_left),
        "draws_left": max(0, policy.draws_per_right - right.draws_used),
        "compose_left": max(0, policy.compose_attempts - right.compose_attempts_used),
        "reservation": selectors.live_reservation(right),
        "selection_block": selectors.block_of(right.person)
        if acting.channel in policy.blocked_channels
        else None,
        "kind_label": PoolKind(right.kind).label,
        "policy": policy,
    }


def _act(request: HttpRequest, right: SelectionRight, acting: services.Acting) -> Errors:
    """Do what the form asks: draw, pick or compose. Returns the errors by field."""
    errors: Errors = {}
    action = request.POST.get("action", "")
    try:
        if action == "draw":
            services.draw_make(acting=acting, right=right)
        elif action == "pick":
            draw = selectors.latest_draw(right)
            if draw is None:
                raise NotFound("not_found", _("No such draw"), field="number")
            services.plate_pick(
                acting=acting, right=right, draw=draw, number=request.POST.get("number", "")
            )
            messages.success(request, _("The number is held for you"))
        elif action == "compose":
            outcome = services.plate_compose(
                acting=acting, right=right, serial=request.POST.get("serial", "")
            )
            if outcome.reservation is None:
                raise compose_refusal(outcome)
            messages.success(request, _("The number is held for you"))
        elif action == "release":
            held = selectors.live_reservation(right)
            if held is None or held.state != ReservationState.ACTIVE:
                raise NotFound("not_found", _("No such reservation"), field="right")
            services.plate_release(acting=acting, reservation=held)
            messages.success(request, _("The number is given up and back in the pool"))
        else:
            errors["form"] = [_("Choose what to do")]
    except DomainError as exc:
        _add(errors, exc, SELECT_FIELDS)
    return errors


def _select(
    request: HttpRequest,
    right: SelectionRight,
    acting: services.Acting,
    *,
    template: str,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    errors: Errors = {}
    if request.method == "POST":
        errors = _act(request, right, acting)
        if not errors:
            return redirect(request.path)
        right.refresh_from_db()
    context = _selection_context(right, acting)
    context.update(extra or {})
    context["errors"] = errors
    context["serial_value"] = request.POST.get("serial", "") if errors else ""
    return render(request, template, context, status=422 if errors else 200)


def _right_or_404(request: HttpRequest, right_id: str, **kw: Any) -> tuple[SelectionRight, Any]:
    try:
        right = selectors.right_get(right_id)
        return right, selectors.acting_for(request.user, right, **kw)
    except DomainError as exc:
        raise Http404 from exc


# ---- citizen ------------------------------------------------------------------------------------


def _person(request: HttpRequest) -> Person:
    user = request.user
    if not isinstance(user, User) or user.kind != AccountKind.CITIZEN or user.person is None:
        raise Http404
    return user.person


@login_required
@require_GET
def portal_rights(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    rights = list(selectors.rights_of_person(person)[:20])
    return render(
        request,
        "plates/rights.html",
        {
            "rights": rights,
            "selection_block": selectors.block_of(person),
            "detail": "plates:portal_select",
        },
    )


@login_required
@never_cache
def portal_select(request: HttpRequest, right_id: str) -> HttpResponse:
    _person(request)
    right, acting = _right_or_404(request, right_id)
    return _select(request, right, acting, template="plates/select.html")


# ---- kiosk (touch, no keyboard) -----------------------------------------------------------------


def _kiosk(request: HttpRequest) -> tuple[User, Person]:
    from jiaoguan.cases import kiosk

    try:
        device = kiosk.kiosk_device(request.user)
    except DomainError as exc:
        raise Http404 from exc
    holder = kiosk._kiosk_holder(request, device)
    if holder is None:
        raise Http404
    return device, holder


def _kiosk_context(device: User) -> dict[str, Any]:
    from jiaoguan.cases import kiosk

    return {"kiosk": kiosk.kiosk_id(device), "idle": kiosk.IDLE_SECONDS, "holder": True}


@login_required
@never_cache
def kiosk_rights(request: HttpRequest) -> HttpResponse:
    device, holder = _kiosk(request)
    rights = list(selectors.rights_of_person(holder).filter(state="open")[:10])
    context = _kiosk_context(device)
    context.update(rights=rights)
    return render(request, "plates/kiosk_rights.html", context)


@login_required
@never_cache
def kiosk_select(request: HttpRequest, right_id: str) -> HttpResponse:
    device, holder = _kiosk(request)
    right, acting = _right_or_404(request, right_id, kiosk_holder=holder)
    if request.method == "POST" and request.POST.get("action") == "compose":
        raise Http404  # composing needs a keyboard: not offered on the kiosk
    return _select(
        request, right, acting, template="plates/kiosk_select.html", extra=_kiosk_context(device)
    )


# ---- dealer, for a buyer ------------------------------------------------------------------------


@login_required
def dealer_desk(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not selectors.is_dealer_agent(user):
        raise Http404
    errors: Errors = {}
    if request.method == "POST":
        try:
            right = grant_right(
                user,
                Actor.of(user),  # type: ignore[arg-type]
                id_number=request.POST.get("id_number", ""),
                vin=request.POST.get("vin", ""),
                prefix=request.POST.get("prefix", ""),
                kind=request.POST.get("kind", ""),
            )
        except DomainError as exc:
            _add(errors, exc, GRANT_FIELDS)
        else:
            return redirect("plates:dealer_select", right_id=right.public_id)
    rights = list(selectors.rights_of_dealer(user)[:50])  # type: ignore[arg-type]
    return render(
        request,
        "plates/dealer.html",
        {
            "rights": rights,
            "errors": errors,
            "kinds": PoolKind.choices,
            "values": request.POST if errors else {},
            "detail": "plates:dealer_select",
        },
        status=422 if errors else 200,
    )


@login_required
@never_cache
def dealer_select(request: HttpRequest, right_id: str) -> HttpResponse:
    if not selectors.is_dealer_agent(request.user):
        raise Http404
    right, acting = _right_or_404(request, right_id)
    return _select(request, right, acting, template="plates/select.html", extra={"dealer": True})


# ---- staff console ------------------------------------------------------------------------------


@login_required
def console(request: HttpRequest) -> HttpResponse:
    """Pools, batches and reservations of the staff member's region; managers create pools and
    batches and release them, clerks confirm held numbers."""
    user = request.user
    if not (selectors.is_manager(user) or selectors.is_clerk(user)):
        raise Http404
    errors: Errors = {}
    if request.method == "POST":
        errors = _console_act(request, user)  # type: ignore[arg-type]
        if not errors:
            return redirect("plates:console")
    pools = list(selectors.pools_for(user).prefetch_related("batches"))
    state = request.GET.get("state", ReservationState.ACTIVE)
    reservations = list(selectors.reservations_for(user, state=state)[:100])
    return render(
        request,
        "plates/console.html",
        {
            "pools": pools,
            "reservations": reservations,
            "state": state,
            "states": ReservationState.choices,
            "kinds": PoolKind.choices,
            "errors": errors,
            "values": request.POST if errors else {},
            "manager": selectors.is_manager(user),
            "clerk": selectors.is_clerk(user),
        },
        status=422 if errors else 200,
    )


def _console_act(request: HttpRequest, user: User) -> Errors:
    errors: Errors = {}
    action = request.POST.get("action", "")
    actor = Actor.of(user)
    try:
        if action in ("pool", "batch", "release") and not selectors.is_manager(user):
            raise NotFound("not_found", _("You may not do this"))
        if action == "pool":
            services.pool_create(
                actor=actor,
                prefix=request.POST.get("prefix", ""),
                kind=request.POST.get("kind", ""),
                scope=user.region_scope,
            )
        elif action == "batch":
            pool = selectors.pool_get(user, request.POST.get("pool", ""))
            services.batch_create(
                actor=actor,
                pool=pool,
                label=request.POST.get("label", ""),
                pattern=request.POST.get("pattern", "").strip().upper(),
            )
        elif action == "release":
            batch = selectors.batch_get(user, request.POST.get("batch", ""))
            services.batch_release(actor=actor, batch=batch)
        elif action == "confirm" and selectors.is_clerk(user):
            reservation = selectors.reservation_get(user, request.POST.get("reservation", ""))
            plate = services.plate_confirm(actor=actor, reservation=reservation)
            messages.success(request, _("Plate %(number)s issued") % {"number": plate.number})
        else:
            errors["form"] = [_("Choose what to do")]
    except DomainError as exc:
        _add(errors, exc, CONSOLE_FIELDS)
    return errors


# ---- public verification ------------------------------------------------------------------------


@require_GET
def verify(request: HttpRequest) -> HttpResponse:
    """Anyone recomputes a draw from the published batch lists, the draw record and the
    revealed seed."""
    right_id = request.GET.get("right", "").strip()
    attempt_raw = request.GET.get("attempt", "").strip()
    errors: Errors = {}
    check = None
    if right_id or attempt_raw:
        if not attempt_raw.isdigit() or not 1 <= int(attempt_raw) <= 1000:
            errors["attempt"] = [_("Give the draw number (1, 2, …)")]
        else:
            try:
                check = selectors.draw_check(right_id, int(attempt_raw))
            except DomainError:
                errors["right"] = [_("No draw with this selection number and draw number")]
    batches = list(selectors.published_batches().order_by("-announced_at")[:20])
    return render(
        request,
        "plates/verify.html",
        {
            "check": check,
            "errors": errors,
            "right_id": right_id,
            "attempt": attempt_raw,
            "batches": batches,
        },
        status=422 if errors else 200,
    )
