"""Inspection anywhere with a booking (全国通检, R164 Art. 54): a citizen here books a slot at a
station here for a vehicle registered in another province; the station checks it in and
records the result, which goes home as ``inspection.result``; the home province refuses a
result whose declared facts (class, owner) do not match its register. Service and API, both
databases; the capacity of the shared slot counter; the station's scope."""

from __future__ import annotations

import random
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client, override_settings

from jiaoguan.audit.models import AuditEvent
from jiaoguan.audit.services import Actor
from jiaoguan.demo.seed import make_vin
from jiaoguan.exchange import selectors, services
from jiaoguan.exchange.constants import ForeignInspectionState
from jiaoguan.exchange.models import ForeignAppointment, ForeignAppointmentEvent, OutboxMessage
from jiaoguan.inspection.models import SlotCounter
from jiaoguan.kernel import clock
from jiaoguan.kernel.errors import Conflict, DomainError, Forbidden, NotFound
from tests.conftest import make_citizen, make_person, make_staff, new_id_number
from tests.exchange.test_services import GD_PUBLIC, from_guangdong
from tests.inspection.stations_fixtures import due_car, make_station, station_staff
from tests.inspection.test_stations import NOW, TODAY, account_of, all_items, at, book

_vins = iter(range(200_000, 300_000))


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with clock.frozen(NOW):
        yield


@pytest.fixture
def guangdong(db: None) -> Iterator[Any]:
    """This deployment is 江苏 (32); 广东 (44) is a configured peer."""
    with override_settings(EXCHANGE_PROVINCE="32"):
        yield services.peer_upsert(
            actor=Actor.system(),
            province_code="44",
            base_url="http://127.0.0.1:9/",
            public_key=GD_PUBLIC,
        )


def gd_vin() -> str:
    return make_vin(random.Random(7), next(_vins), 2020)


def booking(station: Any, citizen: Any = None, **over: Any) -> dict[str, Any]:
    citizen = citizen or make_citizen()
    return {
        "actor": Actor.of(citizen),
        "principal": citizen,
        "station": station,
        "slot_start": at("10:00"),
        "home_province": "44",
        "plate_number": "粤A12345",
        "vin": gd_vin(),
        "vehicle_class": "small_passenger",
        "owner_id_number": new_id_number("440106"),
        **over,
    }


# --- service ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_booked_foreign_inspection_goes_home_and_the_answer_comes_back(guangdong: Any) -> None:
    station = make_station()
    staff = station_staff(station)
    args = booking(station)
    appt = services.foreign_appointment_book(**args)
    assert appt.state == "booked" and appt.booked_by is not None
    assert SlotCounter.objects.get(station=station, start=at("10:00")).taken == 1
    # the ID number is kept encrypted, never in clear
    assert args["owner_id_number"].encode() not in bytes(appt.owner_id_number_enc)
    with pytest.raises(Conflict) as exc:  # no result before the check-in
        services.foreign_inspection_record(
            actor=Actor.of(staff),
            principal=staff,
            items=all_items(),
            appointment=appt,
            home_province="",
            plate_number="",
            vin="",
            vehicle_class="",
        )
    assert exc.value.code == "not_checked_in"
    services.foreign_appointment_transition(
        actor=Actor.of(staff), principal=staff, appointment=appt, command="check_in"
    )
    inspection = services.foreign_inspection_record(
        actor=Actor.of(staff),
        principal=staff,
        home_province="",  # the booking's facts are used
        plate_number="",
        vin="",
        vehicle_class="",
        items=all_items(),
        inspector="张工",
        appointment=appt,
    )
    appt.refresh_from_db()
    assert appt.state == "done" and appt.inspection == inspection
    assert inspection.vin == args["vin"] and inspection.outcome == "pass"
    body = OutboxMessage.objects.get(type="inspection.result").envelope["body"]
    assert body["owner_id_number"] == args["owner_id_number"]
    assert body["plate"] == "粤A12345" and body["vin"] == args["vin"]
    assert list(
        ForeignAppointmentEvent.objects.filter(appointment=appt)
        .order_by("id")
        .values_list("command", flat=True)
    ) == ["book", "check_in", "record_result"]
    assert (
        AuditEvent.objects.filter(
            object_type="foreign_appointment", object_ref=str(appt.public_id)
        ).count()
        == 3
    )
    # the home province's refusal comes back, with its reason, to this station only
    answer = from_guangdong(
        "inspection.recorded",
        {"inspection": str(inspection.public_id), "outcome": "refused", "reason": "owner_mismatch"},
    )
    services.inbox_receive(envelope=answer)
    inspection.refresh_from_db()
    assert inspection.state == ForeignInspectionState.REFUSED
    assert inspection.answer == "owner_mismatch"
    assert list(selectors.foreign_inspections_for(staff)) == [inspection]
    other = station_staff(make_station())
    assert list(selectors.foreign_inspections_for(other)) == []
    assert list(selectors.foreign_appointments_for(other)) == []


@pytest.mark.django_db
def test_booking_refusals(guangdong: Any) -> None:
    station = make_station(vehicle_classes=["small_passenger", "large_passenger"])
    cases: list[tuple[dict[str, Any], str]] = [
        ({"vehicle_class": "large_passenger"}, "not_elsewhere"),
        ({"vehicle_class": "school_bus"}, "not_elsewhere"),
        ({"vehicle_class": "light_truck"}, "class_not_inspected"),
        ({"vehicle_class": "tank"}, "invalid_class"),
        ({"home_province": "32"}, "registered_here"),
        ({"home_province": "11"}, "unknown_peer"),
        ({"vin": "LSVAB2BJ0KN00000X"}, "bad_check_digit"),
        ({"owner_id_number": "44010619900101123"}, "wrong_length"),
        ({"slot_start": at("06:00")}, "invalid_slot"),  # before opening
        ({"slot_start": at("10:00", TODAY.replace(day=9))}, "invalid_slot"),  # in the past
    ]
    for change, code in cases:
        with pytest.raises(DomainError) as exc:
            services.foreign_appointment_book(**booking(station, **change))
        assert exc.value.code == code, (change, exc.value.code)
        if code == "not_elsewhere":
            assert exc.value.citation
    # a VIN registered here is booked as a local vehicle
    local = due_car(today=TODAY)
    with pytest.raises(DomainError) as exc:
        services.foreign_appointment_book(**booking(station, vin=local.vin))
    assert exc.value.code == "registered_here"
    # only a citizen books
    with pytest.raises(Forbidden):
        services.foreign_appointment_book(
            **booking(station, citizen=make_staff("counter_clerk", "3201"))
        )
    # one open visit per vehicle
    first = booking(station)
    services.foreign_appointment_book(**first)
    with pytest.raises(Conflict) as exc:
        services.foreign_appointment_book(**{**first, "slot_start": at("11:00")})
    assert exc.value.code == "already_booked"
    assert ForeignAppointment.objects.count() == 1
    assert SlotCounter.objects.get(station=station, start=at("10:00")).taken == 1


@pytest.mark.django_db
def test_foreign_and_local_bookings_share_the_slot_capacity(guangdong: Any) -> None:
    station = make_station(capacity_per_slot=2)
    local = book(due_car(today=TODAY), station, at("10:00"))
    citizen = make_citizen()
    appt = services.foreign_appointment_book(**booking(station, citizen))
    with pytest.raises(Conflict) as exc:
        services.foreign_appointment_book(**booking(station))
    assert exc.value.code == "slot_full"
    with pytest.raises(DomainError) as exc:
        book(due_car(today=TODAY), station, at("10:00"))
    assert exc.value.code == "slot_full"
    # the citizen who booked cancels (before the deadline): the place is free again
    services.foreign_appointment_transition(
        actor=Actor.of(citizen), principal=citizen, appointment=appt, command="cancel"
    )
    assert SlotCounter.objects.get(station=station, start=at("10:00")).taken == 1
    services.foreign_appointment_book(**booking(station))
    assert local.state == "booked"


@pytest.mark.django_db
def test_transitions_by_whom(guangdong: Any) -> None:
    station = make_station()
    citizen = make_citizen()
    appt = services.foreign_appointment_book(**booking(station, citizen))
    stranger = make_citizen()
    other_staff = station_staff(make_station())
    for who in (stranger, other_staff):
        with pytest.raises(NotFound):
            services.foreign_appointment_transition(
                actor=Actor.of(who), principal=who, appointment=appt, command="cancel"
            )
    with pytest.raises(Forbidden):  # the owner does not check themself in
        services.foreign_appointment_transition(
            actor=Actor.of(citizen), principal=citizen, appointment=appt, command="check_in"
        )
    staff = station_staff(station)
    with pytest.raises(Conflict) as exc:
        services.foreign_appointment_transition(
            actor=Actor.of(staff), principal=staff, appointment=appt, command="mark_no_show"
        )
    assert exc.value.code == "slot_not_over"
    with pytest.raises(DomainError):
        services.foreign_appointment_transition(
            actor=Actor.of(staff), principal=staff, appointment=appt, command="record_result"
        )
    # another station cannot record a result on it
    with pytest.raises(NotFound):
        services.foreign_inspection_record(
            actor=Actor.of(other_staff),
            principal=other_staff,
            items=all_items(),
            appointment=appt,
            home_province="",
            plate_number="",
            vin="",
            vehicle_class="",
        )


@pytest.mark.django_db
def test_home_province_refuses_a_result_whose_facts_do_not_match(client: Client) -> None:
    """At the home province (this deployment, 32): the station's province (44) sends the
    result of a booked inspection with the declared owner and class."""
    with override_settings(EXCHANGE_PROVINCE="32"):
        services.peer_upsert(
            actor=Actor.system(),
            province_code="44",
            base_url="http://127.0.0.1:9/",
            public_key=GD_PUBLIC,
        )
        owner = make_person()
        car = due_car(today=TODAY, person=owner)
        assert car.plate is not None

        def result(**over: Any) -> dict[str, Any]:
            body = {
                "inspection": str(uuid.uuid4()),
                "vin": car.vin,
                "plate": car.plate.number,
                "vehicle_class": "small_passenger",
                "outcome": "pass",
                "items": all_items(),
                "inspected_on": TODAY.isoformat(),
                "station": "广州市检测站",
                "station_region": "440106",
                "owner_id_number": owner.id_number,
                **over,
            }
            r = client.post(
                "/api/v1/exchange/inbox",
                from_guangdong("inspection.result", body),
                content_type="application/json",
            )
            assert r.status_code == 200, r.content
            return r.json()["result"]

        assert result(owner_id_number=new_id_number("440106"))["reason"] == "owner_mismatch"
        assert result(vehicle_class="light_truck")["reason"] == "class_mismatch"
        car.refresh_from_db()
        before = car.inspection_valid_until
        assert result()["outcome"] == "recorded"
        car.refresh_from_db()
        assert car.inspection_valid_until != before


# --- API -------------------------------------------------------------------------------------


def signed_in(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def post(c: Client, url: str, body: Any = None) -> Any:
    return c.post(f"/api/v1{url}", body or {}, content_type="application/json")


@pytest.mark.django_db
def test_api_book_check_in_result_and_scope(guangdong: Any) -> None:
    station = make_station()
    citizen = signed_in(make_citizen())
    payload = {
        "station": str(station.public_id),
        "slot_start": at("10:00").isoformat(),
        "home_province": "44",
        "plate_number": "粤B54321",
        "vin": gd_vin(),
        "vehicle_class": "small_passenger",
        "owner_id_number": new_id_number("440106"),
    }
    bus = post(citizen, "/exchange/appointments", {**payload, "vehicle_class": "large_passenger"})
    assert bus.status_code == 422 and bus["Content-Type"] == "application/problem+json"
    assert bus.json()["code"] == "not_elsewhere" and bus.json()["citations"]
    bad = post(citizen, "/exchange/appointments", {**payload, "station": "nope"})
    assert bad.status_code == 404
    junk = post(citizen, "/exchange/appointments", {**payload, "slot_start": "soon"})
    assert junk.status_code in (400, 422)
    r = post(citizen, "/exchange/appointments", payload)
    assert r.status_code == 201, r.content
    appt = r.json()
    assert appt["state"] == "booked" and appt["inspection"] is None
    assert "owner_id_number" not in appt
    staff = signed_in(station_staff(station))
    other = signed_in(station_staff(make_station()))
    assert [a["id"] for a in staff.get("/api/v1/exchange/appointments").json()["items"]] == [
        appt["id"]
    ]
    assert other.get("/api/v1/exchange/appointments").json()["items"] == []
    assert signed_in(make_citizen()).get("/api/v1/exchange/appointments").json()["items"] == []
    assert other.get(f"/api/v1/exchange/appointments/{appt['id']}").status_code == 404
    assert post(other, f"/exchange/appointments/{appt['id']}/check-in").status_code == 404
    assert post(citizen, f"/exchange/appointments/{appt['id']}/check-in").status_code == 403
    r = post(staff, f"/exchange/appointments/{appt['id']}/check-in")
    assert r.status_code == 200 and r.json()["state"] == "checked_in"
    missing = post(staff, f"/exchange/appointments/{appt['id']}/result", {"items": {"brakes": {}}})
    assert missing.status_code == 422 and missing.json()["invalid_params"][0]["name"].startswith(
        "items."
    )
    r = post(
        staff,
        f"/exchange/appointments/{appt['id']}/result",
        {"items": all_items(brakes="制动力不足"), "inspector": "李工"},
    )
    assert r.status_code == 201, r.content
    assert r.json()["outcome"] == "fail" and r.json()["state"] == "sent"
    assert r.json()["appointment"] == appt["id"]
    listed = staff.get("/api/v1/exchange/inspections").json()["items"]
    assert [i["id"] for i in listed] == [r.json()["id"]]
    assert other.get("/api/v1/exchange/inspections").json()["items"] == []
    again = post(staff, f"/exchange/appointments/{appt['id']}/result", {"items": all_items()})
    assert again.status_code == 409
    mine = citizen.get(f"/api/v1/exchange/appointments/{appt['id']}").json()
    assert mine["state"] == "done" and mine["inspection"]["outcome"] == "fail"


# --- concurrency (PostgreSQL) ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_local_and_foreign_bookings_never_overbook() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("real concurrency on the slot counter's row lock needs PostgreSQL")
    with override_settings(EXCHANGE_PROVINCE="32"):
        services.peer_upsert(
            actor=Actor.system(),
            province_code="44",
            base_url="http://127.0.0.1:9/",
            public_key=GD_PUBLIC,
        )
        station = make_station(capacity_per_slot=3)
        slot = at("10:00")
        cars = [due_car(today=TODAY) for _ in range(4)]
        locals_ = [account_of(c.owner_person) for c in cars]
        foreigners = [booking(station, slot_start=slot) for _ in range(4)]
        gate = threading.Barrier(8)
        outcomes: list[str] = []
        lock = threading.Lock()

        def attempt(i: int) -> None:
            try:
                gate.wait()
                try:
                    if i < 4:
                        from jiaoguan.inspection import services as inspection

                        inspection.appointment_book(
                            actor=Actor.of(locals_[i]),
                            principal=locals_[i],
                            vehicle=cars[i],
                            station=station,
                            slot_start=slot,
                        )
                    else:
                        services.foreign_appointment_book(**foreigners[i - 4])
                    outcome = "booked"
                except DomainError as exc:
                    outcome = exc.code
                with lock:
                    outcomes.append(outcome)
            finally:
                connection.close()

        threads = [threading.Thread(target=attempt, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert Counter(outcomes) == {"booked": 3, "slot_full": 5}
        assert SlotCounter.objects.get(station=station, start=slot).taken == 3


# --- pages -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_pages_citizen_books_and_station_records(guangdong: Any) -> None:
    station = make_station()
    citizen = signed_in(make_citizen())
    vin = gd_vin()
    facts = {
        "home_province": "44",
        "plate_number": "粤a66666",
        "vin": vin,
        "vehicle_class": "small_passenger",
        "owner_id_number": new_id_number("440106"),
        "station": str(station.public_id),
        "date": TODAY.isoformat(),
    }
    page = citizen.get("/portal/inspection/foreign/", facts)
    assert page.status_code == 200 and 'data-testid="slot"' in page.content.decode()
    slot = at("10:00").isoformat()
    # a large bus is refused beside its field
    bus = citizen.post(
        "/portal/inspection/foreign/", {**facts, "vehicle_class": "large_passenger", "slot": slot}
    )
    assert bus.status_code == 200 and "has-error" in bus.content.decode()
    assert ForeignAppointment.objects.count() == 0
    r = citizen.post("/portal/inspection/foreign/", {**facts, "slot": slot})
    assert r.status_code == 302, r.content.decode()[-2000:]
    appt = ForeignAppointment.objects.get()
    assert appt.plate_number == "粤A66666"
    mine = citizen.get("/portal/inspection/foreign/").content.decode()
    assert "粤A66666" in mine and 'data-testid="booking-state"' in mine
    # the station's page lists it; another station's does not; a citizen is refused
    staff = signed_in(station_staff(station))
    other = signed_in(station_staff(make_station()))
    assert "粤A66666" in staff.get("/station/foreign/").content.decode()
    assert "粤A66666" not in other.get("/station/foreign/").content.decode()
    assert citizen.get("/station/foreign/").status_code == 404
    assert other.post(f"/station/foreign/{appt.public_id}/check_in/").status_code == 404
    assert staff.post(f"/station/foreign/{appt.public_id}/explode/").status_code == 404
    r = staff.post(f"/station/foreign/{appt.public_id}/check_in/")
    assert r.status_code == 302
    form = {i: "pass" for i in all_items()} | {"inspector": "王工"}
    missing_fix = staff.post(f"/station/foreign/{appt.public_id}/", {**form, "brakes": "fail"})
    assert missing_fix.status_code == 200 and 'role="alert"' in missing_fix.content.decode()
    r = staff.post(f"/station/foreign/{appt.public_id}/", form)
    assert r.status_code == 302
    appt.refresh_from_db()
    assert appt.state == "done" and appt.inspection is not None
    assert appt.inspection.outcome == "pass"
    listing = staff.get("/station/foreign/").content.decode()
    assert 'data-testid="inspection-粤A66666"' in listing
    assert "粤A66666" not in other.get("/station/foreign/").content.decode()
    # the desk links to it
    assert "/station/foreign/" in staff.get("/station/").content.decode()


@pytest.mark.django_db
def test_the_daily_job_marks_foreign_no_shows(guangdong: Any) -> None:
    import datetime as dt

    station = make_station()
    kept = services.foreign_appointment_book(**booking(station, slot_start=at("09:00")))
    missed = services.foreign_appointment_book(**booking(station, slot_start=at("09:30")))
    later = services.foreign_appointment_book(**booking(station, slot_start=at("16:00")))
    staff = station_staff(station)
    with clock.frozen(NOW.replace(hour=9, minute=5)):
        services.foreign_appointment_transition(
            actor=Actor.of(staff), principal=staff, appointment=kept, command="check_in"
        )
    with clock.frozen(NOW.replace(hour=10, minute=31)):
        assert services.foreign_appointments_no_show_run(actor=Actor.system("t")) == 1
    states = {a.pk: a.state for a in ForeignAppointment.objects.all()}
    assert states == {kept.pk: "checked_in", missed.pk: "no_show", later.pk: "booked"}
    with clock.frozen(NOW.replace(hour=10, minute=31) + dt.timedelta(minutes=1)):
        assert services.foreign_appointments_no_show_run(actor=Actor.system("t")) == 0


@pytest.mark.django_db
def test_suspending_the_station_cancels_its_foreign_bookings_too(guangdong: Any) -> None:
    """R164 Art. 72: a suspended station takes no booking; those booked for vehicles of other
    provinces are cancelled with the local ones and their places released."""
    from jiaoguan.inspection import services as inspection

    station = make_station()
    appt = services.foreign_appointment_book(**booking(station))
    other = services.foreign_appointment_book(**booking(make_station()))
    manager = make_staff("reviewer", "3201")
    inspection.station_status_set(
        actor=Actor.of(manager),
        principal=manager,
        station=station,
        status="suspended",
        reason="R164 第72条：出具虚假检验结果",
    )
    appt.refresh_from_db()
    assert appt.state == "cancelled" and appt.closed_at is not None
    assert ForeignAppointment.objects.get(pk=other.pk).state == "booked"  # another station's
    assert SlotCounter.objects.get(station=station, start=at("10:00")).taken == 0
    event = ForeignAppointmentEvent.objects.filter(appointment=appt).order_by("id").last()
    assert event is not None and event.command == "cancel"
    assert event.reason.startswith("station suspended")
    # the citizen who booked is told, by SMS and on the portal
    from jiaoguan.notices.models import Notice

    notice = Notice.objects.get(template="inspection.booking_cancelled")
    assert notice.person_id == appt.booked_by_id and notice.object_ref == str(appt.public_id)
    assert notice.params["plate"] == "粤A12345" and notice.params["slot"].endswith("10:00")
