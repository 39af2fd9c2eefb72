"""Payment provider adapters on the providers' official SDKs.

* :class:`WeChatPayV3Adapter`: ``wechatpayv3.WeChatPay`` in platform-public-key mode
  (``public_key`` + ``public_key_id``, so no certificate download). The SDK has no parameter for
  the host, so the adapter sets its ``_core._gate_way`` to the configured ``base_url`` (the
  real one is ``https://api.mch.weixin.qq.com``). The SDK signs each request with the merchant
  key, verifies every answer's ``Wechatpay-Signature`` and, for callbacks, verifies the
  signature and decrypts the AES-256-GCM resource with the APIv3 key (``callback()``).
* :class:`AlipayAdapter`: ``alipay.AliPay`` (RSA2), its ``_gateway`` set to the configured
  ``gateway`` (the real one is ``https://openapi.alipay.com/gateway.do``). The SDK signs
  requests and verifies the ``sign`` of every answer; callbacks are checked with
  ``AliPay.verify(data, signature)``.

Transport failures become :class:`~jiaoguan.kernel.errors.PartnerUnavailable`; answers whose
signature fails become ``partner_bad_signature``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import urllib.error
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

import requests
from alipay import AliPay, AliPayConfig
from alipay.exceptions import AliPayException, AliPayValidationError
from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wechatpayv3 import WeChatPay, WeChatPayType

from jiaoguan.kernel import clock
from jiaoguan.kernel.errors import Conflict, PartnerUnavailable
from jiaoguan.kernel.money import Money
from jiaoguan.payments.conf import provider_config
from jiaoguan.payments.constants import TradeState
from jiaoguan.payments.models import FeeOrder
from jiaoguan.payments.ports import BadSignature, ProviderEvent

logger = logging.getLogger(__name__)

WECHAT_STATES = {
    "SUCCESS": TradeState.PAID,
    "REFUND": TradeState.PAID,
    "NOTPAY": TradeState.NOT_PAID,
    "USERPAYING": TradeState.NOT_PAID,
    "PAYERROR": TradeState.NOT_PAID,
    "CLOSED": TradeState.CLOSED,
    "REVOKED": TradeState.CLOSED,
}
ALIPAY_STATES = {
    "TRADE_SUCCESS": TradeState.PAID,
    "TRADE_FINISHED": TradeState.PAID,
    "WAIT_BUYER_PAY": TradeState.NOT_PAID,
    "TRADE_CLOSED": TradeState.CLOSED,
}


def _unavailable(label: str | Promise, code: str) -> PartnerUnavailable:
    messages = {
        "partner_timeout": _("%(partner)s did not answer in time. Please try again later."),
        "partner_unreachable": _("%(partner)s cannot be reached. Please try again later."),
        "partner_error": _("%(partner)s cannot handle the request now. Please try again later."),
        "partner_bad_signature": _(
            "The answer of %(partner)s failed its signature check. Please try again later."
        ),
    }
    return PartnerUnavailable(code, messages[code] % {"partner": label})


def _already_paid() -> Conflict:
    return Conflict("already_paid", _("This fee order has already been paid"))


def _timeout() -> float:
    return float(settings.PARTNER_TIMEOUT)


class WeChatPayV3Adapter:
    name = "wechat"
    label = gettext_lazy("WeChat Pay")

    def _client(self) -> tuple[WeChatPay, dict[str, str]]:
        c = provider_config(self.name)
        client = WeChatPay(
            wechatpay_type=WeChatPayType.NATIVE,
            mchid=c["mchid"],
            private_key=c["merchant_private_key"],
            cert_serial_no=c["merchant_serial_no"],
            appid=c["appid"],
            apiv3_key=c["apiv3_key"],
            public_key=c["platform_public_key"],
            public_key_id=c["platform_public_key_id"],
            timeout=(_timeout(), _timeout()),
        )
        client._core._gate_way = c["base_url"].rstrip("/")
        return client, c

    def _call(self, what: str, fn: Any, **kwargs: Any) -> tuple[int, dict[str, Any]]:
        try:
            status, text = fn(**kwargs)
        except requests.Timeout as exc:
            raise _unavailable(self.label, "partner_timeout") from exc
        except requests.RequestException as exc:
            raise _unavailable(self.label, "partner_unreachable") from exc
        except Exception as exc:  # the SDK raises a bare Exception on a bad answer signature
            logger.error("WeChat Pay %s: %s", what, exc)
            raise _unavailable(self.label, "partner_bad_signature") from exc
        try:
            data = json.loads(text) if text else {}
        except (TypeError, ValueError) as exc:
            raise _unavailable(self.label, "partner_error") from exc
        if status >= 500 or not isinstance(data, dict):
            raise _unavailable(self.label, "partner_error")
        return int(status), data

    def create_native_order(self, order: FeeOrder, *, notify_url: str) -> str:
        client, _c = self._client()
        status, data = self._call(
            "native order",
            client.pay,
            description=order.subject,
            out_trade_no=order.order_no,
            amount={"total": order.amount_fen, "currency": "CNY"},
            notify_url=notify_url,
            pay_type=WeChatPayType.NATIVE,
        )
        if data.get("code") == "ORDERPAID":
            raise _already_paid()
        code_url = data.get("code_url")
        if status != 200 or not isinstance(code_url, str) or not code_url:
            logger.warning("WeChat Pay native order %s: %s %s", order.order_no, status, data)
            raise _unavailable(self.label, "partner_error")
        return code_url

    def query(self, order: FeeOrder) -> ProviderEvent:
        client, c = self._client()
        status, data = self._call("query", client.query, out_trade_no=order.order_no)
        if status == 404 and data.get("code") == "ORDER_NOT_EXIST":
            return ProviderEvent(self.name, order.order_no, TradeState.UNKNOWN, content=data)
        if status != 200 or data.get("out_trade_no") != order.order_no:
            raise _unavailable(self.label, "partner_error")
        return self._event(data, c)

    def _event(
        self, txn: Mapping[str, Any], c: Mapping[str, str], event_id: str = ""
    ) -> ProviderEvent:
        if txn.get("mchid") != c["mchid"]:
            raise BadSignature("the transaction is for another merchant")
        state = WECHAT_STATES.get(str(txn.get("trade_state")), TradeState.NOT_PAID)
        amount = txn.get("amount") or {}
        total = amount.get("payer_total", amount.get("total"))
        paid_at = None
        if txn.get("success_time"):
            paid_at = dt.datetime.fromisoformat(str(txn["success_time"])).astimezone(dt.UTC)
        return ProviderEvent(
            provider=self.name,
            out_trade_no=str(txn.get("out_trade_no", "")),
            state=state,
            transaction_id=str(txn.get("transaction_id", "")),
            amount_fen=total if isinstance(total, int) and not isinstance(total, bool) else None,
            paid_at=paid_at,
            event_id=event_id,
            content=dict(txn),
        )

    def parse_callback(self, headers: Mapping[str, str], body: bytes) -> ProviderEvent:
        client, c = self._client()
        try:
            result = client.callback(dict(headers), body.decode("utf-8"))
        except Exception as exc:  # unsupported signature type, bad serial, bad JSON, ...
            raise BadSignature(str(exc)) from exc
        if not result or not isinstance(result.get("resource"), dict):
            raise BadSignature("signature or decryption failed")
        if result.get("event_type") != "TRANSACTION.SUCCESS":
            raise BadSignature(f"unexpected event type {result.get('event_type')!r}")
        return self._event(result["resource"], c, event_id=str(result.get("id", "")))


class AlipayAdapter:
    name = "alipay"
    label = gettext_lazy("Alipay")

    def _client(self) -> tuple[AliPay, dict[str, str]]:
        c = provider_config(self.name)
        client = AliPay(
            appid=c["app_id"],
            app_notify_url=None,
            app_private_key_string=c["app_private_key"],
            alipay_public_key_string=c["alipay_public_key"],
            sign_type="RSA2",
            config=AliPayConfig(timeout=_timeout()),
        )
        client._gateway = c["gateway"]
        return client, c

    def _call(self, what: str, fn: Any, **kwargs: Any) -> dict[str, Any]:
        try:
            data = fn(**kwargs)
        except AliPayValidationError as exc:
            logger.error("Alipay %s: answer signature failed", what)
            raise _unavailable(self.label, "partner_bad_signature") from exc
        except AliPayException as exc:
            logger.warning("Alipay %s: %s", what, exc)
            raise _unavailable(self.label, "partner_error") from exc
        except urllib.error.HTTPError as exc:
            raise _unavailable(self.label, "partner_error") from exc
        except TimeoutError as exc:
            raise _unavailable(self.label, "partner_timeout") from exc
        except urllib.error.URLError as exc:
            code = (
                "partner_timeout" if isinstance(exc.reason, TimeoutError) else "partner_unreachable"
            )
            raise _unavailable(self.label, code) from exc
        except (OSError, ValueError) as exc:
            raise _unavailable(self.label, "partner_unreachable") from exc
        if not isinstance(data, dict):
            raise _unavailable(self.label, "partner_error")
        return data

    def create_native_order(self, order: FeeOrder, *, notify_url: str) -> str:
        client, _c = self._client()
        data = self._call(
            "precreate",
            client.api_alipay_trade_precreate,
            subject=order.subject,
            out_trade_no=order.order_no,
            total_amount=Money(order.amount_fen).yuan_str,
            notify_url=notify_url,
        )
        if data.get("sub_code") == "ACQ.TRADE_HAS_SUCCESS":
            raise _already_paid()
        qr_code = data.get("qr_code")
        if data.get("code") != "10000" or not isinstance(qr_code, str) or not qr_code:
            logger.warning("Alipay precreate %s: %s", order.order_no, data)
            raise _unavailable(self.label, "partner_error")
        return qr_code

    def query(self, order: FeeOrder) -> ProviderEvent:
        client, _c = self._client()
        data = self._call("query", client.api_alipay_trade_query, out_trade_no=order.order_no)
        if data.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
            return ProviderEvent(self.name, order.order_no, TradeState.UNKNOWN, content=data)
        if data.get("code") != "10000" or data.get("out_trade_no") != order.order_no:
            raise _unavailable(self.label, "partner_error")
        return self._event(data)

    def _event(self, data: Mapping[str, Any], event_id: str = "") -> ProviderEvent:
        state = ALIPAY_STATES.get(str(data.get("trade_status")), TradeState.NOT_PAID)
        try:
            amount: int | None = Money.from_yuan(str(data.get("total_amount", ""))).fen
        except ValueError:
            amount = None
        paid_at = None
        stamp = data.get("gmt_payment") or data.get("send_pay_date")
        if stamp:
            local = dt.datetime.strptime(str(stamp), "%Y-%m-%d %H:%M:%S")
            paid_at = local.replace(tzinfo=clock.SHANGHAI).astimezone(dt.UTC)
        return ProviderEvent(
            provider=self.name,
            out_trade_no=str(data.get("out_trade_no", "")),
            state=state,
            transaction_id=str(data.get("trade_no", "")),
            amount_fen=amount,
            paid_at=paid_at,
            event_id=event_id,
            content=dict(data),
        )

    def parse_callback(self, headers: Mapping[str, str], body: bytes) -> ProviderEvent:
        client, c = self._client()
        try:
            data = dict(
                parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
            )
        except (UnicodeDecodeError, ValueError) as exc:
            raise BadSignature("the body is not a form") from exc
        signature = data.pop("sign", "")
        fields = dict(data)
        try:
            genuine = bool(signature) and client.verify(fields, signature)
        except Exception as exc:  # unknown sign_type, signature not base64, ...
            raise BadSignature(str(exc)) from exc
        if not genuine:
            raise BadSignature("signature check failed")
        if data.get("app_id") != c["app_id"]:
            raise BadSignature("the notification is for another application")
        return self._event(data, event_id=data.get("notify_id", ""))
