from django_tasks import task

from jiaoguan.audit.services import Actor
from jiaoguan.cases.constants import State
from jiaoguan.cases.models import Application
from jiaoguan.cases.services import (
    application_check,
    application_dispatch,
    application_track,
    temporary_plates_void_due,
)
from jiaoguan.kernel.errors import PartnerUnavailable


@task()
def recheck_applications(limit: int = 200) -> int:
    """Retry the checks of applications left "verifying" because a data link did not answer.
    Run it periodically (the demo does every minute); returns how many moved on."""
    moved = 0
    for app in Application.objects.filter(state=State.VERIFYING).order_by("id")[:limit]:
        if application_check(application=app).state != State.VERIFYING:
            moved += 1
    return moved


@task()
def dispatch_pending(limit: int = 200) -> int:
    """Hand produced documents to the post when it did not answer before."""
    apps = Application.objects.filter(state=State.IN_PRODUCTION, delivery="post")
    return sum(
        application_dispatch(application=a).state == State.DISPATCHED
        for a in apps.order_by("id")[:limit]
    )


@task()
def track_shipments(limit: int = 500) -> int:
    """Ask the post about every dispatched document; delivered ones complete."""
    done = 0
    for app in Application.objects.filter(state=State.DISPATCHED).order_by("id")[:limit]:
        try:
            done += application_track(application=app).state == State.COMPLETED
        except PartnerUnavailable:
            break  # the post is down: the next run continues
    return done


@task()
def void_temporary_plates() -> int:
    """Void temporary plates past their time (daily is enough; the demo runs it hourly)."""
    return temporary_plates_void_due(actor=Actor.system("engine"))
