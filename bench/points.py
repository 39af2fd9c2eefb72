"""The cycle-end points job over a province's licences on PostgreSQL, beside the same
computation as one SQL statement, in the same run, with both results compared.

    .venv/bin/python bench/points.py [--licences 1000000] [--day 2027-03-15]
    .venv/bin/python bench/points.py --licences 2000          # quick (under a minute)
    options: --db NAME (jiaoguan_bench_points) --fresh (seed again) --seed-only
             --profile FILE (cProfile of the job) --keep (keep the run databases)
             --drop-seed --progress S (seconds between progress lines)

The job is the daily task ``violations.tasks.close_ended_cycles`` (``points_cycles_close_due``:
keyset pages of the open cycles that have ended; ``points_cycles_close`` for the licences of a
page in one transaction: the licences locked, their violations locked, R163 Art. 15 through
``licensing.rules.cycle_end_clearing`` per cycle, carry-over rows, one audit row per decision,
paid violations closed through the workflow table, the licences' points recorded through the
registry with their history, all written set-based), run with the clock on the bench day.
The baseline is one SQL statement (data-modifying CTEs) doing the same settlement set-based:
cycles closed with their totals, entries cleared or carried, the next cycles and the
carry-over rows inserted, settled paid violations closed with their history row, the
licences' points updated. It writes no audit rows and no registry history (an audit row is a
link of a hash chain, computed in Python): that is the price of the house rule, which the
ratio shows.

Data: ``--licences`` licences with their holders, loaded with COPY into a seed database
(``<db>_seed``, reused while it holds the same size and day; ``--fresh`` reloads), each with
one open scoring cycle that ended the day before the bench day (first issues 1-25 years
earlier on that date: the worst day, every licence due). Per 1,000 licences: 700 without
points, 50 with opening points only (records older than the ledger), 150 with 1-2 violations
whose fines were paid, 60 with an unpaid fine overdue at the cycle's end (carried over), 30
with an unpaid fine decided in the last 15 days (not overdue yet: cleared), 5 with a paid and
an overdue one, 5 at full score (12 points, education duty open, licence detained: everything
carries over). Violations name 1 vehicle per 20 licences.

Each side runs on its own copy of the seed database (``<db>_job``, ``<db>_sql``: the reset),
then the results are compared row by row through an order-free digest of every cycle, ledger
entry, licence, violation and violation history row (ids of new rows and timestamps left out);
a difference exits with status 1 and, up to 50,000 licences, prints the differing rows. The
audit rows the job wrote are counted against its decisions (one per cycle closed, per licence
whose points changed, per violation closed) and the chain is verified on the job database.

Figures: licences/s (licences due over the wall time), wall time, and the job/SQL ratio.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import _common as C

# ---------------------------------------------------------------- the plan of the data


@dataclass(frozen=True)
class Planned:
    points: int
    paid: bool
    decided_days_before_end: int  # the penalty decision, days before the cycle's last day


def plan(n: int) -> tuple[int, list[Planned], bool]:
    """(opening points, violations, full score) of licence number ``n`` (0-based)."""
    h = (n * 7919) % 1000
    if h < 700:
        return 0, [], False
    if h < 750:
        return 1 + n % 6, [], False
    if h < 900:
        pts = [3] if n % 2 else [1, 2]
        return 0, [Planned(p, True, 60 + 7 * k) for k, p in enumerate(pts)], False
    if h < 960:
        return 0, [Planned((3, 6, 1)[n % 3], False, 40)], False
    if h < 990:
        return 0, [Planned(3, False, 5)], False
    if h < 995:
        return 0, [Planned(3, True, 90), Planned(6, False, 30)], False
    return 0, [Planned(6, True, 120), Planned(6, False, 50)], True


# ---------------------------------------------------------------- seeding with COPY


def _dates(day: dt.date, n: int) -> tuple[dt.date, dt.date, int]:
    """Birth date, first issue (same month and day as the bench day, 1-25 years earlier) and
    years held of licence number ``n``."""
    born = dt.date(1962, 1, 1) + dt.timedelta(days=(n // 1000 * 1237 + n % 1000) % 12000)
    most = max(1, min(25, day.year - born.year - 19))
    years = 1 + n % most
    return born, day.replace(year=day.year - years), years


def seed(name: str, licences: int, day: dt.date) -> None:
    """A fresh database ``name``, migrated, with ``licences`` licences and their ledgers."""
    # Django is set up (setup_django_in_process): the field and index keys of the identifiers
    from jiaoguan.demo.seed import PROVINCE, _counties
    from jiaoguan.kernel import crypto, regions
    from jiaoguan.kernel.idnumber import IdNumber
    from jiaoguan.licensing.rules import R163_IN_FORCE, full_score_study_days
    from jiaoguan.registry.services import id_number_index
    from sandbox.population import name_for

    with C._admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    C.run_cli(["manage", "migrate", "--verbosity", "0"], name)
    counties = [c for city in regions.cities_of(PROVINCE) for c in _counties(city.code)]
    now = dt.datetime.combine(day - dt.timedelta(days=200), dt.time(2), dt.UTC)
    cycle_rule = f"scoring.cycle@{R163_IN_FORCE.isoformat()}"
    duty = full_score_study_days(classes=["C1"], full_scores_in_cycle=1, points_in_cycle=12)
    end = day - dt.timedelta(days=1)
    start = day.replace(year=day.year - 1)
    vehicles = max(1, licences // 20)
    t0 = time.monotonic()
    with C.psycopg_conn(name) as conn, conn.cursor() as cur:
        with cur.copy(
            "COPY registry_person (id, public_id, name, sex, birth_date, id_kind, id_number_enc,"
            " id_number_index, phone_index, address, version, created_at, updated_at,"
            " region_code, city_code, province_code) FROM STDIN"
        ) as cp:
            for n in range(licences):
                county = counties[n % len(counties)]
                born, _first, _years = _dates(day, n)
                number = str(IdNumber.generate(county, born, (n // 1000) % 1000))
                cp.write_row(
                    (
                        n + 1,
                        uuid.uuid4(),
                        name_for(number),
                        "MF"[n % 2],
                        born,
                        "resident",
                        crypto.encrypt(number, context=b"person.id_number"),
                        id_number_index(number),
                        "",
                        "",
                        1,
                        now,
                        now,
                        county,
                        county[:4],
                        county[:2],
                    )
                )
        C.log(f"  {licences:,} persons ({time.monotonic() - t0:.0f} s)")
        with cur.copy(
            "COPY registry_drivinglicence (id, public_id, person_id, classes, first_issue_date,"
            " valid_from, valid_until, term, status, points, deferrals, version, created_at,"
            " updated_at, region_code, city_code, province_code) FROM STDIN"
        ) as cp:
            for n in range(licences):
                county = counties[n % len(counties)]
                _born, first, years = _dates(day, n)
                opening, vs, full = plan(n)
                if years < 6:
                    term, valid_from, until = "6y", first, first.replace(year=first.year + 6)
                elif years < 16:
                    f6 = first.replace(year=first.year + 6)
                    term, valid_from, until = "10y", f6, f6.replace(year=f6.year + 10)
                else:
                    term, valid_from, until = "permanent", first.replace(year=first.year + 16), None
                cp.write_row(
                    (
                        n + 1,
                        uuid.uuid4(),
                        n + 1,
                        "C1",
                        first,
                        valid_from,
                        until,
                        term,
                        "suspended" if full else "valid",
                        opening + sum(v.points for v in vs),
                        "{}",
                        1,
                        now,
                        now,
                        county,
                        county[:4],
                        county[:2],
                    )
                )
        with cur.copy(
            "COPY registry_vehicle (id, public_id, vin, brand, model_name, colour, vehicle_class,"
            " use, seats, fuel, manufacture_date, registration_date, owner_person_id, status,"
            " van, version, created_at, updated_at, region_code, city_code, province_code)"
            " FROM STDIN"
        ) as cp:
            for k in range(vehicles):
                county = counties[k % len(counties)]
                cp.write_row(
                    (
                        k + 1,
                        uuid.uuid4(),
                        f"LBPTS{k:012d}",
                        "大众",
                        "朗逸",
                        "白",
                        "small_passenger",
                        "non_commercial",
                        5,
                        "petrol",
                        dt.date(2018, 1, 1),
                        dt.date(2018, 3, 1),
                        k * 20 + 1,
                        "normal",
                        False,
                        1,
                        now,
                        now,
                        county,
                        county[:4],
                        county[:2],
                    )
                )
        with cur.copy(
            'COPY violations_pointcycle (id, licence_id, "index", start, "end", opening_points,'
            " total, cleared, carried_over, rule) FROM STDIN"
        ) as cp:
            for n in range(licences):
                _born, _first, years = _dates(day, n)
                cp.write_row((n + 1, n + 1, years - 1, start, end, plan(n)[0], 0, 0, 0, ""))
        duties: list[tuple[int, int]] = []  # (duty id, licence number)
        with cur.copy(
            "COPY violations_educationduty (id, public_id, licence_id, cycle_id, state,"
            ' opened_at, study_days, min_counted_days, min_onsite_days, "group",'
            " full_scores_in_cycle, points_in_cycle, rule, reason) FROM STDIN"
        ) as cp:
            for n in range(licences):
                if plan(n)[2]:
                    duties.append((len(duties) + 1, n))
                    f = duty.facts
                    cp.write_row(
                        (
                            len(duties),
                            uuid.uuid4(),
                            n + 1,
                            n + 1,
                            "open",
                            now,
                            f["study_days"],
                            f["min_counted_days"],
                            f["min_onsite_days"],
                            f["group"],
                            1,
                            12,
                            duty.rule,
                            "",
                        )
                    )
        duty_of = {n: d for d, n in duties}
        vid = 0
        entries: list[tuple[int, int, int, bool, int | None, dt.datetime]] = []
        with cur.copy(
            "COPY violations_violation (id, public_id, number, vehicle_id, plate_number,"
            " occurred_at, place, region_code, city_code, province_code, offence_code,"
            " description, citation, twelve_point_offence, points, fine_fen, evidence, source,"
            " source_ref, external_ref, recorded_by_label, driver_id, licence_id, state,"
            " decided_on, fine_due_on, paid_at, fee_order_no, reason, version, created_at,"
            " updated_at) FROM STDIN"
        ) as cp:
            for n in range(licences):
                _opening, vs, _full = plan(n)
                for k, v in enumerate(vs):
                    vid += 1
                    county = counties[n % len(counties)]
                    decided = end - dt.timedelta(days=v.decided_days_before_end)
                    occurred = dt.datetime.combine(
                        decided - dt.timedelta(days=3 + k), dt.time(1, 30), dt.UTC
                    )
                    at = dt.datetime.combine(decided, dt.time(2), dt.UTC)
                    paid_at = at + dt.timedelta(days=2) if v.paid else None
                    cp.write_row(
                        (
                            vid,
                            uuid.uuid4(),
                            f"B{vid:011d}",
                            1 + n % vehicles,
                            "苏A12345",
                            occurred,
                            "中山路与北京东路路口",
                            county,
                            county[:4],
                            county[:2],
                            "1625" if v.points == 6 else "1345",
                            "驾驶机动车违反道路交通信号灯通行",
                            "《道路交通安全法》第38条",
                            "",
                            v.points,
                            20_000,
                            "[]",
                            "enforcement_system",
                            "bench",
                            "",
                            "bench",
                            n + 1,
                            n + 1,
                            "paid" if v.paid else "driver_confirmed",
                            decided,
                            decided + dt.timedelta(days=15),
                            paid_at,
                            "",
                            "",
                            3 if v.paid else 2,
                            occurred,
                            paid_at or at,
                        )
                    )
                    entries.append((n + 1, vid, v.points, v.paid, duty_of.get(n), at))
        with cur.copy(
            "COPY violations_pointentry (id, licence_id, cycle_id, violation_id, kind, points,"
            " fine_paid, state, duty_id, rule, created_at) FROM STDIN"
        ) as cp:
            for eid, (lid, v_id, pts, paid, duty_id, at) in enumerate(entries, 1):
                cp.write_row(
                    (eid, lid, lid, v_id, "violation", pts, paid, "active", duty_id, cycle_rule, at)
                )
        for table in (
            "registry_person",
            "registry_drivinglicence",
            "registry_vehicle",
            "violations_pointcycle",
            "violations_educationduty",
            "violations_violation",
            "violations_pointentry",
        ):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" (SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
            )
        cur.execute("CREATE TABLE bench_meta (licences integer, day date, seeded_at timestamptz)")
        cur.execute("INSERT INTO bench_meta VALUES (%s, %s, now())", (licences, day))
        cur.execute("VACUUM ANALYZE")
    C.log(
        f"  seeded {licences:,} licences, {vid:,} violations, {len(duties):,} duties"
        f" in {time.monotonic() - t0:.0f} s"
    )


def seed_matches(name: str, licences: int, day: dt.date) -> bool:
    import psycopg

    if not C.database_exists(name):
        return False
    with psycopg.connect(C.dsn(name)) as conn:
        found = conn.execute("SELECT to_regclass('bench_meta')").fetchone()
        if found is None or found[0] is None:
            return False
        row = conn.execute("SELECT licences, day FROM bench_meta").fetchone()
        return row is not None and tuple(row) == (licences, day)


def copy_of(seed_name: str, name: str) -> None:
    with C._admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{seed_name}" STRATEGY FILE_COPY')


def drop(name: str) -> None:
    with C._admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# ---------------------------------------------------------------- the one SQL statement

#: The settlement of R163 Art. 15 set-based, for every licence whose (single) open cycle has
#: ended and whose next cycle contains the bench day and does not exist yet (checked first):
#: below 12 points everything is cleared except the points of fines overdue and unpaid at the
#: cycle's end (fine, not paid, last day to pay on or before the cycle's last day), which carry
#: into the next cycle; at 12 or more everything carries. Opening points count unless a
#: completed full-score duty took them. The next cycle ends the day before the first issue
#: plus 12 months more (29 February -> 1 March, as ``licensing.rules._add_months``).
SETTLE = """
WITH due AS (
  SELECT c.id, c.licence_id, c."index", c."end", l.first_issue_date AS first,
         CASE WHEN c.id IN (SELECT d.cycle_id FROM violations_educationduty d
                            WHERE d.state = 'completed')
              THEN 0 ELSE c.opening_points END AS opening
  FROM violations_pointcycle c JOIN registry_drivinglicence l ON l.id = c.licence_id
  WHERE c.closed_at IS NULL AND c."end" < %(today)s
), ent AS (
  SELECT e.id, e.cycle_id, e.licence_id, e.violation_id, e.points, e.fine_paid, e.duty_id,
         (v.fine_fen > 0 AND NOT e.fine_paid AND v.fine_due_on IS NOT NULL
          AND v.fine_due_on <= d."end") AS unpaid
  FROM violations_pointentry e
  JOIN due d ON d.id = e.cycle_id
  JOIN violations_violation v ON v.id = e.violation_id
  WHERE e.state = 'active'
), sums AS (
  SELECT d.id, d.licence_id, d."index", d."end", d.first,
         d.opening + coalesce(sum(ent.points), 0) AS total,
         coalesce(sum(ent.points) FILTER (WHERE ent.unpaid), 0) AS unpaid_points
  FROM due d LEFT JOIN ent ON ent.cycle_id = d.id
  GROUP BY d.id, d.licence_id, d."index", d."end", d.first, d.opening
), dec AS (
  SELECT *, total >= %(full)s AS full_score,
         CASE WHEN total >= %(full)s THEN total ELSE unpaid_points END AS carried
  FROM sums
), closed AS (
  UPDATE violations_pointcycle c
  SET closed_at = %(now)s, total = dec.total, carried_over = dec.carried,
      cleared = dec.total - dec.carried, rule = %(rule)s
  FROM dec WHERE c.id = dec.id
  RETURNING c.id
), nxt AS (
  INSERT INTO violations_pointcycle
    (licence_id, "index", start, "end", opening_points, total, cleared, carried_over, rule)
  SELECT dec.licence_id, dec."index" + 1,
         dec."end" + 1,
         (CASE WHEN extract(day FROM m.at) = extract(day FROM dec.first) THEN m.at::date
               ELSE (date_trunc('month', m.at) + interval '1 month')::date END) - 1,
         0, 0, 0, 0, ''
  FROM dec, LATERAL (SELECT dec.first + make_interval(months => (dec."index" + 2) * 12) AS at) m
  RETURNING id, licence_id
), moves AS (
  SELECT ent.*, dec.full_score OR ent.unpaid AS carry FROM ent JOIN dec ON dec.id = ent.cycle_id
), settled AS (
  UPDATE violations_pointentry e
  SET state = CASE WHEN moves.carry THEN 'carried' ELSE 'cleared' END, settled_at = %(now)s
  FROM moves WHERE e.id = moves.id
  RETURNING e.id
), carried AS (
  INSERT INTO violations_pointentry
    (licence_id, cycle_id, violation_id, kind, carried_from_id, points, fine_paid, state,
     duty_id, rule, created_at)
  SELECT moves.licence_id, nxt.id, moves.violation_id, 'carry_over', moves.id, moves.points,
         moves.fine_paid, 'active', moves.duty_id, %(rule)s, %(now)s
  FROM moves JOIN nxt ON nxt.licence_id = moves.licence_id
  WHERE moves.carry
  RETURNING licence_id, points
), vclosed AS (
  UPDATE violations_violation v
  SET state = 'closed', version = v.version + 1, updated_at = %(now)s
  FROM moves
  WHERE v.id = moves.violation_id AND NOT moves.carry AND v.state = 'paid'
    AND NOT EXISTS (SELECT 1 FROM violations_pointentry o
                    WHERE o.violation_id = v.id AND o.state = 'active' AND o.id <> moves.id)
  RETURNING v.id
), vevents AS (
  INSERT INTO violations_violationevent
    (violation_id, command, from_state, to_state, actor_ref, actor_label, reason, at)
  SELECT id, 'close', 'paid', 'closed', 'system', %(label)s, '', %(now)s FROM vclosed
  RETURNING 1
), newpoints AS (
  SELECT dec.licence_id, coalesce(c.points, 0) AS points
  FROM dec LEFT JOIN (SELECT licence_id, sum(points) AS points FROM carried GROUP BY 1) c
    ON c.licence_id = dec.licence_id
), lic AS (
  UPDATE registry_drivinglicence l
  SET points = newpoints.points, version = l.version + 1, updated_at = %(now)s
  FROM newpoints WHERE l.id = newpoints.licence_id AND l.points <> newpoints.points
  RETURNING l.id
)
SELECT (SELECT count(*) FROM closed), (SELECT count(*) FROM nxt),
       (SELECT count(*) FROM settled), (SELECT count(*) FROM carried),
       (SELECT count(*) FROM vclosed), (SELECT count(*) FROM vevents),
       (SELECT count(*) FROM lic)
"""

#: What the statement assumes of the data: one ended open cycle per licence, the next one
#: containing the bench day and not there yet. Must be 0.
PRECONDITION = """
SELECT count(*) FROM violations_pointcycle c
WHERE c.closed_at IS NULL AND c."end" < %(today)s
  AND (c."end" + interval '1 year' < %(today)s
       OR EXISTS (SELECT 1 FROM violations_pointcycle n
                  WHERE n.licence_id = c.licence_id AND n."index" > c."index"))
"""

# ---------------------------------------------------------------- comparing the results

#: Every row that the settlement decides, keyed so that both sides' rows line up (ids of new
#: rows and timestamps left out; whether a timestamp is set is kept).
ROWS = {
    "cycles": """
        SELECT concat_ws('|', licence_id, "index", start, "end", opening_points,
                         closed_at IS NOT NULL, total, cleared, carried_over, rule)
        FROM violations_pointcycle""",
    "entries": """
        SELECT concat_ws('|', e.licence_id, c."index", e.violation_id, e.kind,
                         f.violation_id, fc."index", e.points, e.fine_paid, e.state,
                         e.duty_id, e.rule, e.settled_at IS NOT NULL)
        FROM violations_pointentry e JOIN violations_pointcycle c ON c.id = e.cycle_id
        LEFT JOIN violations_pointentry f ON f.id = e.carried_from_id
        LEFT JOIN violations_pointcycle fc ON fc.id = f.cycle_id""",
    "licences": """
        SELECT concat_ws('|', id, points, status, version) FROM registry_drivinglicence""",
    "violations": """
        SELECT concat_ws('|', id, state, version) FROM violations_violation""",
    "violation events": """
        SELECT concat_ws('|', violation_id, command, from_state, to_state, actor_ref,
                         actor_label) FROM violations_violationevent""",
}


def digest(name: str) -> dict[str, tuple[int, int]]:
    """(rows, order-free sum of their md5s) per kind of row."""
    out = {}
    with C.psycopg_conn(name) as conn:
        for kind, sql in ROWS.items():
            row = conn.execute(
                "SELECT count(*), coalesce(sum(('x' || substr(md5(r), 1, 15))::bit(60)::bigint), 0)"
                f" FROM ({sql}) AS t(r)"
            ).fetchone()
            out[kind] = (int(row[0]), int(row[1]))
    return out


def differences(a: str, b: str, kind: str, limit: int = 10) -> list[str]:
    def rows(name: str) -> list[str]:
        with C.psycopg_conn(name) as conn:
            return [r[0] for r in conn.execute(ROWS[kind]).fetchall()]

    ra, rb = rows(a), rows(b)
    only_a = sorted(set(ra) - set(rb))[:limit]
    only_b = sorted(set(rb) - set(ra))[:limit]
    return [f"    job only: {r}" for r in only_a] + [f"    SQL only: {r}" for r in only_b]


# ---------------------------------------------------------------- running


class Progress(threading.Thread):
    """Prints how many cycles the job has closed so far, from its own connection."""

    def __init__(self, name: str, total: int, every: float) -> None:
        super().__init__(daemon=True)
        self.name_, self.total, self.every = name, total, every
        self.done = threading.Event()

    def run(self) -> None:
        t0 = time.monotonic()
        with C.psycopg_conn(self.name_) as conn:
            while not self.done.wait(self.every):
                n = conn.execute(
                    "SELECT count(*) FROM violations_pointcycle WHERE closed_at IS NOT NULL"
                ).fetchone()[0]
                s = time.monotonic() - t0
                C.log(f"    job: {n:,}/{self.total:,} cycles closed, {s:.0f} s, {n / s:,.0f}/s")


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--licences", type=int, default=1_000_000)
    p.add_argument("--day", type=dt.date.fromisoformat, default=dt.date(2027, 3, 15))
    p.add_argument("--db", default="jiaoguan_bench_points")
    p.add_argument("--fresh", action="store_true", help="seed again even if the seed matches")
    p.add_argument("--profile", help="write a cProfile of the job to this file")
    p.add_argument("--keep", action="store_true", help="keep the job and SQL databases")
    p.add_argument("--drop-seed", action="store_true", help="drop the seed database at the end")
    p.add_argument("--progress", type=float, default=30.0, help="seconds between progress lines")
    p.add_argument("--seed-only", action="store_true", help="build the seed database and stop")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    ns = parse(argv)
    if ns.day.month == 2 and ns.day.day == 29:
        raise SystemExit("--day: choose a date every year has")
    C.install_cleanup()
    seed_db, job_db, sql_db = f"{ns.db}_seed", f"{ns.db}_job", f"{ns.db}_sql"
    C.setup_django_in_process(job_db)
    from django.db import connection

    from jiaoguan.audit.models import AuditEvent
    from jiaoguan.audit.selectors import audit_verify
    from jiaoguan.kernel import clock
    from jiaoguan.licensing.rules import FULL_SCORE, cycle_end_clearing
    from jiaoguan.violations.tasks import close_ended_cycles

    print(f"== bench/points.py: {ns.licences:,} licences, bench day {ns.day}, database {ns.db}")
    if ns.fresh or not seed_matches(seed_db, ns.licences, ns.day):
        C.log(f"seeding {seed_db} with COPY")
        seed(seed_db, ns.licences, ns.day)
    else:
        C.log(f"reusing {seed_db} ({ns.licences:,} licences, day {ns.day}; --fresh reloads)")
    if ns.seed_only:
        return 0
    today = ns.day
    # 03:00 in China on the bench day: the daily run
    at = dt.datetime.combine(today, dt.time(3), clock.SHANGHAI)
    params = {
        "today": today,
        "now": at,
        "full": FULL_SCORE,
        "rule": cycle_end_clearing(records=[]).rule,
        "label": "points-cycle-end",
    }
    copy_of(seed_db, job_db)
    copy_of(seed_db, sql_db)
    with C.psycopg_conn(sql_db) as conn:
        due = conn.execute(
            'SELECT count(*) FROM violations_pointcycle WHERE closed_at IS NULL AND "end" < %s',
            (today,),
        ).fetchone()[0]
        bad = conn.execute(PRECONDITION, params).fetchone()[0]
    if bad:
        raise SystemExit(f"{bad} cycles the one statement does not handle (see PRECONDITION)")
    audit_before = AuditEvent.objects.count()

    # 1. the same settlement as one statement, on its own copy of the seed (the reset)
    C.log("1. one SQL statement, on its own copy of the seed")
    with C.psycopg_conn(sql_db) as conn:
        conn.execute("SET jit = off")
        t0 = time.perf_counter()
        with conn.transaction():
            counts = conn.execute(SETTLE, params).fetchone()
        sql_s = time.perf_counter() - t0
    names = (
        "cycles closed",
        "next cycles",
        "entries settled",
        "carried over",
        "violations closed",
        "violation events",
        "licences changed",
    )
    stats = dict(zip(names, (int(c) for c in counts), strict=True))
    C.log(f"   {stats}: {sql_s:.2f} s = {due / sql_s:,.0f} licences/s")

    # 2. the job, as the scheduler runs it (the task's own function), on the bench day;
    #    first the statement: a long run stopped early has the statement's figures
    C.log(f"2. the job (violations.tasks.close_ended_cycles) over {due:,} licences due")
    progress = Progress(job_db, due, ns.progress)
    progress.start()
    profiler = None
    if ns.profile:
        import cProfile

        profiler = cProfile.Profile()
    queries = 0

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def,unused-ignore]
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    with clock.frozen(at), connection.execute_wrapper(count):
        t0, cpu0 = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        report = close_ended_cycles.call()
        if profiler:
            profiler.disable()
        job_s, job_cpu = time.perf_counter() - t0, time.process_time() - cpu0
    progress.done.set()
    if profiler:
        profiler.dump_stats(ns.profile)
    audit_rows = AuditEvent.objects.count() - audit_before
    connection.close()
    C.log(
        f"   {report}: {job_s:.2f} s = {due / job_s:,.0f} licences/s;"
        f" {queries / due:.1f} statements and {job_cpu / due * 1000:.2f} ms of this process's"
        f" CPU per licence ({queries:,} statements; SAVEPOINTs counted, BEGIN and COMMIT not)"
    )

    # 3. the same results?
    dj, ds = digest(job_db), digest(sql_db)
    same = dj == ds
    for kind in ROWS:
        mark = "same" if dj[kind] == ds[kind] else "DIFFERENT"
        C.log(f"   {kind}: job {dj[kind][0]:,} rows, SQL {ds[kind][0]:,} rows: {mark}")
        if dj[kind] != ds[kind] and ns.licences <= 50_000:
            for line in differences(job_db, sql_db, kind):
                C.log(line)
    expected_audit = stats["cycles closed"] + stats["licences changed"] + stats["violations closed"]
    audit_ok = audit_rows == expected_audit
    C.log(
        f"   audit rows written by the job: {audit_rows:,} (one per cycle closed, licence"
        f" changed and violation closed: {expected_audit:,}) {'ok' if audit_ok else 'WRONG'}"
    )
    t0 = time.perf_counter()
    verify = audit_verify()
    chain = "INTACT" if verify.ok else f"BROKEN at {verify.first_break}"
    C.log(
        f"   audit chain on the job database: {chain}, {verify.rows_checked:,} rows verified"
        f" ({time.perf_counter() - t0:.0f} s)"
    )
    connection.close()
    C.log(
        f"RESULT {ns.licences:,} licences ({due:,} due): job {job_s:.2f} s ="
        f" {due / job_s:,.0f} licences/s; one SQL statement {sql_s:.2f} s ="
        f" {due / sql_s:,.0f} licences/s; the job takes {job_s / sql_s:,.1f}x the statement's"
        f" time; job {queries / due:.1f} statements, {job_cpu / due * 1000:.2f} ms Python CPU"
        f" per licence; results {'IDENTICAL' if same else 'DIFFERENT'}"
    )
    if not ns.keep:
        drop(job_db)
        drop(sql_db)
    if ns.drop_seed:
        drop(seed_db)
    return 0 if same and audit_ok and verify.ok else 1


if __name__ == "__main__":
    sys.exit(main())
