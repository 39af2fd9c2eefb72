"""The last places of a slot under concurrent bookings (PostgreSQL): never overbooked."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator

import pytest
from django.db import connection

from jiaoguan.audit.services import Actor
from jiaoguan.inspection import services
from jiaoguan.inspection.models import Appointment, SlotCounter
from jiaoguan.kernel import clock
from jiaoguan.kernel.errors import DomainError
from tests.inspection.stations_fixtures import due_car, make_station
from tests.inspection.test_stations import NOW, TODAY, account_of, at

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with clock.frozen(NOW):
        yield


def test_threads_booking_the_last_places_never_overbook() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "SQLite serialises every writer (IMMEDIATE transactions): real concurrency on the "
            "slot counter's row lock needs PostgreSQL (JIAOGUAN_TEST_DB=postgres)"
        )
    station = make_station(capacity_per_slot=3)
    slot = at("10:00")
    cars = [due_car(today=TODAY) for _ in range(10)]
    users = [account_of(c.owner_person) for c in cars]
    gate = threading.Barrier(len(cars))
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(i: int) -> None:
        try:
            gate.wait()
            try:
                services.appointment_book(
                    actor=Actor.of(users[i]),
                    principal=users[i],
                    vehicle=cars[i],
                    station=station,
                    slot_start=slot,
                )
                outcome = "booked"
            except DomainError as exc:
                outcome = exc.code
            with lock:
                outcomes.append(outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(cars))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert Counter(outcomes) == {"booked": 3, "slot_full": 7}
    assert Appointment.objects.filter(station=station, slot_start=slot).count() == 3
    assert SlotCounter.objects.get(station=station, start=slot).taken == 3
