"""The accounts HTTP adapters against the real sandbox over HTTP (no database)."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac

from jiaoguan.accounts.adapters import HttpIdentityPlatform, HttpSmsGateway
from jiaoguan.accounts.ports import IdentityVerdict, get_port
from jiaoguan.kernel.errors import DomainError, PartnerUnavailable
from sandbox import population
from sandbox.server import SandboxServer, make_server

KEY = "test-sandbox-key"


@pytest.fixture(scope="module")
def sandbox_server() -> Iterator[SandboxServer]:
    """A real sandbox on a free port, served from a thread for this module."""
    server = make_server("127.0.0.1", 0, key=KEY)
    server.start_in_thread()
    yield server
    server.close()


@pytest.fixture
def partners(settings: Any, sandbox_server: SandboxServer) -> Iterator[SandboxServer]:
    """Point the adapters at the sandbox; clear injected faults afterwards."""
    settings.SANDBOX_URL = sandbox_server.url
    settings.SANDBOX_KEY = KEY
    settings.PARTNER_TIMEOUT = 5.0
    yield sandbox_server
    sandbox_call(sandbox_server, "DELETE", "/_sandbox/faults")


def sandbox_call(server: SandboxServer, method: str, path: str, body: Any = None) -> Any:
    host, port = server.server_address[:2]
    conn = http.client.HTTPConnection(str(host), port, timeout=10)
    data = None if body is None else json.dumps(body).encode()
    conn.request(method, path, body=data, headers={"Authorization": f"Bearer {KEY}"})
    answer = json.loads(conn.getresponse().read())
    conn.close()
    return answer


def sms_outbox(server: SandboxServer, phone: str) -> list[dict[str, Any]]:
    """The messages the sandbox SMS gateway "sent" to ``phone``, oldest first."""
    messages: list[dict[str, Any]] = sandbox_call(server, "GET", f"/sms/v1/messages?phone={phone}")[
        "messages"
    ]
    return messages


def inject(server: SandboxServer, service: str, mode: str, count: int = 1, **extra: Any) -> None:
    body = {"service": service, "mode": mode, "count": count, **extra}
    assert sandbox_call(server, "POST", "/_sandbox/faults", body)["mode"] == mode


def living_person() -> tuple[str, str]:
    for seq in range(1000):
        id_number = population.make_id_number("320102", dt.date(1985, 6, 15), seq)
        if not population.is_deceased(id_number):
            return population.name_for(id_number), id_number
    raise AssertionError("no living person")


def deceased_person() -> tuple[str, str]:
    for day in range(10_000):
        born = dt.date(1940, 1, 1) + dt.timedelta(days=day)
        id_number = population.make_id_number("440103", born, 123)
        if population.is_deceased(id_number):
            return population.name_for(id_number), id_number
    raise AssertionError("no deceased person")


# --- identity platform -----------------------------------------------------------------------


def test_identity_ok(partners: SandboxServer) -> None:
    name, id_number = living_person()
    verdict = HttpIdentityPlatform().verify(name=name, id_number=id_number)
    assert verdict == IdentityVerdict(match=True, reason="ok", assurance="L2")


def test_identity_refusals(partners: SandboxServer) -> None:
    platform = HttpIdentityPlatform()
    name, id_number = living_person()
    bad_check = id_number[:17] + ("0" if id_number[17] != "0" else "1")
    assert platform.verify(name=name + "某", id_number=id_number).reason == "name_mismatch"
    assert platform.verify(name=name, id_number=bad_check).reason == "no_such_person"
    dead_name, dead_id = deceased_person()
    verdict = platform.verify(name=dead_name, id_number=dead_id)
    assert (verdict.match, verdict.reason) == (False, "deceased")


def test_ports_setting_names_the_http_adapters(partners: SandboxServer) -> None:
    assert isinstance(get_port("identity"), HttpIdentityPlatform)
    assert isinstance(get_port("sms"), HttpSmsGateway)


# --- SMS gateway -----------------------------------------------------------------------------


def test_sms_send_reaches_the_outbox(partners: SandboxServer) -> None:
    message_id = HttpSmsGateway().send(phone="15912345678", text="您的验证码是 246810")
    outbox = sms_outbox(partners, "15912345678")
    assert outbox[-1]["message_id"] == message_id
    assert outbox[-1]["text"] == "您的验证码是 246810"


def test_sms_invalid_phone_is_a_domain_error(partners: SandboxServer) -> None:
    with pytest.raises(DomainError) as info:
        HttpSmsGateway().send(phone="12345", text="x")
    assert not isinstance(info.value, PartnerUnavailable)
    assert (info.value.code, info.value.field) == ("invalid_phone", "phone")
    assert info.value.message == "手机号码格式不正确"


# --- failures --------------------------------------------------------------------------------


def test_partner_error_then_recovery(partners: SandboxServer) -> None:
    inject(partners, "identity", "error", count=1)
    name, id_number = living_person()
    with pytest.raises(PartnerUnavailable) as info:
        HttpIdentityPlatform().verify(name=name, id_number=id_number)
    assert info.value.code == "partner_error" and info.value.status == 503
    assert "身份认证平台" in info.value.message
    assert HttpIdentityPlatform().verify(name=name, id_number=id_number).match


@pytest.mark.parametrize("service", ["identity", "sms"])
def test_partner_timeout(partners: SandboxServer, settings: Any, service: str) -> None:
    settings.PARTNER_TIMEOUT = 0.5
    inject(partners, service, "timeout", count=1, seconds=1.5)
    with pytest.raises(PartnerUnavailable) as info:
        if service == "identity":
            HttpIdentityPlatform().verify(name="张三", id_number=living_person()[1])
        else:
            HttpSmsGateway().send(phone="13800000000", text="x")
    assert info.value.code == "partner_timeout"
    assert info.value.message.endswith("响应超时，请稍后再试。")


def test_wrong_key_is_a_partner_error(partners: SandboxServer, settings: Any) -> None:
    settings.SANDBOX_KEY = "not-the-key"
    with pytest.raises(PartnerUnavailable) as info:
        HttpSmsGateway().send(phone="13800000000", text="x")
    assert info.value.code == "partner_error"


def test_unreachable_partner(settings: Any) -> None:
    with socket.socket() as sock:  # a port that nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.SANDBOX_URL = f"http://127.0.0.1:{port}"
    settings.SANDBOX_KEY = KEY
    with pytest.raises(PartnerUnavailable) as info:
        HttpIdentityPlatform().verify(name="张三", id_number="11010519491231002X")
    assert info.value.code == "partner_unreachable"
    assert info.value.message == "身份认证平台暂时无法访问，请稍后再试。"


def test_unconfigured_partner_is_unreachable(settings: Any) -> None:
    settings.SANDBOX_URL = ""
    with pytest.raises(PartnerUnavailable) as info:
        HttpSmsGateway().send(phone="13800000000", text="x")
    assert info.value.code == "partner_unreachable"


# --- answers that do not come from the partner -----------------------------------------------


class _Impostor(BaseHTTPRequestHandler):
    """Answers like the partner, but with a signature (and body) chosen by the test."""

    body: ClassVar[bytes] = b""
    signature: ClassVar[str | None] = None

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        if self.signature is not None:
            self.send_header("X-Sandbox-Signature", self.signature)
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def impostor(settings: Any) -> Iterator[type[_Impostor]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Impostor)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    settings.SANDBOX_URL = f"http://127.0.0.1:{server.server_address[1]}"
    settings.SANDBOX_KEY = KEY
    yield _Impostor
    server.shutdown()
    server.server_close()
    thread.join()


def _sign(key: str, body: bytes) -> str:
    mac = crypto_hmac.HMAC(key.encode(), hashes.SM3())
    mac.update(body)
    return mac.finalize().hex()


OK_BODY = b'{"match":true,"reason":"ok","assurance":"L2"}'


@pytest.mark.parametrize(
    "signature",
    [None, "", "00" * 32, _sign("another-key", OK_BODY), _sign(KEY, OK_BODY + b" ")],
)
def test_unsigned_or_wrongly_signed_answer_is_rejected(
    impostor: type[_Impostor], signature: str | None
) -> None:
    impostor.body, impostor.signature = OK_BODY, signature
    with pytest.raises(PartnerUnavailable) as info:
        HttpIdentityPlatform().verify(name="张三", id_number="11010519491231002X")
    assert info.value.code == "partner_bad_signature"


def test_correctly_signed_answer_is_accepted(impostor: type[_Impostor]) -> None:
    impostor.body, impostor.signature = OK_BODY, _sign(KEY, OK_BODY)
    assert HttpIdentityPlatform().verify(name="张三", id_number="11010519491231002X").match


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[]", b'{"match":"yes","reason":"ok","assurance":"L2"}', b'{"match":true}'],
)
def test_signed_but_unparsable_answer_is_a_partner_error(
    impostor: type[_Impostor], body: bytes
) -> None:
    impostor.body, impostor.signature = body, _sign(KEY, body)
    with pytest.raises(PartnerUnavailable) as info:
        HttpIdentityPlatform().verify(name="张三", id_number="11010519491231002X")
    assert info.value.code == "partner_error"
