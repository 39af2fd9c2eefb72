from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from jiaoguan.orgs.constants import OrgAccountStatus, OrgKind


class OrganisationAccount(models.Model):
    """An organisation's account at jiaoguan: opened after the market-regulation register
    confirmed its USCC and its legal representative signed the account agreement online."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "registry.Organisation", on_delete=models.PROTECT, related_name="accounts"
    )
    kind = models.CharField(max_length=16, choices=OrgKind.choices)
    status = models.CharField(
        max_length=12, choices=OrgAccountStatus.choices, default=OrgAccountStatus.VERIFIED
    )
    representative = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="organisations_applied"
    )
    administrator = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organisation_account",
    )
    # What the market-regulation register said when it was asked.
    register_name = models.CharField(max_length=120)
    register_status = models.CharField(max_length=16)
    register_checked_at = models.DateTimeField()
    # The account agreement and its online signature.
    agreement_version = models.CharField(max_length=20)
    agreement_text = models.TextField()
    agreement_digest = models.CharField(max_length=64)  # SHA-256 hex of the UTF-8 text
    signature = models.TextField(blank=True)  # base64 DER ECDSA P-256 over the digest
    signing_key_id = models.CharField(max_length=40, blank=True)
    signing_public_key_pem = models.TextField(blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        permissions = [
            ("manage_org_staff", "Open and list staff accounts of one's own organisation"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"],
                condition=models.Q(status="active"),
                name="orgs_one_active_account",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.register_name} ({self.status})"


class OrganisationAccountHistory(models.Model):
    account = models.ForeignKey(
        OrganisationAccount, on_delete=models.CASCADE, related_name="history"
    )
    from_status = models.CharField(max_length=12)
    to_status = models.CharField(max_length=12)
    at = models.DateTimeField()
    actor_ref = models.CharField(max_length=64)
    reason = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.from_status} -> {self.to_status}"
