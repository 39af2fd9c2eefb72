"""Vehicle lookup by plate on PostgreSQL: the real partner API against a bare Django view and
against the database alone, measured in the same run with the same concurrency.

    .venv/bin/python bench/lookup.py [--vehicles 1000000] [--duration 15] [--concurrency 16]
                                     [--rounds 1] [--fresh] [--loader auto|wrk|python]

See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import _common as C

API_PREFIX = "/api/v1/vehicles?plate="
BARE_PREFIX = "/bare/vehicles?plate="


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--vehicles", type=int, default=1_000_000, help="vehicles in the bench DB")
    p.add_argument("--duration", type=float, default=15, help="seconds measured per mode")
    p.add_argument("--warmup", type=float, default=3, help="seconds of warm-up per mode")
    p.add_argument("--concurrency", type=int, default=16, help="concurrent clients")
    p.add_argument("--rounds", type=int, default=1, help="rounds of api/bare/sql (median)")
    p.add_argument("--fresh", action="store_true", help="drop and rebuild the bench database")
    p.add_argument("--db", default=C.DEFAULT_DB)
    p.add_argument("--workers", type=int, default=2, help="granian workers")
    p.add_argument("--threads", type=int, default=2, help="granian blocking threads per worker")
    p.add_argument("--loader", choices=["auto", "wrk", "python"], default="auto")
    p.add_argument("--procs", type=int, default=2, help="processes of the Python loaders")
    p.add_argument("--sample", type=int, default=20_000, help="random plates drawn")
    p.add_argument("--modes", default="api,bare,sql")
    p.add_argument(
        "--breakdown",
        type=int,
        default=400,
        help="calls per step of the in-process CPU breakdown (0: skip)",
    )
    p.add_argument("--prepare-only", action="store_true", help="build the database, then stop")
    return p.parse_args()


# ---------------------------------------------------------------- preparation


def prepare(ns: argparse.Namespace) -> dict[str, object]:
    """Partner client (through the service), a random plate sample, the bare query's SQL,
    and the queries one API request makes."""
    C.setup_django_in_process(ns.db)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from jiaoguan.accounts.services import api_client_create
    from jiaoguan.audit.services import Actor
    from jiaoguan.registry.models import Vehicle

    _client, token = api_client_create(
        actor=Actor.system("bench"),
        name=f"bench partner {time.strftime('%Y-%m-%d %H:%M:%S')}",
        scopes=["registry:read"],
        region_scope="32",
        rate_per_minute=0,  # no cap: the bench measures throughput
    )
    with connection.cursor() as cur:
        cur.execute(
            "SELECT p.number FROM registry_plate p JOIN registry_vehicle v ON v.plate_id = p.id"
            " WHERE v.province_code = '32' ORDER BY random() LIMIT %s",
            [ns.sample],
        )
        plates = [r[0] for r in cur.fetchall()]
    qs = Vehicle.objects.select_related("plate").filter(plate__number="X").order_by("pk")[:1]
    sql, _params = qs.query.get_compiler(using="default").as_sql()  # same as .first()
    with CaptureQueriesContext(connection) as ctx:
        resp = Client().get(
            API_PREFIX + urllib.parse.quote(plates[0]), HTTP_AUTHORIZATION=f"Bearer {token}"
        )
    api_queries = [q["sql"] for q in ctx.captured_queries]
    if resp.status_code != 200:
        raise SystemExit(f"in-process API check failed: {resp.status_code} {resp.content[:300]!r}")
    breakdown = cpu_breakdown(token, plates[: ns.breakdown]) if ns.breakdown else {}
    plans = {}
    with connection.cursor() as cur:
        vehicle_query = [
            q for q in api_queries if q.startswith("SELECT") and '"registry_vehicle"' in q
        ][-1]
        for name, q, params in (("api", vehicle_query, None), ("bare", sql, [plates[0]])):
            cur.execute("EXPLAIN (ANALYZE, TIMING OFF, SUMMARY OFF) " + q, params)
            plans[name] = [r[0] for r in cur.fetchall()]
    connection.close()
    return {
        "token": token,
        "plates": plates,
        "sql": sql,
        "api_queries": api_queries,
        "plans": plans,
        "breakdown": breakdown,
    }


_OUT_FIELDS = (
    "public_id",
    "vin",
    "brand",
    "model_name",
    "vehicle_class",
    "use",
    "seats",
    "fuel",
    "status",
    "manufacture_date",
    "registration_date",
    "region_code",
    "plate__number",
    "plate__kind",
    "owner_person__name",
    "owner_organisation__name",
)


def cpu_breakdown(token: str, plates: list[str]) -> dict[str, float]:
    """CPU ms per call of each step of the API request, single-threaded in this process (no
    HTTP server, no contention from the load generator): where the API's extra work goes."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.test.client import RequestFactory

    from jiaoguan.accounts.services import api_client_for_token
    from jiaoguan.api.pagination import keyset
    from jiaoguan.registry import selectors
    from jiaoguan.registry.models import Vehicle
    from jiaoguan.registry.schemas import VehicleOut

    client = api_client_for_token(token)
    app = WSGIHandler()  # what granian calls, minus the server
    environ = RequestFactory()._base_environ
    auth = f"Bearer {token}"

    def wsgi_get(plate: str) -> bytes:
        status: list[str] = []
        env = environ(
            PATH_INFO="/api/v1/vehicles",
            QUERY_STRING="plate=" + urllib.parse.quote(plate),
            HTTP_AUTHORIZATION=auth,
        )
        body = b"".join(app(env, lambda s, h, exc_info=None: status.append(s)))
        if not status[0].startswith("200"):
            raise SystemExit(f"WSGI call failed: {status[0]} {body[:200]!r}")
        return body

    rows = {
        p: keyset(selectors.vehicles_for(client).filter(plate__number=p), cursor=None, limit=20)[0]
        for p in plates
    }
    steps = {
        "whole API request (WSGI handler, all middleware)": wsgi_get,
        "  token -> ApiClient (api_client_for_token)": lambda p: api_client_for_token(token),
        "  scoped vehicle query (vehicles_for + keyset)": lambda p: keyset(
            selectors.vehicles_for(client).filter(plate__number=p), cursor=None, limit=20
        ),
        "  serialise (VehicleOut.build + pydantic JSON)": lambda p: VehicleOut.build(
            rows[p][0], full=False
        ).model_dump_json(),
        "bare view's ORM query (select_related plate)": lambda p: (
            Vehicle.objects.select_related("plate").filter(plate__number=p).first()
        ),
        "alt: scoped query, plate is unique: .only(VehicleOut fields).first(), no keyset": (
            lambda p: (
                selectors.vehicles_for(client).only(*_OUT_FIELDS).filter(plate__number=p).first()
            )
        ),
    }
    for p in plates[:20]:  # warm
        for fn in steps.values():
            fn(p)
    # interleaved (every step once per plate, in turn), so that this box's drifting CPU speed
    # weighs on every step alike
    out = dict.fromkeys(steps, 0.0)
    for p in plates:
        for name, fn in steps.items():
            c0 = time.process_time()
            fn(p)
            out[name] += time.process_time() - c0
    out = {name: total * 1000 / len(plates) for name, total in out.items()}
    whole, *parts, _bare, _alt = out.values()
    out["  rest: middleware, URL routing, django-ninja, response"] = whole - sum(parts)
    return out


def write_inputs(prep: dict[str, object]) -> dict[str, Path]:
    C.RESULTS.mkdir(parents=True, exist_ok=True)
    plates: list[str] = prep["plates"]  # type: ignore[assignment]
    files = {
        "plates": C.RESULTS / "plates.txt",
        "api_paths": C.RESULTS / "paths-api.txt",
        "bare_paths": C.RESULTS / "paths-bare.txt",
        "sql": C.RESULTS / "lookup.sql",
    }
    files["plates"].write_text("\n".join(plates) + "\n", encoding="utf-8")
    for key, prefix in (("api_paths", API_PREFIX), ("bare_paths", BARE_PREFIX)):
        files[key].write_text(
            "\n".join(prefix + urllib.parse.quote(p, safe="") for p in plates) + "\n",
            encoding="utf-8",
        )
    files["sql"].write_text(str(prep["sql"]), encoding="utf-8")
    return files


# ---------------------------------------------------------------- servers


def start_server(ns: argparse.Namespace, name: str, settings: str) -> tuple[int, object]:
    port = C.free_port()
    env = C.app_env(ns.db, settings=settings)
    logf = open(C.RESULTS / f"server-{name}.log", "wb")  # noqa: SIM115
    cmd = [
        str(C.VENV_BIN / "jiaoguan"),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(ns.workers),
        "--threads",
        str(ns.threads),
    ]
    proc = subprocess.Popen(
        cmd, env=env, cwd=C.ROOT, stdout=logf, stderr=subprocess.STDOUT, start_new_session=True
    )
    C.track(proc)
    return port, proc


def wait_ready(
    port: int, proc: subprocess.Popen[bytes], path: str, headers: dict[str, str], name: str
) -> dict[str, object]:
    deadline = time.monotonic() + 90
    last = ""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log = (C.RESULTS / f"server-{name}.log").read_text(errors="replace")[-3000:]
            raise SystemExit(f"{name} server exited ({proc.returncode}):\n{log}")
        try:
            req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
            with urllib.request.urlopen(req, timeout=10) as r:
                return json.loads(r.read())
        except Exception as exc:
            last = str(exc)
            time.sleep(0.3)
    raise SystemExit(f"{name} server not ready on port {port}: {last}")


# ---------------------------------------------------------------- loaders


def ensure_wrk(choice: str) -> str | None:
    if choice == "python":
        return None
    path = shutil.which("wrk")
    if path is None and os.geteuid() == 0:
        C.log("wrk missing: installing it with apt-get (root)")
        for cmd in (
            ["apt-get", "install", "-y", "-q", "wrk"],
            ["apt-get", "update", "-q"],
            ["apt-get", "install", "-y", "-q", "wrk"],
        ):
            rc = subprocess.call(
                cmd,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            )
            path = shutil.which("wrk")
            if path:
                break
            if rc != 0 and cmd[1] == "update":
                break
    if path is None and choice == "wrk":
        raise SystemExit("wrk requested but not available")
    if path is None:
        C.log("wrk unavailable: using the Python HTTP load generator")
    return path


def run_wrk(
    wrk: str, ns: argparse.Namespace, port: int, paths: Path, headers: dict[str, str]
) -> dict[str, object]:
    env = {**os.environ, "BENCH_PATHS": str(paths)}
    base = [
        wrk,
        "-t",
        str(min(2, ns.concurrency)),
        "-c",
        str(ns.concurrency),
        "--timeout",
        "10s",
        "-s",
        str(C.BENCH / "wrk_plates.lua"),
    ]
    for k, v in headers.items():
        base += ["-H", f"{k}: {v}"]
    url = f"http://127.0.0.1:{port}/"
    out = {}
    for phase, secs in (("warmup", ns.warmup), ("measure", ns.duration)):
        if secs <= 0:
            continue
        proc = subprocess.Popen(
            [*base, "-d", f"{secs:g}s", url],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        C.track(proc)
        text, _ = proc.communicate(timeout=secs + 60)
        C.stop(proc)
        if phase == "measure":
            line = next((x for x in text.decode().splitlines() if x.startswith("WRKJSON ")), None)
            if line is None:
                raise SystemExit(f"wrk printed no figures:\n{text.decode()}")
            out = json.loads(line[len("WRKJSON ") :])
    errors = out["connect"] + out["read"] + out["write"] + out["status"] + out["timeout"]
    secs = out["duration_us"] / 1e6
    return {
        "requests": out["requests"] - out["status"],
        "errors": errors,
        "rps": (out["requests"] - out["status"]) / secs,
        "p50_ms": out["p50_us"] / 1000,
        "p99_ms": out["p99_us"] / 1000,
        "loader": f"wrk ({ns.concurrency} connections, {min(2, ns.concurrency)} threads)",
    }


def run_python_loader(args: list[str], ns: argparse.Namespace) -> dict[str, object]:
    cmd = [
        sys.executable,
        str(C.BENCH / "_loadgen.py"),
        *args,
        "--concurrency",
        str(ns.concurrency),
        "--procs",
        str(ns.procs),
        "--warmup",
        str(ns.warmup),
        "--duration",
        str(ns.duration),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, start_new_session=True)
    C.track(proc)
    text, _ = proc.communicate(timeout=ns.warmup + ns.duration + 120)
    C.stop(proc)
    lines = [x for x in text.decode().splitlines() if x.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise SystemExit(f"load generator failed ({proc.returncode}): {text.decode()[-2000:]}")
    return json.loads(lines[-1])


# ---------------------------------------------------------------- main


def main() -> int:
    ns = parse()
    C.install_cleanup()
    modes = [m.strip() for m in ns.modes.split(",") if m.strip()]
    t_all = time.monotonic()
    C.log(
        f"== bench/lookup.py: {ns.vehicles:,} vehicles, {ns.concurrency} concurrent clients, "
        f"{ns.warmup:g} s warm-up + {ns.duration:g} s per mode, {ns.rounds} round(s), "
        f"{os.cpu_count()} CPUs"
    )
    have = C.ensure_database(ns.db, ns.vehicles, fresh=ns.fresh)
    if ns.prepare_only:
        return 0
    prep = prepare(ns)
    files = write_inputs(prep)
    token = str(prep["token"])
    auth = {"Authorization": f"Bearer {token}"}
    plates: list[str] = prep["plates"]  # type: ignore[assignment]
    C.log(
        f"partner client created through api_client_create (registry:read, region 32); "
        f"{len(plates):,} random plates drawn from {have:,} vehicles"
    )
    api_queries: list[str] = prep["api_queries"]  # type: ignore[assignment]
    C.log(f"one API request runs {len(api_queries)} SQL queries; the bare view runs 1:")
    for q in api_queries:
        C.log(f"   - {q[:150]}{'…' if len(q) > 150 else ''}")
    plans: dict[str, list[str]] = prep["plans"]  # type: ignore[assignment]
    C.log("plan of the API's vehicle query (EXPLAIN ANALYZE, one plate):")
    for line in plans["api"]:
        C.log(f"   {line}")

    breakdown: dict[str, float] = prep["breakdown"]  # type: ignore[assignment]
    if breakdown:
        C.log("in-process CPU per call, one thread, before load (ms):")
        for name, ms in breakdown.items():
            C.log(f"   {ms:7.3f}  {name}")

    servers = {}
    if "api" in modes:
        servers["api"] = start_server(ns, "api", "jiaoguan.conf.settings.base")
    if "bare" in modes:
        servers["bare"] = start_server(ns, "bare", "bench.bare_settings")
    probe = urllib.parse.quote(plates[0], safe="")
    if "api" in modes:
        body = wait_ready(servers["api"][0], servers["api"][1], API_PREFIX + probe, auth, "api")
        items = body.get("items") or []
        if len(items) != 1 or items[0]["plate"]["number"] != plates[0]:
            raise SystemExit(f"API smoke check failed: {body}")
    if "bare" in modes:
        body = wait_ready(servers["bare"][0], servers["bare"][1], BARE_PREFIX + probe, {}, "bare")
        if body.get("plate", {}).get("number") != plates[0]:
            raise SystemExit(f"bare smoke check failed: {body}")
    C.log(
        f"servers up: granian --workers {ns.workers} --threads {ns.threads} "
        f"({', '.join(f'{k} on :{v[0]}' for k, v in servers.items())}); smoke checks passed"
    )

    wrk = ensure_wrk(ns.loader) if ({"api", "bare"} & set(modes)) else None
    results: dict[str, list[dict[str, object]]] = {m: [] for m in modes}
    for rnd in range(1, ns.rounds + 1):
        for mode in modes:
            if mode in ("api", "bare"):
                port = servers[mode][0]
                paths = files["api_paths" if mode == "api" else "bare_paths"]
                headers = auth if mode == "api" else {}
                if wrk:
                    r = run_wrk(wrk, ns, port, paths, headers)
                else:
                    args = [
                        "http",
                        "--port",
                        str(port),
                        "--plates",
                        str(files["plates"]),
                        "--path-prefix",
                        API_PREFIX if mode == "api" else BARE_PREFIX,
                    ]
                    args += [a for k, v in headers.items() for a in ("--header", f"{k}: {v}")]
                    r = run_python_loader(args, ns)
            else:
                r = run_python_loader(
                    [
                        "sql",
                        "--dsn",
                        C.dsn(ns.db),
                        "--sql-file",
                        str(files["sql"]),
                        "--plates",
                        str(files["plates"]),
                    ],
                    ns,
                )
            results[mode].append(r)
            C.log(
                f"  round {rnd} {mode:<5} {r['rps']:>9.0f} req/s  p50 {r['p50_ms']:.2f} ms  "
                f"p99 {r['p99_ms']:.2f} ms  errors {r['errors']}"
            )
    C.stop_all()

    label = {
        "api": "1 real API (auth+scope+ninja)",
        "bare": "2 bare Django view (no mw)",
        "sql": "3 raw SQL (psycopg, prepared)",
    }
    summary = {}
    for mode, rs in results.items():
        summary[mode] = {
            "rps": C.median([float(r["rps"]) for r in rs]),  # type: ignore[arg-type]
            "p50": C.median([float(r["p50_ms"]) for r in rs]),  # type: ignore[arg-type]
            "p99": C.median([float(r["p99_ms"]) for r in rs]),  # type: ignore[arg-type]
            "errors": sum(int(r["errors"]) for r in rs),  # type: ignore[call-overload]
            "loader": rs[0]["loader"],
        }
    cpus = os.cpu_count() or 1
    print()
    print(
        f"Vehicle lookup by plate: {have:,} vehicles, concurrency {ns.concurrency}, "
        f"{ns.duration:g} s x {ns.rounds} round(s) (median), {cpus} CPUs shared by "
        f"server, PostgreSQL and load generator"
    )
    print(
        f"{'mode':<32}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'box ms/req':>12}  loader"
    )
    for mode, s in summary.items():
        print(
            f"{label[mode]:<32}{s['rps']:>9.0f}{s['p50']:>9.2f}{s['p99']:>9.2f}"
            f"{s['errors']:>8}{cpus * 1000 / s['rps'] if s['rps'] else 0:>12.3f}  {s['loader']}"
        )
    if "api" in summary:
        a = summary["api"]
        for base in ("bare", "sql"):
            if base in summary and a["rps"]:
                b = summary[base]
                extra = cpus * 1000 / a["rps"] - cpus * 1000 / b["rps"]
                print(
                    f"API vs {base:<4}: {a['rps'] / b['rps']:.2f}x the throughput "
                    f"({(1 - a['rps'] / b['rps']) * 100:.0f}% fewer req/s), "
                    f"+{extra:.3f} ms of machine time per request, "
                    f"p50 {a['p50'] / b['p50']:.1f}x, p99 {a['p99'] / b['p99']:.1f}x"
                )
    print("(box ms/req = CPUs x 1000 / req/s: machine time per request, load generator included)")
    out = C.RESULTS / f"lookup-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(
        json.dumps(
            {
                "args": vars(ns),
                "vehicles": have,
                "summary": summary,
                "rounds": results,
                "api_queries": api_queries,
                "plans": plans,
                "breakdown": breakdown,
            },
            indent=2,
        )
    )
    print(f"raw figures: {out.relative_to(C.ROOT)}  (total {time.monotonic() - t_all:.0f} s)")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        C.stop_all()
