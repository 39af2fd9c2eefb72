"""Reads of organisation accounts, scoped to the caller."""

from __future__ import annotations

from django.db.models import QuerySet

from jiaoguan.accounts.models import User
from jiaoguan.orgs.constants import OrgAccountStatus
from jiaoguan.orgs.models import OrganisationAccount


def applications_for(user: User) -> QuerySet[OrganisationAccount]:
    """The organisation accounts this person applied for (as legal representative)."""
    return (
        OrganisationAccount.objects.filter(representative=user)
        .select_related("organisation", "administrator")
        .order_by("-created_at")
    )


def administered_by(user: User) -> OrganisationAccount | None:
    if not user.has_perm("orgs.manage_org_staff"):
        return None
    return (
        OrganisationAccount.objects.filter(administrator=user, status=OrgAccountStatus.ACTIVE)
        .select_related("organisation")
        .first()
    )


def staff_of(user: User) -> QuerySet[User]:
    """The accounts under the organisation this user administers (none for anyone else)."""
    account = administered_by(user)
    if account is None:
        return User.objects.none()
    return User.objects.filter(organisation=account.organisation).order_by("username")
