"""Self-service kiosks (自助服务终端) and agent outlets (邮政网点、4S店代办): the citizen's ID card
on a reader, the business of the channel, the prefilled form, the fee, the result.

Who may open a kiosk screen
---------------------------
A kiosk is a device, not a citizen's login. Each kiosk is a **device account**: a staff-kind
account in the role ``kiosk_device``, which holds one permission, ``accounts.operate_kiosk``,
and whose ``region_scope`` is the kiosk's hall. An administrator creates the account and signs
the kiosk's browser in once with its password and TOTP code, exactly like any staff account;
switching a kiosk off is deactivating its account (or signing it out). The kiosk's id
(:func:`kiosk_id`, the hall and the account name) also names its ID-card reader.

We chose an account over a signed device token because an account already brings what a
device needs: revocation, a public id for the audit trail, role data, sign-in throttling and
lock-out, and no new secret to distribute or rotate.

The device account itself may see nothing. Every read and write on the screen is made for the
person whose ID card the kiosk just read and the identity platform confirmed
(:class:`CardHolder`, the principal of the kiosk session: that person's applications, the
applicant's commands, no permission), and is recorded with the kiosk as actor on behalf of
that person. The card holder is kept in the device's session under one key, with the time of
the last touch; "finish", or :data:`IDLE_SECONDS` without a touch, forgets them (and any
payment code shown), the end is audited, and kiosk pages are never cached, so the next
citizen cannot go back to them. A kiosk or an outlet never creates registry records: someone
the registry does not know is sent to a window. Business whose form needs typing (a new phone
number) is not offered on the kiosk, which has no keyboard.

Outlets
-------
An agent holding ``cases.handle_outlet_application`` (roles ``outlet_post``, ``outlet_dealer``,
``outlet_used_car``, ``outlet_insurer``) and bound to an organisation reads the citizen's card
on the desk's reader, starts business on the ``outlet`` channel for their organisation (the
engine refuses business the outlet's kind is not authorised for), submits the prefilled form
and takes the fee by payment code. The agent sees only the applications made at their own
outlet (``selectors.outlet_applications``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from jiaoguan.accounts.constants import AccountKind
from jiaoguan.accounts.models import User
from jiaoguan.accounts.ports import get_port
from jiaoguan.audit.services import Actor, audit_record
from jiaoguan.cases import selectors, services, window
from jiaoguan.cases.constants import Channel, State
from jiaoguan.cases.models import Application
from jiaoguan.cases.views import (
    FORM_LABELS,
    _demo_sandbox,
    _editable,
    _english,
    _offered,
    _user,
)
from jiaoguan.documents import pdf as document_pdf
from jiaoguan.documents.models import Document
from jiaoguan.kernel import clock, context
from jiaoguan.kernel.errors import DomainError, Forbidden, NotFound
from jiaoguan.kernel.idnumber import IdNumber
from jiaoguan.payments.services import payment_poll, payment_start
from jiaoguan.registry.models import Organisation, Person
from jiaoguan.registry.services import id_number_index

#: A kiosk forgets its citizen after this long without a touch.
IDLE_SECONDS = 120
KIOSK_PERMISSION = "accounts.operate_kiosk"
OUTLET_PERMISSION = "cases.handle_outlet_application"
_KIOSK = "kiosk"  # session keys
_OUTLET = "outlet"

#: Business whose form asks for typed text: not offered on a screen without a keyboard.
NEEDS_TYPING = frozenset(
    code for code, fields in services.EDITABLE.items() if fields - services.LIST_FIELDS
)

#: Refusals of starting business, shown beside the business chosen.
_START_FIELDS = {"business_type", "outlet", "channel", "subject"}
_DONE = {State.COMPLETED, State.READY, State.DISPATCHED, State.IN_PRODUCTION, State.APPROVED}


# --- who acts -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class CardHolder:
    """The person whose ID card a kiosk read, as the principal of the kiosk session: they act
    as the applicant on their own applications and hold no permission."""

    person: Person
    is_authenticated: bool = True
    kind: str = AccountKind.CITIZEN
    region_scope: str = ""

    @property
    def person_id(self) -> int:
        return int(self.person.pk)

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return False


def kiosk_id(device: User) -> str:
    """A kiosk's id, which also names its ID-card reader: its hall and its account name."""
    return window.window_of(device)


def kiosk_device(user: Any) -> User:
    """The signed-in account as a kiosk: a device account of a hall, or refused."""
    if (
        not isinstance(user, User)
        or not user.has_perm(KIOSK_PERMISSION)
        or not user.region_scope
        or not user.is_active
    ):
        raise Forbidden("not_permitted", _("You may not do this"))
    return user


def kiosk_actor(device: User, person: Person | None = None) -> Actor:
    """The kiosk as the audit trail's actor, on behalf of the card holder."""
    return Actor(
        ref=str(device.public_id),
        label=f"kiosk:{kiosk_id(device)}",
        role=device.primary_role(),
        on_behalf_of_ref=str(person.public_id) if person is not None else "",
    )


def outlet_of(agent: Any) -> Organisation:
    """The organisation an outlet agent works for, or refused."""
    org = getattr(agent, "organisation", None)
    if not isinstance(agent, User) or org is None or not agent.has_perm(OUTLET_PERMISSION):
        raise Forbidden("not_permitted", _("You may not do this"))
    return org


def outlet_actor(agent: User, person: Person) -> Actor:
    """The agent (with their outlet) as the actor, on behalf of the citizen."""
    return dataclasses.replace(Actor.of(agent), on_behalf_of_ref=str(person.public_id))


# --- services -------------------------------------------------------------------------------


def id_card_read(*, actor: Actor, reader: str, action: str) -> Person:
    """Read the card on ``reader``, have the identity platform confirm it, and find the
    registry person (audited as ``action``). Unlike the window, which may register someone
    new, a kiosk or an outlet only serves people the registry knows."""
    card = get_port("idreader").read(window=reader)
    if card is None:
        raise DomainError("no_card", _("Put the ID card on the reader"), field="card")
    number = str(IdNumber.parse(card.id_number))
    verdict = get_port("identity").verify(name=card.name, id_number=number)
    if not verdict.match:
        raise DomainError(
            "identity_" + verdict.reason,
            _("The identity platform did not confirm this card"),
            field="card",
        )
    person = Person.objects.filter(id_number_index=id_number_index(number)).first()
    if person is None:
        raise DomainError(
            "no_record",
            _("We hold no record for this ID card: please go to a service window"),
            field="card",
        )
    with transaction.atomic():
        audit_record(
            actor=dataclasses.replace(actor, on_behalf_of_ref=str(person.public_id)),
            action=action,
            object_type="reader",
            object_ref=reader,
            reason="identity confirmed",
            subject_person_ref=str(person.public_id),
        )
    return person


@transaction.atomic
def kiosk_session_end(*, device: User, person_ref: str, reason: str) -> None:
    """Record that a kiosk forgot its card holder ("finished" or "inactivity")."""
    audit_record(
        actor=dataclasses.replace(kiosk_actor(device), on_behalf_of_ref=person_ref),
        action="kiosk.session_end",
        object_type="kiosk",
        object_ref=kiosk_id(device),
        reason=reason,
        subject_person_ref=person_ref,
    )


@transaction.atomic
def kiosk_document_print(*, device: User, holder: Person, document: Document) -> bytes:
    """The PDF of the holder's own document, printed at the kiosk (audited)."""
    if document.holder_person_ref != str(holder.public_id):
        raise NotFound("not_found", _("Document not found"))
    audit_record(
        actor=kiosk_actor(device, holder),
        action="kiosk.document_print",
        object_type="document",
        object_ref=str(document.public_id),
        subject_person_ref=str(holder.public_id),
    )
    return document_pdf.render(document)


# --- the kiosk session ----------------------------------------------------------------------


def _kiosk_holder(request: HttpRequest, device: User) -> Person | None:
    """The card holder of this kiosk session, if one is open and was touched recently; a
    session idle too long is ended here (the screen's own timer usually ends it first)."""
    state = request.session.get(_KIOSK)
    if not state:
        return None
    seen = dt.datetime.fromisoformat(state["seen"])
    person = Person.objects.filter(public_id=state["person"]).first()
    if person is None or clock.now() - seen > dt.timedelta(seconds=IDLE_SECONDS):
        _kiosk_forget(request, device, reason="inactivity")
        return None
    state["seen"] = clock.now().isoformat()
    request.session[_KIOSK] = state
    return person


def _kiosk_forget(request: HttpRequest, device: User, *, reason: str) -> None:
    state = request.session.pop(_KIOSK, None)
    if state:
        kiosk_session_end(device=device, person_ref=state["person"], reason=reason)


def _kiosk_begin(request: HttpRequest, person: Person) -> None:
    request.session[_KIOSK] = {
        "person": str(person.public_id),
        "seen": clock.now().isoformat(),
        "apps": [],
        "pay": {},
    }


def _remember(request: HttpRequest, key: str, app: Application, code_url: str = "") -> None:
    state = dict(request.session.get(key) or {})
    if code_url:
        state["pay"] = {**state.get("pay", {}), str(app.public_id): code_url}
    else:
        state["apps"] = [str(app.public_id), *state.get("apps", [])][:10]
    request.session[key] = state


def _place_demo_card(request: HttpRequest, reader: str) -> None:
    """Demo only: put the ID card of the number given on this reader, through the sandbox."""
    number = request.POST.get("id_number", "").strip().upper()[:18]
    found = Person.objects.filter(id_number_index=id_number_index(number)).first()
    _demo_sandbox(
        "/idreader/v1/card",
        {"window": reader, "id_number": number, "name": found.name if found else "-"},
    )


# --- what a page shows of an application ----------------------------------------------------


def _qr_svg(text: str) -> str:
    """The payment code as an inline SVG, for the citizen's wallet to scan."""
    from reportlab.graphics import renderSVG
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing

    widget = QrCodeWidget(text, barLevel="M", barBorder=2)
    x0, y0, x1, y1 = widget.getBounds()
    size = 240
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    svg = renderSVG.drawToString(drawing)
    return svg[svg.index("<svg") :]


def _application_view(app: Application, *, code_url: str, public: bool) -> dict[str, Any]:
    """What an application page shows; on a ``public`` screen (a kiosk in a hall) never the
    phone number."""
    english = _english()
    return {
        "app": app,
        "name": app.business_type.name_en if english else app.business_type.name_zh,
        "form_rows": [
            (FORM_LABELS.get(k, k), " ".join(v) if isinstance(v, list) else v)
            for k, v in app.form.items()
            if k != "phone" or not public
        ],
        "editable": [
            {"name": k, "label": FORM_LABELS.get(k, k), "value": v}
            for k, v in (
                _editable(app) if app.state in (State.DRAFT, State.RETURNED) else {}
            ).items()
        ],
        "fee": services.fee_total_fen(app) / 100,
        "code_url": code_url if app.state == State.AWAITING_PAYMENT else "",
        "qr": _qr_svg(code_url) if code_url and app.state == State.AWAITING_PAYMENT else "",
        "document": selectors.application_document(app),
        "done": app.state in _DONE,
        "demo": settings.DEMO_SHOW_OTP,
    }


def _events(app: Application) -> list[dict[str, Any]]:
    states = dict(State.choices)
    return [
        {
            "at": e.at,
            "state": states.get(e.to_state, e.to_state),
            "actor": _("System") if e.actor_ref == "system" else e.actor_label,
            "reason": e.reason,
        }
        for e in app.events.all()
    ]


def _changes(request: HttpRequest, app: Application, *, typing: bool) -> dict[str, Any]:
    """The form's changes from the page: choices always; typed text only where the page has a
    keyboard (outlets), never on a kiosk."""
    changes: dict[str, Any] = {}
    for name in _editable(app):
        if name == "keep_classes":
            changes[name] = request.POST.getlist(name)
        elif name in request.POST and (typing or name == "delivery"):
            changes[name] = request.POST[name][:200]
    return changes


def _act(
    request: HttpRequest,
    app: Application,
    *,
    actor: Actor,
    principal: Any,
    session_key: str,
    typing: bool,
) -> Application:
    """One action on an application page: submit the form, open a payment code, check it
    has been paid, or (demo only) pay in the sandbox."""
    action = request.POST.get("action", "")
    if action == "submit":
        return services.application_submit(
            actor=actor,
            principal=principal,
            application=app,
            changes=_changes(request, app, typing=typing),
        )
    if action in ("pay_wechat", "pay_alipay"):
        order = services.application_fee_order(actor=actor, application=app)
        code_url = payment_start(actor=actor, order=order, provider=action.removeprefix("pay_"))
        _remember(request, session_key, app, code_url)
    elif action == "check_payment" and app.state == State.AWAITING_PAYMENT:
        payment_poll(
            actor=actor, order=services.application_fee_order(actor=actor, application=app)
        )
    elif action == "demo_pay" and settings.DEMO_SHOW_OTP:
        provider = request.POST.get("provider", "")
        _demo_sandbox(
            "/pay/sandbox/pay",
            {
                "provider": {"alipay": "alipay"}.get(provider, "wechatpay"),
                "out_trade_no": services.application_fee_order(
                    actor=actor, application=app
                ).order_no,
            },
        )
    elif action != "check_payment":  # checking a fee already paid only shows the result
        raise DomainError("unknown_action", _("Unknown action"), field="action")
    app.refresh_from_db()
    return app


def _refusal(request: HttpRequest, exc: DomainError) -> dict[str, str]:
    """Where a page shows a refusal: beside the form it concerns, or above everything."""
    message = exc.localised(get_language())
    if request.POST.get("action") == "submit":
        return {"form_error": message, "error": ""}
    if request.POST.get("action") == "start" and exc.field in _START_FIELDS:
        return {"start_error": message, "error": ""}
    return {"error": message}


# --- kiosk pages ----------------------------------------------------------------------------


def _kiosk_or_404(request: HttpRequest) -> User:
    try:
        device = kiosk_device(request.user)
    except Forbidden as exc:
        raise Http404 from exc
    context.channel.set(Channel.KIOSK)
    return device


def _kiosk_offered(person: Person, device: User) -> list[dict[str, Any]]:
    return [
        o
        for o in _offered(person, region_code=device.region_scope.ljust(6, "0"), channel="kiosk")
        if o["code"] not in NEEDS_TYPING
    ]


@never_cache
@login_required
def kiosk_screen(request: HttpRequest) -> HttpResponse:
    """The kiosk's screen: put the ID card on the reader, touch a business, or finish."""
    device = _kiosk_or_404(request)
    holder = _kiosk_holder(request, device)
    shown: dict[str, str] = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "finish":
                why = "inactivity" if request.POST.get("why") == "inactivity" else "finished"
                _kiosk_forget(request, device, reason=why)
                return redirect("cases:kiosk")
            if action == "demo_card" and settings.DEMO_SHOW_OTP:
                _place_demo_card(request, kiosk_id(device))
                return redirect("cases:kiosk")
            if action == "read_card":
                _kiosk_forget(request, device, reason="next card")
                person = id_card_read(
                    actor=kiosk_actor(device), reader=kiosk_id(device), action="kiosk.id_card_read"
                )
                _kiosk_begin(request, person)
                return redirect("cases:kiosk")
            if action == "start" and holder is not None:
                code = request.POST.get("business_type", "")[:48]
                if code in NEEDS_TYPING:
                    raise DomainError(
                        "needs_keyboard",
                        _("This business needs typing: please use a window or go online"),
                        field="business_type",
                    )
                app = services.application_start(
                    actor=kiosk_actor(device, holder),
                    applicant=holder,
                    business_type=code,
                    channel=Channel.KIOSK,
                    subject_ref=request.POST.get("subject_id", "")[:64],
                    region_code=device.region_scope.ljust(6, "0"),
                )
                _remember(request, _KIOSK, app)
                return redirect("cases:kiosk_application", public_id=app.public_id)
            return redirect("cases:kiosk")
        except DomainError as exc:
            shown = _refusal(request, exc)
            holder = _kiosk_holder(request, device)
    started: list[Application] = []
    if holder is not None:
        ids = request.session.get(_KIOSK, {}).get("apps", [])
        started = list(
            selectors.applications_for(CardHolder(holder)).filter(public_id__in=ids).order_by("-id")
        )
    return render(
        request,
        "cases/kiosk_screen.html",
        {
            "kiosk": kiosk_id(device),
            "holder": holder,
            "offered": _kiosk_offered(holder, device) if holder is not None else [],
            "started": started,
            "plate_rights": _open_plate_rights(holder) if holder is not None else 0,
            "error": " ".join(shown.values()).strip(),
            "idle": IDLE_SECONDS,
            "demo": settings.DEMO_SHOW_OTP,
        },
        status=422 if shown else 200,
    )


def _open_plate_rights(holder: Person) -> int:
    """How many vehicles of the card holder wait for a plate number: the kiosk then shows a
    tile to choose it by touch (measure 4: plate selection at the kiosk)."""
    from jiaoguan.plates.selectors import rights_of_person

    return rights_of_person(holder).filter(state="open").count()


@never_cache
@login_required
def kiosk_application(request: HttpRequest, public_id: str) -> HttpResponse:
    """One application on the kiosk: confirm the prefilled form by touch, pay, see the result."""
    device = _kiosk_or_404(request)
    holder = _kiosk_holder(request, device)
    if holder is None:
        return redirect("cases:kiosk")
    who = CardHolder(holder)
    try:
        app = selectors.application_get(who, public_id)
    except DomainError:
        return redirect("cases:kiosk")
    shown: dict[str, str] = {}
    if request.method == "POST":
        try:
            app = _act(
                request,
                app,
                actor=kiosk_actor(device, holder),
                principal=who,
                session_key=_KIOSK,
                typing=False,
            )
        except DomainError as exc:
            shown = _refusal(request, exc)
        else:
            return redirect("cases:kiosk_application", public_id=app.public_id)
    code_url = request.session.get(_KIOSK, {}).get("pay", {}).get(str(app.public_id), "")
    return render(
        request,
        "cases/kiosk_application.html",
        {
            **_application_view(app, code_url=code_url, public=True),
            "kiosk": kiosk_id(device),
            "holder": holder,
            **shown,
            "idle": IDLE_SECONDS,
            "delivery_address": holder.address,
        },
        status=422 if shown else 200,
    )


@never_cache
@login_required
def kiosk_document(request: HttpRequest, public_id: str) -> HttpResponse:
    """Print the card holder's document (the kiosk's printer takes the PDF)."""
    device = _kiosk_or_404(request)
    holder = _kiosk_holder(request, device)
    document = Document.objects.filter(public_id=public_id).first()
    if holder is None or document is None:
        raise Http404
    try:
        body = kiosk_document_print(device=device, holder=holder, document=document)
    except DomainError as exc:
        raise Http404 from exc
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{document.kind}-{document.number}.pdf"'
    return response


# --- outlet pages ---------------------------------------------------------------------------


def _agent_or_404(request: HttpRequest) -> tuple[User, Organisation]:
    try:
        org = outlet_of(request.user)
    except Forbidden as exc:
        raise Http404 from exc
    context.channel.set(Channel.OUTLET)
    return _user(request), org


def outlet_offered(person: Person, org: Organisation) -> list[dict[str, Any]]:
    """The business this outlet may do for ``person`` today: offered on the outlet channel
    where the outlet is, and authorised for the outlet's kind."""
    allowed = {
        e.business_type.code
        for e in services.catalogue_in_force(on=clock.today(), region_code=org.region_code)
        if org.kind in e.outlet_kinds
    }
    return [
        o
        for o in _offered(person, region_code=org.region_code, channel="outlet")
        if o["code"] in allowed
    ]


def _outlet_holder(request: HttpRequest) -> Person | None:
    state = request.session.get(_OUTLET) or {}
    ref = state.get("person")
    return Person.objects.filter(public_id=ref).first() if ref else None


@never_cache
@login_required
def outlet_desk(request: HttpRequest) -> HttpResponse:
    """The outlet agent's desk: read the citizen's ID card, start their business, and the list
    of applications this outlet handled."""
    agent, org = _agent_or_404(request)
    reader = window.window_of(agent)
    person = _outlet_holder(request)
    shown: dict[str, str] = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "finish":
                request.session.pop(_OUTLET, None)
            elif action == "demo_card" and settings.DEMO_SHOW_OTP:
                _place_demo_card(request, reader)
            elif action == "read_card":
                request.session.pop(_OUTLET, None)
                person = id_card_read(
                    actor=Actor.of(agent), reader=reader, action="outlet.id_card_read"
                )
                request.session[_OUTLET] = {"person": str(person.public_id), "pay": {}}
            elif action == "start" and person is not None:
                app = services.application_start(
                    actor=outlet_actor(agent, person),
                    applicant=person,
                    business_type=request.POST.get("business_type", "")[:48],
                    channel=Channel.OUTLET,
                    subject_ref=request.POST.get("subject_id", "")[:64],
                    outlet=org,
                )
                return redirect("cases:outlet_application", public_id=app.public_id)
        except DomainError as exc:
            shown = _refusal(request, exc)
            person = _outlet_holder(request)
        else:
            return redirect("cases:outlet")
    handled = list(selectors.outlet_applications(agent).order_by("-id")[:50])
    return render(
        request,
        "cases/outlet_desk.html",
        {
            "org": org,
            "reader": reader,
            "person": person,
            "offered": outlet_offered(person, org) if person is not None else [],
            "handled": handled,
            **shown,
            "demo": settings.DEMO_SHOW_OTP,
        },
        status=422 if shown else 200,
    )


@never_cache
@login_required
def outlet_application(request: HttpRequest, public_id: str) -> HttpResponse:
    """One application of this outlet: submit the prefilled form, take the fee, the result."""
    agent, org = _agent_or_404(request)
    try:
        app = selectors.outlet_application_get(agent, public_id)
    except DomainError as exc:
        raise Http404 from exc
    shown: dict[str, str] = {}
    if request.method == "POST":
        try:
            app = _act(
                request,
                app,
                actor=outlet_actor(agent, app.applicant),
                principal=agent,
                session_key=_OUTLET,
                typing=True,
            )
        except DomainError as exc:
            shown = _refusal(request, exc)
        else:
            return redirect("cases:outlet_application", public_id=app.public_id)
    code_url = request.session.get(_OUTLET, {}).get("pay", {}).get(str(app.public_id), "")
    return render(
        request,
        "cases/outlet_application.html",
        {
            **_application_view(app, code_url=code_url, public=False),
            "org": org,
            **shown,
            "events": _events(app),
        },
        status=422 if shown else 200,
    )
