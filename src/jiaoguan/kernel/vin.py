"""Vehicle identification number (车辆识别代号), GB 16735-2019 / ISO 3779.

Rules (DOMAIN.md §2, [secondary] source hutool ``VIN.java`` citing GB 16735-2019 Annex A;
check digit [verified] on ``1M8GDM9AXKP042788`` → X and ``LSJA24U62JG269225`` → 2):

* 17 characters, digits and capital letters, never I, O or Q.
* WMI = positions 1–3; VDS = positions 4–9 (9 = check digit); VIS = positions 10–17
  (10 = model year, 11 = assembly plant, 12–17 = serial). When position 3 is ``9`` (a maker
  building fewer than 1,000 vehicles a year), positions 12–14 extend the WMI to 6
  characters and the serial is positions 15–17.
* Check digit: transliterate (A=1 … H=8, J=1 … N=5, P=7, R=9, S=2 … Z=9, digits as
  themselves), weights ``8 7 6 5 4 3 2 10 0 9 8 7 6 5 4 3 2``, sum mod 11, 10 written ``X``.
* Enforcement: the check digit is reported mandatory under GB 16735 for vehicles made in
  China (WMI starting with ``L``) but optional under plain ISO 3779. DOMAIN.md recommends
  enforcing it for domestic vehicles and only warning for imports (the clause text of the
  standard itself is [unconfirmed]).
* Model year (position 10) cycles every 30 years over ``ABCDEFGHJKLMNPRSTVWXY123456789``
  (no I, O, Q, U, Z, 0): A = 1980/2010, Y = 2000/2030, 1 = 2001/2031.

What the check guarantees: the weight of position 9 is 0 and every other weight is non-zero
mod 11, and transliterated values lie in 0–9, so replacing one character (other than the
check digit) changes the sum mod 11 **unless the new character has the same transliterated
value** (A, J and 1 are all 1; B, K, S and 2 are all 2; …). Such substitutions cannot be
detected by any VIN check digit. Replacing the check digit itself is always detected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Self

from jiaoguan.kernel.errors import Warning_
from jiaoguan.kernel.messages import (
    EN,
    LocalisedProblem,
    fold_input,
    invalid,
    message,
    problem,
    show_char,
    too_long,
)

KIND = "vin"

CITATION = "GB 16735-2019 / ISO 3779; DOMAIN.md §2"
CHECK_CITATION = "GB 16735-2019 Annex A (check digit, Tables A.2, A.3); DOMAIN.md §2"
IMPORT_CITATION = (
    "GB 16735-2019 check digit; imported vehicles warned, not refused (DOMAIN.md §2 "
    "recommendation; clause text unconfirmed)"
)
MODEL_YEAR_CITATION = "GB 16735-2019 model-year code (30-year cycle); DOMAIN.md §2"

ALLOWED = frozenset("0123456789ABCDEFGHJKLMNPRSTUVWXYZ")
assert not ALLOWED & set("IOQ")

TRANSLITERATION: dict[str, int] = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
assert set(TRANSLITERATION) == ALLOWED

WEIGHTS: tuple[int, ...] = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)

MODEL_YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY123456789"
assert len(MODEL_YEAR_CODES) == 30
MODEL_YEAR_BASE = 1980
#: WMI first characters assigned to China (ISO 3780 region L).
DOMESTIC_WMI_PREFIXES = frozenset("L")


def check_digit(vin17: str) -> str:
    """The check digit for a 17-character VIN (whatever is at position 9 is ignored)."""
    if len(vin17) != 17 or not all(c in ALLOWED for c in vin17):
        raise ValueError("check_digit() needs 17 VIN characters (digits and A-Z except I, O, Q)")
    total = sum(TRANSLITERATION[c] * w for c, w in zip(vin17, WEIGHTS, strict=True))
    r = total % 11
    return "X" if r == 10 else str(r)


def model_years(code: str) -> tuple[int, int]:
    """The two candidate model years of a position-10 code (``"A"`` → (1980, 2010))."""
    i = MODEL_YEAR_CODES.index(code)
    return (MODEL_YEAR_BASE + i, MODEL_YEAR_BASE + 30 + i)


def _year_code(year: int) -> str:
    return MODEL_YEAR_CODES[(year - MODEL_YEAR_BASE) % 30]


@dataclass(frozen=True)
class VIN:
    """A VIN that passed the rules (imports may carry a check-digit warning)."""

    value: str
    domestic: bool
    warnings: tuple[Warning_, ...] = field(default=(), compare=False)

    @property
    def small_maker(self) -> bool:
        """Position 3 is ``9``: a maker of fewer than 1,000 vehicles a year."""
        return self.value[2] == "9"

    @property
    def wmi(self) -> str:
        """World manufacturer identifier: 3 characters, or 6 for small makers."""
        v = self.value
        return v[:3] + v[11:14] if self.small_maker else v[:3]

    @property
    def vds(self) -> str:
        """Vehicle descriptor section, positions 4–9 (including the check digit)."""
        return self.value[3:9]

    @property
    def vis(self) -> str:
        """Vehicle indicator section, positions 10–17."""
        return self.value[9:]

    @property
    def check_digit(self) -> str:
        return self.value[8]

    @property
    def check_digit_valid(self) -> bool:
        return check_digit(self.value) == self.value[8]

    @property
    def model_year_code(self) -> str:
        return self.value[9]

    @property
    def model_year_candidates(self) -> tuple[int, int]:
        return model_years(self.value[9])

    @property
    def plant_code(self) -> str:
        return self.value[10]

    @property
    def serial(self) -> str:
        return self.value[14:] if self.small_maker else self.value[11:]

    def as_fields(self) -> dict[str, Any]:
        return {
            "wmi": self.wmi,
            "vds": self.vds,
            "vis": self.vis,
            "check_digit": self.check_digit,
            "check_digit_valid": self.check_digit_valid,
            "model_year_code": self.model_year_code,
            "model_year_candidates": list(self.model_year_candidates),
            "plant_code": self.plant_code,
            "serial": self.serial,
            "small_maker": self.small_maker,
            "domestic": self.domestic,
        }

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, raw: str, *, imported: bool | None = None) -> Self:
        """Normalise and validate ``raw``; raise :class:`InvalidIdentifier` if it is wrong.

        ``imported``: True for an imported vehicle, False for one made in China, None to
        decide from the WMI (``L`` = China). A wrong check digit is an error for domestic
        vehicles and a warning (in ``warnings``) for imports.
        """
        if too_long(raw):
            raise invalid(KIND, [problem("vin.wrong_length", CITATION, actual=len(raw))])
        text = fold_input(raw)
        if len(text) != 17:
            raise invalid(KIND, [problem("vin.wrong_length", CITATION, actual=len(text))])
        bad = [
            problem("vin.bad_character", CITATION, position=i + 1, char=show_char(c))
            for i, c in enumerate(text)
            if c not in ALLOWED
        ]
        if bad:
            raise invalid(KIND, bad)

        domestic = (text[0] in DOMESTIC_WMI_PREFIXES) if imported is None else not imported
        problems: list[LocalisedProblem] = []
        warnings: list[Warning_] = []
        if text[9] not in MODEL_YEAR_CODES:
            problems.append(problem("vin.bad_model_year", MODEL_YEAR_CITATION, char=text[9]))
        expected = check_digit(text)
        if text[8] != expected:
            if domestic:
                problems.append(
                    problem(
                        "vin.bad_check_digit", CHECK_CITATION, expected=expected, actual=text[8]
                    )
                )
            else:
                key = "vin.bad_check_digit.imported"
                params = {"expected": expected, "actual": text[8]}
                warnings.append(
                    Warning_(
                        code="bad_check_digit",
                        message=message(key, **params),
                        citation=IMPORT_CITATION,
                        extra={"message_en": message(key, EN, **params), **params},
                    )
                )
        if problems:
            raise invalid(KIND, problems)
        return cls(value=text, domestic=domestic, warnings=tuple(warnings))

    @classmethod
    def generate(cls, wmi: str, vds5: str, year_code: str, plant: str, serial: str) -> Self:
        """Build a valid VIN with a correct check digit (for the demo seeder and tests).

        ``wmi`` is 3 characters, or 6 for a small maker (third character ``9``; characters
        4–6 go to positions 12–14 and ``serial`` is then 3 characters, otherwise 6).
        ``year_code`` is one character of the model-year cycle, or a 4-digit year.
        """
        if len(year_code) == 4 and year_code.isdigit():
            year_code = _year_code(int(year_code))
        if len(wmi) == 6:
            if wmi[2] != "9":
                raise ValueError("a 6-character WMI needs '9' as its third character")
            tail = wmi[3:] + serial
            if len(serial) != 3:
                raise ValueError("a small maker's serial has 3 characters")
        elif len(wmi) == 3:
            tail = serial
            if len(serial) != 6:
                raise ValueError("the serial has 6 characters")
        else:
            raise ValueError("wmi must have 3 or 6 characters")
        if len(vds5) != 5 or len(year_code) != 1 or len(plant) != 1:
            raise ValueError("vds5 has 5 characters; year_code and plant have 1")
        if year_code not in MODEL_YEAR_CODES:
            raise ValueError(f"year_code must be one of {MODEL_YEAR_CODES}")
        draft = wmi[:3] + vds5 + "0" + year_code + plant + tail
        if not all(c in ALLOWED for c in draft):
            raise ValueError("VIN characters are digits and A-Z except I, O, Q")
        return cls.parse(draft[:8] + check_digit(draft) + draft[9:])
