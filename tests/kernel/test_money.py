"""Money in fen and the fee table, DOMAIN.md §6."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiaoguan.kernel.money import FEES, UNCONFIRMED_FEE_ITEMS, Money


@pytest.mark.parametrize(
    ("raw", "fen"),
    [
        ("100", 10000),
        (100, 10000),
        ("12.50", 1250),
        ("12.5", 1250),
        ("0.01", 1),
        ("0", 0),
        (" 8 ", 800),
        ("¥5.00", 500),
        ("-3.20", -320),
        ("1,000", 100000),
    ],
)
def test_from_yuan(raw: str | int, fen: int) -> None:
    assert Money.from_yuan(raw).fen == fen


@pytest.mark.parametrize("raw", ["1.234", "abc", "", "1.", ".5", "1e3", "12.5.0"])
def test_from_yuan_refuses(raw: str) -> None:
    with pytest.raises(ValueError):
        Money.from_yuan(raw)


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError):
        Money.from_yuan(1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money.from_yuan(True)


def test_arithmetic_and_comparison() -> None:
    a = Money.from_yuan("100")
    b = Money.from_yuan("12.50")
    assert a + b == Money(11250)
    assert a - b == Money(8750)
    assert b * 3 == Money(3750)
    assert 3 * b == Money(3750)
    assert -b == Money(-1250)
    assert b < a
    assert max(a, b) == a
    assert sum([a, b], Money.zero()) == Money(11250)
    assert not Money.zero()


def test_format_zh() -> None:
    assert Money.from_yuan("100").format_zh() == "¥100.00"
    assert Money(5).format_zh() == "¥0.05"
    assert Money(-500).format_zh() == "-¥5.00"
    assert str(Money(1250)) == "¥12.50"


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_round_trip_through_yuan_string(fen: int) -> None:
    assert Money.from_yuan(Money(fen).yuan_str) == Money(fen)


def test_fees_table() -> None:
    assert FEES["car_plate_reflective"].amount == Money.from_yuan("100")
    assert FEES["car_plate_non_reflective"].amount == Money.from_yuan("80")
    assert FEES["nev_plate_reflective"].amount == FEES["car_plate_reflective"].amount
    assert FEES["trailer_plate_reflective"].amount == Money.from_yuan("50")
    assert FEES["temporary_plate"].amount == Money.from_yuan("5")
    for code in ("driving_permit", "registration_certificate", "driving_licence"):
        assert FEES[code].amount == Money.from_yuan("10")
    assert all(f.citation and "DOMAIN.md §6" in f.citation for f in FEES.values())


def test_unconfirmed_fees_are_marked_or_absent() -> None:
    assert not FEES["inspection_label"].confirmed
    assert FEES["car_plate_reflective"].confirmed
    assert not any("motorcycle" in code for code in FEES)
    assert "motorcycle_plate" in UNCONFIRMED_FEE_ITEMS
