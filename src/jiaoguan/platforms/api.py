"""API of the platforms app: a citizen's share codes, consents and access log; the public
share-code check a desk calls."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Router, Status

from jiaoguan.api import problems
from jiaoguan.api.auth import actor, principal, session_auth
from jiaoguan.api.pagination import Page, keyset
from jiaoguan.kernel import clock
from jiaoguan.kernel.errors import NotFound, RateLimited
from jiaoguan.platforms import rules, selectors, services
from jiaoguan.platforms.schemas import (
    AccessOut,
    ConsentOut,
    ShareCreatedOut,
    SharedLicenceOut,
    ShareIn,
    ShareOut,
)
from jiaoguan.registry.models import Person

router = Router(tags=["platforms"])


def _person(request: HttpRequest) -> Person:
    person = getattr(principal(request), "person", None)
    if person is None:
        raise NotFound("not_found", _("This account is not bound to a verified person"))
    return person


def client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "unknown")


@router.post(
    "/me/shares",
    response={201: ShareCreatedOut},
    auth=session_auth,
    summary="Create a share code for my driving licence, disclosing only the chosen facts",
)
def share_create(request: HttpRequest, payload: ShareIn) -> Status:
    created = services.share_create(
        actor=actor(request), person=_person(request), facts=payload.facts
    )
    base = ShareOut.build(created.share)
    url = request.build_absolute_uri(reverse("platforms:share", args=[created.display_code]))
    return Status(201, ShareCreatedOut(**base.model_dump(), code=created.display_code, url=url))


@router.get("/me/shares", response=Page[ShareOut], auth=session_auth, summary="My share codes")
def share_list(
    request: HttpRequest, cursor: str | None = None, limit: int = 20
) -> dict[str, object]:
    rows, nxt = keyset(selectors.shares_for(_person(request)), cursor=cursor, limit=limit)
    return {"items": [ShareOut.build(s) for s in rows], "next_cursor": nxt}


@router.post(
    "/me/shares/{share_id}/revoke",
    response=ShareOut,
    auth=session_auth,
    summary="Revoke one of my share codes (its consent is withdrawn)",
)
def share_revoke(request: HttpRequest, share_id: str) -> ShareOut:
    return ShareOut.build(
        services.share_revoke(actor=actor(request), person=_person(request), share_id=share_id)
    )


@router.get(
    "/shares/{code}",
    response=SharedLicenceOut,
    auth=None,
    summary="Check a driving licence by share code (public; only the chosen facts; 410 when "
    "revoked or expired, 429 after too many wrong codes)",
    openapi_extra={"responses": {404: {}, 410: {}, 429: {}}},
)
def share_check(request: HttpRequest, code: str) -> SharedLicenceOut | HttpResponse:
    try:
        view = selectors.share_open(code, client=client_address(request))
    except RateLimited as exc:
        response = problems.on_domain_error(request, exc)
        response["Retry-After"] = str(int(rules.LOOKUP_WINDOW.total_seconds()))
        return response
    out = SharedLicenceOut(
        facts=view.facts, expires_at=view.share.expires_at, checked_at=clock.now()
    )
    return out


@router.get(
    "/me/consents",
    response=list[ConsentOut],
    auth=session_auth,
    summary="My authorisations: every consent I gave, as it stands (signed, hash-chained)",
)
def consent_list(request: HttpRequest) -> list[ConsentOut]:
    return [ConsentOut.build(v) for v in selectors.consents_for(_person(request))]


@router.post(
    "/me/consents/{consent_id}/withdraw",
    response=ConsentOut,
    auth=session_auth,
    summary="Withdraw one of my authorisations (a new revision; a share code stops at once)",
)
def consent_withdraw(request: HttpRequest, consent_id: str) -> ConsentOut:
    person = _person(request)
    record = services.authorisation_withdraw(
        actor=actor(request), person=person, consent_ref=consent_id
    )
    view = next(v for v in selectors.consents_for(person) if v.latest.pk == record.pk)
    return ConsentOut.build(view)


@router.get(
    "/me/access-log",
    response=Page[AccessOut],
    auth=session_auth,
    summary="Who looked at my data: every read of my record by others, newest first",
)
def access_log(
    request: HttpRequest, cursor: str | None = None, limit: int = 20
) -> dict[str, object]:
    user = principal(request)
    if getattr(user, "kind", "") != "citizen":
        raise NotFound("not_found", _("This account is not bound to a verified person"))
    rows, nxt = selectors.access_log(user, cursor=cursor, limit=limit, lang=get_language())
    return {"items": [AccessOut.build(e) for e in rows], "next_cursor": nxt}
