"""Provider callback endpoints: no session, no CSRF (the provider is not a browser); every
callback is verified with the provider's key before anything is believed.

Answers are what each provider expects: WeChat Pay v3 ``200 {"code": "SUCCESS"}`` (anything
else, with ``{"code": "FAIL", "message"}``, makes it retry), Alipay the plain text ``success``
(else ``fail``, and it retries). A genuine callback that was not applied (duplicate, amount
mismatch, late after close) is still acknowledged: it is recorded and flagged, and retrying
would not change that.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from jiaoguan.kernel.errors import PartnerUnavailable
from jiaoguan.payments import services

logger = logging.getLogger(__name__)
_ZH = {"ensure_ascii": False}


def _receive(provider: str, request: HttpRequest) -> bool | None:
    """True: verified and recorded; False: refused (bad signature); None: cannot tell now."""
    try:
        event = services.payment_callback_receive(
            provider=provider, headers=dict(request.headers), body=request.body
        )
    except PartnerUnavailable:
        logger.exception("%s callback: configuration unavailable", provider)
        return None
    return event.verified


@csrf_exempt
@require_POST
def notify_wechat(request: HttpRequest) -> HttpResponse:
    outcome = _receive("wechat", request)
    if outcome:
        return JsonResponse({"code": "SUCCESS", "message": "成功"}, json_dumps_params=_ZH)
    if outcome is None:
        return JsonResponse(
            {"code": "FAIL", "message": "暂时无法处理"}, status=503, json_dumps_params=_ZH
        )
    return JsonResponse({"code": "FAIL", "message": "签名错误"}, status=401, json_dumps_params=_ZH)


@csrf_exempt
@require_POST
def notify_alipay(request: HttpRequest) -> HttpResponse:
    outcome = _receive("alipay", request)
    return HttpResponse(
        "success" if outcome else "fail",
        content_type="text/plain; charset=utf-8",
        status=200 if outcome else (503 if outcome is None else 400),
    )
