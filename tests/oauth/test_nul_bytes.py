"""Regression (found by tests/test_pages_fuzz_new.py on PostgreSQL): a NUL byte in ``code`` (or
any parameter) at the token endpoint answered 500 (PostgreSQL refuses NUL in a text lookup); now
RFC 6749's ``invalid_request`` (400). The same for revocation."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/oauth/token/", {"grant_type": "authorization_code", "code": "a\x00b"}),
        ("/oauth/token/", {"grant_type": "refresh_token", "refresh_token": "\x00"}),
        ("/oauth/token/", {"client_id": "x\x00", "code": "abc"}),
        ("/oauth/revoke_token/", {"token": "a\x00b"}),
    ],
)
def test_nul_byte_is_invalid_request_not_500(url: str, data: dict[str, str]) -> None:
    r = Client().post(url, data)
    assert r.status_code == 400, r.content
    assert r.json()["error"] == "invalid_request"
