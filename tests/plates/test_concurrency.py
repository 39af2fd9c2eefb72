"""Contention on PostgreSQL: applicants picking the same number at the same instant, and a
reservation expiring while it is being confirmed. Real threads, real connections."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from jiaoguan.kernel import clock
from jiaoguan.kernel.errors import Conflict
from jiaoguan.plates import services
from jiaoguan.plates.constants import NumberState, ReservationState
from jiaoguan.plates.models import Draw, PlateNumber, Reservation, SelectionRight
from jiaoguan.registry.models import Plate
from tests.plates.conftest import STAFF, T0, grant, released_pool

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks and SKIP LOCKED are what is tested; SQLite serialises all writers",
    ),
]

HALL = services.Acting(STAFF, "hall")


def _together(tasks: list[Callable[[], Any]]) -> list[Any]:
    """Run the tasks in threads released at once by a barrier; results or exceptions."""
    barrier = threading.Barrier(len(tasks))
    results: list[Any] = [None] * len(tasks)

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = tasks[i]()
        except Exception as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(tasks))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def _picker(right: SelectionRight, draw: Draw, number: str) -> Callable[[], Any]:
    return lambda: services.plate_pick(acting=HALL, right=right, draw=draw, number=number)


def test_many_applicants_pick_the_same_number_at_once() -> None:
    with clock.frozen(T0):
        released_pool(pattern="Q200#")  # 10 numbers: every hall draw offers all of them
        rights = [grant() for _ in range(12)]
        draws = [services.draw_make(acting=HALL, right=r) for r in rights]
        for _round in range(3):
            target = next(n.number for n in PlateNumber.objects.filter(state=NumberState.AVAILABLE))
            open_rights = [
                (r, d)
                for r, d in zip(rights, draws, strict=True)
                if SelectionRight.objects.get(pk=r.pk).state == "open"
            ]
            results = _together([_picker(r, d, target) for r, d in open_rights])
            won = [x for x in results if isinstance(x, Reservation)]
            lost = [x for x in results if isinstance(x, Conflict)]
            assert len(won) == 1, results
            assert len(lost) == len(open_rights) - 1 and {x.code for x in lost} == {"number_taken"}
    assert Reservation.objects.filter(state=ReservationState.ACTIVE).count() == 3


def test_expiry_racing_confirmation_ends_one_way() -> None:
    """Each reservation is confirmed by a clerk who still sees it in time, while the expiry job
    sees it lapsed: the locks let exactly one of them act, never both."""
    with clock.frozen(T0):
        released_pool(pattern="Q20##")
        reservations = []
        for _ in range(8):
            right = grant()
            draw = services.draw_make(acting=HALL, right=right)
            reservations.append(
                services.plate_pick(acting=HALL, right=right, draw=draw, number=draw.candidates[0])
            )
    deadline = reservations[0].expires_at
    local = threading.local()
    previous = clock._source
    clock._source = lambda: getattr(local, "now", T0)

    def confirm(r: Reservation) -> Callable[[], Any]:
        def go() -> Any:
            local.now = deadline - dt.timedelta(milliseconds=1)
            return services.plate_confirm(actor=STAFF, reservation=r)

        return go

    def expire() -> Any:
        local.now = deadline + dt.timedelta(milliseconds=1)
        return services.reservations_expire(actor=STAFF, limit=2)

    try:
        results = _together([*(confirm(r) for r in reservations), expire, expire])
    finally:
        clock._source = previous
    for r in reservations:
        r.refresh_from_db()
        number = PlateNumber.objects.get(pk=r.number_id)
        issued = Plate.objects.filter(number=number.number).count()
        if r.state == ReservationState.CONFIRMED:
            assert number.state == NumberState.ISSUED and issued == 1
        else:
            assert r.state == ReservationState.EXPIRED
            assert number.state == NumberState.AVAILABLE and issued == 0
    confirmed = sum(isinstance(x, Plate) for x in results)
    assert confirmed == Reservation.objects.filter(state=ReservationState.CONFIRMED).count()
    assert all(isinstance(x, (Plate, Conflict, int)) for x in results), results
