"""No input reaching the API yields a 500: arbitrary text into every parameter."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import make_person, make_staff, make_vehicle

text = st.text(max_size=80)
ENDPOINTS = ("id-number", "uscc", "vin", "plate", "other")


@pytest.fixture
def clerk_client(db: None) -> Client:
    make_vehicle(make_person("320102"))
    c = Client()
    c.force_login(make_staff("reviewer", "3201"))
    return c


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(kind=st.sampled_from(ENDPOINTS), value=text.filter(lambda s: s.strip("/") != ""))
def test_identifier_decoder_never_fails(clerk_client: Client, kind: str, value: str) -> None:
    resp = clerk_client.get(f"/api/v1/identifiers/{kind}/{quote(value, safe='')}")
    assert resp.status_code < 500, resp.content
    assert resp["Content-Type"].startswith("application/")


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    q=text,
    purpose=text,
    cursor=text,
    limit=st.one_of(text, st.integers().map(str)),
    plate=text,
    vin=text,
    ident=text,
)
def test_registry_endpoints_never_fail(
    clerk_client: Client,
    q: str,
    purpose: str,
    cursor: str,
    limit: str,
    plate: str,
    vin: str,
    ident: str,
) -> None:
    answers = [
        clerk_client.get("/api/v1/search", {"q": q, "purpose": purpose}),
        clerk_client.get(
            "/api/v1/vehicles", {"cursor": cursor, "limit": limit, "plate": plate, "vin": vin}
        ),
        clerk_client.get(f"/api/v1/vehicles/{quote(ident, safe='') or 'x'}"),
        clerk_client.get(f"/api/v1/persons/{quote(ident, safe='') or 'x'}", {"purpose": purpose}),
        clerk_client.post(
            "/api/v1/me/contact", {"phone": q, "address": purpose}, content_type="application/json"
        ),
        clerk_client.get("/console/", {"q": q, "purpose": purpose}),
    ]
    for resp in answers:
        assert resp.status_code < 500, resp.content[:300]
