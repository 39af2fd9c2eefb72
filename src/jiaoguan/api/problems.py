"""RFC 9457 problem+json for every API error, with ``invalid_params`` per field."""

from __future__ import annotations

import logging
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import get_language
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from jiaoguan.kernel import context
from jiaoguan.kernel.errors import DomainError

logger = logging.getLogger("jiaoguan.api")
CONTENT_TYPE = "application/problem+json"


def problem(
    status: int,
    title: str,
    *,
    code: str,
    detail: str = "",
    invalid_params: list[dict[str, Any]] | None = None,
    extra: dict[str, Any] | None = None,
) -> JsonResponse:
    body: dict[str, Any] = {
        "type": f"https://jiaoguan.example/problems/{code}",
        "title": title,
        "status": status,
        "code": code,
        "detail": detail,
    }
    if invalid_params:
        body["invalid_params"] = invalid_params
    if rid := context.request_id.get():
        body["request_id"] = rid
    if extra:
        body.update(extra)
    return JsonResponse(
        body, status=status, content_type=CONTENT_TYPE, json_dumps_params={"ensure_ascii": False}
    )


def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    lang = get_language()
    params = [
        {**p.as_dict(), "name": p.field or exc.field, "message": p.localised(lang)}
        for p in exc.problems
        if p.field or exc.field
    ]
    extra = (
        {"citations": sorted({p.citation for p in exc.problems if p.citation})}
        if any(p.citation for p in exc.problems)
        else None
    )
    response = problem(
        exc.status,
        exc.title,
        code=exc.code,
        detail=exc.localised(lang),
        invalid_params=params or None,
        extra=extra,
    )
    retry_after = getattr(exc, "retry_after", 0)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def _loc_name(loc: list[Any]) -> str:
    # ninja locations look like ["query", "page_size"] or ["body", "payload", "phone"]
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "payload", "form")]
    return ".".join(parts) or ".".join(str(p) for p in loc)


def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    params = [
        {
            "name": _loc_name(list(err.get("loc", []))),
            "code": str(err.get("type", "invalid")),
            "message": str(err.get("msg", "invalid")),
        }
        for err in exc.errors
    ]
    return problem(
        422,
        "Invalid request",
        code="validation_error",
        detail="请求参数不正确 / The request has invalid parameters",
        invalid_params=params,
    )


def on_auth_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(
        401,
        "Unauthorized",
        code="unauthorized",
        detail="请先登录或提供有效的访问令牌 / Sign in or present a valid token",
    )


def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problem(
        exc.status_code, str(exc.message), code=f"http_{exc.status_code}", detail=str(exc.message)
    )


def on_404(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(404, "Not found", code="not_found", detail="未找到 / Not found")


def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("unhandled API error", exc_info=exc)
    return problem(
        500,
        "Internal error",
        code="internal_error",
        detail="系统内部错误，请稍后再试 / Internal error",
    )


def install(api: Any) -> None:
    api.add_exception_handler(DomainError, on_domain_error)
    api.add_exception_handler(NinjaValidationError, on_validation_error)
    api.add_exception_handler(AuthenticationError, on_auth_error)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(Http404, on_404)
    api.add_exception_handler(Exception, on_unexpected)
