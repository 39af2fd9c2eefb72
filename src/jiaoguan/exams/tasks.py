from django_tasks import task

from jiaoguan.audit.services import Actor
from jiaoguan.exams.services import bookings_absent_run, permits_expire_run


@task()
def mark_exam_absences() -> int:
    """After each exam day: booked applicants who did not come are absent (a failed sitting,
    R162 Art. 46) and the day's queue closes; returns how many were marked absent."""
    return bookings_absent_run(actor=Actor.system("exams-absences"))


@task()
def void_expired_permits() -> int:
    """Daily: applications whose learner permit expired before every subject was passed are
    void with the subjects passed (R162 Art. 41); returns how many."""
    return permits_expire_run(actor=Actor.system("exams-permits"))
