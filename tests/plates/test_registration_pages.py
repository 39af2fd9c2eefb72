"""Pages of the registration with its number: portal, counter and dealer forms (refusals
beside their fields), the counter's selection page, giving up a number, the swap page and the
plate orders list."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from jiaoguan.cases.services import catalogue_sync
from jiaoguan.kernel.uscc import USCC
from jiaoguan.plates.models import PlateOrder, SelectionRight
from jiaoguan.registry.constants import OrganisationKind
from jiaoguan.registry.services import organisation_create
from tests.conftest import make_citizen, make_person, make_staff, make_vehicle
from tests.plates.conftest import STAFF, released_pool
from tests.plates.test_registration import FACTS, good_vin, pick_first


@pytest.fixture(autouse=True)
def _catalogue(db: None) -> None:
    catalogue_sync(actor=STAFF)


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_portal_register_then_select_and_give_up(at_t0: Any) -> None:
    released_pool()
    person = make_person()
    c = _client(make_citizen(person))
    assert "register-link" in c.get("/portal/plates/").content.decode()
    page = c.get("/portal/plates/register/")
    assert page.status_code == 200 and 'data-testid="register-form"' in page.content.decode()
    bad = c.post("/portal/plates/register/", {**FACTS, "vin": "NOTAVIN"})
    assert bad.status_code == 422 and 'data-testid="vin-error"' in bad.content.decode()
    r = c.post("/portal/plates/register/", {**FACTS, "vin": good_vin()})
    assert r.status_code == 302, r.content
    right = SelectionRight.objects.get(person=person)
    assert r["Location"] == f"/portal/plates/{right.public_id}/"
    html = c.get(r["Location"]).content.decode()
    assert 'data-testid="application-link"' in html
    pick_first(right)
    html = c.get(r["Location"]).content.decode()
    assert 'data-testid="release"' in html
    r2 = c.post(r["Location"], {"action": "release"})
    assert r2.status_code == 302
    right.refresh_from_db()
    assert right.state == "open"


def test_counter_register_and_select(at_t0: Any) -> None:
    released_pool()
    person = make_person()
    clerk = _client(make_staff("counter_clerk", "3201"))
    r = clerk.post(
        "/console/plates/register/", {**FACTS, "vin": good_vin(), "id_number": person.id_number}
    )
    assert r.status_code == 302, r.content
    right = SelectionRight.objects.get(person=person)
    assert r["Location"] == f"/console/plates/select/{right.public_id}/"
    r = clerk.post(r["Location"], {"action": "draw"})
    assert r.status_code == 302
    assert right.draws.get().count == 50  # the hall's 50 candidates
    citizen = _client(make_citizen(make_person()))
    assert citizen.get("/console/plates/register/").status_code == 404


def test_dealer_register_for_a_buyer(at_t0: Any) -> None:
    released_pool()
    dealer = organisation_create(
        actor=STAFF,
        uscc=str(USCC.generate("320102", "00090031")),
        name="南京某汽车销售有限公司",
        kind=OrganisationKind.DEALER,
        region_code="320102",
    )
    agent = _client(make_staff("outlet_dealer", "3201", organisation=dealer))
    buyer = make_person()
    missing = agent.post("/outlet/plates/register/", {**FACTS, "vin": good_vin()})
    assert (
        missing.status_code == 422 and 'data-testid="id_number-error"' in missing.content.decode()
    )
    r = agent.post(
        "/outlet/plates/register/", {**FACTS, "vin": good_vin(), "id_number": buyer.id_number}
    )
    assert r.status_code == 302, r.content
    right = SelectionRight.objects.get(person=buyer)
    assert right.dealer == dealer and r["Location"] == f"/outlet/plates/{right.public_id}/"


def test_swap_page(at_t0: Any) -> None:
    person = make_person()
    a, b = make_vehicle(person), make_vehicle(person)
    c = _client(make_citizen(person))
    assert 'data-testid="swap-form"' in c.get("/portal/plates/swap/").content.decode()
    r = c.post("/portal/plates/swap/", {"vehicle_a": a.public_id, "vehicle_b": b.public_id})
    assert r.status_code == 302
    again = c.post("/portal/plates/swap/", {"vehicle_a": a.public_id, "vehicle_b": b.public_id})
    assert again.status_code == 422 and 'data-testid="vehicle_b-error"' in again.content.decode()
    same = c.post("/portal/plates/swap/", {"vehicle_a": a.public_id, "vehicle_b": a.public_id})
    assert same.status_code == 422


def test_orders_page(at_t0: Any) -> None:
    from tests.plates.test_registration import test_registration_end_to_end

    test_registration_end_to_end(at_t0)
    order = PlateOrder.objects.get()
    clerk = _client(make_staff("counter_clerk", "3201"))
    page = clerk.get("/console/plates/orders/").content.decode()
    assert order.order_no in page and 'data-testid="order-delivered"' in page
    r = clerk.post("/console/plates/orders/", {"order": order.public_id, "command": "delivered"})
    assert r.status_code == 302
    order.refresh_from_db()
    assert order.state == "delivered"
    r = clerk.post("/console/plates/orders/", {"order": order.public_id, "command": "delivered"})
    assert r.status_code == 422
    assert _client(make_citizen(make_person())).get("/console/plates/orders/").status_code == 404
