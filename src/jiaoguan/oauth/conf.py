"""django-oauth-toolkit settings for jiaoguan (read by ``conf/settings/base.py``).

Authorization code with PKCE (S256 required) is the only grant an app gets; access tokens live
ten minutes, refresh tokens thirty days and rotate on use; ID tokens are signed RS256 with the
key in ``JIAOGUAN_OIDC_KEY_FILE`` (dev and test make a throwaway one)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jiaoguan.conf import env
from jiaoguan.oauth.scopes import OPENID, SCOPES

ACCESS_TOKEN_SECONDS = 600
REFRESH_TOKEN_SECONDS = 30 * 24 * 3600
AUTHORIZATION_CODE_SECONDS = 60


def provider_settings() -> dict[str, Any]:
    key = Path(env.require("JIAOGUAN_OIDC_KEY_FILE")).read_text(encoding="ascii")
    retired = [
        Path(p.strip()).read_text(encoding="ascii")
        for p in (env.get("JIAOGUAN_OIDC_RETIRED_KEY_FILES") or "").split(",")
        if p.strip()
    ]
    return {
        # retired keys sign nothing but stay in the JWKS until their ID tokens have expired
        "OIDC_RSA_PRIVATE_KEYS_INACTIVE": retired,
        "PKCE_REQUIRED": True,
        "OIDC_ENABLED": True,
        "OIDC_RSA_PRIVATE_KEY": key,
        "SCOPES": dict(SCOPES),
        "DEFAULT_SCOPES": [OPENID],
        "ACCESS_TOKEN_EXPIRE_SECONDS": ACCESS_TOKEN_SECONDS,
        "ID_TOKEN_EXPIRE_SECONDS": ACCESS_TOKEN_SECONDS,
        "REFRESH_TOKEN_EXPIRE_SECONDS": REFRESH_TOKEN_SECONDS,
        "AUTHORIZATION_CODE_EXPIRE_SECONDS": AUTHORIZATION_CODE_SECONDS,
        "ROTATE_REFRESH_TOKEN": True,
        "REFRESH_TOKEN_REUSE_PROTECTION": True,
        "REQUEST_APPROVAL_PROMPT": "force",
        "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"],
        "OAUTH2_VALIDATOR_CLASS": "jiaoguan.oauth.validators.JiaoguanValidator",
        "OIDC_TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED": ["client_secret_basic", "client_secret_post"],
    }
