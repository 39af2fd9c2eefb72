"""Signing with the documents key (ES256, published at ``/.well-known/jwks.json``).

The share token and every consent revision are signed with the same active key that signs the
documents, so one published key set verifies all of them offline, and key rotation keeps the
old signatures verifiable (retired keys stay published)."""

from __future__ import annotations

from typing import Any

import jwt
from django.db import IntegrityError

from jiaoguan.audit.services import Actor
from jiaoguan.documents import signing
from jiaoguan.documents.constants import ALGORITHM
from jiaoguan.documents.models import SigningKey
from jiaoguan.documents.selectors import published_jwks
from jiaoguan.documents.services import signing_key_rotate


def active_key(*, actor: Actor) -> SigningKey:
    """The active documents key; the first signature of a new deployment creates it (the
    documents' own rotation service, audited). Read without a lock, as documents do."""
    key = SigningKey.objects.filter(retired_at__isnull=True).first()
    if key is not None:
        return key
    try:
        return signing_key_rotate(actor=actor)
    except IntegrityError:  # a concurrent first signature created it
        return SigningKey.objects.get(retired_at__isnull=True)


def sign(claims: dict[str, Any], *, actor: Actor) -> tuple[str, str]:
    """(compact JWS of ``claims``, kid)."""
    key = active_key(actor=actor)
    return signing.sign(claims, kid=key.kid, private_key_pem=key.private_key_pem), key.kid


def verify(token: str, *, jwks: dict[str, Any] | None = None) -> dict[str, Any]:
    """The claims of ``token`` if its ES256 signature holds against a published key; raises
    ``jwt.PyJWTError`` (or ``LookupError`` for an unknown key) otherwise. ``exp`` is not
    checked here: callers decide what an old signature means."""
    keys = (jwks or published_jwks()).get("keys", [])
    kid = jwt.get_unverified_header(token).get("kid")
    data = next((k for k in keys if isinstance(k, dict) and k.get("kid") == kid), None)
    if data is None:
        raise LookupError("the signing key is not published")
    return jwt.decode(
        token,
        jwt.PyJWK(data, algorithm=ALGORITHM),
        algorithms=[ALGORITHM],
        options={"verify_exp": False, "verify_aud": False},
    )
