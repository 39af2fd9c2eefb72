"""Submitting applications through the business engine on PostgreSQL, 16 concurrent clients,
beside the same number of rows inserted directly in the database, in the same run.

    .venv/bin/python bench/applications.py [--threads 16] [--duration 20] [--people 3000]

One operation is a whole licence renewal as the engine does it: ``application_start`` (catalogue
entry in force, prefill from the registry), ``application_submit`` (workflow moves, the
medical certificate looked up over real HTTP at the hospitals' data link in the sandbox, the
renewal-window rule), ``application_fee_order`` and ``application_payment_confirmed`` (what the
payment callback triggers: automatic approval, the registry change, a new signed licence
document, notices with their SMS jobs, history and audit rows). The payment provider's own round
trip is not included (bench it with tests/payments); the SMS jobs are queued, not sent.

Baseline: the same number of rows per operation that the engine wrote (counted in this run),
inserted by 16 psycopg threads into a scratch table with a JSON payload, one transaction per
operation: the database's cost of the writes without the application around them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import _common as C

DB = "jiaoguan_bench_cases"
KEY = "bench-sandbox-key"
TABLES = (
    "cases_application",
    "cases_applicationevent",
    "audit_auditevent",
    "registry_recordversion",
    "documents_document",
    "notices_notice",
    "payments_feeorder",
    "payments_orderhistory",
    "django_tasks_database_dbtaskresult",
    "cases_casecounter",
)


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--threads", type=int, default=16)
    p.add_argument("--duration", type=float, default=20)
    p.add_argument("--people", type=int, default=3000, help="renewable licences to prepare")
    return p.parse_args()


def fresh_database() -> None:
    with C._admin() as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB}")
    C.run_cli(["manage", "migrate", "--verbosity", "0"], DB)


def start_sandbox() -> str:
    port = C.free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--port", str(port), "--key", KEY, "--quiet"],
        cwd=C.ROOT,
        start_new_session=True,
    )
    C.track(proc)
    import urllib.request

    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            req = urllib.request.Request(
                url + "/_sandbox/health", headers={"Authorization": f"Bearer {KEY}"}
            )
            urllib.request.urlopen(req, timeout=1).read()
            return url
        except OSError:
            time.sleep(0.1)
    raise SystemExit("sandbox did not start")


def prepare(people: int) -> list[object]:
    """People with a fit, valid medical certificate and a licence expiring within 90 days."""
    from jiaoguan.audit.services import Actor
    from jiaoguan.cases.services import catalogue_sync
    from jiaoguan.kernel import clock
    from jiaoguan.kernel.idnumber import IdNumber
    from jiaoguan.registry import services as registry
    from jiaoguan.registry.models import DrivingLicence
    from sandbox import hospital
    from sandbox.population import name_for

    system = Actor.system("bench")
    catalogue_sync(actor=system)
    today = clock.today()
    out: list[object] = []
    n = 0
    while len(out) < people:
        n += 1
        number = str(
            IdNumber.generate("320102", dt.date(1970, 1, 1) + dt.timedelta(days=n // 999), n % 999)
        )
        record = hospital.driver_medical(number, today)
        if record["status"] != "fit" or dt.date.fromisoformat(record["valid_until"]) < today:
            continue
        person = registry.person_create(
            actor=system, name=name_for(number), id_number=number, phone=f"139{n:08d}"
        )
        licence = registry.licence_issue(
            actor=system,
            person=person,
            classes=["C1"],
            first_issue_date=dt.date(2015, 1, 1),
            valid_from=dt.date(2020, 1, 1),
            term="6y",
            region_code="320102",
        )
        DrivingLicence.objects.filter(pk=licence.pk).update(
            valid_until=today + dt.timedelta(days=30)
        )
        out.append(person)
    return out


def _run(work: Callable[[], None], threads: int) -> float:
    """Run ``work`` in ``threads`` threads; the seconds they took."""
    started = time.monotonic()
    pool = [threading.Thread(target=work) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return time.monotonic() - started


def count_rows() -> int:
    from django.db import connection

    with connection.cursor() as cur:
        return sum(cur.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES)


def engine_round(people: list[object], threads: int, duration: float) -> dict[str, float]:
    from django.db import connections

    from jiaoguan.audit.services import Actor
    from jiaoguan.cases import services

    engine = Actor.system("bench")
    lock = threading.Lock()
    queue = list(people)
    latencies: list[float] = []
    errors = [0]
    kinds: dict[str, int] = {}
    states: dict[str, int] = {}
    stop_at = time.monotonic() + duration

    def work() -> None:
        while time.monotonic() < stop_at:
            with lock:
                if not queue:
                    return
                person = queue.pop()
            t0 = time.perf_counter()
            try:
                app = services.application_start(
                    actor=engine,
                    applicant=person,  # type: ignore[arg-type]
                    business_type="licence_renewal",
                    channel="online",
                )
                app = services.application_submit(actor=engine, principal=None, application=app)
                services.application_fee_order(actor=engine, application=app)
                app = services.application_payment_confirmed(application=app, reference="bench")
            except Exception as exc:  # counted, and reported by kind
                with lock:
                    errors[0] += 1
                    name = f"{type(exc).__name__}: {str(exc).splitlines()[0][:80]}"
                    kinds[name] = kinds.get(name, 0) + 1
                continue
            with lock:
                latencies.append(time.perf_counter() - t0)
                states[app.state] = states.get(app.state, 0) + 1
        connections.close_all()

    elapsed = _run(work, threads)
    return {
        "ops": len(latencies),
        "rate": len(latencies) / elapsed,
        "p50": C.pct(latencies, 50) * 1000,
        "p99": C.pct(latencies, 99) * 1000,
        "errors": errors[0],
        "completed": states.get("completed", 0),
        "kinds": kinds,
    }


def raw_round(rows_per_op: int, threads: int, duration: float) -> dict[str, float]:
    import json

    payload = json.dumps(
        {
            "state": "completed",
            "form": {"name": "张三", "classes": ["C1"]},
            "hash": "0" * 64,
            "reason": "bench",
        },
        ensure_ascii=False,
    )
    with C.psycopg_conn(DB) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_raw_rows (id bigserial PRIMARY KEY, "
            "kind text, payload jsonb, created_at timestamptz DEFAULT now())"
        )
        conn.commit()
    latencies: list[float] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + duration

    def work() -> None:
        with C.psycopg_conn(DB) as conn:
            while time.monotonic() < stop_at:
                t0 = time.perf_counter()
                with conn.cursor() as cur:
                    cur.executemany(
                        "INSERT INTO bench_raw_rows (kind, payload) VALUES (%s, %s)",
                        [("row", payload)] * rows_per_op,
                    )
                conn.commit()
                with lock:
                    latencies.append(time.perf_counter() - t0)

    elapsed = _run(work, threads)
    return {
        "ops": len(latencies),
        "rate": len(latencies) / elapsed,
        "p50": C.pct(latencies, 50) * 1000,
        "p99": C.pct(latencies, 99) * 1000,
        "errors": 0,
        "completed": len(latencies),
    }


def main() -> int:
    ns = parse()
    C.install_cleanup()
    C.log(f"preparing database {DB} and the sandbox…")
    fresh_database()
    url = start_sandbox()
    os.environ["JIAOGUAN_SANDBOX_URL"] = url
    os.environ["JIAOGUAN_SANDBOX_KEY"] = KEY
    os.environ["JIAOGUAN_PAYMENTS_NOTIFY_BASE_URL"] = "http://127.0.0.1:9"
    C.setup_django_in_process(DB)
    t0 = time.monotonic()
    people = prepare(ns.people)
    C.log(f"prepared {len(people)} renewable licences in {time.monotonic() - t0:.0f} s")
    before = count_rows()
    engine = engine_round(people, ns.threads, ns.duration)
    rows = count_rows() - before
    per_op = max(1, round(rows / max(engine["ops"], 1)))
    raw = raw_round(per_op, ns.threads, ns.duration)
    from jiaoguan.audit.selectors import audit_verify

    verified = audit_verify()
    C.log("")
    C.log(
        f"Licence renewal through the engine, {ns.threads} concurrent clients, "
        f"{ns.duration:.0f} s each, PostgreSQL, 2 CPUs shared with the sandbox"
    )
    C.log(f"{'mode':<34}{'ops/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'ops':>7}{'errors':>8}")
    C.log(
        f"{'engine (start+submit+fee+paid)':<34}{engine['rate']:>8.1f}{engine['p50']:>9.1f}"
        f"{engine['p99']:>9.1f}{engine['ops']:>7.0f}{engine['errors']:>8.0f}"
    )
    C.log(
        f"{f'raw inserts ({per_op} rows per op)':<34}{raw['rate']:>8.1f}{raw['p50']:>9.1f}"
        f"{raw['p99']:>9.1f}{raw['ops']:>7.0f}{raw['errors']:>8.0f}"
    )
    C.log(
        f"rows written per renewal: {rows / max(engine['ops'], 1):.1f} "
        f"(applications, history, audit, versions, documents, notices, fee orders, jobs)"
    )
    C.log(f"engine vs raw inserts: {engine['rate'] / raw['rate']:.3f}x the throughput")
    C.log(
        f"all completed: {engine['completed'] == engine['ops']}; audit chain "
        f"{'INTACT' if verified.ok else 'BROKEN'} ({verified.rows_checked} rows)"
    )
    for kind, count in sorted(engine.get("kinds", {}).items()):  # type: ignore[union-attr]
        C.log(f"  error x{count}: {kind}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
