"""Shared fixtures. The partner sandbox runs as a real HTTP server for the whole session; the
HTTP adapters talk to it exactly as they would to the real partners."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from typing import Any

import pyotp
import pytest
from django.contrib.auth.hashers import make_password

from jiaoguan.accounts import services as accounts
from jiaoguan.accounts.models import User
from jiaoguan.audit.services import Actor
from jiaoguan.kernel.idnumber import IdNumber
from jiaoguan.kernel.plates import Plate as PlateNumber
from jiaoguan.registry import services as registry
from jiaoguan.registry.constants import Fuel, LicenceTerm, VehicleClass, VehicleUse
from jiaoguan.registry.models import DrivingLicence, Person, Vehicle
from sandbox.population import is_deceased, name_for
from sandbox.server import make_server

SANDBOX_KEY = "test-sandbox-key"
PASSWORD = "correct-horse-battery"
_counter = itertools.count(1)


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[Any]:
    server = make_server(port=0, key=SANDBOX_KEY)
    server.start_in_thread()
    yield server
    server.close()


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[Any]:
    """The sandbox provincial OpenID provider (sandbox/oidc.py), a real HTTP server."""
    from sandbox.oidc import make_provider

    provider = make_provider(port=0, admin_key=SANDBOX_KEY)
    provider.start_in_thread()
    yield provider
    provider.close()


@pytest.fixture(autouse=True)
def _partners(settings: Any, sandbox_server: Any) -> None:
    settings.SANDBOX_URL = sandbox_server.url
    settings.SANDBOX_KEY = SANDBOX_KEY
    settings.PARTNER_TIMEOUT = 2.0


@pytest.fixture
def system() -> Actor:
    return Actor.system("tests")


def new_id_number(county: str = "320102") -> str:
    """A fresh valid ID number of a living person in the sandbox population register (about
    1 in 256 numbers is registered as deceased there, and real-name checks refuse it)."""
    while True:
        n = next(_counter)
        number = str(
            IdNumber.generate(county, dt.date(1985, 1, 1) + dt.timedelta(days=n), n % 1000)
        )
        if not is_deceased(number):
            return number


def make_person(county: str = "320102", **kw: Any) -> Person:
    number = kw.pop("id_number", None) or new_id_number(county)
    n = next(_counter)
    return registry.person_create(
        actor=Actor.system("tests"),
        name=kw.pop("name", name_for(number)),
        id_number=number,
        phone=kw.pop("phone", f"139{n:08d}"),
        **kw,
    )


def make_vehicle(
    owner: Person,
    *,
    region: str | None = None,
    plate: str | None = None,
    vin: str | None = None,
    **kw: Any,
) -> Vehicle:
    import random

    from jiaoguan.demo.seed import make_vin, serial
    from jiaoguan.kernel import regions

    n = next(_counter)
    region = region or owner.region_code

    plate = plate or str(
        PlateNumber.generate(regions.plate_prefix(region[:4]), serial(n + 500_000))
    )
    return registry.vehicle_register(
        actor=Actor.system("tests"),
        vin=vin or make_vin(random.Random(n), n + 900_000, 2020),
        plate_number=plate,
        owner_person=owner,
        region_code=region,
        vehicle_class=VehicleClass.SMALL_PASSENGER,
        use=VehicleUse.NON_COMMERCIAL,
        seats=5,
        fuel=Fuel.PETROL,
        manufacture_date=kw.pop("manufacture_date", dt.date(2020, 1, 1)),
        registration_date=kw.pop("registration_date", dt.date(2020, 3, 1)),
        brand="大众",
        model_name="朗逸",
        **kw,
    )


def make_licence(
    person: Person, *, points: int = 0, classes: list[str] | None = None
) -> DrivingLicence:
    return registry.licence_issue(
        actor=Actor.system("tests"),
        person=person,
        classes=classes or ["C1"],
        first_issue_date=dt.date(2015, 5, 1),
        valid_from=dt.date(2021, 5, 1),
        term=LicenceTerm.TEN_YEARS,
        region_code=person.region_code,
        points=points,
    )


_HASH: dict[str, str] = {}


def _hash() -> str:
    if "h" not in _HASH:
        _HASH["h"] = make_password(PASSWORD)
    return _HASH["h"]


def make_staff(role: str, scope: str, organisation: Any = None, **kw: Any) -> User:
    n = next(_counter)
    return accounts.staff_create(
        actor=Actor.system("tests"),
        username=kw.pop("username", f"{role}-{n}"),
        password="",
        roles=[role],
        region_scope=scope,
        organisation=organisation,
        password_hash=_hash(),
        totp_secret=pyotp.random_base32(),
        **kw,
    )


def make_citizen(person: Person | None = None, **kw: Any) -> User:
    person = person or make_person()
    n = next(_counter)
    return accounts.citizen_register(
        username=kw.pop("username", f"citizen-{n}"),
        password="",
        name=person.name,
        id_number=person.id_number,
        phone=person.phone,
        password_hash=_hash(),
    )


@pytest.fixture
def nanjing_clerk(db: None) -> User:
    return make_staff("counter_clerk", "3201")


@pytest.fixture
def suzhou_clerk(db: None) -> User:
    return make_staff("counter_clerk", "3205")
