"""The cycle-end job settles licences in batches (``points_cycles_close``): the same rows and
audit rows as closing each licence on its own (``_catch_up``, the path every service on a
licence takes), for every kind of ledger; a batch that fails is done again licence by licence;
the statements of a batch do not grow with its size."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from jiaoguan.audit.models import AuditEvent
from jiaoguan.audit.selectors import audit_verify
from jiaoguan.audit.services import Actor
from jiaoguan.kernel import clock
from jiaoguan.kernel.crypto import canonical_json
from jiaoguan.registry import services as registry
from jiaoguan.registry.constants import LicenceTerm
from jiaoguan.registry.models import DrivingLicence, RecordVersion
from jiaoguan.violations import services
from jiaoguan.violations.models import (
    EducationDuty,
    PointCycle,
    PointEntry,
    Violation,
    ViolationEvent,
)
from tests.conftest import make_citizen, make_person, make_vehicle
from tests.violations.conftest import NOW, at, record
from tests.violations.test_points import pay_in_ledger

pytestmark = pytest.mark.django_db

JOB_DAY = at(2027, 4, 15, 3, 0)  # cycles of a 1 May first issue: 2026-05-01 to 2027-04-30


def driver(world: dict[str, Any], first_issue: dt.date, points: int = 0) -> dict[str, Any]:
    """A driver of their own car, with a licence first issued on ``first_issue``."""
    person = make_person("320102")
    licence = registry.licence_issue(
        actor=Actor.system("t"),
        person=person,
        classes=["C1"],
        first_issue_date=first_issue,
        valid_from=dt.date(2021, 5, 1),
        term=LicenceTerm.TEN_YEARS,
        region_code="320102",
        points=points,
    )
    return {
        **world,
        "owner": person,
        "licence": licence,
        "vehicle": make_vehicle(person),
        "citizen": make_citizen(person),
    }


def violation(
    d: dict[str, Any], points: int, *, decided: dt.datetime = NOW, **kw: Any
) -> Violation:
    """A violation of ``d``'s car the day before ``decided``, its driver confirmed then."""
    with clock.frozen(decided):
        v = record(
            d,
            plate_number=d["vehicle"].plate.number,
            points=points,
            occurred_at=decided - dt.timedelta(days=1),
            **kw,
        )
        citizen = d["citizen"]
        return services.violation_confirm_driver(
            actor=Actor.of(citizen), principal=citizen, violation=v
        )


def ledgers(world: dict[str, Any]) -> list[dict[str, Any]]:
    """Every kind of ledger the job meets."""
    may1, apr1 = dt.date(2015, 5, 1), dt.date(2014, 4, 1)
    made = []
    made.append(driver(world, may1))  # a licence without points: no cycle, nothing due
    d = driver(world, may1)
    violation(d, 0, fine_fen=20_000, offence_code="1101")  # a fine without points
    made.append(d)
    d = driver(world, may1)  # paid: cleared, the violation closed
    pay_in_ledger(violation(d, 3))
    made.append(d)
    d = driver(world, may1)  # unpaid and overdue at the end: carried over
    violation(d, 6, offence_code="1636")
    made.append(d)
    d = driver(world, may1)  # decided 5 days before the end: not overdue, cleared
    violation(d, 1, decided=at(2026, 4, 25, 12), offence_code="1101")
    made.append(d)
    d = driver(world, may1)  # one paid, one overdue
    pay_in_ledger(violation(d, 1, offence_code="1101"))
    violation(d, 3)
    made.append(d)
    d = driver(world, may1)  # full score: everything carries, the duty stays open
    violation(d, 6, offence_code="1636")
    pay_in_ledger(violation(d, 6, offence_code="1637"))
    made.append(d)
    d = driver(world, may1, points=4)  # opening points (older records) and a paid violation
    pay_in_ledger(violation(d, 1, offence_code="1101"))
    made.append(d)
    d = driver(world, may1, points=9)  # opening points taken by a completed full score
    pay_in_ledger(violation(d, 3))
    duty = EducationDuty.objects.get(licence=d["licence"])
    services.education_duty_complete(
        actor=Actor.system("t"), duty=duty, exams_passed=True, source_ref="test:1"
    )
    made.append(d)
    d = driver(world, apr1)  # unseen for two cycles: caught up on its own
    violation(d, 6, offence_code="1636")
    pay_in_ledger(violation(d, 1, offence_code="1101"))
    made.append(d)
    d = driver(world, may1)  # the cycle of today already made: caught up on its own
    violation(d, 6, offence_code="1636")
    PointCycle.objects.create(
        licence=d["licence"], index=11, start=dt.date(2026, 5, 1), end=dt.date(2027, 4, 30)
    )
    made.append(d)
    return made


def state() -> dict[str, Counter[tuple[Any, ...]]]:
    """Every row the job decides, without the ids of new rows and the timestamps."""
    cycle_index = dict(PointCycle.objects.values_list("pk", "index"))
    entry = {e.pk: e for e in PointEntry.objects.all()}

    def rows(qs: Any, *fields: str) -> Counter[tuple[Any, ...]]:
        return Counter(tuple(r) for r in qs.values_list(*fields))

    entries: Counter[tuple[Any, ...]] = Counter()
    for e in entry.values():
        origin = entry.get(e.carried_from_id) if e.carried_from_id else None
        entries[
            (
                e.licence_id,
                cycle_index[e.cycle_id],
                e.violation_id,
                e.kind,
                origin and (origin.violation_id, cycle_index[origin.cycle_id]),
                e.points,
                e.fine_paid,
                e.state,
                e.duty_id,
                e.rule,
                e.settled_at is not None,
            )
        ]
    cycles = Counter(
        (
            *(c.licence_id, c.index, c.start, c.end, c.opening_points, c.closed_at is not None),
            *(c.total, c.cleared, c.carried_over, c.rule),
        )
        for c in PointCycle.objects.all()
    )
    # a cycle's audit row names it by its id: by licence and index here (the run may make it)
    cycle_key = {
        str(pk): f"{lid}/{i}"
        for pk, lid, i in PointCycle.objects.values_list("pk", "licence_id", "index")
    }
    audit = Counter(
        (
            e.action,
            e.object_type,
            cycle_key[e.object_ref] if e.object_type == "point_cycle" else e.object_ref,
            *(e.subject_person_ref, e.before_digest, e.after_digest, e.reason, e.actor_ref),
        )
        for e in AuditEvent.objects.all()
    )
    return {
        "cycles": cycles,
        "entries": entries,
        "licences": rows(DrivingLicence.objects.all(), "pk", "points", "status", "version"),
        "violations": rows(Violation.objects.all(), "pk", "state", "version"),
        "violation events": rows(
            ViolationEvent.objects.all(), "violation_id", "command", "from_state", "to_state"
        ),
        "history": Counter(
            (r.object_ref, r.version, r.action, canonical_json(r.snapshot))
            for r in RecordVersion.objects.all()
        ),
        "audit": audit,
        "duties": rows(EducationDuty.objects.all(), "pk", "state", "licence_id"),
    }


def one_by_one(actor: Actor) -> None:
    """The job as it was: each licence in its own transaction through ``_catch_up``."""
    for pk in DrivingLicence.objects.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            locked = (
                DrivingLicence.objects.select_for_update(of=("self",))
                .select_related("person")
                .get(pk=pk)
            )
            if services._catch_up(actor, locked):
                services._sync_points(actor, locked, reason=services.CYCLE_END_REASON, fresh=True)


def outcome(run: Callable[[], Any]) -> tuple[Any, dict[str, Counter[tuple[Any, ...]]]]:
    """What ``run`` returns and leaves behind, then undone."""
    with transaction.atomic():
        with clock.frozen(JOB_DAY):
            result = run()
        after = state()
        assert audit_verify().ok
        transaction.set_rollback(True)
    return result, after


def test_batches_write_what_licence_by_licence_writes(world: dict[str, Any]) -> None:
    made = ledgers(world)
    actor = Actor.system("points-cycle-end")
    before = state()
    _none, expected = outcome(lambda: one_by_one(actor))
    closed = sum(n for (*_k, shut, _t, _c, _o, _r), n in expected["cycles"].items() if shut)
    closed -= sum(n for (*_k, shut, _t, _c, _o, _r), n in before["cycles"].items() if shut)
    due = {c.licence_id for c in PointCycle.objects.filter(closed_at=None, end__lt=JOB_DAY.date())}
    for batch in (500, 3, 1):
        report, got = outcome(
            lambda b=batch: services.points_cycles_close_due(actor=actor, batch=b)
        )
        assert report == {"licences": len(due), "cycles": closed, "failed": 0}
        for kind in expected:
            assert got[kind] == expected[kind], (batch, kind)
    # what the cases decided (R163 Art. 15), read after the batch run
    with clock.frozen(JOB_DAY):
        services.points_cycles_close_due(actor=actor)
    points = [DrivingLicence.objects.get(pk=d["licence"].pk).points for d in made]
    # carried: the overdue 6, the overdue 3 beside a paid 1, the full score's 12, the overdue
    # 6 of the licence unseen for two cycles and of the one whose current cycle was made
    assert points == [0, 0, 0, 6, 0, 3, 12, 0, 0, 6, 6]
    states = Counter(Violation.objects.values_list("state", flat=True))
    # paid and settled: closed; the full score's paid violation still counts (carried)
    assert states == {"driver_confirmed": 7, "closed": 5, "paid": 1}
    assert (len(due), closed) == (9, 10)  # the licence unseen for two cycles: two


def test_a_failing_licence_is_left_due_and_the_others_are_closed(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    made = [driver(world, dt.date(2015, 5, 1)) for _ in range(4)]
    for d in made:
        violation(d, 3)
    bad = made[2]["licence"].pk
    settle = services._settlement

    def failing(cycle: PointCycle, *args: Any) -> Any:
        if cycle.licence_id == bad:
            raise RuntimeError("a defect in one licence's data")
        return settle(cycle, *args)

    monkeypatch.setattr(services, "_settlement", failing)
    with clock.frozen(JOB_DAY):
        report = services.points_cycles_close_due(actor=Actor.system("t"))
    assert report == {"licences": 3, "cycles": 3, "failed": 1}
    still_due = PointCycle.objects.filter(closed_at=None, end__lt=JOB_DAY.date())
    assert list(still_due.values_list("licence_id", flat=True)) == [bad]
    assert DrivingLicence.objects.get(pk=bad).points == 3  # nothing of it written
    monkeypatch.setattr(services, "_settlement", settle)
    with clock.frozen(JOB_DAY):
        report = services.points_cycles_close_due(actor=Actor.system("t"))
    assert report == {"licences": 1, "cycles": 1, "failed": 0}
    assert audit_verify().ok


def test_a_batch_takes_the_same_statements_whatever_its_size(world: dict[str, Any]) -> None:
    """The daily case, set-based: the statements of one batch do not grow with its size."""

    def statements(n: int) -> int:
        made = [driver(world, dt.date(2015, 5, 1)) for _ in range(n)]
        for k, d in enumerate(made):
            v = violation(d, 3)
            if k % 2:
                pay_in_ledger(v)
        ids = [d["licence"].pk for d in made]
        with clock.frozen(JOB_DAY), CaptureQueriesContext(connection) as queries:
            closed = services.points_cycles_close(actor=Actor.system("t"), licence_ids=ids)
        assert closed == dict.fromkeys(ids, 1)
        return len(queries)

    small, large = statements(4), statements(12)
    assert large == small
    assert small <= 30
