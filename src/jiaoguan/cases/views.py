from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiaoguan.accounts.models import User
from jiaoguan.audit.services import Actor
from jiaoguan.cases import rules, selectors, services, uploads, window
from jiaoguan.cases.apps import PURPOSE_PREFIX
from jiaoguan.cases.constants import Delivery, OutOfOrderReason, State
from jiaoguan.cases.effects import DELIVERABLE_EFFECTS, PHYSICAL_EFFECTS
from jiaoguan.cases.models import Application, CatalogueEntry
from jiaoguan.kernel import clock
from jiaoguan.kernel.errors import DomainError
from jiaoguan.partners.client import PartnerClient
from jiaoguan.payments.selectors import receipts_for_purpose
from jiaoguan.payments.services import payment_poll, payment_start
from jiaoguan.registry.models import Person, Vehicle

CHECK_STATUS = {
    "ok": gettext_lazy("passed"),
    "failed": gettext_lazy("not passed"),
    "pending": gettext_lazy("waiting for the data link"),
}


def _parse_time(text: str) -> dt.datetime | str:
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return text


def _demo_sandbox(path: str, body: dict[str, Any]) -> None:
    """Demo only (DEBUG and JIAOGUAN_DEMO_SHOW_OTP): do what the citizen's phone or ID card
    would do, through the sandbox's control endpoints."""
    PartnerClient(gettext_lazy("The demo sandbox")).request("POST", path, body)


def _user(request: HttpRequest) -> User:
    """The signed-in account (views here are behind login_required)."""
    assert isinstance(request.user, User)
    return request.user


def _english() -> bool:
    return (get_language() or "").startswith("en")


def _person(request: HttpRequest) -> Any:
    person = _user(request).person
    if person is None:
        raise Http404
    return person


def _offered(person: Person, *, region_code: str, channel: str) -> list[dict[str, Any]]:
    """The business ``person`` can start today in ``region_code`` through ``channel``: one row
    per business type, or per own vehicle for vehicle business."""
    english = _english()
    vehicles: list[Vehicle] | None = None
    offered: list[dict[str, Any]] = []
    for entry in services.catalogue_in_force(on=clock.today(), region_code=region_code):
        if channel not in entry.channels or entry.business_type.code in services.DEDICATED_START:
            continue
        subjects: list[Vehicle | None] = [None]
        if entry.subject_type == "vehicle":
            if vehicles is None:
                vehicles = list(person.vehicles.select_related("plate"))
            subjects = list(vehicles)
        for vehicle in subjects:
            offered.append(
                {
                    "code": entry.business_type.code,
                    "vehicle": vehicle,
                    "name": entry.business_type.name_en if english else entry.business_type.name_zh,
                    "fee": sum(int(f["amount_fen"]) for f in entry.fees) / 100,
                    "days": entry.time_limit_working_days,
                    "materials": [m["name_en" if english else "name_zh"] for m in entry.materials],
                }
            )
    return offered


@login_required
def apply_list(request: HttpRequest) -> HttpResponse:
    """The business a citizen can start online today, where they live."""
    person = _person(request)
    offered = _offered(person, region_code=person.region_code, channel="online")
    mine = selectors.applications_for(_user(request)).order_by("-id")[:20]
    return render(request, "cases/apply_list.html", {"offered": offered, "mine": mine})


@login_required
@require_POST
def apply_start(request: HttpRequest, code: str) -> HttpResponse:
    try:
        app = services.application_start(
            actor=Actor.of(_user(request)),
            applicant=_person(request),
            business_type=code,
            channel="online",
            subject_ref=request.POST.get("subject_id", "")[:64],
        )
    except DomainError as exc:
        return render(
            request,
            "web/error.html",
            {"status": 422, "message": exc.localised(get_language())},
            status=422,
        )
    return redirect("cases:detail", public_id=app.public_id)


#: How each form field is labelled on pages (kiosk, outlet, application page).
FORM_LABELS = {
    "name": gettext_lazy("Name"),
    "id_number_masked": gettext_lazy("ID number"),
    "phone": gettext_lazy("Phone"),
    "address": gettext_lazy("Address"),
    "plate": gettext_lazy("Plate number"),
    "vin": gettext_lazy("VIN"),
    "classes": gettext_lazy("Licence classes"),
    "term": gettext_lazy("Term"),
    "valid_until": gettext_lazy("Valid until"),
    "inspection_valid_until": gettext_lazy("Inspection valid until"),
    "keep_classes": gettext_lazy("Classes to keep"),
    "delivery_address": gettext_lazy("Postal address"),
    "new_name": gettext_lazy("Your name as now registered"),
    "until": gettext_lazy("Deferred until"),
}


def _editable(app: Application) -> dict[str, Any]:
    """What the applicant may change, with the choices the rule allows."""
    code = app.business_type.code
    fields: dict[str, Any] = {}
    if code == "contact_change":
        fields.update(phone=app.form.get("phone", ""), address=app.form.get("address", ""))
    if code == "licence_downgrade":
        fields["keep_classes"] = sorted(rules.permitted_classes(app.form.get("classes", [])))
    if code == "licence_detail_change":
        fields["new_name"] = app.form.get("new_name", "")
    if code == "age_downgrade":
        fields["small_class"] = [("C1", _("C1 small car")), ("C2", _("C2 small automatic car"))]
    if code.endswith("_deferral"):
        fields["reason"] = [
            ("military_service", _("Military service")),
            ("abroad", _("Time abroad")),
            ("other", _("Other reason (judged by a reviewer)")),
        ]
        fields["until"] = app.form.get("until", "")
    if app.catalogue_entry.effect in DELIVERABLE_EFFECTS:
        choices = [
            c
            for c in Delivery.choices
            if not (app.catalogue_entry.effect in PHYSICAL_EFFECTS and c[0] == Delivery.ELECTRONIC)
        ]
        fields.update(delivery=choices, delivery_address=app.applicant.address)
    return fields


@login_required
def detail(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        app = selectors.application_get(_user(request), public_id)
    except DomainError as exc:
        raise Http404 from exc
    error = error_field = ""
    if request.method == "POST":
        who = _user(request)
        try:
            action = request.POST.get("action")
            if action == "demo_pay" and settings.DEMO_SHOW_OTP:
                _demo_sandbox(
                    "/pay/sandbox/pay",
                    {
                        "provider": {"wechat": "wechatpay", "alipay": "alipay"}.get(
                            request.POST.get("provider", ""), "wechatpay"
                        ),
                        "out_trade_no": services.application_fee_order(
                            actor=Actor.of(who), application=app
                        ).order_no,
                    },
                )
                return redirect("cases:detail", public_id=app.public_id)
            if action in ("pay_wechat", "pay_alipay", "check_payment"):
                order = services.application_fee_order(actor=Actor.of(who), application=app)
                if action == "check_payment":
                    payment_poll(actor=Actor.of(who), order=order)
                else:
                    code_url = payment_start(
                        actor=Actor.of(who), order=order, provider=action.removeprefix("pay_")
                    )
                    request.session[f"pay:{app.public_id}"] = code_url
                return redirect("cases:detail", public_id=app.public_id)
            if request.POST.get("action") == "hand_over":
                app = services.application_transition(
                    actor=Actor.of(who), principal=who, application=app, command="hand_over"
                )
                return redirect("cases:detail", public_id=app.public_id)
            if request.POST.get("action") == "withdraw":
                app = services.application_transition(
                    actor=Actor.of(who),
                    principal=who,
                    application=app,
                    command="withdraw",
                )
            elif request.POST.get("action") in ("approve", "reject", "return_for_correction"):
                app = services.application_review(
                    actor=Actor.of(who),
                    principal=who,
                    application=app,
                    command=request.POST["action"],
                    reason=request.POST.get("reason", "")[:500],
                    out_of_order=request.POST.get("out_of_order", "")[:32],
                )
            else:
                uploads.attach_files(
                    actor=Actor.of(who), principal=who, application=app, files=request.FILES
                )
                if action == "upload":
                    return redirect("cases:detail", public_id=app.public_id)
                changes: dict[str, Any] = {}
                for name in _editable(app):
                    if name == "keep_classes":
                        changes[name] = request.POST.getlist(name)
                    elif name in request.POST:
                        changes[name] = request.POST[name][:200]
                app = services.application_submit(
                    actor=Actor.of(who),
                    principal=who,
                    application=app,
                    changes=changes,
                )
        except DomainError as exc:
            error, error_field = exc.localised(get_language()), exc.field or ""
        else:
            return redirect("cases:detail", public_id=app.public_id)
    upload_rows = uploads.page_rows(app, error_field=error_field, error=error)
    name = app.business_type.name_en if _english() else app.business_type.name_zh
    materials = {
        m["code"]: m["name_en" if _english() else "name_zh"] for m in app.catalogue_entry.materials
    }
    check_rows = [
        {
            "name": materials.get(code, code),
            "status": CHECK_STATUS.get(c.get("status", ""), c.get("status", "")),
            "message": c.get("message", ""),
        }
        for code, c in app.checks.items()
    ]
    states = dict(State.choices)
    events = [
        {
            "at": e.at,
            "state": states.get(e.to_state, e.to_state),
            "actor": _("System") if e.actor_ref == "system" else e.actor_label,
            "reason": e.reason,
        }
        for e in app.events.all()
    ]
    shipment = getattr(app, "shipment", None) if app.delivery == "post" else None
    tracking = [
        {"at": _parse_time(ev.get("at", "")), "where": ev.get("where", "")}
        for ev in (shipment.events if shipment else [])
    ]
    can_review = request.user.has_perm("cases.review_application") and app.state == "under_review"
    return render(
        request,
        "cases/detail.html",
        {
            "app": app,
            "name": name,
            "editable": _editable(app),
            "form_rows": [
                (FORM_LABELS.get(k, k), " ".join(x) if isinstance(x, list) else x)
                for k, x in app.form.items()
            ],
            "labels": {k: FORM_LABELS.get(k, k) for k in _editable(app)},
            "error": "" if any(u["error"] for u in upload_rows) else error,  # beside its field
            "uploads": upload_rows,
            "events": events,
            "check_rows": check_rows,
            "tracking": tracking,
            "fee": services.fee_total_fen(app) / 100,
            "can_review": can_review,
            "can_hand_over": request.user.has_perm("cases.handle_application")
            and app.state == "ready",
            "shipment": shipment,
            "demo": settings.DEMO_SHOW_OTP,
            "code_url": request.session.get(f"pay:{app.public_id}", "")
            if app.state == "awaiting_payment"
            else "",
            "out_of_order_reasons": OutOfOrderReason.choices,
            "is_applicant": getattr(request.user, "person_id", None) == app.applicant_id,
            "receipts": receipts_for_purpose(f"{PURPOSE_PREFIX}{app.public_id}"),
        },
    )


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("cases.review_application"):
        raise Http404
    queue = selectors.review_queue(_user(request))[:50]
    return render(request, "cases/review_queue.html", {"queue": queue})


def hall_kiosk(request: HttpRequest, hall: str) -> HttpResponse:
    """The hall's ticket kiosk: one large button, no keyboard."""
    ticket = None
    if request.method == "POST":
        ticket = window.ticket_take(hall=hall)
    return render(
        request,
        "cases/hall_kiosk.html",
        {"hall": hall, "ticket": ticket, "waiting": window.waiting_count(hall)},
    )


@login_required
def window_desk(request: HttpRequest) -> HttpResponse:
    """The clerk's window: call the next ticket, read the ID card, do the business, finish."""
    clerk = _user(request)
    if not clerk.has_perm("cases.handle_application"):
        raise Http404
    error = ""
    ticket = window.current_ticket(clerk)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "call_next":
                if window.ticket_call_next(clerk=clerk) is None:
                    error = _("Nobody is waiting.")
            elif ticket is not None and action == "demo_card" and settings.DEMO_SHOW_OTP:
                from jiaoguan.registry.services import id_number_index

                number = request.POST.get("id_number", "").strip().upper()[:18]
                found = Person.objects.filter(id_number_index=id_number_index(number)).first()
                _demo_sandbox(
                    "/idreader/v1/card",
                    {
                        "window": window.window_of(clerk),
                        "id_number": number,
                        "name": found.name if found else request.POST.get("name", "")[:64] or "-",
                    },
                )
            elif ticket is not None and action == "read_card":
                window.ticket_read_id_card(clerk=clerk, ticket=ticket)
            elif ticket is not None and ticket.person is not None and action == "start":
                app = services.application_start(
                    actor=Actor.of(clerk),
                    applicant=ticket.person,
                    business_type=request.POST.get("business_type", "")[:48],
                    channel="window",
                    subject_ref=request.POST.get("subject_id", "")[:64],
                    region_code=clerk.region_scope.ljust(6, "0"),
                )
                return redirect("cases:detail", public_id=app.public_id)
            elif ticket is not None and action in ("finish", "no_show"):
                window.ticket_finish(clerk=clerk, ticket=ticket, served=action == "finish")
        except DomainError as exc:
            error = exc.localised(get_language())
        if not error:
            return redirect("cases:window")
        ticket = window.current_ticket(clerk)
    offered: list[dict[str, Any]] = []
    applications: list[Application] = []
    if ticket is not None and ticket.person is not None:
        offered = _offered(
            ticket.person, region_code=clerk.region_scope.ljust(6, "0"), channel="window"
        )
        applications = list(
            Application.objects.filter(applicant=ticket.person, created_at__date__gte=clock.today())
            .select_related("business_type")
            .order_by("-id")[:10]
        )
    return render(
        request,
        "cases/window.html",
        {
            "ticket": ticket,
            "error": error,
            "offered": offered,
            "applications": applications,
            "waiting": window.waiting_count(clerk.region_scope) if clerk.region_scope else 0,
            "reader": window.window_of(clerk),
            "demo": settings.DEMO_SHOW_OTP,
        },
    )


@login_required
def catalogue_history(request: HttpRequest) -> HttpResponse:
    """Every version of every business type, with its dates of force and regions."""
    clerk = _user(request)
    if not (
        clerk.has_perm("cases.handle_application") or clerk.has_perm("cases.review_application")
    ):
        raise Http404
    entries = CatalogueEntry.objects.select_related("business_type").order_by(
        "business_type__code", "version"
    )
    rows = [
        {
            "entry": e,
            "fee": sum(int(f["amount_fen"]) for f in e.fees) / 100,
            "name": e.business_type.name_en if _english() else e.business_type.name_zh,
        }
        for e in entries
    ]
    return render(request, "cases/catalogue.html", {"rows": rows})
