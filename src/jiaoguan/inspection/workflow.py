"""The appointment lifecycle as data: named commands, the states they leave from, the state they
lead to and who may run them. ``services.appointment_transition`` is the only code that moves an
appointment, and it consults this table.

    booked ──check_in──▶ checked_in ──record_result──▶ done
      │ ╲──cancel──▶ cancelled
      ╰───mark_no_show──▶ no_show

A walk-in is created ``checked_in`` (the station checks in a vehicle with no appointment).
"""

from __future__ import annotations

from dataclasses import dataclass

from jiaoguan.inspection.constants import AppointmentState as S


@dataclass(frozen=True)
class Transition:
    command: str
    source: frozenset[str]
    target: str
    #: "owner" (the vehicle's owner, for their own appointment), "station" (staff of the
    #: appointment's station, with ``inspection.operate_station``) or "system" (scheduled jobs)
    by: frozenset[str]


TRANSITIONS: dict[str, Transition] = {
    t.command: t
    for t in (
        Transition("check_in", frozenset({S.BOOKED}), S.CHECKED_IN, frozenset({"station"})),
        Transition("record_result", frozenset({S.CHECKED_IN}), S.DONE, frozenset({"station"})),
        Transition(
            "cancel", frozenset({S.BOOKED}), S.CANCELLED, frozenset({"owner", "station", "system"})
        ),
        Transition(
            "mark_no_show", frozenset({S.BOOKED}), S.NO_SHOW, frozenset({"station", "system"})
        ),
    )
}

#: States that hold a place (and block a second appointment for the same vehicle).
ACTIVE = frozenset({S.BOOKED, S.CHECKED_IN})
