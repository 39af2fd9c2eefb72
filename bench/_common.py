"""Shared helpers for the benchmarks: the bench database, environments, child processes.

Nothing here is imported by the application; it only drives it from outside.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from jiaoguan.conf.settings._devsecrets import dev_oidc_key

ROOT = Path(__file__).resolve().parents[1]  # the checkout
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"  # git-ignored
VENV_BIN = Path(sys.executable).parent
PG = {"host": "127.0.0.1", "port": "5432", "user": "postgres"}
DEFAULT_DB = "jiaoguan_bench"

# Fixed bench-only secrets (never used anywhere else). 16 bytes each, base64.
BENCH_SECRETS = {
    "SECRET_KEY": "bench-only-secret-key-jiaoguan-not-for-production-0123456789",
    "JIAOGUAN_FIELD_KEY": "YmVuY2gtZmllbGQta2V5IQ==",  # b"bench-field-key!"
    "JIAOGUAN_INDEX_KEY": "YmVuY2gtaW5kZXgta2V5IQ==",  # b"bench-index-key!"
}


def db_url(name: str) -> str:
    return f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{name}"


def dsn(name: str) -> str:
    return f"host={PG['host']} port={PG['port']} user={PG['user']} dbname={name}"


def app_env(db_name: str, settings: str = "jiaoguan.conf.settings.base") -> dict[str, str]:
    """Environment for a production-settings child process on the bench database."""
    env = os.environ.copy()
    env.update(BENCH_SECRETS)
    env.setdefault("JIAOGUAN_OIDC_KEY_FILE", dev_oidc_key())  # a throwaway ID-token key
    data_dir = RESULTS / "var"
    (data_dir / "static").mkdir(parents=True, exist_ok=True)  # whitenoise's STATIC_ROOT
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": settings,
            "DATABASE_URL": db_url(db_name),
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "DEBUG": "0",
            "JIAOGUAN_DATA_DIR": str(data_dir),
            "PATH": f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
            "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])]),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def setup_django_in_process(db_name: str) -> None:
    """Django with the bench settings (production base + bench secrets) in this process."""
    for k, v in BENCH_SECRETS.items():
        os.environ.setdefault(k, v)
    os.environ["DATABASE_URL"] = db_url(db_name)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.setdefault("JIAOGUAN_DATA_DIR", str(RESULTS / "var"))
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def log(msg: str) -> None:
    print(msg, flush=True)


# ---------------------------------------------------------------- the bench database


def _admin():  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(dsn("postgres"), autocommit=True)


def database_exists(name: str) -> bool:
    with _admin() as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        return row is not None


def vehicle_count(name: str) -> int:
    import psycopg

    if not database_exists(name):
        return -1
    with psycopg.connect(dsn(name)) as conn:
        if conn.execute("SELECT to_regclass('registry_vehicle')").fetchone()[0] is None:
            return -1
        return int(conn.execute("SELECT count(*) FROM registry_vehicle").fetchone()[0])


def run_cli(args: list[str], db_name: str, *, timeout: float | None = None) -> None:
    """Run ``jiaoguan ARGS`` with production settings on the bench database; stream output."""
    cmd = [str(VENV_BIN / "jiaoguan"), *args]
    log(f"$ DATABASE_URL={db_url(db_name)} jiaoguan {' '.join(args)}")
    proc = subprocess.Popen(cmd, env=app_env(db_name), cwd=ROOT, start_new_session=True)
    track(proc)
    try:
        rc = proc.wait(timeout=timeout)
    finally:
        stop(proc)
    if rc != 0:
        raise SystemExit(f"`jiaoguan {' '.join(args)}` failed with exit code {rc}")


def ensure_database(name: str, vehicles: int, *, fresh: bool) -> int:
    """Reuse ``name`` if it holds >= ``vehicles`` vehicles (top it up if fewer); ``fresh``
    drops and rebuilds it. Returns the vehicle count."""
    if fresh and database_exists(name):
        log(f"dropping database {name} (--fresh)")
        with _admin() as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    if not database_exists(name):
        log(f"creating database {name}")
        with _admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    run_cli(["manage", "migrate", "--verbosity", "0"], name)
    have = vehicle_count(name)
    if have >= vehicles:
        log(f"reusing {name}: {have:,} vehicles (>= {vehicles:,}; --fresh rebuilds)")
        return have
    missing = vehicles - have
    log(f"{name} has {have:,} vehicles: loading {missing:,} more with `jiaoguan seed`")
    t0 = time.monotonic()
    run_cli(["seed", "--vehicles", str(missing)], name)
    with psycopg_conn(name) as conn:
        conn.execute("ANALYZE")
    have = vehicle_count(name)
    log(f"loaded; {have:,} vehicles now ({time.monotonic() - t0:.0f} s incl. ANALYZE)")
    return have


def psycopg_conn(name: str):  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(dsn(name), autocommit=True)


# ---------------------------------------------------------------- child processes

_children: list[subprocess.Popen[bytes]] = []


def track(proc: subprocess.Popen[bytes]) -> None:
    _children.append(proc)


def stop(proc: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    """End a child we started (and its process group, which it leads) by its id."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    else:
        # the leader has gone; make sure nothing it started lingers in its group
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGTERM)
    if proc in _children:
        _children.remove(proc)


def stop_all() -> None:
    for proc in list(_children):
        stop(proc)


def _on_term(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def install_cleanup() -> None:
    atexit.register(stop_all)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with it ignored
    signal.signal(signal.SIGTERM, _on_term)
    signal.signal(signal.SIGHUP, _on_term)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ---------------------------------------------------------------- figures


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(q / 100 * (len(values) - 1))))
    return values[k]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def run_released(threads: list[threading.Thread], barrier: threading.Barrier) -> float:
    """Start ``threads`` (each waits at ``barrier`` first), release them together and wait for
    all of them: the wall time in seconds from the release."""
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - t0
