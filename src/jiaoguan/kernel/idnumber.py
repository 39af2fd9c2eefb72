"""Resident ID number (公民身份号码), GB 11643-1999.

Rules (DOMAIN.md §1.1, [secondary] sources verified by computation):

* 18 characters: 6-digit address code (GB/T 2260 county code), 8-digit birth date YYYYMMDD,
  3-digit sequence code (odd = man, even = woman), 1 check character.
* Check character: ISO 7064 MOD 11-2. Weights for positions 1–17 are
  ``Wi = 2^(18−i) mod 11`` = ``7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2``; ``R = Σ ai·Wi mod 11``;
  the character for R = 0..10 is ``1 0 X 9 8 7 6 5 4 3 2``.
* The legacy 15-digit number (GB 11643-1989) is 6 + YYMMDD + 3 with no check character; it
  converts by inserting "19" before the year and computing the check character.
* The address code is checked strictly only at province level (2 digits), because counties
  are recoded over time: the prefix must be a GB/T 2260 province code or 81/82/83
  (residence permits for Hong Kong, Macau and Taiwan residents).
* The driving-licence number is the holder's ID number (R162 Art. 12).

Single-character substitutions in positions 1–17 are always caught by the check: every
weight is non-zero mod 11 and two digits differ by less than 11. A substituted check
character is caught trivially.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Self

from jiaoguan.kernel import clock, regions
from jiaoguan.kernel.messages import (
    LocalisedProblem,
    fold_input,
    invalid,
    problem,
    show_char,
    too_long,
)

KIND = "id-number"

STRUCTURE_CITATION = "GB 11643-1999 (number structure); DOMAIN.md §1.1"
CHECK_CITATION = "GB 11643-1999, ISO 7064 MOD 11-2 check character; DOMAIN.md §1.1"
LEGACY_CITATION = "GB 11643-1989 15-digit number, conversion per DOMAIN.md §1.1"
PROVINCE_CITATION = (
    "GB/T 2260 province codes; 81/82/83 residence permits (icarus-go/util province.go); "
    "DOMAIN.md §1.1, §10"
)
#: The overall citation for the format.
CITATION = "GB 11643-1999; DOMAIN.md §1.1"

WEIGHTS: tuple[int, ...] = tuple(pow(2, 17 - i, 11) for i in range(17))
assert WEIGHTS == (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"

#: Prefixes of the residence permits for Hong Kong, Macau and Taiwan residents.
PERMIT_PREFIXES: dict[str, str] = {"81": "hong_kong", "82": "macau", "83": "taiwan"}
PERMIT_NAMES: dict[str, tuple[str, str]] = {
    "hong_kong": ("港澳居民居住证（香港）", "Residence permit for Hong Kong residents"),
    "macau": ("港澳居民居住证（澳门）", "Residence permit for Macau residents"),
    "taiwan": ("台湾居民居住证", "Residence permit for Taiwan residents"),
}

#: Our sanity floor (not in the rules): nobody born before this was alive when 18-digit
#: numbers were issued (1999), so such a birth date is a typing error.
EARLIEST_BIRTH_YEAR = 1800

_DIGITS = frozenset("0123456789")


def check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits of an ID number."""
    if len(first17) != 17 or not all(c in _DIGITS for c in first17):
        raise ValueError("check_character() needs exactly 17 ASCII digits")
    total = sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def _known_prefix(prefix: str) -> bool:
    return prefix in PERMIT_PREFIXES or regions.province(prefix) is not None


@dataclass(frozen=True)
class IdNumber:
    """A valid 18-character resident ID number (legacy 15-digit input is converted)."""

    value: str
    converted_from_15: bool = False

    # --- fields ------------------------------------------------------------------------------
    @property
    def region_code(self) -> str:
        """The 6-digit address code (GB/T 2260 county of permanent residence)."""
        return self.value[:6]

    @property
    def province_code(self) -> str:
        return self.value[:2]

    @property
    def province_name(self) -> str | None:
        p = regions.province(self.province_code)
        return p.name_zh if p is not None else None

    @property
    def permit_kind(self) -> str | None:
        """``hong_kong`` / ``macau`` / ``taiwan`` for residence-permit numbers (81/82/83)."""
        return PERMIT_PREFIXES.get(self.province_code)

    @property
    def birth_date(self) -> dt.date:
        v = self.value
        return dt.date(int(v[6:10]), int(v[10:12]), int(v[12:14]))

    @property
    def sequence(self) -> str:
        return self.value[14:17]

    @property
    def sex(self) -> str:
        """``"M"`` for an odd sequence code, ``"F"`` for an even one (GB 11643-1999)."""
        return "M" if int(self.sequence) % 2 == 1 else "F"

    @property
    def check(self) -> str:
        return self.value[17]

    def age_on(self, day: dt.date) -> int:
        """Age in whole years on ``day``."""
        born = self.birth_date
        years = day.year - born.year
        if (day.month, day.day) < (born.month, born.day):
            years -= 1
        return years

    def masked(self) -> str:
        """The number with the birth date and sequence hidden: ``110105********002X``."""
        return self.value[:6] + "*" * 8 + self.value[-4:]

    def as_fields(self) -> dict[str, Any]:
        """JSON-serialisable fields (dates as ISO strings)."""
        return {
            "region_code": self.region_code,
            "province_code": self.province_code,
            "province_name": self.province_name,
            "region_name": _region_name(self.region_code),
            "birth_date": self.birth_date.isoformat(),
            "sequence": self.sequence,
            "sex": self.sex,
            "check_character": self.check,
            "converted_from_15": self.converted_from_15,
            "permit_kind": self.permit_kind,
            "masked": self.masked(),
        }

    def __str__(self) -> str:
        return self.value

    # --- parsing -----------------------------------------------------------------------------
    @classmethod
    def parse(cls, raw: str) -> Self:
        """Normalise and validate ``raw``; raise :class:`InvalidIdentifier` if it is wrong.

        Spaces are dropped, full-width digits and letters folded to ASCII and ``x`` upper-cased.
        A 15-digit legacy number is converted to 18 digits (``converted_from_15``).
        """
        if too_long(raw):
            raise invalid(
                KIND, [problem("id_number.wrong_length", STRUCTURE_CITATION, actual=len(raw))]
            )
        text = fold_input(raw)
        if len(text) == 15:
            return cls._parse_legacy(text)
        if len(text) != 18:
            raise invalid(
                KIND, [problem("id_number.wrong_length", STRUCTURE_CITATION, actual=len(text))]
            )

        bad = [
            problem(
                "id_number.bad_character", STRUCTURE_CITATION, position=i + 1, char=show_char(c)
            )
            for i, c in enumerate(text)
            if not (c in _DIGITS or (i == 17 and c == "X"))
        ]
        if bad:
            raise invalid(KIND, bad)

        problems = _content_problems(text[:17])
        expected = check_character(text[:17])
        if text[17] != expected:
            problems.append(
                problem(
                    "id_number.bad_check_character",
                    CHECK_CITATION,
                    expected=expected,
                    actual=text[17],
                )
            )
        if problems:
            raise invalid(KIND, problems)
        return cls(value=text)

    @classmethod
    def _parse_legacy(cls, text: str) -> Self:
        bad = [
            problem(
                "id_number.bad_character.legacy",
                LEGACY_CITATION,
                position=i + 1,
                char=show_char(c),
            )
            for i, c in enumerate(text)
            if c not in _DIGITS
        ]
        if bad:
            raise invalid(KIND, bad)
        first17 = text[:6] + "19" + text[6:]
        problems = _content_problems(first17)
        if problems:
            raise invalid(KIND, problems)
        return cls(value=first17 + check_character(first17), converted_from_15=True)

    # --- generation --------------------------------------------------------------------------
    @classmethod
    def generate(cls, region_code: str, birth_date: dt.date, sequence: int | str) -> Self:
        """Build a valid number (for the demo seeder and tests).

        ``sequence`` is 0–999 (odd for a man, even for a woman). Raises ValueError for a
        malformed region code or sequence, and InvalidIdentifier if the result breaks a rule
        (unknown province, future birth date).
        """
        if len(region_code) != 6 or not all(c in _DIGITS for c in region_code):
            raise ValueError("region_code must be 6 ASCII digits")
        seq = int(sequence)
        if not 0 <= seq <= 999:
            raise ValueError("sequence must be between 0 and 999")
        first17 = f"{region_code}{birth_date:%Y%m%d}{seq:03d}"
        if len(first17) != 17:
            raise ValueError("birth_date year must have 4 digits")
        return cls.parse(first17 + check_character(first17))


def _region_name(code: str) -> str | None:
    r = regions.region(code)
    return r.name_zh if r is not None else None


def _content_problems(first17: str) -> list[LocalisedProblem]:
    """Province prefix and birth-date problems of a 17-digit body."""
    problems: list[LocalisedProblem] = []
    prefix = first17[:2]
    if not _known_prefix(prefix):
        problems.append(problem("id_number.unknown_province", PROVINCE_CITATION, prefix=prefix))
    digits = first17[6:14]
    try:
        born = dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        problems.append(
            problem("id_number.impossible_birth_date", STRUCTURE_CITATION, value=digits)
        )
    else:
        if born > clock.today():
            problems.append(
                problem(
                    "id_number.impossible_birth_date.future",
                    STRUCTURE_CITATION,
                    value=born.isoformat(),
                )
            )
        elif born.year < EARLIEST_BIRTH_YEAR:
            problems.append(
                problem(
                    "id_number.impossible_birth_date.too_old",
                    STRUCTURE_CITATION,
                    value=born.isoformat(),
                    earliest=EARLIEST_BIRTH_YEAR,
                )
            )
    return problems
