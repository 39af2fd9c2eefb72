"""Reads that matter: a payer's own orders, and reconciliation mismatches for supervisors."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from jiaoguan.kernel.errors import Forbidden, NotFound
from jiaoguan.payments.models import FeeOrder, ReconciliationMismatch

SUPERVISOR_PERMISSION = "audit.view_auditevent"


def person_ref_of(user: Any) -> str:
    """The payer reference of a signed-in citizen: their registry person's public id."""
    person = getattr(user, "person", None)
    if person is None:
        raise NotFound("not_found", _("This account is not bound to a verified person"))
    return str(person.public_id)


def order_for_payer(user: Any, public_id: uuid.UUID | str) -> FeeOrder:
    """The order, if it is the caller's own (else not found: existence is not leaked)."""
    order = FeeOrder.objects.filter(
        public_id=public_id, payer_person_ref=person_ref_of(user)
    ).first()
    if order is None:
        raise NotFound("not_found", _("No such fee order"))
    return order


def mismatches_for(user: Any, *, day: dt.date | None = None) -> QuerySet[ReconciliationMismatch]:
    if not user.has_perm(SUPERVISOR_PERMISSION):
        raise Forbidden("forbidden", _("You may not see payment reconciliations"))
    qs = ReconciliationMismatch.objects.select_related("report", "order")
    if day is not None:
        qs = qs.filter(report__day=day)
    return qs
