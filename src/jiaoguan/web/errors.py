"""Site-wide error handlers: problem+json under /api/, a page in the user's language elsewhere."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from jiaoguan.api.problems import problem


def _answer(request: HttpRequest, status: int, code: str, title: str, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return problem(status, title, code=code, detail=message)
    return render(request, "web/error.html", {"status": status, "message": message}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _answer(
        request, 400, "bad_request", "Bad request", _("The request could not be understood.")
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _answer(request, 403, "forbidden", "Forbidden", _("You may not open this page."))


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _answer(request, 404, "not_found", "Not found", _("This page does not exist."))


def server_error(request: HttpRequest) -> HttpResponse:
    return _answer(
        request,
        500,
        "internal_error",
        "Internal error",
        _("Something went wrong on our side. Please try again later."),
    )


def nul_character(request: HttpRequest) -> HttpResponse:
    return _answer(
        request,
        400,
        "nul_character",
        "Bad request",
        _("The input contains a control character (NUL) that no field accepts."),
    )
