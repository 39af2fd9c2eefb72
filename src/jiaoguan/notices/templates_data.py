"""Message templates, in both languages. ``{case}``-style fields are filled from the notice's
parameters. SMS texts carry the 【交管】 signature that Chinese SMS gateways require."""

from __future__ import annotations

TEMPLATES: dict[str, dict[str, str]] = {
    "application.awaiting_payment": {
        "zh": "您的业务（{case}，{business}）已通过核查，请缴纳费用{fee}元。",
        "en": "Your application {case} ({business}) passed its checks. Please pay {fee} yuan.",
    },
    "application.under_review": {
        "zh": "您的业务（{case}，{business}）已进入人工审核，办结期限{due}。",
        "en": "Your application {case} ({business}) is being reviewed; due by {due}.",
    },
    "application.returned": {
        "zh": "您的业务（{case}，{business}）被退回补正：{reason}",
        "en": "Your application {case} ({business}) was returned for correction: {reason}",
    },
    "application.rejected": {
        "zh": "您的业务（{case}，{business}）不予办理：{reason}",
        "en": "Your application {case} ({business}) was refused: {reason}",
    },
    "application.ready": {
        "zh": "您的业务（{case}，{business}）证件已制作完成，请到窗口领取。",
        "en": "Your application {case} ({business}): the document is ready at the window.",
    },
    "application.dispatched": {
        "zh": "您的业务（{case}，{business}）证件已交邮政寄出，运单号{reason}。",
        "en": "Your application {case} ({business}): the document is posted, tracking {reason}.",
    },
    "application.completed": {
        "zh": "您的业务（{case}，{business}）已办结。",
        "en": "Your application {case} ({business}) is complete.",
    },
    "plates.reservation_lapsed": {
        "zh": "您的业务（{case}）保留的号牌号码{number}已过期作废，请到车管所大厅重新选号。",
        "en": "Your application {case}: the number {number} held for you lapsed. "
        "Select a number again at a vehicle office hall.",
    },
    "inspection.booking_cancelled": {
        "zh": "您为{plate}在{station}预约的{slot}机动车检验已取消：该检验机构已暂停检验业务，"
        "请另行预约其他检验机构。",
        "en": "Your inspection booking for {plate} at {station} on {slot} was cancelled: the "
        "station is suspended. Please book another station.",
    },
    "inspection.label_due": {
        "zh": "您的机动车{plate}检验有效期至{due}，属免检车辆，可在网上申领检验标志。",
        "en": "Vehicle {plate}: inspection valid until {due}. It is exempt: "
        "apply online for the label.",
    },
    "exchange.sale_temporary_plate": {
        "zh": "您购买的机动车（{vin}）已收回号牌和行驶证，临时行驶车号牌有效期至{due}，"
        "请在此前到{region}车管所办理转入。",
        "en": "The vehicle you bought ({vin}): plates and permit taken back; the temporary "
        "plate is valid until {due}. Complete the transfer-in at {region} by then.",
    },
    "exchange.transfer_overdue": {
        "zh": "您的机动车（{vin}）异地转籍已超过期限（{due}），请尽快到车管所办理。",
        "en": "Vehicle {vin}: the archive transfer is past its deadline ({due}). "
        "Please see a vehicle office.",
    },
    "inspection.station_due": {
        "zh": "您的机动车{plate}检验有效期至{due}，请预约到检验机构上线检验。",
        "en": "Vehicle {plate}: inspection valid until {due}. "
        "Please book an inspection at a station.",
    },
    "inspection.overdue": {
        "zh": "您的机动车{plate}检验已于{due}逾期，请尽快检验；逾期未检验不得上道路行驶。",
        "en": "Vehicle {plate}: inspection overdue since {due}. "
        "Do not drive it until it is inspected.",
    },
    "inspection.scrap_warning": {
        "zh": "您的机动车{plate}自{due}起已连续两个检验周期未取得检验合格标志，"
        "连续三个周期未取得将被强制报废。",
        "en": "Vehicle {plate} has had no inspection label for two cycles since {due}; "
        "a third means compulsory scrapping.",
    },
}


def render(code: str, lang: str, params: dict[str, str]) -> str:
    """The text of a notice in ``lang``. ``business``/``business_en`` give the name in each
    language; ``reason`` is an English source string, translated here."""
    from django.utils import translation

    english = lang.startswith("en")
    values = dict(params)
    if english and "business_en" in values:
        values["business"] = values["business_en"]
    if values.get("reason"):
        with translation.override("en" if english else "zh-hans"):
            values["reason"] = translation.gettext(values["reason"])
    return TEMPLATES[code]["en" if english else "zh"].format(**values)
