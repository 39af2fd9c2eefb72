"""Authentication of a third-party app calling the resource endpoints: an OAuth 2.0 access
token issued by this server (django-oauth-toolkit verifies it: known, not revoked, not
expired), whose citizen's authorisation of the app is still active. Each endpoint then checks
that the token carries its scope (403 ``insufficient_scope`` otherwise)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer
from ninja.security.base import SecuritySchema
from oauth2_provider.oauth2_backends import get_oauthlib_core

from jiaoguan.api.auth import _count_request as count_request
from jiaoguan.kernel.errors import Forbidden
from jiaoguan.oauth.models import AppAuthorisation, AppRegistration
from jiaoguan.oauth.scopes import SCOPES


@dataclass(frozen=True)
class AppCaller:
    """A third-party app acting for the citizen who authorised it."""

    authorisation: AppAuthorisation
    registration: AppRegistration
    scopes: frozenset[str]

    # Acts as a Principal for the selectors: exactly the citizen's own view of their data.
    @property
    def user(self) -> Any:
        return self.authorisation.user

    def require(self, scope: str) -> None:
        if scope not in self.scopes:
            raise Forbidden(
                "insufficient_scope",
                _("This token does not carry the scope %(scope)s") % {"scope": scope},
            )


class AppBearer(HttpBearer):
    """``Authorization: Bearer <access token>`` of a third-party app (OAuth 2.0)."""

    openapi_scheme = "bearer"

    def __init__(self) -> None:
        super().__init__()
        # described as what it is: OAuth 2.0 authorization code (PKCE) with jiaoguan's scopes
        self.openapi_security_schema = SecuritySchema(
            type="oauth2",
            description="An access token a citizen granted to the app on jiaoguan's consent "
            "page (authorization code with PKCE S256). See docs/partners-and-apps.md.",
            flows={
                "authorizationCode": {
                    "authorizationUrl": "/oauth/authorize/",
                    "tokenUrl": "/oauth/token/",
                    "refreshUrl": "/oauth/token/",
                    "scopes": dict(SCOPES),
                }
            },
        )

    def authenticate(self, request: HttpRequest, token: str) -> AppCaller | None:
        if not token or len(token) > 255 or token.startswith("jg_"):
            return None
        valid, oauth_request = get_oauthlib_core().verify_request(request, scopes=[])
        access = getattr(oauth_request, "access_token", None)
        if not valid or access is None or access.user_id is None:
            return None
        authorisation = (
            AppAuthorisation.objects.select_related("user", "person", "application")
            .filter(user_id=access.user_id, application_id=access.application_id)
            .filter(ended_at__isnull=True)
            .first()
        )
        if authorisation is None:
            return None
        registration = AppRegistration.objects.filter(
            application_id=access.application_id, disabled_at__isnull=True
        ).first()
        if registration is None:
            return None
        count_request(registration)  # 429 over the app's rate, as for partner systems
        caller = AppCaller(
            authorisation=authorisation,
            registration=registration,
            scopes=frozenset(access.scope.split()),
        )
        request.app_caller = caller  # type: ignore[attr-defined]
        return caller


app_auth = AppBearer()
