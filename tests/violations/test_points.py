"""Points (R163; DOMAIN.md §5.7): where they land, full score, the cycle's end, voiding."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from jiaoguan.audit.models import AuditEvent
from jiaoguan.audit.services import Actor
from jiaoguan.kernel import clock
from jiaoguan.kernel.errors import Conflict, DomainError, Forbidden
from jiaoguan.registry.models import DrivingLicence, RecordVersion
from jiaoguan.violations import services
from jiaoguan.violations.models import EducationDuty, PointCycle, PointEntry, Violation
from jiaoguan.violations.selectors import points_summary
from tests.conftest import make_citizen, make_licence, make_person, make_vehicle
from tests.violations.conftest import at, confirm, record

pytestmark = pytest.mark.django_db


def licence(world: dict[str, Any]) -> DrivingLicence:
    return DrivingLicence.objects.get(pk=world["licence"].pk)


def pay_in_ledger(v: Violation) -> None:
    """The payment handler, as payments calls it inside the paying transaction (the real
    provider path is tested in test_payment.py)."""
    from django.db import transaction

    from jiaoguan.payments.models import FeeOrder

    with transaction.atomic():
        order = services.violation_fee_order(
            actor=Actor.system("t"), principal=_owner_account(v), violation=v
        )
        FeeOrder.objects.filter(pk=order.pk).update(status="paid", paid_at=clock.now())
        order.refresh_from_db()
        services.on_fine_paid(order)


def _owner_account(v: Violation) -> Any:
    return v.vehicle.owner_person.account


def test_confirming_the_driver_is_the_decision_and_lands_the_points(
    world: dict[str, Any],
) -> None:
    v = record(world)
    assert v.state == "recorded" and licence(world).points == 0  # no points before the decision
    v = confirm(world, v)
    assert v.state == "driver_confirmed" and v.driver_id == world["owner"].pk
    assert v.decided_on == dt.date(2026, 3, 10) and v.fine_due_on == dt.date(2026, 3, 25)
    entry = PointEntry.objects.get(violation=v)
    assert (entry.cycle.start, entry.cycle.end) == (dt.date(2025, 5, 1), dt.date(2026, 4, 30))
    assert entry.rule == "scoring.cycle@2022-04-01" and entry.state == "active"
    lic = licence(world)
    assert lic.points == 3 and lic.status == "valid"
    # the registry kept the licence's history, and the audit trail has the decision
    assert RecordVersion.objects.filter(
        object_ref=lic.public_id, action="licence.points_record"
    ).exists()
    assert AuditEvent.objects.filter(action="violation.confirm_driver").count() == 1
    assert AuditEvent.objects.filter(action="points.record").count() == 1
    with pytest.raises(Conflict):  # not twice
        confirm(world, v)


def test_a_violation_dated_in_the_previous_cycle_counts_there(world: dict[str, Any]) -> None:
    v = confirm(world, record(world, occurred_at=at(2025, 4, 28, 9, 0)))
    entry = PointEntry.objects.get(violation=v)
    assert (entry.cycle.start, entry.cycle.end) == (dt.date(2024, 5, 1), dt.date(2025, 4, 30))
    # that cycle has ended below 12; the fine was decided only now, so it was not overdue at
    # its end: its points are settled as the end settled the others (cleared, R163 Art. 15)
    assert entry.state == "cleared" and entry.cycle.closed_at is not None
    assert licence(world).points == 0
    summary = points_summary(world["owner"].pk)
    assert summary is not None and summary.cycle_number == 11 and summary.points == 0
    assert not summary.close_pending


def test_a_late_violation_that_fills_its_cycle_is_a_full_score(world: dict[str, Any]) -> None:
    v = confirm(
        world,
        record(
            world,
            occurred_at=at(2025, 4, 28, 9, 0),
            points=12,
            twelve_point_offence="drink_driving",
            offence_code="17201",
        ),
    )
    duty = EducationDuty.objects.get()
    assert duty.cycle.index == 9 and duty.state == "open" and duty.study_days == 7
    lic = licence(world)
    assert lic.status == "suspended"
    # at 12 the points stay until the full-score process ends: carried into this cycle
    assert lic.points == 12
    carried = PointEntry.objects.get(violation=v, kind="carry_over")
    assert carried.cycle.index == 10 and carried.duty == duty


def test_late_violations_settled_one_by_one_still_reach_12_in_their_cycle(
    world: dict[str, Any],
) -> None:
    late = [
        record(world, occurred_at=at(2025, 4, 20 + n, 9, 0), points=3, offence_code=f"16{n:02d}")
        for n in range(5)
    ]
    for v in late[:3]:
        confirm(world, v)
    assert licence(world).points == 0  # cleared with their ended cycle, one by one
    confirm(world, late[3])  # the fourth brings that cycle to 12
    duty = EducationDuty.objects.get()
    assert (duty.cycle.index, duty.points_in_cycle, duty.study_days) == (9, 12, 7)
    lic = licence(world)
    assert (lic.points, lic.status) == (12, "suspended")  # carried until the process ends
    assert PointEntry.objects.filter(kind="carry_over", cycle__index=10, duty=duty).count() == 4
    confirm(world, late[4])  # a fifth while the duty is open joins it
    duty.refresh_from_db()
    assert (duty.points_in_cycle, licence(world).points) == (15, 15)


def test_before_the_first_issue_no_points_are_recorded(world: dict[str, Any]) -> None:
    young = make_person("320102")
    from jiaoguan.registry import services as registry

    registry.licence_issue(
        actor=Actor.system(),
        person=young,
        classes=["C1"],
        first_issue_date=dt.date(2026, 3, 1),
        valid_from=dt.date(2026, 3, 1),
        term="6y",
        region_code="320102",
    )
    v = record(world, occurred_at=at(2026, 2, 20, 8, 0))
    with pytest.raises(DomainError) as info:
        confirm(world, v, driver_id_number=young.id_number)
    assert info.value.code == "before_first_issue" and info.value.field == "driver_id_number"
    assert Violation.objects.get(pk=v.pk).state == "recorded"


@pytest.mark.parametrize(("classes", "days"), [(["C1"], 7), (["B2"], 30)])
def test_reaching_12_detains_the_licence_and_opens_the_duty(
    world: dict[str, Any], classes: list[str], days: int
) -> None:
    DrivingLicence.objects.filter(pk=world["licence"].pk).update(classes=" ".join(classes))
    confirm(world, record(world, points=6))
    assert licence(world).status == "valid" and not EducationDuty.objects.exists()
    confirm(world, record(world, points=6, offence_code="1636"))
    lic = licence(world)
    assert (lic.points, lic.status) == (12, "suspended")
    duty = EducationDuty.objects.get()
    assert (duty.study_days, duty.points_in_cycle, duty.full_scores_in_cycle) == (days, 12, 1)
    assert duty.min_counted_days == (10 if days == 30 else 5)
    assert duty.rule == "scoring.full_score_study_days@2022-04-01"
    assert RecordVersion.objects.filter(object_ref=lic.public_id, action="licence.detain").exists()
    # more points while the duty is open: each further 12 adds a step (R163 Art. 18)
    confirm(world, record(world, points=12, twelve_point_offence="speeding", offence_code="16031"))
    duty.refresh_from_db()
    assert (duty.points_in_cycle, duty.study_days) == (24, days * 2)
    assert EducationDuty.objects.count() == 1 and licence(world).points == 24


def test_a_driver_at_full_score_may_not_take_another_vehicles_points(
    world: dict[str, Any],
) -> None:
    other = make_person("320102")
    make_licence(other)
    confirm(world, record(world, points=12, twelve_point_offence="drink_driving"))
    stranger = make_person("320102")
    stranger_car = make_vehicle(stranger)
    stranger_citizen = make_citizen(stranger)
    v = record(world, plate_number=stranger_car.plate.number)
    with pytest.raises(DomainError) as info:
        services.violation_confirm_driver(
            actor=Actor.of(stranger_citizen),
            principal=stranger_citizen,
            violation=v,
            driver_id_number=world["owner"].id_number,
        )
    assert info.value.code == "driver_at_full_score" and info.value.citation == "R163 Art. 14"
    # naming a licensed driver works
    v = services.violation_confirm_driver(
        actor=Actor.of(stranger_citizen),
        principal=stranger_citizen,
        violation=v,
        driver_id_number=other.id_number,
    )
    assert v.driver_id == other.pk
    assert DrivingLicence.objects.get(person=other).points == 3


def test_naming_a_driver_without_a_licence_is_refused_beside_the_field(
    world: dict[str, Any],
) -> None:
    v = record(world)
    with pytest.raises(DomainError) as info:
        confirm(world, v, driver_id_number=make_person("320102").id_number)
    assert (info.value.code, info.value.field) == ("no_licence", "driver_id_number")
    with pytest.raises(DomainError) as info:
        confirm(world, v, driver_id_number="32010219850101001X")
    assert info.value.field == "driver_id_number"


def test_cycle_end_clears_paid_points_and_carries_overdue_unpaid_ones(
    world: dict[str, Any],
) -> None:
    paid = confirm(world, record(world, points=3))
    unpaid = confirm(world, record(world, points=6, offence_code="1636"))
    pay_in_ledger(paid)
    assert Violation.objects.get(pk=paid.pk).state == "paid"
    with clock.frozen(at(2026, 4, 25, 12, 0)):  # decided 5 days before the end: not overdue
        late = confirm(world, record(world, points=1, offence_code="1101"))
    assert licence(world).points == 10
    with clock.frozen(at(2026, 5, 2, 3, 0)):
        report = services.points_cycles_close_due(actor=Actor.system("t"))
        assert report == {"licences": 1, "cycles": 1, "failed": 0}
        assert services.points_cycles_close_due(actor=Actor.system("t"))["cycles"] == 0
    cycle = PointCycle.objects.get(licence=world["licence"], index=10)
    assert (cycle.total, cycle.cleared, cycle.carried_over) == (10, 4, 6)
    assert cycle.rule == "scoring.cycle_end@2022-04-01"
    states = {e.violation_id: e.state for e in cycle.entries.all()}
    assert states == {paid.pk: "cleared", unpaid.pk: "carried", late.pk: "cleared"}
    carry = PointEntry.objects.get(kind="carry_over")
    assert (carry.violation_id, carry.cycle.index, carry.points) == (unpaid.pk, 11, 6)
    assert licence(world).points == 6
    assert Violation.objects.get(pk=paid.pk).state == "closed"  # paid and settled
    assert Violation.objects.get(pk=unpaid.pk).state == "driver_confirmed"
    # paying later marks the carried entry paid; the next cycle's end clears it
    pay_in_ledger(unpaid)
    assert PointEntry.objects.get(pk=carry.pk).fine_paid
    with clock.frozen(at(2027, 5, 1, 3, 0)):
        services.points_cycle_close(actor=Actor.system("t"), licence=world["licence"])
    assert PointEntry.objects.get(pk=carry.pk).state == "cleared"
    assert licence(world).points == 0
    assert Violation.objects.get(pk=unpaid.pk).state == "closed"


def test_the_job_closes_cycles_in_keyset_batches(world: dict[str, Any]) -> None:
    drivers = [make_person("320102") for _ in range(3)]
    for person in drivers:
        lic = make_licence(person)
        car = make_vehicle(person)
        citizen = make_citizen(person)
        v = record(world, plate_number=car.plate.number, points=3)
        services.violation_confirm_driver(actor=Actor.of(citizen), principal=citizen, violation=v)
        assert DrivingLicence.objects.get(pk=lic.pk).points == 3
    with clock.frozen(at(2026, 5, 1, 0, 30)):
        report = services.points_cycles_close_due(actor=Actor.system("t"), batch=2)
    assert report == {"licences": 3, "cycles": 3, "failed": 0}
    # fines overdue and unpaid at the end: their points carry over (R163 Art. 15)
    assert all(DrivingLicence.objects.get(person=p).points == 3 for p in drivers)
    assert PointEntry.objects.filter(kind="carry_over", cycle__index=11).count() == 3


def test_the_job_pages_over_cycles_ending_on_different_days(world: dict[str, Any]) -> None:
    """Pages follow the index (end, id): cycles ending on different days, and several on one
    day, each closed once with a page of one."""
    from jiaoguan.registry import services as registry
    from jiaoguan.registry.constants import LicenceTerm

    firsts = [dt.date(2015, 4, 25), dt.date(2015, 4, 20), dt.date(2015, 5, 1), dt.date(2015, 4, 25)]
    licences = []
    for first in firsts:
        person = make_person("320102")
        licences.append(
            registry.licence_issue(
                actor=Actor.system("t"),
                person=person,
                classes=["C1"],
                first_issue_date=first,
                valid_from=dt.date(2021, 5, 1),
                term=LicenceTerm.TEN_YEARS,
                region_code="320102",
            )
        )
        car = make_vehicle(person)
        citizen = make_citizen(person)
        v = record(world, plate_number=car.plate.number, points=3)
        services.violation_confirm_driver(actor=Actor.of(citizen), principal=citizen, violation=v)
    ends = sorted(PointCycle.objects.filter(licence__in=licences).values_list("end", flat=True))
    d = dt.date
    assert ends == [d(2026, 4, 19), d(2026, 4, 24), d(2026, 4, 24), d(2026, 4, 30)]
    with clock.frozen(at(2026, 5, 1, 3, 0)):
        report = services.points_cycles_close_due(actor=Actor.system("t"), batch=1)
        assert report == {"licences": 4, "cycles": 4, "failed": 0}
    assert not PointCycle.objects.filter(licence__in=licences, index=10, closed_at=None).exists()
    assert AuditEvent.objects.filter(action="points.cycle_close").count() == 4


def test_a_licence_unseen_for_two_cycles_is_caught_up_in_one_run(world: dict[str, Any]) -> None:
    """The cycle a carry-over makes may have ended too: the job closes it in the same run,
    and the points still overdue go on into the cycle of today (R163 Art. 15)."""
    unpaid = confirm(world, record(world, points=6, offence_code="1636"))
    free = confirm(world, record(world, points=0, fine_fen=20_000, offence_code="1101"))
    with clock.frozen(at(2027, 6, 1, 3, 0)):  # cycle 11 (to 2027-04-30) has ended as well
        report = services.points_cycles_close_due(actor=Actor.system("t"))
        assert report == {"licences": 1, "cycles": 2, "failed": 0}
        assert services.points_cycles_close_due(actor=Actor.system("t"))["cycles"] == 0
    cycles = {c.index: c for c in PointCycle.objects.filter(licence=world["licence"])}
    assert sorted(cycles) == [10, 11, 12]
    assert (cycles[10].total, cycles[10].carried_over, cycles[10].cleared) == (6, 6, 0)
    assert (cycles[11].total, cycles[11].carried_over, cycles[11].cleared) == (6, 6, 0)
    assert cycles[11].closed_at is not None and cycles[12].closed_at is None
    chain = PointEntry.objects.filter(violation=unpaid).order_by("cycle__index")
    assert [(e.cycle.index, e.kind, e.state) for e in chain] == [
        (10, "violation", "carried"),
        (11, "carry_over", "carried"),
        (12, "carry_over", "active"),
    ]
    assert licence(world).points == 6
    assert not PointEntry.objects.filter(violation=free).exists()  # no points, no ledger row
    assert AuditEvent.objects.filter(action="points.cycle_close").count() == 2


def test_void_removes_the_points_and_returns_a_licence_below_12(world: dict[str, Any]) -> None:
    officer = world["officer"]
    small = confirm(world, record(world, points=3))
    big = confirm(world, record(world, points=12, twelve_point_offence="drink_driving"))
    assert licence(world).status == "suspended"
    with pytest.raises(DomainError) as info:
        services.violation_void(
            actor=Actor.of(officer), principal=officer, violation=big, reason=" "
        )
    assert (info.value.code, info.value.field) == ("reason_required", "reason")
    citizen = world["citizen"]
    with pytest.raises(Forbidden):
        services.violation_void(
            actor=Actor.of(citizen), principal=citizen, violation=big, reason="不是我"
        )
    with pytest.raises(Forbidden):  # a Suzhou officer, for a Nanjing violation
        services.violation_void(
            actor=Actor.of(world["suzhou_officer"]),
            principal=world["suzhou_officer"],
            violation=big,
            reason="核实有误",
        )
    services.violation_void(
        actor=Actor.of(officer), principal=officer, violation=big, reason="复核：号牌识别错误"
    )
    lic = licence(world)
    assert (lic.points, lic.status) == (3, "valid")
    assert EducationDuty.objects.get().state == "cancelled"
    assert PointEntry.objects.get(violation=big).state == "void"
    assert Violation.objects.get(pk=big.pk).reason == "复核：号牌识别错误"
    assert PointEntry.objects.get(violation=small).duty is None
    pay_in_ledger(small)
    with pytest.raises(Conflict):  # a paid decision is not voided here
        services.violation_void(
            actor=Actor.of(officer), principal=officer, violation=small, reason="撤销"
        )


def test_contest_and_uphold_before_the_driver_is_confirmed(world: dict[str, Any]) -> None:
    officer = world["officer"]
    v = record(world)
    v = services.violation_contest(
        actor=Actor.of(officer), principal=officer, violation=v, reason="车主称车辆当时不在现场"
    )
    with pytest.raises(Conflict):
        confirm(world, v)
    v = services.violation_uphold(
        actor=Actor.of(officer), principal=officer, violation=v, reason="视频核实无误"
    )
    assert confirm(world, v).state == "driver_confirmed"
    assert list(v.events.values_list("command", flat=True).order_by("id")) == [
        "record",
        "contest",
        "uphold",
        "confirm_driver",
    ]


def test_seeded_points_become_the_opening_of_the_ledger(world: dict[str, Any]) -> None:
    DrivingLicence.objects.filter(pk=world["licence"].pk).update(points=9)
    confirm(world, record(world, points=3))
    assert licence(world).points == 12 and licence(world).status == "suspended"
    assert EducationDuty.objects.get().points_in_cycle == 12


def test_an_officer_in_scope_confirms_the_driver_at_the_window(world: dict[str, Any]) -> None:
    v = record(world)
    suzhou = world["suzhou_officer"]
    with pytest.raises(Forbidden):
        services.violation_confirm_driver(
            actor=Actor.of(suzhou),
            principal=suzhou,
            violation=v,
            driver_id_number=world["owner"].id_number,
        )
    officer = world["officer"]
    with pytest.raises(DomainError) as info:  # staff have no licence of their own to use
        services.violation_confirm_driver(actor=Actor.of(officer), principal=officer, violation=v)
    assert (info.value.code, info.value.field) == ("driver_required", "driver_id_number")
    v = services.violation_confirm_driver(
        actor=Actor.of(officer),
        principal=officer,
        violation=v,
        driver_id_number=world["owner"].id_number,
    )
    assert v.state == "driver_confirmed" and licence(world).points == 3
