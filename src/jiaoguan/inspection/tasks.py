from django_tasks import task

from jiaoguan.audit.services import Actor
from jiaoguan.inspection.services import appointments_no_show_run, inspection_reminders_run


@task()
def send_inspection_reminders() -> int:
    """The daily reminder run; returns how many reminders went out."""
    return inspection_reminders_run(actor=Actor.system("inspection-reminders")).sent


@task()
def mark_inspection_no_shows() -> int:
    """Mark the bookings whose slot passed without a check-in as no-shows; returns how many."""
    return appointments_no_show_run(actor=Actor.system("inspection-no-shows"))
