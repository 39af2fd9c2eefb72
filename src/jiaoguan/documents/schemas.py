from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from ninja import Field, Schema

from jiaoguan.documents.models import Document
from jiaoguan.documents.selectors import Verification


class DocumentOut(Schema):
    id: uuid.UUID
    kind: str
    number: str
    version: int
    status: str = Field(description="valid, superseded or void")
    issued_at: dt.datetime
    voided_at: dt.datetime | None
    supersedes: uuid.UUID | None
    fields: dict[str, Any] = Field(description="What the document shows (masked as printed)")
    kid: str
    token: str = Field(description="The signed token carried by the QR code (compact JWS)")

    @staticmethod
    def build(doc: Document) -> DocumentOut:
        return DocumentOut(
            id=doc.public_id,
            kind=doc.kind,
            number=doc.number,
            version=doc.version,
            status=doc.status,
            issued_at=doc.issued_at,
            voided_at=doc.voided_at,
            supersedes=doc.supersedes.public_id if doc.supersedes else None,
            fields=doc.fields,
            kid=doc.kid,
            token=doc.token,
        )


class VerifyOut(Schema):
    signature_valid: bool = Field(description="The token verifies against the published keys")
    status: str = Field(description="Live status: valid, superseded, void, or unknown here")
    id: uuid.UUID
    kind: str
    number: str
    version: int
    issued_at: dt.datetime
    voided_at: dt.datetime | None = None
    fields: dict[str, Any]
    kid: str

    @staticmethod
    def build(result: Verification) -> VerifyOut:
        claims = result.claims
        doc = result.document
        return VerifyOut(
            signature_valid=True,
            status=result.status,
            id=uuid.UUID(str(claims["sub"])),
            kind=str(claims["kind"]),
            number=str(claims["number"]),
            version=int(claims["version"]),
            issued_at=dt.datetime.fromtimestamp(int(claims["iat"]), tz=dt.UTC),
            voided_at=doc.voided_at if doc else None,
            fields=result.fields,
            kid=doc.kid if doc else "",
        )
