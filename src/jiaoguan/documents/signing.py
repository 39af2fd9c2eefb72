"""Signed document tokens: compact JWS (RFC 7515) with ES256, verifiable offline.

Token header: ``{"alg": "ES256", "kid": <RFC 7638 thumbprint>, "typ": "JWT"}``.
Claims: ``iss`` ("jiaoguan"), ``sub`` (document public id), ``kind``, ``number``,
``version``, ``iat`` and ``fields`` (exactly what the paper shows, masked where it masks).
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.utils.translation import gettext as _
from jwt.algorithms import ECAlgorithm

from jiaoguan.documents.constants import ALGORITHM, ISSUER, MAX_TOKEN_LENGTH
from jiaoguan.kernel.errors import DomainError

REQUIRED_CLAIMS = ["iss", "sub", "iat", "kind", "number", "version", "fields"]


class TokenRejected(DomainError):
    """A document token that does not verify: malformed, unknown key or bad signature."""

    status = 422
    title = "Document token rejected"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def new_key_pair() -> tuple[str, dict[str, Any], str]:
    """A fresh P-256 key: (kid, public JWK, private key PEM)."""
    private = ec.generate_private_key(ec.SECP256R1())
    jwk: dict[str, Any] = json.loads(ECAlgorithm.to_jwk(private.public_key()))
    core = {k: jwk[k] for k in ("crv", "kty", "x", "y")}
    kid = _b64url(hashlib.sha256(json.dumps(core, separators=(",", ":")).encode()).digest())
    public = {**core, "kid": kid, "use": "sig", "alg": ALGORITHM}
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return kid, public, pem


def sign(claims: dict[str, Any], *, kid: str, private_key_pem: str) -> str:
    return jwt.encode(claims, private_key_pem, algorithm=ALGORITHM, headers={"kid": kid})


def _rejected(code: str, message: str, message_en: str) -> TokenRejected:
    return TokenRejected(code, message, field="token", message_en=message_en)


def verify_offline(token: str, jwks: dict[str, Any]) -> dict[str, Any]:
    """Check ``token`` against a published key set with no database and no network: what a
    phone app or a checkpoint does. Returns the claims; raises :class:`TokenRejected` with
    ``malformed``, ``unknown_key`` or ``bad_signature``."""
    token = (token or "").strip()
    if not token or len(token) > MAX_TOKEN_LENGTH * 2 or token.count(".") != 2:
        raise _rejected(
            "malformed", _("This is not a document token"), "This is not a document token"
        )
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise _rejected(
            "malformed", _("This is not a document token"), "This is not a document token"
        ) from exc
    if header.get("alg") != ALGORITHM:
        raise _rejected(
            "malformed", _("This is not a document token"), "This is not a document token"
        )
    kid = header.get("kid")
    key_data = next(
        (k for k in jwks.get("keys", []) if isinstance(k, dict) and k.get("kid") == kid), None
    )
    if key_data is None or not isinstance(kid, str):
        raise _rejected(
            "unknown_key",
            _("The document was signed with a key that is not published"),
            "The document was signed with a key that is not published",
        )
    try:
        key = jwt.PyJWK(key_data, algorithm=ALGORITHM)
        return jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": REQUIRED_CLAIMS, "verify_aud": False},
        )
    except jwt.InvalidSignatureError as exc:
        raise _rejected(
            "bad_signature",
            _("The signature does not match: the document was altered or forged"),
            "The signature does not match: the document was altered or forged",
        ) from exc
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise _rejected(
            "malformed", _("This is not a document token"), "This is not a document token"
        ) from exc
