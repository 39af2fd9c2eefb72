"""django-oauth-toolkit's request validator, narrowed for jiaoguan: an app asks only for the
scopes it was registered for, the ID token's subject is the account's opaque public id, and the
citizen's approval is recorded as a consent revision in the same transaction as the code."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from oauth2_provider.oauth2_validators import OAuth2Validator

from jiaoguan.audit.services import Actor
from jiaoguan.oauth import services
from jiaoguan.oauth.models import AppRegistration
from jiaoguan.oauth.scopes import OPENID, SCOPES


class JiaoguanValidator(OAuth2Validator):
    def validate_scopes(
        self, client_id: str, scopes: list[str], client: Any, request: Any, *args: Any, **kw: Any
    ) -> bool:
        registration = AppRegistration.objects.filter(
            application=client, disabled_at__isnull=True
        ).first()
        if registration is None:
            return False
        allowed = {OPENID, *registration.allowed_scopes} & set(SCOPES)
        return set(scopes).issubset(allowed)

    def save_authorization_code(
        self, client_id: str, code: dict[str, Any], request: Any, *args: Any, **kw: Any
    ) -> None:
        with transaction.atomic():
            services.app_authorisation_grant(
                actor=Actor.of(request.user),
                user=request.user,
                application=request.client,
                scopes=list(request.scopes),
            )
            super().save_authorization_code(client_id, code, request, *args, **kw)

    def get_claim_dict(self, request: Any) -> dict[str, Any]:
        # never the sequential database id (DESIGN.md: public ids are opaque)
        return {"sub": str(request.user.public_id)}

    def get_discovery_claims(self, request: Any) -> list[str]:
        return ["sub"]
