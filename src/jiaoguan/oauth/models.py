"""A third-party app's registration (what it is for, which scopes it may ask) and each
citizen's authorisation of an app, tied to the consent record that the platforms app keeps as a
signed, hash-chained revision."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class AppRegistration(models.Model):
    """What jiaoguan knows of a registered app beyond its OAuth client (django-oauth-toolkit's
    ``Application``): the organisation behind it, its purpose as the citizen reads it on the
    consent page, and the scopes it may ask for at most."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application = models.OneToOneField(
        "oauth2_provider.Application",
        on_delete=models.PROTECT,
        related_name="registration",
    )
    organisation_name = models.CharField(max_length=120)
    purpose = models.CharField(max_length=200)
    purpose_en = models.CharField(max_length=200, blank=True)
    allowed_scopes = models.JSONField(default=list)
    # Calls a minute the app may make over all its citizens (0: no limit); over it, 429.
    rate_per_minute = models.PositiveIntegerField(default=600)
    created_at = models.DateTimeField()
    disabled_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"app {self.organisation_name}"


class AppAuthorisation(models.Model):
    """A citizen's authorisation of one app: the scopes they approved, when, when the app last
    used it, and when it ended. ``consent_ref`` is the consent (platforms.ConsentRecord) that
    records it; withdrawing that consent ends this and revokes the app's tokens at once."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="app_authorisations"
    )
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="app_authorisations"
    )
    application = models.ForeignKey(
        "oauth2_provider.Application",
        on_delete=models.PROTECT,
        related_name="authorisations",
    )
    consent_ref = models.UUIDField(unique=True)
    scopes = models.JSONField(default=list)
    granted_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=64, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "application", "ended_at"], name="appauth_user_app_idx")
        ]

    def __str__(self) -> str:
        return f"authorisation {self.public_id}"

    @property
    def active(self) -> bool:
        return self.ended_at is None
