"""Fixtures of plate selection: a released pool of 苏A numbers and a right to select."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from typing import Any

import pytest

from jiaoguan.audit.services import Actor
from jiaoguan.demo.seed import make_vin
from jiaoguan.kernel import clock
from jiaoguan.plates import services
from jiaoguan.plates.constants import Channel
from jiaoguan.plates.models import Batch, NumberPool, SelectionRight
from jiaoguan.plates.services import Acting
from jiaoguan.registry.models import Person
from tests.conftest import make_person

#: Tuesday 2026-03-10, 10:00 in Nanjing: no holiday in the next working days.
T0 = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)
STAFF = Actor(ref="staff-1", label="staff", role="administrator")
_vins = itertools.count(1)


def vin() -> str:
    """A fresh valid VIN."""
    n = next(_vins)
    return make_vin(random.Random(n), n + 700_000, 2025)


def released_pool(
    prefix: str = "苏A", kind: str = "ordinary", pattern: str = "Q20##", **release: Any
) -> tuple[NumberPool, Batch]:
    pool = NumberPool.objects.filter(prefix=prefix, kind=kind).first() or services.pool_create(
        actor=STAFF, prefix=prefix, kind=kind, scope="32"
    )
    batch = services.batch_create(actor=STAFF, pool=pool, label="第一批", pattern=pattern)
    batch = services.batch_release(actor=STAFF, batch=batch, **release)
    return pool, batch


def grant(
    person: Person | None = None, prefix: str = "苏A", kind: str = "ordinary"
) -> SelectionRight:
    return services.selection_right_grant(
        actor=STAFF,
        person=person or make_person(),
        vin=vin(),
        prefix=prefix,
        kind=kind,
        scope="32",
    )


def online(right: SelectionRight) -> Acting:
    return Acting(Actor(ref=str(right.person.public_id), label="citizen"), Channel.ONLINE)


def hall(right: SelectionRight) -> Acting:
    return Acting(Actor(ref="clerk", label="clerk", role="counter_clerk"), Channel.HALL)


@pytest.fixture
def at_t0() -> Any:
    with clock.frozen(T0):
        yield T0
