"""The pages: a citizen's violations (confirm, errors beside the field), the points on the
portal, and the officer's page (record with errors beside the fields, void)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from jiaoguan.violations.models import Violation
from tests.conftest import make_citizen, make_person, make_staff
from tests.violations.conftest import DIGEST, confirm, record

pytestmark = pytest.mark.django_db


def client_for(user: Any, lang: str = "zh-hans") -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE=lang)
    c.force_login(user)
    return c


def test_citizen_confirms_on_the_page_with_errors_beside_the_field(
    world: dict[str, Any],
) -> None:
    v = record(world)
    c = client_for(world["citizen"])
    text = c.get("/portal/violations/").content.decode()
    assert v.number in text and "已录入" in text and 'data-testid="confirm"' in text
    refused = c.post(
        "/portal/violations/",
        {
            "violation": str(v.public_id),
            "action": "confirm",
            "who": "other",
            "driver_id_number": make_person("320102").id_number,
        },
    )
    assert refused.status_code == 200
    page = refused.content.decode()
    assert "该身份证号码没有驾驶证记录" in page and 'id="de-' in page and "aria-invalid" in page
    ok = c.post(
        "/portal/violations/", {"violation": str(v.public_id), "action": "confirm", "who": "self"}
    )
    assert ok.status_code == 302
    assert Violation.objects.get(pk=v.pk).state == "driver_confirmed"
    page = c.get("/portal/violations/").content.decode()
    assert 'data-testid="pay-wechat"' in page and "3 / 12" in page
    assert world["owner"].name in page  # the owner drove: their own name


def test_another_drivers_name_is_masked_on_the_owners_page(world: dict[str, Any]) -> None:
    from tests.conftest import make_licence

    driver = make_person("320102")
    make_licence(driver)
    v = confirm(world, record(world), driver_id_number=driver.id_number)
    masked = driver.name[0] + "*" * (len(driver.name) - 1)
    page = client_for(world["citizen"]).get("/portal/violations/").content.decode()
    assert masked in page and driver.name not in page
    own = client_for(make_citizen(driver)).get("/portal/violations/").content.decode()
    assert driver.name in own and v.number in own


def test_the_portal_shows_the_points_of_the_cycle(world: dict[str, Any]) -> None:
    confirm(world, record(world, points=6))
    zh = client_for(world["citizen"]).get("/portal/").content.decode()
    assert "本记分周期的记分" in zh and "6 / 12" in zh
    assert "第11个记分周期：2025-05-01至2026-04-30" in zh
    en = client_for(world["citizen"], "en").get("/portal/").content.decode()
    assert "Points in this scoring cycle" in en and "cycle 11: 2025-05-01 to 2026-04-30" in en
    confirm(world, record(world, points=6, offence_code="1636"))
    detained = client_for(world["citizen"]).get("/portal/").content.decode()
    assert "驾驶证已被扣留" in detained and "学习7天" in detained


def test_another_citizen_sees_nothing(world: dict[str, Any]) -> None:
    v = record(world)
    stranger = client_for(make_citizen(make_person("320102")))
    page = stranger.get("/portal/violations/").content.decode()
    assert v.number not in page and "没有交通违法记录" in page
    tried = stranger.post(
        "/portal/violations/", {"violation": str(v.public_id), "action": "confirm"}
    )
    assert tried.status_code == 200 and Violation.objects.get(pk=v.pk).state == "recorded"
    assert client_for(world["officer"]).get("/portal/violations/").status_code == 404
    assert client_for(world["citizen"]).get("/console/violations/").status_code == 404
    assert (
        client_for(make_staff("counter_clerk", "3201")).get("/console/violations/").status_code
        == 404
    )


def test_officer_records_with_errors_beside_the_fields_and_voids(world: dict[str, Any]) -> None:
    c = client_for(world["officer"])
    form = {
        "action": "record",
        "plate_number": world["vehicle"].plate.number,
        "occurred_at": "2026-03-09T08:15",
        "place": "中山东路",
        "region_code": "320102",
        "offence_code": "1625",
        "description": "闯红灯",
        "citation": "《道路交通安全法》第38条",
        "points": "5",
        "fine": "abc",
    }
    bad = c.post("/console/violations/", form)
    assert bad.status_code == 200
    assert 'data-testid="error-fine"' in bad.content.decode()
    bad = c.post("/console/violations/", {**form, "fine": "200", "evidence_sha256": "xyz"})
    page = bad.content.decode()
    assert (
        'data-testid="error-points"' in page and "一次记分的分值为12分、9分、6分、3分、1分" in page
    )
    assert 'data-testid="error-evidence_url"' in page
    assert Violation.objects.count() == 0
    outside = c.post(
        "/console/violations/", {**form, "fine": "200", "points": "6", "region_code": "320505"}
    )
    assert "违法地点不在您的辖区内" in outside.content.decode()
    done = c.post(
        "/console/violations/",
        {
            **form,
            "fine": "200",
            "points": "6",
            "evidence_url": "https://evidence.example/x.jpg",
            "evidence_sha256": DIGEST,
        },
    )
    assert done.status_code == 302
    v = Violation.objects.get()
    assert (v.points, v.fine_fen, v.source, v.occurred_at.hour) == (6, 20000, "officer", 0)
    page = c.get("/console/violations/").content.decode()
    assert v.number in page
    no_reason = c.post("/console/violations/", {"violation": str(v.public_id), "action": "void"})
    assert 'data-testid="row-error"' in no_reason.content.decode()
    c.post(
        "/console/violations/",
        {"violation": str(v.public_id), "action": "void", "reason": "号牌识别错误"},
    )
    assert Violation.objects.get(pk=v.pk).state == "void"
