"""Rules of cross-province business, as pure functions over plain data (DOMAIN.md §8, §4.3).

Electronic archive transfer (异地转籍, R164 Arts. 18 and 27): the old office checks the
vehicle, uploads the electronic archive within 3 days; the new office checks the VIN and the
archive and issues a new number. All violations and accidents must be closed first.

Rollout (data below, dated like ``cases/catalogue.py`` does the 2018 reform):
- **2018 pilot** (公安部 2018 reform measures, in force 2018-09-01 [secondary: jindunwh.com]):
  non-commercial small and mini passenger cars, between the 15 pilot cities only.
- **National** (R164 = 公安部令第164号《机动车登记规定》, in force 2022-05-01): every vehicle,
  between any two offices.
Before the pilot there was no electronic transfer: the owner carried the paper archive.

Cross-province inspection (全国通检, R164 Art. 54; DOMAIN.md §4.3): any vehicle except large
passenger vehicles and school buses.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

#: The 15 pilot cities of 2018 (GB/T 2260 city codes; 重庆 as the municipality's code 5001).
PILOT_CITIES: dict[str, str] = {
    "3201": "南京",
    "3205": "苏州",
    "3212": "泰州",
    "3301": "杭州",
    "3302": "宁波",
    "3304": "嘉兴",
    "3601": "南昌",
    "3611": "上饶",
    "4401": "广州",
    "4403": "深圳",
    "4419": "东莞",
    "4420": "中山",
    "4501": "南宁",
    "4502": "柳州",
    "5001": "重庆",
}
PILOT_CLASSES = frozenset({"small_passenger", "mini_passenger"})


@dataclass(frozen=True)
class Rollout:
    version: str
    in_force: dt.date
    citation: str
    pilot_only: bool


ROLLOUT: tuple[Rollout, ...] = (
    Rollout("pilot-2018", dt.date(2018, 9, 1), "2018 reform measures (pilot, 15 cities)", True),
    Rollout("national-2022", dt.date(2022, 5, 1), "R164 Arts. 18, 27", False),
)

#: R164 Art. 18: violations and accidents closed before transfer out or in.
CLOSED_CITATION = "R164 Art. 18"
INSPECTION_ANYWHERE_CITATION = "R164 Art. 54"
#: Never inspected outside their home province (R164 Art. 54).
NOT_INSPECTED_ELSEWHERE = frozenset({"large_passenger", "school_bus"})


@dataclass(frozen=True)
class Decision:
    allowed: bool
    code: str
    rule_version: str
    citation: str


def rollout_on(day: dt.date) -> Rollout | None:
    """The rollout stage in force on ``day`` (None before the pilot)."""
    current = None
    for stage in ROLLOUT:
        if day >= stage.in_force:
            current = stage
    return current


def archive_transfer(
    *,
    on: dt.date,
    vehicle_class: str,
    use: str,
    from_region: str,
    to_region: str,
) -> Decision:
    """May this vehicle's archive move electronically from ``from_region`` to ``to_region``
    on ``on``? (Open violations are checked by the service: they are facts of the register.)"""
    stage = rollout_on(on)
    if stage is None:
        return Decision(False, "not_in_force", "none", "R164 Art. 18 (in force 2022-05-01)")
    if from_region[:2] == to_region[:2]:
        return Decision(False, "same_province", stage.version, "R164 Art. 18")
    if stage.pilot_only:
        if vehicle_class not in PILOT_CLASSES or use != "non_commercial":
            return Decision(False, "pilot_class", stage.version, stage.citation)
        if from_region[:4] not in PILOT_CITIES or to_region[:4] not in PILOT_CITIES:
            return Decision(False, "pilot_city", stage.version, stage.citation)
    return Decision(True, "allowed", stage.version, stage.citation)


def inspection_anywhere(*, vehicle_class: str, school_bus: bool = False) -> Decision:
    """May a vehicle registered in another province be inspected here? (R164 Art. 54)"""
    if school_bus or vehicle_class in NOT_INSPECTED_ELSEWHERE:
        return Decision(False, "not_elsewhere", "r164", INSPECTION_ANYWHERE_CITATION)
    return Decision(True, "allowed", "r164", INSPECTION_ANYWHERE_CITATION)
