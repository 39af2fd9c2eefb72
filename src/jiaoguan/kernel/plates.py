"""Number plates (号牌号码), GA 36-2018.

Rules (DOMAIN.md §3.1, §3.2, §10):

* Ordinary plate: province character + issuing-authority letter (A–Z) + 5-character serial
  of digits and letters, never I or O [secondary: ``lawliet467/js-utils`` isCarNum.js].
* Province characters: the 31 of DOMAIN.md §10. Plates use 贵, 云, 川, 陕, 甘, never the
  administrative abbreviations 黔, 滇, 蜀, 秦, 陇.
* New-energy (NEV) plates have a 6-character serial (8 characters in all). Energy letters:
  D, A, B, C, E = battery electric; F, G, H, J, K = non-pure-electric (all ten accepted).
  Small NEV (52): energy letter + letter or digit + 4 digits. Large NEV (51): 5 digits +
  energy letter [secondary: yuyouke.com, pay1999.com, ``me.qin.VehicleNoUtil``].
* Suffix kinds: trailer …挂 (15), coach …学 (16), police …警 (23), consulate …领 (04); the
  Hong Kong / Macau cross-border plates are 粤Z…港 (26) / 粤Z…澳 (27). These have a
  4-character serial before the suffix.
* Kind codes follow the GA 24.7 order used by 12123 and vendor systems (01–27, 51, 52); the
  official GA 24.7 table itself is [unconfirmed] (DOMAIN.md §3.2).
* The issuing-authority letter may be any letter A–Z: the reported conventions (``O`` for
  police/government vehicles in some provinces, ``I`` not issued) are not confirmed as
  national rules, so they are not enforced here.

Kinds whose layout we have not read in GA 36 (embassy 03, overseas/foreign 05/06,
low-speed 13, tractor 14, test 18, temporary entry 20, temporary 22) parse as
``unsupported_kind`` instead of being guessed.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Self

from jiaoguan.kernel import regions
from jiaoguan.kernel.messages import (
    LocalisedProblem,
    fold_input,
    invalid,
    problem,
    show_char,
    too_long,
)

KIND = "plate"

CITATION = "GA 36-2018; DOMAIN.md §3.1"
PROVINCE_CITATION = "GA 36-2018 province characters; DOMAIN.md §3.1, §10"
NEV_CITATION = "GA 36-2018 new-energy plates (energy letters D/A/B/C/E, F/G/H/J/K); DOMAIN.md §3.1"
KIND_CITATION = (
    "GA 24.7 plate kinds (order as used by 12123, official table unconfirmed); DOMAIN.md §3.2"
)

LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
DIGITS = frozenset("0123456789")
SERIAL_CHARS = (LETTERS | DIGITS) - {"I", "O"}

BATTERY_ELECTRIC_LETTERS = "DABCE"
NON_PURE_ELECTRIC_LETTERS = "FGHJK"
ENERGY_LETTERS = BATTERY_ELECTRIC_LETTERS + NON_PURE_ELECTRIC_LETTERS

#: Separators people type inside plate numbers (苏A·12345, 苏A-12345) that are dropped.
SEPARATORS = "·•・‧.-_"


class Layout(enum.StrEnum):
    ORDINARY = "ordinary"
    SUFFIX = "suffix"
    SMALL_NEV = "small_nev"
    LARGE_NEV = "large_nev"


@dataclass(frozen=True)
class KindInfo:
    name_zh: str
    name_en: str
    colour_zh: str | None
    colour_en: str | None
    layout: Layout | None
    suffix: str | None = None
    prefix: str | None = None  # province character + authority letter required by the kind


class PlateKind(enum.StrEnum):
    """Plate kinds with their GA 24.7 codes (DOMAIN.md §3.2)."""

    LARGE_CAR = "01"
    SMALL_CAR = "02"
    EMBASSY_CAR = "03"
    CONSULATE_CAR = "04"
    OVERSEAS_CAR = "05"
    FOREIGN_CAR = "06"
    MOTORCYCLE = "07"
    LIGHT_MOTORCYCLE = "08"
    LOW_SPEED = "13"
    TRACTOR = "14"
    TRAILER = "15"
    COACH = "16"
    TEST_CAR = "18"
    TEMPORARY_ENTRY = "20"
    TEMPORARY = "22"
    POLICE = "23"
    HONG_KONG = "26"
    MACAU = "27"
    LARGE_NEV = "51"
    SMALL_NEV = "52"

    @property
    def info(self) -> KindInfo:
        return KIND_INFO[self]

    @property
    def name_zh(self) -> str:
        return KIND_INFO[self].name_zh

    @property
    def name_en(self) -> str:
        return KIND_INFO[self].name_en

    @property
    def colour_zh(self) -> str | None:
        return KIND_INFO[self].colour_zh

    @property
    def colour_en(self) -> str | None:
        return KIND_INFO[self].colour_en


_YELLOW = ("黄底黑字", "yellow, black characters")
_BLUE = ("蓝底白字", "blue, white characters")
_BLACK = ("黑底白字", "black, white characters")

KIND_INFO: dict[PlateKind, KindInfo] = {
    PlateKind.LARGE_CAR: KindInfo("大型汽车号牌", "large vehicle plate", *_YELLOW, Layout.ORDINARY),
    PlateKind.SMALL_CAR: KindInfo("小型汽车号牌", "small vehicle plate", *_BLUE, Layout.ORDINARY),
    PlateKind.EMBASSY_CAR: KindInfo(
        "使馆汽车号牌",
        "embassy vehicle plate",
        "黑底白字，红“使”字",
        "black, white characters, red 使",
        None,
    ),
    PlateKind.CONSULATE_CAR: KindInfo(
        "领馆汽车号牌",
        "consulate vehicle plate",
        "黑底白字，红“领”字",
        "black, white characters, red 领",
        Layout.SUFFIX,
        suffix="领",
    ),
    PlateKind.OVERSEAS_CAR: KindInfo(
        "境外汽车号牌", "overseas vehicle plate", "黑底", "black", None
    ),
    PlateKind.FOREIGN_CAR: KindInfo("外籍汽车号牌", "foreign vehicle plate", "黑底", "black", None),
    PlateKind.MOTORCYCLE: KindInfo(
        "普通摩托车号牌",
        "motorcycle plate",
        "黄底黑字",
        "yellow, black characters",
        Layout.ORDINARY,
    ),
    PlateKind.LIGHT_MOTORCYCLE: KindInfo(
        "轻便摩托车号牌",
        "light motorcycle plate",
        "蓝底白字",
        "blue, white characters",
        Layout.ORDINARY,
    ),
    PlateKind.LOW_SPEED: KindInfo("低速车号牌", "low-speed vehicle plate", None, None, None),
    PlateKind.TRACTOR: KindInfo("拖拉机号牌", "tractor plate", None, None, None),
    PlateKind.TRAILER: KindInfo("挂车号牌", "trailer plate", *_YELLOW, Layout.SUFFIX, suffix="挂"),
    PlateKind.COACH: KindInfo(
        "教练汽车号牌", "driving-school vehicle plate", *_YELLOW, Layout.SUFFIX, suffix="学"
    ),
    PlateKind.TEST_CAR: KindInfo("试验汽车号牌", "test vehicle plate", None, None, None),
    PlateKind.TEMPORARY_ENTRY: KindInfo(
        "临时入境汽车号牌", "temporary entry vehicle plate", None, None, None
    ),
    PlateKind.TEMPORARY: KindInfo(
        "临时行驶车号牌", "temporary driving plate", "纸质", "paper", None
    ),
    PlateKind.POLICE: KindInfo(
        "警用汽车号牌",
        "police vehicle plate",
        "白底黑字，红“警”字",
        "white, black characters, red 警",
        Layout.SUFFIX,
        suffix="警",
    ),
    PlateKind.HONG_KONG: KindInfo(
        "香港入出境车号牌",
        "Hong Kong cross-border vehicle plate",
        *_BLACK,
        Layout.SUFFIX,
        suffix="港",
        prefix="粤Z",
    ),
    PlateKind.MACAU: KindInfo(
        "澳门入出境车号牌",
        "Macau cross-border vehicle plate",
        *_BLACK,
        Layout.SUFFIX,
        suffix="澳",
        prefix="粤Z",
    ),
    PlateKind.LARGE_NEV: KindInfo(
        "大型新能源汽车号牌",
        "large new-energy vehicle plate",
        "黄绿双拼色",
        "yellow-green split",
        Layout.LARGE_NEV,
    ),
    PlateKind.SMALL_NEV: KindInfo(
        "小型新能源汽车号牌",
        "small new-energy vehicle plate",
        "渐变绿色",
        "gradient green",
        Layout.SMALL_NEV,
    ),
}
assert set(KIND_INFO) == set(PlateKind)

SUFFIX_KINDS: dict[str, PlateKind] = {
    info.suffix: kind for kind, info in KIND_INFO.items() if info.suffix is not None
}

#: Kinds sharing the ordinary 7-character layout: the layout alone cannot tell them apart
#: (blue 02 and yellow 01 look the same in text), so an inferred kind lists them all.
ORDINARY_KINDS: tuple[PlateKind, ...] = (
    PlateKind.SMALL_CAR,
    PlateKind.LARGE_CAR,
    PlateKind.MOTORCYCLE,
    PlateKind.LIGHT_MOTORCYCLE,
)


def energy_type(letter: str) -> str | None:
    """``battery_electric`` / ``non_pure_electric`` for an NEV energy letter, else None."""
    if letter in BATTERY_ELECTRIC_LETTERS:
        return "battery_electric"
    if letter in NON_PURE_ELECTRIC_LETTERS:
        return "non_pure_electric"
    return None


@dataclass(frozen=True)
class Plate:
    """A valid plate number with its (given or inferred) kind."""

    value: str
    kind: PlateKind
    kind_inferred: bool = False
    possible_kinds: tuple[PlateKind, ...] = ()

    @property
    def province_char(self) -> str:
        return self.value[0]

    @property
    def province(self) -> regions.Province:
        p = regions.province_by_plate_char(self.value[0])
        assert p is not None
        return p

    @property
    def province_code(self) -> str:
        return self.province.code

    @property
    def province_name(self) -> str:
        return self.province.name_zh

    @property
    def authority_letter(self) -> str:
        return self.value[1]

    @property
    def prefix(self) -> str:
        """Province character + issuing-authority letter, e.g. ``苏A``."""
        return self.value[:2]

    @property
    def suffix(self) -> str | None:
        return self.kind.info.suffix

    @property
    def serial(self) -> str:
        """The serial after the authority letter, without a kind suffix (挂/学/警/…)."""
        return self.value[2:-1] if self.suffix else self.value[2:]

    @property
    def energy_type(self) -> str | None:
        if self.kind is PlateKind.SMALL_NEV:
            return energy_type(self.value[2])
        if self.kind is PlateKind.LARGE_NEV:
            return energy_type(self.value[-1])
        return None

    def as_fields(self) -> dict[str, Any]:
        return {
            "province_char": self.province_char,
            "province_code": self.province_code,
            "province_name": self.province_name,
            "authority_letter": self.authority_letter,
            "serial": self.serial,
            "suffix": self.suffix,
            "kind": self.kind.value,
            "kind_name_zh": self.kind.name_zh,
            "kind_name_en": self.kind.name_en,
            "colour_zh": self.kind.colour_zh,
            "colour_en": self.kind.colour_en,
            "kind_inferred": self.kind_inferred,
            "possible_kinds": [k.value for k in self.possible_kinds],
            "energy_type": self.energy_type,
        }

    def __str__(self) -> str:
        return self.value

    # --- parsing -----------------------------------------------------------------------------
    @classmethod
    def parse(cls, raw: str, *, kind: PlateKind | None = None) -> Self:
        """Normalise and validate ``raw``; raise :class:`InvalidIdentifier` if it is wrong.

        Spaces and separators (``·``, ``-``) are dropped and letters upper-cased. Without
        ``kind`` the kind is inferred from the layout: a 挂/学/警/领/港/澳 suffix gives its
        kind; 8 characters give a small or large NEV plate; 7 plain characters give a small
        car (02) by default, with ``possible_kinds`` listing every kind of that layout.
        """
        if too_long(raw):
            raise invalid(
                KIND, [problem("plate.wrong_length", CITATION, expected="7–8", actual=len(raw))]
            )
        text = fold_input(raw, drop=SEPARATORS)
        if kind is not None:
            kind = PlateKind(kind)
        problems: list[LocalisedProblem] = []

        head = _province_problem(text)
        if head is not None:
            problems.append(head)
        if kind is not None and kind.info.layout is None:
            problems.append(
                problem(
                    "plate.unsupported_kind",
                    KIND_CITATION,
                    kind_name=kind.name_zh,
                    kind_name_en=kind.name_en,
                )
            )
            raise invalid(KIND, problems)

        layout, inferred_kind, possible = _layout_for(text, kind)
        expected_len = 8 if layout in (Layout.SMALL_NEV, Layout.LARGE_NEV) else 7
        if len(text) != expected_len:
            expected = "7–8" if kind is None else str(expected_len)
            problems.append(
                problem("plate.wrong_length", CITATION, expected=expected, actual=len(text))
            )
            raise invalid(KIND, problems)

        letter = text[1]
        if letter not in LETTERS:
            problems.append(problem("plate.bad_authority_letter", CITATION, char=show_char(letter)))
        final_kind = kind if kind is not None else inferred_kind
        if layout is Layout.ORDINARY:
            problems.extend(_serial_problems(text, range(2, 7)))
        elif layout is Layout.SUFFIX:
            problems.extend(_suffix_problems(text, final_kind))
        else:
            problems.extend(_nev_problems(text, layout))
        if problems:
            raise invalid(KIND, problems)
        return cls(
            value=text,
            kind=final_kind,
            kind_inferred=kind is None,
            possible_kinds=possible if kind is None else (final_kind,),
        )

    # --- generation --------------------------------------------------------------------------
    @classmethod
    def generate(
        cls,
        prefix: str,
        serial: str,
        kind: PlateKind = PlateKind.SMALL_CAR,
    ) -> Self:
        """Build a valid plate: ``prefix`` is e.g. ``"苏A"``; ``serial`` excludes any suffix.

        ``Plate.generate("苏A", "1234", PlateKind.TRAILER)`` gives ``苏A1234挂``.
        """
        suffix = PlateKind(kind).info.suffix or ""
        return cls.parse(prefix + serial + suffix, kind=kind)


def _province_problem(text: str) -> LocalisedProblem | None:
    if not text:
        return None
    first = text[0]
    if regions.province_by_plate_char(first) is not None:
        return None
    plate_char = regions.ADMIN_ABBREVIATIONS_NOT_ON_PLATES.get(first)
    if plate_char is not None:
        return problem(
            "plate.admin_abbreviation_not_plate",
            PROVINCE_CITATION,
            char=first,
            plate_char=plate_char,
        )
    return problem("plate.unknown_province_char", PROVINCE_CITATION, char=show_char(first))


def _layout_for(
    text: str, kind: PlateKind | None
) -> tuple[Layout, PlateKind, tuple[PlateKind, ...]]:
    """The layout to check ``text`` against, the kind to report and the possible kinds."""
    if kind is not None:
        layout = kind.info.layout
        assert layout is not None
        return layout, kind, (kind,)
    if text and text[-1] in SUFFIX_KINDS:
        suffix_kind = SUFFIX_KINDS[text[-1]]
        return Layout.SUFFIX, suffix_kind, (suffix_kind,)
    if len(text) == 8:
        # Small NEV serials start with the energy letter, large ones with a digit.
        if text[2] in LETTERS:
            return Layout.SMALL_NEV, PlateKind.SMALL_NEV, (PlateKind.SMALL_NEV,)
        return Layout.LARGE_NEV, PlateKind.LARGE_NEV, (PlateKind.LARGE_NEV,)
    return Layout.ORDINARY, PlateKind.SMALL_CAR, ORDINARY_KINDS


def _serial_problems(text: str, positions: range) -> list[LocalisedProblem]:
    out: list[LocalisedProblem] = []
    for i in positions:
        c = text[i]
        if c in ("I", "O"):
            out.append(problem("plate.forbidden_letter_io", CITATION, position=i + 1, char=c))
        elif c not in SERIAL_CHARS:
            out.append(problem("plate.bad_serial", CITATION, position=i + 1, char=show_char(c)))
    return out


def _suffix_problems(text: str, kind: PlateKind) -> list[LocalisedProblem]:
    info = kind.info
    out = _serial_problems(text, range(2, 6))
    if text[-1] != info.suffix:
        out.append(
            problem(
                "plate.bad_serial.suffix",
                KIND_CITATION,
                kind_name=info.name_zh,
                kind_name_en=info.name_en,
                suffix=info.suffix,
                char=show_char(text[-1]),
            )
        )
    if info.prefix is not None and not text.startswith(info.prefix):
        out.append(
            problem(
                "plate.bad_serial.prefix",
                KIND_CITATION,
                kind_name=info.name_zh,
                kind_name_en=info.name_en,
                prefix=info.prefix,
            )
        )
    return out


def _nev_problems(text: str, layout: Layout) -> list[LocalisedProblem]:
    serial = text[2:]
    io = [
        problem("plate.forbidden_letter_io", NEV_CITATION, position=i + 3, char=c)
        for i, c in enumerate(serial)
        if c in ("I", "O")
    ]
    if io:
        return io
    if layout is Layout.SMALL_NEV:
        energy, body_ok = serial[0], (serial[1] in SERIAL_CHARS and set(serial[2:]) <= DIGITS)
    else:
        energy, body_ok = serial[5], set(serial[:5]) <= DIGITS
    out: list[LocalisedProblem] = []
    if energy in LETTERS and energy not in ENERGY_LETTERS:
        out.append(problem("plate.bad_energy_letter", NEV_CITATION, char=energy))
    if not body_ok or energy not in LETTERS:
        out.append(problem("plate.bad_nev_layout", NEV_CITATION, serial=show_serial(serial)))
    return out


def show_serial(serial: str) -> str:
    return "".join(show_char(c) for c in serial)
