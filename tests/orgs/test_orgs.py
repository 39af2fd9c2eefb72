"""Organisation accounts (issue 4, item 7): the USCC is checked through the market-regulation
data link (the sandbox over real HTTP), the legal representative signs the agreement with the
electronic business licence, and staff accounts hang under the organisation."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.test import Client

from jiaoguan.accounts.models import User
from jiaoguan.audit.models import AuditEvent
from jiaoguan.kernel.errors import DomainError, PartnerUnavailable
from jiaoguan.kernel.uscc import USCC
from jiaoguan.orgs import rules, selectors, services
from jiaoguan.orgs.adapters import HttpMarketRegister
from jiaoguan.orgs.constants import OrgAccountStatus
from jiaoguan.orgs.models import OrganisationAccount
from jiaoguan.orgs.ports import Enterprise, Signature, SigningKey
from sandbox import market
from tests.conftest import PASSWORD, make_citizen, make_person

pytestmark = pytest.mark.django_db


def _representative(uscc: str) -> User:
    number = market.legal_representative(uscc)
    return make_citizen(make_person(id_number=number))


def _active(uscc: str | None = None, start: int = 0) -> tuple[OrganisationAccount, User]:
    uscc = uscc or market.example_uscc("active", start)
    rep = _representative(uscc)
    account = services.org_account_apply(applicant=rep, uscc=uscc, kind="driving_school")
    return account, rep


def test_adapter_reads_the_register() -> None:
    uscc = market.example_uscc()
    record = HttpMarketRegister().lookup(uscc=uscc)
    assert record.found and record.status == "active"
    assert record.legal_representative_id_number == market.legal_representative(uscc)
    assert not HttpMarketRegister().lookup(uscc=PUBLIC_HOSPITAL).found


#: A public institution (registration authority 1, category 2): not in the market register.
PUBLIC_HOSPITAL = str(USCC.generate("320102", "46600000", authority="1", category="2"))


def test_apply_and_sign_opens_the_account_and_its_administrator() -> None:
    account, rep = _active()
    assert account.status == OrgAccountStatus.VERIFIED
    assert account.organisation.uscc in account.agreement_text
    assert account.agreement_digest == rules.digest(account.agreement_text)
    done = services.org_account_sign(
        applicant=rep, account=account, admin_username="school-admin", admin_password=PASSWORD
    )
    account.refresh_from_db()
    assert account.status == OrgAccountStatus.ACTIVE and account.signed_at
    assert services.signature_holds(account)
    admin = done.administrator
    assert admin.organisation_id == account.organisation_id
    assert admin.has_perm("orgs.manage_org_staff") and admin.kind == "staff"
    assert AuditEvent.objects.filter(
        action="organisation_account.sign", object_ref=str(account.public_id)
    ).exists()
    assert list(account.history.values_list("to_status", flat=True)) == ["active"]


def test_a_tampered_agreement_or_signature_no_longer_verifies() -> None:
    account, rep = _active(start=100)
    services.org_account_sign(
        applicant=rep, account=account, admin_username="adm-100", admin_password=PASSWORD
    )
    account.refresh_from_db()
    account.agreement_text += "五、"
    assert not services.signature_holds(account)
    account.refresh_from_db()
    raw = bytearray(base64.b64decode(account.signature))
    raw[-1] ^= 1
    account.signature = base64.b64encode(bytes(raw)).decode()
    assert not services.signature_holds(account)


def test_only_the_legal_representative_may_apply() -> None:
    uscc = market.example_uscc(start=200)
    someone = make_citizen()
    with pytest.raises(DomainError) as refused:
        services.org_account_apply(applicant=someone, uscc=uscc, kind="dealer")
    assert refused.value.code == "org_not_legal_representative"
    assert AuditEvent.objects.filter(action="organisation_account.refused", object_ref=uscc)


def test_revoked_and_unregistered_organisations_are_refused() -> None:
    revoked = market.example_uscc("revoked")
    with pytest.raises(DomainError) as refused:
        services.org_account_apply(applicant=_representative(revoked), uscc=revoked, kind="dealer")
    assert refused.value.code == "org_not_active"
    with pytest.raises(DomainError) as refused:
        services.org_account_apply(applicant=make_citizen(), uscc=PUBLIC_HOSPITAL, kind="hospital")
    assert refused.value.code == "org_not_market_registered"


def test_bad_uscc_and_kind_are_refused() -> None:
    citizen = make_citizen()
    with pytest.raises(DomainError):
        services.org_account_apply(applicant=citizen, uscc="91320102000000000X", kind="dealer")
    with pytest.raises(DomainError) as refused:
        services.org_account_apply(applicant=citizen, uscc=market.example_uscc(), kind="bank")
    assert refused.value.code == "invalid_kind"


class _ForgingMarket:
    """A register whose signature was made by another key (a man in the middle)."""

    def __init__(self) -> None:
        self.real = HttpMarketRegister()

    def lookup(self, *, uscc: str) -> Enterprise:
        return self.real.lookup(uscc=uscc)

    def signing_key(self, *, uscc: str) -> SigningKey:
        return self.real.signing_key(uscc=uscc)

    def sign(self, *, uscc: str, signer_id_number: str, digest: str) -> Signature:
        other = market.example_uscc(start=900)
        real = self.real.sign(
            uscc=other, signer_id_number=market.legal_representative(other), digest=digest
        )
        return Signature(signature=real.signature, key_id=self.real.signing_key(uscc=uscc).key_id)


def test_a_signature_by_another_key_is_refused() -> None:
    account, rep = _active(start=300)
    with pytest.raises(DomainError) as refused:
        services.org_account_sign(
            applicant=rep,
            account=account,
            admin_username="adm-300",
            admin_password=PASSWORD,
            market=_ForgingMarket(),
        )
    assert refused.value.code == "org_signature_invalid"
    account.refresh_from_db()
    assert account.status == OrgAccountStatus.VERIFIED
    assert not User.objects.filter(username="adm-300").exists()


def test_sign_twice_or_by_someone_else_is_refused() -> None:
    account, rep = _active(start=400)
    with pytest.raises(DomainError) as refused:
        services.org_account_sign(
            applicant=make_citizen(),
            account=account,
            admin_username="x-400",
            admin_password=PASSWORD,
        )
    assert refused.value.code == "org_not_yours"
    services.org_account_sign(
        applicant=rep, account=account, admin_username="adm-400", admin_password=PASSWORD
    )
    with pytest.raises(DomainError) as refused:
        services.org_account_sign(
            applicant=rep, account=account, admin_username="adm-401", admin_password=PASSWORD
        )
    assert refused.value.code == "org_account_state"
    with pytest.raises(DomainError) as refused:
        services.org_account_apply(
            applicant=rep, uscc=account.organisation.uscc, kind="driving_school"
        )
    assert refused.value.code == "org_account_exists"


def test_staff_hang_under_the_organisation_and_only_its_admin_opens_them() -> None:
    account, rep = _active(start=500)
    admin = services.org_account_sign(
        applicant=rep, account=account, admin_username="adm-500", admin_password=PASSWORD
    ).administrator
    staff = services.org_staff_create(admin=admin, username="coach-1", password=PASSWORD).user
    assert staff.organisation_id == account.organisation_id
    assert staff.region_scope == admin.region_scope
    assert sorted(staff.role_codes()) == ["driving_school", "org_staff"]  # a school's staff
    assert list(selectors.staff_of(admin)) == [admin, staff]
    for outsider in (staff, rep, make_citizen()):
        assert not selectors.staff_of(outsider).exists()
        with pytest.raises(DomainError):
            services.org_staff_create(admin=outsider, username="coach-2", password=PASSWORD)

    other, other_rep = _active(start=600)
    other_admin = services.org_account_sign(
        applicant=other_rep, account=other, admin_username="adm-600", admin_password=PASSWORD
    ).administrator
    assert staff not in selectors.staff_of(other_admin)


def test_market_link_down_is_partner_unavailable(settings: Any) -> None:
    settings.SANDBOX_URL = "http://127.0.0.1:9"
    with pytest.raises(PartnerUnavailable):
        services.org_account_apply(
            applicant=make_citizen(), uscc=market.example_uscc(), kind="dealer"
        )


# -- pages ---------------------------------------------------------------------------------


def _login(client: Client, user: User) -> None:
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")


def test_pages_apply_sign_and_open_staff() -> None:
    uscc = market.example_uscc(start=700)
    rep = _representative(uscc)
    client = Client()
    _login(client, rep)
    assert client.get("/organisations/").status_code == 200
    bad = client.post("/organisations/", {"uscc": "123", "kind": "dealer"})
    assert bad.status_code == 200 and "uscc" in bad.content.decode()
    applied = client.post("/organisations/", {"uscc": uscc, "kind": "transport_firm"})
    assert applied.status_code == 302
    detail = client.get(applied["Location"]).content.decode()
    assert "交管业务单位账户协议" in detail and 'data-testid="agreement-digest"' in detail
    signed = client.post(
        applied["Location"], {"admin_username": "fleet-admin", "admin_password": PASSWORD}
    )
    assert signed.status_code == 200
    page = signed.content.decode()
    assert 'data-testid="totp-secret"' in page and 'data-testid="signature-ok"' in page

    admin = User.objects.get(username="fleet-admin")
    admin_client = Client()
    _login(admin_client, admin)
    assert admin_client.get("/organisations/staff/").status_code == 200
    made = admin_client.post(
        "/organisations/staff/", {"username": "driver-7", "password": PASSWORD, "first_name": "张"}
    )
    assert made.status_code == 200 and b"driver-7" in made.content
    assert User.objects.get(username="driver-7").organisation == admin.organisation
    assert client.get("/organisations/staff/").status_code == 403  # the citizen is no admin
    other = Client()
    _login(other, make_citizen())
    assert other.get(applied["Location"]).status_code == 404  # not theirs


# -- API -----------------------------------------------------------------------------------


def test_api_apply_sign_and_staff() -> None:
    uscc = market.example_uscc(start=800)
    rep = _representative(uscc)
    client = Client()
    _login(client, rep)
    bad = client.post(
        "/api/v1/organisations/applications",
        {"uscc": "x", "kind": "dealer"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad["Content-Type"].startswith("application/problem+json")
    created = client.post(
        "/api/v1/organisations/applications",
        {"uscc": uscc, "kind": "hospital"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "verified" and body["agreement_digest"]
    signed = client.post(
        f"/api/v1/organisations/applications/{body['id']}/sign",
        {"admin_username": "clinic-admin", "admin_password": PASSWORD},
        content_type="application/json",
    )
    assert signed.status_code == 200, signed.content
    assert signed.json()["status"] == "active" and signed.json()["signature_valid"] is True
    assert signed.json()["administrator"]["totp_secret"]
    listed = client.get("/api/v1/organisations/applications").json()
    assert [a["id"] for a in listed] == [body["id"]]

    admin_client = Client()
    _login(admin_client, User.objects.get(username="clinic-admin"))
    staff = admin_client.post(
        "/api/v1/organisations/mine/staff",
        {"username": "nurse-1", "password": PASSWORD},
        content_type="application/json",
    )
    assert staff.status_code == 201, staff.content
    names = [s["username"] for s in admin_client.get("/api/v1/organisations/mine/staff").json()]
    assert names == ["clinic-admin", "nurse-1"]
    assert client.get("/api/v1/organisations/mine/staff").status_code == 403
    other = Client()
    _login(other, make_citizen())
    assert other.get(f"/api/v1/organisations/applications/{body['id']}").status_code == 404


def test_a_taken_administrator_username_is_refused_before_signing() -> None:
    account, rep = _active(start=1100)
    with pytest.raises(DomainError) as refused:
        services.org_account_sign(
            applicant=rep, account=account, admin_username=rep.username, admin_password=PASSWORD
        )
    assert refused.value.code == "username_taken" and refused.value.field == "admin_username"
    account.refresh_from_db()
    assert account.status == OrgAccountStatus.VERIFIED and not account.signature


def test_withdraw_before_signing() -> None:
    account, rep = _active(start=1200)
    services.org_account_withdraw(applicant=rep, account=account)
    account.refresh_from_db()
    assert account.status == OrgAccountStatus.WITHDRAWN
    with pytest.raises(DomainError) as refused:
        services.org_account_sign(
            applicant=rep, account=account, admin_username="adm-1200", admin_password=PASSWORD
        )
    assert refused.value.code == "org_account_state"


def test_api_withdraw() -> None:
    uscc = market.example_uscc(start=1300)
    rep = _representative(uscc)
    client = Client()
    _login(client, rep)
    created = client.post(
        "/api/v1/organisations/applications",
        {"uscc": uscc, "kind": "dealer"},
        content_type="application/json",
    ).json()
    url = f"/api/v1/organisations/applications/{created['id']}/withdraw"
    assert client.post(url).json()["status"] == "withdrawn"
    again = client.post(url)
    assert again.status_code == 409 and again.json()["code"] == "org_account_state"
    assert client.post("/api/v1/organisations/applications/not-a-uuid/withdraw").status_code == 404


def test_page_withdraw_before_signing() -> None:
    account, rep = _active(start=1400)
    client = Client()
    _login(client, rep)
    url = f"/organisations/{account.public_id}/"
    page = client.get(url).content.decode()
    assert 'data-testid="withdraw-form"' in page and "撤回申请" in page
    done = client.post(url, {"action": "withdraw"})
    assert done.status_code == 302 and done["Location"] == url
    account.refresh_from_db()
    assert account.status == OrgAccountStatus.WITHDRAWN
    after = client.get(url).content.decode()
    assert 'data-testid="withdraw-form"' not in after  # nothing left to sign or withdraw
    # someone else does not find it
    other = Client()
    _login(other, make_citizen())
    assert other.post(url, {"action": "withdraw"}).status_code == 404
    # a second withdrawal (an old page) is refused beside the form, not a 500
    again = client.post(url, {"action": "withdraw"})
    assert again.status_code == 200 and 'data-testid="org-error"' in again.content.decode()
