"""Pure rules of the platforms app: share-code shape and lifetime, throttling of lookups, the
facts a share discloses, and the legal basis of each kind of read of a person's data.

Each rule names its source. Issue 4 (measure 6, linked government platforms) is the source of
the share lifetime; the legal bases cite the Personal Information Protection Law of the PRC
(个人信息保护法, "PIPL", in force since 2021-11-01).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

# ---- share codes ---------------------------------------------------------------------------

#: How long a share code lets a desk check the licence. Source: issue 4, item 6 ("valid 21
#: days, revocable"). In force from the first release of share codes.
SHARE_VALIDITY = dt.timedelta(days=21)
SHARE_VALIDITY_SOURCE = "issue 4 (measure 6), item 6: share code valid 21 days, revocable"

#: Letters and digits that cannot be confused when read over the phone or typed from paper:
#: no 0/O, 1/I/L, and no U/V pair (29 symbols).
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
#: 12 symbols of 29: 29**12 ≈ 3.5e17 codes (58 bits). With at most ``LOOKUP_MAX_FAILURES``
#: wrong guesses per address per ``LOOKUP_WINDOW``, guessing one live code is hopeless.
CODE_LENGTH = 12
CODE_GROUP = 4

#: Wrong codes one client address may try per window before every lookup answers 429.
LOOKUP_MAX_FAILURES = 10
LOOKUP_WINDOW = dt.timedelta(minutes=15)


def format_code(code: str) -> str:
    """``ABCD2345EFGH`` -> ``ABCD-2345-EFGH`` (easier to read aloud)."""
    return "-".join(code[i : i + CODE_GROUP] for i in range(0, len(code), CODE_GROUP))


def normalise_code(text: str) -> str | None:
    """The canonical code in ``text`` (case, spaces and dashes ignored), or None when it cannot
    be a share code at all."""
    compact = "".join(ch for ch in (text or "")[:64].upper() if ch not in " -\t")
    if len(compact) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in compact):
        return None
    return compact


# ---- the facts a share discloses -------------------------------------------------------------


@dataclass(frozen=True)
class LicenceData:
    """What the rules need of a licence (plain data, no ORM)."""

    holder_name: str
    classes: str
    status: str  # registry LicenceStatus value
    valid_until: dt.date | None  # None: permanent
    points: int
    first_issue_date: dt.date


FACT_ORDER = ("name", "classes", "valid", "valid_until", "points", "first_issue_date")


def licence_valid(licence: LicenceData, *, on: dt.date) -> bool:
    """Valid and not suspended: status ``valid`` (not expired, suspended/detained, revoked or
    cancelled) and not past its validity date (R162 Art. 13 terms)."""
    return licence.status == "valid" and (licence.valid_until is None or licence.valid_until >= on)


def licence_facts(chosen: list[str], licence: LicenceData, *, on: dt.date) -> dict[str, Any]:
    """Exactly the chosen facts of ``licence`` on date ``on``, in a fixed order; nothing else.
    ``valid_until`` is None for a permanent licence."""
    every: dict[str, Any] = {
        "name": licence.holder_name,
        "classes": licence.classes,
        "valid": licence_valid(licence, on=on),
        "valid_until": licence.valid_until.isoformat() if licence.valid_until else None,
        "points": licence.points,
        "first_issue_date": licence.first_issue_date.isoformat(),
    }
    wanted = set(chosen)
    return {key: every[key] for key in FACT_ORDER if key in wanted}


# ---- legal basis of reads ------------------------------------------------------------------


@dataclass(frozen=True)
class LegalBasis:
    text_zh: str
    text_en: str
    citation: str
    in_force_from: dt.date = dt.date(2021, 11, 1)

    def text(self, lang: str | None) -> str:
        return self.text_en if (lang or "").startswith("en") else self.text_zh


CONSENT = LegalBasis(
    "个人同意（可随时撤回）",
    "The person's consent (withdrawable at any time)",
    "PIPL Art. 13(1)(1), Art. 14, Art. 15",
)
STATUTORY_DUTY = LegalBasis(
    "公安机关交通管理部门履行法定职责所必需",
    "Necessary for the traffic administration's statutory duties",
    "PIPL Art. 13(1)(3), Art. 34; Road Traffic Safety Law Art. 5",
)
PARTNER_DUTY = LegalBasis(
    "合作单位依法履行职责或法定义务所必需（按数据共享协议）",
    "Necessary for the partner's statutory duty or obligation (under its data-sharing agreement)",
    "PIPL Art. 13(1)(3)",
)
SYSTEM = LegalBasis(
    "系统依法自动处理（业务办理所必需）",
    "Automatic processing required to carry out the business",
    "PIPL Art. 13(1)(3)",
)


def legal_basis_for_reader(role: str) -> LegalBasis:
    """The legal basis under which a reader of this kind may see a person's data. It is derived
    from who read (the audit row's role), not stored per read: a share-code holder reads by the
    person's consent, partner systems under their data-sharing agreement, staff under the
    administration's statutory duties."""
    if role in ("share_code_viewer", "third_party_app"):
        return CONSENT
    if role == "partner_system":
        return PARTNER_DUTY
    if role in ("system", "anonymous", ""):
        return SYSTEM
    return STATUTORY_DUTY
