"""The consent page (django-oauth-toolkit's authorization endpoint with jiaoguan's template):
a signed-in citizen sees which organisation's app asks, for what purpose, and every kind of data
it will see, then allows or refuses."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from oauth2_provider.views import AuthorizationView

from jiaoguan.kernel.errors import DomainError
from jiaoguan.oauth import services
from jiaoguan.oauth.models import AppRegistration
from jiaoguan.oauth.scopes import SCOPE_LABELS


def _refused(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return render(
        request,
        "oauth/refused.html",
        {"message": exc.localised(get_language())},
        status=exc.status,
    )


class ConsentView(AuthorizationView):
    template_name = "oauth/authorize.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            try:
                services.citizen_person(request.user)
            except DomainError as exc:
                return _refused(request, exc)
        response: HttpResponse = super().dispatch(request, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)
        application = context.get("application")
        registration = (
            AppRegistration.objects.filter(application=application).first()
            if application is not None
            else None
        )
        english = (get_language() or "").startswith("en")
        context["registration"] = registration
        context["purpose"] = (
            (registration.purpose_en or registration.purpose)
            if registration and english
            else (registration.purpose if registration else "")
        )
        context["scope_rows"] = [
            (scope, str(SCOPE_LABELS.get(scope, scope))) for scope in context.get("scopes", [])
        ]
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        try:
            return super().form_valid(form)
        except DomainError as exc:
            return _refused(self.request, exc)
