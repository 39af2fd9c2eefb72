"""Concurrency on PostgreSQL: decisions landing on one licence at once open one full-score
duty; fines paid while the cycle-end job runs neither deadlock nor lose a payment."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection, transaction

from jiaoguan.audit.services import Actor
from jiaoguan.kernel import clock
from jiaoguan.payments import purposes
from jiaoguan.payments.models import FeeOrder
from jiaoguan.registry.models import DrivingLicence
from jiaoguan.violations import services
from jiaoguan.violations.models import EducationDuty, PointEntry, Violation
from tests.violations.conftest import NOW, at, confirm, record

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "SQLite serialises every writer: real concurrency on the licence's row lock needs "
            "PostgreSQL (JIAOGUAN_TEST_DB=postgres)"
        )


def run_together(jobs: list[Callable[[], Any]]) -> list[BaseException]:
    gate = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job: Callable[[], Any]) -> None:
        try:
            gate.wait()
            job()
        except BaseException as exc:  # collected and asserted on
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return errors


def test_decisions_at_once_open_exactly_one_duty(world: dict[str, Any]) -> None:
    with clock.frozen(NOW):
        pending = [record(world, points=3, offence_code=f"16{n:02d}") for n in range(5)]
        errors = run_together([lambda v=v: confirm(world, v) for v in pending])
    assert errors == []
    licence = DrivingLicence.objects.get(pk=world["licence"].pk)
    assert (licence.points, licence.status) == (15, "suspended")
    duty = EducationDuty.objects.get()
    assert (duty.points_in_cycle, duty.study_days) == (15, 7)
    assert PointEntry.objects.filter(duty=duty).count() == 5


def _paid(v: Violation) -> Callable[[], None]:
    """What the payments side does when a provider says "paid": lock the order, mark it paid
    and call the purpose's handler in that transaction."""
    order = services.violation_fee_order(
        actor=Actor.system("t"), principal=v.vehicle.owner_person.account, violation=v
    )

    def pay() -> None:
        with transaction.atomic():
            locked = FeeOrder.objects.select_for_update().get(pk=order.pk)
            locked.status, locked.paid_at = "paid", clock.now()
            locked.save()
            purposes.on_paid(locked)

    return pay


@pytest.fixture
def frozen() -> Iterator[None]:  # this module moves the clock itself
    yield


def test_fines_paid_while_the_cycle_ends_neither_deadlock_nor_get_lost(
    world: dict[str, Any],
) -> None:
    with clock.frozen(NOW):
        confirmed = [
            confirm(world, record(world, points=1, offence_code=f"10{n:02d}")) for n in range(6)
        ]
        payments = [_paid(v) for v in confirmed]
    with clock.frozen(at(2026, 5, 2, 1, 0)):
        job = lambda: services.points_cycle_close(  # noqa: E731
            actor=Actor.system("t"), licence=world["licence"]
        )
        errors = run_together([job, *payments])
    assert errors == []
    carried = 0
    for v in Violation.objects.filter(pk__in=[v.pk for v in confirmed]):
        entry = PointEntry.objects.get(violation=v, kind="violation")
        if entry.state == "carried":  # paid after the end: its points went on, now paid
            carried += 1
            assert v.state == "paid"
            assert PointEntry.objects.get(carried_from=entry).fine_paid
        else:  # paid before the end: cleared with the cycle and closed
            assert (entry.state, v.state) == ("cleared", "closed")
    assert DrivingLicence.objects.get(pk=world["licence"].pk).points == carried


def test_fines_paid_while_a_batch_of_licences_closes_neither_deadlock_nor_get_lost(
    world: dict[str, Any],
) -> None:
    """The daily job settles several licences in one transaction (``points_cycles_close``):
    their fines paid at the same moment wait for it or go first, never deadlock, and every
    payment is kept (cleared and closed, or carried with its fine marked paid)."""
    from tests.violations.test_cycle_end_batch import driver, violation

    drivers = [driver(world, world["licence"].first_issue_date) for _ in range(4)]
    with clock.frozen(NOW):
        confirmed = [violation(d, 1, offence_code=f"10{n:02d}") for d in drivers for n in range(3)]
        payments = [_paid(v) for v in confirmed]
    with clock.frozen(at(2026, 5, 2, 1, 0)):
        reports: list[dict[str, int]] = []
        job = lambda: reports.append(  # noqa: E731
            services.points_cycles_close_due(actor=Actor.system("t"), batch=500)
        )
        errors = run_together([job, *payments])
    assert errors == []
    assert reports == [{"licences": 4, "cycles": 4, "failed": 0}]
    for d in drivers:
        carried = 0
        for v in Violation.objects.filter(licence=d["licence"]):
            entry = PointEntry.objects.get(violation=v, kind="violation")
            if entry.state == "carried":
                carried += 1
                assert v.state == "paid"
                assert PointEntry.objects.get(carried_from=entry).fine_paid
            else:
                assert (entry.state, v.state) == ("cleared", "closed")
        assert DrivingLicence.objects.get(pk=d["licence"].pk).points == carried
