from __future__ import annotations

import datetime as dt

from ninja import Schema

from jiaoguan.orgs.models import OrganisationAccount
from jiaoguan.orgs.services import signature_holds


class ApplyIn(Schema):
    uscc: str
    kind: str


class SignIn(Schema):
    admin_username: str
    admin_password: str


class AdministratorOut(Schema):
    username: str
    totp_secret: str  # shown once, in the answer to the signing request


class OrgAccountOut(Schema):
    id: str
    uscc: str
    name: str
    kind: str
    status: str
    agreement_version: str
    agreement_text: str
    agreement_digest: str
    signing_key_id: str
    signed_at: dt.datetime | None
    signature_valid: bool | None
    administrator: AdministratorOut | None = None

    @classmethod
    def build(cls, a: OrganisationAccount, *, secret: str = "") -> OrgAccountOut:
        return cls(
            id=str(a.public_id),
            uscc=a.organisation.uscc,
            name=a.register_name,
            kind=a.kind,
            status=a.status,
            agreement_version=a.agreement_version,
            agreement_text=a.agreement_text,
            agreement_digest=a.agreement_digest,
            signing_key_id=a.signing_key_id,
            signed_at=a.signed_at,
            signature_valid=signature_holds(a) if a.signed_at else None,
            administrator=(
                AdministratorOut(username=a.administrator.username, totp_secret=secret)
                if secret and a.administrator
                else None
            ),
        )


class StaffIn(Schema):
    username: str
    password: str
    first_name: str = ""


class StaffOut(Schema):
    id: str
    username: str
    first_name: str
    roles: list[str]
    totp_secret: str = ""
