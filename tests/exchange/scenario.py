"""Steps of the archive transfer run inside one deployment: imported by the in-process tests,
and run by the two-deployment test inside each server's own environment (``jiaoguan manage
shell -c``), so both call the real services against their own database."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from jiaoguan.audit.services import Actor
from jiaoguan.exchange import services
from jiaoguan.exchange.models import (
    ArchiveTransfer,
    ForeignAppointment,
    ForeignInspection,
    InboxMessage,
    OutboxMessage,
)
from jiaoguan.kernel import clock

CLERK = Actor(ref="clerk-1", label="counter clerk", role="counter_clerk")
PERMS = {services.HANDLE_PERMISSION}
#: Tuesday 2026-03-10, 10:00 in Shanghai: plate selection windows are open.
WORKING_DAY = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)


def seed_vehicle(county: str = "320102", n: int = 1) -> dict[str, str]:
    """A person and a small car registered at ``county``; ``n`` keeps the numbers of separate
    runs (separate processes) apart."""
    import itertools

    from tests import conftest
    from tests.conftest import make_person, make_vehicle

    conftest._counter = itertools.count(n * 1000)
    person = make_person(county)
    vehicle = make_vehicle(person, inspection_valid_until=dt.date(2027, 3, 31))
    return {"vehicle": str(vehicle.public_id), "vin": vehicle.vin, "person": str(person.public_id)}


def start_transfer(vehicle: str, to_region: str, scope: str = "32") -> dict[str, str]:
    from jiaoguan.registry.models import Vehicle

    v = Vehicle.objects.get(public_id=vehicle)
    transfer = services.transfer_out_start(
        actor=CLERK, permissions=PERMS, scope=scope, vehicle=v, to_region=to_region
    )
    return {"transfer": str(transfer.public_id)}


def pick_and_register(transfer: str, prefix: str, scope: str) -> dict[str, str]:
    """At the new office: accept the archive, let the owner draw and pick a number, confirm
    it, register the vehicle (on a working day, when selection is open)."""
    from jiaoguan.plates import services as plates
    from jiaoguan.plates.constants import Channel
    from jiaoguan.plates.models import NumberPool, SelectionRight

    with clock.frozen(WORKING_DAY):
        if not NumberPool.objects.filter(prefix=prefix, kind="ordinary").exists():
            pool = plates.pool_create(actor=CLERK, prefix=prefix, kind="ordinary", scope=scope)
            batch = plates.batch_create(actor=CLERK, pool=pool, label="第一批", pattern="Q20##")
            plates.batch_release(actor=CLERK, batch=batch)
        t = ArchiveTransfer.objects.get(public_id=transfer)
        t = services.transfer_in_accept(
            actor=CLERK, permissions=PERMS, scope=scope, transfer=t, prefix=prefix
        )
        right = SelectionRight.objects.get(public_id=t.selection_right_ref)
        owner = plates.Acting(Actor(ref=str(right.person.public_id), label="owner"), Channel.ONLINE)
        draw = plates.draw_make(acting=owner, right=right)
        reservation = plates.plate_pick(
            acting=owner, right=right, draw=draw, number=draw.candidates[0]
        )
        plates.plate_confirm(actor=CLERK, reservation=reservation)
        t = services.transfer_in_register(actor=CLERK, permissions=PERMS, scope=scope, transfer=t)
    return {"transfer": str(t.public_id), "plate": t.new_plate, "state": t.state}


def seed_due_car(county: str = "320102", n: int = 3) -> dict[str, str]:
    """A 6-year-old small car whose period ends in 10 days (an on-site inspection is due)."""
    import itertools

    from tests import conftest
    from tests.inspection.stations_fixtures import due_car

    conftest._counter = itertools.count(n * 1000)
    car = due_car(county=county, years=6, days_left=10, today=clock.today())
    assert car.plate is not None
    return {
        "vehicle": str(car.public_id),
        "vin": car.vin,
        "plate": car.plate.number,
        "valid_until": str(car.inspection_valid_until),
        "owner_id_number": car.owner_person.id_number if car.owner_person else "",
    }


def inspect_foreign(home: str, plate: str, vin: str, city: str, outcome: str = "pass") -> Any:
    """A station here (made on first use) inspects a vehicle from ``home``."""
    from jiaoguan.inspection.constants import InspectionItem
    from jiaoguan.inspection.models import Station
    from tests.inspection.stations_fixtures import make_station, station_staff

    station = Station.objects.filter(organisation__city_code=city).first() or make_station(city)
    staff = station_staff(station)
    items = {k: {"outcome": "pass"} for k in InspectionItem.values}
    if outcome == "fail":
        items[next(iter(items))] = {"outcome": "fail", "fix": "更换制动片"}
    inspection = services.foreign_inspection_record(
        actor=Actor.of(staff),
        principal=staff,
        home_province=home,
        plate_number=plate,
        vin=vin,
        vehicle_class="small_passenger",
        items=items,
        inspector="张三",
    )
    return {"inspection": str(inspection.public_id)}


def book_and_inspect_foreign(
    home: str, plate: str, vin: str, city: str, owner_id_number: str, n: int = 5
) -> Any:
    """全国通检 with a booking: a citizen here books today's first slot at a station of
    ``city`` (open every day) for a vehicle from ``home``, the station checks it in and
    records a pass; the result is in the outbox for ``home``. The clock is frozen at 08:00
    in Shanghai on today's date, so the slot is open whatever the hour of the run."""
    import itertools

    from jiaoguan.accounts.constants import AccountKind
    from jiaoguan.accounts.models import User
    from jiaoguan.inspection.constants import WEEKDAYS, InspectionItem
    from jiaoguan.inspection.models import SlotCounter, Station
    from jiaoguan.inspection.selectors import station_slots
    from tests import conftest
    from tests.conftest import make_person
    from tests.inspection.stations_fixtures import make_station, station_staff

    conftest._counter = itertools.count(n * 1000)
    day = clock.today()
    with clock.frozen(dt.datetime.combine(day, dt.time(8, 0), tzinfo=clock.SHANGHAI)):
        station = Station.objects.filter(organisation__city_code=city).first() or make_station(
            city, opening_hours={d: ["08:30", "17:00"] for d in WEEKDAYS}
        )
        person = make_person(f"{city}06")
        citizen = User.objects.create(
            username=f"booker-{n}", kind=AccountKind.CITIZEN, person=person
        )
        slot = station_slots(station, day)[0].start
        appt = services.foreign_appointment_book(
            actor=Actor.of(citizen),
            principal=citizen,
            station=station,
            slot_start=slot,
            home_province=home,
            plate_number=plate,
            vin=vin,
            vehicle_class="small_passenger",
            owner_id_number=owner_id_number,
        )
        staff = station_staff(station)
        services.foreign_appointment_transition(
            actor=Actor.of(staff), principal=staff, appointment=appt, command="check_in"
        )
    # the result at the real time: its outbox message is due now (08:00 in Shanghai may be
    # ahead of the real clock)
    inspection = services.foreign_inspection_record(
        actor=Actor.of(staff),
        principal=staff,
        home_province="",
        plate_number="",
        vin="",
        vehicle_class="",
        items={k: {"outcome": "pass"} for k in InspectionItem.values},
        inspector="李四",
        appointment=appt,
    )
    return {
        "appointment": str(appt.public_id),
        "inspection": str(inspection.public_id),
        "taken": SlotCounter.objects.get(station=station, start=slot).taken,
    }


def envelope(message_id: str) -> dict[str, Any]:
    env: dict[str, Any] = OutboxMessage.objects.get(message_id=message_id).envelope
    return env


def state() -> dict[str, Any]:
    """What the exactly-once assertions look at, in this deployment's database."""
    from jiaoguan.documents.models import Document
    from jiaoguan.registry.models import Person, RecordVersion, Vehicle

    return {
        "outbox": [
            {"id": str(m.message_id), "type": m.type, "state": m.state, "attempts": m.attempts}
            for m in OutboxMessage.objects.order_by("id")
        ],
        "inbox": [
            {"id": str(m.message_id), "type": m.type, "deliveries": m.deliveries}
            for m in InboxMessage.objects.order_by("id")
        ],
        "transfers": [
            {
                "id": str(t.public_id),
                "direction": t.direction,
                "state": t.state,
                "new_plate": t.new_plate,
                "reason": t.reason,
                "events": [e.command for e in t.events.all()],
            }
            for t in ArchiveTransfer.objects.order_by("id")
        ],
        "vehicles": [
            {
                "vin": v.vin,
                "status": v.status,
                "plate": v.plate.number if v.plate else "",
                "registered": str(v.registration_date),
            }
            for v in Vehicle.objects.select_related("plate").order_by("id")
        ],
        "vehicle_actions": [
            r.action for r in RecordVersion.objects.filter(object_type="vehicle").order_by("id")
        ],
        "persons": Person.objects.count(),
        "vehicle_valid_until": {
            v.vin: str(v.inspection_valid_until) for v in Vehicle.objects.all()
        },
        "foreign_inspections": [
            {
                "id": str(i.public_id),
                "state": i.state,
                "label": i.label_number,
                "valid_until": str(i.valid_until),
                "answer": i.answer,
            }
            for i in ForeignInspection.objects.order_by("id")
        ],
        "documents": sorted(d.kind for d in Document.objects.all()),
        "foreign_appointments": [
            {
                "id": str(a.public_id),
                "state": a.state,
                "inspection": str(a.inspection.public_id) if a.inspection else None,
                "events": [e.command for e in a.events.order_by("id")],
            }
            for a in ForeignAppointment.objects.select_related("inspection").order_by("id")
        ],
    }


def dump(value: Any) -> None:
    print("RESULT " + json.dumps(value, ensure_ascii=False))
