"""Throwaway secrets for dev and test only: fixed so the demo database survives restarts."""

import os

DEV_DEFAULTS = {
    "SECRET_KEY": "dev-only-insecure-secret-key-jiaoguan-0123456789abcdef",
    # 16 bytes each, base64. Never used outside dev/test (base settings require real ones).
    "JIAOGUAN_FIELD_KEY": "ZGV2LWZpZWxkLWtleS0xNg==",
    "JIAOGUAN_INDEX_KEY": "ZGV2LWluZGV4LWtleS0wMDAwMDAwMDAwMDAwMDA=",
    # the province of a dev/test deployment, and its Ed25519 exchange seed (base64url, 32 bytes)
    "JIAOGUAN_PROVINCE": "32",
    "JIAOGUAN_EXCHANGE_KEY": "ZGV2LWV4Y2hhbmdlLWtleS0wMDAwMDAwMDAwMDAwMDA",
}


def apply() -> None:
    for name, value in DEV_DEFAULTS.items():
        os.environ.setdefault(name, value)
