"""The demo's organisation account: a driving school opened through the real services (the
market-regulation sandbox checks it, its legal representative signs online), with one
administrator and one staff account under it."""

from __future__ import annotations

from jiaoguan.accounts.models import User
from jiaoguan.accounts.services import citizen_register
from jiaoguan.orgs import services
from sandbox import market, population

ADMIN_USERNAME = "org-admin-driving-school"
STAFF_USERNAME = "org-staff-driving-school"


def seed_organisation_account(*, password: str, password_hash: str) -> str:
    """Open the demo driving school's account; returns its name."""
    uscc = market.example_uscc()
    number = market.legal_representative(uscc)
    representative = User.objects.filter(username="org-representative").first() or citizen_register(
        username="org-representative",
        password="",
        name=population.name_for(number),
        id_number=number,
        phone="13952000001",
        password_hash=password_hash,
    )
    account = services.org_account_apply(applicant=representative, uscc=uscc, kind="driving_school")
    admin = services.org_account_sign(
        applicant=representative,
        account=account,
        admin_username=ADMIN_USERNAME,
        admin_password=password,
    ).administrator
    services.org_staff_create(admin=admin, username=STAFF_USERNAME, password=password)
    return account.register_name
