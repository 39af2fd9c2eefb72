"""Number plates (GA 36-2018), DOMAIN.md §3 and §10."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiaoguan.kernel.errors import InvalidIdentifier
from jiaoguan.kernel.plates import (
    ENERGY_LETTERS,
    KIND_INFO,
    ORDINARY_KINDS,
    SERIAL_CHARS,
    Layout,
    Plate,
    PlateKind,
)
from jiaoguan.kernel.regions import PLATE_CHARS

# DOMAIN.md §10, copied independently of regions.py.
SECTION_10 = {
    "京": "11", "津": "12", "冀": "13", "晋": "14", "蒙": "15", "辽": "21", "吉": "22",
    "黑": "23", "沪": "31", "苏": "32", "浙": "33", "皖": "34", "闽": "35", "赣": "36",
    "鲁": "37", "豫": "41", "鄂": "42", "湘": "43", "粤": "44", "桂": "45", "琼": "46",
    "渝": "50", "川": "51", "贵": "52", "云": "53", "藏": "54", "陕": "61", "甘": "62",
    "青": "63", "宁": "64", "新": "65",
}  # fmt: skip
# DOMAIN.md §3.1, the 31 characters in the order given there.
SECTION_3_1 = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"


def codes(exc: pytest.ExceptionInfo[InvalidIdentifier]) -> list[str]:
    return [p.code for p in exc.value.problems]


def test_section_10_and_section_3_1_agree() -> None:
    assert len(SECTION_10) == 31
    assert set(SECTION_3_1) == set(SECTION_10)
    assert set(PLATE_CHARS) == set(SECTION_10)


@pytest.mark.parametrize(("char", "code"), sorted(SECTION_10.items()))
def test_every_province_character_maps_to_its_code(char: str, code: str) -> None:
    p = Plate.parse(char + "A12345")
    assert p.province_char == char
    assert p.province_code == code
    assert p.province_name


@pytest.mark.parametrize(
    ("admin", "plate_char"),
    [("黔", "贵"), ("滇", "云"), ("蜀", "川"), ("秦", "陕"), ("陇", "甘")],
)
def test_administrative_abbreviations_are_refused(admin: str, plate_char: str) -> None:
    with pytest.raises(InvalidIdentifier) as exc:
        Plate.parse(admin + "A12345")
    assert exc.value.code == "admin_abbreviation_not_plate"
    assert f"“{plate_char}”" in exc.value.message
    for c in "贵云川陕甘":
        assert c in exc.value.message


@pytest.mark.parametrize("raw", ["台A12345", "港A12345", "XA12345", "1A12345"])
def test_unknown_province_character(raw: str) -> None:
    with pytest.raises(InvalidIdentifier) as exc:
        Plate.parse(raw)
    assert exc.value.code == "unknown_province_char"


# --- ordinary plates ---------------------------------------------------------------------------


def test_ordinary_plate_is_inferred_as_small_car_with_ambiguity() -> None:
    p = Plate.parse("苏A12345")
    assert p.kind is PlateKind.SMALL_CAR
    assert p.kind_inferred
    assert PlateKind.LARGE_CAR in p.possible_kinds
    assert p.possible_kinds == ORDINARY_KINDS
    fields = p.as_fields()
    assert fields["kind"] == "02"
    assert fields["kind_inferred"] is True
    assert fields["possible_kinds"] == ["02", "01", "07", "08"]
    assert fields["colour_zh"] == "蓝底白字"
    assert fields["energy_type"] is None


@pytest.mark.parametrize(
    ("kind", "colour"),
    [
        (PlateKind.LARGE_CAR, "黄底黑字"),
        (PlateKind.SMALL_CAR, "蓝底白字"),
        (PlateKind.MOTORCYCLE, "黄底黑字"),
        (PlateKind.LIGHT_MOTORCYCLE, "蓝底白字"),
    ],
)
def test_ordinary_kinds_when_given(kind: PlateKind, colour: str) -> None:
    p = Plate.parse("苏E3A5B7", kind=kind)
    assert p.kind is kind
    assert not p.kind_inferred
    assert p.possible_kinds == (kind,)
    assert p.kind.colour_zh == colour


def test_separators_and_case_are_normalised() -> None:
    assert str(Plate.parse(" 苏a·12345 ")) == "苏A12345"
    assert str(Plate.parse("苏A-ＡＢ１２３")) == "苏AAB123"


@pytest.mark.parametrize(("raw", "position"), [("苏AI2345", 3), ("苏A1234O", 7), ("苏A12O45", 5)])
def test_i_and_o_are_refused_in_the_serial(raw: str, position: int) -> None:
    with pytest.raises(InvalidIdentifier) as exc:
        Plate.parse(raw)
    assert codes(exc) == ["forbidden_letter_io"]
    assert f"第{position}位" in exc.value.message


def test_authority_letter_must_be_a_letter() -> None:
    with pytest.raises(InvalidIdentifier) as exc:
        Plate.parse("苏112345")
    assert codes(exc) == ["bad_authority_letter"]


def test_authority_letter_o_is_accepted() -> None:
    # Reported convention (police/government in some provinces), not a national rule.
    assert Plate.parse("苏O12345").authority_letter == "O"


def test_bad_serial_character() -> None:
    with pytest.raises(InvalidIdentifier) as exc:
        Plate.parse("苏A12#45")
    assert codes(exc) == ["bad_serial"]


@pytest.mark.parametrize("raw", ["", "苏", "苏A1234", "苏A123456789"])
def test_wrong_length(raw: str) -> None:
    with pytest.raises(InvalidIdentifier) as exc:
        Plate.parse(raw)
    assert exc.value.code == "wrong_length"


def test_kind_given_enforces_its_length() -> None:
    with pytest.raises(InvalidIdentifier) as exc:
        Plate.parse("苏AD12345", kind=PlateKind.SMALL_CAR)
    assert exc.value.code == "wrong_length"
    with pytest.raises(InvalidIdentifier) as exc:
        Plate.parse("苏A12345", kind=PlateKind.SMALL_NEV)
    assert exc.value.code == "wrong_length"


# --- NEV plates --------------------------------------------------------------------------------


@pytest.mark.parametrize("letter", list("DABCE"))
def test_small_nev_battery_electric_letters(letter: str) -> None:
    p = Plate.parse(f"苏A{letter}12345")
    assert p.kind is PlateKind.SMALL_NEV
    assert p.energy_type == "battery_electric"
    assert p.kind.colour_zh == "渐变绿色"
    assert p.serial == f"{letter}12345"


@pytest.mark.parametrize("letter", list("FGHJK"))
def test_small_nev_non_pure_electric_letters(letter: str) -> None:
    p = Plate.parse(f"苏A{letter}F1234")
    assert p.kind is PlateKind.SMALL_NEV
    assert p.energy_type == "non_pure_electric"


@pytest.mark.parametrize("letter", list(ENERGY_LETTERS))
def test_large_nev_energy_letters(letter: str) -> None:
    p = Plate.parse(f"苏A12345{letter}")
    assert p.kind is PlateKind.LARGE_NEV
    assert p.kind.colour_zh == "黄绿双拼色"
    expected = "battery_electric" if letter in "DABCE" else "non_pure_electric"
    assert p.energy_type == expected


@pytest.mark.parametrize("letter", sorted(set("LMNPQRSTUVWXYZ")))
def test_other_letters_are_not_energy_letters(letter: str) -> None:
    with pytest.raises(InvalidIdentifier) as exc:
        Plate.parse(f"苏A{letter}12345")
    assert codes(exc) == ["bad_energy_letter"]
    with pytest.raises(InvalidIdentifier) as exc:
        Plate.parse(f"苏A12345{letter}")
    assert codes(exc) == ["bad_energy_letter"]


@pytest.mark.parametrize(
    "raw",
    [
        "苏AD1234A",  # small NEV: positions 3-6 of the serial must be digits
        "苏A1234D5",  # large NEV: energy letter last
        "苏A123456",  # 8 characters but no energy letter at all
        "苏A1A345D",  # large NEV: first five must be digits
    ],
)
def test_bad_nev_layout(raw: str) -> None:
    with pytest.raises(InvalidIdentifier) as exc:
        Plate.parse(raw)
    assert "bad_nev_layout" in codes(exc)


def test_nev_serial_never_uses_i_or_o() -> None:
    with pytest.raises(InvalidIdentifier) as exc:
        Plate.parse("苏ADO2345")
    assert codes(exc) == ["forbidden_letter_io"]


def test_nev_second_position_may_be_a_letter() -> None:
    assert Plate.parse("苏ADA1234").kind is PlateKind.SMALL_NEV
    assert Plate.parse("京AF0236").kind is PlateKind.SMALL_CAR  # 7 characters: not NEV


# --- suffix plates -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("苏A1234挂", PlateKind.TRAILER),
        ("苏A1234学", PlateKind.COACH),
        ("苏A1234警", PlateKind.POLICE),
        ("沪A1234领", PlateKind.CONSULATE_CAR),
        ("粤Z1234港", PlateKind.HONG_KONG),
        ("粤Z1234澳", PlateKind.MACAU),
    ],
)
def test_suffix_kinds(raw: str, kind: PlateKind) -> None:
    p = Plate.parse(raw)
    assert p.kind is kind
    assert p.kind_inferred
    assert p.possible_kinds == (kind,)
    assert p.serial == raw[2:6]
    assert p.suffix == raw[-1]
    assert Plate.parse(raw, kind=kind) == Plate(raw, kind, False, (kind,))


def test_suffix_colours() -> None:
    assert PlateKind.TRAILER.colour_zh == "黄底黑字"
    assert PlateKind.COACH.colour_zh == "黄底黑字"
    assert PlateKind.POLICE.colour_zh is not None and "白底" in PlateKind.POLICE.colour_zh


def test_suffix_kind_given_but_suffix_missing() -> None:
    with pytest.raises(InvalidIdentifier) as exc:
        Plate.parse("苏A12345", kind=PlateKind.TRAILER)
    assert codes(exc) == ["bad_serial"]
    assert "挂" in exc.value.message


def test_cross_border_plate_needs_yue_z() -> None:
    with pytest.raises(InvalidIdentifier) as exc:
        Plate.parse("苏A1234港")
    assert codes(exc) == ["bad_serial"]
    assert "粤Z" in exc.value.message


def test_suffix_serial_never_uses_i_or_o() -> None:
    with pytest.raises(InvalidIdentifier) as exc:
        Plate.parse("苏A12I4学")
    assert codes(exc) == ["forbidden_letter_io"]


@pytest.mark.parametrize(
    "kind",
    [k for k, info in KIND_INFO.items() if info.layout is None],
)
def test_unencoded_layouts_are_unsupported_not_guessed(kind: PlateKind) -> None:
    with pytest.raises(InvalidIdentifier) as exc:
        Plate.parse("苏A12345", kind=kind)
    assert exc.value.code == "unsupported_kind"


def test_kind_codes_follow_ga_24_7_order() -> None:
    assert PlateKind("01").name_zh == "大型汽车号牌"
    assert PlateKind("02").name_zh == "小型汽车号牌"
    assert PlateKind("07").name_zh == "普通摩托车号牌"
    assert PlateKind("08").name_zh == "轻便摩托车号牌"
    assert PlateKind("15").name_zh == "挂车号牌"
    assert PlateKind("16").name_zh == "教练汽车号牌"
    assert PlateKind("23").name_zh == "警用汽车号牌"
    assert PlateKind("51").name_zh == "大型新能源汽车号牌"
    assert PlateKind("52").name_zh == "小型新能源汽车号牌"
    assert {k.value for k in PlateKind} == {
        "01", "02", "03", "04", "05", "06", "07", "08", "13", "14", "15", "16",
        "18", "20", "22", "23", "26", "27", "51", "52",
    }  # fmt: skip


def test_generate() -> None:
    assert str(Plate.generate("苏A", "1234", PlateKind.TRAILER)) == "苏A1234挂"
    assert str(Plate.generate("苏E", "D12345", PlateKind.SMALL_NEV)) == "苏ED12345"
    assert str(Plate.generate("苏B", "8K2Q9")) == "苏B8K2Q9"


# --- properties --------------------------------------------------------------------------------

SERIAL = "".join(sorted(SERIAL_CHARS))
DIGIT = "0123456789"


def _s(alphabet: str, n: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=alphabet, min_size=n, max_size=n)


@st.composite
def plates(draw: st.DrawFn) -> tuple[PlateKind, Plate]:
    kind = draw(st.sampled_from([k for k, i in KIND_INFO.items() if i.layout is not None]))
    info = kind.info
    if info.prefix is not None:
        prefix = info.prefix
    else:
        prefix = draw(st.sampled_from(PLATE_CHARS)) + draw(_s("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 1))
    if info.layout is Layout.ORDINARY:
        serial = draw(_s(SERIAL, 5))
    elif info.layout is Layout.SUFFIX:
        serial = draw(_s(SERIAL, 4))
    elif info.layout is Layout.SMALL_NEV:
        serial = draw(_s(ENERGY_LETTERS, 1)) + draw(_s(SERIAL, 1)) + draw(_s(DIGIT, 4))
    else:
        serial = draw(_s(DIGIT, 5)) + draw(_s(ENERGY_LETTERS, 1))
    return kind, Plate.generate(prefix, serial, kind)


@given(plates())
def test_generated_plate_parses_back(pair: tuple[PlateKind, Plate]) -> None:
    kind, plate = pair
    assert Plate.parse(str(plate), kind=kind) == plate
    inferred = Plate.parse(str(plate))
    assert inferred.kind_inferred
    assert kind in inferred.possible_kinds
    if kind not in ORDINARY_KINDS:
        assert inferred.kind is kind


@given(st.text(max_size=40))
def test_parse_raises_only_invalid_identifier(raw: str) -> None:
    try:
        Plate.parse(raw)
    except InvalidIdentifier as exc:
        assert exc.problems
