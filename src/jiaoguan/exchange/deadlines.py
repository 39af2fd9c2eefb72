"""Deadlines of the archive transfer and the online fraud control, as pure functions over
plain data (DOMAIN.md §8; docs/exchange.md "Deadlines").

- R164 Art. 18 / Art. 27: the old office uploads the electronic archive within **3 days** of
  the move-out or the sale being accepted (``archive_upload``).
- R164 Art. 18: the owner completes the transfer-in at the new office within **30 days**
  (``transfer_in``); the new office checks the archive within **3 days** of receiving it
  (``new_office_check``).
- R164 Art. 27 (sale to a buyer elsewhere): the old office takes back the plates and the
  driving permit and issues a temporary plate valid **30 days** (``sale_temporary_plate``).
- R164 Art. 74: frequent replacements, transfers or moves in a short time switch an online
  application to on-site only (``online_allowed``). DOMAIN.md gives no number: the window
  and the threshold are **local configuration** (``JIAOGUAN_EXCHANGE_ONLINE_WINDOW_DAYS``,
  ``JIAOGUAN_EXCHANGE_ONLINE_MAX_CHANGES``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

ARCHIVE_UPLOAD_DAYS = 3
TRANSFER_IN_DAYS = 30
NEW_OFFICE_CHECK_DAYS = 3
SALE_TEMPORARY_PLATE_DAYS = 30

ARCHIVE_UPLOAD_CITATION = "R164 Arts. 18, 27"
TRANSFER_IN_CITATION = "R164 Art. 18"
NEW_OFFICE_CHECK_CITATION = "R164 Art. 18"
SALE_CITATION = "R164 Art. 27"
FRAUD_CITATION = "R164 Art. 74"


@dataclass(frozen=True)
class Deadline:
    code: str
    due: dt.date
    overdue: bool
    citation: str


def _deadline(code: str, start: dt.date, days: int, today: dt.date, citation: str) -> Deadline:
    """``days`` days counted from ``start`` (the start day is day 0): due on start + days."""
    due = start + dt.timedelta(days=days)
    return Deadline(code, due, today > due, citation)


def archive_upload(*, started_on: dt.date, today: dt.date) -> Deadline:
    """The old office's archive must be uploaded (acknowledged by the new office) within 3
    days of the move-out or sale (R164 Arts. 18, 27)."""
    return _deadline(
        "archive_upload", started_on, ARCHIVE_UPLOAD_DAYS, today, ARCHIVE_UPLOAD_CITATION
    )


def transfer_in(*, started_on: dt.date, today: dt.date) -> Deadline:
    """The owner registers at the new office within 30 days (R164 Art. 18)."""
    return _deadline("transfer_in", started_on, TRANSFER_IN_DAYS, today, TRANSFER_IN_CITATION)


def new_office_check(*, received_on: dt.date, today: dt.date) -> Deadline:
    """The new office checks a received archive within 3 days (R164 Art. 18)."""
    return _deadline(
        "new_office_check", received_on, NEW_OFFICE_CHECK_DAYS, today, NEW_OFFICE_CHECK_CITATION
    )


def sale_temporary_plate(*, issued_on: dt.date) -> tuple[dt.date, dt.date]:
    """Validity of the temporary plate a buyer elsewhere drives home on: 30 days including
    the day of issue (R164 Art. 27). Returns (valid_from, valid_until)."""
    return issued_on, issued_on + dt.timedelta(days=SALE_TEMPORARY_PLATE_DAYS - 1)


def temporary_plate_expired(*, valid_until: dt.date, today: dt.date) -> bool:
    """A temporary plate is void the day after its last valid day."""
    return today > valid_until


@dataclass(frozen=True)
class OnlineDecision:
    allowed: bool
    code: str
    count: int
    threshold: int
    window_days: int
    citation: str


def online_allowed(*, recent_changes: int, max_changes: int, window_days: int) -> OnlineDecision:
    """R164 Art. 74: with ``recent_changes`` replacements, transfers or moves of the vehicle
    in the last ``window_days`` days, may a new transfer still be started online? At
    ``max_changes`` or more, only on site (the threshold is local configuration; 0 turns the
    control off)."""
    if max_changes > 0 and recent_changes >= max_changes:
        return OnlineDecision(
            False, "on_site_only", recent_changes, max_changes, window_days, FRAUD_CITATION
        )
    return OnlineDecision(True, "allowed", recent_changes, max_changes, window_days, FRAUD_CITATION)
