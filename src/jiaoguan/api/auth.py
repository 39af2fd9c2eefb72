"""API authentication: the browser session (pages' own fetches) or a partner bearer token."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import APIKeyCookie, HttpBearer

from jiaoguan.accounts.services import api_client_for_token
from jiaoguan.audit.services import Actor
from jiaoguan.kernel.errors import RateLimited


class SessionAuth(APIKeyCookie):
    """Django session with CSRF on unsafe methods.

    A request that carries no session cookie cannot be authenticated by it, so it is passed to
    the next scheme without the CSRF check: otherwise a partner's bearer-token POST over real
    HTTP (no cookie, no CSRF token) was refused with 403 before its token was looked at."""

    param_name = "sessionid"

    def _get_key(self, request: HttpRequest) -> str | None:
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return None


class PartnerBearer(HttpBearer):
    """``Authorization: Bearer jg_…`` issued to a registered partner system."""

    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        client = api_client_for_token(
            token, cert_sha256=request.META.get(settings.PARTNER_CERT_HEADER)
        )
        if client is not None:
            _count_request(client)
            request.api_client = client  # type: ignore[attr-defined]
        return client


def _count_request(client: Any) -> None:
    """Each partner client's requests are counted per minute in the Django cache (Redis in
    production, shared by every web process); over its ``rate_per_minute`` the API answers
    429 problem+json with ``Retry-After`` until the minute ends."""
    limit = client.rate_per_minute
    if not limit:
        return
    window = int(time.time() // 60)
    key = f"api:rate:{client.public_id}:{window}"
    cache.add(key, 0, 90)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, 90)
        count = 1
    if count > limit:
        raise RateLimited(
            "rate_limited",
            _("Too many requests from this client: at most %(limit)d a minute") % {"limit": limit},
            retry_after=60 - int(time.time()) % 60,
        )


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
