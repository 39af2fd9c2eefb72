from __future__ import annotations

import datetime as dt
import uuid

from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Router, Schema

from jiaoguan.api.auth import principal, session_auth
from jiaoguan.api.pagination import Page, keyset
from jiaoguan.kernel.errors import NotFound
from jiaoguan.notices.models import Notice
from jiaoguan.notices.services import notice_mark_read
from jiaoguan.registry.models import Person

router = Router(tags=["notices"])


class NoticeOut(Schema):
    id: uuid.UUID
    text: str
    object_type: str
    object_ref: str
    created_at: dt.datetime
    read: bool
    sms_status: str

    @staticmethod
    def build(n: Notice) -> NoticeOut:
        return NoticeOut(
            id=n.public_id,
            text=n.text(get_language() or "zh-hans"),
            object_type=n.object_type,
            object_ref=n.object_ref,
            created_at=n.created_at,
            read=n.read_at is not None,
            sms_status=n.sms_status,
        )


def _person(request: HttpRequest) -> Person:
    person = getattr(principal(request), "person", None)
    if person is None:
        raise NotFound("not_found", _("This account is not bound to a verified person"))
    return person


@router.get(
    "/me/notices",
    response=Page[NoticeOut],
    auth=session_auth,
    summary="My messages (portal and SMS)",
)
def my_notices(
    request: HttpRequest, cursor: str | None = None, limit: int = 20
) -> dict[str, object]:
    rows, nxt = keyset(Notice.objects.filter(person=_person(request)), cursor=cursor, limit=limit)
    return {"items": [NoticeOut.build(n) for n in rows], "next_cursor": nxt}


@router.post("/me/notices/{notice_id}/read", response=NoticeOut, auth=session_auth)
def read_notice(request: HttpRequest, notice_id: str) -> NoticeOut:
    try:
        uuid.UUID(notice_id)
    except ValueError as exc:
        raise NotFound("not_found", _("%(what)s not found") % {"what": _("Notice")}) from exc
    return NoticeOut.build(notice_mark_read(person=_person(request), notice_id=notice_id))
