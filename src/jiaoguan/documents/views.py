from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from jiaoguan.documents import selectors
from jiaoguan.documents.constants import FIELD_LABELS, TITLES
from jiaoguan.kernel.errors import DomainError


@require_GET
def jwks(request: HttpRequest) -> HttpResponse:
    """The published key set (RFC 7517) that verifies every document token offline."""
    response = JsonResponse(selectors.published_jwks())
    response["Cache-Control"] = "public, max-age=3600"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def verify_page(request: HttpRequest) -> HttpResponse:
    """Anyone pastes a token (or opens the QR link) and sees the status and printed fields."""
    token = request.GET.get("token", "").strip()
    context: dict[str, object] = {"token": token}
    status = 200
    if token:
        try:
            result = selectors.verify(token)
        except DomainError as exc:
            context["error"] = exc.localised(get_language())
            status = 422
        else:
            context.update(
                result=result,
                title=TITLES.get(str(result.claims.get("kind")), ""),
                rows=[(FIELD_LABELS.get(k, k), v) for k, v in result.fields.items()],
            )
    return render(request, "documents/verify.html", context, status=status)
