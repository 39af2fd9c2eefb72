"""Production settings. Secrets are required; DEBUG is off unless set."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import dj_database_url

from jiaoguan.conf import env
from jiaoguan.oauth.conf import provider_settings

BASE_DIR = Path(__file__).resolve().parent.parent.parent  # src/jiaoguan
DATA_DIR = Path(env.get("JIAOGUAN_DATA_DIR") or "./var").resolve()

DEBUG = env.flag("DEBUG")
SECRET_KEY = env.require("SECRET_KEY")
FIELD_KEY_B64 = env.require("JIAOGUAN_FIELD_KEY")
INDEX_KEY_B64 = env.require("JIAOGUAN_INDEX_KEY")

ALLOWED_HOSTS = [h.strip() for h in (env.get("ALLOWED_HOSTS") or "").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in (env.get("CSRF_TRUSTED_ORIGINS") or "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "jiaoguan.web",
    "jiaoguan.audit",
    "jiaoguan.accounts",
    "jiaoguan.registry",
    "jiaoguan.documents",
    "jiaoguan.payments",
    "jiaoguan.cases",
    "jiaoguan.notices",
    "jiaoguan.platforms",
    "jiaoguan.inspection",
    "jiaoguan.licensing",
    "jiaoguan.violations",
    "jiaoguan.plates",
    "jiaoguan.sso",
    "jiaoguan.orgs",
    "oauth2_provider",
    "jiaoguan.oauth",
    "jiaoguan.exams",
    "jiaoguan.exchange",
    "jiaoguan.education",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "jiaoguan.web.middleware.RequestIdMiddleware",
    "jiaoguan.web.middleware.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "jiaoguan.conf.urls"
WSGI_APPLICATION = "jiaoguan.conf.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "jiaoguan.web.context.navigation",
            ],
        },
    },
]


def database_from_url(url: str) -> dict[str, Any]:
    """A DATABASES entry for ``url``: SQLite in WAL mode with IMMEDIATE writers, or PostgreSQL."""
    config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            # WAL lets readers run beside the writer; IMMEDIATE takes the write lock at BEGIN
            # so concurrent writers queue instead of failing (DESIGN.md, performance facts).
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA busy_timeout=10000;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    return config


DATABASES = {
    "default": database_from_url(
        env.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'jiaoguan.sqlite3'}"
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

redis_url = env.get("REDIS_URL")
CACHES: dict[str, Any] = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
        if redis_url
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Uploaded images (cases.Attachment) are kept here and served only through the scoped API,
# never from MEDIA_URL.
MEDIA_ROOT = DATA_DIR / "media"
UPLOAD_MAX_BYTES = int(env.get("JIAOGUAN_UPLOAD_MAX_BYTES") or "5242880")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

SANDBOX_URL = (env.get("JIAOGUAN_SANDBOX_URL") or "").rstrip("/")
SANDBOX_KEY = env.get("JIAOGUAN_SANDBOX_KEY") or ""
PARTNER_TIMEOUT = float(env.get("JIAOGUAN_PARTNER_TIMEOUT") or "5")
AUDIT_PARTITIONS = int(env.get("JIAOGUAN_AUDIT_PARTITIONS") or "64")
PAYMENTS_NOTIFY_BASE_URL = env.get("JIAOGUAN_PAYMENTS_NOTIFY_BASE_URL") or ""
if payments_config := env.get("JIAOGUAN_PAYMENTS_CONFIG"):
    _payments = json.loads(Path(payments_config).read_text(encoding="utf-8"))
    PAYMENTS_WECHATPAY = _payments.get("wechatpay") or {}
    PAYMENTS_ALIPAY = _payments.get("alipay") or {}
OAUTH2_PROVIDER = provider_settings()
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
# Partner systems behind a TLS-terminating proxy: the header carrying the SHA-256 fingerprint
# of the client certificate the proxy verified (mutual TLS binding of ApiClient credentials).
PARTNER_CERT_HEADER = "HTTP_X_CLIENT_CERT_SHA256"
LOGIN_MAX_FAILURES = int(env.get("JIAOGUAN_LOGIN_MAX_FAILURES") or "5")
LOGIN_LOCK_MINUTES = int(env.get("JIAOGUAN_LOGIN_LOCK_MINUTES") or "15")
DEMO_SHOW_OTP = env.flag("JIAOGUAN_DEMO_SHOW_OTP") and DEBUG
# Single sign-on through the provincial government identity platform (OpenID Connect).
SSO_ISSUER = (env.get("JIAOGUAN_SSO_ISSUER") or "").rstrip("/")
SSO_CLIENT_ID = env.get("JIAOGUAN_SSO_CLIENT_ID") or ""
SSO_CLIENT_SECRET = env.get("JIAOGUAN_SSO_CLIENT_SECRET") or ""

# Ports to outside parties: dotted paths of the adapter classes (DESIGN.md, outside parties).
PORTS = {
    "identity": "jiaoguan.accounts.adapters.HttpIdentityPlatform",
    "sms": "jiaoguan.accounts.adapters.HttpSmsGateway",
    "tax": "jiaoguan.partners.adapters.HttpTaxAuthority",
    "insurance": "jiaoguan.partners.adapters.HttpInsurancePlatform",
    "hospital": "jiaoguan.partners.adapters.HttpHospitalNetwork",
    "residence": "jiaoguan.partners.adapters.HttpResidencePermits",
    "idreader": "jiaoguan.partners.adapters.HttpIdCardReader",
    "post": "jiaoguan.partners.adapters.HttpPostService",
    "market": "jiaoguan.orgs.adapters.HttpMarketRegister",
    "facecheck": "jiaoguan.education.adapters.HttpFaceCheck",
}

# The national exchange (docs/exchange.md): this deployment's province (GB/T 2260, 2 digits),
# its Ed25519 signing seed (base64url, `jiaoguan exchange keygen`), how long a delivery
# attempt holds a message before another may retry it, and (DEBUG only) the test fault points.
EXCHANGE_PROVINCE = env.get("JIAOGUAN_PROVINCE") or ""
EXCHANGE_PRIVATE_KEY = env.get("JIAOGUAN_EXCHANGE_KEY") or ""
EXCHANGE_LEASE_SECONDS = float(env.get("JIAOGUAN_EXCHANGE_LEASE_SECONDS") or "30")
EXCHANGE_RETRY_SECONDS = float(env.get("JIAOGUAN_EXCHANGE_RETRY_SECONDS") or "2")
EXCHANGE_FAULTS = (env.get("JIAOGUAN_EXCHANGE_FAULTS") or "") if DEBUG else ""
EXCHANGE_FAULT_MARKER = (env.get("JIAOGUAN_EXCHANGE_FAULT_MARKER") or "") if DEBUG else ""
# R164 Art. 74 (exchange/deadlines.py): this many replacements, transfers or moves of a vehicle
# within the window make a new transfer on-site only. Local configuration (DOMAIN.md has no number).
EXCHANGE_ONLINE_MAX_CHANGES = int(env.get("JIAOGUAN_EXCHANGE_ONLINE_MAX_CHANGES") or "3")
EXCHANGE_ONLINE_WINDOW_DAYS = int(env.get("JIAOGUAN_EXCHANGE_ONLINE_WINDOW_DAYS") or "365")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"jiaoguan": {"level": "INFO"}},
}
