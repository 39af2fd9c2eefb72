"""Pages: the citizen's share codes, authorisations and access log; the public share check."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jiaoguan.accounts.models import User
from jiaoguan.audit.services import Actor
from jiaoguan.kernel import clock
from jiaoguan.kernel.errors import DomainError, NotFound, RateLimited
from jiaoguan.oauth.selectors import app_authorisations_for
from jiaoguan.platforms import qr, rules, selectors, services
from jiaoguan.platforms.api import client_address
from jiaoguan.platforms.constants import ShareFact
from jiaoguan.platforms.forms import CodeForm, ShareForm
from jiaoguan.platforms.models import LicenceShare
from jiaoguan.platforms.selectors import ShareGone
from jiaoguan.registry.models import Person


def _citizen(request: HttpRequest) -> tuple[User, Person]:
    user = request.user
    if not isinstance(user, User) or user.kind != "citizen" or user.person is None:
        raise Http404
    return user, user.person


def fact_rows(facts: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(key, label, shown value) of each disclosed fact, in the reader's language."""
    labels = dict(ShareFact.choices)
    rows = []
    for key, value in facts.items():
        if key == "valid":
            shown = _("Yes") if value else _("No")
        elif key == "valid_until" and value is None:
            shown = _("permanent")
        elif key == "points":
            shown = f"{value} / 12"
        else:
            shown = str(value)
        rows.append((key, str(labels.get(key, key)), shown))
    return rows


def _qr(share: LicenceShare) -> str:
    return mark_safe(qr.svg(share.token, label=escape(_("Offline check QR code"))))  # noqa: S308


def _share_context(share: LicenceShare) -> dict[str, Any]:
    return {
        "share": share,
        "status": share.status(clock.now()),
        "labels": share.fact_labels(),
        "qr": _qr(share),
        "validity_days": rules.SHARE_VALIDITY.days,
    }


@login_required
def shares(request: HttpRequest) -> HttpResponse:
    """List my share codes and create one (the code is shown once, on the answer page)."""
    user, person = _citizen(request)
    form = ShareForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.share_create(
                actor=Actor.of(user), person=person, facts=form.cleaned_data["facts"]
            )
        except DomainError as exc:
            form.add_error("facts", exc.localised(get_language()))
        else:
            context = _share_context(created.share)
            context.update(
                code=created.display_code,
                link=request.build_absolute_uri(
                    reverse("platforms:share", args=[created.display_code])
                ),
            )
            response = render(request, "platforms/share_detail.html", context, status=201)
            response["Cache-Control"] = "no-store"
            return response
    now = clock.now()
    rows = [(s, s.status(now)) for s in selectors.shares_for(person)[:50]]
    status = 422 if form.errors else 200
    return render(
        request,
        "platforms/shares.html",
        {"form": form, "rows": rows, "validity_days": rules.SHARE_VALIDITY.days},
        status=status,
    )


@login_required
@require_GET
def share_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    _, person = _citizen(request)
    try:
        share = selectors.share_get(person, public_id)
    except NotFound as exc:
        raise Http404 from exc
    return render(request, "platforms/share_detail.html", _share_context(share))


@login_required
@require_POST
def share_revoke(request: HttpRequest, public_id: str) -> HttpResponse:
    user, person = _citizen(request)
    try:
        services.share_revoke(actor=Actor.of(user), person=person, share_id=public_id)
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        messages.error(request, exc.localised(get_language()))
    else:
        messages.success(request, _("The share code is revoked. It no longer works."))
    return redirect("platforms:share_detail", public_id=public_id)


@login_required
@require_GET
def authorisations(request: HttpRequest) -> HttpResponse:
    _, person = _citizen(request)
    return render(
        request,
        "platforms/authorisations.html",
        {"consents": selectors.consents_for(person), "apps": app_authorisations_for(person)},
    )


@login_required
@require_POST
def authorisation_withdraw(request: HttpRequest, consent_ref: str) -> HttpResponse:
    user, person = _citizen(request)
    try:
        services.authorisation_withdraw(
            actor=Actor.of(user), person=person, consent_ref=consent_ref
        )
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        messages.error(request, exc.localised(get_language()))
    else:
        messages.success(request, _("The authorisation is withdrawn."))
    return redirect("platforms:authorisations")


@login_required
@require_GET
def access(request: HttpRequest) -> HttpResponse:
    user, _person = _citizen(request)
    cursor = request.GET.get("cursor") or None
    try:
        rows, nxt = selectors.access_log(user, cursor=cursor, lang=get_language())
    except DomainError:
        rows, nxt = selectors.access_log(user, lang=get_language())
        cursor = None
    return render(
        request,
        "platforms/access.html",
        {"rows": rows, "next_cursor": nxt, "paged": bool(cursor)},
    )


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"  # the code is in the address
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def share_enter(request: HttpRequest) -> HttpResponse:
    """A desk types the code the holder reads out."""
    form = CodeForm(request.GET or None)
    if form.is_valid():
        code = rules.normalise_code(form.cleaned_data["code"])
        if code is not None:
            return redirect("platforms:share", code=rules.format_code(code))
        form.add_error(
            "code",
            _("A share code has %(n)d letters and digits, for example ABCD-EFGH-JKMN.")
            % {"n": rules.CODE_LENGTH},
        )
    return _no_store(render(request, "platforms/share_enter.html", {"form": form}))


@require_GET
def share_public(request: HttpRequest, code: str) -> HttpResponse:
    """What a car-rental desk or an employer sees: only the facts the holder chose, live."""
    context: dict[str, Any] = {"form": CodeForm(initial={"code": code[:32]})}
    status = 200
    try:
        view = selectors.share_open(code, client=client_address(request))
    except RateLimited as exc:
        context["error"], status = exc.localised(get_language()), 429
    except ShareGone as exc:
        context.update(error=exc.localised(get_language()), gone=exc.code)
        status = 410
    except DomainError as exc:
        context["error"], status = exc.localised(get_language()), 404
    else:
        context.update(
            rows=fact_rows(view.facts), share=view.share, checked_at=clock.now(), ok=True
        )
    response = render(request, "platforms/share_public.html", context, status=status)
    if status == 429:
        response["Retry-After"] = str(int(rules.LOOKUP_WINDOW.total_seconds()))
    return _no_store(response)
