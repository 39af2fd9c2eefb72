"""Exam rules that ``licensing.rules`` does not already hold: where an application may be made
(R162 Art. 22; measure 16), how one sitting's scores give its outcome, when every subject is
passed, and the published priority rules that order an oversubscribed exam day.

Pure functions over plain data, each returning a :class:`jiaoguan.cases.rules.Decision` with
the rule id and version, its citations and a structured refusal. Pass marks, booking waits,
the 5-booking limit, the retake wait, cancellation and the learner permit are the functions of
:mod:`jiaoguan.licensing.rules` (``exam_pass``, ``exam_booking``, ``exam_failure``,
``booking_cancellation``, ``learner_permit``, ``booking_plan_published``): the services call
them, nothing is restated here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext_noop

from jiaoguan.cases.rules import Decision
from jiaoguan.licensing.rules import R162_IN_FORCE, exam_pass

MEASURE_2018_IN_FORCE = dt.date(2018, 9, 1)
WHERE_CITES = ("R162 Art. 22", "MPS 20 measures (2018), measure 16", "DOMAIN.md §5.6")
#: Under the 2018 measure an applicant from another province needs a local residence permit
#: [secondary] (DOMAIN.md §5.6); the 2022 text of Art. 22 names no permit and admits the place
#: of residence. Local configuration: ``True`` keeps the measure's stricter reading, so a
#: recorded address alone does not admit someone from another province.
RESIDENCE_PERMIT_REQUIRED = True


@dataclass(frozen=True)
class PermitFacts:
    """What the population system's data link answered about a residence permit."""

    status: str  # "valid" | "expired" | "none"
    region_code: str | None
    valid_until: dt.date | None


def where_to_apply(
    *,
    kind: str,
    office_region: str,
    household_region: str,
    residence_region: str,
    on: dt.date,
    licence_region: str | None = None,
    permit: PermitFacts | None = None,
) -> Decision:
    """Whether the vehicle office of ``office_region`` (6 digits, GB/T 2260) may take this
    application (R162 Art. 22 [primary]; measure 16 of 2018 [secondary]; DOMAIN.md §5.6):

    * a first licence: anywhere in the province of the household registration, with the ID
      card alone (measure 16); someone from another province with a valid residence permit
      issued in the office's province, checked through the data link (``permit``); with
      :data:`RESIDENCE_PERMIT_REQUIRED` off, also where the recorded residence is;
    * an added class: at the office (city) that issued the licence (Art. 22 as summarised in
      DOMAIN.md §5.6).

    ``facts["basis"]`` names the ground (``constants.WhereBasis``)."""
    facts: dict[str, object] = {
        "kind": kind,
        "office_region": office_region,
        "household_region": household_region,
        "residence_region": residence_region,
        "licence_region": licence_region,
        "permit_status": permit.status if permit else None,
        "permit_region": permit.region_code if permit else None,
        "on": on.isoformat(),
    }
    if on < MEASURE_2018_IN_FORCE:
        return Decision(
            False,
            "exam.where_to_apply",
            WHERE_CITES,
            "not_in_force",
            gettext_noop("This rule has no version in force on that date"),
            facts,
        )
    version = R162_IN_FORCE if on >= R162_IN_FORCE else MEASURE_2018_IN_FORCE
    rule = f"exam.where_to_apply@{version.isoformat()}"

    def yes(basis: str) -> Decision:
        return Decision(True, rule, WHERE_CITES, facts={**facts, "basis": basis})

    def no(code: str, message: str) -> Decision:
        return Decision(False, rule, WHERE_CITES, code, message, facts)

    if len(office_region) != 6 or not office_region.isdigit():
        return no("invalid_office", gettext_noop("Choose the office (a 6-digit region code)"))
    if kind == "add_class":
        if licence_region is None:
            return no(
                "no_licence", gettext_noop("Adding a class needs a driving licence to add it to")
            )
        if licence_region[:4] == office_region[:4]:
            return yes("issuing_office")
        return no(
            "not_issuing_office",
            gettext_noop("A class is added at the vehicle office that issued the licence"),
        )
    if household_region[:2] == office_region[:2]:
        return yes("household")
    if (
        permit is not None
        and permit.status == "valid"
        and permit.valid_until is not None
        and permit.valid_until >= on
        and (permit.region_code or "")[:2] == office_region[:2]
    ):
        facts["permit_valid_until"] = permit.valid_until.isoformat()
        return yes("residence_permit")
    if not RESIDENCE_PERMIT_REQUIRED and residence_region[:2] == office_region[:2]:
        return yes("residence")
    return no(
        "not_resident_here",
        gettext_noop(
            "You may apply in the province of your household registration, or where you live "
            "with a valid residence permit of that province"
        ),
    )


# ---- one sitting's outcome ------------------------------------------------------------------

#: The parts of each subject's result. 科目三 has road skills and 安全文明驾驶常识 (the
#: so-called 科目四, part of 科目三 in law: DOMAIN.md §5.5).
PARTS: dict[int, tuple[str, ...]] = {1: ("main",), 2: ("main",), 3: ("road", "safety")}
MAX_ATTEMPTS = 2  # one free retake per sitting (R162 Art. 47)


def sitting_outcome(
    *, subject: int, cls: str, scores: Mapping[str, Sequence[int]], done: Sequence[str] = ()
) -> Decision:
    """The outcome of one sitting from the scores of each part, first attempt then the free
    retake (R162 Arts. 38, 47 [primary]): a part passes when an attempt reaches the pass mark
    of ``licensing.rules.exam_pass``; a retake is taken only after a failed first attempt.
    For 科目三 a part passed at an earlier sitting (``done``: "road"/"safety") is not taken
    again. ``facts["parts_passed"]`` maps each part to True/False; ``allowed`` means every
    part of the subject is now passed."""
    cites = ("R162 Art. 38", "R162 Art. 47", "DOMAIN.md §5.5")
    rule = f"exam.sitting@{R162_IN_FORCE.isoformat()}"
    facts: dict[str, object] = {"subject": subject, "class": cls, "scores": dict(scores)}

    def bad(message: str) -> Decision:
        return Decision(False, rule, cites, "invalid_scores", message, facts)

    if subject not in PARTS:
        return bad(gettext_noop("Choose subject 1, 2 or 3"))
    wanted = [p for p in PARTS[subject] if p not in done]
    if set(scores) != set(wanted):
        return bad(gettext_noop("Give the scores of each part taken in this sitting"))
    parts: dict[str, bool] = {}
    marks: dict[str, int] = {}
    for part in wanted:
        attempts = list(scores[part])
        if not 1 <= len(attempts) <= MAX_ATTEMPTS or any(
            not isinstance(s, int) or isinstance(s, bool) or not 0 <= s <= 100 for s in attempts
        ):
            return bad(gettext_noop("Give one or two scores between 0 and 100 for each part"))
        results = [
            exam_pass(subject=subject, cls=cls, score=s, part=part if subject == 3 else "road")
            for s in attempts
        ]
        marks[part] = int(str(results[0].facts.get("pass_mark", 90)))
        if len(attempts) == 2 and results[0].allowed:
            return bad(gettext_noop("A retake is taken only after a failed first attempt"))
        parts[part] = any(r.allowed for r in results)
    facts.update(parts_passed=parts, pass_marks=marks)
    if not all(parts.values()):
        return Decision(
            False, rule, cites, "failed", gettext_noop("The subject was not passed"), facts
        )
    return Decision(True, rule, cites, facts=facts)


#: Keys of ``LicenceApplication.passed`` that together complete the exams.
ALL_PARTS = ("1", "2", "3road", "3safety")


def exams_complete(passed: Mapping[str, str]) -> bool:
    """Every subject passed: 科目一, 科目二 and both parts of 科目三 (R162 Art. 30;
    DOMAIN.md §5.5: the last subject is 科目三 with its safe-driving part)."""
    return all(k in passed for k in ALL_PARTS)


# ---- priority rules for an oversubscribed day -----------------------------------------------


@dataclass(frozen=True)
class PriorityRule:
    key: str  # a fact frozen on the booking at request time; the smaller value goes first
    name_zh: str
    name_en: str
    source: str


@dataclass(frozen=True)
class PriorityRules:
    version: str
    since: dt.date
    rules: tuple[PriorityRule, ...]
    note: str


#: DOMAIN.md §5.5 says bookings go through the national unified booking system and plans are
#: published at least 10 days ahead (R162 Art. 52); it states no priority between applicants.
#: Every rule below is therefore LOCAL CONFIGURATION, published here and recorded (with this
#: version) on each allocation and in the audit trail.
PRIORITY_RULES = PriorityRules(
    version="local-2026-01",
    since=dt.date(2026, 1, 1),
    rules=(
        PriorityRule(
            "permit_valid_until",
            "学习驾驶证明先到期者优先",
            "The learner permit that expires first goes first",
            "local configuration (DOMAIN.md §5.5 states no priority): subjects passed are "
            "void when the permit expires first (R162 Art. 41), so the nearest expiry goes "
            "first; applicants without a permit (科目一) rank after those with one",
        ),
        PriorityRule(
            "requested_at",
            "先申请者优先",
            "Earlier request first",
            "local configuration: first come, first served among equals",
        ),
    ),
    note="DOMAIN.md §5.5; R162 Art. 52. No statutory priority: local configuration.",
)

_LAST = "9999-12-31"


def queue_key(
    priority: Mapping[str, object], rules: PriorityRules = PRIORITY_RULES
) -> tuple[str, ...]:
    """The sort key of a waiting booking under ``rules`` (smaller goes first). Facts are ISO
    dates or UTC timestamps (strings), compared as such; a missing fact ranks last."""
    return tuple(str(priority.get(r.key) or _LAST) for r in rules.rules)
