"""Pages of organisation accounts: the legal representative applies and signs; the
organisation's administrator opens staff accounts."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.http import require_http_methods

from jiaoguan.accounts.models import User
from jiaoguan.kernel.errors import DomainError
from jiaoguan.orgs import selectors, services
from jiaoguan.orgs.forms import ApplyForm, SignForm, StaffForm


def _show(form: forms.Form, exc: DomainError) -> None:
    field_map = {"username": "admin_username", "password": "admin_password"}
    field = exc.field if exc.field in form.fields else field_map.get(exc.field or "")
    form.add_error(field if field in form.fields else None, exc.localised(get_language()))


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):
        raise Http404
    return user


@login_required
@require_http_methods(["GET", "POST"])
def applications(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = ApplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account = services.org_account_apply(applicant=user, **form.cleaned_data)
        except DomainError as exc:
            _show(form, exc)
        else:
            return redirect("orgs:application", public_id=account.public_id)
    return render(
        request,
        "orgs/applications.html",
        {"form": form, "applications": selectors.applications_for(user)[:50]},
    )


@login_required
@require_http_methods(["GET", "POST"])
def application(request: HttpRequest, public_id: str) -> HttpResponse:
    user = _user(request)
    account = selectors.applications_for(user).filter(public_id=public_id).first()
    if account is None:
        raise Http404
    if request.method == "POST" and request.POST.get("action") == "withdraw":
        try:
            services.org_account_withdraw(applicant=user, account=account)
        except DomainError as exc:
            return render(
                request,
                "orgs/application.html",
                {
                    "account": account,
                    "form": SignForm(),
                    "activated": None,
                    "signature_ok": services.signature_holds(account)
                    if account.signed_at
                    else None,
                    "error": exc.localised(get_language()),
                },
            )
        return redirect("orgs:application", public_id=account.public_id)
    form = SignForm(request.POST or None)
    activated = None
    if request.method == "POST" and form.is_valid():
        try:
            activated = services.org_account_sign(
                applicant=user, account=account, **form.cleaned_data
            )
        except DomainError as exc:
            _show(form, exc)
        else:
            account = activated.account
    return render(
        request,
        "orgs/application.html",
        {
            "account": account,
            "form": form,
            "activated": activated,
            "signature_ok": services.signature_holds(account) if account.signed_at else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    account = selectors.administered_by(user)
    if account is None:
        raise PermissionDenied
    form = StaffForm(request.POST or None)
    opened = None
    if request.method == "POST" and form.is_valid():
        try:
            opened = services.org_staff_create(admin=user, **form.cleaned_data)
        except DomainError as exc:
            _show(form, exc)
        else:
            form = StaffForm()
    return render(
        request,
        "orgs/staff.html",
        {
            "account": account,
            "form": form,
            "opened": opened,
            "staff": selectors.staff_of(user)[:200],
        },
    )
