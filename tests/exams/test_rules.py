"""The exam rules of the exams app (where to apply, one sitting's outcome, the priority
order), pure functions: facts in, decision and citations out."""

from __future__ import annotations

import datetime as dt

import pytest

from jiaoguan.exams import rules
from jiaoguan.exams.rules import PermitFacts, sitting_outcome, where_to_apply

ON = dt.date(2026, 3, 2)


def where(**kw: object) -> rules.Decision:
    facts: dict[str, object] = {
        "kind": "first",
        "office_region": "320105",
        "household_region": "320102",
        "residence_region": "320102",
        "on": ON,
    }
    facts.update(kw)
    return where_to_apply(**facts)  # type: ignore[arg-type]


def test_anywhere_in_the_household_province_with_the_id_card_alone() -> None:
    d = where(office_region="321302")  # Suqian, household in Nanjing
    assert d.allowed and d.facts["basis"] == "household"
    assert d.rule == "exam.where_to_apply@2022-04-01"
    assert "R162 Art. 22" in d.citations and "MPS 20 measures (2018), measure 16" in d.citations


@pytest.mark.parametrize(
    ("permit", "allowed"),
    [
        (PermitFacts("valid", "320583", dt.date(2026, 12, 31)), True),
        (PermitFacts("valid", "320583", ON), True),  # the last valid day
        (PermitFacts("valid", "320583", ON - dt.timedelta(days=1)), False),
        (PermitFacts("expired", "320583", dt.date(2026, 1, 1)), False),
        (PermitFacts("none", None, None), False),
        (PermitFacts("valid", "330106", dt.date(2026, 12, 31)), False),  # another province's
        (None, False),
    ],
)
def test_from_another_province_only_with_a_local_residence_permit(
    permit: PermitFacts | None, allowed: bool
) -> None:
    d = where(household_region="340102", residence_region="320105", permit=permit)
    assert d.allowed is allowed
    if allowed:
        assert d.facts["basis"] == "residence_permit"
    else:
        assert d.code == "not_resident_here"


def test_residence_alone_when_the_permit_is_not_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rules, "RESIDENCE_PERMIT_REQUIRED", False)
    d = where(household_region="340102", residence_region="320105")
    assert d.allowed and d.facts["basis"] == "residence"


def test_a_class_is_added_at_the_issuing_office() -> None:
    assert where(kind="add_class", licence_region="320102").facts["basis"] == "issuing_office"
    d = where(kind="add_class", licence_region="320502")
    assert not d.allowed and d.code == "not_issuing_office"
    assert where(kind="add_class").code == "no_licence"


def test_bad_office_and_dates_before_the_measure() -> None:
    assert where(office_region="32").code == "invalid_office"
    assert where(on=dt.date(2018, 8, 31)).code == "not_in_force"
    assert where(on=dt.date(2019, 1, 1)).rule == "exam.where_to_apply@2018-09-01"


def test_subject_two_pass_mark_by_class_within_a_sitting() -> None:
    # 80 for C1, 90 for B2 (R162 Art. 38), with the free retake (Art. 47)
    assert sitting_outcome(subject=2, cls="C1", scores={"main": [80]}).allowed
    assert not sitting_outcome(subject=2, cls="B2", scores={"main": [85]}).allowed
    d = sitting_outcome(subject=2, cls="B2", scores={"main": [85, 90]})
    assert d.allowed and d.facts["pass_marks"] == {"main": 90}


@pytest.mark.parametrize(
    "scores",
    [
        {"main": []},
        {"main": [90, 95]},  # no retake after a pass
        {"main": [50, 60, 70]},  # one retake only
        {"main": [101]},
        {"main": [True]},
        {"road": [90]},
    ],
)
def test_bad_scores_are_refused(scores: dict[str, list[int]]) -> None:
    assert sitting_outcome(subject=1, cls="C1", scores=scores).code == "invalid_scores"


def test_subject_three_has_two_parts_and_keeps_a_passed_part() -> None:
    d = sitting_outcome(subject=3, cls="C1", scores={"road": [92], "safety": [88, 89]})
    assert not d.allowed and d.facts["parts_passed"] == {"road": True, "safety": False}
    assert sitting_outcome(subject=3, cls="C1", scores={"safety": [90]}, done=["road"]).allowed
    assert rules.exams_complete({"1": "x", "2": "x", "3road": "x", "3safety": "x"})
    assert not rules.exams_complete({"1": "x", "2": "x", "3road": "x"})


def test_priority_rules_are_data_marked_local() -> None:
    r = rules.PRIORITY_RULES
    assert [x.key for x in r.rules] == ["permit_valid_until", "requested_at"]
    assert all("local configuration" in x.source for x in r.rules)
    early = rules.queue_key({"permit_valid_until": "2027-01-01", "requested_at": "2026-03-02T03"})
    late = rules.queue_key({"permit_valid_until": "2028-01-01", "requested_at": "2026-03-02T01"})
    none = rules.queue_key({"permit_valid_until": None, "requested_at": "2026-03-01T00"})
    assert early < late < none
