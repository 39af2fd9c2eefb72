"""WeChat Pay API v3 (直连商户), as the sandbox's provider server speaks it.

Requests must carry ``Authorization: WECHATPAY2-SHA256-RSA2048 mchid="..",nonce_str="..",
signature="..",timestamp="..",serial_no=".."``: SHA256withRSA by the merchant's API key over
``METHOD\\nPATH?QUERY\\nTIMESTAMP\\nNONCE\\nBODY\\n`` (else ``401 SIGN_ERROR``). Every answer is
signed with the platform key: ``Wechatpay-Timestamp``, ``Wechatpay-Nonce``,
``Wechatpay-Signature`` (over ``TIMESTAMP\\nNONCE\\nBODY\\n``), ``Wechatpay-Serial`` (the
platform public-key id) and ``Wechatpay-Signature-Type``.

* ``POST /v3/pay/transactions/native`` ``{appid, mchid, description, out_trade_no, notify_url,
  amount: {total, currency}}`` -> ``200 {"code_url"}``; the same order again gives the same
  code; a different amount for the same ``out_trade_no`` -> ``400 INVALID_REQUEST``; a paid one
  -> ``400 ORDERPAID``.
* ``GET /v3/pay/transactions/out-trade-no/{out_trade_no}?mchid=..`` -> ``200`` the transaction
  (``trade_state`` NOTPAY | SUCCESS | CLOSED, ``amount.total`` / ``amount.payer_total`` in fen),
  ``404 ORDER_NOT_EXIST``.
* ``POST /v3/pay/transactions/out-trade-no/{out_trade_no}/close`` ``{mchid}`` -> ``204``;
  ``400 ORDERPAID`` when paid.

Payment callbacks (``TRANSACTION.SUCCESS``) are POSTed to the order's ``notify_url`` with the
same signature headers; the resource is AES-256-GCM encrypted with the APIv3 key
(``AEAD_AES_256_GCM``, associated data ``transaction``).
"""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sandbox.paygate import WECHAT, Callback, Raw, Trade, json_bytes, nonce, rsa_sign, rsa_verify

if TYPE_CHECKING:
    from sandbox.paygate import PayGate

SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
_AUTH = re.compile(r'(\w+)="([^"]*)"')
_QUERY = re.compile(r"/v3/pay/transactions/out-trade-no/([0-9A-Za-z_\-|*@]{6,32})")
_CLOSE = re.compile(r"/v3/pay/transactions/out-trade-no/([0-9A-Za-z_\-|*@]{6,32})/close")


def signed(gate: PayGate, status: int, data: dict[str, Any] | None) -> Raw:
    body = json_bytes(data) if data is not None else b""
    return status, sign_headers(gate.keys.wechat_platform, gate, body), body


def sign_headers(key: RSAPrivateKey, gate: PayGate, body: bytes) -> dict[str, str]:
    stamp, once = str(int(time.time())), nonce()
    return {
        "Content-Type": "application/json; charset=utf-8",
        "Request-ID": uuid.uuid4().hex,
        "Wechatpay-Timestamp": stamp,
        "Wechatpay-Nonce": once,
        "Wechatpay-Signature": rsa_sign(key, f"{stamp}\n{once}\n{body.decode('utf-8')}\n"),
        "Wechatpay-Serial": gate.keys.wechat_public_key_id,
        "Wechatpay-Signature-Type": SIGNATURE_TYPE,
    }


def error(gate: PayGate, status: int, code: str, message: str) -> Raw:
    return signed(gate, status, {"code": code, "message": message})


def authorised(gate: PayGate, method: str, target: str, headers: Any, body: bytes) -> bool:
    scheme, _, rest = (headers.get("Authorization") or "").partition(" ")
    if scheme != SIGNATURE_TYPE:
        return False
    fields = dict(_AUTH.findall(rest))
    if fields.get("mchid") != gate.keys.wechat_mchid:
        return False
    if fields.get("serial_no") != gate.keys.wechat_merchant_serial:
        return False
    stamp = fields.get("timestamp", "")
    if not stamp.isdigit() or abs(int(stamp) - time.time()) > 300:
        return False
    message = f"{method}\n{target}\n{stamp}\n{fields.get('nonce_str', '')}\n"
    message += body.decode("utf-8", "replace") + "\n"
    return rsa_verify(gate.keys.wechat_merchant.public_key(), message, fields.get("signature", ""))


def transaction(gate: PayGate, trade: Trade, state: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "appid": gate.keys.wechat_appid,
        "mchid": gate.keys.wechat_mchid,
        "out_trade_no": trade.out_trade_no,
        "trade_type": "NATIVE",
        "trade_state": state,
        "trade_state_desc": {"SUCCESS": "支付成功", "CLOSED": "已关闭"}.get(state, "订单未支付"),
        "amount": {"total": trade.amount_fen, "currency": "CNY"},
    }
    if state == "SUCCESS" and trade.paid_at is not None:
        data.update(
            transaction_id=trade.transaction_id,
            bank_type="OTHERS",
            success_time=trade.paid_at.isoformat(),
            payer={"openid": "oSandbox" + trade.out_trade_no[-8:]},
        )
        data["amount"].update(payer_total=trade.paid_fen, payer_currency="CNY")
        data["amount"]["total"] = trade.paid_fen
    return data


def handle(gate: PayGate, method: str, path: str, query: str, headers: Any, body: bytes) -> Raw:
    target = path + (f"?{query}" if query else "")
    if not authorised(gate, method, target, headers, body):
        return error(gate, 401, "SIGN_ERROR", "签名错误")
    if method == "POST" and path == "/v3/pay/transactions/native":
        return native(gate, body)
    if method == "GET" and (m := _QUERY.fullmatch(path)):
        with gate.lock:
            trade = gate.trade(WECHAT, m.group(1))
            if trade is None:
                return error(gate, 404, "ORDER_NOT_EXIST", "订单不存在")
            return signed(gate, 200, transaction(gate, trade, trade.queried_state()))
    if method == "POST" and (m := _CLOSE.fullmatch(path)):
        with gate.lock:
            trade = gate.trade(WECHAT, m.group(1))
            if trade is None:
                return error(gate, 404, "ORDER_NOT_EXIST", "订单不存在")
            if trade.state == "SUCCESS":
                return error(gate, 400, "ORDERPAID", "订单已支付")
            trade.state = "CLOSED"
            return signed(gate, 204, None)
    return error(gate, 404, "NOT_FOUND", "接口不存在")


def native(gate: PayGate, body: bytes) -> Raw:
    try:
        data = json.loads(body)
        amount = data["amount"]["total"]
        out_trade_no, description, notify_url = (
            data["out_trade_no"],
            data["description"],
            data["notify_url"],
        )
    except (ValueError, KeyError, TypeError):
        return error(gate, 400, "PARAM_ERROR", "参数错误")
    if data.get("mchid") != gate.keys.wechat_mchid or data.get("appid") != gate.keys.wechat_appid:
        return error(gate, 400, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 1:
        return error(gate, 400, "PARAM_ERROR", "amount.total 必须为正整数（分）")
    with gate.lock:
        existing = gate.trade(WECHAT, str(out_trade_no))
        if existing is not None and existing.state == "SUCCESS":
            return error(gate, 400, "ORDERPAID", "订单已支付")
        if existing is not None and existing.amount_fen != amount:
            return error(gate, 400, "INVALID_REQUEST", "订单号重复")
        if existing is not None and existing.state == "CLOSED":
            return error(gate, 400, "ORDER_CLOSED", "订单已关闭")
        trade = gate.open_trade(WECHAT, str(out_trade_no), amount, str(description), notify_url)
    code = base64.urlsafe_b64encode(trade.out_trade_no.encode()).decode().rstrip("=")
    return signed(gate, 200, {"code_url": f"weixin://wxpay/bizpayurl?pr={code}"})


def callback(gate: PayGate, trade: Trade, signer: RSAPrivateKey | None) -> Callback:
    """The TRANSACTION.SUCCESS notification for ``trade`` (signed by ``signer`` if given, to
    forge one; else by the platform key)."""
    plain = json_bytes(transaction(gate, trade, "SUCCESS"))
    once = nonce(12)
    cipher = AESGCM(gate.keys.wechat_apiv3_key.encode()).encrypt(
        once.encode(), plain, b"transaction"
    )
    body = json_bytes(
        {
            "id": str(uuid.uuid4()),
            "create_time": trade.paid_at.isoformat() if trade.paid_at else "",
            "resource_type": "encrypt-resource",
            "event_type": "TRANSACTION.SUCCESS",
            "summary": "支付成功",
            "resource": {
                "original_type": "transaction",
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": base64.b64encode(cipher).decode(),
                "associated_data": "transaction",
                "nonce": once,
            },
        }
    )
    headers = sign_headers(signer or gate.keys.wechat_platform, gate, body)
    headers.pop("Request-ID")
    return Callback(trade.notify_url, headers, body)
