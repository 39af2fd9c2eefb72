"""Every identifier case of DOMAIN.md §1–3 and §10, answered by the public decode API."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.test import Client

from jiaoguan.kernel import regions

CASES = [
    # §1.1 resident ID numbers (GB 11643): Annex A example, second example, legacy 15-digit form
    ("id-number", "11010519491231002X", True, None),
    ("id-number", "11010519491231002x", True, None),
    ("id-number", "370101190102039973", True, None),
    ("id-number", "110105491231002", True, None),
    ("id-number", "110105194912310021", False, "bad_check_character"),
    ("id-number", "11010519490230002X", False, "impossible_birth_date"),
    ("id-number", "99010519491231002X", False, "unknown_province"),
    ("id-number", "1101051949123100", False, "wrong_length"),
    # HK / Macau / Taiwan residence permits (81/82/83), check character computed
    ("id-number", "810000199001010019", True, None),
    ("id-number", "820000199001010029", True, None),
    ("id-number", "830000199001010039", True, None),
    # §1.2 USCC worked example (GB 32100) with its embedded organisation code
    ("uscc", "91350100M000100Y43", True, None),
    ("uscc", "91350100M000100Y42", False, "bad_check_character"),
    ("uscc", "91350100M00O100Y43", False, "bad_character"),
    # §2 VIN (GB 16735): both worked examples; I/O/Q never used; domestic check enforced
    ("vin", "1M8GDM9AXKP042788", True, None),
    ("vin", "LSJA24U62JG269225", True, None),
    ("vin", "LSJA24U63JG269225", False, "bad_check_digit"),
    ("vin", "LSJA24U62JG26922O", False, "bad_character"),
    # §3 plates (GA 36-2018): ordinary, NEV small/large, suffixes, 贵/云 not 黔/滇, no I/O
    ("plate", "京A12345", True, None),
    ("plate", "贵A12345", True, None),
    ("plate", "云A12345", True, None),
    ("plate", "黔A12345", False, "admin_abbreviation_not_plate"),
    ("plate", "滇A12345", False, "admin_abbreviation_not_plate"),
    ("plate", "苏AD12345", True, None),
    ("plate", "苏AF1234K", False, None),
    ("plate", "苏A12345D", True, None),
    ("plate", "苏A1234挂", True, None),
    ("plate", "苏A1234学", True, None),
    ("plate", "苏A1234警", True, None),
    ("plate", "苏A12I45", False, "forbidden_letter_io"),
    ("plate", "苏A1O345", False, "forbidden_letter_io"),
]


@pytest.mark.parametrize(("kind", "value", "valid", "code"), CASES)
def test_domain_case(client: Client, kind: str, value: str, valid: bool, code: str | None) -> None:
    body = client.get(f"/api/v1/identifiers/{kind}/{quote(value)}").json()
    assert body["valid"] is valid, body
    if code:
        assert code in [p["code"] for p in body["problems"]], body["problems"]
        assert all(p["citation"] for p in body["problems"])


@pytest.mark.parametrize("char", regions.PLATE_CHARS)
def test_every_province_plate_character(client: Client, char: str) -> None:
    """§10: each plate character maps to its GB/T 2260 province code."""
    body = client.get(f"/api/v1/identifiers/plate/{quote(char + 'A12345')}").json()
    assert body["valid"] is True
    assert body["fields"]["province_code"] == regions.province_by_plate_char(char).code  # type: ignore[union-attr]
