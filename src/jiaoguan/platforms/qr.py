"""A QR code as a small inline SVG (one path), for showing a signed token on a page. The
encoder is reportlab's, the same the printed documents use."""

from __future__ import annotations

from reportlab.graphics.barcode import qrencoder

QUIET = 4  # modules of white border (ISO/IEC 18004)


def svg(text: str, *, size: int = 240, label: str = "QR") -> str:
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.L)
    code.addData(text)
    code.make()
    n = code.getModuleCount()
    runs = []
    for row in range(n):
        col = 0
        while col < n:
            if code.isDark(row, col):
                start = col
                while col < n and code.isDark(row, col):
                    col += 1
                runs.append(f"M{start + QUIET} {row + QUIET}h{col - start}v1h-{col - start}z")
            else:
                col += 1
    total = n + 2 * QUIET
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {total} {total}" '
        f'width="{size}" height="{size}" role="img" aria-label="{label}" '
        f'shape-rendering="crispEdges"><rect width="{total}" height="{total}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(runs)}"/></svg>'
    )
