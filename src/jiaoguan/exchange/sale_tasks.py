"""The daily deadline sweep of archive transfers (django-tasks-db; docs/exchange.md)."""

from __future__ import annotations

from django_tasks import task

from jiaoguan.exchange.sale import transfer_deadlines_sweep


@task()
def sweep_transfer_deadlines(limit: int = 5000) -> dict[str, int]:
    """Flag transfers past their deadline once, and notify their owners (daily)."""
    return transfer_deadlines_sweep(limit=limit)
