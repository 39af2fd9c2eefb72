"""Rules of the violation records themselves (pure). The scoring rules (cycles, point values,
clearing, full score, study days) are those of ``jiaoguan.licensing.rules`` and are used from
there, never copied.

* Fine deadline: a fine is paid within 15 days of receiving the penalty decision
  (行政处罚法, 2021 text, Art. 67 para 3). Not in DOMAIN.md; 15 is not among the periods the
  law makes working days (its Art. 85 names 2, 3, 5 and 7 days), so calendar days. It decides
  when a fine is "逾期未缴纳" at a cycle's end (R163 Art. 15).
* Fines: the largest fine the Road Traffic Safety Law sets for one violation is 5,000 yuan
  (L1 Arts. 91, 96); a larger amount is refused as a typing error.
* Offence codes (违法代码) are 4 or 5 digits, as printed on penalty decisions (our check of
  the format only; the code table is the enforcement systems').
"""

from __future__ import annotations

import datetime as dt
import re

FINE_DUE_DAYS = 15
FINE_DUE_CITATION = "行政处罚法 Art. 67"
MAX_FINE_FEN = 500_000
MAX_FINE_CITATION = "L1 Arts. 91, 96"
OFFENCE_CODE = re.compile(r"\d{4,5}")


def fine_due_on(decided_on: dt.date) -> dt.date:
    """The last day to pay a fine decided on ``decided_on``."""
    return decided_on + dt.timedelta(days=FINE_DUE_DAYS)


def fine_overdue(*, fine_fen: int, paid: bool, due_on: dt.date | None, on: dt.date) -> bool:
    """Whether a fine is overdue and unpaid at the end of day ``on`` (R163 Art. 15)."""
    return fine_fen > 0 and not paid and due_on is not None and due_on <= on
