"""The sandbox partners over real HTTP (no Django needed: runs with ``-p no:django`` too)."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac

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


@pytest.fixture(autouse=True)
def _no_faults(sandbox_server: SandboxServer) -> Iterator[None]:
    yield
    call(sandbox_server, "DELETE", "/_sandbox/faults")


def hmac_sm3(key: str, body: bytes) -> str:
    mac = crypto_hmac.HMAC(key.encode(), hashes.SM3())
    mac.update(body)
    return mac.finalize().hex()


def call(
    server: SandboxServer,
    method: str,
    path: str,
    body: Any = None,
    *,
    key: str | None = KEY,
    raw: bytes | None = None,
) -> tuple[int, http.client.HTTPMessage, Any]:
    """One request; returns (status, headers, parsed JSON) after checking the signature."""
    host, port = server.server_address[:2]
    conn = http.client.HTTPConnection(str(host), port, timeout=10)
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    data = raw if raw is not None else None if body is None else json.dumps(body).encode()
    try:
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        payload = resp.read()
    finally:
        conn.close()
    assert resp.headers["Content-Type"].startswith("application/json")
    assert resp.headers["X-Sandbox-Signature"] == hmac_sm3(KEY, payload)
    return resp.status, resp.headers, json.loads(payload)


def valid_ids(count: int) -> Iterator[str]:
    """Well-formed ID numbers, deterministically (Dongcheng district, Beijing)."""
    start = dt.date(1950, 1, 1)
    for i in range(count):
        yield population.make_id_number("110101", start + dt.timedelta(days=i // 7), i % 1000)


def first_deceased() -> str:
    return next(i for i in valid_ids(20_000) if population.is_deceased(i))


def first_living() -> str:
    return next(i for i in valid_ids(100) if not population.is_deceased(i))


# --- protocol: health, auth, signatures, errors ----------------------------------------------


def test_health(sandbox_server: SandboxServer) -> None:
    status, _, data = call(sandbox_server, "GET", "/_sandbox/health")
    assert status == 200 and data["ok"] is True
    assert {"identity", "sms", "tax", "insurance", "hospital", "residence"} <= set(data["services"])
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", sandbox_server.url)


@pytest.mark.parametrize("key", [None, "wrong-key", ""])
def test_every_request_needs_the_bearer_key(sandbox_server: SandboxServer, key: str | None) -> None:
    for method, path in [("GET", "/_sandbox/health"), ("POST", "/identity/v1/verify")]:
        status, _, data = call(sandbox_server, method, path, {"a": 1}, key=key)
        assert (status, data) == (401, {"error": "unauthorized"})


def test_signature_is_hmac_sm3_of_the_body(sandbox_server: SandboxServer) -> None:
    host, port = sandbox_server.server_address[:2]
    conn = http.client.HTTPConnection(str(host), port, timeout=5)
    conn.request("GET", "/_sandbox/health", headers={"Authorization": f"Bearer {KEY}"})
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    signature = resp.headers["X-Sandbox-Signature"]
    assert re.fullmatch(r"[0-9a-f]{64}", signature)
    assert signature == hmac_sm3(KEY, body)
    assert signature != hmac_sm3("another-key", body)


def test_unknown_path_is_404_json(sandbox_server: SandboxServer) -> None:
    status, _, data = call(sandbox_server, "GET", "/tax/v1/nothing")
    assert status == 404 and data["error"] == "not_found"


def test_wrong_method_is_405_json(sandbox_server: SandboxServer) -> None:
    status, _, data = call(sandbox_server, "GET", "/identity/v1/verify")
    assert (status, data) == (405, {"error": "method_not_allowed"})


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b"",
        b"[1, 2]",
        b'"text"',
        b"\xff\xfe",
        b'{"name": "x"}',
        b'{"name": 1, "id_number": 2}',
    ],
)
def test_malformed_body_is_400(sandbox_server: SandboxServer, raw: bytes) -> None:
    status, _, data = call(sandbox_server, "POST", "/identity/v1/verify", raw=raw)
    assert status == 400
    assert data["error"] == "bad_request" and data["detail"]


def test_garbage_request_line_does_not_stop_the_server(sandbox_server: SandboxServer) -> None:
    host, port = sandbox_server.server_address[:2]
    with socket.create_connection((str(host), port), timeout=5) as sock:
        sock.sendall(b"\x00\x01garbage\r\n\r\n")
        answer = b""
        while chunk := sock.recv(4096):  # the server closes the connection after answering
            answer += chunk
    assert answer.startswith(b"HTTP/1.0 400")
    assert b'"error":"bad_request"' in answer
    assert call(sandbox_server, "GET", "/_sandbox/health")[0] == 200


# --- identity platform -----------------------------------------------------------------------


def verify(server: SandboxServer, name: str, id_number: str) -> dict[str, Any]:
    status, _, data = call(
        server, "POST", "/identity/v1/verify", {"name": name, "id_number": id_number}
    )
    assert status == 200
    return data


def test_identity_ok(sandbox_server: SandboxServer) -> None:
    id_number = first_living()
    data = verify(sandbox_server, population.name_for(id_number), id_number)
    assert data == {"match": True, "reason": "ok", "assurance": "L2"}


def test_identity_accepts_lower_case_x(sandbox_server: SandboxServer) -> None:
    id_number = next(i for i in valid_ids(200) if i.endswith("X") and not population.is_deceased(i))
    assert verify(sandbox_server, population.name_for(id_number), id_number.lower())["match"]


def test_identity_name_mismatch(sandbox_server: SandboxServer) -> None:
    id_number = first_living()
    other = population.name_for(id_number) + "某"
    data = verify(sandbox_server, other, id_number)
    assert data == {"match": False, "reason": "name_mismatch", "assurance": ""}


@pytest.mark.parametrize(
    "mangle",
    [
        lambda i: i[:17] + ("0" if i[17] != "0" else "1"),  # wrong check character
        lambda i: i[:17],  # too short
        lambda i: i[:6] + i[8:17],  # 15-digit legacy form
        lambda i: i + "1",  # too long
    ],
)
def test_identity_no_such_person(sandbox_server: SandboxServer, mangle: Any) -> None:
    id_number = first_living()
    data = verify(sandbox_server, population.name_for(id_number), mangle(id_number))
    assert data == {"match": False, "reason": "no_such_person", "assurance": ""}


@pytest.mark.parametrize(
    ("region", "born"),
    [("000000", dt.date(1980, 1, 1)), ("110101", dt.date.today() + dt.timedelta(days=400))],
)
def test_identity_unknown_province_or_future_birth_is_no_such_person(
    sandbox_server: SandboxServer, region: str, born: dt.date
) -> None:
    id_number = population.make_id_number(region, born, 11)
    assert verify(sandbox_server, population.name_for(id_number), id_number)["reason"] == (
        "no_such_person"
    )


def test_identity_deceased(sandbox_server: SandboxServer) -> None:
    id_number = first_deceased()
    data = verify(sandbox_server, population.name_for(id_number), id_number)
    assert data == {"match": False, "reason": "deceased", "assurance": ""}


# --- population register ---------------------------------------------------------------------


def test_check_character_matches_gb_11643_example() -> None:
    assert population.check_char("11010519491231002") == "X"
    assert population.is_valid("11010519491231002X")
    assert not population.is_valid("110105194912310021")


def test_names_are_deterministic_and_realistic() -> None:
    ids = list(valid_ids(2000))
    names = [population.name_for(i) for i in ids]
    assert names == [population.name_for(i) for i in ids]
    assert all(2 <= len(n) <= 3 and n[0] in population.SURNAMES for n in names)
    assert len({n[0] for n in names}) > 50  # most surnames in use
    assert 0.1 < sum(len(n) == 2 for n in names) / len(names) < 0.4  # about a quarter
    male = [n for i, n in zip(ids, names, strict=True) if int(i[16]) % 2]
    assert all(c in population.MALE_CHARS for n in male for c in n[1:])


def test_about_one_in_256_is_deceased() -> None:
    deceased = sum(population.is_deceased(i) for i in valid_ids(20_000))
    assert 40 < deceased < 120  # expectation 78


# --- SMS gateway -----------------------------------------------------------------------------


def test_sms_send_and_read_outbox(
    sandbox_server: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    phone = "13812341234"
    ids = []
    for text in ["验证码 111111", "验证码 222222"]:
        status, _, data = call(
            sandbox_server, "POST", "/sms/v1/messages", {"phone": phone, "text": text}
        )
        assert status == 202 and re.fullmatch(r"[0-9a-f]{32}", data["message_id"])
        ids.append(data["message_id"])
    status, _, data = call(sandbox_server, "GET", f"/sms/v1/messages?phone={phone}")
    assert status == 200
    messages = data["messages"]
    assert [m["message_id"] for m in messages] == ids  # newest last
    assert [m["text"] for m in messages] == ["验证码 111111", "验证码 222222"]
    assert all(m["phone"] == phone and dt.datetime.fromisoformat(m["sent_at"]) for m in messages)
    out = capsys.readouterr().out
    assert "SMS to 138****1234: 验证码 222222" in out
    assert phone not in out
    assert call(sandbox_server, "GET", "/sms/v1/messages?phone=13900000000")[2] == {"messages": []}


def test_sms_outbox_needs_a_phone(sandbox_server: SandboxServer) -> None:
    assert call(sandbox_server, "GET", "/sms/v1/messages")[0] == 400


@pytest.mark.parametrize(
    "phone", ["1381234123", "138123412345", "23812341234", "+8613812341234", "1381234123x"]
)
def test_sms_invalid_phone(sandbox_server: SandboxServer, phone: str) -> None:
    status, _, data = call(
        sandbox_server, "POST", "/sms/v1/messages", {"phone": phone, "text": "hi"}
    )
    assert status == 400 and data["error"] == "invalid_phone"


# --- fault injection -------------------------------------------------------------------------


def test_fault_error_then_recovery(sandbox_server: SandboxServer) -> None:
    status, _, data = call(
        sandbox_server, "POST", "/_sandbox/faults", {"service": "sms", "mode": "error", "count": 2}
    )
    assert status == 200 and data["count"] == 2
    body = {"phone": "13700000001", "text": "x"}
    for _ in range(2):
        assert call(sandbox_server, "POST", "/sms/v1/messages", body)[:3:2] == (
            500,
            {"error": "internal"},
        )
    # the sandbox-only outbox read is not faulted, and other services are unaffected
    assert call(sandbox_server, "GET", "/sms/v1/messages?phone=13700000001")[2] == {"messages": []}
    assert call(sandbox_server, "POST", "/sms/v1/messages", body)[0] == 202


def test_fault_timeout_delays_the_answer(sandbox_server: SandboxServer) -> None:
    call(
        sandbox_server,
        "POST",
        "/_sandbox/faults",
        {"service": "identity", "mode": "timeout", "count": 1, "seconds": 0.4},
    )
    id_number = first_living()
    started = time.monotonic()
    assert verify(sandbox_server, population.name_for(id_number), id_number)["match"]
    assert time.monotonic() - started >= 0.4
    started = time.monotonic()
    verify(sandbox_server, population.name_for(id_number), id_number)
    assert time.monotonic() - started < 0.4


def test_fault_clear(sandbox_server: SandboxServer) -> None:
    call(
        sandbox_server,
        "POST",
        "/_sandbox/faults",
        {"service": "identity", "mode": "error", "count": 5},
    )
    assert call(sandbox_server, "DELETE", "/_sandbox/faults")[2] == {"cleared": True}
    id_number = first_living()
    assert verify(sandbox_server, population.name_for(id_number), id_number)["match"]


@pytest.mark.parametrize(
    "body",
    [
        {"service": "no-such-service", "mode": "error", "count": 1},
        {"service": "sms", "mode": "explode", "count": 1},
        {"service": "sms", "mode": "error", "count": -1},
        {"service": "sms", "mode": "error", "count": True},
        {"service": "sms", "mode": "timeout", "count": 1, "seconds": "long"},
        {"service": "sms", "mode": "error"},
    ],
)
def test_fault_request_is_validated(sandbox_server: SandboxServer, body: dict[str, Any]) -> None:
    status, _, data = call(sandbox_server, "POST", "/_sandbox/faults", body)
    assert status == 400 and data["error"] == "bad_request"


# --- command line ----------------------------------------------------------------------------


def test_command_line_serves_with_key_from_environment() -> None:
    env = {**os.environ, "JIAOGUAN_SANDBOX_KEY": KEY}
    proc = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--port", "0", "--quiet"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        assert match, line
        conn = http.client.HTTPConnection("127.0.0.1", int(match[1]), timeout=5)
        conn.request("GET", "/_sandbox/health", headers={"Authorization": f"Bearer {KEY}"})
        resp = conn.getresponse()
        assert resp.status == 200
        assert resp.headers["X-Sandbox-Signature"] == hmac_sm3(KEY, resp.read())
        conn.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
