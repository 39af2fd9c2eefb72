"""VIN (GB 16735-2019 / ISO 3779), DOMAIN.md §2."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiaoguan.kernel.errors import InvalidIdentifier
from jiaoguan.kernel.vin import (
    ALLOWED,
    MODEL_YEAR_CODES,
    TRANSLITERATION,
    VIN,
    WEIGHTS,
    check_digit,
    model_years,
)

NA_EXAMPLE = "1M8GDM9AXKP042788"
CN_EXAMPLE = "LSJA24U62JG269225"


def test_north_american_example_check_x() -> None:
    assert check_digit(NA_EXAMPLE) == "X"
    v = VIN.parse(NA_EXAMPLE)
    assert str(v) == NA_EXAMPLE
    assert v.check_digit == "X"
    assert v.warnings == ()
    assert not v.domestic
    assert v.wmi == "1M8"
    assert v.vds == "GDM9AX"
    assert v.vis == "KP042788"
    assert v.plant_code == "P"
    assert v.serial == "042788"


def test_chinese_example_check_2() -> None:
    assert check_digit(CN_EXAMPLE) == "2"
    v = VIN.parse(CN_EXAMPLE)
    assert v.domestic
    assert v.wmi == "LSJ"
    assert v.model_year_code == "J"
    assert v.model_year_candidates == (1988, 2018)
    assert v.serial == "269225"


def test_tables_match_domain() -> None:
    assert WEIGHTS == (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
    expected = {
        "A": 1, "B": 2, "C": 3, "D": 4, "E": 5, "F": 6, "G": 7, "H": 8,
        "J": 1, "K": 2, "L": 3, "M": 4, "N": 5, "P": 7, "R": 9,
        "S": 2, "T": 3, "U": 4, "V": 5, "W": 6, "X": 7, "Y": 8, "Z": 9,
    }  # fmt: skip
    for letter, value in expected.items():
        assert TRANSLITERATION[letter] == value
    for d in "0123456789":
        assert TRANSLITERATION[d] == int(d)


def test_lowercase_and_spaces_normalised() -> None:
    assert str(VIN.parse(" lsja24u62jg269225 ")) == CN_EXAMPLE


@pytest.mark.parametrize("letter", ["I", "O", "Q"])
def test_i_o_q_are_never_used(letter: str) -> None:
    with pytest.raises(InvalidIdentifier) as exc:
        VIN.parse("LSJA24U62JG26922" + letter)
    assert exc.value.code == "bad_character"
    assert "I、O、Q" in exc.value.message
    assert "第17位" in exc.value.message


@pytest.mark.parametrize("raw", ["", CN_EXAMPLE[:16], CN_EXAMPLE + "1"])
def test_wrong_length(raw: str) -> None:
    with pytest.raises(InvalidIdentifier) as exc:
        VIN.parse(raw)
    assert exc.value.code == "wrong_length"


def test_domestic_bad_check_digit_is_refused() -> None:
    with pytest.raises(InvalidIdentifier) as exc:
        VIN.parse("LSJA24U63JG269225")
    assert exc.value.code == "bad_check_digit"
    assert "“2”" in exc.value.message


def test_imported_bad_check_digit_is_a_warning() -> None:
    v = VIN.parse("1M8GDM9A1KP042788")
    assert not v.domestic
    assert not v.check_digit_valid
    assert [w.code for w in v.warnings] == ["bad_check_digit"]
    assert "X" in v.warnings[0].message


def test_imported_flag_overrides_the_wmi() -> None:
    # A Chinese-made VIN declared imported only warns; a foreign WMI declared domestic refuses.
    v = VIN.parse("LSJA24U63JG269225", imported=True)
    assert not v.domestic
    assert [w.code for w in v.warnings] == ["bad_check_digit"]
    with pytest.raises(InvalidIdentifier) as exc:
        VIN.parse("1M8GDM9A1KP042788", imported=False)
    assert exc.value.code == "bad_check_digit"


@pytest.mark.parametrize("code", ["U", "Z", "0"])
def test_bad_model_year(code: str) -> None:
    draft = "LSJA24U60" + code + "G269225"
    with pytest.raises(InvalidIdentifier) as exc:
        VIN.parse(draft[:8] + check_digit(draft) + draft[9:])
    assert [p.code for p in exc.value.problems] == ["bad_model_year"]


def test_model_year_cycle() -> None:
    assert MODEL_YEAR_CODES == "ABCDEFGHJKLMNPRSTVWXY123456789"
    assert model_years("A") == (1980, 2010)
    assert model_years("Y") == (2000, 2030)
    assert model_years("1") == (2001, 2031)
    assert model_years("9") == (2009, 2039)
    assert model_years("R") == (1994, 2024)
    assert model_years("S") == (1995, 2025)
    assert model_years("T") == (1996, 2026)


def test_small_maker_wmi_uses_positions_12_to_14() -> None:
    v = VIN.generate("LA9ABC", "12345", "S", "1", "789")
    assert v.small_maker
    assert v.wmi == "LA9ABC"
    assert v.value[11:14] == "ABC"
    assert v.serial == "789"
    assert VIN.parse(str(v)) == v


def test_generate_accepts_a_year() -> None:
    v = VIN.generate("LSV", "AB12C", "2025", "S", "123456")
    assert v.model_year_code == "S"
    assert 2025 in v.model_year_candidates


def test_generate_rejects_bad_parts() -> None:
    with pytest.raises(ValueError):
        VIN.generate("LS", "AB12C", "S", "S", "123456")
    with pytest.raises(ValueError):
        VIN.generate("LSV", "AB12C", "U", "S", "123456")
    with pytest.raises(ValueError):
        VIN.generate("LSV", "AB1OC", "S", "S", "123456")


def test_check_digit_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        check_digit("LSJA24U62JG26922")
    with pytest.raises(ValueError):
        check_digit("LSJA24U62JG26922O")


# --- properties --------------------------------------------------------------------------------

VIN_CHARS = "".join(sorted(ALLOWED))


def _chars(n: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=VIN_CHARS, min_size=n, max_size=n)


domestic_vins = st.builds(
    VIN.generate,
    _chars(2).map(lambda s: "L" + s),
    _chars(5),
    st.sampled_from(MODEL_YEAR_CODES),
    _chars(1),
    _chars(6),
)


@given(domestic_vins)
def test_generated_vin_parses_back_to_itself(v: VIN) -> None:
    assert VIN.parse(str(v)) == v
    assert VIN.parse(str(v), imported=False) == v


@given(domestic_vins, st.data())
def test_single_substitution_is_detected_unless_transliteration_is_equal(
    v: VIN, data: st.DataObject
) -> None:
    """The true guarantee of the VIN check digit.

    Position 9 has weight 0 and all other weights are non-zero mod 11 (11 is prime), and
    transliterated values lie in 0..9, so a substitution at any position other than 9 changes
    the sum mod 11 exactly when the transliterated value changes. Letters sharing a value
    (A/J/1, B/K/S/2, …) cannot be told apart by any check digit. A substitution of the check
    digit itself is always detected.
    """
    pos = data.draw(st.integers(min_value=0, max_value=16))
    old = v.value[pos]
    new = data.draw(st.sampled_from([c for c in VIN_CHARS if c != old]))
    mutated = v.value[:pos] + new + v.value[pos + 1 :]
    same_value = pos != 8 and TRANSLITERATION[new] == TRANSLITERATION[old]
    try:
        VIN.parse(mutated, imported=False)
    except InvalidIdentifier as exc:
        if not same_value:
            assert "bad_check_digit" in [p.code for p in exc.problems]
    else:
        assert same_value


@given(st.text(max_size=80))
def test_parse_raises_only_invalid_identifier(raw: str) -> None:
    try:
        VIN.parse(raw)
    except InvalidIdentifier as exc:
        assert exc.problems
