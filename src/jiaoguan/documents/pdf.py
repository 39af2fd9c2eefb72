"""The printable document: one A6 landscape page with the title, the printed fields, the
number, version and issue date, and a QR code that carries the signed token."""

from __future__ import annotations

import io

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A6, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from jiaoguan.documents.constants import FIELD_LABELS, TITLES, DocumentStatus
from jiaoguan.documents.models import Document
from jiaoguan.kernel import clock

FONT = "STSong-Light"  # built-in Adobe CID font: Chinese without shipping a font file
QR_SIZE = 46 * mm


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _qr(token: str, size: float) -> Drawing:
    widget = QrCodeWidget(token, barLevel="L", barBorder=2)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


def render(doc: Document) -> bytes:
    """The PDF bytes of ``doc``. A superseded or void document is stamped as such."""
    font = _font()
    buf = io.BytesIO()
    width, height = landscape(A6)
    pdf = canvas.Canvas(buf, pagesize=(width, height), pageCompression=1)
    pdf.setTitle(f"{TITLES[doc.kind]} {doc.number}")
    pdf.setAuthor("jiaoguan")
    margin = 7 * mm
    pdf.setStrokeColorRGB(0.2, 0.3, 0.5)
    pdf.rect(margin / 2, margin / 2, width - margin, height - margin)
    pdf.setFont(font, 13)
    pdf.drawCentredString(width / 2, height - margin - 6 * mm, TITLES[doc.kind])
    text_right = width - margin - QR_SIZE - 2 * mm
    y = height - margin - 15 * mm
    for key, value in doc.fields.items():
        pdf.setFont(font, 7.5)
        pdf.drawString(margin, y, FIELD_LABELS.get(key, key))
        pdf.setFont(font, 8.5)
        pdf.drawString(margin + 22 * mm, y, str(value)[: int((text_right - margin) / (2.2 * mm))])
        y -= 5.2 * mm
    issued = doc.issued_at.astimezone(clock.SHANGHAI).date().isoformat()
    pdf.setFont(font, 7)
    pdf.drawString(margin, margin + 6 * mm, f"编号 No. {doc.number}    第 {doc.version} 版")
    pdf.drawString(margin, margin + 2 * mm, f"发证日期 {issued}    扫码核验 /verify/")
    renderPDF.draw(_qr(doc.token, QR_SIZE), pdf, width - margin - QR_SIZE, margin + 4 * mm)
    if doc.status != DocumentStatus.VALID:
        pdf.saveState()
        pdf.setFillColorRGB(0.8, 0.1, 0.1)
        pdf.setFont(font, 28)
        pdf.translate(width / 2, height / 2)
        pdf.rotate(20)
        pdf.drawCentredString(0, 0, "作废 VOID" if doc.status == DocumentStatus.VOID else "已换发")
        pdf.restoreState()
    pdf.showPage()
    pdf.save()
    return buf.getvalue()
