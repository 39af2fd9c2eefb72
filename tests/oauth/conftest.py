"""A registered third-party app and the OAuth 2.0 authorization-code + PKCE dance, driven over
Django's test client exactly as an app's browser redirect and back-channel calls would be."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from django.core.cache import cache
from django.test import Client

from jiaoguan.audit.services import Actor
from jiaoguan.oauth import services

REDIRECT = "https://app.example.gov.cn/callback"


@pytest.fixture(autouse=True)
def _clean_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@dataclass
class RegisteredApp:
    application: Any
    client_id: str
    secret: str


def register_app(
    scopes: list[str] | None = None, *, name: str = "苏服办", redirect: str = REDIRECT
) -> RegisteredApp:
    app, secret = services.app_register(
        actor=Actor.system("tests"),
        name=name,
        organisation_name="江苏省政务服务管理办公室",
        purpose="在苏服办展示您的驾驶证记分",
        purpose_en="Show your licence points in the provincial service app",
        redirect_uris=[redirect],
        scopes=scopes or ["licence:read", "points:read", "violations:read", "vehicles:read"],
    )
    return RegisteredApp(application=app, client_id=app.client_id, secret=secret)


@pytest.fixture
def provincial_app(db: None) -> RegisteredApp:
    return register_app()


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    return verifier, challenge


def authorize_params(app: RegisteredApp, scope: str, challenge: str | None, **extra: str) -> str:
    params = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": REDIRECT,
        "scope": scope,
        "state": "st-123",
        "nonce": "n-456",
    }
    if challenge is not None:
        params.update(code_challenge=challenge, code_challenge_method="S256")
    params.update(extra)
    return urlencode(params)


def consent(browser: Client, app: RegisteredApp, scope: str) -> tuple[str, str]:
    """The citizen (signed in on ``browser``) approves; returns (code, verifier)."""
    verifier, challenge = pkce_pair()
    page = browser.get(f"/oauth/authorize/?{authorize_params(app, scope, challenge)}")
    assert page.status_code == 200, page.content[:500]
    form = page.context["form"]
    data = {name: (form[name].value() or "") for name in form.fields}
    data["allow"] = "Authorize"
    answer = browser.post("/oauth/authorize/", data)
    assert answer.status_code == 302, answer.content[:500]
    query = parse_qs(urlparse(answer["Location"]).query)
    assert answer["Location"].startswith(REDIRECT)
    assert query["state"] == ["st-123"]
    return query["code"][0], verifier


def exchange(app: RegisteredApp, code: str, verifier: str) -> Any:
    return Client().post(
        "/oauth/token/",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
            "client_id": app.client_id,
            "client_secret": app.secret,
        },
    )


def tokens_for(browser: Client, app: RegisteredApp, scope: str) -> dict[str, Any]:
    code, verifier = consent(browser, app, scope)
    answer = exchange(app, code, verifier)
    assert answer.status_code == 200, answer.content
    return dict(answer.json())


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}
