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

VEHICLE_CHANNELS = [Channel.ONLINE, Channel.KIOSK, Channel.WINDOW, Channel.OUTLET]


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


TYPES: list[dict[str, Any]] = [
    {
        "code": "contact_change",
        "name_zh": "变更联系方式",
        "name_en": "Change of contact details",
        "subject_type": SubjectType.PERSON,
        "channels": ALL_CHANNELS,
        "outlet_kinds": ["post_office"],
        "materials": [IDENTITY],
        "prefill": ["name", "phone", "address"],
        "fees": [],
        "review_policy": ReviewPolicy.AUTOMATIC,
        "time_limit_working_days": 1,
        "effect": "person_contact",
        "citations": ["R162 Art. 81", ROLLOUT_CITATION],
    },
    {
        "code": "licence_downgrade",
        "name_zh": "驾驶证自愿降级",
        "name_en": "Voluntary downgrade of licence classes",
        "subject_type": SubjectType.LICENCE,
        "channels": [Channel.ONLINE, Channel.KIOSK, Channel.WINDOW],
        "outlet_kinds": [],
        "materials": [IDENTITY],
        "prefill": ["classes", "valid_until"],
        "fees": [LICENCE_FEE],
        "review_policy": ReviewPolicy.AUTOMATIC,
        "time_limit_working_days": 1,
        "effect": "licence_downgrade",
        "citations": ["R162 Art. 65", ROLLOUT_CITATION],
    },
    {
        "code": "licence_renewal",
        "name_zh": "驾驶证期满换证",
        "name_en": "Licence renewal",
        "subject_type": SubjectType.LICENCE,
        "channels": ALL_CHANNELS,
        "outlet_kinds": ["post_office"],
        "materials": [IDENTITY, MEDICAL, RESIDENCE],
        "prefill": ["classes", "valid_until", "term"],
        "fees": [LICENCE_FEE],
        "review_policy": ReviewPolicy.AUTOMATIC,
        "time_limit_working_days": 1,
        "effect": "licence_renewal",
        "citations": ["R162 Art. 62", "R162 Art. 63", ROLLOUT_CITATION],
    },
    {
        "code": "licence_replacement",
        "name_zh": "补领驾驶证（遗失）",
        "name_en": "Replacement of a lost licence",
        "subject_type": SubjectType.LICENCE,
        "channels": ALL_CHANNELS,
        "outlet_kinds": ["post_office"],
        "materials": [IDENTITY],
        "prefill": ["classes", "valid_until"],
        "fees": [LICENCE_FEE],
        "review_policy": ReviewPolicy.AUTOMATIC,
        "time_limit_working_days": 1,
        "effect": "licence_document",
        "citations": ["R162 Art. 69", ROLLOUT_CITATION],
    },
    {
        "code": "licence_damaged",
        "name_zh": "换领驾驶证（损毁）",
        "name_en": "Replacement of a damaged licence",
        "subject_type": SubjectType.LICENCE,
        "channels": ALL_CHANNELS,
        "outlet_kinds": ["post_office"],
        "materials": [IDENTITY],
        "prefill": ["classes", "valid_until"],
        "fees": [LICENCE_FEE],
        "review_policy": ReviewPolicy.AUTOMATIC,
        "time_limit_working_days": 1,
        "effect": "licence_document",
        "citations": ["R162 Art. 66", ROLLOUT_CITATION],
    },
    {
        "code": "licence_detail_change",
        "name_zh": "驾驶人信息变更换证",
        "name_en": "New licence after a change of name",
        "subject_type": SubjectType.LICENCE,
        "channels": ALL_CHANNELS,
        "outlet_kinds": ["post_office"],
        "materials": [IDENTITY, POPULATION],
        "prefill": ["classes", "valid_until"],
        "fees": [LICENCE_FEE],
        "review_policy": ReviewPolicy.AUTOMATIC,
        "time_limit_working_days": 1,
        "effect": "licence_detail_change",
        "citations": ["R162 Art. 66", ROLLOUT_CITATION],
    },
    {
        "code": "age_downgrade",
        "name_zh": "超龄驾驶人降级换证",
        "name_en": "Downgrade of classes on age",
        "subject_type": SubjectType.LICENCE,
        "channels": ALL_CHANNELS,
        "outlet_kinds": ["post_office"],
        "materials": [IDENTITY],
        "prefill": ["classes", "valid_until"],
        "fees": [LICENCE_FEE],
        "review_policy": ReviewPolicy.AUTOMATIC,
        "time_limit_working_days": 1,
        "effect": "age_downgrade",
        "citations": ["R162 Art. 65", ROLLOUT_CITATION],
    },
    {
        "code": "medical_submission",
        "name_zh": "提交身体条件证明",
        "name_en": "Filing of a driver's medical certificate",
        "subject_type": SubjectType.LICENCE,
        "channels": ALL_CHANNELS,
        "outlet_kinds": ["post_office"],
        "materials": [IDENTITY, MEDICAL],
        "prefill": ["classes", "valid_until"],
        "fees": [],
        "review_policy": ReviewPolicy.AUTOMATIC,
        "time_limit_working_days": 1,
        "effect": "medical_file",
        "citations": ["R162 Art. 74", ROLLOUT_CITATION],
    },
    *[
        {
            "code": f"{matter}_deferral",
            "name_zh": name_zh,
            "name_en": name_en,
            "subject_type": SubjectType.LICENCE,
            "channels": [Channel.ONLINE, Channel.KIOSK, Channel.WINDOW],
            "outlet_kinds": [],
            "materials": [IDENTITY],
            "prefill": ["classes", "valid_until"],
            "fees": [],
            # The reason (military service, time abroad) is judged by a person.
            "review_policy": ReviewPolicy.MANUAL,
            "time_limit_working_days": 1,
            "effect": "licence_deferral",
            "citations": ["R162 Art. 75", ROLLOUT_CITATION],
        }
        for matter, name_zh, name_en in (
            ("renewal", "延期换领驾驶证", "Deferral of licence renewal"),
            ("review", "延期审验", "Deferral of licence review"),
            ("medical", "延期提交身体条件证明", "Deferral of the medical certificate"),
        )
    ],
    {
        "code": "licence_cancellation",
        "name_zh": "注销驾驶证（本人申请）",
        "name_en": "Cancellation of a licence at the holder's request",
        "subject_type": SubjectType.LICENCE,
        "channels": [Channel.ONLINE, Channel.KIOSK, Channel.WINDOW],
        "outlet_kinds": [],
        "materials": [IDENTITY],
        "prefill": ["classes", "valid_until"],
        "fees": [],
        "review_policy": ReviewPolicy.AUTOMATIC,
        "time_limit_working_days": 1,
        "effect": "licence_cancel",
        "citations": ["R162 Art. 79", ROLLOUT_CITATION],
    },
    {
        "code": "permit_replacement",
        "name_zh": "补领、换领机动车行驶证",
        "name_en": "Replacement of a lost or damaged driving permit",
        "subject_type": SubjectType.VEHICLE,
        "channels": VEHICLE_CHANNELS,
        "outlet_kinds": ["post_office"],
        "materials": [IDENTITY],
        "prefill": ["plate", "vin"],
        "fees": [_document_fee("driving_permit")],
        "review_policy": ReviewPolicy.AUTOMATIC,
        "time_limit_working_days": 1,
        "effect": "permit_document",
        "citations": ["R164 Art. 52", ROLLOUT_CITATION],
    },
    {
        "code": "certificate_replacement",
        "name_zh": "补领、换领机动车登记证书",
        "name_en": "Replacement of a lost or damaged registration certificate",
        "subject_type": SubjectType.VEHICLE,
        "channels": [Channel.ONLINE, Channel.WINDOW],
        "outlet_kinds": [],
        "materials": [IDENTITY, VIN_RUBBING],
        "prefill": ["plate", "vin"],
        "fees": [_document_fee("registration_certificate")],
        "review_policy": ReviewPolicy.MANUAL,
        "time_limit_working_days": 1,
        "effect": "certificate_document",
        "citations": ["R164 Art. 52", ROLLOUT_CITATION],
    },
    {
        "code": "label_replacement",
        "name_zh": "补领机动车检验合格标志",
        "name_en": "Replacement of a lost inspection label",
        "subject_type": SubjectType.VEHICLE,
        "channels": VEHICLE_CHANNELS,
        "outlet_kinds": ["post_office"],
        "materials": [IDENTITY, INSURANCE],
        "prefill": ["plate", "vin"],
        # The label is reported free, but the national basis is unconfirmed (DOMAIN.md §6):
        # no fee is charged until a source says otherwise.
        "fees": [],
        "review_policy": ReviewPolicy.AUTOMATIC,
        "time_limit_working_days": 1,
        "effect": "label_document",
        "citations": ["R164 Art. 57", ROLLOUT_CITATION],
    },
    {
        "code": "plate_replacement",
        "name_zh": "补领、换领机动车号牌",
        "name_en": "Replacement of lost or damaged number plates",
        "subject_type": SubjectType.VEHICLE,
        "channels": VEHICLE_CHANNELS,
        "outlet_kinds": ["post_office"],
        "materials": [IDENTITY],
        "prefill": ["plate", "vin"],
        "fees": [PLATE_FEE],
        "review_policy": ReviewPolicy.AUTOMATIC,
        # new plates with the same number within 15 days (R164 Art. 51; working days, Art. 92)
        "time_limit_working_days": 15,
        "effect": "plate_reissue",
        "citations": ["R164 Art. 51", ROLLOUT_CITATION],
    },
    {
        "code": "temporary_plate",
        "name_zh": "核发临时行驶车号牌（号牌补领期间）",
        "name_en": "Temporary plate while plates are remade",
        "subject_type": SubjectType.VEHICLE,
        "channels": VEHICLE_CHANNELS,
        "outlet_kinds": ["post_office"],
        "materials": [IDENTITY, INSURANCE],
        "prefill": ["plate", "vin"],
        "fees": [TEMPORARY_PLATE_FEE],
        "review_policy": ReviewPolicy.AUTOMATIC,
        "time_limit_working_days": 1,
        "effect": "temporary_plate",
        "citations": ["R164 Art. 51", "R164 Art. 47", "R164 Art. 48", ROLLOUT_CITATION],
    },
    {
        "code": "exemption_label",
        "name_zh": "申领免检车辆检验合格标志",
        "name_en": "Inspection label for an exempt vehicle",
        "subject_type": SubjectType.VEHICLE,
        "channels": VEHICLE_CHANNELS,
        "outlet_kinds": ["post_office"],
        "materials": [IDENTITY, INSURANCE, VESSEL_TAX],
        "prefill": ["plate", "vin", "inspection_valid_until"],
        # reported free; the national basis is unconfirmed (DOMAIN.md §6)
        "fees": [],
        "review_policy": ReviewPolicy.AUTOMATIC,
        "time_limit_working_days": 1,
        "effect": "exemption_label",
        "citations": ["R164 Art. 55", "R164 Art. 54", ROLLOUT_CITATION],
    },
]


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
