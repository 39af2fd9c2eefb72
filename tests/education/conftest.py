"""Shared fixtures: a Nanjing driver with a C1 licence first issued 2015-05-01 (cycles run
1 May to 30 April), time frozen at 2026-03-10 10:00 in China unless a test moves it; helpers
that reach 12 points, study with heartbeats and answer identity checks through the sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from jiaoguan.kernel import clock
from tests.conftest import (
    make_citizen,
    make_licence,
    make_person,
    make_staff,
    make_vehicle,
)
from tests.education.helpers import NOW, store_face


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with clock.frozen(NOW):
        yield


@pytest.fixture
def world(db: None, sandbox_server: Any) -> dict[str, Any]:
    driver = make_person("320102")
    vehicle = make_vehicle(driver, plate="苏A7V123")
    licence = make_licence(driver)
    store_face(sandbox_server.url, driver.id_number)
    return {
        "driver": driver,
        "vehicle": vehicle,
        "licence": licence,
        "citizen": make_citizen(driver),
        "officer": make_staff("police_officer", "3201"),
        "clerk": make_staff("counter_clerk", "3201"),
        "suzhou_clerk": make_staff("counter_clerk", "3205"),
    }
