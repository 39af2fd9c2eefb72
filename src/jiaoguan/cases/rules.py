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
