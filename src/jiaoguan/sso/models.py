from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from jiaoguan.sso.constants import AttemptStatus


class SignInAttempt(models.Model):
    """One authorization request sent to the provincial OpenID provider.

    The browser session holds only the attempt's public id; the state, the nonce and the PKCE
    verifier (encrypted) stay here, so nothing the browser carries can change them."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    issuer = models.CharField(max_length=200)
    state = models.CharField(max_length=64, unique=True)
    nonce = models.CharField(max_length=64, unique=True)
    code_verifier_enc = models.BinaryField()
    redirect_uri = models.CharField(max_length=300)
    status = models.CharField(
        max_length=12, choices=AttemptStatus.choices, default=AttemptStatus.PENDING
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    refusal_code = models.CharField(max_length=40, blank=True)
    acr = models.CharField(max_length=8, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    def __str__(self) -> str:
        return f"sign-in attempt {self.public_id} ({self.status})"


class SignInAttemptHistory(models.Model):
    """Append-only history of an attempt's transitions."""

    attempt = models.ForeignKey(SignInAttempt, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=12)
    to_status = models.CharField(max_length=12)
    at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.from_status} -> {self.to_status}"


class ExternalIdentity(models.Model):
    """A jiaoguan account bound to a subject at an identity provider (issuer + sub)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="external_identities"
    )
    issuer = models.CharField(max_length=200)
    subject = models.CharField(max_length=255)
    last_acr = models.CharField(max_length=8, blank=True)
    bound_at = models.DateTimeField()
    last_sign_in_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="sso_identity_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.issuer} {self.subject}"


class PlatformSession(models.Model):
    """A jiaoguan session opened from a sign-on at the platform: the platform's session id
    (``sid`` of the ID token) and subject, and the Django session it opened, so that the
    platform's back-channel logout ends it (OpenID Connect Back-Channel Logout 1.0)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="platform_sessions"
    )
    issuer = models.CharField(max_length=200)
    subject = models.CharField(max_length=255)
    sid = models.CharField(max_length=255, blank=True)
    session_key = models.CharField(max_length=40)
    signed_in_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=32, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["issuer", "sid"], name="sso_platform_sid_idx"),
            models.Index(fields=["issuer", "subject"], name="sso_platform_sub_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.issuer} {self.sid or self.subject}"
