"""Resident ID number (GB 11643-1999), DOMAIN.md §1.1."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiaoguan.kernel import clock
from jiaoguan.kernel.errors import InvalidIdentifier
from jiaoguan.kernel.idnumber import CHECK_CHARS, WEIGHTS, IdNumber, check_character
from jiaoguan.kernel.messages import LocalisedProblem
from jiaoguan.kernel.regions import COUNTIES


def codes(exc: pytest.ExceptionInfo[InvalidIdentifier]) -> list[str]:
    return [p.code for p in exc.value.problems]


# --- worked examples (DOMAIN.md §1.1) ---------------------------------------------------------


def test_standard_annex_example_with_x_check() -> None:
    n = IdNumber.parse("11010519491231002X")
    assert str(n) == "11010519491231002X"
    assert n.region_code == "110105"
    assert n.province_code == "11"
    assert n.birth_date == dt.date(1949, 12, 31)
    assert n.sequence == "002"
    assert n.sex == "F"
    assert n.check == "X"
    assert not n.converted_from_15
    assert n.permit_kind is None


def test_second_example() -> None:
    n = IdNumber.parse("370101190102039973")
    assert n.birth_date == dt.date(1901, 2, 3)
    assert n.sequence == "997"
    assert n.sex == "M"
    assert n.province_code == "37"


def test_weights_and_check_characters_match_domain() -> None:
    assert WEIGHTS == (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    assert CHECK_CHARS == "10X98765432"
    assert check_character("11010519491231002") == "X"
    assert check_character("37010119010203997") == "3"


def test_check_character_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        check_character("1234")
    with pytest.raises(ValueError):
        check_character("1101051949123100X")


def test_lowercase_x_and_spaces_and_full_width_are_normalised() -> None:
    assert str(IdNumber.parse(" 110105 19491231 002x ")) == "11010519491231002X"
    assert str(IdNumber.parse("１１０１０５１９４９１２３１００２ｘ")) == "11010519491231002X"


def test_legacy_15_digit_number_is_converted() -> None:
    n = IdNumber.parse("110105491231002")
    assert str(n) == "11010519491231002X"
    assert n.converted_from_15
    assert n.birth_date == dt.date(1949, 12, 31)
    assert n == IdNumber.parse("110105491231002")


def test_legacy_with_letter_is_refused() -> None:
    with pytest.raises(InvalidIdentifier) as exc:
        IdNumber.parse("11010549123100X")
    assert codes(exc) == ["bad_character"]


def test_masked() -> None:
    assert IdNumber.parse("11010519491231002X").masked() == "110105********002X"


# --- refusals ----------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["", "1101051949123100", "11010519491231002X1", "x" * 500])
def test_wrong_length(raw: str) -> None:
    with pytest.raises(InvalidIdentifier) as exc:
        IdNumber.parse(raw)
    assert exc.value.code == "wrong_length"
    assert exc.value.kind == "id-number"


def test_bad_character_names_the_position() -> None:
    with pytest.raises(InvalidIdentifier) as exc:
        IdNumber.parse("1101051949123100AX")
    assert exc.value.code == "bad_character"
    assert "第17位" in exc.value.message
    first = exc.value.problems[0]
    assert isinstance(first, LocalisedProblem)
    assert "Character 17" in first.message_en


def test_bad_check_character_says_which_was_expected() -> None:
    with pytest.raises(InvalidIdentifier) as exc:
        IdNumber.parse("110105194912310023")
    assert exc.value.code == "bad_check_character"
    assert "“X”" in exc.value.message
    assert exc.value.citation is not None and "GB 11643-1999" in exc.value.citation


def test_impossible_birth_date() -> None:
    body = "11010519990230002"
    with pytest.raises(InvalidIdentifier) as exc:
        IdNumber.parse(body + check_character(body))
    assert codes(exc) == ["impossible_birth_date"]


def test_future_birth_date_is_impossible() -> None:
    body = "32010220300101001"
    with (
        clock.frozen(dt.datetime(2026, 1, 1, tzinfo=dt.UTC)),
        pytest.raises(InvalidIdentifier) as exc,
    ):
        IdNumber.parse(body + check_character(body))
    assert codes(exc) == ["impossible_birth_date"]


def test_unknown_province() -> None:
    body = "99010519491231002"
    with pytest.raises(InvalidIdentifier) as exc:
        IdNumber.parse(body + check_character(body))
    assert codes(exc) == ["unknown_province"]
    assert "99" in exc.value.message


@pytest.mark.parametrize(
    ("prefix", "kind"), [("81", "hong_kong"), ("82", "macau"), ("83", "taiwan")]
)
def test_residence_permit_prefixes(prefix: str, kind: str) -> None:
    n = IdNumber.generate(prefix + "0000", dt.date(1990, 5, 17), 123)
    assert n.permit_kind == kind
    assert IdNumber.parse(str(n)) == n


def test_age_on() -> None:
    n = IdNumber.parse("11010519491231002X")
    assert n.age_on(dt.date(2019, 12, 30)) == 69
    assert n.age_on(dt.date(2019, 12, 31)) == 70


def test_decode_fields_are_json() -> None:
    fields = IdNumber.parse("11010519491231002X").as_fields()
    assert fields["birth_date"] == "1949-12-31"
    assert fields["province_name"] == "北京市"


def test_generate_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError):
        IdNumber.generate("3201", dt.date(1990, 1, 1), 1)
    with pytest.raises(ValueError):
        IdNumber.generate("320102", dt.date(1990, 1, 1), 1000)


# --- properties --------------------------------------------------------------------------------

ids = st.builds(
    IdNumber.generate,
    st.sampled_from(sorted(COUNTIES)),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 12, 31)),
    st.integers(min_value=0, max_value=999),
)


@given(ids)
def test_generated_number_parses_back_to_itself(n: IdNumber) -> None:
    assert IdNumber.parse(str(n)) == n
    assert n.sex == ("M" if int(n.sequence) % 2 else "F")


@given(ids.filter(lambda n: n.birth_date.year < 2000))
def test_legacy_form_parses_to_the_same_number(n: IdNumber) -> None:
    legacy = n.value[:6] + n.value[8:17]
    converted = IdNumber.parse(legacy)
    assert converted.value == n.value
    assert converted.converted_from_15


@given(ids, st.data())
def test_any_single_substitution_is_detected(n: IdNumber, data: st.DataObject) -> None:
    """Every weight is non-zero mod 11 and digits differ by < 11: MOD 11-2 catches it all."""
    pos = data.draw(st.integers(min_value=0, max_value=17))
    alphabet = "0123456789X" if pos == 17 else "0123456789"
    new = data.draw(st.sampled_from([c for c in alphabet if c != n.value[pos]]))
    mutated = n.value[:pos] + new + n.value[pos + 1 :]
    with pytest.raises(InvalidIdentifier):
        IdNumber.parse(mutated)


@given(st.text(max_size=80))
def test_parse_raises_only_invalid_identifier(raw: str) -> None:
    try:
        IdNumber.parse(raw)
    except InvalidIdentifier as exc:
        assert exc.problems
