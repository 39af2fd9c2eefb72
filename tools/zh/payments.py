"""Strings of payments: signed receipts."""

ZH: dict[str, str] = {
    "This fee order has no receipt yet": "该缴费订单尚无缴费电子凭证",
    "This fee order has not been paid": "该缴费订单尚未缴费",
    "Payment receipt": "缴费电子凭证",
}
