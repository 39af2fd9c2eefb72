from __future__ import annotations

import datetime as dt
import uuid

from ninja import Field, Schema

from jiaoguan.kernel import clock
from jiaoguan.platforms.constants import ShareFact
from jiaoguan.platforms.models import LicenceShare
from jiaoguan.platforms.selectors import AccessEntry, ConsentView

FACTS_HELP = "Facts to disclose: " + ", ".join(f"`{v}`" for v in ShareFact.values)


class ShareIn(Schema):
    facts: list[str] = Field(..., description=FACTS_HELP, max_length=len(ShareFact.values))


class ShareOut(Schema):
    id: uuid.UUID
    facts: list[str]
    status: str = Field(..., description="active, revoked or expired")
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    consent_id: uuid.UUID
    token: str = Field(
        ...,
        description="Signed offline token (ES256 JWS, verify against /.well-known/jwks.json); "
        "its `fields` claim holds the chosen facts as of creation, nothing else",
    )

    @staticmethod
    def build(share: LicenceShare) -> ShareOut:
        return ShareOut(
            id=share.public_id,
            facts=list(share.facts),
            status=share.status(clock.now()),
            created_at=share.created_at,
            expires_at=share.expires_at,
            revoked_at=share.revoked_at,
            consent_id=share.consent_ref,
            token=share.token,
        )


class ShareCreatedOut(ShareOut):
    code: str = Field(..., description="The share code, shown once; only its keyed hash is kept")
    url: str = Field(..., description="The page a desk opens with the code")


class SharedLicenceOut(Schema):
    facts: dict[str, str | int | bool | None] = Field(
        ...,
        description="Only the facts the holder chose, read from the record now: `name`, "
        '`classes` (e.g. "C1 D"), `valid` (valid and not suspended), `valid_until` (ISO '
        "date; null: permanent), `points` (this cycle, of 12), `first_issue_date`",
    )
    expires_at: dt.datetime
    checked_at: dt.datetime


class ConsentOut(Schema):
    id: uuid.UUID = Field(..., description="the consent (stable across its revisions)")
    revision: int
    revisions: int
    state: str = Field(..., description="given, withdrawn or expired")
    party_name: str
    party_id: str
    purpose: str
    scopes: list[str]
    legal_basis: str
    expires_at: dt.datetime | None
    updated_at: dt.datetime
    hash: str
    signature: str

    @staticmethod
    def build(view: ConsentView) -> ConsentOut:
        rec = view.latest
        return ConsentOut(
            id=rec.consent_ref,
            revision=rec.revision,
            revisions=view.revisions,
            state=view.state,
            party_name=rec.party_name,
            party_id=rec.party_id,
            purpose=rec.purpose,
            scopes=list(rec.scopes),
            legal_basis=rec.legal_basis,
            expires_at=rec.expires_at,
            updated_at=rec.created_at,
            hash=rec.hash,
            signature=rec.signature,
        )


class AccessOut(Schema):
    at: dt.datetime
    action: str
    what: str
    reader_kind: str = Field(..., description="staff, partner, share_code or system")
    reader_role: str
    reader_name: str = Field(..., description="masked for staff")
    organisation: str
    region: str
    purpose: str
    legal_basis: str
    citation: str
    channel: str

    @staticmethod
    def build(e: AccessEntry) -> AccessOut:
        return AccessOut(**e.__dict__)
