from django_tasks import task

from jiaoguan.audit.services import Actor
from jiaoguan.inspection.services import inspection_reminders_run


@task()
def send_inspection_reminders() -> int:
    """The daily reminder run; returns how many reminders went out."""
    return inspection_reminders_run(actor=Actor.system("inspection-reminders")).sent
