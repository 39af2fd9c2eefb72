"""Unified Social Credit Code (GB 32100-2015), DOMAIN.md §1.2."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiaoguan.kernel.errors import InvalidIdentifier
from jiaoguan.kernel.uscc import (
    CHARSET,
    USCC,
    WEIGHTS,
    check_character,
    org_code_check_character,
)

EXAMPLE = "91350100M000100Y43"


def test_worked_example_is_valid() -> None:
    code = USCC.parse(EXAMPLE)
    assert str(code) == EXAMPLE
    assert code.registration_authority == "9"
    assert code.registration_authority_name is not None
    assert "工商" in code.registration_authority_name
    assert code.category == "1"
    assert code.category_name == "企业"
    assert code.region_code == "350100"
    assert code.province_code == "35"
    assert code.province_name == "福建省"
    assert code.org_code == "M000100Y4"
    assert code.check == "3"


def test_embedded_org_code_of_the_example() -> None:
    # M=22, Y=34: 22*3 + 1*5 + 34*2 = 139; 139 mod 11 = 7; 11 - 7 = 4.
    assert org_code_check_character("M000100Y") == "4"


def test_org_code_check_special_values() -> None:
    # Sum ≡ 1 (mod 11) → 10 → "X"; sum ≡ 0 → 11 → "0".
    assert org_code_check_character("00000000") == "0"
    # 3*a ≡ 1 mod 11 → a = 4: "40000000" sums to 12 ≡ 1.
    assert org_code_check_character("40000000") == "X"


def test_charset_and_weights_match_domain() -> None:
    assert CHARSET == "0123456789ABCDEFGHJKLMNPQRTUWXY"
    assert not set("IOSVZ") & set(CHARSET)
    assert WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    assert check_character(EXAMPLE[:17]) == "3"


def test_lowercase_and_full_width_input() -> None:
    assert str(USCC.parse(" 91350100m000100y43 ")) == EXAMPLE
    assert str(USCC.parse("９１３５０１００Ｍ０００１００Ｙ４３")) == EXAMPLE


@pytest.mark.parametrize("raw", ["", "91350100M000100Y4", EXAMPLE + "0"])
def test_wrong_length(raw: str) -> None:
    with pytest.raises(InvalidIdentifier) as exc:
        USCC.parse(raw)
    assert exc.value.code == "wrong_length"


@pytest.mark.parametrize("letter", list("IOSVZ"))
def test_excluded_letters_are_bad_characters(letter: str) -> None:
    with pytest.raises(InvalidIdentifier) as exc:
        USCC.parse("91350100" + letter + "000100Y43")
    assert exc.value.code == "bad_character"
    assert "第9位" in exc.value.message


def test_region_must_be_digits() -> None:
    with pytest.raises(InvalidIdentifier) as exc:
        USCC.parse("9135A100M000100Y43")
    assert exc.value.code == "bad_character"


def test_bad_check_character() -> None:
    with pytest.raises(InvalidIdentifier) as exc:
        USCC.parse("91350100M000100Y44")
    assert [p.code for p in exc.value.problems] == ["bad_check_character"]
    assert "“3”" in exc.value.message


def test_bad_org_code_check() -> None:
    # Change the org check character and recompute C18 so only the org code is wrong.
    first17 = "91350100M000100Y5"
    with pytest.raises(InvalidIdentifier) as exc:
        USCC.parse(first17 + check_character(first17))
    assert [p.code for p in exc.value.problems] == ["bad_org_code_check"]
    assert "“4”" in exc.value.message


def test_unknown_leading_characters_are_not_rejected() -> None:
    code = USCC.generate("320102", "MA1XYW00", authority="R", category="W")
    assert code.registration_authority_name is None
    assert code.category_name is None
    assert USCC.parse(str(code)) == code


def test_generate_rejects_bad_body() -> None:
    with pytest.raises(ValueError):
        USCC.generate("320102", "IIIIIIII")
    with pytest.raises(ValueError):
        USCC.generate("32010", "MA1XYW00")


# --- properties --------------------------------------------------------------------------------

codes = st.builds(
    USCC.generate,
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.text(alphabet=CHARSET, min_size=8, max_size=8),
    authority=st.sampled_from(CHARSET),
    category=st.sampled_from(CHARSET),
)


@given(codes)
def test_generated_code_parses_back_to_itself(code: USCC) -> None:
    assert USCC.parse(str(code)) == code


@given(codes, st.data())
def test_any_single_substitution_is_detected(code: USCC, data: st.DataObject) -> None:
    """31 is prime and every weight is non-zero mod 31: the check catches every substitution."""
    pos = data.draw(st.integers(min_value=0, max_value=17))
    new = data.draw(st.sampled_from([c for c in CHARSET if c != code.value[pos]]))
    with pytest.raises(InvalidIdentifier):
        USCC.parse(code.value[:pos] + new + code.value[pos + 1 :])


@given(st.text(max_size=80))
def test_parse_raises_only_invalid_identifier(raw: str) -> None:
    try:
        USCC.parse(raw)
    except InvalidIdentifier as exc:
        assert exc.problems
