"""Money as integer fen (分), and the national fee table (工本费), DOMAIN.md §6.

No floats anywhere: amounts are parsed from strings such as ``"100"`` or ``"12.50"`` and
kept as whole fen.

Fees are [secondary]: national amounts as commonly cited, repeated by provincial tables
(Hainan table marked "国家标准"; a city table). Where DOMAIN.md marks an amount unconfirmed
it is flagged ``confirmed=False``; the motorcycle-plate fee is inconsistent between sources
(70 vs 35 yuan) and is deliberately NOT a constant: it must come from configuration.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

_AMOUNT = re.compile(r"(-)?(\d+)(?:\.(\d{1,2}))?")


@dataclass(frozen=True, order=True)
class Money:
    """An amount in fen (1 yuan = 100 fen)."""

    fen: int

    def __post_init__(self) -> None:
        if isinstance(self.fen, bool) or not isinstance(self.fen, int):
            raise TypeError("Money.fen must be an int")

    @classmethod
    def from_yuan(cls, amount: str | int) -> Money:
        """Exact amount from yuan: ``100``, ``"100"``, ``"12.50"``, ``"0.5"``, ``"¥8.00"``.

        Refuses floats (TypeError) and more than 2 decimals (ValueError).
        """
        if isinstance(amount, bool):
            raise TypeError("a bool is not an amount")
        if isinstance(amount, int):
            return cls(amount * 100)
        if not isinstance(amount, str):
            raise TypeError("amount must be str or int (never float)")
        text = amount.strip().lstrip("¥￥").replace(",", "")
        m = _AMOUNT.fullmatch(text)
        if m is None:
            raise ValueError(f"not an amount in yuan with at most 2 decimals: {amount!r}")
        sign, whole, frac = m.groups()
        fen = int(whole) * 100 + int((frac or "").ljust(2, "0"))
        return cls(-fen if sign else fen)

    @classmethod
    def zero(cls) -> Money:
        return cls(0)

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return Money(self.fen + other.fen)

    def __sub__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return Money(self.fen - other.fen)

    def __mul__(self, factor: int) -> Money:
        if isinstance(factor, bool) or not isinstance(factor, int):
            return NotImplemented
        return Money(self.fen * factor)

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return Money(-self.fen)

    def __bool__(self) -> bool:
        return self.fen != 0

    @property
    def yuan_str(self) -> str:
        """``"100.00"`` (no currency sign)."""
        sign = "-" if self.fen < 0 else ""
        whole, frac = divmod(abs(self.fen), 100)
        return f"{sign}{whole}.{frac:02d}"

    def format_zh(self) -> str:
        """``"¥100.00"``; negative amounts as ``"-¥5.00"``."""
        s = self.yuan_str
        return "-¥" + s[1:] if s.startswith("-") else "¥" + s

    def __str__(self) -> str:
        return self.format_zh()


FEE_SOURCE = (
    "DOMAIN.md §6 [secondary]: national amounts as commonly cited; Hainan table marked "
    "国家标准 (fymate.net), city table (blog.youkuaiyun.com/MissOfSpring/article/details/131647168)"
)

Confidence = Literal["secondary", "unconfirmed"]


@dataclass(frozen=True)
class Fee:
    """One fee item: amount, unit, citation and how sure we are of it."""

    code: str
    name_zh: str
    name_en: str
    amount: Money
    unit_zh: str
    citation: str
    confidence: Confidence = "secondary"

    @property
    def confirmed(self) -> bool:
        return self.confidence != "unconfirmed"


def _fee(
    code: str,
    name_zh: str,
    name_en: str,
    yuan: str,
    unit_zh: str,
    confidence: Confidence = "secondary",
) -> Fee:
    return Fee(code, name_zh, name_en, Money.from_yuan(yuan), unit_zh, FEE_SOURCE, confidence)


#: National fee table (DOMAIN.md §6). NEV plates cost the same as car plates.
FEES: dict[str, Fee] = {
    f.code: f
    for f in (
        _fee("car_plate_reflective", "汽车号牌（反光）", "Car plate, reflective", "100", "副"),
        _fee(
            "car_plate_non_reflective",
            "汽车号牌（不反光）",
            "Car plate, non-reflective",
            "80",
            "副",
        ),
        _fee("nev_plate_reflective", "新能源汽车号牌", "NEV plate", "100", "副"),
        _fee(
            "trailer_plate_reflective", "挂车号牌（反光）", "Trailer plate, reflective", "50", "面"
        ),
        _fee(
            "trailer_plate_non_reflective",
            "挂车号牌（不反光）",
            "Trailer plate, non-reflective",
            "30",
            "面",
        ),
        _fee(
            "three_wheeler_plate_reflective",
            "三轮汽车、低速货车号牌（反光）",
            "Three-wheeler / low-speed truck plate, reflective",
            "40",
            "副",
        ),
        _fee(
            "three_wheeler_plate_non_reflective",
            "三轮汽车、低速货车号牌（不反光）",
            "Three-wheeler / low-speed truck plate, non-reflective",
            "25",
            "副",
        ),
        _fee("temporary_plate", "临时号牌", "Temporary plate", "5", "张"),
        _fee("driving_permit", "行驶证", "Driving permit", "10", "本"),
        _fee("registration_certificate", "登记证书", "Registration certificate", "10", "本"),
        _fee("driving_licence", "驾驶证", "Driving licence", "10", "本"),
        _fee(
            "inspection_label",
            "检验合格标志",
            "Inspection label",
            "0",
            "张",
            confidence="unconfirmed",
        ),
    )
}

#: Items DOMAIN.md lists without a reliable national amount: configure them, never hard-code.
UNCONFIRMED_FEE_ITEMS: dict[str, str] = {
    "motorcycle_plate": (
        "DOMAIN.md §6: 70 yuan (Hainan table) vs 35 yuan (city table) [unconfirmed]"
    ),
    "inspection_station_test": "DOMAIN.md §6: market-priced or set locally [unconfirmed]",
}
