"""Alipay open platform gateway (``/gateway.do``), as the sandbox's provider server speaks it.

Requests are ``GET /gateway.do?app_id=..&method=..&charset=utf-8&sign_type=RSA2&timestamp=..
&version=1.0&biz_content={json}[&notify_url=..]&sign=..``: RSA2 (SHA256withRSA) by the app key
over every parameter but ``sign``, sorted by name, joined as ``k=v`` with ``&`` (unencoded).
Answers are ``{"<method_with_underscores>_response": {...}, "sign": "..."}``, the sign being
RSA2 by Alipay's key over the exact text of the inner object. A bad request signature is
answered ``code 40002 / isv.invalid-signature`` without ``sign``.

* ``alipay.trade.precreate`` ``{out_trade_no, total_amount (yuan, 2 decimals), subject}`` ->
  ``{code: "10000", out_trade_no, qr_code}``.
* ``alipay.trade.query`` ``{out_trade_no}`` -> ``{code: "10000", trade_no, trade_status:
  WAIT_BUYER_PAY | TRADE_SUCCESS | TRADE_CLOSED, total_amount, buyer_pay_amount}``; before the
  citizen scans the code: ``40004 ACQ.TRADE_NOT_EXIST`` (as the real gateway answers).
* ``alipay.trade.close`` ``{out_trade_no}`` -> ``10000``; ``40004 ACQ.TRADE_STATUS_ERROR`` if paid.

Asynchronous notifications are POSTed form-encoded to ``notify_url`` (``notify_type
trade_status_sync``), signed RSA2 over every field but ``sign`` and ``sign_type``; the
merchant answers the plain text ``success``.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from sandbox.paygate import ALIPAY, Callback, Raw, Trade, query_params, rsa_sign, rsa_verify, yuan

if TYPE_CHECKING:
    from sandbox.paygate import PayGate

_AMOUNT = re.compile(r"(0|[1-9][0-9]{0,9})\.([0-9]{2})")
_STATUS = {"NOTPAY": "WAIT_BUYER_PAY", "SUCCESS": "TRADE_SUCCESS", "CLOSED": "TRADE_CLOSED"}


def answer(gate: PayGate, method: str, inner: dict[str, Any], *, sign: bool = True) -> Raw:
    name = method.replace(".", "_") + "_response"
    text = json.dumps(inner, ensure_ascii=False, separators=(",", ":"))
    out = f'{{"{name}":{text}'
    if sign:
        out += f',"sign":"{rsa_sign(gate.keys.alipay_platform, text)}"'
    out += "}"
    return 200, {"Content-Type": "text/html;charset=utf-8"}, out.encode("utf-8")


def failed(gate: PayGate, method: str, sub_code: str, sub_msg: str) -> Raw:
    inner = {"code": "40004", "msg": "Business Failed", "sub_code": sub_code, "sub_msg": sub_msg}
    return answer(gate, method, inner)


def fen(total_amount: Any) -> int | None:
    m = _AMOUNT.fullmatch(str(total_amount))
    return int(m.group(1)) * 100 + int(m.group(2)) if m else None


def handle(gate: PayGate, http_method: str, query: str, body: bytes) -> Raw:
    params = query_params(query)
    if http_method == "POST" and body:
        params.update(query_params(body.decode("utf-8", "replace")))
    method = params.get("method", "")
    signature = params.pop("sign", "")
    message = "&".join(f"{k}={v}" for k, v in sorted(params.items()))
    if params.get("app_id") != gate.keys.alipay_app_id:
        inner = {"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-app-id"}
        return answer(gate, method or "error", inner, sign=False)
    if params.get("sign_type") != "RSA2" or not rsa_verify(
        gate.keys.alipay_app.public_key(), message, signature
    ):
        inner = {
            "code": "40002",
            "msg": "Invalid Arguments",
            "sub_code": "isv.invalid-signature",
            "sub_msg": "验签出错",
        }
        return answer(gate, method or "error", inner, sign=False)
    try:
        biz = json.loads(params.get("biz_content") or "{}")
        out_trade_no = str(biz["out_trade_no"])
    except (ValueError, KeyError, TypeError):
        return failed(gate, method, "ACQ.INVALID_PARAMETER", "参数无效")
    with gate.lock:
        trade = gate.trade(ALIPAY, out_trade_no)
        if method == "alipay.trade.precreate":
            amount = fen(biz.get("total_amount"))
            if amount is None or amount < 1:
                return failed(gate, method, "ACQ.INVALID_PARAMETER", "total_amount 无效")
            if trade is not None and trade.state == "SUCCESS":
                return failed(gate, method, "ACQ.TRADE_HAS_SUCCESS", "交易已被支付")
            if trade is not None and trade.amount_fen != amount:
                return failed(gate, method, "ACQ.CONTEXT_INCONSISTENT", "交易信息被篡改")
            trade = gate.open_trade(
                ALIPAY,
                out_trade_no,
                amount,
                str(biz.get("subject", "")),
                params.get("notify_url", ""),
            )
            qr = "https://qr.alipay.com/bax" + uuid.uuid5(uuid.NAMESPACE_URL, out_trade_no).hex
            inner = {"code": "10000", "msg": "Success", "out_trade_no": out_trade_no, "qr_code": qr}
            return answer(gate, method, inner)
        if trade is None:
            return failed(gate, method, "ACQ.TRADE_NOT_EXIST", "交易不存在")
        if method == "alipay.trade.query":
            state = trade.queried_state()
            if state == "NOTPAY":
                return failed(gate, method, "ACQ.TRADE_NOT_EXIST", "交易不存在")
            return answer(gate, method, trade_fields(trade, state))
        if method == "alipay.trade.close":
            if trade.state == "SUCCESS":
                return failed(gate, method, "ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
            trade.state = "CLOSED"
            inner = {"code": "10000", "msg": "Success", "out_trade_no": out_trade_no}
            return answer(gate, method, inner)
    return failed(gate, method or "error", "isv.invalid-method", "不存在的方法名")


def trade_fields(trade: Trade, state: str) -> dict[str, Any]:
    paid = trade.paid_fen if state == "SUCCESS" else 0
    data: dict[str, Any] = {
        "code": "10000",
        "msg": "Success",
        "out_trade_no": trade.out_trade_no,
        "trade_no": trade.transaction_id,
        "trade_status": _STATUS[state],
        "total_amount": yuan(trade.paid_fen or trade.amount_fen),
        "buyer_pay_amount": yuan(paid),
        "buyer_logon_id": "san***@sandbox.com",
    }
    if trade.paid_at is not None and state == "SUCCESS":
        data["send_pay_date"] = trade.paid_at.strftime("%Y-%m-%d %H:%M:%S")
    return data


def callback(gate: PayGate, trade: Trade, signer: RSAPrivateKey | None) -> Callback:
    """The ``TRADE_SUCCESS`` asynchronous notification for ``trade``."""
    paid_at = trade.paid_at.strftime("%Y-%m-%d %H:%M:%S") if trade.paid_at else ""
    fields = {
        "notify_time": paid_at,
        "notify_type": "trade_status_sync",
        "notify_id": uuid.uuid4().hex,
        "app_id": gate.keys.alipay_app_id,
        "charset": "utf-8",
        "version": "1.0",
        "trade_no": trade.transaction_id,
        "out_trade_no": trade.out_trade_no,
        "trade_status": "TRADE_SUCCESS",
        "total_amount": yuan(trade.paid_fen),
        "receipt_amount": yuan(trade.paid_fen),
        "buyer_pay_amount": yuan(trade.paid_fen),
        "subject": trade.subject,
        "gmt_create": trade.created_at.strftime("%Y-%m-%d %H:%M:%S"),
        "gmt_payment": paid_at,
        "buyer_id": "2088102177846880",
    }
    message = "&".join(f"{k}={v}" for k, v in sorted(fields.items()))
    fields["sign_type"] = "RSA2"
    fields["sign"] = rsa_sign(signer or gate.keys.alipay_platform, message)
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    return Callback(trade.notify_url, headers, urlencode(fields).encode("utf-8"))
