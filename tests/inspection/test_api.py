"""The inspection schedule over the rules API."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

URL = "/api/v1/rules/inspection-schedule"


def ask(client: Client, lang: str = "zh-hans", **body: Any) -> Any:
    payload = {
        "vehicle_class": "small_passenger",
        "use": "non_commercial",
        "seats": 5,
        "registration_date": "2022-03-01",
        "on": "2030-01-15",
        **body,
    }
    return client.post(URL, payload, content_type="application/json", HTTP_ACCEPT_LANGUAGE=lang)


@pytest.mark.django_db
def test_year_8_label_only_under_the_2022_rules(client: Client) -> None:
    r = ask(client)
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["due"] == "2030-03-01" and body["label_only"] is True
    assert body["window_opens"] == "2029-12-01" and body["rule"] == "inspection.schedule@2022-10-01"
    assert "L2 Art. 16" in body["citations"]


@pytest.mark.django_db
def test_a_van_goes_to_the_station(client: Client) -> None:
    body = ask(client, van=True).json()
    assert body["label_only"] is False and body["excluded"] == "van"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"vehicle_class": "spaceship"}, "vehicle_class"),
        ({"seats": 0}, "seats"),
        ({"registration_date": "yesterday"}, "registration_date"),
    ],
)
def test_bad_facts_are_422_problems_beside_the_field(
    client: Client, body: dict[str, Any], field: str
) -> None:
    r = ask(client, **body)
    assert r.status_code == 422 and r["Content-Type"].startswith("application/problem+json")
    assert field in str(r.json())


@pytest.mark.django_db
def test_registration_after_the_date_is_refused_in_the_callers_language(client: Client) -> None:
    r = ask(client, "en", registration_date="2031-01-01")
    assert r.status_code == 422
    assert "registration date is after" in str(r.json())
    zh = ask(client, "zh-hans", registration_date="2031-01-01")
    assert "注册登记日期晚于查询日期" in zh.content.decode()


@pytest.mark.django_db
def test_the_owner_sees_the_next_inspection_on_the_portal(client: Client) -> None:
    import datetime as dt

    from jiaoguan.kernel import clock
    from tests.conftest import make_citizen, make_person, make_vehicle

    person = make_person()
    registered = clock.today() - dt.timedelta(days=365 * 2 - 30)
    make_vehicle(
        person,
        registration_date=registered,
        manufacture_date=registered,
        inspection_valid_until=registered.replace(year=registered.year + 2),
    )
    citizen = make_citizen(person)
    client.force_login(citizen)
    page = client.get("/portal/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    due = registered.replace(year=registered.year + 2).isoformat()
    assert f"{due} · 免检，申领标志" in page


@pytest.mark.django_db
def test_station_staff_land_on_their_desk(client: Client) -> None:
    from tests.conftest import make_staff

    station = make_staff("inspection_station", "3201")
    client.force_login(station)
    assert client.get("/")["Location"].endswith("/station/")
