"""The application form as a PDF for the record (measure 1, no handwriting): the prefilled
details the applicant confirmed, the checks made through data links, and the history, with the
case number. Rendered on demand from the stored application, so it always matches the record."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from jiaoguan.cases.models import Application
from jiaoguan.documents.pdf import _font
from jiaoguan.kernel import clock

FORM_LABELS = {
    "name": "姓名",
    "id_number_masked": "身份证明号码",
    "phone": "联系电话",
    "address": "联系地址",
    "classes": "准驾车型",
    "valid_until": "有效期至",
    "term": "有效期限",
    "keep_classes": "保留车型",
    "plate": "号牌号码",
    "vin": "车辆识别代号",
}
CHANNELS = {"online": "互联网", "kiosk": "自助终端", "window": "服务窗口", "outlet": "代办网点"}
CHECK_STATUS = {"ok": "通过", "failed": "未通过", "pending": "待核查"}
SOURCES = {
    "identity": "身份核验",
    "hospital": "医疗机构联网核查",
    "tax": "税务联网核查",
    "insurance": "保险联网核查",
    "residence": "居住证联网核查",
    "upload": "上传",
}


def render(app: Application) -> bytes:
    font = _font()
    buf = io.BytesIO()
    width, height = A4
    pdf = canvas.Canvas(buf, pagesize=A4, pageCompression=1)
    pdf.setTitle(f"{app.business_type.name_zh} {app.case_number}")
    pdf.setAuthor("jiaoguan")
    margin = 18 * mm
    y = height - margin

    def line(label: str, value: str, size: float = 10) -> None:
        nonlocal y
        if y < margin + 10 * mm:
            pdf.showPage()
            y = height - margin
        pdf.setFont(font, size)
        pdf.drawString(margin, y, label)
        pdf.drawString(margin + 42 * mm, y, value[:70])
        y -= 6.5 * mm

    pdf.setFont(font, 16)
    pdf.drawCentredString(width / 2, y, f"{app.business_type.name_zh}申请表")
    y -= 12 * mm
    line("业务流水号", app.case_number)
    line("办理渠道", CHANNELS.get(app.channel, app.channel))
    line(
        "提交时间",
        app.submitted_at.astimezone(clock.SHANGHAI).strftime("%Y-%m-%d %H:%M")
        if app.submitted_at
        else "未提交",
    )
    line("办结期限", app.due_date.isoformat() if app.due_date else "")
    y -= 3 * mm
    pdf.setFont(font, 12)
    pdf.drawString(margin, y, "申请信息（系统根据档案自动填写，申请人确认）")
    y -= 8 * mm
    for key, value in app.form.items():
        text = " ".join(value) if isinstance(value, list) else str(value or "")
        line(FORM_LABELS.get(key, key), text)
    y -= 3 * mm
    pdf.setFont(font, 12)
    pdf.drawString(margin, y, "材料核查（部门联网核查，免于提交证明）")
    y -= 8 * mm
    names = {m["code"]: m["name_zh"] for m in app.catalogue_entry.materials}
    for code, check in app.checks.items():
        status = CHECK_STATUS.get(check.get("status", ""), check.get("status", ""))
        line(names.get(code, code), f"{status}（{SOURCES.get(check.get('source', ''), '')}）")
    y -= 3 * mm
    pdf.setFont(font, 12)
    pdf.drawString(margin, y, "办理记录")
    y -= 8 * mm
    for event in app.events.all():
        line(
            event.at.astimezone(clock.SHANGHAI).strftime("%Y-%m-%d %H:%M"),
            f"{event.command} → {event.to_state}，{event.actor_label}",
            size=9,
        )
    pdf.showPage()
    pdf.save()
    return buf.getvalue()
