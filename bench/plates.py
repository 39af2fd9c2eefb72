"""Plate selection under a rush: N applicants drawing and picking from one pool at once,
beside the raw database throughput of the same claiming statement, in the same run.

    .venv/bin/python bench/plates.py [--applicants 1000] [--workers 24] [--pattern Q####]
                                     [--db jiaoguan_bench]

Service phase: ``--applicants`` selection rights (existing bench persons, fresh VINs) on one
pool (苏Z, ordinary, one released batch generated from ``--pattern``: 10,000 numbers by
default). ``--workers`` threads (one PostgreSQL connection each; 1,000 connections would
exceed the server's limit) take applicants from a shared queue and play each one through the
real services: ``draw_make`` (10 random candidates, the open algorithm, snapshot and audit)
then ``plate_pick`` of the candidate everyone prefers (fewest distinct digits, then the
lowest: "good" numbers are wanted by many); a ``number_taken`` refusal makes the applicant
pick their next preference, and after all ten, draw again. Figures: picks/s (successful
reservations per second of wall time), p50/p99 of one ``plate_pick`` call and of one whole
applicant (draws and picks until a number is held), refusals, and **double allocations**:
numbers with more than one live reservation, reserved numbers without exactly one active
reservation, and numbers two applicants were both told they hold (must all be 0).

Raw phase: the same claiming statement (``services._CLAIM_SQL``: ``UPDATE … WHERE id =
(SELECT … FOR UPDATE SKIP LOCKED) RETURNING id``) run directly with psycopg (prepared) by the
same number of threads on a second pool (苏Y, same pattern). Each raw applicant takes ten
random numbers and claims the preferred one, the next on a miss, as in the service phase,
until 5,000 claims (at least as many as the service made, at most half the pool) are made:
the database's own ceiling for the claim on this box, and its double allocations (a number
returned twice).
"""

from __future__ import annotations

import argparse
import datetime as dt
import queue
import random
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import _common as C

SERVICE_PREFIX, RAW_PREFIX = "苏Z", "苏Y"


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--applicants", type=int, default=1000)
    p.add_argument("--workers", type=int, default=24, help="threads (one connection each)")
    p.add_argument("--pattern", default="Q####", help="batch pattern (# digit, @ letter)")
    p.add_argument("--db", default=C.DEFAULT_DB)
    return p.parse_args()


def preference(number: str) -> tuple[int, str]:
    """What applicants want: fewest distinct characters in the serial, then the lowest."""
    return (len(set(number[2:])), number)


def prepare(ns: argparse.Namespace) -> tuple[Any, Any, list[Any]]:
    from django.core.management import call_command
    from django.db import connection

    from jiaoguan.audit.services import Actor
    from jiaoguan.demo.seed import make_vin
    from jiaoguan.plates import services
    from jiaoguan.registry.models import Person

    call_command("migrate", "plates", verbosity=0)
    t0 = time.monotonic()
    with connection.cursor() as cur:  # the previous run's bench pools, children first
        pools = "(SELECT id FROM plates_numberpool WHERE prefix IN (%s, %s))"
        args = [SERVICE_PREFIX, RAW_PREFIX]
        of_rights = "(SELECT id FROM plates_selectionright WHERE prefix IN (%s, %s))"
        for sql in (
            f"DELETE FROM plates_selectionblock WHERE reservation_id IN "
            f"(SELECT id FROM plates_reservation WHERE right_id IN {of_rights})",
            f"DELETE FROM plates_reservation WHERE right_id IN {of_rights}",
            f"DELETE FROM plates_draw WHERE right_id IN {of_rights}",
            "DELETE FROM plates_selectionright WHERE prefix IN (%s, %s)",
            f"DELETE FROM plates_platenumber WHERE pool_id IN {pools}",
            f"DELETE FROM plates_batch WHERE pool_id IN {pools}",
            f"DELETE FROM plates_drawwindow WHERE pool_id IN {pools}",
            "DELETE FROM plates_numberpool WHERE prefix IN (%s, %s)",
        ):
            cur.execute(sql, args)
    actor = Actor(ref="bench-plates", label="bench plates", role="administrator")
    out = []
    for prefix in (SERVICE_PREFIX, RAW_PREFIX):
        pool = services.pool_create(actor=actor, prefix=prefix, kind="ordinary", scope="32")
        batch = services.batch_create(actor=actor, pool=pool, label="bench", pattern=ns.pattern)
        services.batch_release(actor=actor, batch=batch)
        out.append(pool)
    persons = list(Person.objects.order_by("id")[: ns.applicants])
    if len(persons) < ns.applicants:
        raise SystemExit(f"{ns.db} holds {len(persons)} persons: run bench/lookup.py once first")
    rights = [
        services.selection_right_grant(
            actor=actor,
            person=p,
            vin=make_vin(random.Random(i), 800_000 + i, 2025),
            prefix=SERVICE_PREFIX,
            kind="ordinary",
            scope="32",
        )
        for i, p in enumerate(persons)
    ]
    C.log(
        f"prepared in {time.monotonic() - t0:.1f} s: pools {SERVICE_PREFIX} and {RAW_PREFIX} of "
        f"{out[0].batches.get().size:,} numbers each, {len(rights):,} selection rights"
    )
    return out[0], out[1], rights


def service_phase(ns: argparse.Namespace, rights: list[Any]) -> dict[str, Any]:
    from django.db import connection

    from jiaoguan.audit.services import Actor
    from jiaoguan.kernel.errors import Conflict
    from jiaoguan.plates import services

    todo: queue.Queue[Any] = queue.Queue()
    for r in rights:
        todo.put(r)
    pick_lat: list[float] = []
    applicant_lat: list[float] = []
    held: list[tuple[int, str]] = []
    counts = {"draws": 0, "taken": 0, "errors": 0}
    samples: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(ns.workers + 1)

    def play(right: Any, acting: services.Acting) -> None:
        a0 = time.perf_counter()
        for _ in range(services.current_policy().draws_per_right):
            draw = services.draw_make(acting=acting, right=right)
            with lock:
                counts["draws"] += 1
            for number in sorted(draw.candidates, key=preference):
                p0 = time.perf_counter()
                try:
                    services.plate_pick(acting=acting, right=right, draw=draw, number=number)
                except Conflict as exc:
                    if exc.code != "number_taken":
                        raise
                    with lock:
                        counts["taken"] += 1
                    continue
                p1 = time.perf_counter()
                with lock:
                    pick_lat.append(p1 - p0)
                    applicant_lat.append(p1 - a0)
                    held.append((right.pk, number))
                return

    def worker() -> None:
        try:
            barrier.wait()
            while True:
                try:
                    right = todo.get_nowait()
                except queue.Empty:
                    return
                acting = services.Acting(
                    Actor(ref=str(right.person_id), label="bench applicant"), "online"
                )
                try:
                    play(right, acting)
                except Exception as exc:
                    with lock:
                        counts["errors"] += 1
                        if len(samples) < 5:
                            samples.append(f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(ns.workers)]
    wall = C.run_released(threads, barrier)
    numbers = [n for _, n in held]
    return {
        "picks": len(held),
        "wall_s": wall,
        "picks_per_s": len(held) / wall,
        "pick_p50_ms": C.pct(pick_lat, 50) * 1000,
        "pick_p99_ms": C.pct(pick_lat, 99) * 1000,
        "applicant_p50_ms": C.pct(applicant_lat, 50) * 1000,
        "applicant_p99_ms": C.pct(applicant_lat, 99) * 1000,
        "told_twice": len(numbers) - len(set(numbers)),
        "samples": samples,
        **counts,
    }


def db_double_allocations(pool: Any) -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM (SELECT r.number_id FROM plates_reservation r "
            "JOIN plates_platenumber n ON n.id = r.number_id WHERE n.pool_id = %s "
            "AND r.state IN ('active', 'confirmed') GROUP BY r.number_id HAVING count(*) > 1) x",
            [pool.pk],
        )
        multi = int(cur.fetchone()[0])
        cur.execute(
            "SELECT count(*) FROM plates_platenumber n WHERE n.pool_id = %s AND "
            "(n.state = 'reserved') <> EXISTS (SELECT 1 FROM plates_reservation r "
            "WHERE r.number_id = n.id AND r.state = 'active')",
            [pool.pk],
        )
        inconsistent = int(cur.fetchone()[0])
    return {"live_twice": multi, "state_mismatch": inconsistent}


def raw_phase(ns: argparse.Namespace, pool: Any, target: int) -> dict[str, Any]:
    import psycopg

    from jiaoguan.plates.models import PlateNumber
    from jiaoguan.plates.services import _CLAIM_SQL

    numbers = list(PlateNumber.objects.filter(pool=pool).values_list("number", flat=True))
    target = min(len(numbers) // 2, max(target, 5000))
    now = dt.datetime.now(dt.UTC)
    claimed: list[int] = []
    lat: list[float] = []
    statements = [0] * ns.workers
    lock = threading.Lock()
    barrier = threading.Barrier(ns.workers + 1)
    done = threading.Event()

    def worker(i: int) -> None:
        rng = random.Random(i)
        with psycopg.connect(C.dsn(ns.db), autocommit=True) as conn:
            barrier.wait()
            while not done.is_set():
                # one applicant as in the service phase: ten random numbers, the preferred
                # one first, the next on a miss
                p0 = time.perf_counter()
                for number in sorted(rng.sample(numbers, 10), key=preference):
                    row = conn.execute(
                        _CLAIM_SQL, ("reserved", now, number, pool.pk, "available"), prepare=True
                    ).fetchone()
                    statements[i] += 1
                    if row is not None:
                        break
                else:
                    continue
                p1 = time.perf_counter()
                with lock:
                    claimed.append(int(row[0]))
                    lat.append(p1 - p0)
                    if len(claimed) >= target:
                        done.set()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(ns.workers)]
    wall = C.run_released(threads, barrier)
    return {
        "claims": len(claimed),
        "wall_s": wall,
        "claims_per_s": len(claimed) / wall,
        "p50_ms": C.pct(lat, 50) * 1000,
        "p99_ms": C.pct(lat, 99) * 1000,
        "returned_twice": len(claimed) - len(set(claimed)),
        "statements_per_s": sum(statements) / wall,
    }


def main() -> int:
    ns = parse()
    C.install_cleanup()
    t_all = time.monotonic()
    C.log(
        f"== bench/plates.py: {ns.applicants:,} applicants, {ns.workers} threads, "
        f"pattern {ns.pattern}, database {ns.db}"
    )
    if not C.database_exists(ns.db):
        C.ensure_database(ns.db, 0, fresh=False)
    C.setup_django_in_process(ns.db)
    service_pool, raw_pool, rights = prepare(ns)
    s = service_phase(ns, rights)
    doubles = db_double_allocations(service_pool)
    r = raw_phase(ns, raw_pool, s["picks"] or ns.applicants)
    double_total = s["told_twice"] + doubles["live_twice"] + doubles["state_mismatch"]
    C.log("")
    C.log(f"{'mode':<34}{'picks/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'picks':>8}{'doubles':>9}")
    C.log(
        f"{'service (draw + pick, audited)':<34}{s['picks_per_s']:>9.0f}{s['pick_p50_ms']:>9.1f}"
        f"{s['pick_p99_ms']:>9.1f}{s['picks']:>8}{double_total:>9}"
    )
    C.log(
        f"{'raw claim statement (psycopg)':<34}{r['claims_per_s']:>9.0f}{r['p50_ms']:>9.2f}"
        f"{r['p99_ms']:>9.2f}{r['claims']:>8}{r['returned_twice']:>9}"
    )
    C.log("")
    C.log(
        f"raw: {r['statements_per_s']:.0f} claiming statements/s, of which "
        f"{r['claims_per_s']:.0f}/s won a number (the rest found it taken: contention)"
    )
    C.log(
        f"service: {s['picks']:,} of {ns.applicants:,} applicants hold a number after "
        f"{s['draws']:,} draws and {s['taken']:,} 'number_taken' refusals in {s['wall_s']:.1f} s; "
        f"one applicant (draws and picks until held) p50 {s['applicant_p50_ms']:.0f} ms, "
        f"p99 {s['applicant_p99_ms']:.0f} ms; errors {s['errors']}"
    )
    for line in s["samples"]:
        C.log(f"  error sample: {line}")
    C.log(
        f"double allocations: told twice {s['told_twice']}, live twice {doubles['live_twice']}, "
        f"state mismatch {doubles['state_mismatch']}, raw claims returned twice "
        f"{r['returned_twice']}"
    )
    C.log(
        f"service picks/s = {s['picks_per_s'] / r['claims_per_s']:.1%} of the raw claim's "
        f"(each service pick also includes its share of a draw: snapshot, hash, audit)"
    )
    C.log(f"total {time.monotonic() - t_all:.0f} s")
    return 1 if double_total or r["returned_twice"] else 0


if __name__ == "__main__":
    sys.exit(main())
