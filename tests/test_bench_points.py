"""bench/points.py at a tiny size, so that it cannot rot: the cycle-end job and the one SQL
statement must settle the same 1,000 licences identically (1,000 is the smallest size with
every kind of licence of the bench's plan: without points, opening points, paid, overdue,
not yet overdue, mixed, at full score), and the audit rows must match the decisions.

The bench is PostgreSQL only (COPY, data-modifying CTEs): it needs the server at
127.0.0.1:5432 (as JIAOGUAN_TEST_DB=postgres does), and is skipped when that is not there,
unless JIAOGUAN_REQUIRE_POSTGRES=1. It makes and drops its own databases."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from bench.points import plan

ROOT = Path(__file__).resolve().parents[1]


def _postgres() -> bool:
    import psycopg

    try:
        psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres").close()
    except psycopg.OperationalError:
        return False
    return True


def test_plan_has_every_kind_of_licence_in_1000() -> None:
    kinds = {
        (bool(o), tuple((v.paid, v.decided_days_before_end > 15) for v in vs), full)
        for o, vs, full in map(plan, range(1000))
    }
    assert len(kinds) >= 7
    assert sum(1 for n in range(1000) if plan(n)[2]) == 5  # at full score


def test_bench_points_job_equals_the_statement() -> None:
    if not _postgres():
        if os.environ.get("JIAOGUAN_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL at 127.0.0.1:5432 is required")
        pytest.skip("needs PostgreSQL at 127.0.0.1:5432")
    db = f"jiaoguan_test_points_{secrets.token_hex(4)}"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    try:
        proc = subprocess.run(
            [sys.executable, "bench/points.py", "--licences", "1000", "--db", db, "--drop-seed"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
    finally:
        import psycopg

        with psycopg.connect(
            "host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True
        ) as conn:
            for suffix in ("seed", "job", "sql"):
                conn.execute(f'DROP DATABASE IF EXISTS "{db}_{suffix}" WITH (FORCE)')
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    assert "results IDENTICAL" in out, out[-4000:]
    assert "audit chain on the job database: INTACT" in out, out[-4000:]
    for kind in ("cycles", "entries", "licences", "violations", "violation events"):
        assert f"{kind}: job" in out and "DIFFERENT" not in out
    # 1,000 licences due, 1,000 closed by the job
    assert "{'licences': 1000, 'cycles': 1000, 'failed': 0}" in out, out[-4000:]
