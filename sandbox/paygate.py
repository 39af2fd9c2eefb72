"""Simulated payment providers: WeChat Pay (API v3) and Alipay (open platform gateway).

The providers speak their own protocols, not the sandbox's bearer/HMAC one, so they are served
by a second HTTP server (:class:`ProviderServer`), started on a free port on 127.0.0.1 the
first time anyone asks for it (``GET /pay/sandbox/config`` says where), and serving until the
process ends. Every key is generated on first use, so a fresh sandbox has fresh keys:

* WeChat Pay: the merchant's API key pair (the merchant signs requests with the private key;
  the sandbox checks them with the public key), the platform key pair with its public-key id
  ``PUB_KEY_ID_...`` (the sandbox signs answers and callbacks; the merchant verifies), and the
  32-byte APIv3 key (AES-256-GCM of callback resources).
* Alipay: the application's RSA2 key pair (the application signs requests) and Alipay's RSA2
  key pair (Alipay signs answers and asynchronous notifications).

Sandbox controls, on the main sandbox server (``Authorization: Bearer <key>`` like the rest):

* ``GET /pay/sandbox/config`` -> ``{"wechatpay": {...}, "alipay": {...}}``: the provider base
  URLs, merchant/app ids and the keys jiaoguan must be configured with (in production they come
  from the merchant platforms; here the merchant private keys are generated too, for the demo).
* ``POST /pay/sandbox/pay`` with ``{"provider": "wechatpay" | "alipay", "out_trade_no": str,
  "deliver": "once" | "twice" | "none" | "hold" | "forged", "amount_fen": int (optional, what
  the citizen is charged; default the order amount), "stale_queries": int (optional: the next
  n queries still answer "not paid", as a lagging replica would)}``: the citizen scans the QR
  code and pays. ``once``/``twice`` post the signed callback to the order's notify URL once or
  twice; ``none`` loses it (polling must find the payment); ``hold`` keeps it for
  ``/pay/sandbox/deliver`` (late or reordered delivery); ``forged`` does not pay, but posts a
  "paid" callback signed with a key that is not the provider's. Answers ``200
  {"transaction_id", "deliveries": [{"status", "body"}]}``; ``400 {"error": "already_paid"}``
  when that trade is paid, ``404 {"error": "no_such_trade"}`` when it was never created.
* ``POST /pay/sandbox/deliver`` with ``{"provider", "out_trade_no"}``: deliver held
  callbacks now -> ``200 {"deliveries": [...]}``.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import secrets
import sys
import threading
import traceback
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from sandbox.routes import BadRequest, Request, Response, RouteTable, require_str

WECHAT = "wechatpay"
ALIPAY = "alipay"
PROVIDERS = (WECHAT, ALIPAY)
DELIVERIES = ("once", "twice", "none", "hold", "forged")
MAX_BODY_BYTES = 64 * 1024
CALLBACK_TIMEOUT = 10.0
CST = dt.timezone(dt.timedelta(hours=8))

#: (status, headers, body) of a provider answer.
Raw = tuple[int, dict[str, str], bytes]


def new_key() -> RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key: RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def public_pem(key: RSAPrivateKey | RSAPublicKey) -> str:
    public = key.public_key() if isinstance(key, RSAPrivateKey) else key
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def rsa_sign(key: RSAPrivateKey, message: str) -> str:
    """RSA PKCS#1 v1.5 with SHA-256, base64: what both providers call SHA256withRSA / RSA2."""
    raw = key.sign(message.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(raw).decode()


def rsa_verify(key: RSAPublicKey, message: str, signature: str) -> bool:
    try:
        key.verify(
            base64.b64decode(signature, validate=True),
            message.encode("utf-8"),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except Exception:
        return False
    return True


@dataclass
class Keys:
    """Everything generated at sandbox start."""

    wechat_mchid: str = "1900000109"
    wechat_appid: str = "wxsandbox0000001"
    wechat_merchant: RSAPrivateKey = field(default_factory=new_key)
    wechat_merchant_serial: str = field(default_factory=lambda: secrets.token_hex(20).upper())
    wechat_platform: RSAPrivateKey = field(default_factory=new_key)
    wechat_public_key_id: str = field(
        default_factory=lambda: "PUB_KEY_ID_" + secrets.token_hex(12).upper()
    )
    wechat_apiv3_key: str = field(default_factory=lambda: secrets.token_hex(16))
    alipay_app_id: str = "2021000000000001"
    alipay_app: RSAPrivateKey = field(default_factory=new_key)
    alipay_platform: RSAPrivateKey = field(default_factory=new_key)
    #: Signs forged callbacks: a key nobody trusts.
    rogue: RSAPrivateKey = field(default_factory=new_key)


@dataclass
class Callback:
    url: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Trade:
    provider: str
    out_trade_no: str
    amount_fen: int
    subject: str
    notify_url: str
    created_at: dt.datetime
    state: str = "NOTPAY"  # NOTPAY | SUCCESS | CLOSED (the provider modules map the names)
    transaction_id: str = ""
    paid_fen: int = 0
    paid_at: dt.datetime | None = None
    stale_queries: int = 0
    held: list[Callback] = field(default_factory=list)

    def queried_state(self) -> str:
        """The state a query sees (a pending stale answer is used up)."""
        if self.stale_queries > 0 and self.state == "SUCCESS":
            self.stale_queries -= 1
            return "NOTPAY"
        return self.state


def yuan(fen: int) -> str:
    whole, frac = divmod(fen, 100)
    return f"{whole}.{frac:02d}"


class PayGate:
    """The providers' shared state: keys, trades, and the provider HTTP server."""

    def __init__(self) -> None:
        self._keys: Keys | None = None
        self.lock = threading.RLock()
        self.trades: dict[tuple[str, str], Trade] = {}
        self._server: ProviderServer | None = None

    @property
    def keys(self) -> Keys:
        """Generated on first use (so sandboxes that never take a payment start quickly)."""
        with self.lock:
            if self._keys is None:
                self._keys = Keys()
            return self._keys

    # --- the provider server ------------------------------------------------------------
    @property
    def base_url(self) -> str:
        with self.lock:
            if self._server is None:
                self._server = ProviderServer(self)
                threading.Thread(
                    target=self._server.serve_forever,
                    kwargs={"poll_interval": 0.2},
                    name="sandbox-paygate",
                    daemon=True,
                ).start()
            host, port = self._server.server_address[:2]
            return f"http://{host!s}:{port}"

    def dispatch(self, method: str, path: str, query: str, headers: Any, body: bytes) -> Raw:
        from sandbox import alipay, wechatpay

        if path.startswith("/v3/"):
            return wechatpay.handle(self, method, path, query, headers, body)
        if path == "/gateway.do":
            return alipay.handle(self, method, query, body)
        return 404, {"Content-Type": "application/json"}, b'{"code":"NOT_FOUND"}'

    # --- trades -------------------------------------------------------------------------
    def trade(self, provider: str, out_trade_no: str) -> Trade | None:
        return self.trades.get((provider, out_trade_no))

    def open_trade(
        self, provider: str, out_trade_no: str, amount_fen: int, subject: str, notify_url: str
    ) -> Trade:
        with self.lock:
            trade = self.trades.get((provider, out_trade_no))
            if trade is None:
                trade = Trade(provider, out_trade_no, amount_fen, subject, notify_url, now_cst())
                self.trades[(provider, out_trade_no)] = trade
            return trade

    # --- controls -----------------------------------------------------------------------
    def config(self, request: Request) -> Response:
        k = self.keys
        base = self.base_url
        return 200, {
            WECHAT: {
                "base_url": base,
                "mchid": k.wechat_mchid,
                "appid": k.wechat_appid,
                "merchant_serial_no": k.wechat_merchant_serial,
                "merchant_private_key": private_pem(k.wechat_merchant),
                "apiv3_key": k.wechat_apiv3_key,
                "platform_public_key_id": k.wechat_public_key_id,
                "platform_public_key": public_pem(k.wechat_platform),
            },
            ALIPAY: {
                "gateway": base + "/gateway.do",
                "app_id": k.alipay_app_id,
                "app_private_key": private_pem(k.alipay_app),
                "alipay_public_key": public_pem(k.alipay_platform),
            },
        }

    def _target(self, body: dict[str, Any]) -> Trade:
        provider = require_str(body, "provider")
        if provider not in PROVIDERS:
            raise BadRequest(f"provider must be one of {list(PROVIDERS)}")
        trade = self.trade(provider, require_str(body, "out_trade_no"))
        if trade is None:
            raise BadRequest("no trade with that out_trade_no", error="no_such_trade")
        return trade

    def pay(self, request: Request) -> Response:
        from sandbox import alipay, wechatpay

        body = request.json()
        deliver = body.get("deliver", "once")
        if deliver not in DELIVERIES:
            raise BadRequest(f"deliver must be one of {list(DELIVERIES)}")
        stale = body.get("stale_queries", 0)
        if isinstance(stale, bool) or not isinstance(stale, int) or not 0 <= stale <= 100:
            raise BadRequest("stale_queries must be an integer between 0 and 100")
        with self.lock:
            trade = self._target(body)
            charged = body.get("amount_fen", trade.amount_fen)
            if isinstance(charged, bool) or not isinstance(charged, int) or charged < 1:
                raise BadRequest("amount_fen must be a positive integer")
            if trade.state != "NOTPAY":
                raise BadRequest(f"the trade is {trade.state}", error="already_paid")
            forged = deliver == "forged"
            transaction_id = new_transaction_id(trade.provider)
            snapshot = Trade(**{**trade.__dict__, "held": []})
            snapshot.state, snapshot.transaction_id = "SUCCESS", transaction_id
            snapshot.paid_fen, snapshot.paid_at = charged, now_cst()
            if not forged:
                trade.state, trade.transaction_id = "SUCCESS", transaction_id
                trade.paid_fen, trade.paid_at = charged, snapshot.paid_at
                trade.stale_queries = stale
            build = wechatpay.callback if trade.provider == WECHAT else alipay.callback
            signer = self.keys.rogue if forged else None
            callback = build(self, snapshot, signer)
            if deliver == "hold":
                trade.held.append(callback)
        sends = {"once": 1, "twice": 2, "forged": 1}.get(deliver, 0)
        deliveries = [post(callback) for _ in range(sends)]
        return 200, {"transaction_id": transaction_id, "deliveries": deliveries}

    def deliver(self, request: Request) -> Response:
        with self.lock:
            trade = self._target(request.json())
            held, trade.held = trade.held, []
        return 200, {"deliveries": [post(c) for c in held]}


def now_cst() -> dt.datetime:
    return dt.datetime.now(CST).replace(microsecond=0)


def new_transaction_id(provider: str) -> str:
    stamp = dt.datetime.now(CST).strftime("%Y%m%d")
    digits = "".join(secrets.choice("0123456789") for _ in range(18))
    return (f"4200{stamp}{digits}" if provider == WECHAT else f"{stamp}2200{digits}")[:32]


def post(callback: Callback) -> dict[str, Any]:
    """Send one callback to the merchant; report what it answered."""
    req = urllib.request.Request(  # noqa: S310 (the notify URL the merchant gave)
        callback.url, data=callback.body, method="POST", headers=callback.headers
    )
    try:
        with urllib.request.urlopen(req, timeout=CALLBACK_TIMEOUT) as resp:  # noqa: S310
            return {"status": resp.status, "body": resp.read(4096).decode("utf-8", "replace")}
    except urllib.error.HTTPError as exc:
        return {"status": exc.code, "body": exc.read(4096).decode("utf-8", "replace")}
    except (OSError, ValueError) as exc:
        return {"status": 0, "body": f"not delivered: {exc}"}


class ProviderServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, gate: PayGate) -> None:
        self.gate = gate
        super().__init__(("127.0.0.1", 0), _ProviderHandler)


class _ProviderHandler(BaseHTTPRequestHandler):
    server: ProviderServer
    server_version = "JiaoguanPaySandbox/1"
    sys_version = ""

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or "0")
            if not 0 <= length <= MAX_BODY_BYTES:
                raise ValueError("bad length")
            body = self.rfile.read(length) if length else b""
            url = urlsplit(self.path)
            status, headers, out = self.server.gate.dispatch(
                self.command, url.path, url.query, self.headers, body
            )
        except Exception:
            traceback.print_exc(file=sys.stderr)
            status, headers = 500, {"Content-Type": "application/json"}
            out = b'{"code":"SYSTEM_ERROR","message":"internal"}'
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)
        except (ConnectionError, TimeoutError):
            pass

    def log_message(self, format: str, *args: Any) -> None:
        pass


def query_params(query: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}


def json_bytes(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def nonce(n: int = 32) -> str:
    return uuid.uuid4().hex.upper()[:n]


def register(table: RouteTable) -> None:
    gate = PayGate()
    table.add("GET", "/pay/sandbox/config", gate.config)
    table.add("POST", "/pay/sandbox/pay", gate.pay)
    table.add("POST", "/pay/sandbox/deliver", gate.deliver)
