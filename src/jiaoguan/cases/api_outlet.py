"""The outlet agent's API (邮政网点、4S店代办): read the citizen's ID card at the desk's reader,
start business for them at the agent's outlet, submit the prefilled form, take the fee, and
list the applications the outlet handled. Signed-in agents only (session, CSRF on writes);
the same services and selectors as the outlet pages (``cases/kiosk.py``).

Reading the card answers a ``card_token``: signed, bound to the agent, valid for
:data:`CARD_SECONDS`. Starting an application needs it, so an agent starts business only for
someone whose card lay on their reader."""

from __future__ import annotations

from typing import Any, Literal

from django.core import signing
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from jiaoguan.accounts.models import User
from jiaoguan.api.auth import principal, session_auth
from jiaoguan.api.pagination import Page, keyset
from jiaoguan.audit.services import Actor
from jiaoguan.cases import selectors, services, window
from jiaoguan.cases.constants import Channel, State
from jiaoguan.cases.kiosk import id_card_read, outlet_actor, outlet_of, outlet_offered
from jiaoguan.cases.models import Application
from jiaoguan.cases.schemas import ApplicationOut, SubmitIn
from jiaoguan.kernel import context
from jiaoguan.kernel.errors import DomainError
from jiaoguan.payments.services import payment_poll, payment_start
from jiaoguan.registry.models import Organisation, Person

router = Router(tags=["outlets"], auth=session_auth)

CARD_SECONDS = 15 * 60
_CARD_SALT = "jiaoguan.outlet.card"


class OfferOut(Schema):
    business_type: str
    name: str
    subject_id: str | None = Field(description="the vehicle, for vehicle business")
    plate: str | None
    fee_fen: int


class CardOut(Schema):
    card_token: str = Field(description=f"pass to start business; valid {CARD_SECONDS} s")
    name: str
    id_number_masked: str
    offered: list[OfferOut] = Field(description="what this outlet may do for them today")


class OutletStartIn(Schema):
    card_token: str = Field(max_length=400)
    business_type: str = Field(max_length=48)
    subject_id: str = Field(default="", max_length=64)


class PaymentIn(Schema):
    provider: Literal["wechat", "alipay"]


class PaymentOut(Schema):
    order_no: str
    amount_fen: int
    code_url: str = Field(description="show as a QR code for the citizen's wallet")


def _agent(request: HttpRequest) -> tuple[User, Organisation]:
    who = principal(request)
    org = outlet_of(who)
    context.channel.set(Channel.OUTLET)
    return who, org


def _card_holder(agent: User, token: str) -> Person:
    try:
        data = signing.loads(token, salt=_CARD_SALT, max_age=CARD_SECONDS)
        person = None
        if isinstance(data, dict) and data.get("agent") == str(agent.public_id):
            person = Person.objects.filter(public_id=str(data.get("person", ""))).first()
    except (signing.BadSignature, ValueError) as exc:
        raise _read_again() from exc
    if person is None:
        raise _read_again()
    return person


def _read_again() -> DomainError:
    return DomainError("card_expired", _("Read the ID card again"), field="card_token")


def _offer(o: dict[str, Any]) -> OfferOut:
    vehicle = o["vehicle"]
    return OfferOut(
        business_type=o["code"],
        name=o["name"],
        subject_id=str(vehicle.public_id) if vehicle else None,
        plate=vehicle.plate.number if vehicle and vehicle.plate else None,
        fee_fen=round(o["fee"] * 100),
    )


@router.post(
    "/outlet/card",
    response=CardOut,
    summary="Read the citizen's ID card on the agent's reader (identity platform confirms it)",
)
def outlet_card(request: HttpRequest) -> CardOut:
    agent, org = _agent(request)
    person = id_card_read(
        actor=Actor.of(agent), reader=window.window_of(agent), action="outlet.id_card_read"
    )
    token = signing.dumps(
        {"agent": str(agent.public_id), "person": str(person.public_id)}, salt=_CARD_SALT
    )
    return CardOut(
        card_token=token,
        name=person.name,
        id_number_masked=person.id_number_masked,
        offered=[_offer(o) for o in outlet_offered(person, org)],
    )


@router.get(
    "/outlet/applications",
    response=Page[ApplicationOut],
    summary="Applications made at the agent's outlet (no other outlet's)",
)
def outlet_application_list(
    request: HttpRequest, cursor: str | None = None, limit: int = 20, state: str = ""
) -> dict[str, object]:
    agent, _org = _agent(request)
    qs = selectors.outlet_applications(agent)
    if state:
        qs = qs.filter(state=state[:20])
    rows, nxt = keyset(qs, cursor=cursor, limit=limit)
    return {
        "items": [ApplicationOut.build(a, with_history=False) for a in rows],
        "next_cursor": nxt,
    }


@router.post(
    "/outlet/applications",
    response={201: ApplicationOut},
    summary="Start business for the card holder at the agent's outlet",
)
def outlet_application_start(
    request: HttpRequest, payload: OutletStartIn
) -> Status[ApplicationOut]:
    agent, org = _agent(request)
    person = _card_holder(agent, payload.card_token)
    app = services.application_start(
        actor=outlet_actor(agent, person),
        applicant=person,
        business_type=payload.business_type,
        channel=Channel.OUTLET,
        subject_ref=payload.subject_id,
        outlet=org,
    )
    return Status(201, ApplicationOut.build(app))


def _own(request: HttpRequest, application_id: str) -> tuple[User, Application]:
    agent, _org = _agent(request)
    return agent, selectors.outlet_application_get(agent, application_id)


@router.get("/outlet/applications/{application_id}", response=ApplicationOut)
def outlet_application_detail(request: HttpRequest, application_id: str) -> ApplicationOut:
    return ApplicationOut.build(_own(request, application_id)[1])


@router.post(
    "/outlet/applications/{application_id}/submit",
    response=ApplicationOut,
    summary="Confirm the prefilled form for the citizen and submit",
)
def outlet_application_submit(
    request: HttpRequest, application_id: str, payload: SubmitIn
) -> ApplicationOut:
    agent, app = _own(request, application_id)
    return ApplicationOut.build(
        services.application_submit(
            actor=outlet_actor(agent, app.applicant),
            principal=agent,
            application=app,
            changes=payload.changes,
        )
    )


@router.post(
    "/outlet/applications/{application_id}/payment",
    response=PaymentOut,
    summary="Take the fee: open a payment code for the citizen to scan",
)
def outlet_payment_start(
    request: HttpRequest, application_id: str, payload: PaymentIn
) -> PaymentOut:
    agent, app = _own(request, application_id)
    actor = outlet_actor(agent, app.applicant)
    order = services.application_fee_order(actor=actor, application=app)
    code_url = payment_start(actor=actor, order=order, provider=payload.provider)
    return PaymentOut(order_no=order.order_no, amount_fen=order.amount_fen, code_url=code_url)


@router.post(
    "/outlet/applications/{application_id}/payment/check",
    response=ApplicationOut,
    summary="Ask the payment provider whether the citizen has paid (the application as it "
    "now stands)",
)
def outlet_payment_check(request: HttpRequest, application_id: str) -> ApplicationOut:
    agent, app = _own(request, application_id)
    if app.state == State.AWAITING_PAYMENT:
        actor = outlet_actor(agent, app.applicant)
        order = services.application_fee_order(actor=actor, application=app)
        payment_poll(actor=actor, order=order)
        app.refresh_from_db()
    return ApplicationOut.build(app)
