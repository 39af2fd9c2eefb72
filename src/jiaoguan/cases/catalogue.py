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

ALL_CHANNELS = [Channel.ONLINE, Channel.KIOSK, Channel.WINDOW, Channel.OUTLET]

VEHICLE_CHANNELS = [Channel.ONLINE, Channel.KIOSK, Channel.WINDOW, Channel.OUTLET]


PLATE_FEE = {"code": "car_plate", "amount_fen": 10000}  # reflective car plates, a pair: 100 yuan
FEE_NAMES = {  # DOMAIN.md §6
    "car_plate": "汽车号牌工本费（反光，一副）",
    "licence": "驾驶证工本费",
    "driving_permit": "行驶证工本费",
    "registration_certificate": "登记证书工本费",
}


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
        "materials": [IDENTITY, MEDICAL],
        "prefill": ["classes", "valid_until", "term"],
        "fees": [LICENCE_FEE],
        "review_policy": ReviewPolicy.AUTOMATIC,
        "time_limit_working_days": 1,
        "effect": "licence_renewal",
        "citations": ["R162 Art. 62", "R162 Art. 63", ROLLOUT_CITATION],
    },
    {
        "code": "licence_replacement",
        "name_zh": "补领、换领驾驶证",
        "name_en": "Replacement of a lost or damaged licence",
        "subject_type": SubjectType.LICENCE,
        "channels": ALL_CHANNELS,
        "outlet_kinds": ["post_office"],
        "materials": [IDENTITY],
        "prefill": ["classes", "valid_until"],
        "fees": [LICENCE_FEE],
        "review_policy": ReviewPolicy.AUTOMATIC,
        "time_limit_working_days": 1,
        "effect": "licence_document",
        "citations": ["R162 Art. 66", "R162 Art. 69", ROLLOUT_CITATION],
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
