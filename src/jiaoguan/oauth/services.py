"""Every write of the oauth app: registering a third-party app, recording a citizen's
authorisation of it (as a consent revision in the platforms chain), ending it (the app's tokens
are revoked in the same transaction) and recording each use. One transaction each, with its
audit rows (DESIGN.md)."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_grant_model,
    get_id_token_model,
    get_refresh_token_model,
)

from jiaoguan.accounts.constants import AccountKind
from jiaoguan.accounts.models import User
from jiaoguan.audit.services import Actor, AuditEntry, audit_record, audit_record_many
from jiaoguan.kernel import clock
from jiaoguan.kernel.errors import Conflict, DomainError, Forbidden
from jiaoguan.oauth.constants import APP_LEGAL_BASIS, APP_READER_ROLE, EndReason
from jiaoguan.oauth.models import AppAuthorisation, AppRegistration
from jiaoguan.oauth.scopes import DATA_SCOPES, OPENID
from jiaoguan.platforms import services as platforms
from jiaoguan.registry.models import Person

Application = get_application_model()


def _clean(value: str, *, field: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if (required and not value) or len(value) > limit:
        raise DomainError(
            "invalid_" + field,
            _("Give a short text (at most %(limit)d characters)") % {"limit": limit},
            field=field,
        )
    return value


def _redirect_uris(uris: list[str]) -> str:
    cleaned = [u.strip() for u in uris if u.strip()]
    if not cleaned or any(
        not (
            u.startswith("https://")
            or u.startswith("http://127.0.0.1")
            or u.startswith("http://localhost")
        )
        or any(c.isspace() for c in u)
        or len(u) > 400
        for u in cleaned
    ):
        raise DomainError(
            "invalid_redirect_uri",
            _("Redirect addresses must be https (or http on this machine, for development)"),
            field="redirect_uris",
        )
    return " ".join(cleaned)


@transaction.atomic
def app_register(
    *,
    actor: Actor,
    name: str,
    organisation_name: str,
    purpose: str,
    purpose_en: str = "",
    redirect_uris: list[str],
    scopes: list[str],
    confidential: bool = True,
    rate_per_minute: int = 600,
) -> tuple[Any, str]:
    """Register a third-party app (another department's portal, a provincial service app) as
    an OAuth client for the authorization-code grant with PKCE and RS256 ID tokens; returns the
    client and its secret (shown once, stored hashed; empty for a public client)."""
    bad = [s for s in scopes if s not in DATA_SCOPES]
    if bad or not scopes:
        raise DomainError(
            "invalid_scope",
            _("Unknown scope: %(scopes)s") % {"scopes": ", ".join(bad) or "-"},
            field="scopes",
        )
    if not 0 <= rate_per_minute <= 1_000_000:
        raise DomainError(
            "invalid_rate", _("The rate is a number of requests a minute"), field="rate_per_minute"
        )
    secret = secrets.token_urlsafe(40) if confidential else ""
    app = Application(
        name=_clean(name, field="name", limit=120),
        client_type=Application.CLIENT_CONFIDENTIAL if confidential else Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=_redirect_uris(redirect_uris),
        algorithm=Application.RS256_ALGORITHM,
        client_secret=secret,
        skip_authorization=False,
    )
    app.full_clean(exclude=["client_secret", "user"])
    app.save()
    registration = AppRegistration.objects.create(
        application=app,
        organisation_name=_clean(organisation_name, field="organisation_name", limit=120),
        purpose=_clean(purpose, field="purpose", limit=200),
        purpose_en=_clean(purpose_en, field="purpose_en", limit=200, required=False),
        allowed_scopes=sorted(set(scopes)),
        rate_per_minute=rate_per_minute,
        created_at=clock.now(),
    )
    audit_record(
        actor=actor,
        action="oauth.app_register",
        object_type="oauthapp",
        object_ref=str(registration.public_id),
        after={
            "client_id": app.client_id,
            "scopes": registration.allowed_scopes,
            "redirect_uris": app.redirect_uris,
        },
    )
    return app, secret


def _revoke_tokens(user: User, application: Any) -> int:
    """Revoke every token and pending code of ``user`` for ``application``; returns how many
    access and refresh tokens were revoked."""
    count = 0
    for refresh in get_refresh_token_model().objects.filter(
        user=user, application=application, revoked__isnull=True
    ):
        refresh.revoke()
        count += 1
    for access in get_access_token_model().objects.filter(user=user, application=application):
        access.revoke()
        count += 1
    get_id_token_model().objects.filter(user=user, application=application).delete()
    get_grant_model().objects.filter(user=user, application=application).delete()
    return count


def _end(
    *, actor: Actor, authorisation: AppAuthorisation, reason: str, withdraw_consent: bool
) -> AppAuthorisation:
    now = clock.now()
    authorisation.ended_at = now
    authorisation.end_reason = reason
    authorisation.save(update_fields=["ended_at", "end_reason"])
    revoked = _revoke_tokens(authorisation.user, authorisation.application)
    if withdraw_consent:
        platforms.consent_withdraw(
            actor=actor,
            person=authorisation.person,
            consent_ref=authorisation.consent_ref,
            reason=reason,
        )
    audit_record(
        actor=actor,
        action="oauth.authorisation_end",
        object_type="appauthorisation",
        object_ref=str(authorisation.public_id),
        after={"reason": reason, "tokens_revoked": revoked, "ended_at": now.isoformat()},
        subject_person_ref=str(authorisation.person.public_id),
    )
    return authorisation


def citizen_person(user: Any) -> Person:
    """The verified person behind a citizen account; apps are authorised by citizens only."""
    person = getattr(user, "person", None)
    if getattr(user, "kind", "") != AccountKind.CITIZEN or person is None:
        raise Forbidden(
            "citizens_only",
            _("Only a citizen account bound to a verified person can authorise an app"),
        )
    return person


@transaction.atomic
def app_authorisation_grant(
    *, actor: Actor, user: User, application: Any, scopes: list[str]
) -> AppAuthorisation:
    """The citizen approved ``application`` on the consent page: record the consent (a signed
    revision in their chain) and the authorisation. An earlier authorisation of the same app
    ends (its consent is withdrawn and its tokens revoked): one app, one authorisation."""
    person = citizen_person(user)
    registration = AppRegistration.objects.filter(application=application).first()
    if registration is None or registration.disabled_at is not None:
        raise Forbidden("app_disabled", _("This app may not ask for your data"))
    chosen = sorted(set(scopes))
    for earlier in AppAuthorisation.objects.select_for_update().filter(
        user=user, application=application, ended_at__isnull=True
    ):
        _end(actor=actor, authorisation=earlier, reason=EndReason.REPLACED, withdraw_consent=True)
    consent = platforms.consent_give(
        actor=actor,
        person=person,
        party_name=f"{application.name} ({registration.organisation_name})"[:120],
        party_id=application.client_id[:64],
        purpose=registration.purpose,
        scopes=chosen or [OPENID],
        legal_basis=APP_LEGAL_BASIS,
    )
    authorisation = AppAuthorisation.objects.create(
        user=user,
        person=person,
        application=application,
        consent_ref=consent.consent_ref,
        scopes=chosen,
        granted_at=clock.now(),
    )
    audit_record(
        actor=actor,
        action="oauth.authorisation_grant",
        object_type="appauthorisation",
        object_ref=str(authorisation.public_id),
        after={"client_id": application.client_id, "scopes": chosen},
        subject_person_ref=str(person.public_id),
    )
    return authorisation


@transaction.atomic
def app_authorisation_end(
    *, actor: Actor, person: Person, consent_ref: uuid.UUID | str
) -> AppAuthorisation | None:
    """The citizen withdrew the consent ``consent_ref`` (platforms.authorisation_withdraw has
    written the withdrawn revision): if it authorised an app, end it and revoke the app's tokens
    now. None when the consent was not an app's."""
    try:
        ref = uuid.UUID(str(consent_ref))
    except ValueError:
        return None
    authorisation = (
        AppAuthorisation.objects.select_for_update()
        .select_related("user", "person", "application")
        .filter(person=person, consent_ref=ref, ended_at__isnull=True)
        .first()
    )
    if authorisation is None:
        return None
    return _end(
        actor=actor, authorisation=authorisation, reason=EndReason.WITHDRAWN, withdraw_consent=False
    )


def app_actor(authorisation: AppAuthorisation) -> Actor:
    """The app as the audit trail names it, acting for the citizen."""
    return Actor(
        ref=f"app:{authorisation.application.client_id}"[:64],
        label=authorisation.application.name,
        role=APP_READER_ROLE,
        on_behalf_of_ref=str(authorisation.person.public_id),
    )


@transaction.atomic
def app_read_record(
    *,
    authorisation: AppAuthorisation,
    action: str,
    object_type: str,
    object_refs: list[str],
    purpose: str,
) -> None:
    """Record that the app read the citizen's data (one audit row per record, the citizen as
    subject, with the app's purpose), so it shows in "who looked at my data"; and note the use
    on the authorisation ("last used")."""
    actor = app_actor(authorisation)
    subject = str(authorisation.person.public_id)
    audit_record_many(  # one append for all of them
        actor=actor,
        entries=[
            AuditEntry(
                action=action,
                object_type=object_type,
                object_ref=ref,
                reason=purpose,
                subject_person_ref=subject,
            )
            for ref in object_refs or [subject]
        ],
    )
    app_authorisation_used(authorisation=authorisation)


def app_authorisation_used(*, authorisation: AppAuthorisation) -> None:
    """Note that the app used the authorisation now (shown as "last used"); the use itself is
    audited by the service that did it."""
    AppAuthorisation.objects.filter(pk=authorisation.pk).update(last_used_at=clock.now())


@transaction.atomic
def app_disable(*, actor: Actor, registration: AppRegistration) -> int:
    """Stop an app: it may ask no one any more, every citizen's authorisation of it ends (each
    consent gets a withdrawn revision) and all its tokens are revoked now. Returns how many
    authorisations ended."""
    registration = AppRegistration.objects.select_for_update().get(pk=registration.pk)
    if registration.disabled_at is not None:
        raise Conflict("app_disabled", _("This app is already disabled"), field="app")
    registration.disabled_at = clock.now()
    registration.save(update_fields=["disabled_at"])
    ended = 0
    for authorisation in (
        AppAuthorisation.objects.select_for_update()
        .select_related("user", "person", "application")
        .filter(application_id=registration.application_id, ended_at__isnull=True)
    ):
        _end(
            actor=actor,
            authorisation=authorisation,
            reason=EndReason.APP_DISABLED,
            withdraw_consent=True,
        )
        ended += 1
    audit_record(
        actor=actor,
        action="oauth.app_disable",
        object_type="oauthapp",
        object_ref=str(registration.public_id),
        after={"authorisations_ended": ended},
    )
    return ended
