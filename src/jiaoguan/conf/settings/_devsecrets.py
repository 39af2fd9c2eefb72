"""Throwaway secrets for dev and test only: fixed so the demo database survives restarts."""

import os
import tempfile
from pathlib import Path

DEV_DEFAULTS = {
    "SECRET_KEY": "dev-only-insecure-secret-key-jiaoguan-0123456789abcdef",
    # 16 bytes each, base64. Never used outside dev/test (base settings require real ones).
    "JIAOGUAN_FIELD_KEY": "ZGV2LWZpZWxkLWtleS0xNg==",
    "JIAOGUAN_INDEX_KEY": "ZGV2LWluZGV4LWtleS0wMDAwMDAwMDAwMDAwMDA=",
    # the province of a dev/test deployment, and its Ed25519 exchange seed (base64url, 32 bytes)
    "JIAOGUAN_PROVINCE": "32",
    "JIAOGUAN_EXCHANGE_KEY": "ZGV2LWV4Y2hhbmdlLWtleS0wMDAwMDAwMDAwMDAwMDA",
}


def dev_oidc_key() -> str:
    """A throwaway RS256 key for the OpenID provider's ID tokens, made once per machine."""
    path = Path(tempfile.gettempdir()) / "jiaoguan-dev-oidc-rs256.pem"
    if not path.exists():
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        part = path.with_suffix(f".{os.getpid()}.tmp")
        part.write_bytes(pem)
        os.replace(part, path)  # concurrent first runs: the last one wins, each whole
    return str(path)


def apply() -> None:
    for name, value in DEV_DEFAULTS.items():
        os.environ.setdefault(name, value)
    if not os.environ.get("JIAOGUAN_OIDC_KEY_FILE"):
        os.environ["JIAOGUAN_OIDC_KEY_FILE"] = dev_oidc_key()
