"""Exit 0 when the test PostgreSQL server answers, 1 otherwise (used by `make test`)."""

from __future__ import annotations

import os
import sys

import psycopg

URL = os.environ.get("JIAOGUAN_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")

try:
    with psycopg.connect(URL, connect_timeout=3) as conn:
        conn.execute("SELECT 1")
except Exception as exc:  # any failure means "not reachable" here
    print(f"PostgreSQL not reachable at {URL}: {exc}", file=sys.stderr)
    sys.exit(1)
sys.exit(0)
