"""Keeping an old number (R164 Arts. 44–45), swapping numbers between two vehicles of one owner
(R164 Art. 20) and giving up a held number: the rules with the DOMAIN.md §3.3 cases (boundary
day before / day of), the services and the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from jiaoguan.audit.models import AuditEvent
from jiaoguan.audit.services import Actor
from jiaoguan.cases import services as cases
from jiaoguan.kernel import clock
from jiaoguan.kernel.errors import DomainError
from jiaoguan.plates import keeping, rules, services
from jiaoguan.plates.constants import NumberState, RightState
from jiaoguan.plates.models import PlateNumber, PlateOrder, SelectionBlock
from jiaoguan.registry.models import Vehicle
from jiaoguan.registry.services import vehicle_status_change
from tests.conftest import make_citizen, make_person, make_staff, make_vehicle
from tests.plates.conftest import online, released_pool
from tests.plates.test_registration import FACTS, good_vin, pick_first, start

D = dt.date
USED = D(2023, 3, 1)
RELEASED = D(2025, 3, 10)


@pytest.mark.parametrize(
    ("applied", "allowed", "code"),
    [
        (D(2027, 3, 9), True, ""),  # the day before the 2-year anniversary
        (D(2027, 3, 10), True, ""),  # the anniversary itself is still "within 2 years"
        (D(2027, 3, 11), False, "keep_too_late"),
        (D(2025, 3, 9), False, "not_released"),
    ],
)
def test_keep_within_two_years(applied: dt.date, allowed: bool, code: str) -> None:
    v = rules.keep_old_number(
        used_from=USED, released_on=RELEASED, applied_on=applied, open_violations=0
    )
    assert (v.allowed, v.code) == (allowed, code)
    assert "R164 Arts. 44–45" in v.citation and "accidents" in v.facts["accidents"]


@pytest.mark.parametrize(
    ("used_from", "allowed"),
    [(D(2024, 3, 10), True), (D(2024, 3, 11), False)],  # used exactly 1 year / a day short
)
def test_keep_used_one_year(used_from: dt.date, allowed: bool) -> None:
    v = rules.keep_old_number(
        used_from=used_from, released_on=RELEASED, applied_on=D(2025, 4, 1), open_violations=0
    )
    assert v.allowed is allowed and (allowed or v.code == "keep_used_too_short")


def test_keep_refused_with_open_violations() -> None:
    v = rules.keep_old_number(
        used_from=USED, released_on=RELEASED, applied_on=D(2025, 4, 1), open_violations=2
    )
    assert not v.allowed and v.code == "keep_violations_open" and v.facts["open_violations"] == 2


def _swap(**kw: Any) -> rules.Verdict:
    base: dict[str, Any] = {
        "same_owner": True,
        "kinds": ("02", "02"),
        "prefixes": ("苏A", "苏A"),
        "usable": (True, True),
        "last_swaps": (None, None),
        "today": D(2026, 3, 10),
    }
    return rules.swap_allowed(**{**base, **kw})


@pytest.mark.parametrize(
    ("last", "allowed"),
    [(D(2025, 3, 11), False), (D(2025, 3, 10), True), (None, True)],  # day before / day of
)
def test_swap_once_a_year(last: dt.date | None, allowed: bool) -> None:
    v = _swap(last_swaps=(None, last))
    assert v.allowed is allowed and (allowed or v.code == "swap_once_a_year")
    assert "R164 Art. 20" in v.citation


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"same_owner": False}, "swap_not_same_owner"),
        ({"kinds": ("02", "52")}, "swap_kind_differs"),
        ({"prefixes": ("苏A", "苏E")}, "swap_kind_differs"),
        ({"usable": (True, False)}, "swap_vehicle_not_usable"),
    ],
)
def test_swap_refusals(kw: dict[str, Any], code: str) -> None:
    assert _swap(**kw).code == code


def test_plate_kind_for() -> None:
    assert rules.plate_kind_for(vehicle_class="small_passenger", fuel="petrol").facts == {
        "kind": "ordinary"
    }
    assert rules.plate_kind_for(vehicle_class="mini_passenger", fuel="bev").facts == {
        "kind": "small_nev"
    }
    assert rules.plate_kind_for(vehicle_class="large_passenger", fuel="fcev").facts == {
        "kind": "large_nev"
    }
    assert not rules.plate_kind_for(vehicle_class="heavy_truck", fuel="diesel").allowed
    assert not rules.plate_kind_for(vehicle_class="motorcycle", fuel="petrol").allowed


# ---- services ----------------------------------------------------------------------------------


STAFF_PERMS = {"registry.change_vehicle_status"}


@pytest.fixture
def catalogue(db: None) -> None:
    cases.catalogue_sync(actor=Actor.system("tests"))


def _deregistered(person: Any, on: dt.datetime, registered: dt.date) -> Vehicle:
    with clock.frozen(on - dt.timedelta(days=1)):
        old = make_vehicle(person, registration_date=registered)
    with clock.frozen(on):
        return vehicle_status_change(
            actor=Actor.system("tests"),
            vehicle=old,
            command="deregister",
            reason="scrapped",
            permissions=STAFF_PERMS,
        )


def test_keep_old_number_end_to_end(at_t0: Any, catalogue: None) -> None:
    released_pool()
    person = make_person()
    old = _deregistered(person, at_t0 - dt.timedelta(days=30), D(2020, 3, 1))
    number = old.plate.number if old.plate else ""
    app, right = start(person, keep_vehicle=str(old.public_id))
    assert right.state == RightState.RESERVED and right.kept_plate_id == old.plate_id
    assert app.form["kept_number"] == number
    with pytest.raises(DomainError):  # nothing to draw: the number is the old one
        services.draw_make(acting=online(right), right=right)
    app = cases.application_submit(actor=Actor.system("t"), principal=None, application=app)
    assert app.state == "awaiting_payment", app.refusal
    order = cases.application_fee_order(actor=Actor.system("t"), application=app)
    app = cases.application_payment_confirmed(application=app, reference=order.order_no)
    reviewer = make_staff("reviewer", "3201")
    app = cases.application_review(
        actor=Actor.of(reviewer), principal=reviewer, application=app, command="approve"
    )
    new = Vehicle.objects.select_related("plate").get(vin=app.form["vin"])
    assert new.plate is not None and new.plate.number == number
    old.refresh_from_db()
    assert old.plate_id is None
    assert PlateOrder.objects.get(application_ref=str(app.public_id)).number == number


def test_keep_the_number_of_a_vehicle_moved_out_of_the_province(
    at_t0: Any, catalogue: None
) -> None:
    """R164 Art. 44: moving out releases the number too (the archive taken in by the other
    province, the record here closed as transferred by the exchange)."""
    released_pool()
    person = make_person()
    with clock.frozen(at_t0 - dt.timedelta(days=31)):
        old = make_vehicle(person, registration_date=D(2020, 3, 1))
    for command, days in (("transfer_out", 31), ("transfer_complete", 30)):
        with clock.frozen(at_t0 - dt.timedelta(days=days)):
            old = vehicle_status_change(
                actor=Actor.system("tests"),
                vehicle=old,
                command=command,
                reason="moved to 44",
                permissions=STAFF_PERMS,
            )
    assert old.status == "transferred"
    _app, right = start(person, keep_vehicle=str(old.public_id))
    assert right.state == RightState.RESERVED and right.kept_plate_id == old.plate_id


def test_keep_refused_too_late_or_not_own(at_t0: Any, catalogue: None) -> None:
    released_pool()
    person = make_person()
    old = _deregistered(person, at_t0 - dt.timedelta(days=800), D(2020, 3, 1))
    with pytest.raises(DomainError) as exc:
        start(person, keep_vehicle=str(old.public_id))
    assert exc.value.code == "keep_too_late"
    with pytest.raises(DomainError) as exc:
        start(make_person(), keep_vehicle=str(old.public_id))
    assert exc.value.code == "not_found"
    mine = make_vehicle(person)  # in use, not released
    with pytest.raises(DomainError) as exc:
        start(person, keep_vehicle=str(mine.public_id))
    assert exc.value.code == "keep_not_released"


def test_swap_service_once_a_year(at_t0: Any, catalogue: None) -> None:
    person = make_person()
    a, b = make_vehicle(person), make_vehicle(person)
    na, nb = a.plate.number, b.plate.number  # type: ignore[union-attr]
    keeping.number_swap(actor=Actor.system("t"), owner=person, vehicle_a=a, vehicle_b=b)
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.plate.number, b.plate.number) == (nb, na)  # type: ignore[union-attr]
    assert AuditEvent.objects.filter(action="vehicle.plate_swap").count() == 2
    with clock.frozen(at_t0 + dt.timedelta(days=364)), pytest.raises(DomainError) as exc:
        keeping.number_swap(actor=Actor.system("t"), owner=person, vehicle_a=b, vehicle_b=a)
    assert exc.value.code == "swap_once_a_year"
    with clock.frozen(at_t0 + dt.timedelta(days=365)):
        keeping.number_swap(actor=Actor.system("t"), owner=person, vehicle_a=b, vehicle_b=a)
    a.refresh_from_db()
    assert a.plate.number == na  # type: ignore[union-attr]


def test_swap_api(at_t0: Any, catalogue: None) -> None:
    person = make_person()
    a, b = make_vehicle(person), make_vehicle(person)
    other = make_vehicle(make_person())
    c = Client()
    c.force_login(make_citizen(person))
    r = c.post(
        "/api/v1/plates/swaps",
        {"vehicle_a": str(a.public_id), "vehicle_b": str(other.public_id)},
        content_type="application/json",
    )
    assert r.status_code == 404, r.content
    r = c.post(
        "/api/v1/plates/swaps",
        {"vehicle_a": str(a.public_id), "vehicle_b": str(b.public_id)},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    assert r.json()["vehicle_a_number"] == b.plate.number  # type: ignore[union-attr]
    r = c.post(
        "/api/v1/plates/swaps",
        {"vehicle_a": str(a.public_id), "vehicle_b": str(b.public_id)},
        content_type="application/json",
    )
    assert r.status_code == 409 and r.json()["code"] == "swap_once_a_year"
    assert r.json()["invalid_params"][0]["citation"].startswith("R164 Art. 20")


# ---- giving up a held number -------------------------------------------------------------------


def test_release_returns_the_number_without_a_block(at_t0: Any, catalogue: None) -> None:
    released_pool()
    _app, right = start()
    number = pick_first(right)
    reservation = right.reservations.get()
    services.plate_release(acting=online(right), reservation=reservation)
    assert PlateNumber.objects.get(number=number).state == NumberState.AVAILABLE
    right.refresh_from_db()
    assert right.state == RightState.OPEN and not SelectionBlock.objects.exists()
    with pytest.raises(DomainError) as exc:
        services.plate_release(acting=online(right), reservation=reservation)
    assert exc.value.code == "not_held"
    pick_first(right)  # selects again


def test_release_api_only_for_the_holder(at_t0: Any, catalogue: None) -> None:
    released_pool()
    person = make_person()
    _app, right = start(person)
    pick_first(right)
    reservation = right.reservations.get()
    stranger = Client()
    stranger.force_login(make_citizen(make_person()))
    url = f"/api/v1/plates/reservations/{reservation.public_id}/release"
    assert stranger.post(url).status_code == 404
    assert stranger.post("/api/v1/plates/reservations/not-a-uuid/release").status_code == 404
    c = Client()
    c.force_login(make_citizen(person))
    r = c.post(url)
    assert r.status_code == 200 and r.json()["state"] == "released"
    assert c.post(url).status_code == 409


def test_registration_api_citizen_and_clerk(at_t0: Any, catalogue: None) -> None:
    released_pool()
    person = make_person()
    c = Client()
    c.force_login(make_citizen(person))
    body = {**FACTS, "vin": good_vin()}
    r = c.post("/api/v1/plates/registrations", body, content_type="application/json")
    assert r.status_code == 201, r.content
    out = r.json()
    assert out["fee_fen"] == 12000 and out["channel"] == "online"
    assert out["right"]["kind"] == "ordinary"
    # bad input is a 422 with the field, never a 500
    r = c.post(
        "/api/v1/plates/registrations",
        {**FACTS, "vin": good_vin(), "fuel": "coal"},
        content_type="application/json",
    )
    assert r.status_code == 422 and r.json()["invalid_params"][0]["name"] == "fuel"
    clerk = Client()
    clerk.force_login(make_staff("counter_clerk", "3201"))
    r = clerk.post(
        "/api/v1/plates/registrations",
        {**FACTS, "vin": good_vin(), "id_number": make_person().id_number},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["channel"] == "window"
    far = Client()
    far.force_login(make_staff("counter_clerk", "3205"))
    r = far.post(
        "/api/v1/plates/registrations",
        {**FACTS, "vin": good_vin(), "id_number": make_person().id_number},
        content_type="application/json",
    )
    assert r.status_code == 403


def test_plate_orders_api_scoped(at_t0: Any, catalogue: None) -> None:
    from tests.plates.test_registration import test_registration_end_to_end

    test_registration_end_to_end(at_t0)
    order = PlateOrder.objects.get()
    here = Client()
    here.force_login(make_staff("counter_clerk", "3201"))
    rows = here.get("/api/v1/plates/orders").json()["items"]
    assert [o["order_no"] for o in rows] == [order.order_no]
    far = Client()
    far.force_login(make_staff("counter_clerk", "3205"))
    assert far.get("/api/v1/plates/orders").json()["items"] == []
    assert far.post(f"/api/v1/plates/orders/{order.public_id}/delivered").status_code == 404
    r = here.post(f"/api/v1/plates/orders/{order.public_id}/delivered")
    assert r.status_code == 200 and r.json()["state"] == "delivered"  # "made" in the journey
    assert here.post(f"/api/v1/plates/orders/{order.public_id}/delivered").status_code == 409
    r = here.post(f"/api/v1/plates/orders/{order.public_id}/bogus")
    assert r.status_code == 422
