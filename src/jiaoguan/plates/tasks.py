"""Periodic jobs of plate selection (enqueued by the scheduler every minute)."""

from __future__ import annotations

from django_tasks import task

from jiaoguan.audit.services import Actor
from jiaoguan.plates import services


@task()
def expire_reservations() -> int:
    """Release reservations past their deadline and block the holders' online selection."""
    return services.reservations_expire(actor=Actor.system("plates-expiry"))


@task()
def reveal_seeds() -> int:
    """Reveal the seeds of closed draw windows; open tomorrow's windows ahead of time, so
    their commitments are public before the first draw."""
    actor = Actor.system("plates-windows")
    services.windows_open_ahead(actor=actor, days=1)
    return services.windows_reveal_due(actor=actor)
