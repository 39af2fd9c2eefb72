"""The consent page (django-oauth-toolkit's authorization endpoint with jiaoguan's template):
a signed-in citizen sees which organisation's app asks, for what purpose, and every kind of data
it will see, then allows or refuses."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import get_language
from oauth2_provider import views as dot_views
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


def _has_nul(request: HttpRequest) -> bool:
    return any("\x00" in v for _k, vs in request.POST.lists() for v in vs) or any(
        "\x00" in k for k in request.POST
    )


def _invalid_request() -> JsonResponse:
    # RFC 6749 §5.2: a malformed request is ``invalid_request`` (400); a NUL byte cannot be in any
    # code, token or identifier, and PostgreSQL refuses it in a lookup (it answered 500)
    return JsonResponse(
        {"error": "invalid_request", "error_description": "NUL byte in a parameter"}, status=400
    )


class TokenView(dot_views.TokenView):
    """django-oauth-toolkit's token endpoint, refusing a NUL byte in a parameter up front."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if _has_nul(request):
            return _invalid_request()
        return super().post(request, *args, **kwargs)


class RevokeTokenView(dot_views.RevokeTokenView):
    """RFC 7009 revocation, refusing a NUL byte in a parameter up front."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if _has_nul(request):
            return _invalid_request()
        return super().post(request, *args, **kwargs)
