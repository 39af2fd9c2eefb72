from django_tasks import task

from jiaoguan.audit.services import Actor
from jiaoguan.violations.services import points_cycles_close_due


@task()
def close_ended_cycles() -> dict[str, int]:
    """The daily cycle-end run (R163 Art. 15) over every licence whose cycle has ended."""
    return points_cycles_close_due(actor=Actor.system("points-cycle-end"))
