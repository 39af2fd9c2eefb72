"""Background delivery of the outbox (django-tasks-db). Enqueued after each commit that
writes a message, and from the scheduler every minute as the sweep that finds anything a
lost nudge or a dead worker left behind."""

from __future__ import annotations

from django_tasks import task

from jiaoguan.audit.services import Actor
from jiaoguan.exchange.services import foreign_appointments_no_show_run, outbox_deliver_due


@task()
def deliver_outbox(limit: int = 100) -> dict[str, int]:
    """Try every outbox message whose next attempt is due."""
    return outbox_deliver_due(limit=limit)


@task()
def mark_foreign_no_shows() -> int:
    """Mark the foreign bookings whose slot passed without a check-in as no-shows."""
    return foreign_appointments_no_show_run(actor=Actor.system("inspection-no-shows"))
