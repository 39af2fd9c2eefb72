"""Sending notices: the row (in the caller's transaction) and the SMS job with it."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from jiaoguan.audit.services import Actor, audit_record
from jiaoguan.kernel import clock
from jiaoguan.kernel.errors import DomainError, NotFound, PartnerUnavailable
from jiaoguan.notices.models import Notice
from jiaoguan.notices.templates_data import TEMPLATES, render
from jiaoguan.registry.models import Person


@transaction.atomic
def notice_send(
    *,
    person: Person,
    template: str,
    params: dict[str, str],
    object_type: str = "",
    object_ref: str = "",
    sms: bool = True,
) -> Notice:
    """Record a notice for ``person`` and queue its SMS (the job row is written in the same
    transaction, so a notice is never lost between commit and enqueue)."""
    if template not in TEMPLATES:
        raise DomainError("unknown_template", f"no notice template {template!r}")
    render(template, "zh", params)  # every placeholder must be filled now, not at send time
    notice = Notice.objects.create(
        person=person,
        template=template,
        params=params,
        object_type=object_type,
        object_ref=object_ref,
        created_at=clock.now(),
        sms_status="queued" if sms and person.phone_enc else "none",
    )
    if notice.sms_status == "queued":
        from jiaoguan.notices.tasks import send_notice_sms

        send_notice_sms.enqueue(str(notice.public_id))
    return notice


def notices_send_many(items: list[tuple[Person, str, dict[str, str], str, str]]) -> int:
    """Record many notices at once (person, template, params, object type, object ref), their
    SMS queued for ``notices_deliver_queued`` (the periodic sender), not one job each: for
    scheduled mass reminders. Runs in the caller's transaction; returns how many."""
    now = clock.now()
    rows = []
    for person, template, params, object_type, object_ref in items:
        if template not in TEMPLATES:
            raise DomainError("unknown_template", f"no notice template {template!r}")
        render(template, "zh", params)
        rows.append(
            Notice(
                person=person,
                template=template,
                params=params,
                object_type=object_type,
                object_ref=object_ref,
                created_at=now,
                sms_status="queued" if person.phone_enc else "none",
            )
        )
    Notice.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def notice_deliver_sms(*, notice_id: str) -> Notice:
    """Send one queued notice by SMS through the SMS port (the worker's job)."""
    from jiaoguan.accounts.ports import get_port

    notice = Notice.objects.select_related("person").get(public_id=notice_id)
    if notice.sms_status != "queued":
        return notice
    try:
        message_id = get_port("sms").send(
            phone=notice.person.phone, text="【交管】" + notice.text("zh")
        )
    except PartnerUnavailable:
        return notice  # stays queued: notices_deliver_queued sends it when the gateway is back
    except DomainError:
        Notice.objects.filter(pk=notice.pk).update(sms_status="failed")
        return notice
    Notice.objects.filter(pk=notice.pk).update(sms_status="sent", sms_message_id=message_id)
    notice.sms_status, notice.sms_message_id = "sent", message_id
    return notice


def notices_deliver_queued(*, limit: int = 500) -> int:
    """Send the notices still queued (their gateway was down); returns how many went out."""
    sent = 0
    queued = Notice.objects.filter(sms_status="queued").order_by("id")
    for notice_id in queued.values_list("public_id", flat=True)[:limit]:
        if notice_deliver_sms(notice_id=str(notice_id)).sms_status == "sent":
            sent += 1
    return sent


@transaction.atomic
def notice_mark_read(*, person: Person, notice_id: str) -> Notice:
    notice = Notice.objects.select_for_update().filter(public_id=notice_id, person=person).first()
    if notice is None:
        raise NotFound("not_found", _("%(what)s not found") % {"what": _("Notice")})
    if notice.read_at is None:
        notice.read_at = clock.now()
        notice.save(update_fields=["read_at"])
        audit_record(
            actor=Actor.system("portal"),
            action="notice.read",
            object_type="notice",
            object_ref=str(notice.public_id),
            subject_person_ref=str(person.public_id),
        )
    return notice
