"""500 applicants booking the last 50 places of an exam day at once (PostgreSQL): exactly 50
get a place, the other 450 wait in the queue in a strict order, and the counter never passes
the capacity."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from dataclasses import dataclass

import pytest
from django.db import connection

from jiaoguan.audit.services import Actor
from jiaoguan.exams import selectors, services
from jiaoguan.exams.models import Booking, ExamPlan
from jiaoguan.kernel.errors import DomainError
from tests.conftest import make_person
from tests.exams.fixtures import DAY0, make_site, on, publish

pytestmark = pytest.mark.django_db(transaction=True)

APPLICANTS = 500
PLACES_LEFT = 50
CAPACITY = 80
#: The shared PostgreSQL server allows 100 connections for every session on the machine:
#: the 500 threads start together and at most this many hold a connection at once.
CONNECTIONS = 30


@dataclass
class Applicant:
    """The signed-in applicant as the services see a principal."""

    person_id: int
    is_authenticated: bool = True
    region_scope: str = ""
    kind: str = "citizen"
    organisation_id: None = None

    def has_perm(self, perm: str, obj: object = None) -> bool:
        return False


def test_500_applicants_booking_the_last_50_places_never_overbook() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "SQLite serialises every writer: real concurrency on the plan's counter row "
            "needs PostgreSQL (JIAOGUAN_TEST_DB=postgres)"
        )
    site = make_site()
    with on(DAY0):
        plan = publish(site, 1, DAY0 + dt.timedelta(days=10), capacity=CAPACITY)
    ExamPlan.objects.filter(pk=plan.pk).update(booked=CAPACITY - PLACES_LEFT)
    people = [make_person() for _ in range(APPLICANTS)]
    who = [Applicant(p.pk) for p in people]
    with on(DAY0):
        apps = [
            services.licence_application_start(
                actor=Actor(ref=str(p.public_id), label="applicant", role="citizen"),
                principal=w,
                person=p,
                licence_class="C1",
                office_region="320102",
            )
            for p, w in zip(people, who, strict=True)
        ]
    gate = threading.Barrier(APPLICANTS)
    pool = threading.BoundedSemaphore(CONNECTIONS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(i: int) -> None:
        try:
            gate.wait()
            with pool:
                try:
                    b = services.booking_request(
                        actor=Actor(ref=str(people[i].public_id), label="a", role="citizen"),
                        principal=who[i],
                        application=apps[i],
                        plan=plan,
                    )
                    outcome = b.state
                except DomainError as exc:
                    outcome = exc.code
                finally:
                    connection.close()
            with lock:
                outcomes.append(outcome)
        except threading.BrokenBarrierError:
            with lock:
                outcomes.append("barrier")

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(APPLICANTS)]
    # one frozen clock for every thread (``clock.frozen`` is process-wide, not per thread)
    with on(DAY0 + dt.timedelta(days=1)):
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
    assert Counter(outcomes) == {"booked": PLACES_LEFT, "waiting": APPLICANTS - PLACES_LEFT}
    assert ExamPlan.objects.get(pk=plan.pk).booked == CAPACITY
    assert Booking.objects.filter(plan=plan, state="booked").count() == PLACES_LEFT
    waiting = list(Booking.objects.filter(plan=plan, state="waiting"))
    positions = sorted(selectors.queue_position(b) or 0 for b in waiting)
    assert positions == list(range(1, APPLICANTS - PLACES_LEFT + 1))
