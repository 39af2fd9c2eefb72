"""Payment configuration.

Production declares ``settings.PAYMENTS_WECHATPAY`` and ``settings.PAYMENTS_ALIPAY`` (dicts with
the keys below, from the merchant platforms) and ``settings.PAYMENTS_NOTIFY_BASE_URL`` (the
public https origin the providers post callbacks to). Where a provider dict is not declared,
the values are read from the sandbox's ``GET /pay/sandbox/config`` at ``settings.SANDBOX_URL``
(dev, demo and tests).

* WeChat Pay: ``base_url``, ``mchid``, ``appid``, ``merchant_serial_no``,
  ``merchant_private_key`` (PEM), ``apiv3_key``, ``platform_public_key_id``,
  ``platform_public_key`` (PEM).
* Alipay: ``gateway``, ``app_id``, ``app_private_key`` (PEM), ``alipay_public_key`` (PEM).
"""

from __future__ import annotations

import threading
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy

from jiaoguan.partners.client import PartnerClient

SETTING = {"wechat": "PAYMENTS_WECHATPAY", "alipay": "PAYMENTS_ALIPAY"}
SANDBOX_SECTION = {"wechat": "wechatpay", "alipay": "alipay"}
DEFAULT_NOTIFY_BASE = "http://127.0.0.1:8000"

_lock = threading.Lock()
_sandbox_cache: dict[tuple[str, str], dict[str, Any]] = {}


def provider_config(provider: str) -> dict[str, str]:
    declared = getattr(settings, SETTING[provider], None)
    if declared:
        return dict(declared)
    key = (settings.SANDBOX_URL, settings.SANDBOX_KEY)
    with _lock:
        cached = _sandbox_cache.get(key)
    if cached is None:
        client = PartnerClient(gettext_lazy("The payment sandbox"))
        answer = client.request("GET", "/pay/sandbox/config")
        if answer.status != 200 or not all(
            isinstance(answer.data.get(s), dict) for s in SANDBOX_SECTION.values()
        ):
            raise client.protocol_error(answer, "payment config malformed")
        cached = answer.data
        with _lock:
            _sandbox_cache[key] = cached
    return {k: str(v) for k, v in cached[SANDBOX_SECTION[provider]].items()}


def notify_url(provider: str) -> str:
    base = getattr(settings, "PAYMENTS_NOTIFY_BASE_URL", "") or DEFAULT_NOTIFY_BASE
    return base.rstrip("/") + reverse(f"payments:notify_{provider}")
