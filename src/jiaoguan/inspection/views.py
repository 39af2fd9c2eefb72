"""Pages: the owner books a station slot from the portal and sees their appointments; the
station's desk lists the day's visits, checks vehicles in (booked or walk-in) and records
results item by item. The same services and selectors as the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiaoguan.audit.services import Actor
from jiaoguan.inspection import selectors, services
from jiaoguan.inspection.constants import InspectionItem, Outcome
from jiaoguan.inspection.forms import BookForm, ResultForm, WalkInForm
from jiaoguan.inspection.models import Appointment
from jiaoguan.kernel import clock
from jiaoguan.kernel.errors import DomainError, NotFound
from jiaoguan.registry import selectors as registry_selectors


def _error(request: HttpRequest, exc: DomainError, status: int | None = None) -> HttpResponse:
    return render(
        request,
        "web/error.html",
        {"status": status or exc.status, "message": exc.localised(get_language())},
        status=status or exc.status,
    )


def _place(form: Any, exc: DomainError, names: dict[str, str]) -> None:
    """Show a refusal beside the field it concerns (at the top when no field shows it)."""
    field = names.get(exc.field or "", exc.field)
    form.add_error(field if field in form.fields else None, exc.localised(get_language()))


# --- the owner --------------------------------------------------------------------------------


def chosen_slot(request: HttpRequest) -> dt.datetime | None:
    """The slot chosen on a booking page (an ISO time with its offset), or None."""
    try:
        start = dt.datetime.fromisoformat(request.POST.get("slot", "")[:40])
    except ValueError:
        return None
    return start if start.tzinfo is not None else None


@login_required
def book(request: HttpRequest, vehicle_id: str) -> HttpResponse:
    user: Any = request.user
    try:
        vehicle = registry_selectors.vehicle_get(user, vehicle_id)
    except NotFound as exc:
        return _error(request, exc)
    schedule = selectors.vehicle_schedule(vehicle)
    stations = list(selectors.stations_public().order_by("organisation__region_code", "id"))
    data = request.POST if request.method == "POST" else (request.GET or None)
    form = BookForm(
        data,
        stations=[(str(s.public_id), s.organisation.name) for s in stations],
        initial={"date": clock.today() + dt.timedelta(days=1)},
    )
    slots: list[selectors.Slot] = []
    station = None
    slot_errors: list[str] = []
    if data is not None and form.is_valid():
        station = next(s for s in stations if str(s.public_id) == form.cleaned_data["station"])
        slots = selectors.station_slots(station, form.cleaned_data["date"])
        if request.method == "POST":
            start = chosen_slot(request)
            if start is None:
                slot_errors.append(_("Choose a time"))
            else:
                try:
                    services.appointment_book(
                        actor=Actor.of(user),
                        principal=user,
                        vehicle=vehicle,
                        station=station,
                        slot_start=start,
                    )
                    return redirect("inspection:mine")
                except DomainError as exc:
                    if exc.field == "slot_start":
                        slot_errors.append(exc.localised(get_language()))
                    else:
                        _place(form, exc, {"vehicle": ""})
    return render(
        request,
        "inspection/book.html",
        {
            "vehicle": vehicle,
            "schedule": schedule,
            "form": form,
            "station": station,
            "slots": [s for s in slots if s.remaining],
            "slot_errors": slot_errors,
        },
    )


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    appointments = selectors.appointments_for(request.user).order_by("-id")[:50]
    return render(request, "inspection/mine.html", {"appointments": appointments})


@login_required
@require_POST
def cancel(request: HttpRequest, appointment_id: str) -> HttpResponse:
    try:
        appt = selectors.appointment_get(request.user, appointment_id)
        services.appointment_transition(
            actor=Actor.of(request.user),  # type: ignore[arg-type]
            principal=request.user,
            appointment=appt,
            command="cancel",
        )
    except DomainError as exc:
        return _error(request, exc)
    return redirect("inspection:mine")


# --- the station's desk -----------------------------------------------------------------------


def _not_station() -> NotFound:
    return NotFound("not_found", _("This page is for the staff of an inspection station"))


@login_required
def desk(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    station = selectors.station_of(user)
    if station is None:
        return _error(request, _not_station(), 404)
    form = WalkInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        vehicle = selectors.vehicle_by_number(form.cleaned_data["number"])
        if vehicle is None:
            form.add_error("number", _("No vehicle with this plate number or VIN"))
        else:
            try:
                appt = services.walk_in_check_in(
                    actor=Actor.of(user), principal=user, vehicle=vehicle
                )
                return redirect("inspection:result", appointment_id=appt.public_id)
            except DomainError as exc:
                _place(form, exc, {"vehicle": "number", "station": "number"})
    day = list(selectors.station_day(station, clock.today()))
    return render(
        request,
        "inspection/desk.html",
        {"station": station, "day": day, "form": form, "today": clock.today()},
    )


@login_required
@require_POST
def desk_command(request: HttpRequest, appointment_id: str, command: str) -> HttpResponse:
    try:
        appt = selectors.appointment_get(request.user, appointment_id)
        services.appointment_transition(
            actor=Actor.of(request.user),  # type: ignore[arg-type]
            principal=request.user,
            appointment=appt,
            command=command,
        )
    except DomainError as exc:
        return _error(request, exc)
    if command == "check_in":
        return redirect("inspection:result", appointment_id=appt.public_id)
    return redirect("inspection:desk")


def _items_to_examine(appt: Appointment) -> list[str]:
    last = appt.results.order_by("-id").first()
    if last is not None and last.outcome == Outcome.FAIL:
        return [k for k in InspectionItem.values if last.items.get(k, {}).get("outcome") == "fail"]
    return list(InspectionItem.values)


@login_required
def result(request: HttpRequest, appointment_id: str) -> HttpResponse:
    user: Any = request.user
    try:
        appt = selectors.appointment_get(user, appointment_id)
    except DomainError as exc:
        return _error(request, exc)
    if selectors.station_of(user) is None:
        return _error(request, _not_station(), 404)
    items = _items_to_examine(appt)
    form = ResultForm(request.POST or None, items=items)
    if request.method == "POST" and form.is_valid():
        try:
            services.inspection_result_record(
                actor=Actor.of(user),
                principal=user,
                appointment=appt,
                items=form.result_items(),
                inspector=form.cleaned_data["inspector"],
            )
            return redirect("inspection:result", appointment_id=appt.public_id)
        except DomainError as exc:
            field = (exc.field or "").removeprefix("items.")
            if exc.code in ("fix_required", "fix_too_long"):
                field = f"{field}_fix"
            form.add_error(field if field in form.fields else None, exc.localised(get_language()))
    results = list(appt.results.order_by("id"))
    labels = dict(InspectionItem.choices)
    shown = [  # each result's items in the order of the inspection
        (r, [(labels[i], r.items[i]) for i in InspectionItem.values if i in r.items])
        for r in results
    ]
    recordable = appt.state == "checked_in" or (
        appt.state == "done" and results and results[-1].outcome == Outcome.FAIL
    )
    return render(
        request,
        "inspection/result.html",
        {
            "appt": appt,
            "form": form,
            "results": shown,
            "recordable": recordable,
        },
    )
