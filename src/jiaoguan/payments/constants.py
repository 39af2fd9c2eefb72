from django.db import models
from django.utils.translation import gettext_lazy as _


class Provider(models.TextChoices):
    WECHAT = "wechat", _("WeChat Pay")
    ALIPAY = "alipay", _("Alipay")


class OrderStatus(models.TextChoices):
    CREATED = "created", _("Created")
    PAYING = "paying", _("Awaiting payment")
    PAID = "paid", _("Paid")
    REFUNDED = "refunded", _("Refunded")
    CLOSED = "closed", _("Closed")


class EventKind(models.TextChoices):
    CALLBACK = "callback", _("Provider callback")
    QUERY = "query", _("Provider query")


class TradeState(models.TextChoices):
    """A provider's answer about one trade, in our words."""

    PAID = "paid", _("Paid")
    NOT_PAID = "not_paid", _("Not paid")
    CLOSED = "closed", _("Closed")
    UNKNOWN = "unknown", _("Unknown to the provider")


class EventFlag(models.TextChoices):
    """Why a verified provider event was not applied (empty when it was, or was a no-op)."""

    NONE = "", _("None")
    FORGED = "forged", _("Signature check failed")
    DUPLICATE = "duplicate", _("Duplicate of an applied payment")
    AMOUNT_MISMATCH = "amount_mismatch", _("Amount differs from the order")
    LATE_AFTER_CLOSE = "late_after_close", _("Paid after the order was closed")
    SECOND_CHARGE = "second_charge", _("Second charge for a paid order")
    STALE = "stale", _("Stale answer after payment")
    UNKNOWN_ORDER = "unknown_order", _("No such order")


class MismatchKind(models.TextChoices):
    PAID_AT_PROVIDER_ONLY = "paid_at_provider_only", _("Paid at the provider but not here")
    PAID_HERE_ONLY = "paid_here_only", _("Paid here but not at the provider")
    AMOUNT_MISMATCH = "amount_mismatch", _("Amount differs from the order")
    DUPLICATE_CHARGE = "duplicate_charge", _("Charged more than once: refund the extra charge")
    PROVIDER_UNREACHABLE = "provider_unreachable", _("The provider could not be asked")


#: The channel as printed on a receipt (documents are printed in Chinese).
CHANNEL_PRINTED = {"wechat": "微信支付", "alipay": "支付宝"}
#: A receipt is the ``payment_receipt`` document whose subject is the fee order.
RECEIPT_SUBJECT_TYPE = "payments.feeorder"
#: Item lines a receipt prints (the paper has room for four); more items are summed up in
#: the last line, the total is always the order's.
RECEIPT_ITEM_LINES = 4
