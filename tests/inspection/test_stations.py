"""Inspection stations: profiles managed by the vehicle office, online booking by slot with
capacity, cancellation and no-show rules, walk-ins, results item by item with re-test, the
label issued on a pass, and inspection anywhere (全国通检, R164 Art. 54)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from jiaoguan.accounts.models import User
from jiaoguan.audit.models import AuditEvent
from jiaoguan.audit.selectors import audit_verify
from jiaoguan.audit.services import Actor
from jiaoguan.demo.seed import serial
from jiaoguan.documents.models import Document
from jiaoguan.inspection import selectors, services
from jiaoguan.inspection.constants import InspectionItem
from jiaoguan.inspection.models import Appointment, SlotCounter
from jiaoguan.inspection.rules import Vehicle as Facts
from jiaoguan.inspection.rules import next_valid_until
from jiaoguan.kernel import clock
from jiaoguan.kernel.errors import Conflict, DomainError, Forbidden, NotFound
from jiaoguan.kernel.plates import Plate as PlateNumber
from jiaoguan.registry.models import Vehicle
from tests.conftest import make_citizen, make_person, make_staff
from tests.inspection.stations_fixtures import (
    HOURS,
    due_car,
    make_station,
    make_station_org,
    station_staff,
)

pytestmark = pytest.mark.django_db
# Wednesday 10 June 2026, 07:00 in Nanjing
NOW = dt.datetime(2026, 6, 10, 7, 0, tzinfo=clock.SHANGHAI)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with clock.frozen(NOW):
        yield


def at(hhmm: str, day: dt.date = TODAY) -> dt.datetime:
    return selectors.local_day(day, hhmm).astimezone(dt.UTC)


def book(vehicle: Vehicle, station: Any, slot: dt.datetime) -> Appointment:
    owner = vehicle.owner_person
    assert owner is not None
    user = account_of(owner)
    return services.appointment_book(
        actor=Actor.of(user), principal=user, vehicle=vehicle, station=station, slot_start=slot
    )


def account_of(person: Any) -> User:
    return User.objects.filter(person=person).first() or make_citizen(person)


def all_items(**fails: str) -> dict[str, dict[str, str]]:
    return {
        i: ({"outcome": "fail", "fix": fails[i]} if i in fails else {"outcome": "pass"})
        for i in InspectionItem.values
    }


def run(station: Any, appt: Appointment, command: str) -> Appointment:
    desk = station_staff(station)
    return services.appointment_transition(
        actor=Actor.of(desk), principal=desk, appointment=appt, command=command
    )


# --- profiles ---------------------------------------------------------------------------------


def test_the_vehicle_office_registers_and_suspends_a_station_audited() -> None:
    station = make_station(lines=3, capacity_per_slot=4)
    assert station.opening_hours == HOURS and "sun" not in station.opening_hours
    assert AuditEvent.objects.filter(action="inspection.station_create").count() == 1
    manager = make_staff("reviewer", "3201")
    services.station_status_set(
        actor=Actor.of(manager),
        principal=manager,
        station=station,
        status="suspended",
        reason="R164 第72条：出具虚假检验结果",
    )
    assert AuditEvent.objects.filter(action="inspection.station_status").count() == 1
    assert station not in selectors.stations_public()


def test_only_managers_in_scope_manage_and_the_profile_is_checked() -> None:
    org = make_station_org()
    clerk = make_staff("counter_clerk", "3201")
    kw: dict[str, Any] = {
        "lines": 2,
        "capacity_per_slot": 2,
        "opening_hours": HOURS,
        "vehicle_classes": ["small_passenger"],
    }
    with pytest.raises(Forbidden):
        services.station_create(actor=Actor.of(clerk), principal=clerk, organisation=org, **kw)
    suzhou = make_staff("reviewer", "3205")
    with pytest.raises(NotFound):
        services.station_create(actor=Actor.of(suzhou), principal=suzhou, organisation=org, **kw)
    manager = make_staff("reviewer", "3201")
    cases: list[tuple[dict[str, Any], str]] = [
        ({"opening_hours": {"mon": ["17:00", "08:00"]}}, "opening_hours"),
        ({"opening_hours": {"someday": ["08:00", "17:00"]}}, "opening_hours"),
        ({"vehicle_classes": ["spaceship"]}, "vehicle_classes"),
        ({"lines": 0}, "lines"),
        ({"slot_minutes": 7}, "slot_minutes"),
    ]
    for bad, field in cases:
        with pytest.raises(DomainError) as exc:
            services.station_create(
                actor=Actor.of(manager), principal=manager, organisation=org, **(kw | bad)
            )
        assert exc.value.field == field


def test_slots_follow_opening_hours_and_count_places_left() -> None:
    station = make_station(capacity_per_slot=1)
    slots = selectors.station_slots(station, TODAY)
    assert [s.start for s in slots[:2]] == [at("08:30"), at("09:00")]
    assert slots[-1].start == at("16:30") and len(slots) == 17
    assert selectors.station_slots(station, dt.date(2026, 6, 14)) == []  # Sunday: closed
    book(due_car(today=TODAY), station, at("09:00"))
    left = {s.start: s.remaining for s in selectors.station_slots(station, TODAY)}
    assert left[at("09:00")] == 0 and left[at("08:30")] == 1


# --- booking ----------------------------------------------------------------------------------


def test_a_due_vehicle_books_a_slot_and_the_station_sees_it() -> None:
    station = make_station()
    car = due_car(today=TODAY)
    appt = book(car, station, at("10:00"))
    assert (
        appt.state == "booked" and not appt.cross_region and appt.due == car.inspection_valid_until
    )
    desk = station_staff(station)
    assert list(selectors.appointments_for(desk)) == [appt]
    other = station_staff(make_station())
    assert list(selectors.appointments_for(other)) == []
    with pytest.raises(NotFound):
        selectors.appointment_get(other, appt.public_id)
    assert list(selectors.appointments_for(account_of(car.owner_person))) == [appt]
    with pytest.raises(Conflict) as exc:
        book(car, station, at("11:00"))
    assert exc.value.code == "already_booked"


@pytest.mark.parametrize(
    ("years", "days_left", "code", "field"),
    [
        (2, 10, "label_only", "vehicle"),  # year 2: the label alone, online
        (8, 10, "label_only", "vehicle"),
        (6, 120, "not_due_yet", "vehicle"),  # the window opens 3 months before the end
    ],
)
def test_booking_refused_with_the_rule(years: int, days_left: int, code: str, field: str) -> None:
    station = make_station()
    with pytest.raises(DomainError) as exc:
        book(due_car(today=TODAY, years=years, days_left=days_left), station, at("10:00"))
    assert (exc.value.code, exc.value.field) == (code, field)
    assert exc.value.citation


def test_an_overdue_vehicle_may_book() -> None:
    appt = book(due_car(today=TODAY, days_left=-40), make_station(), at("10:00"))
    assert appt.state == "booked"


@pytest.mark.parametrize(
    "slot",
    [
        at("06:30"),
        at("10:10"),
        at("17:00"),
        at("10:00", dt.date(2026, 6, 14)),
        at("10:00", dt.date(2026, 6, 30)),
    ],
    ids=["before-opening", "off-grid", "closing", "sunday", "beyond-horizon"],
)
def test_only_open_slots_can_be_booked(slot: dt.datetime) -> None:
    with pytest.raises(DomainError) as exc:
        book(due_car(today=TODAY), make_station(), slot)
    assert (exc.value.code, exc.value.field) == ("invalid_slot", "slot_start")


def test_capacity_is_enforced_and_a_cancellation_frees_the_place() -> None:
    station = make_station(capacity_per_slot=1)
    first = book(due_car(today=TODAY), station, at("10:00"))
    second = due_car(today=TODAY)
    with pytest.raises(Conflict) as exc:
        book(second, station, at("10:00"))
    assert (exc.value.code, exc.value.field) == ("slot_full", "slot_start")
    owner = account_of(first.owner)
    services.appointment_transition(
        actor=Actor.of(owner), principal=owner, appointment=first, command="cancel"
    )
    assert SlotCounter.objects.get().taken == 0
    assert book(second, station, at("10:00")).state == "booked"


def test_owners_cancel_only_up_to_the_configured_time_before(settings: Any) -> None:
    settings.INSPECTION_CANCEL_BEFORE_MINUTES = 180
    appt = book(due_car(today=TODAY), make_station(), at("09:30"))  # 2.5 h from now
    owner = account_of(appt.owner)
    with pytest.raises(DomainError) as exc:
        services.appointment_transition(
            actor=Actor.of(owner), principal=owner, appointment=appt, command="cancel"
        )
    assert exc.value.code == "too_late_to_cancel"
    settings.INSPECTION_CANCEL_BEFORE_MINUTES = 120
    appt = services.appointment_transition(
        actor=Actor.of(owner), principal=owner, appointment=appt, command="cancel"
    )
    assert appt.state == "cancelled"
    assert list(appt.events.values_list("command", flat=True)) == ["book", "cancel"]


def test_three_no_shows_in_90_days_block_online_booking_for_30_days_not_walk_ins() -> None:
    station = make_station()
    person = make_person()
    cars = [due_car(today=TODAY, person=person) for _ in range(4)]
    days = [dt.date(2026, 5, 4), dt.date(2026, 5, 18), dt.date(2026, 6, 1)]  # Mondays
    for car, day in zip(cars, days, strict=False):
        with clock.frozen(selectors.local_day(day, "07:00")):
            book(car, station, at("09:00", day))
    with clock.frozen(NOW):
        assert services.appointments_no_show_run(actor=Actor.system("tests")) == 3
    with pytest.raises(DomainError) as exc:
        book(cars[3], station, at("10:00"))
    assert exc.value.code == "booking_blocked" and "2026-07-01" in exc.value.message
    desk = station_staff(station)
    walk = services.walk_in_check_in(actor=Actor.of(desk), principal=desk, vehicle=cars[3])
    assert walk.state == "checked_in" and walk.walk_in
    with clock.frozen(selectors.local_day(dt.date(2026, 7, 1), "07:00")):
        services.inspection_result_record(
            actor=Actor.of(desk), principal=desk, appointment=walk, items=all_items()
        )
        assert book(cars[0], station, at("10:00", dt.date(2026, 7, 1))).state == "booked"


def test_no_show_only_after_the_slot_and_check_in_only_on_its_day() -> None:
    station = make_station()
    appt = book(due_car(today=TODAY), station, at("10:00", dt.date(2026, 6, 11)))
    with pytest.raises(DomainError) as exc:
        run(station, appt, "check_in")
    assert exc.value.code == "not_today"
    with pytest.raises(Conflict):
        run(station, appt, "mark_no_show")
    owner = account_of(appt.owner)
    with pytest.raises(Forbidden):
        services.appointment_transition(
            actor=Actor.of(owner), principal=owner, appointment=appt, command="check_in"
        )
    with clock.frozen(selectors.local_day(dt.date(2026, 6, 11), "09:55")):
        assert run(station, appt, "check_in").state == "checked_in"


# --- results ----------------------------------------------------------------------------------


def _checked_in(station: Any, **kw: Any) -> Appointment:
    appt = book(due_car(today=TODAY, **kw), station, at("08:30"))
    with clock.frozen(selectors.local_day(TODAY, "08:25")):
        return run(station, appt, "check_in")


def test_a_pass_issues_the_label_and_the_next_period_in_one_go() -> None:
    station = make_station()
    appt = _checked_in(station)
    car = appt.vehicle
    desk = station_staff(station)
    result = services.inspection_result_record(
        actor=Actor.of(desk), principal=desk, appointment=appt, items=all_items(), inspector="王工"
    )
    car.refresh_from_db()
    # year 6 under the 2022 reform: the next period lasts 2 years (on site again at year 8? no:
    # label only at 8, on site at 10)
    assert car.inspection_valid_until == dt.date(2028, 6, 20) == result.valid_until
    assert result.outcome == "pass" and Appointment.objects.get(pk=appt.pk).state == "done"
    label = Document.objects.get(public_id=result.label_ref)
    assert label.kind == "inspection_label" and label.fields["inspection_valid_until"] == "2028-06"
    assert label.holder_person_ref == str(appt.owner.public_id)  # type: ignore[union-attr]
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"inspection.result_record", "vehicle.inspection_record"} <= actions
    assert audit_verify().ok
    with pytest.raises(Conflict):  # a passed inspection is closed
        services.inspection_result_record(
            actor=Actor.of(desk), principal=desk, appointment=appt, items=all_items()
        )


def test_a_fail_names_what_to_fix_and_the_re_test_examines_only_those_items() -> None:
    station = make_station()
    appt = _checked_in(station)
    desk = station_staff(station)
    before = appt.vehicle.inspection_valid_until
    with pytest.raises(DomainError) as exc:
        services.inspection_result_record(
            actor=Actor.of(desk),
            principal=desk,
            appointment=appt,
            items=all_items() | {"brakes": {"outcome": "fail", "fix": ""}},
        )
    assert (exc.value.code, exc.value.field) == ("fix_required", "items.brakes")
    with pytest.raises(DomainError) as exc:
        services.inspection_result_record(
            actor=Actor.of(desk),
            principal=desk,
            appointment=appt,
            items={"brakes": {"outcome": "pass"}},
        )
    assert exc.value.code == "items_missing"
    failed = services.inspection_result_record(
        actor=Actor.of(desk),
        principal=desk,
        appointment=appt,
        items=all_items(brakes="左前制动力不足", headlamps="远光偏移"),
    )
    assert failed.outcome == "fail" and failed.valid_until is None
    assert Vehicle.objects.get(pk=appt.vehicle_id).inspection_valid_until == before
    assert not Document.objects.filter(kind="inspection_label").exists()
    with pytest.raises(DomainError) as exc:  # only the failed items are re-tested
        services.inspection_result_record(
            actor=Actor.of(desk), principal=desk, appointment=appt, items=all_items()
        )
    assert exc.value.code == "item_not_retested"
    retest = services.inspection_result_record(
        actor=Actor.of(desk),
        principal=desk,
        appointment=appt,
        items={"brakes": {"outcome": "pass"}, "headlamps": {"outcome": "fail", "fix": "仍偏移"}},
    )
    assert retest.retest_of == failed and retest.outcome == "fail"
    passed = services.inspection_result_record(
        actor=Actor.of(desk),
        principal=desk,
        appointment=appt,
        items={"headlamps": {"outcome": "pass"}},
    )
    assert passed.outcome == "pass" and passed.retest_of == retest
    assert Vehicle.objects.get(pk=appt.vehicle_id).inspection_valid_until == passed.valid_until


def test_the_re_test_closes_after_15_days() -> None:
    station = make_station()
    appt = _checked_in(station)
    desk = station_staff(station)
    services.inspection_result_record(
        actor=Actor.of(desk), principal=desk, appointment=appt, items=all_items(brakes="制动不足")
    )
    with clock.frozen(NOW + dt.timedelta(days=16)), pytest.raises(DomainError) as exc:
        services.inspection_result_record(
            actor=Actor.of(desk),
            principal=desk,
            appointment=appt,
            items={"brakes": {"outcome": "pass"}},
        )
    assert exc.value.code == "retest_closed"
    # a new inspection may then be booked: the failed visit is closed
    with clock.frozen(NOW + dt.timedelta(days=16)):
        assert book(appt.vehicle, station, at("10:00", dt.date(2026, 6, 29))).state == "booked"


def test_another_station_cannot_record_and_a_suspended_station_records_nothing() -> None:
    station = make_station()
    appt = _checked_in(station)
    other = station_staff(make_station())
    with pytest.raises(NotFound):
        services.inspection_result_record(
            actor=Actor.of(other), principal=other, appointment=appt, items=all_items()
        )
    booked = book(due_car(today=TODAY), station, at("15:00"))
    manager = make_staff("reviewer", "3201")
    services.station_status_set(
        actor=Actor.of(manager),
        principal=manager,
        station=station,
        status="suspended",
        reason="造假",
    )
    assert Appointment.objects.get(pk=booked.pk).state == "cancelled"
    from jiaoguan.notices.models import Notice

    told = Notice.objects.get(template="inspection.booking_cancelled")  # the owner is told
    assert told.person_id == booked.owner_id and told.object_ref == str(booked.public_id)
    assert told.params["slot"].endswith("15:00") and told.params["station"]
    desk = station_staff(station)
    with pytest.raises(DomainError) as exc:
        services.inspection_result_record(
            actor=Actor.of(desk), principal=desk, appointment=appt, items=all_items()
        )
    assert exc.value.code == "station_suspended" and exc.value.citation == "R164 Art. 72"
    with pytest.raises(DomainError) as exc:
        book(due_car(today=TODAY), station, at("16:00"))
    assert exc.value.code == "station_suspended"


def test_the_next_period_stays_anchored_to_the_registration_date() -> None:
    facts = Facts("small_passenger", "non_commercial", 5, dt.date(2016, 6, 20))
    # passed early, in the window: the period after the one ending 2026-06-20 (age 10: yearly)
    assert next_valid_until(facts, due=dt.date(2026, 6, 20), passed_on=TODAY) == dt.date(
        2027, 6, 20
    )
    # two periods lapsed: the label covers the period containing today
    assert next_valid_until(
        facts, due=dt.date(2024, 6, 20), passed_on=dt.date(2026, 7, 1)
    ) == dt.date(2027, 6, 20)


# --- inspection anywhere (全国通检) -----------------------------------------------------------


def test_a_vehicle_of_another_province_is_inspected_here_and_its_record_updated() -> None:
    station = make_station("3201")
    beijing = str(PlateNumber.generate("京N", serial(4711)))
    car = due_car(today=TODAY, county="110105", plate=beijing)  # registered in Beijing
    appt = book(car, station, at("08:30"))
    assert appt.cross_region
    with clock.frozen(selectors.local_day(TODAY, "08:25")):
        appt = run(station, appt, "check_in")
    desk = station_staff(station)
    result = services.inspection_result_record(
        actor=Actor.of(desk), principal=desk, appointment=appt, items=all_items()
    )
    assert Vehicle.objects.get(pk=car.pk).inspection_valid_until == result.valid_until


def test_large_passenger_vehicles_are_inspected_where_registered() -> None:
    station = make_station("3201")
    far = due_car(today=TODAY, county="320502")  # Suzhou
    near = due_car(today=TODAY)  # Nanjing
    Vehicle.objects.filter(pk__in=[far.pk, near.pk]).update(
        vehicle_class="large_passenger", seats=45
    )
    far.refresh_from_db()
    near.refresh_from_db()
    with pytest.raises(DomainError) as exc:
        book(far, station, at("10:00"))
    assert (exc.value.code, exc.value.citation) == ("cross_region_excluded", "R164 Art. 54")
    assert book(near, station, at("10:00")).state == "booked"
    truck_only = make_station("3201", vehicle_classes=["light_truck"])
    with pytest.raises(DomainError) as exc:
        book(due_car(today=TODAY), truck_only, at("10:00"))
    assert exc.value.code == "class_not_inspected"
