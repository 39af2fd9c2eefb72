"""Vehicle status as a workflow table: named commands, allowed transitions, permission.

Statuses under R164: mortgage registration (抵押登记, Arts. 36–41), seizure by a court or
authority (查封, Art. 42 ff.), deregistration (注销登记, Arts. 30–35). Deregistered is final.
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
    )
}
