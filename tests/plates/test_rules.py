"""Self-composition rules: exactly the DOMAIN.md §3.3 examples, and agreement with an
independent statement of each rule set (regular expressions) on any input."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiaoguan.kernel.plates import Plate, PlateKind
from jiaoguan.plates import rules

# (prefix, kind, serial, refused rules): DOMAIN.md §3.3 "Beijing 京N: exactly 2 of the first 3
# serial positions are letters (no I/O) and the last 2 are digits"; "Other cities: first
# position a letter plus exactly one more letter, and never all zeros"; §3.1 NEV layouts.
EXAMPLES = [
    ("京N", "ordinary", "AB123", set()),
    ("京N", "ordinary", "A1B23", set()),
    ("京N", "ordinary", "1AB23", set()),
    ("京N", "ordinary", "ABC12", {"beijing_two_letters_in_first_three"}),
    ("京N", "ordinary", "A1234", {"beijing_two_letters_in_first_three"}),
    ("京N", "ordinary", "AB12C", {"beijing_last_two_digits"}),
    ("京N", "ordinary", "AI123", {"no_i_o"}),
    ("京N", "ordinary", "AB1234", {"length"}),
    ("苏A", "ordinary", "A1B23", set()),
    ("苏A", "ordinary", "AB123", set()),
    ("苏A", "ordinary", "A123B", set()),
    ("苏A", "ordinary", "1AB23", {"first_is_letter"}),
    ("苏A", "ordinary", "A1234", {"exactly_two_letters"}),
    ("苏A", "ordinary", "ABC12", {"exactly_two_letters"}),
    ("苏A", "ordinary", "A0B00", {"not_all_zero"}),
    ("苏A", "ordinary", "AO123", {"no_i_o"}),
    ("苏A", "ordinary", "a1b2", {"length", "characters"}),
    ("苏A", "small_nev", "D12345", set()),
    ("苏A", "small_nev", "DA1234", set()),
    ("苏A", "small_nev", "FK0001", set()),
    ("苏A", "small_nev", "DA0000", {"not_all_zero"}),
    ("苏A", "small_nev", "X12345", {"small_nev_layout"}),
    ("苏A", "small_nev", "DI1234", {"no_i_o", "small_nev_layout"}),
    ("苏A", "small_nev", "D1234", {"length"}),
    ("苏A", "large_nev", "12345D", set()),
    ("苏A", "large_nev", "00001F", set()),
    ("苏A", "large_nev", "00000D", {"not_all_zero"}),
    ("苏A", "large_nev", "1234DD", {"large_nev_layout"}),
    ("苏A", "large_nev", "12345Z", {"large_nev_layout"}),
]


@pytest.mark.parametrize(("prefix", "kind", "serial", "refused"), EXAMPLES)
def test_domain_examples(prefix: str, kind: str, serial: str, refused: set[str]) -> None:
    rs, refusals = rules.compose_check(prefix, kind, serial)
    assert {r.code for r in refusals} == refused
    assert all(r.citation == rs.citation and "DOMAIN.md" in r.citation for r in refusals)


def test_rule_sets_are_chosen_by_prefix_and_kind() -> None:
    assert rules.rule_set_for("京N", "ordinary").code == "beijing"
    assert rules.rule_set_for("京A", "ordinary").code == "other_cities"
    assert rules.rule_set_for("京N", "small_nev").code == "small_nev"


L = "[A-HJ-NP-Z]"  # letters without I and O
D = "[0-9]"
E = "[DABCEFGHJK]"


def _reference(prefix: str, kind: str, serial: str) -> bool:
    """The rule sets restated independently as regular expressions and counts."""
    digits = re.sub(r"\D", "", serial)
    not_all_zero = not digits or set(digits) != {"0"}
    if kind == "small_nev":
        return bool(re.fullmatch(f"{E}(?:{L}|{D}){D}{{4}}", serial)) and not_all_zero
    if kind == "large_nev":
        return bool(re.fullmatch(f"{D}{{5}}{E}", serial)) and not_all_zero
    if not re.fullmatch(f"(?:{L}|{D}){{5}}", serial):
        return False
    letters = len(re.findall(L, serial))
    if prefix == "京N":
        return len(re.findall(L, serial[:3])) == 2 and bool(re.fullmatch(f"{D}{{2}}", serial[3:]))
    return bool(re.match(L, serial)) and letters == 2 and not_all_zero


serials = st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZa-", min_size=0, max_size=7)
cases = st.tuples(
    st.sampled_from(["京N", "苏A", "粤B"]),
    st.sampled_from(["ordinary", "small_nev", "large_nev"]),
    serials,
)


@given(cases)
def test_rules_agree_with_the_reference(case: tuple[str, str, str]) -> None:
    prefix, kind, serial = case
    _, refusals = rules.compose_check(prefix, kind, serial)
    assert (not refusals) == _reference(prefix, kind, serial)


_KIND = {
    "ordinary": PlateKind.SMALL_CAR,
    "small_nev": PlateKind.SMALL_NEV,
    "large_nev": PlateKind.LARGE_NEV,
}


@given(cases)
def test_every_accepted_number_is_a_valid_ga36_plate(case: tuple[str, str, str]) -> None:
    prefix, kind, serial = case
    _, refusals = rules.compose_check(prefix, kind, serial)
    if not refusals:
        assert str(Plate.parse(prefix + serial, kind=_KIND[kind])) == prefix + serial


def test_patterns_expand_without_i_or_o() -> None:
    serials = list(rules.expand("Q@#"))
    assert len(serials) == rules.pattern_size("Q@#") == 24 * 10
    assert not any("I" in s[1:] or "O" in s for s in serials)


def test_policy_overrides_are_checked() -> None:
    assert rules.policy({"online_candidates": 20}).online_candidates == 20
    with pytest.raises(ValueError, match="unknown"):
        rules.policy({"candidates": 20})
