"""Bounded keyset pagination: no exact counts on big lists, no deep OFFSET scans."""

from __future__ import annotations

from typing import Generic, TypeVar

from django.core import signing
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _
from ninja import Schema

from jiaoguan.kernel.errors import DomainError

MAX_PAGE = 100
_SALT = "jiaoguan.api.cursor"  # cursors are signed: opaque to clients, unforgeable
T = TypeVar("T")
M = TypeVar("M", bound=Model)


class Page(Schema, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def keyset(qs: QuerySet[M], *, cursor: str | None, limit: int) -> tuple[list[M], str | None]:
    """Rows after ``cursor`` (the last id seen) in id order, at most ``limit`` (≤ 100)."""
    if not 1 <= limit <= MAX_PAGE:
        raise DomainError(
            "invalid_limit", _("A page holds 1 to %(max)d rows") % {"max": MAX_PAGE}, field="limit"
        )
    after = 0
    if cursor:
        try:
            after = int(signing.loads(cursor[:200], salt=_SALT))
        except (signing.BadSignature, ValueError, TypeError) as exc:
            raise DomainError("invalid_cursor", _("Invalid page cursor"), field="cursor") from exc
    rows = list(qs.filter(pk__gt=after).order_by("pk")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (signing.dumps(rows[-1].pk, salt=_SALT) if more and rows else None)
