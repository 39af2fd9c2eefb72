"""Housekeeping of the task queue itself (django-tasks-db).

A worker marks the job it claims ``RUNNING`` and commits that before it runs the job, and marks
it finished afterwards. A worker that dies in between (killed, out of memory, host lost)
leaves the row ``RUNNING`` for ever: no worker claims a running row again, so the job is never
finished, and nothing says it was lost. The business change it was making is not half done
(each service is one transaction, rolled back with the dead connection), but it is not done
either until something runs the job again.

:func:`requeue_stale_tasks` is that something. Run it from the scheduler like the other
periodic jobs (every few minutes). A row ``RUNNING`` for longer than ``older_than_seconds``
(longer than any job of ours takes: they are batches bounded by a ``limit`` and partner
timeouts) is taken as lost: it goes back to ``READY`` and a worker runs it again, until it has
been claimed ``max_attempts`` times; then it is marked ``FAILED`` with the reason, for the
operators to look at. Relying on the periodic re-checks alone (the scheduler enqueues
``recheck_applications`` and ``poll_pending_payments`` again every minute) would redo the
work but leave the lost row ``RUNNING`` for ever and lose any one-off job (a notice's SMS).

Running a job again is safe because every job here is a sweep whose steps lock their row and
check its state before they move (an application already past ``verifying`` is not checked
again, an order already paid is not paid again), so even a job that was in fact still running
when declared lost changes nothing twice. At worst a re-run repeats what is outside the
database: a second reconciliation report for the day, or a second SMS when the worker died
between the gateway's answer and the commit that recorded it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import uuid

from django.utils import timezone
from django_tasks import TaskContext, task
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)

#: A job running longer than this is taken as lost (ours take seconds; partner timeouts 5 s).
STALE_AFTER_SECONDS = 15 * 60
#: Claims of one job before it is failed instead of queued again.
MAX_ATTEMPTS = 3
LOST = "jiaoguan.kernel.tasks.WorkerLost"


@task(takes_context=True)
def requeue_stale_tasks(
    context: TaskContext,
    older_than_seconds: int = STALE_AFTER_SECONDS,
    max_attempts: int = MAX_ATTEMPTS,
) -> dict[str, int]:
    """Queue again (or fail, after ``max_attempts`` claims) the jobs left ``RUNNING`` for
    longer than ``older_than_seconds`` by a worker that died. Returns the counts."""
    now = timezone.now()
    stale = (
        DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
        .filter(started_at__lt=now - dt.timedelta(seconds=older_than_seconds))
        .order_by("started_at")
    )
    # not this very job (run outside the database queue, by the immediate backend, it has no
    # row and its id is no UUID)
    with contextlib.suppress(ValueError):
        stale = stale.exclude(id=uuid.UUID(str(context.task_result.id)))
    requeued = failed = 0
    for row in stale.only("id", "started_at", "worker_ids", "task_path"):
        # compare-and-set: a worker that finishes the job meanwhile wins
        same = DBTaskResult.objects.filter(
            id=row.id, status=TaskResultStatus.RUNNING, started_at=row.started_at
        )
        if len(row.worker_ids) < max_attempts:
            requeued += same.update(status=TaskResultStatus.READY)
            logger.warning("task %s (%s) lost by its worker: queued again", row.id, row.task_path)
        else:
            failed += same.update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                exception_class_path=LOST,
                traceback=(
                    f"Lost by its worker {len(row.worker_ids)} times (workers "
                    f"{', '.join(map(str, row.worker_ids))}); not retried again."
                ),
            )
            logger.error("task %s (%s) lost %d times: failed", row.id, row.task_path, max_attempts)
    return {"requeued": requeued, "failed": failed}
