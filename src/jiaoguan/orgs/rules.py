"""Who may open an organisation account, and the agreement they sign.

* Only organisations registered by market regulation (USCC registration authority ``9``,
  GB 32100-2015 position 1) are checked through the market-regulation data link; public
  institutions (authority ``1``, e.g. public hospitals) and social organisations (``5``) are
  held by other registers that this link does not reach, and are refused with that reason.
* The register must show the organisation as existing (存续, ``active``): a revoked (吊销) or
  deregistered (注销) business may not open an account.
* The applicant must be the legal representative recorded by the register (their ID number,
  from their real-name-verified account), because the representative signs for the
  organisation (《中华人民共和国民法典》 Art. 61: the legal representative acts in the name
  of the legal person). Agents with a power of attorney are not handled online.
* The account agreement is signed with the organisation's electronic business licence
  (电子营业执照); 《中华人民共和国电子签名法》 Art. 14 gives a reliable electronic
  signature the same legal effect as a handwritten signature or seal.

These are the project's reading of the cited laws; DOMAIN.md states no rule on
organisation accounts, so the decision carries :data:`POLICY_VERSION`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

POLICY_VERSION = "org-accounts-2026-1"
CIVIL_CODE_61 = "《中华人民共和国民法典》第六十一条"
E_SIGNATURE_14 = "《中华人民共和国电子签名法》第十四条"
USCC_AUTHORITY = "GB 32100-2015 第1位 (登记管理部门代码)"
AGREEMENT_VERSION = "2026-1"


@dataclass(frozen=True)
class OpenDecision:
    allowed: bool
    reason: str  # "ok", "not_market_registered", "not_active", "not_legal_representative"
    citation: str = ""
    policy_version: str = POLICY_VERSION


def may_open(
    *, found: bool, status: str, representative_id_number: str, applicant_id_number: str
) -> OpenDecision:
    """Whether the applicant may open an account for the organisation the register returned."""
    if not found:
        return OpenDecision(False, "not_market_registered", USCC_AUTHORITY)
    if status != "active":
        return OpenDecision(False, "not_active", USCC_AUTHORITY)
    if representative_id_number.upper() != applicant_id_number.upper():
        return OpenDecision(False, "not_legal_representative", CIVIL_CODE_61)
    return OpenDecision(True, "ok", CIVIL_CODE_61)


def agreement_text(*, name: str, uscc: str, representative: str, kind_label: str) -> str:
    """The account agreement (zh-hans, the binding language) for one organisation."""
    return (
        f"交管业务单位账户协议（第{AGREEMENT_VERSION}版）\n"
        f"单位名称：{name}\n统一社会信用代码：{uscc}\n单位类型：{kind_label}\n"
        f"法定代表人：{representative}\n"
        "一、本单位通过交管平台办理业务，所提交信息真实、准确、完整。\n"
        "二、本单位管理员为本单位工作人员开设账户，并对其在平台上的行为负责；"
        "工作人员离职时及时停用其账户。\n"
        "三、本单位仅为办理业务所需查询、使用个人信息，并遵守《中华人民共和国个人信息保护法》。\n"
        f"四、本协议以电子营业执照签署，依据{E_SIGNATURE_14}与手写签名或者盖章具有同等法律效力。\n"
    )


def digest(text: str) -> str:
    """SHA-256 of the UTF-8 agreement text, hex (what the electronic business licence signs)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
