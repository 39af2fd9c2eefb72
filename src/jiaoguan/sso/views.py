"""Pages of the single sign-on: the start (a redirect to the provincial platform) and the
callback (back from it, signed in or refused)."""

from __future__ import annotations

from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from jiaoguan.kernel.errors import DomainError, PartnerUnavailable
from jiaoguan.sso import services

_SESSION_KEY = "jiaoguan_sso_attempt"
ACR_SESSION_KEY = "jiaoguan_sso_acr"


def _refused(request: HttpRequest, exc: DomainError) -> HttpResponse:
    status = exc.status if 400 <= exc.status < 600 else 400
    return render(
        request,
        "sso/refused.html",
        {"message": exc.localised(get_language()), "code": exc.code},
        status=status,
    )


@require_GET
def start_view(request: HttpRequest) -> HttpResponse:
    redirect_uri = request.build_absolute_uri(reverse("sso:callback"))
    try:
        step = services.sso_begin(redirect_uri=redirect_uri)
    except DomainError as exc:
        return _refused(request, exc)
    request.session[_SESSION_KEY] = str(step.attempt.public_id)
    return redirect(step.url)


@require_GET
def callback_view(request: HttpRequest) -> HttpResponse:
    attempt_id = request.session.pop(_SESSION_KEY, "")
    try:
        signed_in = services.sso_complete(
            attempt_id=str(attempt_id),
            state=request.GET.get("state", ""),
            code=request.GET.get("code", ""),
            error=request.GET.get("error", ""),
        )
    except DomainError as exc:
        return _refused(request, exc)
    login(request, signed_in.user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[ACR_SESSION_KEY] = signed_in.acr
    if request.session.session_key is None:
        request.session.save()
    services.platform_session_record(
        signed_in=signed_in, session_key=str(request.session.session_key)
    )
    return redirect("web:home")


@csrf_exempt  # the platform calls it server to server; the signed logout token is the proof
@require_POST
def backchannel_logout_view(request: HttpRequest) -> HttpResponse:
    """The platform's back-channel logout (OpenID Connect Back-Channel Logout 1.0, 2.5):
    200 when the token verifies (the sessions it names are ended), 400 otherwise."""
    try:
        ended = services.sso_backchannel_logout(logout_token=request.POST.get("logout_token", ""))
    except DomainError as exc:
        # the platform may retry later when its keys could not be read (503)
        status = 503 if isinstance(exc, PartnerUnavailable) else 400
        answer = JsonResponse(
            {"error": "invalid_request", "error_description": exc.code}, status=status
        )
    else:
        answer = JsonResponse({"sessions_ended": ended})
    answer["Cache-Control"] = "no-store"
    return answer
