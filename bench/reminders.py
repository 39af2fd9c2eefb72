"""The daily inspection reminder job over a national-scale fleet on PostgreSQL, beside one SQL
statement that finds and classifies the same vehicles, in the same run.

    .venv/bin/python bench/reminders.py [--vehicles 1000000] [--rounds 3] [--db jiaoguan_bench]

The job is ``jiaoguan.inspection.services.inspection_reminders_run``: keyset reads of the
vehicles whose period ends within 30 days or has ended (indexed), the schedule rule per vehicle
(label only or station; missed periods), reminders, notices and one audit row per batch of 2,000.
Vehicles already told what their state calls for are not read again. The baseline is one
SELECT doing the selection and the due-soon/overdue split in the database (no rule, no
writes). Each round runs on a date where no reminder was sent yet (rounds
step a week apart), so every round does the full work. Figures: fleet vehicles/s (the fleet
size over the job's time), concerned vehicles/s, and reminders written.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import _common as C

BASELINE = """
SELECT count(*) AS concerned,
       count(*) FILTER (WHERE inspection_valid_until >= %(today)s) AS due_soon,
       count(*) FILTER (WHERE inspection_valid_until < %(today)s) AS overdue
FROM registry_vehicle
WHERE inspection_valid_until <= %(horizon)s
  AND status = 'normal' AND owner_person_id IS NOT NULL
"""


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--vehicles", type=int, default=1_000_000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--batch", type=int, default=2000)
    p.add_argument("--db", default=C.DEFAULT_DB)
    return p.parse_args()


def main() -> int:
    ns = parse()
    C.install_cleanup()
    C.ensure_database(ns.db, ns.vehicles, fresh=False)
    C.setup_django_in_process(ns.db)
    from django.db import connection

    from jiaoguan.audit.services import Actor
    from jiaoguan.inspection.models import InspectionReminder
    from jiaoguan.inspection.services import REMIND_DAYS, inspection_reminders_run
    from jiaoguan.kernel import clock
    from jiaoguan.notices.models import Notice

    fleet = C.vehicle_count(ns.db)
    print(f"== bench/reminders.py: {fleet:,} vehicles, {ns.rounds} round(s), database {ns.db}")
    # a clean slate: earlier runs' reminders and their notices
    Notice.objects.filter(template__startswith="inspection.").delete()
    InspectionReminder.objects.all().delete()
    start = clock.today() + dt.timedelta(days=60)
    rows = []
    for r in range(ns.rounds):
        today = start + dt.timedelta(days=7 * r)
        horizon = today + dt.timedelta(days=REMIND_DAYS)
        with connection.cursor() as cur:
            t0 = time.perf_counter()
            cur.execute(BASELINE, {"today": today, "horizon": horizon})
            concerned, due_soon, overdue = cur.fetchone()
            sql_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        report = inspection_reminders_run(actor=Actor.system("bench"), today=today, batch=ns.batch)
        job_s = time.perf_counter() - t0
        assert report.scanned <= concerned, (report.scanned, concerned)
        rows.append((today, concerned, due_soon, overdue, report.sent, job_s, sql_s))
        print(
            f"  {today}: concerned {concerned:,} (due soon {due_soon:,}, overdue {overdue:,}); "
            f"job {job_s:.2f} s = {fleet / job_s:,.0f} fleet vehicles/s, "
            f"{concerned / job_s:,.0f} concerned/s, {report.scanned:,} read (the rest were "
            f"told already), {report.sent:,} reminders written; "
            f"one SQL statement {sql_s * 1000:.0f} ms = {fleet / sql_s:,.0f} fleet vehicles/s",
            flush=True,
        )
    jobs = sorted(r[5] for r in rows)
    sqls = sorted(r[6] for r in rows)
    mid = len(rows) // 2
    print(
        f"median: job {jobs[mid]:.2f} s ({fleet / jobs[mid]:,.0f} fleet vehicles/s); "
        f"SQL {sqls[mid] * 1000:.0f} ms ({fleet / sqls[mid]:,.0f} fleet vehicles/s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
