"""Pages: the counter clerk starts a move-out and handles incoming archives (accept, register,
refuse); the owner sees the status of their transfers on the portal. The same services and
selectors as the API."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiaoguan.audit.services import Actor
from jiaoguan.exchange import sale, selectors, services
from jiaoguan.exchange.constants import Direction
from jiaoguan.exchange.forms import AcceptForm, MoveOutForm, OnlineStartForm, RejectForm
from jiaoguan.kernel.errors import DomainError, NotFound
from jiaoguan.registry.selectors import vehicles_for

_FIELDS = {"vehicle": "plate", "to_region": "to_region", "buyer_name": "buyer_name"}


def _permissions(user: Any) -> set[str]:
    return {p for p in (services.HANDLE_PERMISSION,) if user.has_perm(p)}


def _error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return render(
        request,
        "web/error.html",
        {"status": exc.status, "message": exc.localised(get_language())},
        status=exc.status,
    )


@login_required
def desk(request: HttpRequest) -> HttpResponse:
    """The clerk's desk: start a move-out, and the transfers of the clerk's region."""
    user: Any = request.user
    if not user.has_perm(services.HANDLE_PERMISSION):
        return _error(request, NotFound("not_found", _("Not found")))
    form = MoveOutForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        vehicle = vehicles_for(user).filter(plate__number=data["plate"].strip().upper()).first()
        if vehicle is None:
            form.add_error("plate", _("Vehicle not found"))
        else:
            try:
                transfer = services.transfer_out_start(
                    actor=Actor.of(user),
                    permissions=_permissions(user),
                    scope=user.region_scope,
                    vehicle=vehicle,
                    to_region=data["to_region"],
                    kind=data["kind"],
                    buyer_name=data["buyer_name"],
                    buyer_id_number=data["buyer_id_number"],
                    reason=data["note"],
                )
            except DomainError as exc:
                field = _FIELDS.get(exc.field or "")
                form.add_error(field, exc.localised(get_language()))
            else:
                return redirect("exchange:detail", transfer_id=transfer.public_id)
    transfers = list(selectors.transfers_for(user)[:100])
    scope = user.region_scope
    flagged = (
        list(sale.flagged_transfers(scope=scope).prefetch_related("events")[:50]) if scope else []
    )
    return render(
        request,
        "exchange/desk.html",
        {
            "form": form,
            "flagged": [(t, sale.flags_of(t)) for t in flagged],
            "incoming": [t for t in transfers if t.direction == Direction.IN],
            "outgoing": [t for t in transfers if t.direction == Direction.OUT],
        },
    )


@login_required
def detail(request: HttpRequest, transfer_id: str) -> HttpResponse:
    user: Any = request.user
    try:
        transfer = selectors.transfer_get(user, transfer_id)
    except NotFound as exc:
        return _error(request, exc)
    return render(
        request,
        "exchange/detail.html",
        {
            "t": transfer,
            "events": list(transfer.events.all()),
            "flags": sale.flags_of(transfer),
            "handed_over": transfer.events.filter(command="handover").exists(),
            "accept_form": AcceptForm(),
            "reject_form": RejectForm(),
            "clerk": user.has_perm(services.HANDLE_PERMISSION),
        },
    )


@login_required
@require_POST
def command(request: HttpRequest, transfer_id: str, name: str) -> HttpResponse:
    """accept / register / reject an incoming archive; handover on an outgoing sale."""
    user: Any = request.user
    try:
        transfer = selectors.transfer_get(user, transfer_id)
        common: dict[str, Any] = {
            "actor": Actor.of(user),
            "permissions": _permissions(user),
            "scope": user.region_scope or "",
            "transfer": transfer,
        }
        if name == "accept":
            form: Any = AcceptForm(request.POST)
            if not form.is_valid():
                raise DomainError("invalid_prefix", _("Give the authority prefix"), field="prefix")
            services.transfer_in_accept(**common, prefix=form.cleaned_data["authority"].strip())
        elif name == "register":
            services.transfer_in_register(**common)
        elif name == "handover":
            sale.sale_handover(**common)
        elif name == "reject":
            form = RejectForm(request.POST)
            if not form.is_valid():
                raise DomainError("reason_required", _("Give a reason"), field="reason")
            services.transfer_in_reject(**common, reason=form.cleaned_data["reason"])
        else:
            raise NotFound("not_found", _("Not found"))
    except DomainError as exc:
        return _error(request, exc)
    return redirect("exchange:detail", transfer_id=transfer.public_id)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """The owner's transfers and where each stands, and starting one online (a move-out or a
    sale of one's own vehicle; too many recent changes send it to a counter, R164 Art. 74)."""
    user: Any = request.user
    person = getattr(user, "person", None)
    own = list(vehicles_for(user).filter(status="normal")[:50]) if person is not None else []
    choices = [(str(v.public_id), v.plate.number if v.plate else v.vin) for v in own]
    form = OnlineStartForm(request.POST or None, vehicles=choices)
    status = 200
    if request.method == "POST" and person is not None and form.is_valid():
        data = form.cleaned_data
        vehicle = next(v for v in own if str(v.public_id) == data["vehicle"])
        try:
            sale.transfer_start_online(
                actor=Actor.of(user),
                person=person,
                vehicle=vehicle,
                to_region=data["to_region"],
                kind=data["kind"],
                buyer_name=data["buyer_name"],
                buyer_id_number=data["buyer_id_number"],
            )
        except DomainError as exc:
            field = exc.field if exc.field in form.fields else None
            form.add_error(field, exc.localised(get_language()))
            status = 422
        else:
            return redirect("exchange:mine")
    elif request.method == "POST":
        status = 422
    transfers = list(selectors.transfers_for(user).prefetch_related("events")[:50])
    return render(
        request,
        "exchange/mine.html",
        {"transfers": transfers, "form": form if own else None},
        status=status,
    )


# --- the station's foreign inspections (全国通检) -------------------------------------------


def _station_or_404(request: HttpRequest) -> Any:
    from jiaoguan.inspection.selectors import station_of

    return station_of(request.user)


@login_required
def station_foreign(request: HttpRequest) -> HttpResponse:
    """The station's bookings of vehicles from other provinces (check in, record the
    result) and its foreign inspections with the home province's answer."""
    user: Any = request.user
    station = _station_or_404(request)
    if station is None:
        return _error(
            request, NotFound("not_found", _("This page is for the staff of an inspection station"))
        )
    appointments = list(
        selectors.foreign_appointments_for(user)
        .filter(state__in=["booked", "checked_in"])
        .order_by("slot_start", "id")[:100]
    )
    inspections = list(selectors.foreign_inspections_for(user)[:100])
    return render(
        request,
        "exchange/station_foreign.html",
        {"station": station, "appointments": appointments, "inspections": inspections},
    )


@login_required
@require_POST
def station_foreign_command(request: HttpRequest, appointment_id: str, name: str) -> HttpResponse:
    """check_in / mark_no_show / cancel on a foreign booking, by the station."""
    user: Any = request.user
    if name not in ("check_in", "mark_no_show", "cancel"):
        return _error(request, NotFound("not_found", _("Not found")))
    try:
        appt = selectors.foreign_appointment_get(user, appointment_id)
        services.foreign_appointment_transition(
            actor=Actor.of(user), principal=user, appointment=appt, command=name
        )
    except DomainError as exc:
        return _error(request, exc)
    if name == "check_in":
        return redirect("exchange:station_result", appointment_id=appt.public_id)
    return redirect("exchange:station_foreign")


@login_required
def station_result(request: HttpRequest, appointment_id: str) -> HttpResponse:
    """Record the result of a checked-in foreign booking, item by item; it goes home."""
    from jiaoguan.inspection.constants import InspectionItem
    from jiaoguan.inspection.forms import ResultForm

    user: Any = request.user
    if _station_or_404(request) is None:
        return _error(
            request, NotFound("not_found", _("This page is for the staff of an inspection station"))
        )
    try:
        appt = selectors.foreign_appointment_get(user, appointment_id)
    except DomainError as exc:
        return _error(request, exc)
    form = ResultForm(request.POST or None, items=list(InspectionItem.values))
    if request.method == "POST" and form.is_valid():
        try:
            services.foreign_inspection_record(
                actor=Actor.of(user),
                principal=user,
                home_province=appt.home_province,
                plate_number=appt.plate_number,
                vin=appt.vin,
                vehicle_class=appt.vehicle_class,
                items=form.result_items(),
                inspector=form.cleaned_data["inspector"],
                appointment=appt,
            )
            return redirect("exchange:station_result", appointment_id=appt.public_id)
        except DomainError as exc:
            field = (exc.field or "").removeprefix("items.")
            if exc.code in ("fix_required", "fix_too_long"):
                field = f"{field}_fix"
            form.add_error(field if field in form.fields else None, exc.localised(get_language()))
        appt = selectors.foreign_appointment_get(user, appointment_id)
    labels = dict(InspectionItem.choices)
    shown = (
        [
            (labels[i], appt.inspection.items[i])
            for i in InspectionItem.values
            if i in appt.inspection.items
        ]
        if appt.inspection
        else []
    )
    return render(
        request,
        "exchange/station_result.html",
        {"appt": appt, "form": form, "items": shown, "recordable": appt.state == "checked_in"},
    )


# --- the citizen books for a vehicle of another province -----------------------------------

_BOOK_FIELDS = {
    "vin": "vin",
    "plate_number": "plate_number",
    "vehicle_class": "vehicle_class",
    "home_province": "home_province",
    "station": "station",
    "owner_id_number": "owner_id_number",
}


@login_required
def foreign_book(request: HttpRequest) -> HttpResponse:
    """全国通检: book a slot at a station here for a vehicle registered in another province,
    and the bookings made so far with their results."""
    import datetime as dt

    from jiaoguan.exchange.forms import ForeignBookForm
    from jiaoguan.exchange.models import Peer
    from jiaoguan.inspection import selectors as inspection_selectors
    from jiaoguan.inspection import views as inspection_views
    from jiaoguan.kernel import clock

    user: Any = request.user
    stations = list(
        inspection_selectors.stations_public().order_by("organisation__region_code", "id")
    )
    provinces = [
        (p.province_code, f"{p.province_code} {p.name}".strip())
        for p in Peer.objects.filter(active=True).order_by("province_code")
    ]
    data = request.POST if request.method == "POST" else (request.GET or None)
    form = ForeignBookForm(
        data,
        stations=[(str(s.public_id), s.organisation.name) for s in stations],
        provinces=provinces,
        initial={"date": clock.today() + dt.timedelta(days=1)},
    )
    station = None
    slots: list[Any] = []
    slot_errors: list[str] = []
    if data is not None and form.is_valid():
        station = next(s for s in stations if str(s.public_id) == form.cleaned_data["station"])
        slots = inspection_selectors.station_slots(station, form.cleaned_data["date"])
        if request.method == "POST":
            start = inspection_views.chosen_slot(request)
            if start is None:
                slot_errors.append(_("Choose a time"))
            else:
                d = form.cleaned_data
                try:
                    services.foreign_appointment_book(
                        actor=Actor.of(user),
                        principal=user,
                        station=station,
                        slot_start=start,
                        home_province=d["home_province"],
                        plate_number=d["plate_number"].strip().upper(),
                        vin=d["vin"].strip().upper(),
                        vehicle_class=d["vehicle_class"],
                        owner_id_number=d["owner_id_number"].strip(),
                    )
                    return redirect("exchange:foreign_book")
                except DomainError as exc:
                    if exc.field == "slot_start":
                        slot_errors.append(exc.localised(get_language()))
                    else:
                        field = _BOOK_FIELDS.get(exc.field or "")
                        form.add_error(field, exc.localised(get_language()))
    bookings = list(selectors.foreign_appointments_for(user)[:50])
    return render(
        request,
        "exchange/foreign_book.html",
        {
            "form": form,
            "station": station,
            "slots": [s for s in slots if s.remaining],
            "slot_errors": slot_errors,
            "bookings": bookings,
        },
    )
