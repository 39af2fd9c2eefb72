from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from jiaoguan.kernel import context


class RequestIdMiddleware:
    """Give every request an id (or keep a sane incoming ``X-Request-ID``) and a channel, for
    the audit trail and problem documents."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        rid = (
            incoming
            if 8 <= len(incoming) <= 64 and incoming.isalnum()
            else context.new_request_id()
        )
        channel = "api" if request.path.startswith("/api/") else "online"
        t1 = context.request_id.set(rid)
        t2 = context.channel.set(channel)
        try:
            response = self.get_response(request)
        finally:
            context.request_id.reset(t1)
            context.channel.reset(t2)
        response["X-Request-ID"] = rid
        return response


_TEXT_BODIES = ("application/json", "application/x-www-form-urlencoded", "text/")


def _carries_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path:
        return True
    if any("\x00" in k or any("\x00" in v for v in vs) for k, vs in request.GET.lists()):
        return True
    content_type = request.META.get("CONTENT_TYPE", "")
    if request.method in {"POST", "PUT", "PATCH"} and content_type.startswith(_TEXT_BODIES):
        body = request.body
        return b"\x00" in body or b"\\u0000" in body.lower()
    return False


class RejectNulMiddleware:
    """Refuse any input carrying a NUL character (no field has a use for one, and PostgreSQL
    cannot store it in text): a 400 with a clear message instead of a database error."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _carries_nul(request):
            from jiaoguan.web.errors import nul_character

            return nul_character(request)
        return self.get_response(request)
