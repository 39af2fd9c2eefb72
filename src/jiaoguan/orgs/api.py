"""API of organisation accounts: apply (register check), sign the agreement online, and the
administrator's staff accounts."""

from __future__ import annotations

import uuid

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from jiaoguan.accounts.models import User
from jiaoguan.api.auth import principal, session_auth
from jiaoguan.kernel.errors import Forbidden, NotFound
from jiaoguan.orgs import selectors, services
from jiaoguan.orgs.models import OrganisationAccount
from jiaoguan.orgs.schemas import ApplyIn, OrgAccountOut, SignIn, StaffIn, StaffOut

router = Router(tags=["organisations"])


def _user(request: HttpRequest) -> User:
    user = principal(request)
    if not isinstance(user, User):
        raise Forbidden("forbidden", _("Organisation accounts are opened by people, not systems"))
    return user


def _mine(request: HttpRequest, account_id: str) -> OrganisationAccount:
    account = (
        selectors.applications_for(_user(request)).filter(public_id=account_id).first()
        if _is_uuid(account_id)
        else None
    )
    if account is None:
        raise NotFound("not_found", _("No such organisation account"))
    return account


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


@router.post(
    "/organisations/applications",
    response={201: OrgAccountOut},
    auth=session_auth,
    summary="Apply for an organisation account: the USCC is checked with the market-regulation "
    "register and the applicant must be the legal representative",
)
def apply(request: HttpRequest, payload: ApplyIn) -> Status:
    account = services.org_account_apply(
        applicant=_user(request), uscc=payload.uscc, kind=payload.kind
    )
    return Status(201, OrgAccountOut.build(account))


@router.get(
    "/organisations/applications",
    response=list[OrgAccountOut],
    auth=session_auth,
    summary="The organisation accounts I applied for",
)
def applications(request: HttpRequest) -> list[OrgAccountOut]:
    return [OrgAccountOut.build(a) for a in selectors.applications_for(_user(request))[:50]]


@router.get(
    "/organisations/applications/{account_id}",
    response=OrgAccountOut,
    auth=session_auth,
    summary="One of my organisation accounts, with the signature re-verified",
)
def application(request: HttpRequest, account_id: str) -> OrgAccountOut:
    return OrgAccountOut.build(_mine(request, account_id))


@router.post(
    "/organisations/applications/{account_id}/sign",
    response=OrgAccountOut,
    auth=session_auth,
    summary="Sign the account agreement with the electronic business licence; opens the "
    "organisation's administrator account (its TOTP secret is in this answer only)",
)
def sign(request: HttpRequest, account_id: str, payload: SignIn) -> OrgAccountOut:
    done = services.org_account_sign(
        applicant=_user(request),
        account=_mine(request, account_id),
        admin_username=payload.admin_username,
        admin_password=payload.admin_password,
    )
    return OrgAccountOut.build(done.account, secret=done.totp_secret)


def _staff_out(user: User, secret: str = "") -> StaffOut:
    return StaffOut(
        id=str(user.public_id),
        username=user.username,
        first_name=user.first_name,
        roles=user.role_codes(),
        totp_secret=secret,
    )


@router.get(
    "/organisations/mine/staff",
    response=list[StaffOut],
    auth=session_auth,
    summary="Staff accounts of the organisation I administer",
)
def staff_list(request: HttpRequest) -> list[StaffOut]:
    user = _user(request)
    if selectors.administered_by(user) is None:
        raise Forbidden("forbidden", _("Only an organisation's administrator may see its staff"))
    return [_staff_out(u) for u in selectors.staff_of(user)[:200]]


@router.post(
    "/organisations/mine/staff",
    response={201: StaffOut},
    auth=session_auth,
    summary="Open a staff account under the organisation I administer",
)
def staff_create(request: HttpRequest, payload: StaffIn) -> Status:
    opened = services.org_staff_create(
        admin=_user(request),
        username=payload.username,
        password=payload.password,
        first_name=payload.first_name,
    )
    return Status(201, _staff_out(opened.user, opened.totp_secret))


@router.post(
    "/organisations/applications/{account_id}/withdraw",
    response=OrgAccountOut,
    auth=session_auth,
    summary="Withdraw my application before it is signed",
)
def withdraw(request: HttpRequest, account_id: str) -> OrgAccountOut:
    account = services.org_account_withdraw(
        applicant=_user(request), account=_mine(request, account_id)
    )
    return OrgAccountOut.build(account)
