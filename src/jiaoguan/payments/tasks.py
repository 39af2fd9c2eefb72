"""Periodic payment jobs (run them from the scheduler, like ``cases.tasks``).

* :func:`poll_pending_payments`: every few minutes, ask the provider about orders still
  "paying" after ``older_than_seconds``: a lost callback is caught here.
* :func:`reconcile_yesterday`: once a day, the reconciliation of yesterday's orders.
"""

import datetime as dt

from django_tasks import task

from jiaoguan.audit.services import Actor
from jiaoguan.kernel import clock
from jiaoguan.kernel.errors import PartnerUnavailable
from jiaoguan.payments.constants import OrderStatus
from jiaoguan.payments.models import FeeOrder
from jiaoguan.payments.services import payment_poll, reconciliation_run


@task()
def poll_pending_payments(older_than_seconds: int = 120, limit: int = 200) -> int:
    """Poll orders left "paying"; returns how many turned out paid."""
    actor = Actor.system("payment poller")
    cutoff = clock.now() - dt.timedelta(seconds=older_than_seconds)
    paid = 0
    pending = FeeOrder.objects.filter(status=OrderStatus.PAYING, updated_at__lt=cutoff)
    for order in pending.order_by("id")[:limit]:
        try:
            if payment_poll(actor=actor, order=order).status == OrderStatus.PAID:
                paid += 1
        except PartnerUnavailable:
            continue  # the provider is down: the next run asks again
    return paid


@task()
def reconcile_yesterday() -> str:
    """Run the reconciliation of yesterday (China time); returns the report's public id."""
    day = clock.today() - dt.timedelta(days=1)
    report = reconciliation_run(actor=Actor.system("reconciliation"), day=day)
    return str(report.public_id)
