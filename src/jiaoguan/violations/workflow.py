"""The violation lifecycle as data: named commands, the states they leave from, the state
they lead to, who may run them and the rule behind them. ``services.violation_transition``
is the only code that moves a violation, and it consults this table.

recorded → driver_confirmed (the penalty decision: points land, R163 Art. 13) → paid (the
fine) → closed (its points settled: cleared at the cycle's end or by the full-score
process). Before the driver is confirmed an officer may mark the record contested (the owner
disputes it; R163 Art. 33(1) obliges a check) and uphold it again; an officer may void an
unpaid record with a reason (Art. 16: its points go with it).
"""

from __future__ import annotations

from dataclasses import dataclass

from jiaoguan.violations.constants import DutyState
from jiaoguan.violations.constants import State as S

VOID_PERMISSION = "violations.void_violation"


@dataclass(frozen=True)
class Transition:
    command: str
    source: frozenset[str]
    target: str
    #: "party" (the vehicle's owner or the driver, or staff with ``permission`` for them),
    #: "staff" (needs ``permission``), or "system" (payment, the cycle-end job)
    by: str
    permission: str = ""
    reason_required: bool = False
    citation: str = ""


TRANSITIONS: dict[str, Transition] = {
    t.command: t
    for t in (
        Transition(
            "confirm_driver",
            frozenset({S.RECORDED}),
            S.DRIVER_CONFIRMED,
            "party",
            VOID_PERMISSION,
            citation="R163 Art. 13",
        ),
        Transition(
            "contest",
            frozenset({S.RECORDED}),
            S.CONTESTED,
            "staff",
            VOID_PERMISSION,
            reason_required=True,
            citation="R163 Art. 33",
        ),
        Transition(
            "uphold",
            frozenset({S.CONTESTED}),
            S.RECORDED,
            "staff",
            VOID_PERMISSION,
            reason_required=True,
            citation="R163 Art. 33",
        ),
        Transition(
            "void",
            frozenset({S.RECORDED, S.CONTESTED, S.DRIVER_CONFIRMED}),
            S.VOID,
            "staff",
            VOID_PERMISSION,
            reason_required=True,
            citation="R163 Art. 16",
        ),
        Transition("pay", frozenset({S.DRIVER_CONFIRMED}), S.PAID, "system"),
        Transition("close", frozenset({S.PAID}), S.CLOSED, "system", citation="R163 Art. 15"),
    )
}


def allowed(command: str, state: str) -> bool:
    transition = TRANSITIONS.get(command)
    return transition is not None and state in transition.source


#: The full-score education duty (R163 Arts. 17–23): opened at 12 points by the ledger; the
#: education app completes it (study done, exams passed, fines paid: Art. 23); a void that
#: leaves it below 12 points cancels it (Art. 16).
DUTY_TRANSITIONS: dict[str, Transition] = {
    t.command: t
    for t in (
        Transition(
            "complete",
            frozenset({DutyState.OPEN}),
            DutyState.COMPLETED,
            "system",
            citation="R163 Art. 23",
        ),
        Transition(
            "cancel",
            frozenset({DutyState.OPEN}),
            DutyState.CANCELLED,
            "system",
            reason_required=True,
            citation="R163 Art. 16",
        ),
    )
}


def duty_allowed(command: str, state: str) -> bool:
    transition = DUTY_TRANSITIONS.get(command)
    return transition is not None and state in transition.source
