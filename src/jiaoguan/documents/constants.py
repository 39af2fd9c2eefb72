from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentKind(models.TextChoices):
    """The documents the platform produces: the registration certificate (登记证书), driving
    permit (行驶证), inspection label (检验合格标志) and temporary plate (临时行驶车号牌, Arts.
    46–48) of R164, the driving licence (驾驶证) of R162, and the signed receipt of a paid fee.
    The inspection label is the electronic voucher, equal in effect to the paper label
    (R164 Art. 56; DOMAIN.md §4.3)."""

    DRIVING_LICENCE = "driving_licence", _("Driving licence")
    DRIVING_PERMIT = "driving_permit", _("Vehicle driving permit")
    REGISTRATION_CERTIFICATE = "registration_certificate", _("Vehicle registration certificate")
    INSPECTION_LABEL = "inspection_label", _("Inspection label (electronic voucher)")
    TEMPORARY_PLATE = "temporary_plate", _("Temporary driving plate")
    PAYMENT_RECEIPT = "payment_receipt", _("Payment receipt")


class DocumentStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    SUPERSEDED = "superseded", _("Superseded")
    VOID = "void", _("Void")


# The title printed at the top of each document, as on the real one.
TITLES: dict[str, str] = {
    DocumentKind.DRIVING_LICENCE: "中华人民共和国机动车驾驶证",
    DocumentKind.DRIVING_PERMIT: "中华人民共和国机动车行驶证",
    DocumentKind.REGISTRATION_CERTIFICATE: "机动车登记证书",
    DocumentKind.INSPECTION_LABEL: "机动车检验合格标志电子凭证",
    DocumentKind.TEMPORARY_PLATE: "机动车临时行驶车号牌",
    DocumentKind.PAYMENT_RECEIPT: "公安交通管理业务缴费电子凭证",
}

# A short prefix for generated document numbers.
NUMBER_PREFIX: dict[str, str] = {
    DocumentKind.DRIVING_LICENCE: "JZ",
    DocumentKind.DRIVING_PERMIT: "XS",
    DocumentKind.REGISTRATION_CERTIFICATE: "DJ",
    DocumentKind.INSPECTION_LABEL: "JY",
    DocumentKind.TEMPORARY_PLATE: "LS",
    DocumentKind.PAYMENT_RECEIPT: "PJ",
}

# Printed labels of the usual field keys (PDF and verify page). Unknown keys print as given.
FIELD_LABELS: dict[str, str] = {
    "name": "姓名",
    "sex": "性别",
    "licence_number": "证号",
    "classes": "准驾车型",
    "first_issue_date": "初次领证日期",
    "valid_from": "有效起始日期",
    "valid_until": "有效期限",
    "plate": "号牌号码",
    "vehicle_class": "车辆类型",
    "owner": "所有人",
    "use": "使用性质",
    "brand_model": "品牌型号",
    "vin": "车辆识别代号",
    "registration_date": "注册日期",
    "inspection_valid_until": "检验有效期至",
    "remarks": "备注",
    "seats": "核定载人数",
    # payment receipt
    "order_no": "订单编号",
    "payer": "缴款人",
    "purpose": "缴费事项",
    "case_number": "业务流水号",
    **{f"item_{n}": "收费项目" for n in range(1, 5)},
    "total": "合计金额",
    "channel": "支付渠道",
    "provider_txn_id": "支付交易号",
    "paid_at": "缴费时间",
}

ALGORITHM = "ES256"
ISSUER = "jiaoguan"
# A token must fit a QR code that a phone reads from paper (version ≤ 25 at level M).
MAX_TOKEN_LENGTH = 1600
