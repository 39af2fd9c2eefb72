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
