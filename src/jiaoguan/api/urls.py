"""The one NinjaAPI at /api/v1/."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest
from ninja import NinjaAPI, Schema

from jiaoguan.accounts.api import router as accounts_router
from jiaoguan.accounts.principal import SCOPE_DESCRIPTIONS
from jiaoguan.api import problems
from jiaoguan.api.identifiers import router as identifiers_router
from jiaoguan.cases.api import router as cases_router
from jiaoguan.cases.api_outlet import router as outlet_router
from jiaoguan.documents.api import router as documents_router
from jiaoguan.education.api import router as education_router
from jiaoguan.exams.api import router as exams_router
from jiaoguan.exchange.api import router as exchange_router
from jiaoguan.exchange.sale_api import router as exchange_sale_router
from jiaoguan.inspection.api import router as inspection_router
from jiaoguan.licensing.api import router as licensing_router
from jiaoguan.notices.api import router as notices_router
from jiaoguan.oauth.api import router as oauth_router
from jiaoguan.oauth.scopes import SCOPES as APP_SCOPES
from jiaoguan.orgs.api import router as orgs_router
from jiaoguan.payments.api import router as payments_router
from jiaoguan.plates.api import router as plates_router
from jiaoguan.platforms.api import router as platforms_router
from jiaoguan.registry.api import router as registry_router
from jiaoguan.violations.api import router as violations_router

_scopes = "\n".join(f"- `{k}`: {v}" for k, v in SCOPE_DESCRIPTIONS.items())
_app_scopes = "\n".join(f"- `{k}`: {v}" for k, v in APP_SCOPES.items())

api = NinjaAPI(
    title="jiaoguan API",
    version="1",
    urls_namespace="api",
    description=(
        "交管 jiaoguan: traffic-police vehicle and driver administration.\n\n"
        "Errors are RFC 9457 `application/problem+json` with `invalid_params` per field. "
        "Lists are keyset-paginated (`cursor`, `limit` ≤ 100).\n\n"
        "Authentication: the browser session (CSRF on writes), or a partner bearer token "
        "(`Authorization: Bearer jg_…`) limited to its scopes and region.\n\n"
        f"Partner scopes:\n{_scopes}\n\n"
        "Third-party apps (`/app/me/...`) call with an OAuth 2.0 access token that a citizen "
        "granted on jiaoguan's consent page (authorization code with PKCE at "
        "`/oauth/authorize/`, token at `/oauth/token/`, RFC 7009 revocation at "
        "`/oauth/revoke_token/`, OIDC discovery at `/oauth/.well-known/openid-configuration`); "
        "it reaches only that citizen's data and only its scopes. See "
        "docs/partners-and-apps.md.\n\n"
        f"App scopes:\n{_app_scopes}\n"
    ),
)
problems.install(api)


class HealthOut(Schema):
    ok: bool
    database: str


@api.get("/health", response=HealthOut, auth=None, tags=["system"])
def health(request: HttpRequest) -> HealthOut:
    with connection.cursor() as cur:
        cur.execute("SELECT 1")
    return HealthOut(ok=True, database=connection.vendor)


api.add_router("/", identifiers_router)
api.add_router("/", accounts_router)
api.add_router("/", registry_router)
api.add_router("/", cases_router)
api.add_router("/", outlet_router)
api.add_router("/", notices_router)
api.add_router("/", documents_router)
api.add_router("/", inspection_router)
api.add_router("/", licensing_router)
api.add_router("/", payments_router)
api.add_router("/", platforms_router)
api.add_router("/", plates_router)
api.add_router("/", violations_router)
api.add_router("/", orgs_router)
api.add_router("/", oauth_router)
api.add_router("/", exams_router)
api.add_router("/", exchange_router)
api.add_router("/", exchange_sale_router)
api.add_router("/", education_router)
