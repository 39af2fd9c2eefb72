"""Console pages for staff with ``accounts.manage_api_clients``: register, rotate and revoke
partner systems' client credentials (``accounts.ApiClient``), and register third-party apps
(OAuth clients). Secrets are shown once, on the answer page, never stored in clear."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiaoguan.accounts import services as accounts
from jiaoguan.accounts.models import ApiClient
from jiaoguan.audit.services import Actor
from jiaoguan.kernel import clock
from jiaoguan.kernel.errors import DomainError
from jiaoguan.oauth import services
from jiaoguan.oauth.forms import AppForm, PartnerForm, RevokeForm, RotateForm
from jiaoguan.oauth.models import AppRegistration

PERMISSION = "accounts.manage_api_clients"


def _staff(request: HttpRequest) -> Actor:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    return Actor.of(request.user)  # type: ignore[arg-type]


def _region_ok(request: HttpRequest, region_scope: str) -> bool:
    """Staff register partners only inside their own region scope."""
    own = getattr(request.user, "region_scope", "") or ""
    return region_scope.startswith(own)


def _once(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    response = render(request, template, context, status=201)
    response["Cache-Control"] = "no-store"
    return response


def _client(request: HttpRequest, public_id: Any) -> ApiClient:
    client = ApiClient.objects.filter(public_id=public_id).first()
    if client is None or not _region_ok(request, client.region_scope):
        raise Http404
    return client


@login_required
def partners(request: HttpRequest) -> HttpResponse:
    actor = _staff(request)
    form = PartnerForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not _region_ok(request, data["region_scope"]):
            form.add_error("region_scope", _("Outside your region scope"))
        else:
            try:
                client, token = accounts.api_client_create(
                    actor=actor,
                    name=data["name"],
                    scopes=list(data["scopes"]),
                    region_scope=data["region_scope"],
                    rate_per_minute=data["rate_per_minute"],
                    sector=data["sector"],
                    cert_sha256=data["cert_sha256"],
                )
            except DomainError as exc:
                field = exc.field if exc.field in form.fields else None
                form.add_error(field, exc.localised(get_language()))
            else:
                return _once(
                    request, "oauth/partner_secret.html", {"client": client, "token": token}
                )
    own = getattr(request.user, "region_scope", "") or ""
    rows = ApiClient.objects.filter(region_scope__startswith=own).order_by("-created_at", "-id")
    return render(
        request,
        "oauth/partners.html",
        {"form": form, "rows": rows[:200], "now": clock.now()},
        status=422 if form.errors else 200,
    )


@login_required
@require_POST
def partner_rotate(request: HttpRequest, public_id: Any) -> HttpResponse:
    actor = _staff(request)
    client = _client(request, public_id)
    form = RotateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a grace period"))
        return redirect("credentials:partners")
    try:
        client, token = accounts.api_client_rotate(
            actor=actor,
            client=client,
            grace=dt.timedelta(hours=int(form.cleaned_data["grace_hours"])),
        )
    except DomainError as exc:
        messages.error(request, exc.localised(get_language()))
        return redirect("credentials:partners")
    return _once(
        request, "oauth/partner_secret.html", {"client": client, "token": token, "rotated": True}
    )


@login_required
@require_POST
def partner_revoke(request: HttpRequest, public_id: Any) -> HttpResponse:
    actor = _staff(request)
    client = _client(request, public_id)
    form = RevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for revoking"))
    else:
        accounts.api_client_revoke(actor=actor, client=client, reason=form.cleaned_data["reason"])
        messages.success(request, _("The partner's credentials are revoked."))
    return redirect("credentials:partners")


@login_required
def apps(request: HttpRequest) -> HttpResponse:
    actor = _staff(request)
    form = AppForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            app, secret = services.app_register(
                actor=actor,
                name=data["name"],
                organisation_name=data["organisation_name"],
                purpose=data["purpose"],
                purpose_en=data["purpose_en"],
                redirect_uris=data["redirect_uris"].split(),
                scopes=list(data["scopes"]),
                confidential=not data["public_client"],
                rate_per_minute=data["rate_per_minute"],
            )
        except DomainError as exc:
            field = exc.field if exc.field in form.fields else None
            form.add_error(field, exc.localised(get_language()))
        else:
            return _once(request, "oauth/app_secret.html", {"app": app, "secret": secret})
    rows = AppRegistration.objects.select_related("application").order_by("-created_at")[:200]
    return render(
        request,
        "oauth/apps.html",
        {"form": form, "rows": rows},
        status=422 if form.errors else 200,
    )


@login_required
@require_POST
def app_disable(request: HttpRequest, public_id: Any) -> HttpResponse:
    actor = _staff(request)
    registration = AppRegistration.objects.filter(public_id=public_id).first()
    if registration is None:
        raise Http404
    try:
        ended = services.app_disable(actor=actor, registration=registration)
    except DomainError as exc:
        messages.error(request, exc.localised(get_language()))
    else:
        messages.success(
            request,
            _("The app is disabled; %(n)d authorisations ended and their tokens revoked.")
            % {"n": ended},
        )
    return redirect("credentials:apps")
