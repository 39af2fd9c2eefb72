"""Administrative divisions (GB/T 2260) and plate prefixes, DOMAIN.md §10."""

from __future__ import annotations

import pytest

from jiaoguan.kernel import regions

JIANGSU_CITIES = {
    "3201": ("南京市", "苏A"),
    "3202": ("无锡市", "苏B"),
    "3203": ("徐州市", "苏C"),
    "3204": ("常州市", "苏D"),
    "3205": ("苏州市", "苏E"),
    "3206": ("南通市", "苏F"),
    "3207": ("连云港市", "苏G"),
    "3208": ("淮安市", "苏H"),
    "3209": ("盐城市", "苏J"),
    "3210": ("扬州市", "苏K"),
    "3211": ("镇江市", "苏L"),
    "3212": ("泰州市", "苏M"),
    "3213": ("宿迁市", "苏N"),
}


def test_all_province_level_divisions() -> None:
    assert len(regions.PROVINCES) == 34
    mainland = [p for p in regions.PROVINCES.values() if p.plate_char is not None]
    assert len(mainland) == 31
    for code in ("71", "81", "82"):
        p = regions.province(code)
        assert p is not None and p.plate_char is None


def test_plate_chars_versus_administrative_abbreviations() -> None:
    guizhou = regions.province("52")
    yunnan = regions.province("53")
    assert guizhou is not None and yunnan is not None
    assert (guizhou.plate_char, guizhou.abbreviation) == ("贵", "黔")
    assert (yunnan.plate_char, yunnan.abbreviation) == ("云", "滇")
    assert regions.province_by_plate_char("黔") is None
    assert regions.province_by_plate_char("滇") is None
    sichuan = regions.province_by_plate_char("川")
    assert sichuan is not None and sichuan.code == "51"
    assert regions.ADMIN_ABBREVIATIONS_NOT_ON_PLATES["黔"] == "贵"


@pytest.mark.parametrize(("code", "expected"), sorted(JIANGSU_CITIES.items()))
def test_jiangsu_cities_and_plate_prefixes(code: str, expected: tuple[str, str]) -> None:
    name, prefix = expected
    city = regions.region(code)
    assert city is not None
    assert city.name_zh == name
    assert city.level == "city"
    assert city.parent == "32"
    assert regions.plate_prefix(code) == prefix
    assert regions.city_by_plate_prefix(prefix) == city
    counties = regions.counties_of(code)
    assert len(counties) >= 2
    for county in counties:
        assert county.level == "county"
        assert county.code.startswith(code)
        assert len(county.code) == 6


def test_cities_of_jiangsu() -> None:
    assert [c.code for c in regions.cities_of("32")] == sorted(JIANGSU_CITIES)
    assert regions.cities_of("11") == []


def test_region_lookup_at_every_level() -> None:
    xuanwu = regions.region("320102")
    assert xuanwu is not None and xuanwu.name_zh == "玄武区" and xuanwu.parent == "3201"
    huqiu = regions.region("320505")
    assert huqiu is not None and huqiu.name_zh == "虎丘区"
    assert regions.region("32") == regions.province("32")
    assert regions.region("320000") == regions.province("32")
    assert regions.region("320100") == regions.region("3201")
    assert regions.region("329999") is None
    assert regions.region("") is None
    assert regions.region("abc") is None


@pytest.mark.parametrize(
    ("scope", "code", "expected"),
    [
        ("32", "3201", True),
        ("32", "320102", True),
        ("3201", "320102", True),
        ("320102", "320102", True),
        ("320000", "320505", True),
        ("320100", "320102", True),
        ("3201", "320505", False),
        ("32", "330102", False),
        ("320102", "3201", False),
        ("3", "320102", False),
        ("", "320102", False),
        ("32", "", False),
    ],
)
def test_contains(scope: str, code: str, expected: bool) -> None:
    assert regions.contains(scope, code) is expected


def test_plate_prefix_unknown_city() -> None:
    with pytest.raises(KeyError):
        regions.plate_prefix("1101")
