from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from jiaoguan.audit.services import Actor
from jiaoguan.kernel.errors import DomainError
from jiaoguan.registry import selectors
from jiaoguan.web.forms import SearchForm


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return render(request, "web/landing.html")
    if getattr(user, "kind", "") == "citizen":
        return redirect("web:portal")
    return redirect("web:console")


@login_required
def portal(request: HttpRequest) -> HttpResponse:
    user = request.user
    licence = selectors.licences_for(user).first()  # type: ignore[arg-type]
    vehicles = list(selectors.vehicles_for(user).order_by("registration_date"))  # type: ignore[arg-type]
    return render(
        request,
        "web/portal.html",
        {"licence": licence, "vehicles": vehicles, "person": getattr(user, "person", None)},
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
            form.add_error("q", str(exc.message))
    recent = list(selectors.vehicles_for(user).order_by("-id")[:20])  # type: ignore[arg-type]
    return render(
        request,
        "web/console.html",
        {"form": form, "result": result, "recent": recent, "full": full},
    )
