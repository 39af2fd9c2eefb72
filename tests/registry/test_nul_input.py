"""NUL characters in any input: a 400, never a database error (found by probing PostgreSQL,
which cannot store NUL in text)."""

import pytest
from django.test import Client

from tests.conftest import make_person, make_staff, make_vehicle


@pytest.mark.django_db
def test_nul_in_any_input_is_a_400() -> None:
    v = make_vehicle(make_person("320102"))
    c = Client()
    c.force_login(make_staff("reviewer", "3201"))
    api = [
        c.get("/api/v1/search", {"q": v.plate.number, "purpose": "a\x00b"}),
        c.get(f"/api/v1/persons/{v.owner_person.public_id}", {"purpose": "a\x00b"}),
        c.post("/api/v1/me/contact", {"address": "a\x00b"}, content_type="application/json"),
    ]
    for resp in api:
        assert resp.status_code == 400 and resp.json()["code"] == "nul_character"
    page = c.get("/console/", {"q": v.plate.number, "purpose": "a\x00"})
    assert page.status_code == 400 and "NUL" in page.content.decode()
