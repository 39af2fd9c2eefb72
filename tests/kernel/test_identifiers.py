"""The public decode() entry point and the message table."""

from __future__ import annotations

import json
import re
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jiaoguan.kernel import identifiers, messages
from jiaoguan.kernel.identifiers import KINDS, decode


def test_valid_id_number() -> None:
    d = decode("id-number", "11010519491231002x")
    assert d.valid
    assert d.normalized == "11010519491231002X"
    assert d.fields["birth_date"] == "1949-12-31"
    assert d.fields["sex"] == "F"
    assert d.problems == []


def test_legacy_id_number_is_converted() -> None:
    d = decode("id-number", "110105491231002")
    assert d.valid
    assert d.normalized == "11010519491231002X"
    assert d.fields["converted_from_15"] is True


def test_invalid_value_is_a_normal_answer() -> None:
    d = decode("id-number", "110105194912310023")
    assert not d.valid
    assert d.normalized is None
    assert d.fields == {}
    [p] = d.problems
    assert p["code"] == "bad_check_character"
    assert p["severity"] == "error"
    assert "X" in p["message"]
    assert "X" in p["message_en"]
    assert "GB 11643-1999" in p["citation"]


def test_uscc() -> None:
    d = decode("uscc", "91350100M000100Y43")
    assert d.valid
    assert d.fields["org_code"] == "M000100Y4"


def test_imported_vin_warning_is_a_problem_but_valid() -> None:
    d = decode("vin", "1M8GDM9A1KP042788")
    assert d.valid
    assert d.normalized == "1M8GDM9A1KP042788"
    [p] = d.problems
    assert p["code"] == "bad_check_digit"
    assert p["severity"] == "warning"
    assert p["citation"]


def test_domestic_vin_bad_check_is_an_error() -> None:
    d = decode("vin", "LSJA24U63JG269225")
    assert not d.valid
    assert d.problems[0]["severity"] == "error"


def test_plate() -> None:
    d = decode("plate", "苏AD12345")
    assert d.valid
    assert d.fields["kind"] == "52"
    assert d.fields["energy_type"] == "battery_electric"
    assert d.fields["province_code"] == "32"


def test_plate_admin_abbreviation() -> None:
    d = decode("plate", "黔A12345")
    assert not d.valid
    assert d.problems[0]["code"] == "admin_abbreviation_not_plate"


def test_unknown_kind_raises_key_error() -> None:
    with pytest.raises(KeyError):
        decode("passport", "E12345678")


def test_non_string_value() -> None:
    d = decode("vin", None)  # type: ignore[arg-type]
    assert not d.valid
    assert d.problems[0]["code"] == "not_a_string"


def test_huge_input_is_wrong_length() -> None:
    for kind in KINDS:
        d = decode(kind, "1" * 1_000_000)
        assert not d.valid
        assert d.problems[0]["code"] == "wrong_length"


def test_exports() -> None:
    assert set(KINDS) == {"id-number", "uscc", "vin", "plate"}
    for name in identifiers.__all__:
        assert hasattr(identifiers, name)


def test_every_message_has_both_languages_and_the_same_parameters() -> None:
    field = re.compile(r"{(\w+)}")
    for key, (zh, en) in messages.MESSAGES.items():
        assert zh and en, key
        # The English text may use the English variant of a parameter (kind_name_en).
        en_params = {name.removesuffix("_en") for name in field.findall(en)}
        assert set(field.findall(zh)) == en_params, key
        assert re.fullmatch(r"[a-z_]+\.[a-z_]+(\.[a-z_]+)?", key), key


def test_message_lookup() -> None:
    assert messages.message("vin.wrong_length", actual=3) == "车辆识别代号应为17位，当前为3位。"
    assert "17 characters" in messages.message("vin.wrong_length", "en", actual=3)
    assert messages.message("no.such_key") == "no.such_key"
    assert messages.code_of("id_number.impossible_birth_date.future") == "impossible_birth_date"


def test_control_characters_are_shown_as_code_points() -> None:
    d = decode("vin", "LSJA24U62JG26922\x07")
    assert d.problems[0]["code"] == "bad_character"
    assert "U+0007" in d.problems[0]["message"]


JUNK = st.text(alphabet=st.characters(codec="utf-8"), max_size=100)
NEAR = st.text(
    alphabet=string.digits + string.ascii_letters + "苏京黔挂学警港澳 ·-xX\x00\u3000１Ａ",
    max_size=20,
)


@settings(max_examples=300)
@given(st.sampled_from(sorted(KINDS)), st.one_of(JUNK, NEAR, st.text()))
def test_decode_never_raises(kind: str, value: str) -> None:
    d = decode(kind, value)
    json.dumps(d.as_dict(), ensure_ascii=False)
    assert d.valid == (d.normalized is not None)
    if not d.valid:
        assert d.problems
        assert all(p["severity"] == "error" for p in d.problems[:1])
    for p in d.problems:
        assert set(p) >= {"code", "message", "citation", "severity"}
