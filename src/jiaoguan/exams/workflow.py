"""The lifecycles of a licence application and of a booking, as data. ``services`` is the
only code that moves either, through these tables.

Application::

    open ──issue_permit (科目一 passed)──▶ learning ──all_passed──▶ awaiting_licence
      │                                     │                          │ licence_issued
      ├──withdraw──▶ withdrawn ◀──withdraw──┤                          ▼
      ╰──────void (5th fail / permit expired)──▶ void ◀──void──╯     licensed

Booking::

    waiting ──allocate──▶ booked ──check_in──▶ checked_in ──record_result──▶ passed | failed
       │ cancel / close        │ cancel (≥ 1 working day ahead)
       ▼                       ├──▶ cancelled
    cancelled | not_allocated  ╰──mark_absent──▶ absent (counts as failed, R162 Art. 46)
"""

from __future__ import annotations

from dataclasses import dataclass

from jiaoguan.exams.constants import ApplicationState as A
from jiaoguan.exams.constants import BookingState as B


@dataclass(frozen=True)
class Transition:
    command: str
    source: frozenset[str]
    target: str
    #: "applicant" (the person, or the agent who made the application), "site" (staff of the
    #: booking's exam site), "system" (the services themselves and scheduled jobs)
    by: frozenset[str]


def _table(*rows: Transition) -> dict[str, Transition]:
    return {t.command: t for t in rows}


_SYS = frozenset({"system"})
APPLICATION_TRANSITIONS = _table(
    Transition("issue_permit", frozenset({A.OPEN}), A.LEARNING, _SYS),
    Transition("all_passed", frozenset({A.LEARNING}), A.AWAITING_LICENCE, _SYS),
    Transition("licence_issued", frozenset({A.AWAITING_LICENCE}), A.LICENSED, _SYS),
    Transition("void", frozenset({A.OPEN, A.LEARNING}), A.VOID, _SYS),
    Transition("withdraw", frozenset({A.OPEN, A.LEARNING}), A.WITHDRAWN, frozenset({"applicant"})),
)
#: States in which exams may be booked.
APPLICATION_ACTIVE = frozenset({A.OPEN, A.LEARNING})

BOOKING_TRANSITIONS = _table(
    Transition("allocate", frozenset({B.WAITING}), B.BOOKED, _SYS),
    Transition(
        "cancel",
        frozenset({B.WAITING, B.BOOKED}),
        B.CANCELLED,
        frozenset({"applicant", "system"}),
    ),
    Transition("close_queue", frozenset({B.WAITING}), B.NOT_ALLOCATED, _SYS),
    Transition("check_in", frozenset({B.BOOKED}), B.CHECKED_IN, frozenset({"site"})),
    Transition("pass", frozenset({B.CHECKED_IN}), B.PASSED, frozenset({"site"})),
    Transition("fail", frozenset({B.CHECKED_IN}), B.FAILED, frozenset({"site"})),
    Transition("mark_absent", frozenset({B.BOOKED}), B.ABSENT, frozenset({"site", "system"})),
)
#: States that hold a place on the plan.
HOLDS_PLACE = frozenset({B.BOOKED, B.CHECKED_IN})
#: States that count as one of the 5 bookings of 科目二 / 科目三 (R162 Art. 47): every
#: allocated booking not cancelled in time.
COUNTS_AS_BOOKING = frozenset({B.BOOKED, B.CHECKED_IN, B.PASSED, B.FAILED, B.ABSENT})
OPEN_BOOKING = frozenset({B.WAITING, B.BOOKED, B.CHECKED_IN})
