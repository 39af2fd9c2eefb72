"""API authentication: the browser session (pages' own fetches) or a partner bearer token."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from jiaoguan.accounts.services import api_client_for_token
from jiaoguan.audit.services import Actor


class SessionAuth(APIKeyCookie):
    """Django session with CSRF on unsafe methods."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return None


class PartnerBearer(HttpBearer):
    """``Authorization: Bearer jg_…`` issued to a registered partner system."""

    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        client = api_client_for_token(token)
        if client is not None:
            request.api_client = client  # type: ignore[attr-defined]
        return client


session_auth = SessionAuth()
bearer_auth = PartnerBearer()
ANY_AUTH = [session_auth, bearer_auth]


def principal(request: HttpRequest) -> Any:
    """The authenticated caller: a User or an ApiClient."""
    return request.auth  # type: ignore[attr-defined]


def actor(request: HttpRequest) -> Actor:
    caller = principal(request)
    if getattr(caller, "kind", "") == "partner":
        return Actor(
            ref=str(caller.public_id),
            label=caller.name,
            role="partner_system",
            outlet_ref=str(caller.organisation.public_id) if caller.organisation_id else "",
        )
    return Actor.of(caller)
