"""An exam day rushed: N applicants booking the last places of one plan at once, beside the raw
database throughput of the same place-taking statement, in the same run.

    .venv/bin/python bench/exams.py [--applicants 1000] [--places 100] [--workers 24]
                                    [--db jiaoguan_bench_exams]

The database ``--db`` (its own, default ``jiaoguan_bench_exams``) is rebuilt and migrated on
every run, then ``--applicants`` persons (Nanjing households) each open a C1 application
through ``exams.services.licence_application_start``.

Service phase: a 科目一 plan with ``--places`` places left; ``--workers`` threads (one
PostgreSQL connection each) take applicants from a shared queue and call the real
``booking_request`` (application lock, rules, the conditional ``UPDATE … WHERE booked <
capacity``, the booking row, its history and audit rows). Figures: requests/s, p50/p99 of one
request, and the outcome: exactly ``--places`` booked, the rest queued, the counter at capacity
(**overbooked** must be 0).

Raw phase: the same statement (``UPDATE exams_examplan SET booked = booked + 1 WHERE id = %s
AND booked < capacity``) run with psycopg (prepared, autocommit) by the same threads, one per
applicant, on a second plan with the same places: the database's own ceiling for taking a
place on this box, and its overbooking (must be 0).
"""

from __future__ import annotations

import argparse
import datetime as dt
import queue
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import _common as C

RAW_SQL = (
    "UPDATE exams_examplan SET booked = booked + 1 WHERE id = %s AND booked < capacity "
    "RETURNING booked"
)


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--applicants", type=int, default=1000)
    p.add_argument("--places", type=int, default=100)
    p.add_argument("--workers", type=int, default=24, help="threads (one connection each)")
    p.add_argument("--db", default="jiaoguan_bench_exams")
    return p.parse_args()


class Principal:
    """A signed-in applicant or the site's staff, as the services see a principal."""

    is_authenticated = True
    kind = "staff"

    def __init__(self, *, person_id: int | None = None, org: Any = None, perms: tuple = ()):
        self.person_id = person_id
        self.organisation_id = org.pk if org is not None else None
        self.organisation = org
        self.region_scope = "32"
        self._perms = perms

    def has_perm(self, perm: str, obj: object = None) -> bool:
        return perm in self._perms


def prepare(ns: argparse.Namespace) -> tuple[list[Any], Any, Any]:
    from jiaoguan.audit.services import Actor
    from jiaoguan.exams import services
    from jiaoguan.exams.models import ExamPlan
    from jiaoguan.kernel import clock
    from jiaoguan.kernel.idnumber import IdNumber
    from jiaoguan.kernel.uscc import USCC
    from jiaoguan.registry import services as registry
    from jiaoguan.registry.constants import OrganisationKind

    t0 = time.monotonic()
    actor = Actor(ref="bench-exams", label="bench exams", role="administrator")
    org = registry.organisation_create(
        actor=actor,
        uscc=str(USCC.generate("320102", "88000001")),
        name="南京市机动车驾驶人考场（压测）",
        kind=OrganisationKind.EXAM_SITE,
        region_code="320102",
    )
    manager = Principal(perms=("exams.manage_exam_sites",))
    site = services.exam_site_create(
        actor=actor,
        principal=manager,
        organisation=org,
        subjects=[1],
        classes=["C1"],
        examiners=["考官01", "考官02"],
    )
    staff = Principal(org=org, perms=("exams.operate_exam_site",))
    day = clock.today() + dt.timedelta(days=10)
    plans = []
    for offset in (0, 1):
        plan = services.plan_publish(
            actor=actor,
            principal=staff,
            site=site,
            exam_date=day + dt.timedelta(days=offset),
            subject=1,
            capacity=ns.places * 3,
        )
        ExamPlan.objects.filter(pk=plan.pk).update(booked=ns.places * 2)  # the last places
        plans.append(plan)
    apps = []
    for n in range(ns.applicants):
        number = str(IdNumber.generate("320102", dt.date(1990, 1, 1) + dt.timedelta(days=n), n))
        person = registry.person_create(actor=actor, name=f"压测{n}", id_number=number)
        apps.append(
            (
                services.licence_application_start(
                    actor=actor,
                    principal=Principal(person_id=person.pk),
                    person=person,
                    licence_class="C1",
                    office_region="320102",
                ),
                Principal(person_id=person.pk),
            )
        )
    C.log(
        f"prepared in {time.monotonic() - t0:.1f} s: {len(apps):,} applications, two plans "
        f"with {ns.places} places left of {ns.places * 3}"
    )
    return apps, plans[0], plans[1]


def service_phase(ns: argparse.Namespace, apps: list[Any], plan: Any) -> dict[str, Any]:
    from django.db import connection

    from jiaoguan.audit.services import Actor
    from jiaoguan.exams import services

    todo: queue.Queue[Any] = queue.Queue()
    for item in apps:
        todo.put(item)
    lat: list[float] = []
    outcomes: dict[str, int] = {}
    samples: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(ns.workers + 1)

    def worker() -> None:
        try:
            barrier.wait()
            while True:
                try:
                    app, who = todo.get_nowait()
                except queue.Empty:
                    return
                t0 = time.perf_counter()
                try:
                    b = services.booking_request(
                        actor=Actor(ref=str(app.public_id), label="bench applicant"),
                        principal=who,
                        application=app,
                        plan=plan,
                    )
                    outcome = b.state
                except Exception as exc:
                    outcome = "error"
                    with lock:
                        if len(samples) < 5:
                            samples.append(f"{type(exc).__name__}: {exc}")
                t1 = time.perf_counter()
                with lock:
                    lat.append(t1 - t0)
                    outcomes[outcome] = outcomes.get(outcome, 0) + 1
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(ns.workers)]
    wall = C.run_released(threads, barrier)
    return {
        "requests": len(lat),
        "wall_s": wall,
        "per_s": len(lat) / wall,
        "p50_ms": C.pct(lat, 50) * 1000,
        "p99_ms": C.pct(lat, 99) * 1000,
        "outcomes": outcomes,
        "samples": samples,
    }


def raw_phase(ns: argparse.Namespace, plan: Any) -> dict[str, Any]:
    import psycopg

    todo: queue.Queue[int] = queue.Queue()
    for i in range(ns.applicants):
        todo.put(i)
    lat: list[float] = []
    won: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(ns.workers + 1)

    def worker() -> None:
        with psycopg.connect(C.dsn(ns.db), autocommit=True) as conn:
            barrier.wait()
            while True:
                try:
                    todo.get_nowait()
                except queue.Empty:
                    return
                t0 = time.perf_counter()
                row = conn.execute(RAW_SQL, (plan.pk,), prepare=True).fetchone()
                t1 = time.perf_counter()
                with lock:
                    lat.append(t1 - t0)
                    if row is not None:
                        won.append(int(row[0]))

    threads = [threading.Thread(target=worker) for _ in range(ns.workers)]
    wall = C.run_released(threads, barrier)
    return {
        "requests": len(lat),
        "wall_s": wall,
        "per_s": len(lat) / wall,
        "p50_ms": C.pct(lat, 50) * 1000,
        "p99_ms": C.pct(lat, 99) * 1000,
        "won": len(won),
        "counter_values_twice": len(won) - len(set(won)),
    }


def main() -> int:
    ns = parse()
    C.install_cleanup()
    t_all = time.monotonic()
    C.log(
        f"== bench/exams.py: {ns.applicants:,} applicants, {ns.places} places left, "
        f"{ns.workers} threads, database {ns.db}"
    )
    C.ensure_database(ns.db, 0, fresh=True)
    C.setup_django_in_process(ns.db)
    from jiaoguan.exams.models import Booking, ExamPlan

    apps, service_plan, raw_plan = prepare(ns)
    s = service_phase(ns, apps, service_plan)
    r = raw_phase(ns, raw_plan)
    cap = ExamPlan.objects.get(pk=service_plan.pk)
    booked = Booking.objects.filter(plan=service_plan, state="booked").count()
    overbooked = max(0, booked - ns.places) + max(0, cap.booked - cap.capacity)
    raw_cap = ExamPlan.objects.get(pk=raw_plan.pk)
    raw_over = max(0, r["won"] - ns.places) + r["counter_values_twice"]
    C.log("")
    C.log(f"{'mode':<40}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'placed':>8}{'over':>6}")
    C.log(
        f"{'service booking_request (audited)':<40}{s['per_s']:>8.0f}{s['p50_ms']:>9.1f}"
        f"{s['p99_ms']:>9.1f}{booked:>8}{overbooked:>6}"
    )
    C.log(
        f"{'raw conditional UPDATE (psycopg)':<40}{r['per_s']:>8.0f}{r['p50_ms']:>9.2f}"
        f"{r['p99_ms']:>9.2f}{r['won']:>8}{raw_over:>6}"
    )
    C.log("")
    C.log(
        f"service outcomes {s['outcomes']} in {s['wall_s']:.1f} s; plan counter "
        f"{cap.booked}/{cap.capacity}; raw counter {raw_cap.booked}/{raw_cap.capacity}"
    )
    for line in s["samples"]:
        C.log(f"  error sample: {line}")
    C.log(f"service req/s = {s['per_s'] / r['per_s']:.1%} of the raw statement's")
    C.log(f"total {time.monotonic() - t_all:.0f} s")
    return 1 if overbooked or raw_over or s["outcomes"].get("error") else 0


if __name__ == "__main__":
    sys.exit(main())
