from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language

from jiaoguan.accounts.roles import ROLE_BY_CODE
from jiaoguan.audit.services import Actor
from jiaoguan.inspection.selectors import vehicle_schedule
from jiaoguan.kernel import regions
from jiaoguan.kernel.errors import DomainError
from jiaoguan.registry import selectors
from jiaoguan.web.forms import SearchForm


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return render(request, "web/landing.html")
    if getattr(user, "kind", "") == "citizen":
        return redirect("web:portal")
    if user.has_perm("accounts.operate_kiosk"):
        return redirect("cases:kiosk")
    if user.has_perm("inspection.operate_station"):
        return redirect("inspection:desk")
    if user.has_perm("orgs.manage_org_staff"):
        return redirect("orgs:staff")
    return redirect("web:console")


@login_required
def portal(request: HttpRequest) -> HttpResponse:
    user = request.user
    licence = selectors.licences_for(user).first()  # type: ignore[arg-type]
    vehicles = list(selectors.vehicles_for(user).order_by("registration_date"))  # type: ignore[arg-type]
    for v in vehicles:  # the owner sees when each is due and whether the label alone will do
        v.inspection = vehicle_schedule(v)  # type: ignore[attr-defined]
    notices = []
    if getattr(user, "person", None) is not None:
        lang = get_language() or "zh-hans"
        notices = [(n, n.text(lang)) for n in user.person.notices.order_by("-id")[:10]]  # type: ignore[union-attr]
    return render(
        request,
        "web/portal.html",
        {
            "licence": licence,
            "vehicles": vehicles,
            "person": getattr(user, "person", None),
            "notices": notices,
        },
    )


@login_required
def console(request: HttpRequest) -> HttpResponse:
    user = request.user
    if getattr(user, "kind", "") == "citizen":
        return redirect("web:portal")
    full = selectors.can_see_full_identifiers(user)  # type: ignore[arg-type]
    form = SearchForm(request.GET or None)
    result = None
    if form.is_valid():
        try:
            result = selectors.registry_search(
                user,  # type: ignore[arg-type]
                form.cleaned_data["q"],
                actor=Actor.of(user),  # type: ignore[arg-type]
                purpose=form.cleaned_data["purpose"],
            )
        except DomainError as exc:
            form.add_error("q", exc.localised(get_language()))
    recent = list(selectors.vehicles_for(user).order_by("-id")[:20])  # type: ignore[arg-type]
    english = (get_language() or "").startswith("en")
    region = regions.region(getattr(user, "region_scope", "") or "")
    roles = [ROLE_BY_CODE[c] for c in user.role_codes() if c in ROLE_BY_CODE]  # type: ignore[union-attr]
    return render(
        request,
        "web/console.html",
        {
            "scope_label": (region.name_en if english else region.name_zh) if region else "",
            "role_labels": [r.name_en if english else r.name_zh for r in roles],
            "form": form,
            "result": result,
            "recent": recent,
            "full": full,
        },
    )
