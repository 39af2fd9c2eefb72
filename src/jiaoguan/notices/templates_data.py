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
