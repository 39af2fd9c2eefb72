"""New-vehicle registration through the business engine: start (grants the selection right),
pick, checks through the data links, the fee, approval (plate issued to the vehicle, documents,
plate order) and a reservation lapsing while the application is open."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest

from jiaoguan.audit.services import Actor
from jiaoguan.cases import services as cases
from jiaoguan.cases.models import Application
from jiaoguan.cases.services import catalogue_sync
from jiaoguan.documents.models import Document
from jiaoguan.kernel import clock
from jiaoguan.kernel.errors import DomainError
from jiaoguan.kernel.uscc import USCC
from jiaoguan.notices.models import Notice
from jiaoguan.payments.models import FeeOrder
from jiaoguan.plates import registration, services
from jiaoguan.plates.constants import NumberState, RightState
from jiaoguan.plates.models import PlateNumber, PlateOrder, SelectionRight
from jiaoguan.registry.models import Plate, Vehicle
from sandbox import insurance, tax
from tests.conftest import make_person, make_staff
from tests.plates.conftest import STAFF, T0, online, released_pool, vin

ENGINE = Actor.system("tests")
FACTS = {
    "vehicle_class": "small_passenger",
    "use": "non_commercial",
    "seats": 5,
    "fuel": "petrol",
    "manufacture_date": "2026-01-15",
    "brand": "比亚迪",
    "model_name": "秦",
    "colour": "白",
}
_seen: set[str] = set()


DAY0 = T0.date()


def good_vin(day: dt.date = DAY0, purchase: str = "settled", insured: bool = True) -> str:
    """A fresh VIN whose purchase tax and insurance in the sandbox are as asked."""
    for _ in itertools.count():
        v = vin()
        if v in _seen:
            continue
        status = tax.purchase_tax(v)["status"]
        ok_tax = status in ("paid", "exempt") if purchase == "settled" else status == purchase
        ok_ins = (insurance.compulsory(v, day)["status"] == "valid") == insured
        if ok_tax and ok_ins:
            _seen.add(v)
            return v
    raise AssertionError


@pytest.fixture(autouse=True)
def _catalogue(db: None) -> None:
    catalogue_sync(actor=ENGINE)


def start(person: Any = None, **kw: Any) -> tuple[Application, SelectionRight]:
    return registration.registration_start(
        actor=ENGINE,
        applicant=person or make_person(),
        channel=kw.pop("channel", "online"),
        vin=kw.pop("vin", None) or good_vin(),
        facts={**FACTS, **kw.pop("facts", {})},
        **kw,
    )


def pick_first(right: SelectionRight) -> str:
    draw = services.draw_make(acting=online(right), right=right)
    number = draw.candidates[0]
    services.plate_pick(acting=online(right), right=right, draw=draw, number=number)
    return str(number)


def test_fees_are_plates_permit_and_certificate(at_t0: Any) -> None:
    released_pool()
    app, right = start()
    assert cases.fee_total_fen(app) == 12000  # 100 + 10 + 10 yuan (DOMAIN.md §6)
    assert right.application_ref == str(app.public_id) and right.kind == "ordinary"
    assert right.prefix == "苏A" and app.form["selection_right"] == str(right.public_id)


def test_registration_end_to_end(at_t0: Any) -> None:
    released_pool()
    person = make_person()
    app, right = start(person)
    number = pick_first(right)
    app = cases.application_submit(
        actor=ENGINE, principal=None, application=app, changes={"delivery": "pickup"}
    )
    assert app.state == "awaiting_payment", app.checks
    assert app.checks["purchase_tax"]["status"] == "ok"
    assert app.checks["compulsory_insurance"]["status"] == "ok"
    order = cases.application_fee_order(actor=ENGINE, application=app)
    assert order.amount_fen == 12000 and [i["code"] for i in order.items] == [
        "car_plate",
        "driving_permit",
        "registration_certificate",
    ]
    app = cases.application_payment_confirmed(application=app, reference=order.order_no)
    assert app.state == "under_review"
    reviewer = make_staff("reviewer", "3201")
    app = cases.application_review(
        actor=Actor.of(reviewer), principal=reviewer, application=app, command="approve"
    )
    assert app.state == "ready"
    vehicle = Vehicle.objects.select_related("plate").get(vin=app.form["vin"])
    assert vehicle.owner_person == person and vehicle.plate is not None
    assert vehicle.plate.number == number and vehicle.region_code == app.region_code
    assert PlateNumber.objects.get(number=number).state == NumberState.ISSUED
    right.refresh_from_db()
    assert right.state == RightState.ISSUED and right.plate == vehicle.plate
    plate_order = PlateOrder.objects.get(application_ref=str(app.public_id))
    assert plate_order.number == number and plate_order.delivery == "pickup"
    assert plate_order.state == "ordered"
    kinds = set(
        Document.objects.filter(subject_ref=str(vehicle.public_id)).values_list("kind", flat=True)
    )
    assert kinds == {"driving_permit", "registration_certificate"}
    made = registration.plate_order_advance(actor=STAFF, order=plate_order, command="made")
    assert made.state == "made"
    with pytest.raises(DomainError) as exc:
        registration.plate_order_advance(actor=STAFF, order=made, command="made")
    assert exc.value.code == "transition_not_allowed"


def test_no_number_held_is_refused_at_checks(at_t0: Any) -> None:
    released_pool()
    app, _right = start()
    app = cases.application_submit(actor=ENGINE, principal=None, application=app)
    assert app.state == "rejected" and app.refusal is not None
    assert app.refusal["code"] == "no_number_held"


def test_purchase_tax_missing_is_refused(at_t0: Any) -> None:
    released_pool()
    app, right = start(vin=good_vin(purchase="not_found"))
    pick_first(right)
    app = cases.application_submit(actor=ENGINE, principal=None, application=app)
    assert app.state == "rejected"
    assert app.refusal is not None and app.refusal["code"] == "purchase_tax_not_found"


def test_uninsured_is_refused(at_t0: Any) -> None:
    released_pool()
    app, right = start(vin=good_vin(insured=False))
    pick_first(right)
    app = cases.application_submit(actor=ENGINE, principal=None, application=app)
    assert app.state == "rejected"
    assert app.refusal is not None and app.refusal["code"].startswith("insurance_")


@pytest.mark.parametrize(
    ("facts", "field"),
    [
        ({"vehicle_class": "tank"}, "vehicle_class"),
        ({"fuel": "coal"}, "fuel"),
        ({"seats": "x"}, "seats"),
        ({"manufacture_date": "2099-01-01"}, "manufacture_date"),
        ({"vehicle_class": "motorcycle"}, "vehicle_class"),
    ],
)
def test_bad_facts_are_refused_with_the_field(at_t0: Any, facts: dict, field: str) -> None:
    released_pool()
    with pytest.raises(DomainError) as exc:
        start(facts=facts)
    assert exc.value.field == field
    assert not Application.objects.exists() and not SelectionRight.objects.exists()


def test_bad_vin_and_registered_vin(at_t0: Any) -> None:
    released_pool()
    with pytest.raises(DomainError) as exc:
        start(vin="LSVAB12345678901X")
    assert exc.value.field == "vin"
    _app, right = start()
    with pytest.raises(DomainError) as exc:  # one open right per VIN
        start(vin=right.vin)
    assert exc.value.code == "right_exists"


def test_nev_gets_the_green_pool(at_t0: Any) -> None:
    released_pool(kind="small_nev", pattern="DF00##")
    _app, right = start(facts={"fuel": "bev"})
    assert right.kind == "small_nev"


def test_clerk_cannot_confirm_a_registration_number_directly(at_t0: Any) -> None:
    released_pool()
    _app, right = start()
    pick_first(right)
    reservation = right.reservations.get()
    with pytest.raises(DomainError) as exc:
        services.plate_confirm(actor=STAFF, reservation=reservation)
    assert exc.value.code == "issued_by_registration"
    assert not Plate.objects.exists()


def test_lapse_while_open_tells_the_applicant_and_blocks_approval(at_t0: Any) -> None:
    released_pool()
    person = make_person()
    app, right = start(person)
    number = pick_first(right)
    app = cases.application_submit(actor=ENGINE, principal=None, application=app)
    order = cases.application_fee_order(actor=ENGINE, application=app)
    app = cases.application_payment_confirmed(application=app, reference=order.order_no)
    assert app.state == "under_review"
    reservation = right.reservations.get()
    with clock.frozen(reservation.expires_at + dt.timedelta(minutes=1)):
        assert services.reservations_expire(actor=ENGINE) == 1
        assert Notice.objects.filter(person=person, template="plates.reservation_lapsed").exists()
        reviewer = make_staff("reviewer", "3201")
        with pytest.raises(DomainError) as exc:
            cases.application_review(
                actor=Actor.of(reviewer), principal=reviewer, application=app, command="approve"
            )
        assert exc.value.code == "no_number_held"
    app.refresh_from_db()
    assert app.state == "under_review"  # the approval rolled back entirely
    assert not Vehicle.objects.exists() and not Plate.objects.exists()
    assert PlateNumber.objects.get(number=number).state == NumberState.AVAILABLE
    right.refresh_from_db()
    assert right.state == RightState.OPEN
    assert FeeOrder.objects.filter(status="paid").count() in (0, 1)


def test_dealer_outlet_starts_for_a_buyer(at_t0: Any) -> None:
    from jiaoguan.registry.services import organisation_create

    released_pool()
    dealer = organisation_create(
        actor=ENGINE,
        name="南京某汽车销售服务有限公司",
        uscc=str(USCC.generate("320102", "00090077")),
        region_code="320102",
        kind="dealer",
    )
    app, right = start(channel="outlet", outlet=dealer)
    assert app.outlet == dealer and right.dealer == dealer and app.channel == "outlet"


def test_generic_start_refuses_the_registration(at_t0: Any) -> None:
    """Only ``registration_start`` opens it (with its right and vehicle facts); the generic
    start and the offered lists leave it to its own pages."""
    from django.test import Client

    from tests.conftest import make_citizen

    person = make_person()
    with pytest.raises(DomainError) as exc:
        cases.application_start(
            actor=ENGINE, applicant=person, business_type=registration.BUSINESS, channel="online"
        )
    assert exc.value.code == "dedicated_start"
    c = Client()
    c.force_login(make_citizen(person))
    r = c.post(
        "/api/v1/applications",
        {"business_type": registration.BUSINESS, "channel": "online"},
        content_type="application/json",
    )
    assert r.status_code == 422 and r.json()["code"] == "dedicated_start"
