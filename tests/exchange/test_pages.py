"""Pages: the clerk's transfer desk and the owner's transfer status."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from jiaoguan.exchange.models import ArchiveTransfer
from jiaoguan.kernel import clock
from jiaoguan.registry.constants import VehicleStatus
from tests.conftest import make_citizen, make_person, make_staff, make_vehicle
from tests.exchange.test_services import guangdong  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def test_clerk_moves_a_car_out_and_the_owner_sees_it(client: Client, guangdong: Any) -> None:  # noqa: F811
    with clock.frozen(dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)):
        owner = make_person("320102")
        car = make_vehicle(owner)
        client.force_login(make_staff("counter_clerk", "3201"))
        page = client.get("/console/transfers/", HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert page.status_code == 200
        assert "档案" in page.content.decode()
        assert car.plate is not None
        # a refusal shows beside its field, nothing is sent
        r = client.post(
            "/console/transfers/",
            {"plate": car.plate.number, "to_region": "320505", "kind": "move_out"},
        )
        assert r.status_code == 200 and ArchiveTransfer.objects.count() == 0
        assert 'role="alert"' in r.content.decode()
        r = client.post(
            "/console/transfers/",
            {"plate": car.plate.number, "to_region": "440106", "kind": "move_out"},
        )
        assert r.status_code == 302, r.content.decode()[:2000]
        transfer = ArchiveTransfer.objects.get()
        detail = client.get(r["Location"]).content.decode()
        assert transfer.archive_digest in detail
        car.refresh_from_db()
        assert car.status == VehicleStatus.TRANSFERRING
        # an incoming-only command on an outgoing transfer is refused, not a 500
        bad = client.post(f"/console/transfers/{transfer.public_id}/register/")
        assert bad.status_code in (403, 409)

        client.force_login(make_citizen(owner))
        mine = client.get("/portal/transfers/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert car.vin in mine and "Archive sealed and sent" in mine
        # the desk is for clerks only
        assert client.get("/console/transfers/").status_code == 404


def test_other_citizens_see_nothing(client: Client, guangdong: Any) -> None:  # noqa: F811
    client.force_login(make_citizen(make_person("320102")))
    page = client.get("/portal/transfers/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "You have no registration transfers." in page
