from django_tasks import task

from jiaoguan.notices.services import notice_deliver_sms, notices_deliver_queued


@task()
def send_notice_sms(notice_id: str) -> str:
    """Deliver one notice by SMS; with the gateway down it stays queued (see below)."""
    return notice_deliver_sms(notice_id=notice_id).sms_status


@task()
def deliver_queued_notices() -> int:
    """Periodic: send the notices left queued while the SMS gateway was down."""
    return notices_deliver_queued()
