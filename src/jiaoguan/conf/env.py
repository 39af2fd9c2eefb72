"""Every environment variable jiaoguan reads, declared in one place.

``docs/configuration.md`` is generated from :data:`VARIABLES` (``jiaoguan configdoc``) and a
test fails when the committed file drifts. Code reads variables only through :func:`get`, so an
undeclared variable cannot be read.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


class ConfigurationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Var:
    name: str
    description: str
    default: str | None = None
    #: required outside dev/test (settings refuse to start without it)
    secret: bool = False
    example: str = ""


VARIABLES: tuple[Var, ...] = (
    Var(
        "DJANGO_SETTINGS_MODULE",
        "Settings module: `jiaoguan.conf.settings.base` (production), `.dev` (demo) or `.test`.",
        "jiaoguan.conf.settings.base",
    ),
    Var(
        "DATABASE_URL",
        "Database. `sqlite:///path.db` (WAL mode) or `postgres://user@host:5432/db`. "
        "Default: SQLite file `jiaoguan.sqlite3` in `JIAOGUAN_DATA_DIR`.",
        None,
        example="postgres://jiaoguan@127.0.0.1:5432/jiaoguan",
    ),
    Var(
        "JIAOGUAN_DATA_DIR",
        "Folder for the SQLite database, generated files and uploaded images (`media/`).",
        "./var",
    ),
    Var("SECRET_KEY", "Django secret key (sessions, CSRF, signed values).", None, secret=True),
    Var(
        "JIAOGUAN_FIELD_KEY",
        "Base64 of the 16-byte SM4 key that encrypts personal data at rest (ID and phone numbers).",
        None,
        secret=True,
    ),
    Var(
        "JIAOGUAN_INDEX_KEY",
        "Base64 of the key for the keyed blind index (HMAC-SM3) used to find "
        "encrypted identifiers.",
        None,
        secret=True,
    ),
    Var(
        "JIAOGUAN_OIDC_KEY_FILE",
        "Path of the PEM RSA private key that signs the OpenID provider's ID tokens (RS256, "
        "published at `/oauth/.well-known/jwks.json`).",
        None,
        secret=True,
    ),
    Var(
        "JIAOGUAN_OIDC_RETIRED_KEY_FILES",
        "Comma-separated paths of earlier ID-token keys: they sign nothing but stay published "
        "in the JWKS until the ID tokens they signed have expired (key rotation).",
        "",
    ),
    Var("DEBUG", "`1` turns Django debug mode on. Never in production.", "0"),
    Var("ALLOWED_HOSTS", "Comma-separated host names the site answers to.", "localhost,127.0.0.1"),
    Var("CSRF_TRUSTED_ORIGINS", "Comma-separated origins trusted for CSRF (behind a proxy).", ""),
    Var(
        "REDIS_URL",
        "Redis for the cache and rate limits; local memory when unset.",
        None,
        example="redis://127.0.0.1:6379/0",
    ),
    Var(
        "JIAOGUAN_SANDBOX_URL",
        "Base URL of the partner sandbox (identity platform, SMS gateway) "
        "used by the HTTP adapters.",
        "http://127.0.0.1:8765",
    ),
    Var(
        "JIAOGUAN_SANDBOX_KEY",
        "API key jiaoguan presents to the partner sandbox.",
        "sandbox-dev-key",
    ),
    Var("JIAOGUAN_PARTNER_TIMEOUT", "Seconds to wait for an outside party before giving up.", "5"),
    Var(
        "JIAOGUAN_PAYMENTS_CONFIG",
        "Path of a JSON file with the merchant credentials: "
        '`{"wechatpay": {...}, "alipay": {...}}` (keys listed in '
        "`src/jiaoguan/payments/conf.py`). Unset: the payment sandbox's published test "
        "credentials are used (demo and tests only).",
        None,
    ),
    Var(
        "JIAOGUAN_PAYMENTS_NOTIFY_BASE_URL",
        "Public https origin the payment providers post their callbacks to.",
        "http://127.0.0.1:8000",
    ),
    Var(
        "JIAOGUAN_AUDIT_PARTITIONS",
        "Number of parallel audit chains (see docs/architecture.md); keep it above the number "
        "of concurrent writing transactions.",
        "64",
    ),
    Var("JIAOGUAN_LOGIN_MAX_FAILURES", "Failed sign-in attempts before an account is locked.", "5"),
    Var("JIAOGUAN_LOGIN_LOCK_MINUTES", "How long a locked account stays locked.", "15"),
    Var(
        "JIAOGUAN_SSO_ISSUER",
        "Issuer URL of the provincial government identity platform (OpenID Connect); "
        'empty turns the "sign in with the provincial platform" button off.',
        None,
        example="http://127.0.0.1:8766",
    ),
    Var("JIAOGUAN_SSO_CLIENT_ID", "jiaoguan's client id at the identity platform.", None),
    Var("JIAOGUAN_SSO_CLIENT_SECRET", "jiaoguan's client secret at the identity platform.", None),
    Var(
        "JIAOGUAN_UPLOAD_MAX_BYTES",
        "Largest image accepted as an application's material (JPEG or PNG), in bytes. "
        "Let the reverse proxy accept request bodies somewhat larger than this.",
        "5242880",
    ),
    Var(
        "JIAOGUAN_DEMO_SHOW_OTP",
        "`1` shows the current one-time code on the sign-in page "
        "(demo only, refused unless DEBUG is on).",
        "0",
    ),
    Var(
        "JIAOGUAN_REQUIRE_POSTGRES",
        "`1` makes `make test` fail instead of skipping the "
        "PostgreSQL pass when PostgreSQL is not reachable (CI sets it).",
        "0",
    ),
    Var(
        "JIAOGUAN_PROVINCE",
        "The province this deployment serves (GB/T 2260, 2 digits): the `from` of its "
        "exchange messages (docs/exchange.md). Dev and test default to 32.",
        None,
    ),
    Var(
        "JIAOGUAN_EXCHANGE_KEY",
        "Ed25519 seed (32 bytes, base64url) that signs this deployment's exchange messages "
        "and sealed archives; `jiaoguan manage exchange keygen` makes one. Required to send.",
        None,
    ),
    Var(
        "JIAOGUAN_EXCHANGE_LEASE_SECONDS",
        "How long one delivery attempt holds an outbox message before another may retry it.",
        "30",
    ),
    Var(
        "JIAOGUAN_EXCHANGE_RETRY_SECONDS",
        "Wait before the first retry of an unacknowledged message; it doubles each attempt "
        "(at most 10 minutes).",
        "2",
    ),
    Var(
        "JIAOGUAN_EXCHANGE_ONLINE_MAX_CHANGES",
        "R164 Art. 74 fraud control (local configuration): this many plate or document "
        "replacements, transfers or moves of a vehicle within the window make a new archive "
        "transfer on-site only; 0 turns the control off.",
        "3",
    ),
    Var(
        "JIAOGUAN_EXCHANGE_ONLINE_WINDOW_DAYS",
        "The window, in days, that JIAOGUAN_EXCHANGE_ONLINE_MAX_CHANGES counts over.",
        "365",
    ),
    Var(
        "JIAOGUAN_EXCHANGE_FAULTS",
        "Test fault points of the exchange (comma-separated; honoured only with DEBUG on).",
        None,
    ),
    Var(
        "JIAOGUAN_EXCHANGE_FAULT_MARKER",
        "Path prefix of the marker files written at those fault points (DEBUG only).",
        None,
    ),
    Var("JIAOGUAN_TEST_DB", "Database of one test pass: `sqlite` or `postgres`.", "sqlite"),
    Var(
        "JIAOGUAN_TEST_DATABASE_URL",
        "PostgreSQL server the test suite uses when reachable.",
        "postgres://postgres@127.0.0.1:5432/postgres",
    ),
)

_BY_NAME = {v.name: v for v in VARIABLES}


def get(name: str, default: str | None = None) -> str | None:
    """Read a declared variable; ``default`` overrides the declared default."""
    var = _BY_NAME[name]  # KeyError for an undeclared variable, on purpose
    value = os.environ.get(name)
    if value is None or value == "":
        return default if default is not None else var.default
    return value


def require(name: str) -> str:
    value = get(name)
    if not value:
        raise ConfigurationError(
            f"{name} must be set outside dev/test: {_BY_NAME[name].description}"
        )
    return value


def flag(name: str) -> bool:
    return (get(name) or "0").strip().lower() in {"1", "true", "yes", "on"}


def markdown() -> str:
    lines = [
        "# Configuration",
        "",
        "<!-- generated by `jiaoguan configdoc` from src/jiaoguan/conf/env.py; "
        "a test fails when this file drifts -->",
        "",
        "jiaoguan reads these environment variables and no others. Variables marked *secret* "
        "must be set in production (`jiaoguan.conf.settings.base`); the dev and test settings "
        "supply throwaway values.",
        "",
        "| variable | default | secret | meaning |",
        "|---|---|---|---|",
    ]
    for v in VARIABLES:
        default = f"`{v.default}`" if v.default else "—"
        desc = v.description + (f" Example: `{v.example}`." if v.example else "")
        lines.append(f"| `{v.name}` | {default} | {'yes' if v.secret else ''} | {desc} |")
    return "\n".join(lines) + "\n"
