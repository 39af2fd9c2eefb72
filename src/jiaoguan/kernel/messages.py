"""Problem messages for the identifier kernel, in Simplified Chinese and English.

The kernel knows nothing of Django, so it cannot use ``gettext_lazy``. Each message key maps
to a ``(zh, en)`` pair in :data:`MESSAGES`; :func:`message` picks one and fills in the
parameters. Raised errors carry the Chinese text (``Problem.message``); the English text
travels beside it (``LocalisedProblem.message_en``).

Message keys are ``"<kind>.<code>"`` or ``"<kind>.<code>.<variant>"``: the machine code a
caller sees is always the second segment (for example ``"id_number.impossible_birth_date.
future"`` is code ``impossible_birth_date``), so one stable code can have several wordings.

This module also holds the small input-folding helper shared by the parsers
(:func:`fold_input`), since every identifier is typed by people, often with full-width
characters from a Chinese input method.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jiaoguan.kernel.errors import InvalidIdentifier, Problem

#: Inputs longer than this are refused as ``wrong_length`` before any other work.
MAX_INPUT_CHARS = 64

ZH = "zh-hans"
EN = "en"

MESSAGES: dict[str, tuple[str, str]] = {
    # --- generic ---------------------------------------------------------------------------
    "any.not_a_string": ("输入不是文本。", "The input is not text."),
    # --- resident ID number (GB 11643-1999) ------------------------------------------------
    "id_number.wrong_length": (
        "公民身份号码应为18位（旧式号码为15位），当前为{actual}位。",
        "A resident ID number has 18 characters (15 in the legacy form); got {actual}.",
    ),
    "id_number.bad_character": (
        "第{position}位字符“{char}”不合法：前17位只能是数字，第18位是数字或X。",
        "Character {position} ({char}) is not allowed: the first 17 characters are digits "
        "and the 18th is a digit or X.",
    ),
    "id_number.bad_character.legacy": (
        "第{position}位字符“{char}”不合法：15位旧式号码只能由数字组成。",
        "Character {position} ({char}) is not allowed: a 15-digit legacy number has digits only.",
    ),
    "id_number.bad_check_character": (
        "校验码错误：第18位应为“{expected}”，实际为“{actual}”。",
        "Wrong check character: the 18th character should be {expected}, not {actual}.",
    ),
    "id_number.impossible_birth_date": (
        "出生日期码“{value}”不是有效日期。",
        "The birth-date code {value} is not a real date.",
    ),
    "id_number.impossible_birth_date.future": (
        "出生日期{value}晚于今天。",
        "The birth date {value} is in the future.",
    ),
    "id_number.impossible_birth_date.too_old": (
        "出生日期{value}早于{earliest}年，不可能是在世人员的号码。",
        "The birth date {value} is before {earliest}, which cannot belong to a living person.",
    ),
    "id_number.unknown_province": (
        "地址码前两位“{prefix}”不是已知的省级行政区划代码（GB/T 2260），"
        "也不是港澳台居民居住证代码81/82/83。",
        "The address code starts with {prefix}, which is neither a known province code "
        "(GB/T 2260) nor 81/82/83 (residence permits for Hong Kong, Macau and Taiwan residents).",
    ),
    # --- USCC (GB 32100-2015) --------------------------------------------------------------
    "uscc.wrong_length": (
        "统一社会信用代码应为18位，当前为{actual}位。",
        "A unified social credit code has 18 characters; got {actual}.",
    ),
    "uscc.bad_character": (
        "第{position}位字符“{char}”不合法：统一社会信用代码只使用数字和"
        "除I、O、S、V、Z以外的大写字母。",
        "Character {position} ({char}) is not allowed: the code uses digits and capital "
        "letters except I, O, S, V and Z.",
    ),
    "uscc.bad_character.region": (
        "第{position}位字符“{char}”不合法：第3至8位是登记管理机关行政区划码，只能是数字。",
        "Character {position} ({char}) is not allowed: characters 3 to 8 are the "
        "administrative-division code of the registering authority, digits only.",
    ),
    "uscc.bad_check_character": (
        "校验码错误：第18位应为“{expected}”，实际为“{actual}”。",
        "Wrong check character: the 18th character should be {expected}, not {actual}.",
    ),
    "uscc.bad_org_code_check": (
        "内嵌的组织机构代码{org_code}校验码错误：第17位应为“{expected}”，实际为“{actual}”。",
        "The embedded organisation code {org_code} has a wrong check character: "
        "character 17 should be {expected}, not {actual}.",
    ),
    # --- VIN (GB 16735-2019) ---------------------------------------------------------------
    "vin.wrong_length": (
        "车辆识别代号应为17位，当前为{actual}位。",
        "A vehicle identification number has 17 characters; got {actual}.",
    ),
    "vin.bad_character": (
        "第{position}位字符“{char}”不合法：车辆识别代号只使用数字和大写字母，且从不使用I、O、Q。",
        "Character {position} ({char}) is not allowed: a VIN uses digits and capital letters, "
        "and never I, O or Q.",
    ),
    "vin.bad_check_digit": (
        "校验位错误：第9位应为“{expected}”，实际为“{actual}”。",
        "Wrong check digit: character 9 should be {expected}, not {actual}.",
    ),
    "vin.bad_check_digit.imported": (
        "校验位与计算值不符：第9位应为“{expected}”，实际为“{actual}”（进口车辆仅提示，请人工核对）。",
        "The check digit does not match: character 9 should be {expected}, not {actual} "
        "(imported vehicle: a warning only, check it by hand).",
    ),
    "vin.bad_model_year": (
        "第10位年份代码“{char}”不合法：年份代码不使用U、Z和0。",
        "The model-year code {char} (character 10) is not allowed: U, Z and 0 are never used.",
    ),
    # --- plates (GA 36-2018) ---------------------------------------------------------------
    "plate.wrong_length": (
        "号牌号码长度不对：应为{expected}个字符，当前为{actual}个。",
        "The plate number has the wrong length: {expected} characters expected, got {actual}.",
    ),
    "plate.unknown_province_char": (
        "“{char}”不是号牌使用的省级简称。",
        "{char} is not a province character used on plates.",
    ),
    "plate.admin_abbreviation_not_plate": (
        "号牌上不使用“{char}”，应使用“{plate_char}”（号牌使用贵、云、川、陕、甘，"
        "而不是黔、滇、蜀、秦、陇）。",
        "Plates do not use {char}; use {plate_char} (plates use 贵, 云, 川, 陕 and 甘, "
        "not the administrative abbreviations 黔, 滇, 蜀, 秦 and 陇).",
    ),
    "plate.bad_authority_letter": (
        "第2位“{char}”不合法：发牌机关代号是一个大写英文字母。",
        "Character 2 ({char}) is not allowed: the issuing-authority code is one capital letter.",
    ),
    "plate.forbidden_letter_io": (
        "第{position}位是字母“{char}”：号牌序号从不使用字母I和O。",
        "Character {position} is the letter {char}: plate serials never use I or O.",
    ),
    "plate.bad_serial": (
        "第{position}位字符“{char}”不合法：序号只能是数字或字母。",
        "Character {position} ({char}) is not allowed: the serial uses digits and letters only.",
    ),
    "plate.bad_serial.suffix": (
        "{kind_name}的最后一个字符应为“{suffix}”，当前为“{char}”。",
        "The last character of a {kind_name_en} should be {suffix}, not {char}.",
    ),
    "plate.bad_serial.prefix": (
        "{kind_name}应以“{prefix}”开头。",
        "A {kind_name_en} starts with {prefix}.",
    ),
    "plate.bad_nev_layout": (
        "新能源号牌序号“{serial}”格式不对：小型新能源为“能源字母+字母或数字+4位数字”，"
        "大型新能源为“5位数字+能源字母”。",
        "The NEV serial {serial} has the wrong layout: a small NEV plate is energy letter + "
        "letter or digit + 4 digits; a large NEV plate is 5 digits + energy letter.",
    ),
    "plate.bad_energy_letter": (
        "“{char}”不是新能源号牌的能源类型字母：纯电动为D、A、B、C、E，非纯电动为F、G、H、J、K。",
        "{char} is not an NEV energy letter: battery electric is D, A, B, C or E; "
        "non-pure-electric is F, G, H, J or K.",
    ),
    "plate.unsupported_kind": (
        "暂不支持解析“{kind_name}”的号牌格式。",
        "The layout of {kind_name_en} plates is not supported.",
    ),
}


def _is_zh(lang: str) -> bool:
    return lang.lower().startswith("zh")


def message(key: str, lang: str = ZH, **params: Any) -> str:
    """The message for ``key`` in ``lang`` (``"zh-hans"`` or ``"en"``), parameters filled in.

    ``key`` may be a full message key (``"vin.bad_check_digit"``) or a variant key
    (``"vin.bad_check_digit.imported"``). An unknown key gives the key itself, so a missing
    message never hides the code.
    """
    pair = MESSAGES.get(key)
    if pair is None:
        return key
    template = pair[0] if _is_zh(lang) else pair[1]
    return template.format(**params)


def code_of(key: str) -> str:
    """The stable machine code for a message key: its second dotted segment."""
    parts = key.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


@dataclass(frozen=True)
class LocalisedProblem(Problem):
    """A :class:`Problem` that also carries the English message and a severity."""

    message_en: str = ""
    severity: str = "error"

    def as_dict(self) -> dict[str, Any]:
        data = super().as_dict()
        data["message_en"] = self.message_en
        data["severity"] = self.severity
        return data


def problem(
    key: str,
    citation: str | None,
    *,
    field: str | None = None,
    severity: str = "error",
    **params: Any,
) -> LocalisedProblem:
    """Build the problem for ``key`` with the Chinese message and the English beside it."""
    return LocalisedProblem(
        code=code_of(key),
        message=message(key, ZH, **params),
        field=field,
        citation=citation,
        message_en=message(key, EN, **params),
        severity=severity,
    )


def invalid(kind: str, problems: list[LocalisedProblem]) -> InvalidIdentifier:
    """The error to raise for ``problems`` (the first one gives the top-level code)."""
    first = problems[0]
    return InvalidIdentifier(
        first.code,
        first.message,
        field=first.field,
        citation=first.citation,
        problems=list(problems),
        kind=kind,
        message_en=first.message_en,
    )


def show_char(ch: str) -> str:
    """A character as it can be shown in a message (control characters as ``U+XXXX``)."""
    if ch.isprintable() and not ch.isspace():
        return ch
    return f"U+{ord(ch):04X}"


_FULL_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_ASCII_UPPER = {cp: cp - 32 for cp in range(ord("a"), ord("z") + 1)}


def fold_input(raw: str, *, drop: str = "", upper: bool = True) -> str:
    """Normalise typed input: full-width ASCII to half-width, drop whitespace, upper-case.

    Only ASCII letters are upper-cased (``str.upper`` would turn ``ß`` into ``SS`` and change
    the length). Characters listed in ``drop`` (for example the middle dot people type in
    plate numbers) are removed as well.
    """
    text = raw.translate(_FULL_WIDTH)
    text = "".join(ch for ch in text if not ch.isspace() and ch not in drop)
    if upper:
        text = text.translate(_ASCII_UPPER)
    return text


def too_long(raw: str) -> bool:
    """Whether ``raw`` is too long to be any identifier, even before folding.

    Parsers answer ``wrong_length`` at once for such input instead of folding megabytes.
    The bound is generous (whitespace and separators are dropped by folding).
    """
    return len(raw) > MAX_INPUT_CHARS
