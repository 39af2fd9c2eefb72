"""Vehicle status as a workflow table: named commands, allowed transitions, permission.

Statuses under R164: mortgage registration (抵押登记, Arts. 36–41), seizure by a court or
authority (查封, Art. 42 ff.), deregistration (注销登记, Arts. 30–35). Deregistered is final; so is
transferred (the record moved to another province's register, Art. 18), reached through
transferring.
"""

from __future__ import annotations

from dataclasses import dataclass

from jiaoguan.registry.constants import VehicleStatus as S


@dataclass(frozen=True)
class Transition:
    command: str
    source: frozenset[str]
    target: str
    permission: str
    citation: str


VEHICLE_TRANSITIONS: dict[str, Transition] = {
    t.command: t
    for t in (
        Transition(
            "mortgage",
            frozenset({S.NORMAL}),
            S.MORTGAGED,
            "registry.change_vehicle_status",
            "R164 Art. 36",
        ),
        Transition(
            "release_mortgage",
            frozenset({S.MORTGAGED}),
            S.NORMAL,
            "registry.change_vehicle_status",
            "R164 Art. 38",
        ),
        Transition(
            "seize",
            frozenset({S.NORMAL}),
            S.SEIZED,
            "registry.change_vehicle_status",
            "R164 Art. 42",
        ),
        Transition(
            "release_seizure",
            frozenset({S.SEIZED}),
            S.NORMAL,
            "registry.change_vehicle_status",
            "R164 Art. 42",
        ),
        Transition(
            "deregister",
            frozenset({S.NORMAL}),
            S.DEREGISTERED,
            "registry.change_vehicle_status",
            "R164 Arts. 30–35",
        ),
        # electronic archive transfer to another province (the exchange app drives these)
        Transition(
            "transfer_out",
            frozenset({S.NORMAL}),
            S.TRANSFERRING,
            "registry.change_vehicle_status",
            "R164 Arts. 18, 27",
        ),
        Transition(
            "transfer_cancel",
            frozenset({S.TRANSFERRING}),
            S.NORMAL,
            "registry.change_vehicle_status",
            "R164 Art. 18",
        ),
        Transition(
            "transfer_complete",
            frozenset({S.TRANSFERRING}),
            S.TRANSFERRED,
            "registry.change_vehicle_status",
            "R164 Art. 18",
        ),
    )
}
