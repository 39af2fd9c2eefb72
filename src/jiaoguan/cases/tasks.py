from django_tasks import task

from jiaoguan.cases.constants import State
from jiaoguan.cases.models import Application
from jiaoguan.cases.services import application_check


@task()
def recheck_applications(limit: int = 200) -> int:
    """Retry the checks of applications left "verifying" because a data link did not answer.
    Run it periodically (the demo does every minute); returns how many moved on."""
    moved = 0
    for app in Application.objects.filter(state=State.VERIFYING).order_by("id")[:limit]:
        if application_check(application=app).state != State.VERIFYING:
            moved += 1
    return moved
