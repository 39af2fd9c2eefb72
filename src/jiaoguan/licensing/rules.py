"""Licence, exam and scoring rules: pure functions over plain data (no ORM).

Every function returns a :class:`jiaoguan.cases.rules.Decision` naming the rule id and the
version chosen by date (``"licence.first_application_age@2025-01-01"``), its citations, a
refusal code with an English message (translated by the caller) and the facts it used. Duty
rules ("is a review owed?") answer ``allowed=True`` when the duty applies, like
``cases.rules.medical_owed``.

Sources (``shared/DOMAIN.md`` §5; confidence tags as there):

* R162 = 机动车驾驶证申领和使用规定 (公安部令第162号), in force 2022-04-01 [primary: the 2021
  text as published in LawRefBook/Laws], amended by 公安部令第172号 from 2025-01-01. The
  amendment's age limits are [secondary] (DOMAIN.md §5.2 and the press report named in
  :data:`AGE_2025_SOURCE`); no other article used here is among the reported changes.
* R163 = 道路交通安全违法行为记分管理办法 (公安部令第163号), in force 2022-04-01 [primary].

Counting conventions, stated once:

* "以上/以下" include the number itself (R162 Art. 110, second paragraph): "18 to 60" admits
  ages 18 and 60.
* R162 Art. 110 makes only "一日/三日/五日" working days; the 10/20/30/40-day waits of Arts.
  43–44 and 47 are calendar days. R163 Art. 36: its "三日/十日/三十日" are calendar days and a
  period whose last day is a holiday ends on the next working day (applied to the 30-day
  deadline of Art. 29, a deadline on the driver; not to waits, which it would lengthen).
* A wait of N days after an event on day D ends with day D+N; the earliest booking is D+N.
  Periods of months or years run from a start date to the day before the same date N months
  or years later; a start on 29 February has its anniversary on 1 March in common years (so
  the period ends on 28 February, the month's last day: Civil Code Art. 202). These are our
  reading of the texts, not words of the regulations.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# A marker only: makemessages finds the refusal messages; callers translate them.
from django.utils.translation import gettext_noop

from jiaoguan.cases.rules import ALSO_PERMITS, Decision, permitted_classes
from jiaoguan.kernel.calendar import CALENDAR_DAYS_CITATION, WorkingCalendar

R162_IN_FORCE = dt.date(2022, 4, 1)
R163_IN_FORCE = dt.date(2022, 4, 1)
ORDER_172_IN_FORCE = dt.date(2025, 1, 1)

#: Every class code of R162 Art. 11 and Annex 1 (DOMAIN.md §5.1), in the order of Art. 11.
CLASSES: tuple[str, ...] = tuple(ALSO_PERMITS)
#: 大中型客货车 (R162 Arts. 43–44, 65, 72; R163 Arts. 18–19).
LARGE_CLASSES = frozenset({"A1", "A2", "A3", "B1", "B2"})


def _add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later; a day the target month lacks moves to the 1st of the
    next month (29 February -> 1 March), so consecutive periods never overlap or leave a gap."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    try:
        return dt.date(year, month + 1, day.day)
    except ValueError:
        year, month = divmod(index + 1, 12)
        return dt.date(year, month + 1, 1)


def _add_years(day: dt.date, years: int) -> dt.date:
    return _add_months(day, 12 * years)


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _in_force(since: Sequence[dt.date], on: dt.date) -> dt.date | None:
    """The latest version date not after ``on`` (versions sorted ascending), or None."""
    chosen = None
    for version in since:
        if version <= on:
            chosen = version
    return chosen


def _not_in_force(name: str, cites: tuple[str, ...], facts: dict[str, object]) -> Decision:
    return Decision(
        False,
        f"{name}@none",
        cites,
        "rule_not_in_force",
        gettext_noop("No version of this rule in force on that date is encoded"),
        facts,
    )


def _unknown_class(rule: str, cites: tuple[str, ...], facts: dict[str, object]) -> Decision:
    return Decision(
        False,
        rule,
        cites,
        "invalid_class",
        gettext_noop("Choose a licence class from the table of classes"),
        facts,
    )


# ---- classes and ages (DOMAIN.md §5.1–5.2) --------------------------------------------------

#: R162 Art. 16 [primary]: classes a first application may ask for, and classes that may be
#: added to a licence. A1, A2, B1 and C6 only by adding; C5 only by a first application (or a
#: change after the holder's physical condition changed, Art. 30 para 5, not decided here).
FIRST_APPLICATION_CLASSES = frozenset(
    {"A3", "B2", "C1", "C2", "C3", "C4", "C5", "D", "E", "F", "M", "N", "P"}
)
ADDABLE_CLASSES = frozenset(
    {"A1", "A2", "A3", "B1", "B2", "C1", "C2", "C3", "C4", "C6", "D", "E", "F", "M", "N", "P"}
)
CLASS_RULES_SINCE = R162_IN_FORCE


@dataclass(frozen=True)
class AgeLimit:
    minimum: int
    maximum: int | None  # inclusive (R162 Art. 110); None: no upper limit
    vocational_minimum: int | None = None  # full-time driving vocational students (A1, A2)


def _limits(groups: Iterable[tuple[str, AgeLimit]]) -> dict[str, AgeLimit]:
    return {cls: limit for codes, limit in groups for cls in codes.split()}


#: R162 Art. 14(1), by date of force. 2022-04-01: the 2021 text [primary]. 2025-01-01: as
#: amended by MPS order 172 [secondary]: 63 for A1 A2 A3 B1 B2 and 70 for D E are DOMAIN.md
#: §5.2 (several consistent reports); 70 for C6 and 63 for C3 C4 M N P are from one press
#: report of the amended article (:data:`AGE_2025_SOURCE`), consistent with DOMAIN.md's "the
#: cancellation age for M, N and P-only licences raised 60 -> 63".
AGE_LIMITS: dict[dt.date, dict[str, AgeLimit]] = {
    R162_IN_FORCE: _limits(
        (
            ("C1 C2 C5 F", AgeLimit(18, None)),
            ("C3 C4 D E M", AgeLimit(18, 60)),
            ("A3 B1 B2 C6 N P", AgeLimit(20, 60)),
            ("A1 A2", AgeLimit(22, 60, vocational_minimum=19)),
        )
    ),
    ORDER_172_IN_FORCE: _limits(
        (
            ("C1 C2 C5 F", AgeLimit(18, None)),
            ("D E", AgeLimit(18, 70)),
            ("C6", AgeLimit(20, 70)),
            ("C3 C4 M", AgeLimit(18, 63)),
            ("A3 B1 B2 N P", AgeLimit(20, 63)),
            ("A1 A2", AgeLimit(22, 63, vocational_minimum=19)),
        )
    ),
}
AGE_2025_SOURCE = (
    "赣南日报 2025-02-21, 正式实施！驾驶证申领政策有变 (text of the amended R162 Art. 14)"
)
#: R162 Art. 14(2)9 [primary]: from 70, these classes after memory, judgement and reaction
#: tests (the same in both versions as far as reported).
ELDERLY_AGE = 70
ELDERLY_TEST_CLASSES = frozenset({"C1", "C2", "C5", "F"})


def _age_cites(version: dt.date) -> tuple[str, ...]:
    cites: tuple[str, ...] = ("R162 Art. 14", "R162 Art. 110", "DOMAIN.md §5.2")
    if version >= ORDER_172_IN_FORCE:
        cites += ("MPS order 172", AGE_2025_SOURCE)
    return cites


def age_limit(cls: str, on: dt.date) -> tuple[dt.date, AgeLimit] | None:
    """The version date and the age limit of ``cls`` in force on ``on``."""
    version = _in_force(sorted(AGE_LIMITS), on)
    if version is None or cls not in AGE_LIMITS[version]:
        return None
    return version, AGE_LIMITS[version][cls]


def application_age(
    *,
    cls: str,
    age: int,
    on: dt.date,
    vocational_student: bool = False,
    ability_tests_passed: bool = False,
    name: str = "licence.application_age",
) -> Decision:
    """Whether a person of ``age`` (whole years) may apply for ``cls`` on ``on``.

    R162 Art. 14(1) (ages) and (2)9 (70 or older: C1, C2, C5 and F after memory, judgement and
    reaction tests), with the MPS order 172 version from 2025-01-01 (see :data:`AGE_LIMITS`).
    "以上/以下" include the number (Art. 110). DOMAIN.md §5.2. Confidence: [primary] for the
    2022 version, [secondary] for the 2025 version."""
    facts: dict[str, object] = {
        "class": cls,
        "age": age,
        "on": on.isoformat(),
        "vocational_student": vocational_student,
    }
    version = _in_force(sorted(AGE_LIMITS), on)
    if version is None:
        return _not_in_force(name, ("R162 Art. 14",), facts)
    rule, cites = f"{name}@{version.isoformat()}", _age_cites(version)
    if cls not in AGE_LIMITS[version]:
        return _unknown_class(rule, cites, facts)
    limit = AGE_LIMITS[version][cls]
    minimum = limit.minimum
    if vocational_student and limit.vocational_minimum is not None:
        minimum = limit.vocational_minimum
    facts.update(minimum_age=minimum, maximum_age=limit.maximum)
    if age < minimum:
        return Decision(
            False,
            rule,
            cites,
            "too_young",
            gettext_noop("The applicant is younger than the minimum age for this class"),
            facts,
        )
    if limit.maximum is not None and age > limit.maximum:
        return Decision(
            False,
            rule,
            cites,
            "too_old",
            gettext_noop("The applicant is older than the maximum age for this class"),
            facts,
        )
    if age >= ELDERLY_AGE and cls in ELDERLY_TEST_CLASSES:
        facts["ability_tests_required"] = True
        if not ability_tests_passed:
            return Decision(
                False,
                rule,
                cites,
                "ability_tests_required",
                gettext_noop(
                    "From 70 this class needs passed memory, judgement and reaction tests"
                ),
                facts,
            )
    return Decision(True, rule, cites, facts=facts)


def first_application(
    *,
    cls: str,
    age: int,
    on: dt.date,
    ability_tests_passed: bool = False,
) -> Decision:
    """A first licence application (初次申领) for ``cls``: the class must be one a first
    application may ask for (R162 Art. 16 para 1 [primary]; A1, A2, B1 and C6 only by adding a
    class) and the applicant's age must fit it (R162 Art. 14, :func:`application_age`).
    DOMAIN.md §5.1–5.2. In force from 2022-04-01; ages by date as in :data:`AGE_LIMITS`."""
    facts: dict[str, object] = {"class": cls, "age": age, "on": on.isoformat()}
    cites = ("R162 Art. 16", "DOMAIN.md §5.1")
    if on < CLASS_RULES_SINCE:
        return _not_in_force("licence.first_application_class", cites, facts)
    rule = f"licence.first_application_class@{CLASS_RULES_SINCE.isoformat()}"
    if cls not in ALSO_PERMITS:
        return _unknown_class(rule, cites, facts)
    if cls not in FIRST_APPLICATION_CLASSES:
        return Decision(
            False,
            rule,
            cites,
            "class_not_first",
            gettext_noop("This class can only be added to a licence already held"),
            facts,
        )
    return application_age(
        cls=cls,
        age=age,
        on=on,
        ability_tests_passed=ability_tests_passed,
        name="licence.first_application_age",
    )


# ---- cancellation by age, restoration, contact details (R162 Arts. 79, 81; DOMAIN.md §5.3) --

#: R162 Art. 79(10) [primary]: a licence with only these classes is cancelled at this age. The
#: M/N/P age is 63 from 2025-01-01 (MPS order 172, DOMAIN.md §5.2 [secondary]).
AGE_CANCELLATION: dict[dt.date, tuple[tuple[frozenset[str], int], ...]] = {
    R162_IN_FORCE: ((frozenset({"M", "N", "P"}), 60), (frozenset({"C3", "C4"}), 70)),
    ORDER_172_IN_FORCE: ((frozenset({"M", "N", "P"}), 63), (frozenset({"C3", "C4"}), 70)),
}


def age_cancellation(*, classes: Sequence[str], age: int, on: dt.date) -> Decision:
    """A licence whose only classes are M, N or P is cancelled at 60 (63 from 2025-01-01); one
    whose only classes are C3 or C4 at 70 (R162 Art. 79(10) [primary]; MPS order 172
    [secondary]). ``allowed`` means "cancel". DOMAIN.md §5.2–5.3."""
    facts: dict[str, object] = {"classes": list(classes), "age": age, "on": on.isoformat()}
    cites: tuple[str, ...] = ("R162 Art. 79(10)", "DOMAIN.md §5.2", "DOMAIN.md §5.3")
    version = _in_force(sorted(AGE_CANCELLATION), on)
    if version is None:
        return _not_in_force("licence.age_cancellation", cites, facts)
    if version >= ORDER_172_IN_FORCE:
        cites += ("MPS order 172",)
    rule = f"licence.age_cancellation@{version.isoformat()}"
    if not classes or any(c not in ALSO_PERMITS for c in classes):
        return _unknown_class(rule, cites, facts)
    for only, at in AGE_CANCELLATION[version]:
        if set(classes) <= only and age >= at:
            return Decision(True, rule, cites, facts={**facts, "cancellation_age": at})
    return Decision(
        False,
        rule,
        cites,
        "not_cancelled",
        gettext_noop("At this age the licence's classes stay valid"),
        facts,
    )


RESTORATION_YEARS = 2


def restoration(*, cancelled_on: dt.date, on: dt.date) -> Decision:
    """A licence cancelled for not being renewed within a year of expiry (Art. 79(8)) is
    restored by passing 科目一 while the cancellation is less than 2 years old (R162 Art. 79
    para 3 [primary]); later, the person applies anew (Art. 27). DOMAIN.md §5.3."""
    cites = ("R162 Art. 79", "DOMAIN.md §5.3")
    facts: dict[str, object] = {"cancelled_on": cancelled_on.isoformat(), "on": on.isoformat()}
    if on < R162_IN_FORCE:
        return _not_in_force("licence.restoration", cites, facts)
    rule = f"licence.restoration@{R162_IN_FORCE.isoformat()}"
    last = _add_years(cancelled_on, RESTORATION_YEARS) - dt.timedelta(days=1)
    facts.update(last_day=last.isoformat(), exam="subject_1")
    if on > last:
        return Decision(
            False,
            rule,
            cites,
            "restoration_too_late",
            gettext_noop("Cancelled 2 years ago or more: apply for a new licence"),
            facts,
        )
    return Decision(True, rule, cites, facts=facts)


CONTACT_CHANGE_DAYS = 30


def contact_change(*, changed_on: dt.date, on: dt.date) -> Decision:
    """A change of phone number or address is filed within 30 days (R162 Art. 81 [primary];
    DOMAIN.md §5.3). ``allowed`` means "still in time"."""
    cites = ("R162 Art. 81", "DOMAIN.md §5.3")
    deadline = changed_on + dt.timedelta(days=CONTACT_CHANGE_DAYS)
    facts: dict[str, object] = {
        "changed_on": changed_on.isoformat(),
        "on": on.isoformat(),
        "deadline": deadline.isoformat(),
    }
    rule = f"licence.contact_change@{R162_IN_FORCE.isoformat()}"
    if on > deadline:
        return Decision(
            False,
            rule,
            cites,
            "filed_late",
            gettext_noop("A change of contact details is filed within 30 days"),
            facts,
        )
    return Decision(True, rule, cites, facts=facts)


# ---- scoring cycles (R163 Art. 3; DOMAIN.md §5.7) -------------------------------------------

CYCLE_MONTHS = 12
FULL_SCORE = 12


def cycle_bounds(first_issued: dt.date, on: dt.date) -> tuple[int, dt.date, dt.date]:
    """``(index, start, last_day)`` of the scoring cycle containing ``on``: cycles of 12
    months run on from the first-issue date (R163 Art. 3). Index 0 is the first cycle; a date
    before the first issue has a negative index."""
    months = (on.year - first_issued.year) * 12 + on.month - first_issued.month
    index = months // CYCLE_MONTHS
    start = _add_months(first_issued, index * CYCLE_MONTHS)
    while start > on:
        index -= 1
        start = _add_months(first_issued, index * CYCLE_MONTHS)
    nxt = _add_months(first_issued, (index + 1) * CYCLE_MONTHS)
    while nxt <= on:
        index += 1
        start, nxt = nxt, _add_months(first_issued, (index + 1) * CYCLE_MONTHS)
    return index, start, nxt - dt.timedelta(days=1)


def scoring_cycle(*, first_issued: dt.date, on: dt.date) -> Decision:
    """The scoring cycle (记分周期) containing ``on``: 12 months, full score 12, running on
    from the date the licence (or temporary permit) was first issued (R163 Art. 3 [primary];
    R162 Art. 71). A first issue on 29 February starts later cycles on 1 March in common years
    (our reading, Civil Code Art. 202). DOMAIN.md §5.7. In force from 2022-04-01."""
    facts: dict[str, object] = {"first_issued": first_issued.isoformat(), "on": on.isoformat()}
    cites = ("R163 Art. 3", "R162 Art. 71", "DOMAIN.md §5.7")
    if on < R163_IN_FORCE:
        return _not_in_force("scoring.cycle", cites, facts)
    rule = f"scoring.cycle@{R163_IN_FORCE.isoformat()}"
    if on < first_issued:
        return Decision(
            False,
            rule,
            cites,
            "before_first_issue",
            gettext_noop("The date is before the licence was first issued"),
            facts,
        )
    index, start, last = cycle_bounds(first_issued, on)
    facts.update(
        cycle=index + 1,
        start=start.isoformat(),
        end=last.isoformat(),
        full_score=FULL_SCORE,
        days=(last - start).days + 1,
    )
    return Decision(True, rule, cites, facts=facts)


def _full_score_cycles(
    first_issued: dt.date, on: dt.date, full_score_dates: Iterable[dt.date]
) -> set[int]:
    """How many cycles before the one containing ``on`` each 满分 fell (0: this cycle)."""
    current = cycle_bounds(first_issued, on)[0]
    return {current - cycle_bounds(first_issued, d)[0] for d in full_score_dates if d <= on}


# ---- adding a class (增驾, R162 Arts. 16–17; DOMAIN.md §5.2) --------------------------------


@dataclass(frozen=True)
class HeldClass:
    cls: str
    since: dt.date


#: R162 Art. 17 para 1 (2) to (4) [primary]: the classes and years that qualify, and how many
#: cycles before the application must have no 满分.
@dataclass(frozen=True)
class AddCondition:
    options: tuple[tuple[frozenset[str], int], ...]  # (held classes, years held)
    clean_cycles: int  # completed cycles before the application with no 满分


ADD_CONDITIONS: dict[str, AddCondition] = {
    "C6": AddCondition(((frozenset({"C1", "C2"}), 1),), 0),
    "B1": AddCondition(((frozenset({"A3", "B2", "C1", "C2", "C3", "C4"}), 2),), 2),
    "A2": AddCondition(((frozenset({"B1", "B2"}), 2), (frozenset({"A1"}), 1)), 2),
    "A1": AddCondition(
        ((frozenset({"A3", "B1"}), 2), (frozenset({"B2"}), 3), (frozenset({"A2"}), 1)), 3
    ),
}


def add_class(
    *,
    cls: str,
    held: Sequence[HeldClass],
    age: int,
    on: dt.date,
    first_issued: dt.date,
    full_score_dates: Sequence[dt.date] = (),
    vocational_student: bool = False,
    ability_tests_passed: bool = False,
) -> Decision:
    """Adding a class to a licence held (增驾), R162 Arts. 16–17 [primary], with the age of
    Art. 14 (:func:`application_age`, dated versions). DOMAIN.md §5.2.

    * the class must be one that may be added (Art. 16 para 2) and not already allowed;
    * no 满分 (12 points) in this cycle or the one before (Art. 17 para 1);
    * C6: C1 or C2 held 1 year; B1: A3, B2, C1, C2, C3 or C4 held 2 years; A2: B1 or B2 held 2
      years or A1 1 year; A1: A3 or B1 held 2 years, B2 3 years or A2 1 year ("以上" includes
      the number, Art. 110);
    * B1 and A2 also need no 满分 in the last 2 completed cycles, A1 in the last 3. We read
      "申请前最近连续N个记分周期" as the N cycles completed before the application, on top of
      the current cycle (otherwise the clause would repeat para 1 for B1 and A2);
    * a full-time driving vocational student who got C1 at school may add A1 or A2 with only
      the para 1 condition (Art. 17 para 2), from age 19 (Art. 14(1)5).

    ``full_score_dates`` are the days the holder reached 12 points; ``first_issued`` places
    them in cycles (R163 Art. 3)."""
    held_codes = [h.cls for h in held]
    facts: dict[str, object] = {
        "class": cls,
        "held": [{"class": h.cls, "since": h.since.isoformat()} for h in held],
        "age": age,
        "on": on.isoformat(),
        "vocational_student": vocational_student,
    }
    cites = ("R162 Art. 16", "R162 Art. 17", "DOMAIN.md §5.2")
    if on < R162_IN_FORCE:
        return _not_in_force("licence.add_class", cites, facts)
    rule = f"licence.add_class@{R162_IN_FORCE.isoformat()}"

    def no(code: str, message: str) -> Decision:
        return Decision(False, rule, cites, code, message, facts)

    if cls not in ALSO_PERMITS or any(c not in ALSO_PERMITS for c in held_codes):
        return _unknown_class(rule, cites, facts)
    if not held:
        return no(
            "no_licence_held",
            gettext_noop("Adding a class needs a licence already held"),
        )
    if cls not in ADDABLE_CLASSES:
        return no("class_not_addable", gettext_noop("This class cannot be added to a licence"))
    if cls in permitted_classes(held_codes):
        return no(
            "class_already_allowed",
            gettext_noop("The licence already allows this class"),
        )
    ago = _full_score_cycles(first_issued, on, full_score_dates)
    facts["full_score_cycles_ago"] = sorted(ago)
    if ago & {0, 1}:
        return no(
            "full_score_recent",
            gettext_noop("A 12-point record in this or the previous scoring cycle bars adding"),
        )
    vocational = vocational_student and cls in ("A1", "A2") and "C1" in held_codes
    condition = ADD_CONDITIONS.get(cls)
    if condition is not None and not vocational:
        met = [
            (sorted(codes), years)
            for codes, years in condition.options
            if any(h.cls in codes and on >= _add_years(h.since, years) for h in held)
        ]
        facts["qualifying"] = [{"classes": c, "years": y} for c, y in met]
        if not met:
            return no(
                "experience_too_short",
                gettext_noop("The classes held, or the years they were held, do not qualify"),
            )
        facts["clean_cycles_required"] = condition.clean_cycles
        if condition.clean_cycles and ago & set(range(1, condition.clean_cycles + 1)):
            return no(
                "full_score_record",
                gettext_noop("A 12-point record in the recent scoring cycles bars this class"),
            )
    age_decision = application_age(
        cls=cls,
        age=age,
        on=on,
        vocational_student=vocational,
        ability_tests_passed=ability_tests_passed,
    )
    if not age_decision.allowed:
        return age_decision
    facts["vocational_route"] = vocational
    return Decision(True, rule, cites + age_decision.citations, facts=facts)


# ---- probation (实习期, R162 Arts. 76–77, 80; DOMAIN.md §5.3) -------------------------------

PROBATION_MONTHS = 12
PROBATION_CITES = ("R162 Art. 76", "R162 Art. 77", "DOMAIN.md §5.3")
#: R162 Art. 77 para 1 [primary]: what a driver in probation may not drive or do.
PROBATION_FORBIDDEN = (
    "bus",  # 公共汽车
    "commercial_passenger",  # 营运客车
    "emergency_vehicle",  # police, fire, ambulance, rescue vehicles on duty
    "hazardous_goods",  # explosives, flammable, toxic or radioactive goods
    "trailer",  # towing a trailer
)
PROBATION_ACTIVITIES = (*PROBATION_FORBIDDEN, "expressway", "other")
EXPRESSWAY_COMPANION_YEARS = 3


def probation(*, probation_started: dt.date, on: dt.date) -> Decision:
    """Whether the driver is in probation (实习期) on ``on``: the 12 months after first getting
    a car class or a motorcycle class (R162 Art. 76 [primary]); the 实习 sign must be shown.
    ``allowed`` means "in probation". DOMAIN.md §5.3. In force from 2022-04-01."""
    facts: dict[str, object] = {
        "probation_started": probation_started.isoformat(),
        "on": on.isoformat(),
    }
    if on < R162_IN_FORCE:
        return _not_in_force("licence.probation", PROBATION_CITES, facts)
    rule = f"licence.probation@{R162_IN_FORCE.isoformat()}"
    last = _add_months(probation_started, PROBATION_MONTHS) - dt.timedelta(days=1)
    facts.update(probation_ends=last.isoformat(), forbidden=list(PROBATION_FORBIDDEN))
    if not probation_started <= on <= last:
        return Decision(
            False,
            rule,
            PROBATION_CITES,
            "not_in_probation",
            gettext_noop("The driver is not in probation on that date"),
            facts,
        )
    facts["sign_required"] = True
    return Decision(True, rule, PROBATION_CITES, facts=facts)


def probation_drive(
    *,
    probation_started: dt.date,
    on: dt.date,
    activity: str,
    companion_years: int | None = None,
    original_class: bool = False,
) -> Decision:
    """Whether a driver may do ``activity`` on ``on`` (R162 Art. 77 [primary]): in probation,
    no buses, commercial passenger vehicles, emergency vehicles on duty, hazardous goods or
    trailers; on an expressway only with a companion who has held the class 3 years or more
    ("以上" includes 3). After adding a class, driving the classes held before is not
    restricted (Art. 77 para 3): ``original_class``. DOMAIN.md §5.3."""
    state = probation(probation_started=probation_started, on=on)
    facts: dict[str, object] = {
        **state.facts,
        "activity": activity,
        "companion_years": companion_years,
        "original_class": original_class,
    }
    rule = state.rule.replace("licence.probation@", "licence.probation_drive@")
    if state.code == "rule_not_in_force":
        return _not_in_force("licence.probation_drive", PROBATION_CITES, facts)
    if activity not in PROBATION_ACTIVITIES:
        return Decision(
            False,
            rule,
            PROBATION_CITES,
            "invalid_activity",
            gettext_noop("Choose one of the listed activities"),
            facts,
        )
    if not state.allowed or original_class or activity == "other":
        return Decision(True, rule, PROBATION_CITES, facts=facts)
    if activity in PROBATION_FORBIDDEN:
        return Decision(
            False,
            rule,
            PROBATION_CITES,
            "forbidden_in_probation",
            gettext_noop("A driver in probation may not do this"),
            facts,
        )
    if companion_years is None or companion_years < EXPRESSWAY_COMPANION_YEARS:
        return Decision(
            False,
            rule,
            PROBATION_CITES,
            "companion_required",
            gettext_noop(
                "On expressways a driver in probation needs a companion who has held the class "
                "for 3 years or more"
            ),
            facts,
        )
    return Decision(True, rule, PROBATION_CITES, facts=facts)


def probation_full_score(
    *, probation_started: dt.date, on: dt.date, points_in_probation: int
) -> Decision:
    """12 points for violations committed during probation cancel the probationary class
    (R162 Art. 80 [primary]). ``allowed`` means "cancel the probationary class"; the
    violations counted are those committed within the probation. DOMAIN.md §5.3."""
    cites = ("R162 Art. 80", "DOMAIN.md §5.3")
    facts: dict[str, object] = {
        "probation_started": probation_started.isoformat(),
        "on": on.isoformat(),
        "points_in_probation": points_in_probation,
    }
    if on < R162_IN_FORCE:
        return _not_in_force("licence.probation_full_score", cites, facts)
    rule = f"licence.probation_full_score@{R162_IN_FORCE.isoformat()}"
    if points_in_probation < FULL_SCORE:
        return Decision(
            False,
            rule,
            cites,
            "below_full_score",
            gettext_noop("Fewer than 12 points in probation: the class stays"),
            facts,
        )
    return Decision(True, rule, cites, facts={**facts, "cancel_probationary_class": True})


# ---- review (审验, R162 Arts. 72–74, 90; DOMAIN.md §5.4) ------------------------------------

REVIEW_DAYS_AFTER_CYCLE = 30
REVIEW_EDUCATION_HOURS = 3


def review_duty(
    *,
    classes: Sequence[str],
    age: int,
    points_in_cycle: int,
    cycle_end: dt.date,
    fatal_accident_responsible: bool = False,
    injury_accident_responsible: bool = False,
    school_bus: bool = False,
) -> Decision:
    """Whether a review (审验) is owed after the scoring cycle ending ``cycle_end``, its
    deadline and the 审验教育 hours (R162 Arts. 72–74 and 90 [primary]; DOMAIN.md §5.4).

    * A1 A2 A3 B1 B2 holders: within 30 days after each cycle, exempt in a cycle with no points;
    * other classes: after a fatal accident with equal or greater responsibility;
    * drivers aged 70+: after an accident with serious injury or death for which they were
      responsible, and ability tests at every review;
    * school-bus drivers: every cycle (Art. 90);
    * 审验教育 of at least 3 hours: large-class holders with points, drivers after a fatal
      accident with equal or greater responsibility, school-bus drivers (Arts. 73, 90);
    * other drivers are reviewed only when they renew (Art. 72 para 2).
    ``allowed`` means "a review is owed after this cycle". In force from 2022-04-01."""
    cites: tuple[str, ...] = ("R162 Art. 72", "R162 Art. 73", "DOMAIN.md §5.4")
    facts: dict[str, object] = {
        "classes": list(classes),
        "age": age,
        "points_in_cycle": points_in_cycle,
        "cycle_end": cycle_end.isoformat(),
        "fatal_accident_responsible": fatal_accident_responsible,
        "injury_accident_responsible": injury_accident_responsible,
        "school_bus": school_bus,
    }
    if cycle_end < R162_IN_FORCE:
        return _not_in_force("licence.review", cites, facts)
    rule = f"licence.review@{R162_IN_FORCE.isoformat()}"
    if any(c not in ALSO_PERMITS for c in classes):
        return _unknown_class(rule, cites, facts)
    large = bool(LARGE_CLASSES & set(classes))
    reasons = []
    if large and points_in_cycle > 0:
        reasons.append("large_class_with_points")
    if fatal_accident_responsible:
        reasons.append("fatal_accident")
    if age >= ELDERLY_AGE and injury_accident_responsible:
        reasons.append("elderly_injury_accident")
    if school_bus:
        reasons.append("school_bus")
    education = (large and points_in_cycle > 0) or fatal_accident_responsible or school_bus
    facts.update(
        reasons=reasons,
        education_hours=REVIEW_EDUCATION_HOURS if education else 0,
        ability_tests=age >= ELDERLY_AGE,
    )
    if school_bus:
        cites += ("R162 Art. 90",)
    if not reasons:
        code = "review_exempt_no_points" if large else "review_on_renewal_only"
        message = (
            gettext_noop("No points in this cycle: the review of this cycle is waived")
            if large
            else gettext_noop("This driver is reviewed only when renewing the licence")
        )
        return Decision(False, rule, cites, code, message, facts)
    facts["deadline"] = (cycle_end + dt.timedelta(days=REVIEW_DAYS_AFTER_CYCLE)).isoformat()
    return Decision(True, rule, cites, facts=facts)


# ---- exams (R162 Arts. 30–47; DOMAIN.md §5.5) -----------------------------------------------

SUBJECTS = (1, 2, 3)
EXAM_CITES = ("DOMAIN.md §5.5",)
PASS_MARK = 90
#: R162 Art. 38 [primary]: 科目二 passes at 80 except for these classes (90).
SUBJECT2_HIGH_MARK_CLASSES = LARGE_CLASSES | {"C6"}
SUBJECT2_LOW_MARK = 80
SUBJECT3_PARTS = ("road", "safety")


def exam_pass(*, subject: int, cls: str, score: int, part: str = "road") -> Decision:
    """Whether ``score`` (of 100) passes (R162 Art. 38 [primary]; DOMAIN.md §5.5): 科目一 90;
    科目二 90 for A1 A2 A3 B1 B2 C6, 80 for other classes; 科目三 road skills 90 and 安全文明
    驾驶常识 (``part="safety"``, the so-called 科目四) 90. ``allowed`` means "passed"."""
    cites = ("R162 Art. 38", *EXAM_CITES)
    rule = f"exam.pass_mark@{R162_IN_FORCE.isoformat()}"
    facts: dict[str, object] = {"subject": subject, "class": cls, "score": score, "part": part}
    if cls not in ALSO_PERMITS:
        return _unknown_class(rule, cites, facts)
    if subject not in SUBJECTS or (subject == 3 and part not in SUBJECT3_PARTS):
        return Decision(
            False,
            rule,
            cites,
            "invalid_subject",
            gettext_noop("Choose subject 1, 2 or 3 (and for 3, the road or safety part)"),
            facts,
        )
    mark = PASS_MARK
    if subject == 2 and cls not in SUBJECT2_HIGH_MARK_CLASSES:
        mark = SUBJECT2_LOW_MARK
    facts["pass_mark"] = mark
    if score < mark:
        return Decision(
            False,
            rule,
            cites,
            "below_pass_mark",
            gettext_noop("The score is below the pass mark"),
            facts,
        )
    return Decision(True, rule, cites, facts=facts)


LEARNER_PERMIT_YEARS = 3


def learner_permit(*, cls: str, issued_on: dt.date, birth_date: dt.date) -> Decision:
    """The learner permit (学习驾驶证明) issued after 科目一: valid 3 years, but not past the
    upper age limit of the class (R162 Arts. 40–41 [primary]; ages by date, Art. 14). If 科目二
    and 科目三 are not both done by then, the subjects passed are void. ``facts["valid_until"]``
    is its last valid day. DOMAIN.md §5.5."""
    cites = ("R162 Art. 41", "R162 Art. 14", *EXAM_CITES)
    facts: dict[str, object] = {
        "class": cls,
        "issued_on": issued_on.isoformat(),
        "birth_date": birth_date.isoformat(),
    }
    found = age_limit(cls, issued_on)
    if issued_on < R162_IN_FORCE:
        return _not_in_force("exam.learner_permit", cites, facts)
    if found is None:
        return _unknown_class(f"exam.learner_permit@{R162_IN_FORCE.isoformat()}", cites, facts)
    version, limit = found
    rule = f"exam.learner_permit@{version.isoformat()}"
    until = _add_years(issued_on, LEARNER_PERMIT_YEARS) - dt.timedelta(days=1)
    facts["three_years_until"] = until.isoformat()
    if limit.maximum is not None:
        # The last day of age ``maximum``: the day before the next birthday.
        age_until = _add_years(birth_date, limit.maximum + 1) - dt.timedelta(days=1)
        facts["age_limit_until"] = age_until.isoformat()
        until = min(until, age_until)
    facts["valid_until"] = until.isoformat()
    if until < issued_on:
        return Decision(
            False,
            rule,
            cites,
            "too_old",
            gettext_noop("The applicant is older than the maximum age for this class"),
            facts,
        )
    return Decision(True, rule, cites, facts=facts)


#: R162 Arts. 43–44 [primary]: days after the learner permit before 科目二 / 科目三 may be
#: booked. A class the article does not list has no wait (motorcycles; C6 for 科目三).
BOOKING_WAIT_DAYS: dict[int, dict[str, int]] = {
    2: {
        **dict.fromkeys(("C1", "C2", "C3", "C4", "C5", "M", "N", "P"), 10),
        **dict.fromkeys(("A1", "A2", "A3", "B1", "B2", "C6"), 20),
    },
    3: {
        **dict.fromkeys(("C2", "C5", "C3", "C4"), 20),
        **dict.fromkeys(("C1", "M", "N", "P"), 30),
        **dict.fromkeys(("A1", "A2", "A3", "B1", "B2"), 40),
    },
}
#: Art. 44(3): 30 days for a large class added to a car-class licence.
BOOKING_WAIT_ADDING_LARGE = 30
MAX_BOOKINGS = 5  # Art. 47 para 2, each of 科目二 and 科目三 within the permit
RETAKE_WAIT_DAYS = 10  # Art. 47 para 1, 科目二 and 科目三 after failing the retake


def booking_wait_days(*, subject: int, cls: str, adding_to_car_licence: bool) -> int:
    """Days after the learner permit before ``subject`` may be booked (R162 Arts. 43–44)."""
    if subject == 3 and cls in LARGE_CLASSES and adding_to_car_licence:
        return BOOKING_WAIT_ADDING_LARGE
    return BOOKING_WAIT_DAYS.get(subject, {}).get(cls, 0)


def exam_booking(
    *,
    subject: int,
    cls: str,
    permit_issued_on: dt.date,
    birth_date: dt.date,
    exam_date: dt.date,
    on: dt.date,
    bookings_made: int = 0,
    retake_failed_on: dt.date | None = None,
    adding_to_car_licence: bool = False,
) -> Decision:
    """Whether ``subject`` may be booked on ``on`` for an exam on ``exam_date`` (R162 Arts.
    41, 43–44, 47 [primary]; DOMAIN.md §5.5):

    * 科目二: 10 days after the learner permit for C1 C2 C3 C4 C5 M N P, 20 for A1 A2 A3 B1 B2
      C6; 科目三: 20 for C2 C5 C3 C4, 30 for C1 M N P, 40 for A1 A2 A3 B1 B2 (30 when adding a
      class to a car-class licence); classes not listed have no wait;
    * after failing the retake of 科目二 or 科目三, 10 days before booking again;
    * at most 5 bookings each of 科目二 and 科目三 within the permit;
    * the exam must fall within the learner permit (3 years, not past the age limit).
    Waits are calendar days (Art. 110 makes only 一日/三日/五日 working days).
    ``facts["earliest"]`` is the first day a booking may be made."""
    cites = ("R162 Art. 43", "R162 Art. 44", "R162 Art. 47", *EXAM_CITES)
    facts: dict[str, object] = {
        "subject": subject,
        "class": cls,
        "permit_issued_on": permit_issued_on.isoformat(),
        "exam_date": exam_date.isoformat(),
        "on": on.isoformat(),
        "bookings_made": bookings_made,
        "retake_failed_on": _iso(retake_failed_on),
        "adding_to_car_licence": adding_to_car_licence,
    }
    if on < R162_IN_FORCE:
        return _not_in_force("exam.booking", cites, facts)
    rule = f"exam.booking@{R162_IN_FORCE.isoformat()}"

    def no(code: str, message: str) -> Decision:
        return Decision(False, rule, cites, code, message, facts)

    if cls not in ALSO_PERMITS:
        return _unknown_class(rule, cites, facts)
    if subject not in SUBJECTS:
        return no("invalid_subject", gettext_noop("Choose subject 1, 2 or 3"))
    wait = booking_wait_days(subject=subject, cls=cls, adding_to_car_licence=adding_to_car_licence)
    earliest = permit_issued_on + dt.timedelta(days=wait)
    if retake_failed_on is not None and subject in (2, 3):
        earliest = max(earliest, retake_failed_on + dt.timedelta(days=RETAKE_WAIT_DAYS))
    facts.update(wait_days=wait, earliest=earliest.isoformat())
    permit = learner_permit(cls=cls, issued_on=permit_issued_on, birth_date=birth_date)
    facts["permit_valid_until"] = permit.facts.get("valid_until")
    if exam_date < on:
        return no("exam_in_past", gettext_noop("The exam date is before the booking date"))
    if not permit.allowed or exam_date > dt.date.fromisoformat(str(permit.facts["valid_until"])):
        return no(
            "permit_expired",
            gettext_noop("The exam date is after the learner permit expires"),
        )
    if subject in (2, 3) and bookings_made >= MAX_BOOKINGS:
        return no(
            "booking_limit",
            gettext_noop("This subject has been booked 5 times within the learner permit"),
        )
    if on < earliest:
        if earliest > permit_issued_on + dt.timedelta(days=wait):
            return no(
                "retake_wait",
                gettext_noop("After a failed retake this subject is booked again 10 days later"),
            )
        return no(
            "too_early",
            gettext_noop("This subject cannot be booked yet: see the earliest booking date"),
        )
    return Decision(True, rule, cites, facts=facts)


def exam_failure(
    *, subject: int, failed_on: dt.date, was_retake: bool, booking_number: int
) -> Decision:
    """What follows a failed sitting (R162 Art. 47 [primary]; DOMAIN.md §5.5): each sitting
    includes one retake; after failing the retake (or skipping it) the applicant books again,
    科目二 and 科目三 only 10 days later; failing the 5th booking of 科目二 or 科目三 voids the
    other subjects passed. Failing 安全文明驾驶常识 keeps the road-skills result. ``allowed``
    means "a free retake is still open in this sitting"."""
    cites = ("R162 Art. 47", *EXAM_CITES)
    rule = f"exam.failure@{R162_IN_FORCE.isoformat()}"
    facts: dict[str, object] = {
        "subject": subject,
        "failed_on": failed_on.isoformat(),
        "was_retake": was_retake,
        "booking_number": booking_number,
    }
    if subject not in SUBJECTS:
        return Decision(
            False,
            rule,
            cites,
            "invalid_subject",
            gettext_noop("Choose subject 1, 2 or 3"),
            facts,
        )
    if not was_retake:
        return Decision(True, rule, cites, facts={**facts, "retake_same_sitting": True})
    wait = RETAKE_WAIT_DAYS if subject in (2, 3) else 0
    facts.update(
        rebook_from=(failed_on + dt.timedelta(days=wait)).isoformat(),
        voids_other_subjects=subject in (2, 3) and booking_number >= MAX_BOOKINGS,
    )
    return Decision(
        False,
        rule,
        cites,
        "sitting_ended",
        gettext_noop("The retake was failed: book the exam again"),
        facts,
    )


def booking_cancellation(
    *, exam_date: dt.date, on: dt.date, calendar: WorkingCalendar | None = None
) -> Decision:
    """Whether a booking may still be cancelled on ``on`` (R162 Art. 46 [primary]): at least
    "一日" ahead, which Art. 110 makes a working day, so the last day to cancel is the last
    working day before the exam (holiday calendar: ``kernel.calendar``). An exam missed without
    cancelling counts as failed. DOMAIN.md §5.5 (which says "1 day"; the working day is
    Art. 110's definition, our reading of how the two combine)."""
    cal = calendar or WorkingCalendar.load()
    cites = ("R162 Art. 46", "R162 Art. 110", *EXAM_CITES)
    rule = f"exam.cancellation@{R162_IN_FORCE.isoformat()}"
    last = exam_date - dt.timedelta(days=1)
    while not cal.is_working_day(last):
        last -= dt.timedelta(days=1)
    facts: dict[str, object] = {
        "exam_date": exam_date.isoformat(),
        "on": on.isoformat(),
        "last_day_to_cancel": last.isoformat(),
    }
    if on > last:
        return Decision(
            False,
            rule,
            cites,
            "cancellation_too_late",
            gettext_noop(
                "Too late to cancel: a booking is cancelled at least one working day ahead, "
                "and an absence counts as a failed exam"
            ),
            {**facts, "absence_counts_as_fail": True},
        )
    return Decision(True, rule, cites, facts=facts)


PLAN_NOTICE_DAYS = 10


def booking_plan_published(*, published_on: dt.date, exam_date: dt.date) -> Decision:
    """An exam day's booking plan must be published on the Internet at least 10 days before
    the exam (R162 Art. 52 [primary]; DOMAIN.md §5.5): published on day D, the exam may be on
    D+10 at the earliest (calendar days)."""
    cites = ("R162 Art. 52", *EXAM_CITES)
    rule = f"exam.plan_publication@{R162_IN_FORCE.isoformat()}"
    earliest = published_on + dt.timedelta(days=PLAN_NOTICE_DAYS)
    facts: dict[str, object] = {
        "published_on": published_on.isoformat(),
        "exam_date": exam_date.isoformat(),
        "earliest_exam_date": earliest.isoformat(),
    }
    if exam_date < earliest:
        return Decision(
            False,
            rule,
            cites,
            "plan_too_late",
            gettext_noop("A booking plan is published at least 10 days before the exam"),
            facts,
        )
    return Decision(True, rule, cites, facts=facts)


#: R162 Art. 39 para 3 [primary]: small classes may move the exam place up to 3 times.
LOCATION_CHANGE_CLASSES = frozenset({"C1", "C2", "C3", "C4", "C5", "C6"})
MAX_LOCATION_CHANGES = 3


def exam_location_change(*, cls: str, changes_made: int) -> Decision:
    """After moving, an applicant for C1 C2 C3 C4 C5 C6 who has passed part of the exams may
    move the exam place, at most 3 times (R162 Art. 39 para 3 [primary]; DOMAIN.md §5.5)."""
    cites = ("R162 Art. 39", *EXAM_CITES)
    rule = f"exam.location_change@{R162_IN_FORCE.isoformat()}"
    facts: dict[str, object] = {"class": cls, "changes_made": changes_made}
    if cls not in LOCATION_CHANGE_CLASSES:
        return Decision(
            False,
            rule,
            cites,
            "class_not_eligible",
            gettext_noop("The exam place can be changed only for small classes"),
            facts,
        )
    if changes_made >= MAX_LOCATION_CHANGES:
        return Decision(
            False,
            rule,
            cites,
            "location_change_limit",
            gettext_noop("The exam place has already been changed 3 times"),
            facts,
        )
    return Decision(True, rule, cites, facts=facts)


def road_test_distance(*, cls: str, first_application: bool, km: float) -> Decision:
    """The minimum length of the road test (R162 Art. 34 para 2 [primary]): 10 km for A1 A2
    A3 B1 B2 (first applications for A3 and B2: 5 km by day and 3 km at night); 3 km for C1
    C2 C3 C5; other classes are set by the province (no minimum here). DOMAIN.md §5.5.
    ``allowed`` means ``km`` is long enough."""
    cites = ("R162 Art. 34", *EXAM_CITES)
    rule = f"exam.road_test_distance@{R162_IN_FORCE.isoformat()}"
    facts: dict[str, object] = {"class": cls, "first_application": first_application, "km": km}
    if cls not in ALSO_PERMITS:
        return _unknown_class(rule, cites, facts)
    minimum: float | None = None
    if cls in LARGE_CLASSES:
        minimum = 10.0
        if first_application and cls in ("A3", "B2"):
            facts.update(day_km=5.0, night_km=3.0)
            minimum = 8.0
    elif cls in ("C1", "C2", "C3", "C5"):
        minimum = 3.0
    facts["minimum_km"] = minimum
    if minimum is not None and km < minimum:
        return Decision(
            False,
            rule,
            cites,
            "route_too_short",
            gettext_noop("The road test route is shorter than the minimum for this class"),
            facts,
        )
    return Decision(True, rule, cites, facts=facts)


# ---- scoring (R163; DOMAIN.md §5.7) ---------------------------------------------------------

SCORING_CITE = "DOMAIN.md §5.7"
#: R163 Art. 7 [primary]: the only point values of one violation.
POINT_VALUES = (12, 9, 6, 3, 1)


def point_value(*, points: int) -> Decision:
    """Whether ``points`` is a value one violation can carry: 12, 9, 6, 3 or 1 (R163 Art. 7
    [primary]); a warning carries none (Art. 28). DOMAIN.md §5.7."""
    rule = f"scoring.point_value@{R163_IN_FORCE.isoformat()}"
    cites = ("R163 Art. 7", SCORING_CITE)
    if points not in POINT_VALUES:
        return Decision(
            False,
            rule,
            cites,
            "invalid_points",
            gettext_noop("One violation carries 12, 9, 6, 3 or 1 points"),
            {"points": points},
        )
    return Decision(True, rule, cites, facts={"points": points})


#: R163 Art. 8 [primary]: the violations that carry 12 points at once (DOMAIN.md §5.7).
TWELVE_POINT_OFFENCES: dict[str, str] = {
    "drink_driving": "饮酒后驾驶机动车 (Art. 8(1))",
    "hit_and_run": "致人轻伤以上或者死亡的交通事故后逃逸，尚不构成犯罪 (Art. 8(2))",
    "fake_plates": "使用伪造、变造或者其他机动车号牌、行驶证、驾驶证 (Art. 8(3))",
    "overloading": "校车、公路客运、旅游客运载人超过核定人数20%以上等 (Art. 8(4))",
    "speeding": "高速公路、城市快速路超速20%/50%以上 (Art. 8(5))",
    "expressway_reversing": "高速公路、城市快速路倒车、逆行、穿越中央分隔带掉头 (Art. 8(6))",
    "taking_points_for_money": "代替实际驾驶人接受处罚和记分牟取经济利益 (Art. 8(7))",
}


def offence_points(*, offence: str) -> Decision:
    """Whether ``offence`` is one of the 12-point violations of R163 Art. 8 [primary]; the
    other values (9, 6, 3, 1) come from Arts. 9–12 case by case. ``allowed`` means "12 points"."""
    rule = f"scoring.twelve_point_offence@{R163_IN_FORCE.isoformat()}"
    cites = ("R163 Art. 8", SCORING_CITE)
    if offence not in TWELVE_POINT_OFFENCES:
        return Decision(
            False,
            rule,
            cites,
            "not_twelve_points",
            gettext_noop("Not one of the 12-point violations"),
            {"offence": offence},
        )
    return Decision(
        True,
        rule,
        cites,
        facts={"offence": offence, "points": 12, "text": TWELVE_POINT_OFFENCES[offence]},
    )


@dataclass(frozen=True)
class PointRecord:
    points: int
    fine_unpaid: bool


def cycle_end_clearing(*, records: Sequence[PointRecord]) -> Decision:
    """End of a cycle (R163 Art. 15 [primary]): below 12 points, the cycle's points are
    cleared, except the points of violations whose fines are overdue and unpaid, which carry
    over into the next cycle. At 12 or more the full-score process applies instead (Arts.
    17, 23). ``allowed`` means "cleared"; ``facts["carried_over"]`` the points carried.
    DOMAIN.md §5.7."""
    rule = f"scoring.cycle_end@{R163_IN_FORCE.isoformat()}"
    cites = ("R163 Art. 15", SCORING_CITE)
    total = sum(r.points for r in records)
    carried = sum(r.points for r in records if r.fine_unpaid)
    facts: dict[str, object] = {"total": total, "records": len(records)}
    if total >= FULL_SCORE:
        return Decision(
            False,
            rule,
            (*cites, "R163 Art. 17", "R163 Art. 23"),
            "full_score",
            gettext_noop("12 points or more: cleared only after full-score study and exams"),
            {**facts, "carried_over": total, "cleared": 0},
        )
    return Decision(
        True, rule, cites, facts={**facts, "carried_over": carried, "cleared": total - carried}
    )


#: R163 Arts. 18–19 [primary]: study days, their increments and caps, and the minimum days of
#: on-site plus online study (of which on-site), for large classes and for the others.
@dataclass(frozen=True)
class StudyTerms:
    base_days: int
    step_days: int
    cap_days: int
    min_counted_days: int
    min_onsite_days: int


STUDY_TERMS = {
    "large": StudyTerms(30, 30, 120, 10, 5),
    "other": StudyTerms(7, 7, 60, 5, 2),
}


def _study_terms(classes: Sequence[str]) -> tuple[str, StudyTerms]:
    kind = "large" if LARGE_CLASSES & set(classes) else "other"
    return kind, STUDY_TERMS[kind]


def full_score_study_days(
    *, classes: Sequence[str], full_scores_in_cycle: int, points_in_cycle: int
) -> Decision:
    """The days of full-score study (满分学习) owed (R163 Art. 18 [primary]): 7 days, 30 for
    A1 A2 A3 B1 B2 drivers; each further 满分 in the cycle or each further 12 points adds 7
    (30) days, at most 60 (120). Both counts describe the same step, so the larger one is
    used (our reading). With the minimum on-site/online days of Art. 19. DOMAIN.md §5.7."""
    rule = f"scoring.full_score_study_days@{R163_IN_FORCE.isoformat()}"
    cites = ("R163 Art. 18", "R163 Art. 19", SCORING_CITE)
    facts: dict[str, object] = {
        "classes": list(classes),
        "full_scores_in_cycle": full_scores_in_cycle,
        "points_in_cycle": points_in_cycle,
    }
    if any(c not in ALSO_PERMITS for c in classes):
        return _unknown_class(rule, cites, facts)
    if full_scores_in_cycle < 1 and points_in_cycle < FULL_SCORE:
        return Decision(
            False,
            rule,
            cites,
            "no_full_score",
            gettext_noop("Full-score study is owed only at 12 points"),
            facts,
        )
    kind, terms = _study_terms(classes)
    steps = max(full_scores_in_cycle - 1, points_in_cycle // FULL_SCORE - 1, 0)
    days = min(terms.base_days + steps * terms.step_days, terms.cap_days)
    facts.update(
        group=kind,
        study_days=days,
        min_counted_days=terms.min_counted_days,
        min_onsite_days=terms.min_onsite_days,
    )
    return Decision(True, rule, cites, facts=facts)


STUDY_DAY_MINUTES = 180  # "超过三小时": more than 3 hours (R163 Art. 19 para 3)


@dataclass(frozen=True)
class StudySession:
    day: dt.date
    mode: str  # "onsite" or "online"
    minutes: int  # one continuous on-site session, or one online stretch


def study_days(*, classes: Sequence[str], sessions: Sequence[StudySession]) -> Decision:
    """Counting full-score study days (R163 Art. 19 [primary]): a date counts as one day when
    one continuous on-site session lasted more than 3 hours, or online study that date totals
    more than 3 hours; on-site and online study on the same date count as one day (an on-site
    day when its on-site session qualifies). The study is complete when the counted days reach
    5 with 2 on-site (10 with 5 for A1 A2 A3 B1 B2 drivers); the rest is self-study.
    ``allowed`` means "the minimum is reached". DOMAIN.md §5.7."""
    rule = f"scoring.study_days@{R163_IN_FORCE.isoformat()}"
    cites = ("R163 Art. 19", SCORING_CITE)
    facts: dict[str, object] = {"classes": list(classes), "sessions": len(sessions)}
    if any(c not in ALSO_PERMITS for c in classes):
        return _unknown_class(rule, cites, facts)
    if any(s.mode not in ("onsite", "online") for s in sessions):
        return Decision(
            False,
            rule,
            cites,
            "invalid_mode",
            gettext_noop("A study session is on-site or online"),
            facts,
        )
    onsite_days: set[dt.date] = set()
    online_minutes: dict[dt.date, int] = {}
    for s in sessions:
        if s.mode == "onsite" and s.minutes > STUDY_DAY_MINUTES:
            onsite_days.add(s.day)
        elif s.mode == "online":
            online_minutes[s.day] = online_minutes.get(s.day, 0) + s.minutes
    online_days = {d for d, m in online_minutes.items() if m > STUDY_DAY_MINUTES}
    counted = onsite_days | online_days
    kind, terms = _study_terms(classes)
    facts.update(
        group=kind,
        counted_days=len(counted),
        onsite_days=len(onsite_days),
        online_only_days=len(online_days - onsite_days),
        min_counted_days=terms.min_counted_days,
        min_onsite_days=terms.min_onsite_days,
        days=sorted(d.isoformat() for d in counted),
    )
    if len(counted) < terms.min_counted_days or len(onsite_days) < terms.min_onsite_days:
        return Decision(
            False,
            rule,
            cites,
            "study_incomplete",
            gettext_noop("Not enough counted study days yet, or not enough of them on-site"),
            facts,
        )
    return Decision(True, rule, cites, facts=facts)


def full_score_exams(*, full_scores_in_cycle: int, points_in_cycle: int) -> Decision:
    """The exams after full-score study (R163 Arts. 20–22 [primary]; DOMAIN.md §5.7): the law
    exam; a second 满分 in the cycle or 24–35 points adds the road test (科目三); a third or
    later 满分 or 36 points or more adds the site test (科目二) as well. A failed exam is
    booked again after 10 days. ``facts["exams"]`` lists them in order."""
    rule = f"scoring.full_score_exams@{R163_IN_FORCE.isoformat()}"
    cites = ("R163 Art. 21", "R163 Art. 22", SCORING_CITE)
    facts: dict[str, object] = {
        "full_scores_in_cycle": full_scores_in_cycle,
        "points_in_cycle": points_in_cycle,
    }
    if full_scores_in_cycle < 1 and points_in_cycle < FULL_SCORE:
        return Decision(
            False,
            rule,
            cites,
            "no_full_score",
            gettext_noop("Full-score study is owed only at 12 points"),
            facts,
        )
    exams = ["law"]
    if full_scores_in_cycle >= 3 or points_in_cycle >= 36:
        exams += ["site", "road"]
    elif full_scores_in_cycle == 2 or points_in_cycle >= 24:
        exams += ["road"]
    facts.update(exams=exams, retake_wait_days=RETAKE_WAIT_DAYS)
    return Decision(True, rule, cites, facts=facts)


def full_score_release(*, exams_passed: bool, fines_unpaid: int) -> Decision:
    """Points cleared and the licence returned only after the exams are passed **and** every
    fine is paid (R163 Art. 23 [primary]; DOMAIN.md §5.7). ``allowed`` means "release"."""
    rule = f"scoring.full_score_release@{R163_IN_FORCE.isoformat()}"
    cites = ("R163 Art. 23", SCORING_CITE)
    facts: dict[str, object] = {"exams_passed": exams_passed, "fines_unpaid": fines_unpaid}
    if not exams_passed:
        return Decision(
            False,
            rule,
            cites,
            "exams_not_passed",
            gettext_noop("The full-score exams have not all been passed"),
            facts,
        )
    if fines_unpaid:
        return Decision(
            False, rule, cites, "fines_unpaid", gettext_noop("Unpaid fines remain"), facts
        )
    return Decision(True, rule, cites, facts=facts)


FULL_SCORE_NOTICE_DAYS = 30


def full_score_suspension(
    *,
    notice_served_on: dt.date,
    on: dt.date,
    attended: bool,
    calendar: WorkingCalendar | None = None,
) -> Decision:
    """A driver who does not attend full-score study within 30 days of the notice has the
    licence publicly suspended (R163 Art. 29 [primary]); 30 calendar days, moved to the next
    working day when the last falls on a holiday (Art. 36). ``allowed`` means "suspend now".
    DOMAIN.md §5.7."""
    cal = calendar or WorkingCalendar.load()
    rule = f"scoring.full_score_suspension@{R163_IN_FORCE.isoformat()}"
    cites = ("R163 Art. 29", "R163 Art. 36", CALENDAR_DAYS_CITATION, SCORING_CITE)
    deadline = cal.calendar_deadline(notice_served_on, FULL_SCORE_NOTICE_DAYS)
    facts: dict[str, object] = {
        "notice_served_on": notice_served_on.isoformat(),
        "on": on.isoformat(),
        "attended": attended,
        "deadline": deadline.isoformat(),
    }
    if attended or on <= deadline:
        return Decision(
            False,
            rule,
            cites,
            "not_due",
            gettext_noop("The driver attended, or the 30 days have not run out"),
            facts,
        )
    return Decision(True, rule, cites, facts=facts)


# ---- point reduction (学法减分, R163 Arts. 25–27; DOMAIN.md §5.7) ----------------------------

REDUCTION_CAP = 6
#: R163 Art. 27 [primary]: minutes of each kind of activity, and the points it takes off.
REDUCTION_ACTIVITIES: dict[str, tuple[int, int]] = {
    "online": (30, 1),  # 30 minutes online within 3 days, plus a test
    "onsite": (60, 2),  # 1 hour on-site, plus a test
    "public_service": (60, 1),  # 1 hour of public-service activity
}
#: R163 Art. 26(2) [primary]: violations punished in the last 3 cycles that bar reduction.
REDUCTION_BARRING_OFFENCES = frozenset(
    {"hit_and_run", "drink_driving", "fake_plates", "point_trading"}
)


def point_reduction(
    *,
    activity: str,
    minutes: int,
    test_passed: bool,
    points_now: int,
    reduced_this_cycle: int,
    violations_open: bool = False,
    full_score_educations_recent: int = 0,
    offences_last_3_cycles: Sequence[str] = (),
    in_probation: bool = False,
    review_overdue: bool = False,
    licence_detained: bool = False,
    vehicle_overdue: bool = False,
    fraud_last_3_cycles: bool = False,
) -> Decision:
    """Point reduction through traffic-safety study (学法减分), R163 Arts. 25–27 [primary];
    DOMAIN.md §5.7.

    Allowed only after the violations are dealt with and while below 12 points; at most 6
    points per cycle. Online study of 30 minutes within 3 days plus a test takes off 1 point;
    1 hour on-site plus a test, 2; 1 hour of public-service activity, 1. Refused when: 2 or more
    满分 educations in this or the last cycle (``full_score_educations_recent``); hit-and-run,
    drink-driving, fake or borrowed plates or documents, or point trading punished in the last
    3 cycles; probation; overdue review; a detained licence; a vehicle of the driver's with
    overdue inspection or not de-registered as required; fraud in reduction, full-score or
    review education in the last 3 cycles. ``facts["points_off"]`` is the reduction granted
    (never below zero points, never past the cap)."""
    rule = f"scoring.point_reduction@{R163_IN_FORCE.isoformat()}"
    cites = ("R163 Art. 25", "R163 Art. 26", "R163 Art. 27", SCORING_CITE)
    facts: dict[str, object] = {
        "activity": activity,
        "minutes": minutes,
        "test_passed": test_passed,
        "points_now": points_now,
        "reduced_this_cycle": reduced_this_cycle,
    }

    def no(code: str, message: str) -> Decision:
        return Decision(False, rule, cites, code, message, facts)

    if activity not in REDUCTION_ACTIVITIES:
        return no("invalid_activity", gettext_noop("Choose one of the listed activities"))
    unknown = set(offences_last_3_cycles) - REDUCTION_BARRING_OFFENCES
    if unknown:
        return no("invalid_offence", gettext_noop("Choose offences from the listed kinds"))
    if full_score_educations_recent >= 2:
        return no(
            "repeated_full_score",
            gettext_noop("Two or more full-score educations in this or the last cycle"),
        )
    if offences_last_3_cycles:
        return no(
            "barring_offence",
            gettext_noop(
                "Hit-and-run, drink-driving, fake plates or point trading in the last 3 cycles"
            ),
        )
    if fraud_last_3_cycles:
        return no(
            "education_fraud",
            gettext_noop("Fraud in traffic-safety education in the last 3 cycles"),
        )
    if in_probation:
        return no("in_probation", gettext_noop("Not during probation"))
    if review_overdue:
        return no("review_overdue", gettext_noop("The licence review is overdue"))
    if licence_detained:
        return no("licence_detained", gettext_noop("The licence is detained"))
    if vehicle_overdue:
        return no(
            "vehicle_overdue",
            gettext_noop(
                "A vehicle of the driver is overdue for inspection or was not de-registered"
            ),
        )
    if violations_open:
        return no("violations_open", gettext_noop("Deal with the open violations first"))
    if points_now >= FULL_SCORE:
        return no("full_score", gettext_noop("At 12 points, full-score study applies instead"))
    if points_now <= 0:
        return no("no_points", gettext_noop("There are no points to reduce"))
    room = REDUCTION_CAP - reduced_this_cycle
    facts["cap_left"] = max(room, 0)
    if room <= 0:
        return no(
            "reduction_cap",
            gettext_noop("At most 6 points can be reduced in one scoring cycle"),
        )
    needed, value = REDUCTION_ACTIVITIES[activity]
    facts["minutes_required"] = needed
    if minutes < needed or (activity != "public_service" and not test_passed):
        return no(
            "activity_incomplete",
            gettext_noop("The study time or the test required has not been completed"),
        )
    off = min(value, room, points_now)
    facts.update(points_off=off, points_after=points_now - off)
    return Decision(True, rule, cites, facts=facts)


# ---- the catalogue served at /api/v1/rules and listed in docs/rules.md -----------------------


@dataclass(frozen=True)
class RuleInfo:
    id: str
    versions: tuple[str, ...]
    citations: tuple[str, ...]
    section: str
    confidence: str
    endpoint: str
    summary: str


_V22 = (R162_IN_FORCE.isoformat(),)
_AGE = tuple(d.isoformat() for d in sorted(AGE_LIMITS))

CATALOGUE: tuple[RuleInfo, ...] = (
    RuleInfo(
        "licence.first_application_class",
        _V22,
        ("R162 Art. 16",),
        "5.1",
        "primary",
        "POST /rules/licence/first-application",
        "classes a first application may ask for",
    ),
    RuleInfo(
        "licence.first_application_age",
        _AGE,
        ("R162 Art. 14", "MPS order 172"),
        "5.2",
        "primary (2022), secondary (2025)",
        "POST /rules/licence/first-application",
        "ages by class, with the order 172 version from 2025-01-01",
    ),
    RuleInfo(
        "licence.application_age",
        _AGE,
        ("R162 Art. 14", "MPS order 172"),
        "5.2",
        "primary (2022), secondary (2025)",
        "POST /rules/licence/add-class",
        "ages by class for adding a class",
    ),
    RuleInfo(
        "licence.add_class",
        _V22,
        ("R162 Art. 16", "R162 Art. 17"),
        "5.2",
        "primary (cycle reading ours)",
        "POST /rules/licence/add-class",
        "classes and years held, no 12-point record in the recent cycles",
    ),
    RuleInfo(
        "licence.probation",
        _V22,
        ("R162 Art. 76",),
        "5.3",
        "primary",
        "POST /rules/licence/probation",
        "12 months after first getting a car or motorcycle class",
    ),
    RuleInfo(
        "licence.probation_drive",
        _V22,
        ("R162 Art. 77",),
        "5.3",
        "primary",
        "POST /rules/licence/probation",
        "what a driver in probation may not do",
    ),
    RuleInfo(
        "licence.probation_full_score",
        _V22,
        ("R162 Art. 80",),
        "5.3",
        "primary",
        "POST /rules/licence/probation",
        "12 points in probation cancel the class",
    ),
    RuleInfo(
        "licence.review",
        _V22,
        ("R162 Arts. 72–74", "R162 Art. 90"),
        "5.4",
        "primary",
        "POST /rules/licence/review",
        "who is reviewed when; 3 hours of 审验教育",
    ),
    RuleInfo(
        "licence.renewal_window",
        _V22,
        ("R162 Art. 63", "R162 Art. 79(8)"),
        "5.3",
        "primary",
        "POST /rules/licence/renewal-window",
        "renewal within 90 days before expiry",
    ),
    RuleInfo(
        "licence.deferral",
        _V22,
        ("R162 Art. 75",),
        "5.3",
        "primary",
        "POST /rules/licence/deferral",
        "deferral of renewal, review or medical",
    ),
    RuleInfo(
        "licence.medical_owed",
        _V22,
        ("R162 Art. 74",),
        "5.4",
        "primary",
        "POST /rules/licence/medical",
        "70+: yearly medical certificate; C5: every 3 years",
    ),
    RuleInfo(
        "licence.age_downgrade",
        ("2022-04-01", "2025-01-01"),
        ("R162 Art. 65",),
        "5.3",
        "primary (2022), secondary (2025)",
        "POST /rules/licence/age-downgrade",
        "large classes given up at 60 (63 from 2025); C3 C4 C6 D E at 70",
    ),
    RuleInfo(
        "licence.age_cancellation",
        ("2022-04-01", "2025-01-01"),
        ("R162 Art. 79(10)", "MPS order 172"),
        "5.2",
        "primary (2022), secondary (2025)",
        "POST /rules/licence/age-cancellation",
        "M/N/P-only licences cancelled at 60 (63 from 2025); C3/C4-only at 70",
    ),
    RuleInfo(
        "licence.restoration",
        _V22,
        ("R162 Art. 79",),
        "5.3",
        "primary",
        "POST /rules/licence/restoration",
        "restored by passing subject 1 within 2 years of cancellation",
    ),
    RuleInfo(
        "licence.contact_change",
        _V22,
        ("R162 Art. 81",),
        "5.3",
        "primary",
        "POST /rules/licence/contact-change",
        "phone or address changes filed within 30 days",
    ),
    RuleInfo(
        "exam.plan_publication",
        _V22,
        ("R162 Art. 52",),
        "5.5",
        "primary",
        "POST /rules/exams/booking-plan",
        "booking plans published at least 10 days ahead",
    ),
    RuleInfo(
        "scoring.twelve_point_offence",
        _V22,
        ("R163 Art. 8",),
        "5.7",
        "primary",
        "POST /rules/scoring/offence",
        "the violations that carry 12 points",
    ),
    RuleInfo(
        "exam.pass_mark",
        _V22,
        ("R162 Art. 38",),
        "5.5",
        "primary",
        "POST /rules/exams/pass",
        "pass marks by subject and class",
    ),
    RuleInfo(
        "exam.learner_permit",
        _AGE,
        ("R162 Art. 41",),
        "5.5",
        "primary",
        "POST /rules/exams/learner-permit",
        "3 years, not past the upper age",
    ),
    RuleInfo(
        "exam.booking",
        _V22,
        ("R162 Arts. 43–44", "R162 Art. 47"),
        "5.5",
        "primary",
        "POST /rules/exams/booking",
        "earliest booking, 5 bookings, 10 days after a failed retake",
    ),
    RuleInfo(
        "exam.failure",
        _V22,
        ("R162 Art. 47",),
        "5.5",
        "primary",
        "POST /rules/exams/failure",
        "retake, rebooking wait, fifth failure",
    ),
    RuleInfo(
        "exam.cancellation",
        _V22,
        ("R162 Art. 46", "R162 Art. 110"),
        "5.5",
        "primary (working-day reading ours)",
        "POST /rules/exams/cancellation",
        "cancel one working day ahead, else absence fails",
    ),
    RuleInfo(
        "exam.location_change",
        _V22,
        ("R162 Art. 39",),
        "5.5",
        "primary",
        "POST /rules/exams/location-change",
        "small classes, at most 3 changes",
    ),
    RuleInfo(
        "exam.road_test_distance",
        _V22,
        ("R162 Art. 34",),
        "5.5",
        "primary",
        "POST /rules/exams/road-test-distance",
        "3 km small, 10 km large",
    ),
    RuleInfo(
        "scoring.cycle",
        _V22,
        ("R163 Art. 3",),
        "5.7",
        "primary",
        "POST /rules/scoring/cycle",
        "the 12-month cycle from the first-issue date",
    ),
    RuleInfo(
        "scoring.point_value",
        _V22,
        ("R163 Art. 7",),
        "5.7",
        "primary",
        "POST /rules/scoring/point-value",
        "12, 9, 6, 3 or 1 points",
    ),
    RuleInfo(
        "scoring.cycle_end",
        _V22,
        ("R163 Art. 15",),
        "5.7",
        "primary",
        "POST /rules/scoring/cycle-end",
        "clearing, carry-over of points of unpaid fines",
    ),
    RuleInfo(
        "scoring.full_score_study_days",
        _V22,
        ("R163 Art. 18", "R163 Art. 19"),
        "5.7",
        "primary",
        "POST /rules/scoring/full-score-study",
        "7/30 days, +7/+30, caps 60/120, minimum days",
    ),
    RuleInfo(
        "scoring.study_days",
        _V22,
        ("R163 Art. 19",),
        "5.7",
        "primary",
        "POST /rules/scoring/full-score-study",
        "a day counts over 3 hours; same date one day",
    ),
    RuleInfo(
        "scoring.full_score_exams",
        _V22,
        ("R163 Arts. 20–22",),
        "5.7",
        "primary",
        "POST /rules/scoring/full-score-study",
        "law exam; road test; site and road tests",
    ),
    RuleInfo(
        "scoring.full_score_release",
        _V22,
        ("R163 Art. 23",),
        "5.7",
        "primary",
        "POST /rules/scoring/full-score-study",
        "exams passed and fines paid",
    ),
    RuleInfo(
        "scoring.full_score_suspension",
        _V22,
        ("R163 Art. 29", "R163 Art. 36"),
        "5.7",
        "primary",
        "POST /rules/scoring/full-score-suspension",
        "suspended after 30 days without attending",
    ),
    RuleInfo(
        "scoring.point_reduction",
        _V22,
        ("R163 Arts. 25–27",),
        "5.7",
        "primary",
        "POST /rules/scoring/point-reduction",
        "学法减分: at most 6 a cycle, exclusions",
    ),
)
