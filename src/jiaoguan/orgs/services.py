"""Every write of organisation accounts: apply (register check), sign the agreement online
(and open the administrator account), withdraw, open staff accounts under the organisation.
Each is one transaction with its audit row (DESIGN.md)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

import pyotp
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from django.db import transaction
from django.utils.translation import gettext as _

from jiaoguan.accounts.constants import AccountKind
from jiaoguan.accounts.models import User
from jiaoguan.accounts.ports import get_port
from jiaoguan.accounts.services import staff_create
from jiaoguan.audit.services import Actor, audit_record
from jiaoguan.kernel import clock
from jiaoguan.kernel.errors import Conflict, DomainError, Forbidden
from jiaoguan.kernel.uscc import USCC
from jiaoguan.orgs import rules
from jiaoguan.orgs.constants import OrgAccountStatus, OrgKind
from jiaoguan.orgs.models import OrganisationAccount, OrganisationAccountHistory
from jiaoguan.orgs.ports import Enterprise, MarketRegister, SigningKey
from jiaoguan.orgs.workflow import can_move
from jiaoguan.registry.constants import OrganisationKind
from jiaoguan.registry.models import Organisation
from jiaoguan.registry.services import organisation_create

ADMIN_ROLE = "org_admin"
STAFF_ROLE = "org_staff"
#: what the staff of an organisation of this kind do besides the common staff role
KIND_ROLES: dict[str, tuple[str, ...]] = {OrgKind.DRIVING_SCHOOL: ("driving_school",)}


def _audit(actor: Actor, account: OrganisationAccount, action: str, reason: str = "") -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type="organisation_account",
        object_ref=str(account.public_id),
        reason=reason,
    )


def _transition(account: OrganisationAccount, target: str, actor: Actor, reason: str = "") -> None:
    if not can_move(account.status, target):
        raise Conflict(
            "org_account_state",
            _("This organisation account cannot do that in its present state"),
        )
    OrganisationAccountHistory.objects.create(
        account=account,
        from_status=account.status,
        to_status=target,
        at=clock.now(),
        actor_ref=actor.ref,
        reason=reason,
    )
    account.status = target


def _refusal(reason: str, citation: str) -> DomainError:
    messages = {
        "not_market_registered": _(
            "The market-regulation register does not hold this code; organisations of other "
            "registers (for example public hospitals) please apply at a service window"
        ),
        "not_active": _("The register shows this organisation as revoked or deregistered"),
        "not_legal_representative": _(
            "Only the legal representative recorded in the register may open the account"
        ),
    }
    return Forbidden(f"org_{reason}", messages[reason], field="uscc", citation=citation)


def _applicant_number(user: User) -> str:
    if user.kind != AccountKind.CITIZEN or user.person is None:
        raise Forbidden(
            "org_applicant_not_citizen",
            _("Open an organisation account from your real-name citizen account"),
        )
    return user.person.id_number


def org_account_apply(
    *, applicant: User, uscc: str, kind: str, market: MarketRegister | None = None
) -> OrganisationAccount:
    """Check the organisation through the market-regulation data link and prepare the
    account agreement for the legal representative to sign (see ``rules.may_open``).
    A refusal is audited in its own transaction, so it stays on record."""
    applicant_number = _applicant_number(applicant)
    code = str(USCC.parse(uscc))
    if kind not in OrgKind.values:
        raise DomainError("invalid_kind", _("Unknown kind of organisation"), field="kind")
    record = (market or get_port("market")).lookup(uscc=code)
    decision = rules.may_open(
        found=record.found,
        status=record.status,
        representative_id_number=record.legal_representative_id_number,
        applicant_id_number=applicant_number,
    )
    if not decision.allowed:
        with transaction.atomic():
            audit_record(
                actor=Actor.of(applicant),
                action="organisation_account.refused",
                object_type="uscc",
                object_ref=code,
                reason=f"{decision.reason} {decision.policy_version}",
            )
        raise _refusal(decision.reason, decision.citation)
    return _open(applicant=applicant, record=record, kind=kind, decision=decision)


@transaction.atomic
def _open(
    *, applicant: User, record: Enterprise, kind: str, decision: rules.OpenDecision
) -> OrganisationAccount:
    actor = Actor.of(applicant)
    code = record.uscc
    organisation = Organisation.objects.filter(uscc=code).first()
    if organisation is None:
        organisation = organisation_create(
            actor=actor,
            uscc=code,
            name=record.name,
            kind=OrganisationKind.DEALER if kind == OrgKind.DEALER else OrganisationKind.COMPANY,
            region_code=record.region_code,
        )
    if OrganisationAccount.objects.filter(
        organisation=organisation, status=OrgAccountStatus.ACTIVE
    ).exists():
        raise Conflict(
            "org_account_exists",
            _("This organisation already has an account"),
            field="uscc",
        )
    pending = OrganisationAccount.objects.filter(
        organisation=organisation, status=OrgAccountStatus.VERIFIED, representative=applicant
    ).first()
    if pending is not None:
        return pending
    text = rules.agreement_text(
        name=record.name,
        uscc=code,
        representative=record.legal_representative_name,
        kind_label=str(OrgKind(kind).label),
    )
    now = clock.now()
    account = OrganisationAccount.objects.create(
        organisation=organisation,
        kind=kind,
        representative=applicant,
        register_name=record.name,
        register_status=record.status,
        register_checked_at=now,
        agreement_version=rules.AGREEMENT_VERSION,
        agreement_text=text,
        agreement_digest=rules.digest(text),
        created_at=now,
    )
    _audit(actor, account, "organisation_account.apply", f"{code} {decision.policy_version}")
    return account


def verify_signature(*, digest: str, signature: str, public_key_pem: str) -> bool:
    """Whether ``signature`` (base64 DER ECDSA P-256) signs the SHA-256 ``digest``."""
    try:
        key = serialization.load_pem_public_key(public_key_pem.encode())
        if not isinstance(key, ec.EllipticCurvePublicKey):
            return False
        key.verify(
            base64.b64decode(signature, validate=True),
            bytes.fromhex(digest),
            ec.ECDSA(Prehashed(hashes.SHA256())),
        )
    except (InvalidSignature, ValueError, binascii.Error, TypeError):
        return False
    return True


@dataclass(frozen=True)
class Activated:
    account: OrganisationAccount
    administrator: User
    totp_secret: str  # shown once to the representative


def _check_signable(applicant: User, account: OrganisationAccount) -> None:
    if account.representative_id != applicant.pk:
        raise Forbidden("org_not_yours", _("This application belongs to someone else"))
    if account.status != OrgAccountStatus.VERIFIED:
        raise Conflict(
            "org_account_state",
            _("This organisation account cannot do that in its present state"),
        )
    if rules.digest(account.agreement_text) != account.agreement_digest:
        raise Conflict("org_agreement_changed", _("The agreement text has changed"))


def org_account_sign(
    *,
    applicant: User,
    account: OrganisationAccount,
    admin_username: str,
    admin_password: str,
    market: MarketRegister | None = None,
) -> Activated:
    """The legal representative signs the agreement with the electronic business licence.

    jiaoguan asks the market link to sign the agreement's digest for the representative,
    fetches the licence's public key separately and verifies the signature itself; only then,
    in one transaction (the application locked and checked again), it records the signature
    and opens the organisation's administrator account under it. No row is locked while the
    market link is asked."""
    account = OrganisationAccount.objects.select_related("organisation").get(pk=account.pk)
    _check_signable(applicant, account)
    if User.objects.filter(username__iexact=admin_username.strip()).exists():
        raise Conflict("username_taken", _("This username is taken"), field="admin_username")
    market = market or get_port("market")
    uscc = account.organisation.uscc
    signed = market.sign(
        uscc=uscc, signer_id_number=_applicant_number(applicant), digest=account.agreement_digest
    )
    if signed.refused:
        raise _refusal(signed.refused, rules.CIVIL_CODE_61)
    key = market.signing_key(uscc=uscc)
    if key.key_id != signed.key_id or not verify_signature(
        digest=account.agreement_digest,
        signature=signed.signature,
        public_key_pem=key.public_key_pem,
    ):
        raise DomainError(
            "org_signature_invalid",
            _("The electronic business licence signature does not verify; please try again"),
        )
    return _activate(
        applicant=applicant,
        account=account,
        admin_username=admin_username,
        admin_password=admin_password,
        signature=signed.signature,
        key=key,
    )


@transaction.atomic
def _activate(
    *,
    applicant: User,
    account: OrganisationAccount,
    admin_username: str,
    admin_password: str,
    signature: str,
    key: SigningKey,
) -> Activated:
    account = (
        OrganisationAccount.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .get(pk=account.pk)
    )
    _check_signable(applicant, account)
    actor = Actor.of(applicant)
    secret = pyotp.random_base32()
    administrator = staff_create(
        actor=actor,
        username=admin_username,
        password=admin_password,
        roles=[ADMIN_ROLE],
        region_scope=account.organisation.region_code,
        organisation=account.organisation,
        first_name=account.register_name[:150],
        totp_secret=secret,
    )
    now = clock.now()
    _transition(account, OrgAccountStatus.ACTIVE, actor, "agreement signed")
    account.signature = signature
    account.signing_key_id = key.key_id
    account.signing_public_key_pem = key.public_key_pem
    account.signed_at = now
    account.activated_at = now
    account.administrator = administrator
    account.save()
    _audit(actor, account, "organisation_account.sign", f"{key.key_id} {account.agreement_digest}")
    return Activated(account=account, administrator=administrator, totp_secret=secret)


@transaction.atomic
def org_account_withdraw(*, applicant: User, account: OrganisationAccount) -> OrganisationAccount:
    account = OrganisationAccount.objects.select_for_update().get(pk=account.pk)
    if account.representative_id != applicant.pk:
        raise Forbidden("org_not_yours", _("This application belongs to someone else"))
    actor = Actor.of(applicant)
    _transition(account, OrgAccountStatus.WITHDRAWN, actor, "withdrawn")
    account.save(update_fields=["status"])
    _audit(actor, account, "organisation_account.withdraw")
    return account


def signature_holds(account: OrganisationAccount) -> bool:
    """Re-check a recorded signature: the text still hashes to the digest and the stored
    public key verifies the stored signature over it."""
    return (
        account.status == OrgAccountStatus.ACTIVE
        and rules.digest(account.agreement_text) == account.agreement_digest
        and verify_signature(
            digest=account.agreement_digest,
            signature=account.signature,
            public_key_pem=account.signing_public_key_pem,
        )
    )


@dataclass(frozen=True)
class StaffOpened:
    user: User
    totp_secret: str


@transaction.atomic
def org_staff_create(
    *, admin: User, username: str, password: str, first_name: str = ""
) -> StaffOpened:
    """The organisation's administrator opens a staff account under the organisation: the
    new account's organisation and region scope are the administrator's, never chosen."""
    account = (
        OrganisationAccount.objects.filter(administrator=admin, status=OrgAccountStatus.ACTIVE)
        .select_related("organisation")
        .first()
    )
    if not admin.has_perm("orgs.manage_org_staff") or account is None:
        raise Forbidden(
            "forbidden", _("Only an organisation's administrator may open its staff accounts")
        )
    secret = pyotp.random_base32()
    user = staff_create(
        actor=Actor.of(admin),
        username=username,
        password=password,
        roles=[STAFF_ROLE, *KIND_ROLES.get(account.kind, ())],
        region_scope=admin.region_scope,
        organisation=account.organisation,
        first_name=first_name.strip()[:150],
        totp_secret=secret,
    )
    return StaffOpened(user=user, totp_secret=secret)
