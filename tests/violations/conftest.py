"""Shared fixtures: a Nanjing owner with a C1 licence first issued on 2015-05-01 (so cycles run
1 May to 30 April), their car, an officer of Nanjing and one of Suzhou. Time is frozen in the
cycle 2025-05-01 to 2026-04-30 unless a test moves it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from jiaoguan.accounts import services as accounts
from jiaoguan.audit.services import Actor
from jiaoguan.kernel import clock
from jiaoguan.violations import services
from jiaoguan.violations.models import Violation
from tests.conftest import make_citizen, make_licence, make_person, make_staff, make_vehicle

SH = clock.SHANGHAI
NOW = dt.datetime(2026, 3, 10, 10, 0, tzinfo=SH)
DIGEST = "ab" * 32


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SH)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with clock.frozen(NOW):
        yield


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    owner = make_person("320102")
    vehicle = make_vehicle(owner, plate="苏A7V123")
    licence = make_licence(owner)
    return {
        "owner": owner,
        "vehicle": vehicle,
        "licence": licence,
        "citizen": make_citizen(owner),
        "officer": make_staff("police_officer", "3201"),
        "suzhou_officer": make_staff("police_officer", "3205"),
    }


def bearer(scopes: list[str], region: str) -> dict[str, str]:
    _client, token = accounts.api_client_create(
        actor=Actor.system(), name="电子警察", scopes=scopes, region_scope=region
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def record(world: dict[str, Any], **kw: Any) -> Violation:
    """A violation recorded by the Nanjing officer (3 points, 200 yuan, yesterday)."""
    values: dict[str, Any] = {
        "plate_number": world["vehicle"].plate.number,
        "occurred_at": NOW - dt.timedelta(days=1),
        "place": "中山路与北京东路路口",
        "region_code": "320102",
        "offence_code": "1625",
        "description": "驾驶机动车违反道路交通信号灯通行",
        "citation": "《道路交通安全法》第38条、第90条",
        "points": 3,
        "fine_fen": 20000,
        "evidence": [{"url": "https://evidence.example/1.jpg", "sha256": DIGEST}],
    }
    values.update(kw)
    officer = values.pop("officer", world["officer"])
    violation, _created = services.violation_record(
        actor=Actor.of(officer), principal=officer, **values
    )
    return violation


def confirm(world: dict[str, Any], v: Violation, driver_id_number: str = "") -> Violation:
    citizen = world["citizen"]
    return services.violation_confirm_driver(
        actor=Actor.of(citizen), principal=citizen, violation=v, driver_id_number=driver_id_number
    )
