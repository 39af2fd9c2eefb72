from __future__ import annotations

import uuid

from django.http import HttpRequest
from ninja import Router, Schema

from jiaoguan.api.auth import ANY_AUTH, principal

router = Router(tags=["accounts"])


class MeOut(Schema):
    id: uuid.UUID
    kind: str
    name: str
    roles: list[str]
    region_scope: str
    real_name_verified: bool
    scopes: list[str]


@router.get("/me", response=MeOut, auth=ANY_AUTH, summary="Who am I (user or partner client)")
def me(request: HttpRequest) -> MeOut:
    who = principal(request)
    if who.kind == "partner":
        return MeOut(
            id=who.public_id,
            kind="partner",
            name=who.name,
            roles=["partner_system"],
            region_scope=who.region_scope,
            real_name_verified=False,
            scopes=who.scopes,
        )
    return MeOut(
        id=who.public_id,
        kind=who.kind,
        name=who.get_full_name() or who.get_username(),
        roles=who.role_codes(),
        region_scope=who.region_scope,
        real_name_verified=who.real_name_verified_at is not None,
        scopes=[],
    )
