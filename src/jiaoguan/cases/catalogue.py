"""The initial catalogue, as data. ``catalogue_sync`` loads it (idempotently, audited).

Each entry names how every material is satisfied, what is prefilled, the fees (integer fen,
DOMAIN.md §6), the review policy, the statutory time limit in working days, the registry effect
and the legal citations. The rollout of the 2018 measures is modelled as dated, regional
entries: "ID card alone" business began in 36 large cities in July 2018 and applied nationwide
from 2018-09-01 (DOMAIN.md §0). Which 36 cities is not in our sources, so the demo data uses
Nanjing (3201) as the pilot city: an illustration of the mechanism, not a claim.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from jiaoguan.cases.constants import Channel, MaterialSource, ReviewPolicy, SubjectType

PILOT_START = dt.date(2018, 7, 1)
NATIONAL_START = dt.date(2018, 9, 1)
PILOT_REGIONS = ["3201"]
ROLLOUT_CITATION = "MPS 20 measures (2018), measure 2 一证即办; DOMAIN.md §0"

IDENTITY = {
    "code": "identity",
    "name_zh": "身份证明",
    "name_en": "Proof of identity",
    "source": MaterialSource.IDENTITY,
    "link": "",
}
MEDICAL = {
    "code": "medical_certificate",
    "name_zh": "机动车驾驶人身体条件证明",
    "name_en": "Driver's medical certificate",
    "source": MaterialSource.DATA_LINK,
    "link": "hospital",
}
LICENCE_FEE = {"code": "licence", "amount_fen": 1000}  # 驾驶证工本费 10 yuan, DOMAIN.md §6
INSURANCE = {
    "code": "compulsory_insurance",
    "name_zh": "机动车交通事故责任强制保险凭证",
    "name_en": "Compulsory traffic insurance",
    "source": MaterialSource.DATA_LINK,
    "link": "insurance",
}
VIN_RUBBING = {
    "code": "vin_rubbing",
    "name_zh": "车辆识别代号拓印膜",
    "name_en": "VIN rubbing",
    "source": MaterialSource.UPLOAD,
    "link": "",
}

PURCHASE_TAX = {
    "code": "purchase_tax",
    "name_zh": "车辆购置税完税或者免税证明",
    "name_en": "Vehicle purchase tax paid or exempt",
    "source": MaterialSource.DATA_LINK,
    "link": "purchase_tax",
}
# The compulsory insurance of a vehicle being registered (its failure cites registration).
NEW_VEHICLE_INSURANCE = {**INSURANCE, "link": "registration_insurance"}

VESSEL_TAX = {
    "code": "vessel_tax",
    "name_zh": "车船税纳税或者免税证明",
    "name_en": "Vehicle and vessel tax paid or exempt",
    "source": MaterialSource.DATA_LINK,
    "link": "tax",
}
POPULATION = {
    "code": "population_register",
    "name_zh": "户籍信息变更证明",
    "name_en": "Change of details in the population register",
    "source": MaterialSource.DATA_LINK,
    "link": "population",
}
# Only asked when the office is in another province than the one that issued the licence:
# a driver living there renews where they live (R162 Art. 64; DOMAIN.md §5.6).
RESIDENCE = {
    "code": "residence_permit",
    "name_zh": "居住证",
    "name_en": "Residence permit",
    "source": MaterialSource.DATA_LINK,
    "link": "residence",
    "when": "outside_issuing_province",
}

ALL_CHANNELS = [Channel.ONLINE, Channel.KIOSK, Channel.WINDOW, Channel.OUTLET]


PLATE_FEE = {"code": "car_plate", "amount_fen": 10000}  # reflective car plates, a pair: 100 yuan
FEE_NAMES = {  # DOMAIN.md §6
    "car_plate": "汽车号牌工本费（反光，一副）",
    "licence": "驾驶证工本费",
    "driving_permit": "行驶证工本费",
    "registration_certificate": "登记证书工本费",
    "temporary_plate": "临时号牌工本费（每张）",
}
TEMPORARY_PLATE_FEE = {"code": "temporary_plate", "amount_fen": 500}  # 5 yuan a sheet


def _document_fee(code: str) -> dict[str, Any]:
    """Permit, certificate and licence each cost 10 yuan (工本费, DOMAIN.md §6)."""
    return {"code": code, "amount_fen": 1000}


PREFILL: dict[str, list[str]] = {
    SubjectType.PERSON: ["name", "phone", "address"],
    SubjectType.LICENCE: ["classes", "valid_until"],
    SubjectType.VEHICLE: ["plate", "vin"],
}
COUNTER_ONLY = [Channel.ONLINE, Channel.KIOSK, Channel.WINDOW]  # not at outlets


def _type(
    code: str,
    name_zh: str,
    name_en: str,
    subject_type: str,
    effect: str,
    citations: list[str],
    **other: Any,
) -> dict[str, Any]:
    """One business type: what most types share (every channel incl. post offices; the ID card
    alone; the subject's usual prefill; no fee; decided by rule; done within 1 working day),
    with ``other`` for what this one does differently. The rollout citation is added."""
    return {
        "code": code,
        "name_zh": name_zh,
        "name_en": name_en,
        "subject_type": subject_type,
        "channels": ALL_CHANNELS,
        "outlet_kinds": ["post_office"],
        "materials": [IDENTITY],
        "prefill": PREFILL[subject_type],
        "fees": [],
        "review_policy": ReviewPolicy.AUTOMATIC,
        "time_limit_working_days": 1,
        "effect": effect,
        "citations": [*citations, ROLLOUT_CITATION],
        **other,
    }


PERSON, LICENCE, VEHICLE = SubjectType.PERSON, SubjectType.LICENCE, SubjectType.VEHICLE

TYPES: list[dict[str, Any]] = [
    _type(
        "contact_change",
        "变更联系方式",
        "Change of contact details",
        PERSON,
        "person_contact",
        ["R162 Art. 81"],
    ),
    _type(
        "licence_downgrade",
        "驾驶证自愿降级",
        "Voluntary downgrade of licence classes",
        LICENCE,
        "licence_downgrade",
        ["R162 Art. 65"],
        channels=COUNTER_ONLY,
        outlet_kinds=[],
        fees=[LICENCE_FEE],
    ),
    _type(
        "licence_renewal",
        "驾驶证期满换证",
        "Licence renewal",
        LICENCE,
        "licence_renewal",
        ["R162 Art. 62", "R162 Art. 63"],
        materials=[IDENTITY, MEDICAL, RESIDENCE],
        prefill=["classes", "valid_until", "term"],
        fees=[LICENCE_FEE],
    ),
    _type(
        "licence_replacement",
        "补领驾驶证（遗失）",
        "Replacement of a lost licence",
        LICENCE,
        "licence_document",
        ["R162 Art. 69"],
        fees=[LICENCE_FEE],
    ),
    _type(
        "licence_damaged",
        "换领驾驶证（损毁）",
        "Replacement of a damaged licence",
        LICENCE,
        "licence_document",
        ["R162 Art. 66"],
        fees=[LICENCE_FEE],
    ),
    _type(
        "licence_detail_change",
        "驾驶人信息变更换证",
        "New licence after a change of name",
        LICENCE,
        "licence_detail_change",
        ["R162 Art. 66"],
        materials=[IDENTITY, POPULATION],
        fees=[LICENCE_FEE],
    ),
    _type(
        "age_downgrade",
        "超龄驾驶人降级换证",
        "Downgrade of classes on age",
        LICENCE,
        "age_downgrade",
        ["R162 Art. 65"],
        fees=[LICENCE_FEE],
    ),
    _type(
        "medical_submission",
        "提交身体条件证明",
        "Filing of a driver's medical certificate",
        LICENCE,
        "medical_file",
        ["R162 Art. 74"],
        materials=[IDENTITY, MEDICAL],
    ),
    *[
        _type(
            f"{matter}_deferral",
            name_zh,
            name_en,
            LICENCE,
            "licence_deferral",
            ["R162 Art. 75"],
            channels=COUNTER_ONLY,
            outlet_kinds=[],
            # The reason (military service, time abroad) is judged by a person.
            review_policy=ReviewPolicy.MANUAL,
        )
        for matter, name_zh, name_en in (
            ("renewal", "延期换领驾驶证", "Deferral of licence renewal"),
            ("review", "延期审验", "Deferral of licence review"),
            ("medical", "延期提交身体条件证明", "Deferral of the medical certificate"),
        )
    ],
    _type(
        "licence_cancellation",
        "注销驾驶证（本人申请）",
        "Cancellation of a licence at the holder's request",
        LICENCE,
        "licence_cancel",
        ["R162 Art. 79"],
        channels=COUNTER_ONLY,
        outlet_kinds=[],
    ),
    _type(
        "permit_replacement",
        "补领、换领机动车行驶证",
        "Replacement of a lost or damaged driving permit",
        VEHICLE,
        "permit_document",
        ["R164 Art. 52"],
        fees=[_document_fee("driving_permit")],
    ),
    _type(
        "certificate_replacement",
        "补领、换领机动车登记证书",
        "Replacement of a lost or damaged registration certificate",
        VEHICLE,
        "certificate_document",
        ["R164 Art. 52"],
        channels=[Channel.ONLINE, Channel.WINDOW],
        outlet_kinds=[],
        materials=[IDENTITY, VIN_RUBBING],
        fees=[_document_fee("registration_certificate")],
        review_policy=ReviewPolicy.MANUAL,
    ),
    # The label is reported free, but the national basis is unconfirmed (DOMAIN.md §6): no fee
    # is charged for either label until a source says otherwise.
    _type(
        "label_replacement",
        "补领机动车检验合格标志",
        "Replacement of a lost inspection label",
        VEHICLE,
        "label_document",
        ["R164 Art. 57"],
        materials=[IDENTITY, INSURANCE],
    ),
    _type(
        "plate_replacement",
        "补领、换领机动车号牌",
        "Replacement of lost or damaged number plates",
        VEHICLE,
        "plate_reissue",
        ["R164 Art. 51"],
        fees=[PLATE_FEE],
        # new plates with the same number within 15 days (R164 Art. 51; working days, Art. 92)
        time_limit_working_days=15,
    ),
    _type(
        "temporary_plate",
        "核发临时行驶车号牌（号牌补领期间）",
        "Temporary plate while plates are remade",
        VEHICLE,
        "temporary_plate",
        ["R164 Art. 51", "R164 Art. 47", "R164 Art. 48"],
        materials=[IDENTITY, INSURANCE],
        fees=[TEMPORARY_PLATE_FEE],
    ),
    _type(
        "exemption_label",
        "申领免检车辆检验合格标志",
        "Inspection label for an exempt vehicle",
        VEHICLE,
        "exemption_label",
        ["R164 Art. 55", "R164 Art. 54"],
        materials=[IDENTITY, INSURANCE, VESSEL_TAX],
        prefill=["plate", "vin", "inspection_valid_until"],
    ),
    # Opened by the exams app when the last subject is passed (exams.services); the licence is
    # issued once the fee is paid.
    _type(
        "exam_licence_issue",
        "考试合格核发驾驶证",
        "Licence issued after the driving exams",
        PERSON,
        "exam_licence",
        ["R162 Art. 30", "R162 Art. 13"],
        channels=[Channel.ONLINE],
        outlet_kinds=[],
        fees=[LICENCE_FEE],
    ),
]


# New-vehicle registration with its number (issue 5): the number is selected after starting
# (plates.registration); fees DOMAIN.md §6: plates 100 yuan a pair (NEV plates the same), permit
# and certificate 10 each. The vehicle is checked by a person (manual review).
TYPES.append(
    _type(
        "vehicle_registration",
        "注册登记（新车）",
        "Registration of a new vehicle",
        PERSON,
        "vehicle_registration",
        ["R164 Art. 43", "DOMAIN.md §3.3", "DOMAIN.md §6"],
        outlet_kinds=["dealer"],
        materials=[IDENTITY, PURCHASE_TAX, NEW_VEHICLE_INSURANCE],
        prefill=["name", "phone", "address"],
        fees=[
            PLATE_FEE,
            _document_fee("driving_permit"),
            _document_fee("registration_certificate"),
        ],
        review_policy=ReviewPolicy.MANUAL,
        time_limit_working_days=2,
    )
)


def entries_for(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The dated versions of one type: the pilot-city version, then the national one."""
    common = {k: v for k, v in spec.items() if k not in ("code", "name_zh", "name_en")}
    return [
        {
            **common,
            "version": 1,
            "valid_from": PILOT_START,
            "valid_until": NATIONAL_START,
            "regions": PILOT_REGIONS,
        },
        {**common, "version": 2, "valid_from": NATIONAL_START, "valid_until": None, "regions": []},
    ]
