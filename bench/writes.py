"""Registry writes through their service, audit chain ON against OFF, in the same run.

    .venv/bin/python bench/writes.py [--threads 16] [--rounds 3] [--duration 10]
                                     [--service status|contact] [--db jiaoguan_bench]

16 writer threads in this process (Django set up here, production settings on the bench
PostgreSQL database; each thread has its own connection) call
``registry.services.vehicle_status_change`` (mortgage / release_mortgage alternating on each
thread's own vehicles) or ``person_contact_update`` back to back. Rounds alternate ON and OFF
(ABBA order); the medians are reported. Afterwards the audit chains are verified.

Audit OFF = ``jiaoguan.registry.services.audit_record`` is swapped, between rounds, for a stub
that returns an unsaved ``AuditEvent(partition=0, seq=0)``: no head lock, no digests, no
chain hash, no audit INSERT, no head UPDATE. Everything else the service does is unchanged and
runs for real (row lock, validation, snapshots, the registry UPDATE and the RecordVersion
history row — which in OFF rounds points at audit row 0:0, acceptable on a bench database).
So ON − OFF is exactly the cost of the audit chain.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import _common as C


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--threads", type=int, default=16, help="concurrent writer threads")
    p.add_argument("--rounds", type=int, default=3, help="rounds of each of ON and OFF")
    p.add_argument("--duration", type=float, default=10, help="seconds per round")
    p.add_argument("--warmup", type=float, default=3, help="seconds of unmeasured ON writes")
    p.add_argument("--service", choices=["status", "contact"], default="status")
    p.add_argument("--pool", type=int, default=32, help="records per thread")
    p.add_argument("--db", default=C.DEFAULT_DB)
    p.add_argument(
        "--min-vehicles",
        type=int,
        default=20_000,
        help="vehicles to load if the database is missing or smaller",
    )
    p.add_argument("--no-verify", action="store_true")
    p.add_argument(
        "--cpu-calls",
        type=int,
        default=150,
        help="single-threaded calls per mode for the CPU-per-call line (0: skip)",
    )
    return p.parse_args()


class Bench:
    def __init__(self, ns: argparse.Namespace) -> None:
        from jiaoguan.audit.services import Actor

        self.ns = ns
        self.actor = Actor(ref="bench-writer", label="bench writer", role="counter_clerk")
        self.barrier = threading.Barrier(ns.threads + 1)
        self.stop = False
        self.t_start = self.t_end = 0.0
        self.lat: list[list[float]] = [[] for _ in range(ns.threads)]
        self.err = [0] * ns.threads
        self.err_samples: list[str] = []

    # one write through the service
    def _write_status(self, item: list[object]) -> None:
        from jiaoguan.kernel.errors import Conflict
        from jiaoguan.registry import services
        from jiaoguan.registry.models import Vehicle

        vehicle, status = item
        command = "mortgage" if status == "normal" else "release_mortgage"
        try:
            updated = services.vehicle_status_change(
                actor=self.actor,
                vehicle=vehicle,  # type: ignore[arg-type]
                command=command,
                reason="bench: 抵押登记" if command == "mortgage" else "bench: 解除抵押",
                permissions={"registry.change_vehicle_status"},
            )
            item[1] = updated.status
        except Conflict:
            item[1] = Vehicle.objects.values_list("status", flat=True).get(pk=vehicle.pk)  # type: ignore[attr-defined]
            raise

    def _write_contact(self, item: list[object], rng: random.Random) -> None:
        from jiaoguan.registry import services

        services.person_contact_update(
            actor=self.actor,
            person=item[0],  # type: ignore[arg-type]
            phone=f"139{rng.randrange(10**8):08d}",
            address=f"bench 路{rng.randrange(1, 999)}号",
        )

    def worker(self, i: int, items: list[list[object]]) -> None:
        from django.db import connection

        rng = random.Random(i)
        k = 0
        try:
            while True:
                self.barrier.wait()
                if self.stop:
                    return
                lat, t_start, t_end = self.lat[i], self.t_start, self.t_end
                while True:
                    t0 = time.time()
                    if t0 >= t_end or self.stop:
                        break
                    item = items[k % len(items)]
                    k += 1
                    p0 = time.perf_counter()
                    ok = True
                    try:
                        if self.ns.service == "status":
                            self._write_status(item)
                        else:
                            self._write_contact(item, rng)
                    except Exception as exc:
                        ok = False
                        if len(self.err_samples) < 5:
                            self.err_samples.append(f"{type(exc).__name__}: {exc}")
                    p1 = time.perf_counter()
                    if t0 >= t_start:
                        if ok:
                            lat.append(p1 - p0)
                        else:
                            self.err[i] += 1
                self.barrier.wait()
        except threading.BrokenBarrierError:
            return
        finally:
            connection.close()

    def run_round(self, warmup: float, duration: float) -> dict[str, float]:
        self.lat = [[] for _ in range(self.ns.threads)]
        self.err = [0] * self.ns.threads
        self.t_start = time.time() + 0.2 + warmup
        self.t_end = self.t_start + duration
        self.barrier.wait()  # go
        self.barrier.wait(timeout=duration + warmup + 120)  # all threads done
        lat = [x for xs in self.lat for x in xs]
        return {
            "writes": len(lat),
            "wps": len(lat) / duration,
            "p50_ms": C.pct(lat, 50) * 1000,
            "p99_ms": C.pct(lat, 99) * 1000,
            "errors": sum(self.err),
        }


def main() -> int:
    ns = parse()
    C.install_cleanup()
    t_all = time.monotonic()
    print(
        f"== bench/writes.py: {ns.service} writes, {ns.threads} writer threads, "
        f"{ns.rounds} x {ns.duration:g} s per mode (ABBA), database {ns.db}",
        flush=True,
    )
    needed = ns.threads * ns.pool
    if C.vehicle_count(ns.db) < max(needed, 1):
        C.ensure_database(ns.db, max(ns.min_vehicles, needed), fresh=False)
    C.setup_django_in_process(ns.db)
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count

    import jiaoguan.registry.services as registry_services
    from jiaoguan.audit.models import AuditEvent
    from jiaoguan.audit.selectors import audit_verify
    from jiaoguan.kernel import clock
    from jiaoguan.registry.models import Person, Vehicle

    real_audit_record = registry_services.audit_record

    def audit_off(**kwargs: object) -> AuditEvent:
        """The audit chain switched off: an unsaved event for the history row, nothing else."""
        return AuditEvent(partition=0, seq=0, created_at=clock.now())

    impl = {"ON": real_audit_record, "OFF": audit_off}
    if ns.service == "status":
        rows = list(
            Vehicle.objects.filter(status__in=["normal", "mortgaged"])
            .order_by("?")
            .only("id", "status")[:needed]
        )
        items = [[v, v.status] for v in rows]
    else:
        items = [[p, None] for p in Person.objects.order_by("?").only("id")[:needed]]
    if len(items) < needed:
        raise SystemExit(f"need {needed} records, found {len(items)}")
    connection.close()
    bench = Bench(ns)
    cpu: dict[str, float] = {}
    if ns.cpu_calls:
        # single-threaded CPU per call of each mode, interleaved call by call so that this
        # box's drifting CPU speed weighs on every mode alike (first 20 calls: warm-up)
        one = items[: min(len(items), 60)]
        cpu = dict.fromkeys(impl, 0.0)
        for k in range(ns.cpu_calls + 20):
            for mode, fn in impl.items():
                registry_services.audit_record = fn
                item = one[(k * len(impl) + list(impl).index(mode)) % len(one)]
                c0 = time.process_time()
                try:
                    if ns.service == "status":
                        bench._write_status(item)
                    else:
                        bench._write_contact(item, random.Random(k))
                except Exception:  # noqa: S110
                    pass
                if k >= 20:
                    cpu[mode] += time.process_time() - c0
        cpu = {m: v * 1000 / ns.cpu_calls for m, v in cpu.items()}
        registry_services.audit_record = real_audit_record
        connection.close()
        print(
            "  single-thread CPU per call (ms, this process): "
            + ", ".join(f"{m} {v:.2f}" for m, v in cpu.items()),
            flush=True,
        )
    threads = [
        threading.Thread(
            target=bench.worker, args=(i, items[i * ns.pool : (i + 1) * ns.pool]), daemon=True
        )
        for i in range(ns.threads)
    ]
    for t in threads:
        t.start()

    def max_audit_id() -> int:
        return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    results: dict[str, list[dict[str, float]]] = {m: [] for m in impl}
    partitions: dict[int, int] = {}
    try:
        if ns.warmup > 0:
            registry_services.audit_record = real_audit_record
            w = bench.run_round(0, ns.warmup)
            print(f"  warm-up (ON, not counted): {w['wps']:.0f} writes/s", flush=True)
        order = []
        for r in range(ns.rounds):
            order += list(impl) if r % 2 == 0 else list(reversed(impl))
        for n, mode in enumerate(order, 1):
            registry_services.audit_record = impl[mode]
            before = max_audit_id()
            res = bench.run_round(0.5, ns.duration)
            if mode == "ON":
                for part, cnt in (
                    AuditEvent.objects.filter(
                        id__gt=before,
                        action__startswith=("vehicle." if ns.service == "status" else "person."),
                    )
                    .values_list("partition")
                    .annotate(n=Count("id"))
                ):
                    partitions[part] = partitions.get(part, 0) + cnt
            elif mode == "OFF":
                res["audit_rows_written"] = max_audit_id() - before
            results[mode].append(res)
            print(
                f"  round {n} audit {mode:<5} {res['wps']:>7.0f} writes/s  "
                f"p50 {res['p50_ms']:.1f} ms  p99 {res['p99_ms']:.1f} ms  "
                f"errors {res['errors']}",
                flush=True,
            )
    finally:
        registry_services.audit_record = real_audit_record
        bench.stop = True  # running rounds end at the next call
        bench.barrier.abort()  # waiting threads wake up and close their connections
        for t in threads:
            t.join(timeout=30)
    if bench.err_samples:
        print("  sample errors:", *bench.err_samples, sep="\n    ")
    if any(r.get("audit_rows_written") for r in results["OFF"]):
        print(
            "  WARNING: audit rows were written during OFF rounds (someone else writes to "
            "this database?)"
        )

    s = {
        m: {
            "wps": C.median([r["wps"] for r in rs]),
            "p50": C.median([r["p50_ms"] for r in rs]),
            "p99": C.median([r["p99_ms"] for r in rs]),
            "errors": sum(int(r["errors"]) for r in rs),
        }
        for m, rs in results.items()
    }
    cost = (1 - s["ON"]["wps"] / s["OFF"]["wps"]) * 100 if s["OFF"]["wps"] else float("nan")
    what = (
        "vehicle_status_change (mortgage/release_mortgage)"
        if ns.service == "status"
        else "person_contact_update"
    )
    print()
    print(
        f"Registry writes: {what}, {ns.threads} threads, median of {ns.rounds} x "
        f"{ns.duration:g} s rounds per mode (ABBA), PostgreSQL, 2 CPUs shared with the writers"
    )
    print(
        f"{'audit chain':<14}{'writes/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"
        "   rounds (writes/s)"
    )
    for m in results:
        per_round = ", ".join(f"{r['wps']:.0f}" for r in results[m])
        print(
            f"{m:<14}{s[m]['wps']:>10.0f}{s[m]['p50']:>9.1f}{s[m]['p99']:>9.1f}"
            f"{s[m]['errors']:>8}   {per_round}"
        )
    verdict = "within" if cost < 20 else "OVER"
    print(
        f"audit cost: {cost:.1f}% of throughput ({verdict} the 20% target); "
        f"p99 {s['ON']['p99'] / s['OFF']['p99']:.2f}x"
    )
    used = sorted(partitions)
    counts = sorted(partitions.values())
    print(
        f"partitions used by the ON rounds: {len(used)} of {settings.AUDIT_PARTITIONS} "
        f"(rows per partition: min {counts[0] if counts else 0}, "
        f"median {C.median(counts):.0f}, max {counts[-1] if counts else 0})"
    )

    verify = {}
    if not ns.no_verify:
        t0 = time.perf_counter()
        vr = audit_verify()
        dt = time.perf_counter() - t0
        verify = {
            "ok": vr.ok,
            "rows": vr.rows_checked,
            "anchors": vr.anchors_checked,
            "seconds": dt,
            "first_break": str(vr.first_break or ""),
        }
        state = "INTACT" if vr.ok else f"BROKEN at {vr.first_break}"
        print(
            f"audit_verify(): chain {state}; {vr.rows_checked:,} rows and "
            f"{vr.anchors_checked} anchors in {dt:.2f} s = {vr.rows_checked / dt:,.0f} rows/s"
        )
    C.RESULTS.mkdir(parents=True, exist_ok=True)
    out = C.RESULTS / f"writes-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(
        json.dumps(
            {
                "args": vars(ns),
                "summary": s,
                "rounds": results,
                "cost_pct": cost,
                "partitions": partitions,
                "cpu_ms": cpu,
                "verify": verify,
            },
            indent=2,
        )
    )
    print(f"raw figures: {out.relative_to(C.ROOT)}  (total {time.monotonic() - t_all:.0f} s)")
    return 0 if (not verify or verify["ok"]) else 1


if __name__ == "__main__":
    sys.exit(main())
