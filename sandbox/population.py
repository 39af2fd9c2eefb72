"""A deterministic simulated population register, keyed by resident ID number.

Every well-formed resident ID number (GB 11643-1999) names exactly one simulated person:
:func:`name_for` derives a realistic Chinese name from the SM3 digest of the number, and
:func:`is_deceased` marks a small deterministic fraction (about 1 in 256) as deceased. The
jiaoguan demo seeder calls :func:`name_for` to name the people it creates, so they always
verify against the sandbox identity platform.

The sandbox is an independent party: it implements the GB 11643 check (ISO 7064 MOD 11-2)
itself rather than importing jiaoguan's kernel.
"""

from __future__ import annotations

import datetime as dt

from cryptography.hazmat.primitives import hashes

#: ISO 7064 MOD 11-2 weights for the first 17 characters, and the check character for
#: each remainder (GB 11643-1999, 5.2).
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"

#: Province-level prefixes (GB/T 2260) plus 81/82/83 (residence permits for residents of
#: Hong Kong, Macao and Taiwan).
PROVINCE_PREFIXES = frozenset(
    {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37"}
    | {"41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63"}
    | {"64", "65", "71", "81", "82", "83"}
)

#: 60 of the most common surnames, roughly in order of frequency.
SURNAMES = tuple(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹"
    "彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金"
)
assert len(SURNAMES) == 60 and len(set(SURNAMES)) == 60

#: Given-name characters, chosen by the sex encoded in the ID number (17th digit odd = male).
MALE_CHARS = tuple(
    "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩"  # 20
    "凯健俊帆帅旭宁龙林阳建国志文博晨轩然峰"  # 19
)
FEMALE_CHARS = tuple(
    "芳娜敏静丽艳娟霞秀玲英婷雪慧莉倩琳颖洁梅"  # 20
    "兰晶燕欣怡佳悦雨萱思梦瑶琪璐涵月春红丹"  # 19
)


def _sm3(purpose: str, id_number: str) -> bytes:
    h = hashes.Hash(hashes.SM3())
    h.update(f"jiaoguan-sandbox:{purpose}:{normalise(id_number)}".encode())
    return h.finalize()


def normalise(id_number: str) -> str:
    """Strip surrounding blanks and upper-case a trailing ``x``."""
    return id_number.strip().upper()


def check_char(first17: str) -> str:
    """The GB 11643 check character for 17 ASCII digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("the first 17 characters of an ID number are ASCII digits")
    return CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True)) % 11]


def is_valid(id_number: str, *, today: dt.date | None = None) -> bool:
    """Whether ``id_number`` could be on the register: 18 characters, a known province, a
    real birth date not in the future, and the right check character."""
    text = normalise(id_number)
    if len(text) != 18 or not text[:17].isascii() or not text[:17].isdigit():
        return False
    if text[:2] not in PROVINCE_PREFIXES:
        return False
    try:
        born = dt.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return False
    if born.year < 1900 or born > (today or dt.date.today()):
        return False
    return text[17] == check_char(text[:17])


def make_id_number(region_code: str, birth_date: dt.date, sequence: int) -> str:
    """A well-formed ID number (for tests and demos): 6-digit region, birth date, 3-digit
    sequence (odd for men, even for women) and the check character."""
    if not 0 <= sequence <= 999:
        raise ValueError("sequence is 0..999")
    first17 = f"{region_code}{birth_date:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)


def name_for(id_number: str) -> str:
    """The registered name of the person with this ID number (deterministic).

    A surname from :data:`SURNAMES` and one (a quarter of people) or two given-name
    characters, picked by the SM3 digest of the number; the given-name characters follow the
    sex encoded in the 17th character when it is a digit.
    """
    digest = _sm3("name", id_number)
    text = normalise(id_number)
    male = len(text) >= 17 and text[16].isdigit() and int(text[16]) % 2 == 1
    chars = MALE_CHARS if male else FEMALE_CHARS
    surname = SURNAMES[int.from_bytes(digest[0:2], "big") % len(SURNAMES)]
    given = chars[int.from_bytes(digest[2:4], "big") % len(chars)]
    if digest[4] % 4 != 0:
        given += chars[int.from_bytes(digest[5:7], "big") % len(chars)]
    return surname + given


def is_deceased(id_number: str) -> bool:
    """True for about 1 in 256 ID numbers (the first byte of an SM3 digest is zero)."""
    return _sm3("deceased", id_number)[0] == 0
