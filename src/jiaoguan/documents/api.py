from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Router

from jiaoguan.api.auth import ANY_AUTH, actor, principal
from jiaoguan.documents import pdf, selectors
from jiaoguan.documents.schemas import DocumentOut, VerifyOut

router = Router(tags=["documents"])


@router.get(
    "/documents/verify",
    response=VerifyOut,
    auth=None,
    summary="Verify a document's QR token (public): signature and live status",
)
def document_verify(request: HttpRequest, token: str) -> VerifyOut:
    return VerifyOut.build(selectors.verify(token))


@router.get(
    "/documents/{document_id}",
    response=DocumentOut,
    auth=ANY_AUTH,
    summary="One document (its holder, or staff with registry access)",
)
def document_detail(request: HttpRequest, document_id: str) -> DocumentOut:
    return DocumentOut.build(
        selectors.document_for(principal(request), document_id, actor=actor(request))
    )


@router.get(
    "/documents/{document_id}/pdf",
    auth=ANY_AUTH,
    summary="The printable PDF with its QR code",
    openapi_extra={"responses": {200: {"content": {"application/pdf": {}}}}},
)
def document_pdf(request: HttpRequest, document_id: str) -> HttpResponse:
    doc = selectors.document_for(principal(request), document_id, actor=actor(request))
    response = HttpResponse(pdf.render(doc), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="{doc.kind}-{doc.number}-v{doc.version}.pdf"'
    )
    response["Cache-Control"] = "private, no-store"
    return response
