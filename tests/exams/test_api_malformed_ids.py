"""Regression (found by tests/test_api_fuzz_all.py): a malformed organisation id when registering
an exam site answered 500 (the UUID field raised ValidationError); now a problem+json 404 naming
the field, like an unknown id."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import make_staff

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("bad", ["not-a-uuid", " ", "320102", "\u202e"])
def test_malformed_organisation_id_is_a_problem_not_a_500(bad: str) -> None:
    c = Client()
    c.force_login(make_staff("administrator", "32"))
    r = c.post(
        "/api/v1/exams/sites",
        {"organisation_id": bad, "subjects": [1], "classes": ["C1"], "examiners": []},
        content_type="application/json",
    )
    assert r.status_code == 404, r.content
    assert r["Content-Type"].startswith("application/problem+json")
    assert [p["name"] for p in r.json()["invalid_params"]] == ["organisation_id"]


@pytest.mark.parametrize("bad", ["x", "not-a-uuid", " "])
def test_malformed_organisation_id_for_a_station_is_a_problem_not_a_500(bad: str) -> None:
    # the same bug in the inspection station registration (found by the same fuzz test)
    c = Client()
    c.force_login(make_staff("administrator", "32"))
    r = c.post(
        "/api/v1/inspection/stations",
        {
            "organisation_id": bad,
            "lines": 1,
            "capacity_per_slot": 1,
            "slot_minutes": 30,
            "opening_hours": {},
            "vehicle_classes": ["C1"],
        },
        content_type="application/json",
    )
    assert r.status_code == 404, r.content
    assert r["Content-Type"].startswith("application/problem+json")
    assert [p["name"] for p in r.json()["invalid_params"]] == ["organisation_id"]
