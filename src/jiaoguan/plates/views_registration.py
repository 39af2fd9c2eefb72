"""Pages of the new-vehicle registration with its number: the citizen's portal form, the
counter clerk's form and selection page, the dealer's form for a buyer; the portal's number
swap; the staff list of plate orders. Every write goes through ``plates.registration`` or
``plates.keeping``; a refusal is shown beside its field."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from jiaoguan.audit.services import Actor
from jiaoguan.kernel.errors import DomainError
from jiaoguan.plates import keeping, registration, selectors
from jiaoguan.plates.api_registration import start_for
from jiaoguan.plates.views import Errors, _add, _person, _right_or_404, _select
from jiaoguan.registry.constants import Fuel, VehicleClass, VehicleStatus, VehicleUse

REGISTER_FIELDS = frozenset({"id_number", "keep_vehicle", *registration.VEHICLE_FIELDS})


def _register(request: HttpRequest, *, template_extra: dict[str, Any], detail: str) -> HttpResponse:
    user = request.user
    errors: Errors = {}
    if request.method == "POST":
        facts = {name: request.POST.get(name, "") for name in registration.VEHICLE_FIELDS}
        vin = facts.pop("vin")
        try:
            keep = request.POST.get("keep_vehicle", "")
            if keep:
                person = _person(request)
                app, right = registration.registration_start(
                    actor=Actor.of(user),  # type: ignore[arg-type]
                    applicant=person,
                    channel="online",
                    vin=vin,
                    facts=facts,
                    keep_vehicle=keep,
                )
            else:
                app, right = start_for(
                    user,
                    Actor.of(user),  # type: ignore[arg-type]
                    id_number=request.POST.get("id_number", ""),
                    vin=vin,
                    facts=facts,
                )
        except DomainError as exc:
            _add(errors, exc, REGISTER_FIELDS)
        else:
            messages.success(
                request,
                _("Application %(case)s started: now choose the number")
                % {"case": app.case_number},
            )
            return redirect(detail, right_id=right.public_id)
    context = {
        "errors": errors,
        "values": request.POST if errors else {},
        "classes": VehicleClass.choices,
        "uses": VehicleUse.choices,
        "fuels": Fuel.choices,
        **template_extra,
    }
    return render(request, "plates/register.html", context, status=422 if errors else 200)


@login_required
def portal_register(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    released = list(
        person.vehicles.filter(status=VehicleStatus.DEREGISTERED, plate__isnull=False)
        .select_related("plate")
        .order_by("-updated_at")[:10]
    )
    return _register(
        request,
        template_extra={"keepable": released, "buyer": False},
        detail="plates:portal_select",
    )


@login_required
def console_register(request: HttpRequest) -> HttpResponse:
    if not selectors.is_clerk(request.user):
        raise Http404
    return _register(request, template_extra={"buyer": True}, detail="plates:console_select")


@login_required
def dealer_register(request: HttpRequest) -> HttpResponse:
    if not selectors.is_dealer_agent(request.user):
        raise Http404
    return _register(request, template_extra={"buyer": True}, detail="plates:dealer_select")


@login_required
@never_cache
def console_select(request: HttpRequest, right_id: str) -> HttpResponse:
    """A counter clerk selects with the applicant at the window (hall: 50 candidates)."""
    if not selectors.is_clerk(request.user):
        raise Http404
    right, acting = _right_or_404(request, right_id)
    return _select(request, right, acting, template="plates/select.html", extra={"counter": True})


@login_required
def portal_swap(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    errors: Errors = {}
    if request.method == "POST":
        try:
            a = keeping.own_vehicle(person, request.POST.get("vehicle_a", ""), field="vehicle_a")
            b = keeping.own_vehicle(person, request.POST.get("vehicle_b", ""), field="vehicle_b")
            swap = keeping.number_swap(
                actor=Actor.of(request.user),  # type: ignore[arg-type]
                owner=person,
                vehicle_a=a,
                vehicle_b=b,
            )
        except DomainError as exc:
            _add(errors, exc, frozenset({"vehicle_a", "vehicle_b"}))
        else:
            messages.success(
                request,
                _("Numbers swapped: %(a)s and %(b)s") % {"a": swap.number_a, "b": swap.number_b},
            )
            return redirect("plates:portal_swap")
    vehicles = list(
        person.vehicles.filter(status=VehicleStatus.NORMAL, plate__isnull=False)
        .select_related("plate")
        .order_by("id")
    )
    return render(
        request,
        "plates/swap.html",
        {"vehicles": vehicles, "errors": errors, "values": request.POST if errors else {}},
        status=422 if errors else 200,
    )


@login_required
def console_orders(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not (selectors.is_manager(user) or selectors.is_clerk(user)):
        raise Http404
    errors: Errors = {}
    if request.method == "POST":
        try:
            order = selectors.order_get(user, request.POST.get("order", ""))
            registration.plate_order_advance(
                actor=Actor.of(user),  # type: ignore[arg-type]
                order=order,
                command=request.POST.get("command", ""),
            )
        except DomainError as exc:
            _add(errors, exc)
        else:
            return redirect("plates:console_orders")
    orders = list(selectors.orders_for(user)[:100])
    return render(
        request,
        "plates/orders.html",
        {"orders": orders, "errors": errors},
        status=422 if errors else 200,
    )
