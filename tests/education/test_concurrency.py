"""Concurrency on PostgreSQL: heartbeats of many tabs arriving at once credit the time once;
two 学法减分 completions at once never pass the 6-point cap of a cycle."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection

from jiaoguan.audit.services import Actor
from jiaoguan.education import services
from jiaoguan.education.models import Enrolment, StudyBeat
from jiaoguan.kernel import clock
from jiaoguan.kernel.errors import Conflict
from jiaoguan.registry.models import DrivingLicence
from jiaoguan.violations import services as violations
from jiaoguan.violations.models import PointReduction
from tests.education.helpers import NOW, pay, violation
from tests.violations.test_concurrency import run_together

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "SQLite serialises every writer: real concurrency on the enrolment and licence "
            "row locks needs PostgreSQL (JIAOGUAN_TEST_DB=postgres)"
        )


def test_heartbeats_of_many_tabs_at_once_count_once(world: dict[str, Any]) -> None:
    violation(world, 12)
    citizen = world["citizen"]
    e = services.enrolment_open(actor=Actor.of(citizen), principal=citizen, course="full-score")

    def beat(tab: str) -> None:
        services.study_heartbeat(
            actor=Actor.of(citizen), principal=citizen, enrolment=e, tab=tab, active=True
        )

    beat("first")
    with clock.frozen(NOW + dt.timedelta(seconds=60)):
        errors = run_together([lambda t=t: beat(f"tab{t}") for t in range(8)])
    assert errors == []
    e = Enrolment.objects.get(pk=e.pk)
    assert e.counted_seconds == 60
    assert StudyBeat.objects.filter(enrolment=e).count() == 9
    assert StudyBeat.objects.filter(enrolment=e, seconds=60).count() == 1


def test_reductions_at_once_never_pass_the_cap(world: dict[str, Any]) -> None:
    pay(violation(world, 9))
    licence = DrivingLicence.objects.get(pk=world["licence"].pk)
    system = Actor.system("tests")
    for n in range(5):
        violations.points_reduce(
            actor=system, licence=licence, points=1, activity="online", source_ref=f"r{n}", rule="t"
        )

    def reduce(ref: str) -> None:
        violations.points_reduce(
            actor=system, licence=licence, points=1, activity="online", source_ref=ref, rule="t"
        )

    errors = run_together([lambda r=r: reduce(f"late{r}") for r in range(4)])
    assert len(errors) == 3 and all(isinstance(x, Conflict) for x in errors)
    assert sum(PointReduction.objects.values_list("points", flat=True)) == 6
    assert DrivingLicence.objects.get(pk=licence.pk).points == 3
