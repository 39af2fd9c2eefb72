"""Signed envelopes: Ed25519 (RFC 8032) over a canonical JSON encoding.

Canonical form: UTF-8 JSON with keys sorted, no insignificant whitespace, non-ASCII kept as
is (``json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)``). The signature
covers every envelope field except ``signature`` itself; it is base64url without padding.
Keys: 32 raw bytes base64url (private seed and public key alike).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import uuid
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from jiaoguan.kernel.errors import DomainError


class NotConfigured(DomainError):
    """This deployment has no province or no exchange key: it can neither send nor receive."""

    status = 503
    title = "Exchange not configured"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest(obj: Any) -> str:
    return hashlib.sha256(canonical(obj)).hexdigest()


def new_key() -> tuple[str, str]:
    """A fresh key: (private seed, public key), both base64url."""
    private = Ed25519PrivateKey.generate()
    seed = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return b64url(seed), public_of(b64url(seed))


def _private(seed_b64: str) -> Ed25519PrivateKey:
    try:
        seed = unb64url(seed_b64)
        return Ed25519PrivateKey.from_private_bytes(seed)
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured("JIAOGUAN_EXCHANGE_KEY is not an Ed25519 seed") from exc


def public_of(seed_b64: str) -> str:
    public = _private(seed_b64).public_key()
    return b64url(public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def own_province() -> str:
    code = str(settings.EXCHANGE_PROVINCE)
    if len(code) != 2 or not code.isdigit():
        raise NotConfigured(
            "exchange_not_configured", "JIAOGUAN_PROVINCE must be a 2-digit GB/T 2260 code"
        )
    return code


def own_key() -> str:
    if not settings.EXCHANGE_PRIVATE_KEY:
        raise NotConfigured(
            "exchange_not_configured", "JIAOGUAN_EXCHANGE_KEY is required to send messages"
        )
    return str(settings.EXCHANGE_PRIVATE_KEY)


def own_public_key() -> str:
    return public_of(own_key())


def sign_bytes(data: bytes) -> str:
    return b64url(_private(own_key()).sign(data))


def verify_bytes(data: bytes, signature: str, public_key: str) -> bool:
    try:
        key = Ed25519PublicKey.from_public_bytes(unb64url(public_key))
        key.verify(unb64url(signature), data)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def envelope(
    *, type: str, to: str, body: dict[str, Any], message_id: uuid.UUID, created: dt.datetime
) -> dict[str, Any]:
    """A signed envelope from this deployment."""
    env: dict[str, Any] = {
        "id": str(message_id),
        "type": type,
        "from": own_province(),
        "to": to,
        "created": created.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "body": body,
    }
    env["signature"] = sign_bytes(canonical(env))
    return env


def verify_envelope(env: dict[str, Any], public_key: str) -> bool:
    unsigned = {k: v for k, v in env.items() if k != "signature"}
    signature = env.get("signature")
    return isinstance(signature, str) and verify_bytes(canonical(unsigned), signature, public_key)
