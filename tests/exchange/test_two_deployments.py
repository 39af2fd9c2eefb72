"""Two provincial deployments, two databases, two real server processes, real HTTP.

江苏 (32) and 广东 (44) each run ``jiaoguan manage runserver`` on 127.0.0.1 with their own
database (two SQLite files, or two PostgreSQL databases with ``JIAOGUAN_TEST_DB=postgres``)
and their own Ed25519 key; each knows the other as a peer. 江苏's deliveries to 广东 go through
a fault-injecting proxy that can drop a request (never forwarded) or a response (forwarded,
answer thrown away). The delivery loop is ``jiaoguan manage exchange deliver`` run as its own
process, so it can be killed too.

A car registered in 南京 moves its registration to 广州 while: the link drops the request,
then drops the ack; the receiver is killed -9 after its inbox committed and before it
acked; the sender's deliverer is killed -9 after the ack arrived and before it marked the
message delivered. Afterwards every effect exists exactly once on both sides.
"""

from __future__ import annotations

import http.server
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from jiaoguan.exchange import signing

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
pytestmark = pytest.mark.skipif(
    os.environ.get("JIAOGUAN_SKIP_MULTIPROCESS") == "1", reason="multi-process test disabled"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Deployment:
    def __init__(self, name: str, province: str, tmp: Path, database_url: str) -> None:
        self.name, self.province = name, province
        self.seed, self.public_key = signing.new_key()
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.marker = str(tmp / f"{name}.fault")
        data = tmp / name
        data.mkdir()
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "jiaoguan.conf.settings.dev",
            "DEBUG": "1",
            "DATABASE_URL": database_url,
            "JIAOGUAN_DATA_DIR": str(data),
            "JIAOGUAN_PROVINCE": province,
            "JIAOGUAN_EXCHANGE_KEY": self.seed,
            "JIAOGUAN_EXCHANGE_LEASE_SECONDS": "1",
            "JIAOGUAN_EXCHANGE_RETRY_SECONDS": "0.2",
            "JIAOGUAN_EXCHANGE_FAULT_MARKER": self.marker,
            "JIAOGUAN_PARTNER_TIMEOUT": "3",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PYTHONPATH": str(ROOT),
        }
        self.env.pop("JIAOGUAN_EXCHANGE_FAULTS", None)
        self.server: subprocess.Popen[bytes] | None = None
        self.log = open(tmp / f"{name}.log", "ab")  # noqa: SIM115

    def _cmd(self, *args: str) -> list[str]:
        return [PYTHON, "-m", "jiaoguan.cli", "manage", *args]

    def manage(self, *args: str, faults: str = "", timeout: float = 240) -> str:
        env = {**self.env, "JIAOGUAN_EXCHANGE_FAULTS": faults} if faults else self.env
        done = subprocess.run(
            self._cmd(*args), env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout
        )
        assert done.returncode == 0, f"{self.name} {args}: {done.stdout}\n{done.stderr}"
        return done.stdout

    def call(self, expr: str) -> Any:
        """Run ``scenario.<expr>`` in this deployment's own environment; its JSON result."""
        code = f"from tests.exchange import scenario as s; s.dump(s.{expr})"
        out = self.manage("shell", "-c", code)
        line = next(x for x in out.splitlines() if x.startswith("RESULT "))
        return json.loads(line[len("RESULT ") :])

    def spawn(self, *args: str, faults: str = "") -> subprocess.Popen[bytes]:
        env = {**self.env, "JIAOGUAN_EXCHANGE_FAULTS": faults} if faults else self.env
        return subprocess.Popen(
            self._cmd(*args), env=env, cwd=ROOT, stdout=self.log, stderr=self.log
        )

    def start(self, faults: str = "") -> None:
        self.server = self.spawn("runserver", f"127.0.0.1:{self.port}", "--noreload", faults=faults)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/api/v1/health", timeout=1).ok:
                    return
            except requests.RequestException:
                time.sleep(0.2)
        raise AssertionError(f"{self.name} did not start")

    def kill(self) -> None:
        if self.server is not None and self.server.poll() is None:
            self.server.send_signal(signal.SIGKILL)
            self.server.wait(10)
        self.server = None

    def wait_marker(self, point: str, timeout: float = 30) -> int:
        path = Path(f"{self.marker}.{point}")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if path.exists() and path.read_text():
                pid = int(path.read_text())
                path.unlink()
                return pid
            time.sleep(0.05)
        raise AssertionError(f"{self.name} never reached {point}")

    def deliver(self) -> str:
        return self.manage("exchange", "deliver")

    def state(self) -> dict[str, Any]:
        result: dict[str, Any] = self.call("state()")
        return result


class FaultProxy:
    """Forwards HTTP to ``target``; ``plan`` lists what to do to the next requests:
    ``drop_request`` (close without forwarding), ``drop_response`` (forward, then close
    without answering), anything else forwards normally."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.plan: list[str] = []
        self.seen: list[str] = []
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                action = proxy.plan.pop(0) if proxy.plan else "forward"
                proxy.seen.append(action)
                if action == "drop_request":
                    self.close_connection = True
                    return
                resp = requests.post(
                    proxy.target + self.path,
                    data=body,
                    headers={"Content-Type": "application/json"},
                    timeout=10,
                )
                if action == "drop_response":
                    self.close_connection = True
                    return
                self.send_response(resp.status_code)
                self.send_header("Content-Type", resp.headers.get("Content-Type", ""))
                self.send_header("Content-Length", str(len(resp.content)))
                self.end_headers()
                self.wfile.write(resp.content)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


def _databases(tmp: Path) -> Generator[tuple[str, str], None, None]:
    if (os.environ.get("JIAOGUAN_TEST_DB") or "sqlite") != "postgres":
        yield f"sqlite:///{tmp / 'js.sqlite3'}", f"sqlite:///{tmp / 'gd.sqlite3'}"
        return
    import psycopg

    admin = (
        os.environ.get("JIAOGUAN_TEST_DATABASE_URL")
        or "postgres://postgres@127.0.0.1:5432/postgres"
    )
    names = [f"test_exchange_{p}_{uuid.uuid4().hex[:8]}" for p in ("js", "gd")]
    base = admin.rsplit("/", 1)[0]
    with psycopg.connect(admin, autocommit=True) as conn:
        for n in names:
            conn.execute(f'CREATE DATABASE "{n}"')
    try:
        yield f"{base}/{names[0]}", f"{base}/{names[1]}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            for n in names:
                conn.execute(f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)')


@pytest.fixture(scope="module")
def provinces(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    tmp = tmp_path_factory.mktemp("exchange")
    gen = _databases(tmp)
    js_db, gd_db = next(gen)
    js = Deployment("jiangsu", "32", tmp, js_db)
    gd = Deployment("guangdong", "44", tmp, gd_db)
    procs = [js.spawn("migrate", "--verbosity", "0"), gd.spawn("migrate", "--verbosity", "0")]
    for p in procs:
        assert p.wait(300) == 0, "migrate failed"
    gd.start()
    js.start()
    proxy, back = FaultProxy(gd.url), FaultProxy(js.url)
    # "--public-key=KEY" in one word: a base64url key may begin with "-", which argparse
    # would take for an option (1 run in 64 failed so)
    js.manage(
        "exchange", "peer", "--province", "44", "--url", proxy.url, f"--public-key={gd.public_key}"
    )
    gd.manage(
        "exchange", "peer", "--province", "32", "--url", back.url, f"--public-key={js.public_key}"
    )
    try:
        yield js, gd, proxy, back
    finally:
        js.kill()
        gd.kill()
        proxy.close()
        back.close()
        gen.close()


def _only(rows: list[dict[str, Any]], **match: Any) -> list[dict[str, Any]]:
    return [r for r in rows if all(r.get(k) == v for k, v in match.items())]


def _deliver_until(dep: Deployment, message_id: str, *, tries: int = 20) -> dict[str, Any]:
    for _ in range(tries):
        dep.deliver()
        row = _only(dep.state()["outbox"], id=message_id)[0]
        if row["state"] != "pending":
            return row
        time.sleep(0.3)
    raise AssertionError(f"{message_id} never delivered")


def test_archive_moves_across_with_kills_and_drops(provinces: Any) -> None:
    js, gd, proxy, _back = provinces
    seeded = js.call("seed_vehicle('320102', 1)")
    started = js.call(f"start_transfer({seeded['vehicle']!r}, '440106')")
    transfer = started["transfer"]
    js_state = js.state()
    [msg] = _only(js_state["outbox"], type="archive.transfer")
    assert msg["state"] == "pending"
    assert _only(js_state["vehicles"], vin=seeded["vin"])[0]["status"] == "transferring"

    # 1. the link drops the request: nothing reaches 广东, the message stays pending
    proxy.plan = ["drop_request"]
    js.deliver()
    assert gd.state()["inbox"] == []
    assert _only(js.state()["outbox"], id=msg["id"])[0]["state"] == "pending"

    # 2. the link drops the ack: 广东 applied it, 江苏 does not know and keeps it pending
    time.sleep(0.5)
    proxy.plan = ["drop_response"]
    js.deliver()
    gd_state = gd.state()
    assert _only(gd_state["inbox"], id=msg["id"])[0]["deliveries"] == 1
    assert _only(gd_state["transfers"], id=transfer)[0]["state"] == "received"
    assert _only(js.state()["outbox"], id=msg["id"])[0]["state"] == "pending"

    # 3. 广东 is killed -9 after its inbox commit, before the ack leaves
    gd.kill()
    gd.start(faults="receiver_pause_before_ack")
    time.sleep(0.5)
    deliverer = js.spawn("exchange", "deliver")
    gd.wait_marker("receiver_pause_before_ack")
    gd.kill()
    deliverer.wait(30)
    assert _only(js.state()["outbox"], id=msg["id"])[0]["state"] == "pending"
    gd.start()

    # 4. 江苏's deliverer is killed -9 after the ack arrived, before it marked it delivered
    time.sleep(1.2)  # the lease of the killed attempt ran out
    deliverer = js.spawn("exchange", "deliver", faults="sender_pause_after_send")
    pid = js.wait_marker("sender_pause_after_send")
    assert pid == deliverer.pid
    deliverer.send_signal(signal.SIGKILL)
    deliverer.wait(10)
    assert _only(js.state()["outbox"], id=msg["id"])[0]["state"] == "pending"

    # 5. a clean attempt: acked as a duplicate, marked delivered
    time.sleep(1.2)
    row = _deliver_until(js, msg["id"])
    assert row["state"] == "delivered" and row["attempts"] >= 5
    assert proxy.seen[:2] == ["drop_request", "drop_response"]

    gd_state = gd.state()
    inbox = _only(gd_state["inbox"], id=msg["id"])
    assert len(inbox) == 1 and inbox[0]["deliveries"] >= 4  # stored once, acked 4+ times
    [received] = _only(gd_state["transfers"], id=transfer)
    assert received["state"] == "received" and received["events"] == ["receive"]
    assert gd_state["persons"] == 1  # the owner, created once
    assert gd_state["vehicles"] == []

    # 6. the new office registers it with a selected number; the answer travels back
    done = gd.call(f"pick_and_register({transfer!r}, '粤A', '44')")
    assert done["state"] == "registered" and done["plate"].startswith("粤A")
    [back] = _only(gd.state()["outbox"], type="archive.registered")
    # drop the first answer's response on the way back too: the link to 江苏 is direct, so
    # repeat delivery by hand instead: the same envelope posted twice
    assert _deliver_until(gd, back["id"])["state"] == "delivered"

    js_state = js.state()
    [out] = _only(js_state["transfers"], id=transfer)
    assert out["state"] == "completed" and out["new_plate"] == done["plate"]
    assert out["events"] == ["send", "complete"]
    assert _only(js_state["vehicles"], vin=seeded["vin"])[0]["status"] == "transferred"
    assert js_state["vehicle_actions"].count("vehicle.transfer_out") == 1
    assert js_state["vehicle_actions"].count("vehicle.transfer_complete") == 1

    gd_state = gd.state()
    [vehicle] = gd_state["vehicles"]
    [old] = _only(js_state["vehicles"], vin=seeded["vin"])
    assert vehicle == {
        "vin": seeded["vin"],
        "status": "normal",
        "plate": done["plate"],
        "registered": old["registered"],  # the inspection cycle keeps its anchor
    }
    assert gd_state["documents"] == ["driving_permit", "inspection_label"]


def test_repeated_and_forged_envelopes(provinces: Any) -> None:
    """Straight at 江苏's inbox over HTTP: a replay of a delivered message is acked and
    changes nothing; a forged or altered one is refused with problem+json."""
    js, gd, _, _ = provinces
    seeded = js.call("seed_vehicle('320102', 2)")
    transfer = js.call(f"start_transfer({seeded['vehicle']!r}, '440106')")["transfer"]
    [msg] = [
        m
        for m in js.state()["outbox"]
        if m["type"] == "archive.transfer" and m["state"] == "pending"
    ]
    assert _deliver_until(js, msg["id"])["state"] == "delivered"
    gd.call(f"pick_and_register({transfer!r}, '粤A', '44')")
    [back] = [
        m
        for m in gd.state()["outbox"]
        if m["type"] == "archive.registered" and m["state"] == "pending"
    ]
    envelope = gd.call(f"envelope({back['id']!r})")
    inbox = js.url + "/api/v1/exchange/inbox"
    for _ in range(2):  # delivered twice by hand: the first applies, the second is a repeat
        answer = requests.post(inbox, json=envelope, timeout=10)
        assert answer.status_code == 200 and answer.json()["ack"] == back["id"]
    assert answer.json()["duplicate"] is True
    assert _deliver_until(gd, back["id"])["state"] == "delivered"  # the outbox's own try
    out = next(t for t in js.state()["transfers"] if t["id"] == transfer)
    assert out["events"] == ["send", "complete"]

    altered = {**envelope, "body": {**envelope["body"], "plate": "粤A99999"}}
    r = requests.post(inbox, json=altered, timeout=10)
    assert r.status_code == 403 and r.json()["code"] == "bad_signature"
    assert r.headers["Content-Type"].startswith("application/problem+json")
    stranger = {**envelope, "from": "11", "id": str(uuid.uuid4())}
    r = requests.post(inbox, json=stranger, timeout=10)
    assert r.status_code == 403 and r.json()["code"] == "unknown_sender"
    r = requests.post(inbox, data=b"{not json", timeout=10)
    assert r.status_code == 400
    assert js.state()["vehicle_actions"].count("vehicle.transfer_complete") == 2


def test_inspected_in_guangdong_recorded_in_jiangsu(provinces: Any) -> None:
    """全国通检: a 南京 car is inspected at a 广州 station; the result travels home, where the
    vehicle gets its next period and the label, and the answer travels back. The link home
    drops the first ack, and 江苏 is killed -9 between its inbox commit and the ack."""
    js, gd, _, back = provinces
    car = js.call("seed_due_car('320102', 3)")
    done = gd.call(f"inspect_foreign('32', {car['plate']!r}, {car['vin']!r}, '4401')")
    [result] = [m for m in gd.state()["outbox"] if m["type"] == "inspection.result"]

    back.plan = ["drop_response"]
    gd.deliver()
    assert _only(gd.state()["outbox"], id=result["id"])[0]["state"] == "pending"
    js.kill()
    js.start(faults="receiver_pause_before_ack")
    time.sleep(1.2)
    deliverer = gd.spawn("exchange", "deliver")
    js.wait_marker("receiver_pause_before_ack")
    js.kill()
    deliverer.wait(30)
    js.start()
    time.sleep(1.2)
    assert _deliver_until(gd, result["id"])["state"] == "delivered"

    js_state = js.state()
    [inbox] = _only(js_state["inbox"], id=result["id"])
    assert inbox["deliveries"] >= 3
    new_until = js_state["vehicle_valid_until"][car["vin"]]
    assert new_until > car["valid_until"]  # the next period, recorded once
    assert js_state["vehicle_actions"].count("vehicle.inspection_record") == 1
    assert js_state["documents"].count("inspection_label") == 1
    [answer] = [m for m in js_state["outbox"] if m["type"] == "inspection.recorded"]
    assert _deliver_until(js, answer["id"])["state"] == "delivered"
    [inspection] = _only(gd.state()["foreign_inspections"], id=done["inspection"])
    assert inspection["state"] == "recorded" and inspection["valid_until"] == new_until
    assert inspection["label"]


def test_booked_in_guangdong_recorded_in_jiangsu(provinces: Any) -> None:
    """全国通检 with a booking: a 南京 car's owner books a slot at a 深圳 station; the station
    checks it in and records a pass; the result travels home with the declared owner, 江苏
    records the next period and the label, and the answer travels back to the station. A
    second booking declaring the wrong owner is refused at home with its reason."""
    js, gd, _, _ = provinces
    car = js.call("seed_due_car('320102', 4)")
    done = gd.call(
        f"book_and_inspect_foreign('32', {car['plate']!r}, {car['vin']!r}, '4403', "
        f"{car['owner_id_number']!r}, 5)"
    )
    assert done["taken"] == 1
    gd_state = gd.state()
    [appt] = _only(gd_state["foreign_appointments"], id=done["appointment"])
    assert appt["state"] == "done" and appt["inspection"] == done["inspection"]
    assert appt["events"] == ["book", "check_in", "record_result"]
    [result] = [
        m
        for m in gd_state["outbox"]
        if m["type"] == "inspection.result" and m["state"] == "pending"
    ]
    assert _deliver_until(gd, result["id"])["state"] == "delivered"
    js_state = js.state()
    new_until = js_state["vehicle_valid_until"][car["vin"]]
    assert new_until > car["valid_until"]
    [answer] = [
        m
        for m in js_state["outbox"]
        if m["type"] == "inspection.recorded" and m["state"] == "pending"
    ]
    assert _deliver_until(js, answer["id"])["state"] == "delivered"
    [inspection] = _only(gd.state()["foreign_inspections"], id=done["inspection"])
    assert inspection["state"] == "recorded" and inspection["valid_until"] == new_until
    assert inspection["label"]

    # the wrong owner declared: refused at home, nothing recorded, the reason comes back
    other = js.call("seed_due_car('320102', 6)")
    wrong = gd.call(
        f"book_and_inspect_foreign('32', {other['plate']!r}, {other['vin']!r}, '4403', "
        f"{car['owner_id_number']!r}, 7)"
    )
    [result] = [
        m
        for m in gd.state()["outbox"]
        if m["type"] == "inspection.result" and m["state"] == "pending"
    ]
    assert _deliver_until(gd, result["id"])["state"] == "delivered"
    js_state = js.state()
    assert js_state["vehicle_valid_until"][other["vin"]] == other["valid_until"]
    [answer] = [
        m
        for m in js_state["outbox"]
        if m["type"] == "inspection.recorded" and m["state"] == "pending"
    ]
    assert _deliver_until(js, answer["id"])["state"] == "delivered"
    [refused] = _only(gd.state()["foreign_inspections"], id=wrong["inspection"])
    assert refused["state"] == "refused" and refused["answer"] == "owner_mismatch"
