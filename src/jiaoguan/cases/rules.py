"""Regulation rules used by the business engine: pure functions over plain data.

Every decision returns a :class:`Decision` naming the rule version and its citations, so the
stored outcome says which rule decided it and why. Sources: ``shared/DOMAIN.md`` §5 (R162 =
机动车驾驶证申领和使用规定, 公安部令第162号, in force 2022-04-01, amended by 公安部令第172号
from 2025-01-01; the articles used here are not among the confirmed amendments).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

# A marker only (returns its argument): lets makemessages find refusal messages, which callers
# translate when they show them. The rules themselves stay pure.
from django.utils.translation import gettext_noop


@dataclass(frozen=True)
class Decision:
    allowed: bool
    rule: str  # rule id and version, e.g. "licence.renewal_window@2022-04-01"
    citations: tuple[str, ...]
    code: str = ""  # refusal code when not allowed
    message: str = ""  # English; translated by the caller
    facts: dict[str, object] = field(default_factory=dict)


# R162 Annex 1 as reproduced in DOMAIN.md §5.1 [secondary]: what each class also permits.
ALSO_PERMITS: dict[str, frozenset[str]] = {
    "A1": frozenset({"A3", "B1", "B2", "C1", "C2", "C3", "C4", "M"}),
    "A2": frozenset({"B1", "B2", "C1", "C2", "C3", "C4", "C6", "M"}),
    "A3": frozenset({"C1", "C2", "C3", "C4"}),
    "B1": frozenset({"C1", "C2", "C3", "C4", "M"}),
    "B2": frozenset({"C1", "C2", "C3", "C4", "M"}),
    "C1": frozenset({"C2", "C3", "C4"}),
    "C2": frozenset(),
    "C3": frozenset({"C4"}),
    "C4": frozenset(),
    "C5": frozenset(),
    "C6": frozenset(),
    "D": frozenset({"E", "F"}),
    "E": frozenset({"F"}),
    "F": frozenset(),
    "M": frozenset(),
    "N": frozenset(),
    "P": frozenset(),
}
CLASSES_CITATION = "R162 Art. 11 and Annex 1; DOMAIN.md §5.1"


def permitted_classes(held: list[str]) -> set[str]:
    """Every class a licence with ``held`` classes allows driving (transitively)."""
    out: set[str] = set()
    todo = list(held)
    while todo:
        cls = todo.pop()
        if cls in out or cls not in ALSO_PERMITS:
            continue
        out.add(cls)
        todo.extend(ALSO_PERMITS[cls])
    return out


RENEWAL_BEFORE = dt.timedelta(days=90)


def renewal_window(*, valid_until: dt.date | None, today: dt.date) -> Decision:
    """Renewal (期满换证) may be applied for within 90 days before expiry (R162 Art. 63); a
    licence expired for more than one year is cancelled instead (R162 Art. 79(8))."""
    rule, cites = "licence.renewal_window@2022-04-01", ("R162 Art. 63", "R162 Art. 79(8)")
    facts: dict[str, object] = {
        "valid_until": valid_until.isoformat() if valid_until else None,
        "today": today.isoformat(),
    }
    if valid_until is None:
        return Decision(
            False,
            rule,
            cites,
            "licence_permanent",
            gettext_noop("A permanent licence is not renewed"),
            facts,
        )
    opens = valid_until - RENEWAL_BEFORE
    facts["window_opens"] = opens.isoformat()
    if today < opens:
        return Decision(
            False,
            rule,
            cites,
            "renewal_too_early",
            gettext_noop("Renewal opens 90 days before the licence expires"),
            facts,
        )
    try:
        closes = valid_until.replace(year=valid_until.year + 1)
    except ValueError:
        closes = valid_until.replace(year=valid_until.year + 1, day=28)
    if today > closes:
        return Decision(
            False,
            rule,
            cites,
            "renewal_too_late",
            gettext_noop("The licence expired more than a year ago and is cancelled"),
            facts,
        )
    return Decision(True, rule, cites, facts=facts)


def renewal_term(*, current_term: str, full_score_in_term: bool) -> Decision:
    """The term of the renewed licence: no 12-point period during a 6-year term gives 10 years;
    none during a 10-year term gives a permanent licence (R162 Art. 62). Otherwise the term
    stays. Terms are 6 years, 10 years or permanent (R162 Art. 13)."""
    rule, cites = "licence.renewal_term@2022-04-01", ("R162 Art. 62", "R162 Art. 13")
    upgrade = {"6y": "10y", "10y": "permanent"}
    new = current_term if full_score_in_term else upgrade.get(current_term, current_term)
    return Decision(
        True,
        rule,
        cites,
        facts={"term": new, "from": current_term, "full_score_in_term": full_score_in_term},
    )


def downgrade(*, held: list[str], keep: list[str]) -> Decision:
    """Voluntary downgrade (R162 Art. 65, last paragraph): the holder keeps a smaller set of
    classes. Every kept class must already be allowed by the licence, and something must go."""
    rule, cites = "licence.downgrade@2022-04-01", ("R162 Art. 65", CLASSES_CITATION)
    facts: dict[str, object] = {"held": held, "keep": keep}
    unknown = [c for c in keep if c not in ALSO_PERMITS]
    if not keep or unknown:
        return Decision(
            False,
            rule,
            cites,
            "invalid_classes",
            gettext_noop("Choose the classes to keep from the licence's classes"),
            facts,
        )
    allowed = permitted_classes(held)
    if not set(keep) <= allowed:
        return Decision(
            False,
            rule,
            cites,
            "class_not_held",
            gettext_noop("A downgrade can only keep classes the licence already allows"),
            facts,
        )
    if permitted_classes(keep) == allowed:
        return Decision(
            False,
            rule,
            cites,
            "nothing_to_downgrade",
            gettext_noop("The classes kept allow the same as the licence today"),
            facts,
        )
    return Decision(True, rule, cites, facts=facts)


def label_on_record(*, has_label: bool) -> Decision:
    """A replacement label re-issues the label the vehicle holds: a vehicle with no valid label
    on record must be inspected (or apply for the exemption label) instead (R164 Arts. 54–57)."""
    rule, cites = "inspection.label_replacement@2022-05-01", ("R164 Art. 57", "R164 Art. 54")
    if not has_label:
        return Decision(
            False,
            rule,
            cites,
            "no_label_on_record",
            gettext_noop("This vehicle has no valid inspection label to replace"),
        )
    return Decision(True, rule, cites)


def age_on(birth_date: dt.date, today: dt.date) -> int:
    """Whole years of age on ``today``."""
    return (
        today.year
        - birth_date.year
        - ((today.month, today.day) < (birth_date.month, birth_date.day))
    )


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def licence_usable(*, status: str) -> Decision:
    """A cancelled or revoked licence is no longer a licence: it is not replaced, renewed,
    deferred or changed (R162 Art. 79 cancels it; restoring it is a different business)."""
    rule, cites = "licence.usable@2022-04-01", ("R162 Art. 79",)
    if status in ("cancelled", "revoked"):
        return Decision(
            False,
            rule,
            cites,
            "licence_not_in_force",
            gettext_noop("This licence is cancelled or revoked"),
            {"status": status},
        )
    return Decision(True, rule, cites, facts={"status": status})


# R162 Art. 72: the classes whose holders are reviewed after each scoring cycle.
REVIEWED_CLASSES = frozenset({"A1", "A2", "A3", "B1", "B2"})
DEFERRAL_REASONS = ("military_service", "abroad", "other")
DEFERRAL_MAX_YEARS = 3


def deferral(
    *,
    matter: str,
    classes: list[str],
    age: int,
    valid_until: dt.date | None,
    today: dt.date,
    until: dt.date,
    reason: str,
) -> Decision:
    """Deferral of renewal, review or the medical certificate (R162 Art. 75; DOMAIN.md §5.3).

    A driver who cannot do it in time because of military service or time abroad (the article
    says "等", so other reasons go to a reviewer) applies within the licence's validity or up to
    one year after it expired. The matter must be one the driver owes: renewal needs a licence
    with an end date (Art. 63); review, a class reviewed after each cycle (Art. 72); the medical
    certificate, an age of 70 or a C5 class (Art. 74). The deferral is at most three years: that
    limit is the article's text and is not yet in DOMAIN.md (confidence: the article as we read
    it)."""
    rule = "licence.deferral@2022-04-01"
    cites = ("R162 Art. 75",)
    facts: dict[str, object] = {
        "matter": matter,
        "until": until.isoformat(),
        "today": today.isoformat(),
        "reason": reason,
    }

    def no(code: str, message: str, *extra: str) -> Decision:
        return Decision(False, rule, cites + extra, code, message, facts)

    if reason not in DEFERRAL_REASONS:
        return no("invalid_reason", gettext_noop("Choose the reason for the deferral"))
    if matter == "renewal" and valid_until is None:
        return no(
            "licence_permanent", gettext_noop("A permanent licence is not renewed"), "R162 Art. 13"
        )
    if matter == "review" and not REVIEWED_CLASSES & set(classes):
        return no(
            "review_not_owed",
            gettext_noop("This licence has no class that is reviewed after each cycle"),
            "R162 Art. 72",
        )
    if matter == "medical" and not (age >= 70 or "C5" in classes):
        return no(
            "medical_not_owed",
            gettext_noop("This driver does not owe a periodic medical certificate"),
            "R162 Art. 74",
        )
    if valid_until is not None and today > _add_years(valid_until, 1):
        return no(
            "deferral_too_late",
            gettext_noop("Deferral is possible only up to one year after the licence expired"),
        )
    # A renewal is deferred past the licence's end; review and medical past today.
    base = valid_until if matter == "renewal" and valid_until else today
    base = max(base, today)
    latest = _add_years(base, DEFERRAL_MAX_YEARS)
    facts["latest"] = latest.isoformat()
    if not base < until <= latest:
        return no(
            "deferral_too_long",
            gettext_noop("A deferral ends after the date it defers, and at most three years later"),
        )
    return Decision(True, rule, cites, facts=facts)


LARGE_CLASSES = frozenset({"A1", "A2", "A3", "B1", "B2"})
ELDERLY_DROPPED = frozenset({"C3", "C4", "C6", "D", "E"})
AMENDMENT_172 = dt.date(2025, 1, 1)


def age_downgrade(*, held: list[str], age: int, today: dt.date, small_class: str) -> Decision:
    """Downgrade on age (R162 Art. 65; DOMAIN.md §5.3): from 60 (63 from 2025-01-01, MPS
    order 172) a driver exchanges the large classes (A1, A2, A3, B1, B2) for a small car class,
    C1 or C2; from 70 the driver also loses C3, C4, C6, D and E. ``facts["keep"]`` is the new
    set of classes."""
    version = "2025-01-01" if today >= AMENDMENT_172 else "2022-04-01"
    rule, cites = f"licence.age_downgrade@{version}", ("R162 Art. 65", CLASSES_CITATION)
    threshold = 63 if today >= AMENDMENT_172 else 60
    facts: dict[str, object] = {"held": held, "age": age, "threshold": threshold}
    if small_class not in ("C1", "C2"):
        return Decision(
            False,
            rule,
            cites,
            "invalid_classes",
            gettext_noop("Choose C1 or C2 as the small car class"),
            facts,
        )
    keep = [c for c in held if not (age >= threshold and c in LARGE_CLASSES)]
    if age >= threshold and LARGE_CLASSES & set(held) and not {"C1", "C2"} & set(keep):
        keep.append(small_class)
    if age >= 70:
        keep = [c for c in keep if c not in ELDERLY_DROPPED]
    facts["keep"] = keep
    if set(keep) == set(held) or not keep:
        return Decision(
            False,
            rule,
            cites,
            "age_downgrade_not_due",
            gettext_noop("At this age no class of this licence has to be given up"),
            facts,
        )
    return Decision(True, rule, cites, facts=facts)


def medical_owed(*, classes: list[str], age: int) -> Decision:
    """Who files a periodic medical certificate (R162 Art. 74; DOMAIN.md §5.4): drivers aged
    70 or more, yearly; C5 holders, every 3 years."""
    rule, cites = "licence.medical_owed@2022-04-01", ("R162 Art. 74",)
    facts: dict[str, object] = {"age": age, "classes": classes}
    if age >= 70:
        return Decision(True, rule, cites, facts={**facts, "every_years": 1})
    if "C5" in classes:
        return Decision(True, rule, cites, facts={**facts, "every_years": 3})
    return Decision(
        False,
        rule,
        cites,
        "medical_not_owed",
        gettext_noop("This driver does not owe a periodic medical certificate"),
        facts,
    )


def cancellation(*, status: str) -> Decision:
    """A driver may ask for their licence to be cancelled (R162 Art. 79). A detained licence
    is dealt with first; a cancelled or revoked one has nothing left to cancel."""
    rule, cites = "licence.cancellation@2022-04-01", ("R162 Art. 79",)
    if status in ("cancelled", "revoked"):
        return Decision(
            False,
            rule,
            cites,
            "licence_not_in_force",
            gettext_noop("This licence is cancelled or revoked"),
            {"status": status},
        )
    if status == "suspended":
        return Decision(
            False,
            rule,
            cites,
            "licence_detained",
            gettext_noop("A detained licence cannot be cancelled until the matter is closed"),
            {"status": status},
        )
    return Decision(True, rule, cites, facts={"status": status})


def details_changed(*, recorded_name: str, new_name: str) -> Decision:
    """Replacement after a change of recorded details (R162 Art. 66): the new name must
    differ from the one on record (the population register confirms it separately)."""
    rule, cites = "licence.details_change@2022-04-01", ("R162 Art. 66",)
    if not new_name.strip() or new_name.strip() == recorded_name:
        return Decision(
            False,
            rule,
            cites,
            "no_change",
            gettext_noop("The name given is the one already on record"),
            {"recorded_name": recorded_name},
        )
    return Decision(True, rule, cites)


EXEMPTION_CITES = ("R164 Art. 55", "R164 Art. 54", "DOMAIN.md §4.2")


def violations_handled(*, unhandled: int) -> Decision:
    """The inspection label is issued only when the vehicle's violations are handled (R164
    Art. 54; DOMAIN.md §4.3: "violations and accidents closed"). Handled means the decision is
    paid, closed or void (``violations.selectors.UNHANDLED_STATES``). Accidents are not
    decided: there is no accidents register yet."""
    facts: dict[str, object] = {"unhandled_violations": unhandled}
    rule, cites = "inspection.label_violations@2022-05-01", ("R164 Art. 54", "DOMAIN.md §4.3")
    if unhandled:
        return Decision(
            False,
            rule,
            cites,
            "violations_open",
            gettext_noop("This vehicle has violations not yet handled: handle them first"),
            facts,
        )
    return Decision(True, rule, cites, facts=facts)


def exemption_label(
    *,
    vehicle_class: str,
    use: str,
    seats: int,
    van: bool,
    registration_date: dt.date,
    inspection_valid_until: dt.date | None,
    today: dt.date,
) -> Decision:
    """Whether the owner may apply for the label without an on-site inspection (R164 Art. 55;
    DOMAIN.md §4.2 and §4.3): the inspection schedule (``jiaoguan.inspection.rules``, every
    reform by date) must say the current period ends with the label alone, and the application
    is made within 3 months before that end (Art. 54). ``facts["next_until"]`` is the end of the
    period the new label covers.

    Open violations are decided by :func:`violations_handled` beside this rule. Not decided,
    because no register holds them yet: the exclusions for casualty accidents and illegal
    modification, and open accidents."""
    from jiaoguan.inspection import rules as inspection

    facts: dict[str, object] = {"today": today.isoformat()}
    vehicle = inspection.Vehicle(
        vehicle_class=vehicle_class,
        use=use,
        seats=seats,
        registration_date=registration_date,
        van=van,
    )
    if inspection_valid_until is None:
        return Decision(
            False,
            "inspection.exemption@none",
            EXEMPTION_CITES,
            "inspection_unknown",
            gettext_noop("The registry holds no inspection period for this vehicle"),
            facts,
        )
    s = inspection.schedule(vehicle, on=today, valid_until=inspection_valid_until)
    rule, cites = s.rule, EXEMPTION_CITES + s.citations[:1]
    facts.update(
        valid_until=s.due.isoformat(),
        year=s.age_years,
        window_opens=s.window_opens.isoformat(),
        excluded=s.excluded,
    )

    def no(code: str, message: str) -> Decision:
        return Decision(False, rule, cites, code, message, facts)

    if s.excluded:
        return no("not_exempt", gettext_noop("This vehicle must be inspected at a station"))
    if not s.label_only:
        return no(
            "inspection_due_on_site",
            gettext_noop("This period ends with an on-site inspection, not a label only"),
        )
    if today < s.window_opens:
        return no(
            "label_too_early",
            gettext_noop("The label can be applied for within 3 months before the period ends"),
        )
    if s.overdue:
        return no(
            "inspection_overdue",
            gettext_noop("The inspection period has ended: the vehicle must be inspected"),
        )
    reform = inspection.reform_on(today)
    months = inspection.interval_months(vehicle, s.age_years, reform)
    facts["next_until"] = inspection.add_months(s.due, months).isoformat()
    return Decision(True, rule, cites, facts=facts)


TEMPORARY_PLATE_DAYS_REPLACEMENT = 15


def temporary_plate(
    *, today: dt.date, insurance_until: dt.date | None, replacement_open: bool, holds_valid: bool
) -> Decision:
    """A temporary plate while lost or damaged plates are remade (R164 Arts. 46–48, 51;
    DOMAIN.md §3.4): at most 15 days, and never beyond the compulsory insurance. Only while a
    plate replacement is open, and one at a time."""
    rule = "plates.temporary_replacement@2022-05-01"
    cites = ("R164 Art. 51", "R164 Art. 47", "R164 Art. 48")
    facts: dict[str, object] = {"today": today.isoformat()}
    if not replacement_open:
        return Decision(
            False,
            rule,
            cites,
            "no_replacement_open",
            gettext_noop("A temporary plate is issued while a plate replacement is under way"),
            facts,
        )
    if holds_valid:
        return Decision(
            False,
            rule,
            cites,
            "temporary_plate_held",
            gettext_noop("This vehicle already holds a valid temporary plate"),
            facts,
        )
    until = today + dt.timedelta(days=TEMPORARY_PLATE_DAYS_REPLACEMENT - 1)
    if insurance_until is not None:
        until = min(until, insurance_until)
    if until < today:
        return Decision(
            False,
            rule,
            cites,
            "insurance_ends",
            gettext_noop("The compulsory insurance ends before the temporary plate would start"),
            facts,
        )
    facts["valid_until"] = until.isoformat()
    return Decision(True, rule, cites, facts=facts)


TEMPORARY_PLATE_GRACE_DAYS = 3


def temporary_plate_void(
    *, today: dt.date, valid_until: dt.date, plates_received_on: dt.date | None
) -> Decision:
    """Whether a temporary plate is void today: after its last valid day, or 3 days after the
    real plates were received (R164 Art. 48; DOMAIN.md §3.4). ``allowed`` means "void it"."""
    rule, cites = "plates.temporary_void@2022-05-01", ("R164 Art. 48",)
    ends = valid_until + dt.timedelta(days=1)
    if plates_received_on is not None:
        ends = min(ends, plates_received_on + dt.timedelta(days=TEMPORARY_PLATE_GRACE_DAYS))
    facts: dict[str, object] = {"void_from": ends.isoformat()}
    return Decision(today >= ends, rule, cites, facts=facts)
