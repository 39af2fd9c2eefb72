"""The selection pages: portal, kiosk, dealer desk, staff console, public verification."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client

from jiaoguan.kernel import clock
from jiaoguan.kernel.uscc import USCC
from jiaoguan.plates import services
from jiaoguan.plates.models import Batch, Reservation, SelectionRight
from jiaoguan.registry.constants import OrganisationKind
from jiaoguan.registry.models import Plate
from jiaoguan.registry.services import organisation_create
from tests.conftest import make_citizen, make_person, make_staff
from tests.plates.conftest import STAFF, T0, grant, released_pool, vin

pytestmark = pytest.mark.django_db


def _client(user: Any, lang: str = "zh-hans") -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE=lang)
    c.force_login(user)
    return c


def test_citizen_draws_and_picks_on_the_portal(at_t0: Any) -> None:
    released_pool()
    person = make_person()
    right = grant(person)
    c = _client(make_citizen(person))
    page = c.get("/portal/plates/").content.decode()
    assert f"/portal/plates/{right.public_id}/" in page
    url = f"/portal/plates/{right.public_id}/"
    assert "随机选号" in c.get(url).content.decode()
    r = c.post(url, {"action": "draw"})
    assert r.status_code == 302
    page = c.get(url).content.decode()
    candidates = re.findall(r'name="number" value="([^"]+)"', page)
    assert len(candidates) == 10
    r = c.post(url, {"action": "pick", "number": candidates[2]})
    assert r.status_code == 302
    page = c.get(url).content.decode()
    assert candidates[2] in page and "号码已为您保留" in page


def test_compose_refusal_is_shown_beside_the_field(at_t0: Any) -> None:
    released_pool()
    person = make_person()
    right = grant(person)
    c = _client(make_citizen(person))
    r = c.post(f"/portal/plates/{right.public_id}/", {"action": "compose", "serial": "0I000"})
    assert r.status_code == 422
    page = r.content.decode()
    assert 'id="serial-error"' in page and "不得使用字母I和O" in page
    assert 'aria-describedby="serial-error"' in page and 'value="0I000"' in page
    en = _client(make_citizen(person := make_person()), lang="en")
    right2 = grant(person)
    r = en.post(f"/portal/plates/{right2.public_id}/", {"action": "compose", "serial": "0I000"})
    assert "The letters I and O are never used" in r.content.decode()


def test_kiosk_holder_picks_by_touch(at_t0: Any) -> None:
    released_pool()
    person = make_person()
    right = grant(person)
    device = make_staff("kiosk_device", "320102")
    c = _client(device)
    session = c.session
    session["kiosk"] = {"person": str(person.public_id), "seen": clock.now().isoformat()}
    session.save()
    page = c.get("/kiosk/plates/").content.decode()
    assert f"/kiosk/plates/{right.public_id}/" in page
    url = f"/kiosk/plates/{right.public_id}/"
    c.post(url, {"action": "draw"})
    page = c.get(url).content.decode()
    assert "kiosk-screen" in page and 'id="serial"' not in page  # no typing on a kiosk
    candidates = re.findall(r'name="number" value="([^"]+)"', page)
    assert len(candidates) == 50  # the hall's "50选1"
    assert c.post(url, {"action": "pick", "number": candidates[0]}).status_code == 302
    assert Reservation.objects.get().channel == "hall"
    # without a card holder the kiosk shows nothing
    assert _client(device).get(url).status_code == 404


def test_dealer_desk(at_t0: Any) -> None:
    released_pool()
    org = organisation_create(
        actor=STAFF,
        uscc=str(USCC.generate("320102", "00090002")),
        name="南京某汽车销售有限公司",
        kind=OrganisationKind.DEALER,
        region_code="320102",
    )
    c = _client(make_staff("outlet_dealer", "3201", organisation=org))
    buyer = make_person()
    r = c.post(
        "/outlet/plates/",
        {"id_number": buyer.id_number, "vin": "bad", "prefix": "苏A", "kind": "ordinary"},
    )
    assert r.status_code == 422 and 'id="vin-error"' in r.content.decode()
    r = c.post(
        "/outlet/plates/",
        {"id_number": buyer.id_number, "vin": vin(), "prefix": "苏A", "kind": "ordinary"},
    )
    right = SelectionRight.objects.get(person=buyer)
    assert r.status_code == 302 and r["Location"] == f"/outlet/plates/{right.public_id}/"
    assert right.dealer == org
    assert "为购车人" in c.get(r["Location"]).content.decode()
    # another dealer's agent cannot open it
    other = organisation_create(
        actor=STAFF,
        uscc=str(USCC.generate("320102", "00090003")),
        name="另一家经销商",
        kind=OrganisationKind.DEALER,
        region_code="320102",
    )
    stranger = _client(make_staff("outlet_dealer", "3201", organisation=other))
    assert stranger.get(r["Location"]).status_code == 404


def test_console_creates_releases_and_issues() -> None:
    admin = _client(make_staff("administrator", "32"))
    with clock.frozen(T0):
        r = admin.post("/console/plates/", {"action": "pool", "prefix": "苏I", "kind": "ordinary"})
        assert r.status_code == 302  # 苏I: a letter, no city in the table; the province scope
        r = admin.post("/console/plates/", {"action": "pool", "prefix": "X1", "kind": "ordinary"})
        assert r.status_code == 422 and 'id="prefix-error"' in r.content.decode()
        pool, _ = released_pool()
        draft = services.batch_create(actor=STAFF, pool=pool, label="三", pattern="Q22##")
        r = admin.post("/console/plates/", {"action": "release", "batch": str(draft.public_id)})
        assert r.status_code == 302
        assert Batch.objects.get(pk=draft.pk).state == "released"
        right = grant()
        draw = services.draw_make(acting=services.Acting(STAFF, "online"), right=right)
        res = services.plate_pick(
            acting=services.Acting(STAFF, "online"),
            right=right,
            draw=draw,
            number=draw.candidates[0],
        )
        clerk = _client(make_staff("counter_clerk", "3201"))
        page = clerk.get("/console/plates/").content.decode()
        assert draw.candidates[0] in page
        r = clerk.post("/console/plates/", {"action": "confirm", "reservation": str(res.public_id)})
        assert r.status_code == 302
    assert Plate.objects.filter(number=draw.candidates[0]).exists()
    assert _client(make_citizen()).get("/console/plates/").status_code == 404


def test_public_verify_page(at_t0: Any) -> None:
    released_pool()
    right = grant()
    draw = services.draw_make(acting=services.Acting(STAFF, "online"), right=right)
    c = Client()
    page = c.get(f"/plates/verify/?right={right.public_id}&attempt=1").content.decode()
    assert 'data-verdict="pending"' in page
    with clock.frozen(T0 + dt.timedelta(days=1)):
        services.windows_reveal_due(actor=STAFF)
    page = c.get(f"/plates/verify/?right={right.public_id}&attempt=1").content.decode()
    assert 'data-verdict="ok"' in page and " ".join(draw.candidates) in page
    r = c.get("/plates/verify/?right=nothing&attempt=x")
    assert r.status_code == 422 and 'id="attempt-error"' in r.content.decode()
    r = c.get("/plates/verify/?right=nothing&attempt=1")
    assert r.status_code == 422 and 'id="right-error"' in r.content.decode()
