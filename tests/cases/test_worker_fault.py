"""Fault: a background worker killed (SIGKILL) in the middle of a job.

Real worker processes run the real command of ``jiaoguan demo`` (``python -m jiaoguan.cli
manage db_worker``, django-tasks-db) against the test database, while the sandbox partners run
in this process. A licence renewal goes through two jobs that are each killed mid-flight:

1. its checks, retried by ``recheck_applications`` while the hospitals' data link is slowed
   (the worker is killed while it waits for the hospital, inside the check's transaction);
2. its fee, found by ``poll_pending_payments`` after the provider's callback was lost, while
   the postal service is slowed (the worker is killed while the same transaction, having marked
   the order paid, renewed the licence and issued the document, waits for the post).

After each kill a fresh worker (``--batch``: run what is queued, then exit) shows the killed
job's row stuck ``RUNNING``; ``jiaoguan.kernel.tasks.requeue_stale_tasks`` puts it back and
the fresh worker finishes it. The application ends dispatched exactly once: one set of
events, checks passed before approval, one renewal in the registry, one licence document, one
receipt, one charge.

The database: on PostgreSQL the test database itself (``transaction=True``, so what this
process writes is committed and the workers see it). On SQLite pytest-django's test database
lives in this process's memory, which no other process can open; the test copies it to a file
with SQLite's online backup API before the workers run and copies the file back after, so the
workers use the same schema and data (and the same WAL and IMMEDIATE settings as the demo).
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from jiaoguan.audit.models import AuditEvent
from jiaoguan.audit.services import Actor
from jiaoguan.cases import services
from jiaoguan.cases.models import Application, Shipment
from jiaoguan.cases.tasks import recheck_applications
from jiaoguan.documents.models import Document
from jiaoguan.kernel import clock
from jiaoguan.kernel.tasks import LOST, requeue_stale_tasks
from jiaoguan.payments import services as payments
from jiaoguan.payments.constants import OrderStatus
from jiaoguan.payments.models import FeeOrder, PaymentEvent
from jiaoguan.payments.tasks import poll_pending_payments
from jiaoguan.registry.models import DrivingLicence
from tests.accounts.test_accounts import sandbox_call
from tests.cases.test_documents_and_links import _person_with_medical, _renewable
from tests.conftest import SANDBOX_KEY
from tests.payments.test_payments import pay

pytestmark = pytest.mark.django_db(transaction=True)

ENGINE = Actor.system("tests")
WORKER = [sys.executable, "-m", "jiaoguan.cli", "manage", "db_worker"]  # as `jiaoguan demo`
SLOW = 20.0  # seconds a slowed partner takes: far longer than it takes to kill the worker


class SharedDatabase:
    """The test database as the worker processes reach it (see the module docstring)."""

    def __init__(self, tmp_path: Path) -> None:
        settings = connection.settings_dict
        self.sqlite = connection.vendor == "sqlite"
        if self.sqlite:
            self.path = tmp_path / "workers.sqlite3"
            self.url = f"sqlite:///{self.path}"
        else:
            auth = quote(settings["USER"] or "")
            if settings["PASSWORD"]:
                auth += ":" + quote(settings["PASSWORD"])
            self.url = (
                f"postgres://{auth}@{settings['HOST'] or '127.0.0.1'}:"
                f"{settings['PORT'] or 5432}/{settings['NAME']}"
            )

    def push(self) -> None:
        """Make what this process wrote visible to the workers."""
        if not self.sqlite:
            return
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        connection.ensure_connection()
        target = sqlite3.connect(self.path)
        connection.connection.backup(target)
        target.close()

    def pull(self) -> None:
        """Make what the workers wrote visible to this process."""
        if not self.sqlite:
            return
        source = sqlite3.connect(self.path)
        source.backup(connection.connection)
        source.close()

    def task_status(self, task_id: Any) -> str:
        if self.sqlite:
            with sqlite3.connect(self.path, timeout=5) as db:
                row = db.execute(
                    f"SELECT status FROM {DBTaskResult._meta.db_table} WHERE id = ?",  # noqa: S608
                    [str(task_id).replace("-", "")],
                ).fetchone()
            return str(row[0]) if row else ""
        return str(DBTaskResult.objects.get(id=task_id).status)

    def row_locked(self, model: Any, pk: int) -> bool:
        """Whether a worker holds ``model`` row ``pk`` in an open transaction (on SQLite: holds
        the database's write lock, which IMMEDIATE transactions take at BEGIN)."""
        if self.sqlite:
            db = sqlite3.connect(self.path, timeout=0, isolation_level=None)
            try:
                db.execute("BEGIN IMMEDIATE")
                db.execute("ROLLBACK")
                return False
            except sqlite3.OperationalError:
                return True
            finally:
                db.close()
        try:
            with transaction.atomic():
                list(model.objects.select_for_update(nowait=True).filter(pk=pk))
        except DatabaseError:
            return True
        return False


class Workers:
    """Worker processes with the demo's command, on the shared database."""

    def __init__(self, db: SharedDatabase, sandbox_url: str, tmp_path: Path) -> None:
        self.db = db
        self.log = tmp_path / "workers.log"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "jiaoguan.conf.settings.dev",
            # DEBUG on (the demo) runs the worker as a child of the autoreloader; off, the
            # process started is the worker, and the kill hits it
            "DEBUG": "0",
            "DATABASE_URL": db.url,
            "JIAOGUAN_DATA_DIR": str(tmp_path),
            "JIAOGUAN_SANDBOX_URL": sandbox_url,
            "JIAOGUAN_SANDBOX_KEY": SANDBOX_KEY,
            "JIAOGUAN_PARTNER_TIMEOUT": str(SLOW * 3),  # slow, not down: it would answer
        }

    def _out(self) -> Any:
        return self.log.open("a")

    def kill_mid_job(
        self, task_id: Any, model: Any, pk: int, held: Callable[[], bool] | None = None
    ) -> None:
        """Start a worker, wait until it runs ``task_id`` and holds the ``model`` row in an
        open transaction (or, with ``held``, until that says the job is mid-way), and kill it
        there."""
        self.db.push()
        with self._out() as out:
            worker = subprocess.Popen(WORKER, env=self.env, stdout=out, stderr=out)
        try:
            deadline = time.monotonic() + 60
            streak = 0
            while streak < 3:  # held across several probes: the long wait, not a short write
                assert time.monotonic() < deadline, self.log.read_text()
                assert worker.poll() is None, self.log.read_text()
                running = self.db.task_status(task_id) == "RUNNING"
                midway = held() if held is not None else self.db.row_locked(model, pk)
                streak = streak + 1 if running and midway else 0
                time.sleep(0.3)
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(10)
        assert worker.returncode == -signal.SIGKILL
        self.db.pull()

    def run_queued(self) -> None:
        """A fresh worker runs whatever is ready, then exits."""
        self.db.push()
        with self._out() as out:
            done = subprocess.run(
                [*WORKER, "--batch"], env=self.env, stdout=out, stderr=out, timeout=180
            )
        assert done.returncode == 0, self.log.read_text()
        self.db.pull()


def slow(server: Any, service: str) -> None:
    sandbox_call(
        server,
        "POST",
        "/_sandbox/faults",
        {"service": service, "mode": "timeout", "count": 1, "seconds": SLOW},
    )


def commands(app: Application) -> list[str]:
    return list(app.events.order_by("id").values_list("command", flat=True))


def test_worker_killed_mid_job_loses_nothing_and_does_nothing_twice(
    settings: Any, sandbox_server: Any, tmp_path: Path
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    db = SharedDatabase(tmp_path)
    workers = Workers(db, sandbox_server.url, tmp_path)
    person = _person_with_medical("fit")
    renewable = _renewable(person)
    renewable.refresh_from_db()
    old_until = renewable.valid_until
    assert old_until is not None

    # the hospital link is down at submission: the application waits, visibly "verifying"
    sandbox_call(
        sandbox_server,
        "POST",
        "/_sandbox/faults",
        {"service": "hospital", "mode": "error", "count": 1},
    )
    try:
        app = services.application_start(
            actor=ENGINE, applicant=person, business_type="licence_renewal", channel="online"
        )
        app = services.application_submit(
            actor=ENGINE,
            principal=None,
            application=app,
            changes={"delivery": "post", "delivery_address": "江苏省南京市玄武区中山路1号"},
        )
    finally:
        sandbox_call(sandbox_server, "DELETE", "/_sandbox/faults")
    assert app.state == "verifying"
    assert app.checks["medical_certificate"]["status"] == "pending"

    # 1. the recheck job is killed while the (slowed) hospital is asked: the engine asks the
    # data links before it locks the row, so "mid-way" is the slowed call being in flight
    slow(sandbox_server, "hospital")
    recheck = recheck_applications.enqueue()
    workers.kill_mid_job(
        recheck.id, Application, app.pk, held=lambda: not sandbox_server.faults.pending("hospital")
    )
    app.refresh_from_db()
    assert app.state == "verifying"  # the check's transaction died with the worker
    assert commands(app) == ["submit", "start_checks"]
    workers.run_queued()
    assert DBTaskResult.objects.get(id=recheck.id).status == "RUNNING"  # lost, and stuck
    sweep = requeue_stale_tasks.enqueue(older_than_seconds=0)
    workers.run_queued()
    assert DBTaskResult.objects.get(id=sweep.id).return_value == {"requeued": 1, "failed": 0}
    finished = DBTaskResult.objects.get(id=recheck.id)
    assert (finished.status, finished.return_value, len(finished.worker_ids)) == (
        "SUCCESSFUL",
        1,
        2,
    )
    app.refresh_from_db()
    assert app.state == "awaiting_payment"
    assert commands(app) == ["submit", "start_checks", "await_payment"]
    assert all(c["status"] == "ok" for c in app.checks.values())

    # 2. the citizen pays; the provider's callback is lost; the poll job finds the payment
    # and is killed while its transaction waits for the (slowed) post
    order = services.application_fee_order(actor=ENGINE, application=app)
    payments.payment_start(actor=ENGINE, order=order, provider="wechat")
    charge = pay(sandbox_server, order, "wechat", deliver="none")
    slow(sandbox_server, "post")
    poll = poll_pending_payments.enqueue(older_than_seconds=0)
    workers.kill_mid_job(poll.id, FeeOrder, order.pk)
    assert sandbox_server.faults.take("post") is None  # killed while the post was asked
    order.refresh_from_db()
    app.refresh_from_db()
    assert order.status == OrderStatus.PAYING  # paid at the provider, not yet here
    assert app.state == "awaiting_payment"
    assert not Document.objects.filter(holder_person_ref=str(person.public_id)).exists()
    assert not PaymentEvent.objects.filter(order=order).exists()
    sweep = requeue_stale_tasks.enqueue(older_than_seconds=0)
    workers.run_queued()
    assert DBTaskResult.objects.get(id=poll.id).status == "SUCCESSFUL"

    # the application ends dispatched, exactly once
    app.refresh_from_db()
    order.refresh_from_db()
    assert app.state == "dispatched"
    assert commands(app) == [
        "submit",
        "start_checks",
        "await_payment",
        "approve_automatically",
        "produce",
        "dispatch",
    ]
    assert Shipment.objects.filter(application=app).count() == 1
    # one charge: paid once here, one provider transaction, nothing for the reconciliation
    assert (order.status, order.provider_txn_id) == (OrderStatus.PAID, charge["transaction_id"])
    assert order.history.filter(command="mark_paid").count() == 1
    assert list(PaymentEvent.objects.filter(order=order).values_list("applied", flat=True)) == [
        True
    ]
    report = payments.reconciliation_run(actor=ENGINE, day=clock.today())
    assert report.mismatches.count() == 0
    # one renewal in the registry, one licence, one receipt
    licence = DrivingLicence.objects.get(person=person)
    assert licence.valid_from == max(old_until, clock.today())
    assert AuditEvent.objects.filter(action="licence.renew").count() == 1
    documents = Document.objects.filter(holder_person_ref=str(person.public_id))
    assert sorted(documents.values_list("kind", flat=True)) == [
        "driving_licence",
        "payment_receipt",
    ]
    assert licence.valid_until is not None and licence.valid_until > old_until + dt.timedelta(
        days=365
    )


def test_stale_running_rows_are_queued_again_then_failed() -> None:
    """The sweeper's policy, on rows as a dead worker leaves them: an old ``RUNNING`` row is
    queued again until it was claimed ``max_attempts`` times, then failed with the reason; a
    row running for less than the timeout is left to its (live) worker."""
    now = timezone.now()

    def running(minutes_ago: int, claims: int) -> DBTaskResult:
        return DBTaskResult.objects.create(
            status="RUNNING",
            args_kwargs={"args": [], "kwargs": {}},
            task_path="jiaoguan.cases.tasks.recheck_applications",
            backend_name="default",
            run_after=get_date_max(),
            started_at=now - dt.timedelta(minutes=minutes_ago),
            worker_ids=[f"w{n}" for n in range(claims)],
        )

    lost_once, lost_thrice, busy = running(30, 1), running(30, 3), running(2, 1)
    result = requeue_stale_tasks.enqueue(older_than_seconds=15 * 60, max_attempts=3)
    assert result.return_value == {"requeued": 1, "failed": 1}
    lost_once.refresh_from_db()
    lost_thrice.refresh_from_db()
    busy.refresh_from_db()
    assert (lost_once.status, lost_thrice.status, busy.status) == ("READY", "FAILED", "RUNNING")
    assert lost_thrice.exception_class_path == LOST and "w0, w1, w2" in lost_thrice.traceback
    assert DBTaskResult.objects.ready().filter(id=lost_once.id).exists()  # a worker takes it
