"""Unified Social Credit Code (统一社会信用代码), GB 32100-2015.

Rules (DOMAIN.md §1.2, [secondary] sources, check algorithm verified on the standard's
worked example ``91350100M000100Y43``):

* 18 characters over ``0123456789ABCDEFGHJKLMNPQRTUWXY`` (31 characters, no I, O, S, V, Z),
  valued 0–30 in that order.
* Position 1: registration-authority code; position 2: organisation category; positions
  3–8: GB/T 2260 administrative-division code of the registering authority (digits, as in
  hutool's pattern); positions 9–17: the GB 11714 organisation code; position 18: check.
* Check (position 18): ``Wi = 3^(i−1) mod 31`` = ``1 3 9 27 19 26 16 17 20 29 25 13 8 24 10
  30 28``; ``C18 = 31 − (Σ Ci·Wi mod 31)``, 31 → 0.
* Embedded organisation code (GB 11714-1997): first 8 characters valued 0–9 → 0–9 and
  A–Z → 10–35, weights ``3 7 9 10 5 8 4 2``; ``C9 = 11 − (Σ mod 11)``, 10 → ``X``, 11 → ``0``.
* Lists of position-1 and position-2 codes differ between sources, so an unknown leading
  character from the 31-character set is NOT rejected; it simply has no name.

Every single-character substitution is caught by the check: 31 is prime, every weight is
non-zero mod 31 and character values are distinct in 0–30.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Self

from jiaoguan.kernel import regions
from jiaoguan.kernel.messages import LocalisedProblem, fold_input, invalid, problem, show_char
from jiaoguan.kernel.messages import too_long as _too_long

KIND = "uscc"

CITATION = "GB 32100-2015; DOMAIN.md §1.2"
CHECK_CITATION = "GB 32100-2015 check character (mod 31); DOMAIN.md §1.2"
ORG_CODE_CITATION = "GB 11714-1997 organisation code check character; DOMAIN.md §1.2"
REGION_CITATION = (
    "GB 32100-2015 positions 3-8 = GB/T 2260 code (hutool CreditCodeUtil); DOMAIN.md §1.2"
)
AUTHORITY_CITATION = (
    "fdstar/NumberValidators ManagementCode.cs, ManagementKindCode.cs; DOMAIN.md §1.2"
)

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
assert len(CHARSET) == 31
VALUES: dict[str, int] = {c: i for i, c in enumerate(CHARSET)}
WEIGHTS: tuple[int, ...] = tuple(pow(3, i, 31) for i in range(17))
assert WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

ORG_WEIGHTS: tuple[int, ...] = (3, 7, 9, 10, 5, 8, 4, 2)

#: Registration-authority codes (position 1) as listed by fdstar/NumberValidators
#: [secondary]; lists differ between sources, so this only names, never rejects.
AUTHORITIES: dict[str, tuple[str, str]] = {
    "1": ("机构编制", "Institutional establishment"),
    "2": ("外交", "Foreign affairs"),
    "3": ("教育", "Education"),
    "4": ("公安", "Public security"),
    "5": ("民政", "Civil affairs"),
    "6": ("司法", "Justice"),
    "7": ("交通运输", "Transport"),
    "8": ("文化", "Culture"),
    "9": ("工商（市场监管）", "Industry and commerce (market regulation)"),
    "A": ("旅游", "Tourism"),
    "B": ("宗教事务管理", "Religious affairs"),
    "C": ("全国总工会", "All-China Federation of Trade Unions"),
    "D": ("人民解放军总后勤部", "PLA General Logistics Department"),
    "E": ("省级人民政府", "Provincial government"),
    "F": ("地、市（设区）级人民政府", "Prefecture or city government"),
    "G": ("区、县级人民政府", "District or county government"),
    "Y": ("其他", "Other"),
}

#: Organisation categories (position 2) under the authorities that define them.
CATEGORIES: dict[str, dict[str, tuple[str, str]]] = {
    "1": {
        "1": ("机关", "Government organ"),
        "2": ("事业单位", "Public institution"),
        "3": ("中央编办直接管理机构编制的群众团体", "Mass organisation"),
        "9": ("其他", "Other"),
    },
    "5": {
        "1": ("社会团体", "Social organisation"),
        "2": ("民办非企业单位", "Private non-enterprise unit"),
        "3": ("基金会", "Foundation"),
        "9": ("其他", "Other"),
    },
    "9": {
        "1": ("企业", "Enterprise"),
        "2": ("个体工商户", "Individual business"),
        "3": ("农民专业合作社", "Farmers' specialised cooperative"),
    },
}


def _org_value(c: str) -> int:
    if c.isdigit():
        return int(c)
    return ord(c) - ord("A") + 10


def org_code_check_character(first8: str) -> str:
    """The GB 11714 check character for the first 8 characters of an organisation code."""
    if len(first8) != 8 or not all(c in "0123456789" or "A" <= c <= "Z" for c in first8):
        raise ValueError("org_code_check_character() needs 8 characters from 0-9 and A-Z")
    total = sum(_org_value(c) * w for c, w in zip(first8, ORG_WEIGHTS, strict=True))
    c9 = 11 - total % 11
    if c9 == 10:
        return "X"
    if c9 == 11:
        return "0"
    return str(c9)


def check_character(first17: str) -> str:
    """The GB 32100 check character (position 18) for the first 17 characters."""
    if len(first17) != 17 or not all(c in VALUES for c in first17):
        raise ValueError("check_character() needs 17 characters from the USCC character set")
    total = sum(VALUES[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    c18 = 31 - total % 31
    return CHARSET[0 if c18 == 31 else c18]


@dataclass(frozen=True)
class USCC:
    """A valid unified social credit code."""

    value: str

    @property
    def registration_authority(self) -> str:
        return self.value[0]

    @property
    def registration_authority_name(self) -> str | None:
        pair = AUTHORITIES.get(self.value[0])
        return pair[0] if pair else None

    @property
    def category(self) -> str:
        return self.value[1]

    @property
    def category_name(self) -> str | None:
        pair = CATEGORIES.get(self.value[0], {}).get(self.value[1])
        return pair[0] if pair else None

    @property
    def region_code(self) -> str:
        return self.value[2:8]

    @property
    def province_code(self) -> str:
        return self.value[2:4]

    @property
    def province_name(self) -> str | None:
        p = regions.province(self.province_code)
        return p.name_zh if p is not None else None

    @property
    def org_code(self) -> str:
        """The 9-character GB 11714 organisation code (positions 9–17)."""
        return self.value[8:17]

    @property
    def check(self) -> str:
        return self.value[17]

    def as_fields(self) -> dict[str, Any]:
        return {
            "registration_authority": self.registration_authority,
            "registration_authority_name": self.registration_authority_name,
            "category": self.category,
            "category_name": self.category_name,
            "region_code": self.region_code,
            "province_code": self.province_code,
            "province_name": self.province_name,
            "org_code": self.org_code,
            "check_character": self.check,
        }

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, raw: str) -> Self:
        """Normalise and validate ``raw``; raise :class:`InvalidIdentifier` if it is wrong."""
        if _too_long(raw):
            raise invalid(KIND, [problem("uscc.wrong_length", CITATION, actual=len(raw))])
        text = fold_input(raw)
        if len(text) != 18:
            raise invalid(KIND, [problem("uscc.wrong_length", CITATION, actual=len(text))])
        bad: list[LocalisedProblem] = []
        for i, c in enumerate(text):
            if c not in VALUES:
                bad.append(
                    problem("uscc.bad_character", CITATION, position=i + 1, char=show_char(c))
                )
            elif 2 <= i <= 7 and not c.isdigit():
                bad.append(
                    problem(
                        "uscc.bad_character.region",
                        REGION_CITATION,
                        position=i + 1,
                        char=show_char(c),
                    )
                )
        if bad:
            raise invalid(KIND, bad)

        problems: list[LocalisedProblem] = []
        org = text[8:17]
        org_expected = org_code_check_character(org[:8])
        if org[8] != org_expected:
            problems.append(
                problem(
                    "uscc.bad_org_code_check",
                    ORG_CODE_CITATION,
                    org_code=org,
                    expected=org_expected,
                    actual=org[8],
                )
            )
        expected = check_character(text[:17])
        if text[17] != expected:
            problems.append(
                problem(
                    "uscc.bad_check_character", CHECK_CITATION, expected=expected, actual=text[17]
                )
            )
        if problems:
            raise invalid(KIND, problems)
        return cls(value=text)

    @classmethod
    def generate(
        cls,
        region_code: str,
        org_body: str,
        *,
        authority: str = "9",
        category: str = "1",
    ) -> Self:
        """Build a valid code (for the demo seeder and tests).

        ``org_body`` is the 8-character organisation code without its check character; its
        characters must come from the USCC character set. Raises ValueError on bad input.
        """
        if len(region_code) != 6 or not region_code.isascii() or not region_code.isdigit():
            raise ValueError("region_code must be 6 ASCII digits")
        head = authority + category + region_code + org_body
        if len(head) != 16 or not all(c in VALUES for c in head):
            raise ValueError("authority, category and org_body must use the USCC character set")
        first17 = head + org_code_check_character(org_body)
        return cls.parse(first17 + check_character(first17))
