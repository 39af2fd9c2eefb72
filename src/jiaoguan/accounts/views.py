from __future__ import annotations

import pyotp
from django.conf import settings
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.views.decorators.http import require_http_methods, require_POST

from jiaoguan.accounts import services
from jiaoguan.accounts.constants import OtpChannel
from jiaoguan.accounts.models import OtpChallenge
from jiaoguan.kernel.errors import DomainError
from jiaoguan.web.forms import LoginForm, OtpForm, RegisterForm

_SESSION_KEY = "jiaoguan_otp_challenge"
_NEXT_KEY = "jiaoguan_login_next"


def _remember_next(request: HttpRequest) -> None:
    """Keep a same-site ``?next=`` (e.g. an app's authorization request) for after sign-in."""
    nxt = request.GET.get("next", "")
    if nxt and url_has_allowed_host_and_scheme(
        nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        request.session[_NEXT_KEY] = nxt[:2000]


def _show_error(form: LoginForm | OtpForm | RegisterForm, exc: DomainError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.localised(get_language()))


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    _remember_next(request)
    if request.method == "POST" and form.is_valid():
        try:
            step = services.login_start(
                username=form.cleaned_data["username"], password=form.cleaned_data["password"]
            )
        except DomainError as exc:  # SMS gateway down, no phone on record
            _show_error(form, exc)
        else:
            if step.error is not None:
                _show_error(form, step.error)
            elif step.challenge is not None:
                request.session[_SESSION_KEY] = str(step.challenge.public_id)
                return redirect("accounts:otp")
    sso_available = bool(settings.SSO_ISSUER and settings.SSO_CLIENT_ID)
    return render(request, "accounts/login.html", {"form": form, "sso_available": sso_available})


@require_http_methods(["GET", "POST"])
def otp_view(request: HttpRequest) -> HttpResponse:
    challenge_id = request.session.get(_SESSION_KEY)
    challenge = (
        OtpChallenge.objects.select_related("user").filter(public_id=challenge_id).first()
        if challenge_id
        else None
    )
    if challenge is None:
        return redirect("accounts:login")
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user, error = services.login_verify(
            challenge_id=str(challenge.public_id), code=form.cleaned_data["code"]
        )
        if user is not None:
            request.session.pop(_SESSION_KEY, None)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect(request.session.pop(_NEXT_KEY, None) or "web:home")
        if error is not None:
            _show_error(form, error)
    hint = ""
    if (
        settings.DEMO_SHOW_OTP
        and challenge.channel == OtpChannel.TOTP
        and challenge.user.totp_secret
    ):
        hint = pyotp.TOTP(challenge.user.totp_secret).now()
    return render(
        request,
        "accounts/otp.html",
        {
            "form": form,
            "channel": challenge.channel,
            "demo_hint": hint,
            "sandbox_url": settings.SANDBOX_URL if settings.DEMO_SHOW_OTP else "",
        },
    )


@require_http_methods(["GET", "POST"])
def register_view(request: HttpRequest) -> HttpResponse:
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.citizen_register(**form.cleaned_data)
        except DomainError as exc:
            _show_error(form, exc)
        else:
            return render(request, "accounts/registered.html")
    return render(request, "accounts/register.html", {"form": form})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    """Sign out; a session opened from the provincial platform's sign-on ends the platform's
    session too (the browser passes by the platform and comes back home)."""
    from jiaoguan.sso.services import platform_logout_url

    key = request.session.session_key
    home = request.build_absolute_uri(reverse("web:home"))
    url = platform_logout_url(session_key=key, post_logout_redirect_uri=home) if key else None
    logout(request)
    return redirect(url) if url else redirect("web:home")
