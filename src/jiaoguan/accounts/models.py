from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models

from jiaoguan.accounts.constants import AccountKind, OtpChannel, PartnerSector
from jiaoguan.kernel import crypto


class User(AbstractUser):
    """An account. Citizens are bound to a registry person by real-name verification; staff
    carry their scope: a region prefix (2, 4 or 6 digits of GB/T 2260) and optionally the
    organisation (outlet, station, exam site) they work for."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=16, choices=AccountKind.choices, default=AccountKind.CITIZEN)
    person = models.OneToOneField(
        "registry.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="account"
    )
    real_name_verified_at = models.DateTimeField(null=True, blank=True)
    region_scope = models.CharField(max_length=6, blank=True)
    organisation = models.ForeignKey(
        "registry.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    phone_enc = models.BinaryField(null=True, blank=True)
    totp_secret_enc = models.BinaryField(null=True, blank=True)
    failed_logins = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        permissions = [
            ("manage_api_clients", "Register and revoke partner API clients"),
            ("operate_kiosk", "Serve citizens as a self-service kiosk (a device account)"),
        ]

    @property
    def phone(self) -> str:
        return crypto.decrypt(self.phone_enc, context=b"user.phone") if self.phone_enc else ""

    @property
    def totp_secret(self) -> str:
        if not self.totp_secret_enc:
            return ""
        return crypto.decrypt(self.totp_secret_enc, context=b"user.totp")

    @property
    def otp_channel(self) -> str:
        return OtpChannel.SMS if self.kind == AccountKind.CITIZEN else OtpChannel.TOTP

    def role_codes(self) -> list[str]:
        cached = getattr(self, "_role_codes", None)
        if cached is None:
            cached = sorted(self.groups.values_list("name", flat=True))
            self._role_codes = cached
        return cached

    def primary_role(self) -> str:
        roles = self.role_codes()
        return roles[0] if roles else self.kind


class OtpChallenge(models.Model):
    """The second sign-in step: a code sent by SMS (citizens) or read from TOTP (staff)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="otp_challenges")
    channel = models.CharField(max_length=8, choices=OtpChannel.choices)
    code_hash = models.CharField(max_length=64, blank=True)  # SMS codes only; SM3 of the code
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"otp {self.channel} for {self.user_id}"


class ApiClient(models.Model):
    """A partner system calling the API with a bearer token, limited to scopes and a region."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=120)
    organisation = models.ForeignKey(
        "registry.Organisation", null=True, blank=True, on_delete=models.PROTECT
    )
    token_hash = models.CharField(max_length=64, unique=True)  # SM3 of the token
    token_prefix = models.CharField(max_length=12)
    scopes = models.JSONField(default=list)
    region_scope = models.CharField(max_length=6)
    # Requests a minute this client may make (0: no limit); over it the API answers 429.
    rate_per_minute = models.PositiveIntegerField(default=600)
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Credential rotation: the token replaced by the last rotation keeps working until
    # ``previous_valid_until`` (the grace period), then is refused.
    sector = models.CharField(max_length=24, choices=PartnerSector.choices, blank=True)
    previous_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    previous_valid_until = models.DateTimeField(null=True, blank=True)
    rotated_at = models.DateTimeField(null=True, blank=True)
    # Mutual TLS binding: when set, a call is accepted only with the client certificate of
    # this SHA-256 fingerprint (hex), as verified and forwarded by the TLS-terminating proxy.
    cert_sha256 = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.token_prefix}…)"

    # ApiClient acts as a Principal (accounts.principal) for the selectors.
    is_authenticated = True
    kind = "partner"
    person_id = None

    def has_perm(self, perm: str, obj: object = None) -> bool:
        from jiaoguan.accounts.principal import SCOPE_PERMISSIONS

        return any(perm in SCOPE_PERMISSIONS.get(scope, ()) for scope in self.scopes)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
