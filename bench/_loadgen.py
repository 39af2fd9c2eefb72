"""Closed-loop load generator, run as its own process (never inside the server under test).

    python bench/_loadgen.py http --port P --path-prefix /api/v1/vehicles?plate= \
        --plates FILE [--header 'Authorization: Bearer …'] --concurrency 16 --procs 2 ...
    python bench/_loadgen.py sql --dsn DSN --sql-file FILE --plates FILE --concurrency 16 ...

``concurrency`` clients (threads, spread over ``procs`` processes so that one interpreter's
GIL does not cap the client) each keep one connection (HTTP/1.1 keep-alive, or one PostgreSQL
connection with a server-side prepared statement) and send requests back to back with random
plates. Requests started during ``warmup`` are not counted; the measurement window is
``duration`` seconds. Prints one JSON line: requests, errors, requests/s, p50/p99 in ms.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import random
import threading
import time
import urllib.parse


def _http_client(
    ns: argparse.Namespace,
    plates: list[str],
    t_start: float,
    t_end: float,
    out: list[float],
    errors: list[int],
    seed: int,
) -> None:
    rng = random.Random(seed)
    headers = {}
    for h in ns.header or []:
        k, _, v = h.partition(":")
        headers[k.strip()] = v.strip()
    conn = http.client.HTTPConnection("127.0.0.1", ns.port, timeout=30)
    prefix = ns.path_prefix
    while True:
        path = prefix + urllib.parse.quote(rng.choice(plates), safe="")
        t0 = time.time()
        if t0 >= t_end:
            break
        p0 = time.perf_counter()
        ok = False
        try:
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            resp.read()
            ok = resp.status == 200
            if resp.getheader("connection", "").lower() == "close":
                conn.close()
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", ns.port, timeout=30)
        p1 = time.perf_counter()
        if t0 >= t_start and time.time() <= t_end:
            if ok:
                out.append(p1 - p0)
            else:
                errors[0] += 1
    conn.close()


def _sql_client(
    ns: argparse.Namespace,
    plates: list[str],
    t_start: float,
    t_end: float,
    out: list[float],
    errors: list[int],
    seed: int,
) -> None:
    import psycopg

    rng = random.Random(seed)
    with open(ns.sql_file, encoding="utf-8") as f:
        sql = f.read()
    with psycopg.connect(ns.dsn, autocommit=True) as conn:
        cur = conn.cursor()
        while True:
            plate = rng.choice(plates)
            t0 = time.time()
            if t0 >= t_end:
                break
            p0 = time.perf_counter()
            ok = False
            try:
                cur.execute(sql, (plate,), prepare=True)
                ok = cur.fetchone() is not None
            except psycopg.Error:
                pass
            p1 = time.perf_counter()
            if t0 >= t_start and time.time() <= t_end:
                if ok:
                    out.append(p1 - p0)
                else:
                    errors[0] += 1


def _proc(
    ns: argparse.Namespace,
    plates: list[str],
    threads: int,
    t_start: float,
    t_end: float,
    seed: int,
    q: mp.Queue,
) -> None:  # type: ignore[type-arg]
    target = _http_client if ns.kind == "http" else _sql_client
    outs: list[list[float]] = [[] for _ in range(threads)]
    errs: list[list[int]] = [[0] for _ in range(threads)]
    ts = [
        threading.Thread(
            target=target, args=(ns, plates, t_start, t_end, outs[i], errs[i], seed * 1000 + i)
        )
        for i in range(threads)
    ]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    q.put(([x for o in outs for x in o], sum(e[0] for e in errs)))


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("kind", choices=["http", "sql"])
    p.add_argument("--port", type=int)
    p.add_argument("--path-prefix")
    p.add_argument("--header", action="append")
    p.add_argument("--dsn")
    p.add_argument("--sql-file")
    p.add_argument("--plates", required=True)
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--procs", type=int, default=2)
    p.add_argument("--warmup", type=float, default=3)
    p.add_argument("--duration", type=float, default=15)
    ns = p.parse_args()
    with open(ns.plates, encoding="utf-8") as f:
        plates = [line.strip() for line in f if line.strip()]
    procs = max(1, min(ns.procs, ns.concurrency))
    per = [ns.concurrency // procs + (1 if i < ns.concurrency % procs else 0) for i in range(procs)]
    t_start = time.time() + 0.5 + ns.warmup
    t_end = t_start + ns.duration
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    children = [
        ctx.Process(target=_proc, args=(ns, plates, n, t_start, t_end, i + 1, q), daemon=True)
        for i, n in enumerate(per)
    ]
    for c in children:
        c.start()
    lat: list[float] = []
    errors = 0
    for _ in children:
        xs, e = q.get()
        lat.extend(xs)
        errors += e
    for c in children:
        c.join()
    lat.sort()

    def pct(qq: float) -> float:
        return lat[min(len(lat) - 1, round(qq / 100 * (len(lat) - 1)))] * 1000 if lat else 0.0

    print(
        json.dumps(
            {
                "requests": len(lat),
                "errors": errors,
                "rps": len(lat) / ns.duration,
                "p50_ms": pct(50),
                "p99_ms": pct(99),
                "loader": f"python {ns.kind} ({ns.concurrency} threads in {procs} processes)",
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
