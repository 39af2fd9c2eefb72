"""Every write of the single sign-on: start an attempt, finish it (bind or open the citizen
account), refuse it. Each is one transaction with its audit row (DESIGN.md)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.translation import gettext as _

from jiaoguan.accounts.constants import AccountKind
from jiaoguan.accounts.models import User
from jiaoguan.audit.services import Actor, audit_record
from jiaoguan.kernel import clock, crypto
from jiaoguan.kernel.errors import DomainError, Forbidden
from jiaoguan.kernel.idnumber import IdNumber
from jiaoguan.registry.models import Person
from jiaoguan.registry.services import id_number_index, person_create
from jiaoguan.sso import rules
from jiaoguan.sso.client import (
    IdTokenRefused,
    LogoutClaims,
    OidcRelyingParty,
    VerifiedIdentity,
    verify_logout_token,
)
from jiaoguan.sso.client import attempt_lifetime as _lifetime
from jiaoguan.sso.constants import AttemptStatus
from jiaoguan.sso.models import (
    ExternalIdentity,
    PlatformSession,
    SignInAttempt,
    SignInAttemptHistory,
)
from jiaoguan.sso.workflow import can_move

_VERIFIER_CONTEXT = b"sso.code_verifier"


def _transition(attempt: SignInAttempt, target: str, reason: str = "") -> None:
    """Move a locked attempt along the workflow table, with its history row."""
    if not can_move(attempt.status, target):
        raise DomainError(
            "sso_attempt_used",
            _("This sign-in has already been used; please start again"),
            message_en="This sign-in has already been used; please start again",
        )
    SignInAttemptHistory.objects.create(
        attempt=attempt, from_status=attempt.status, to_status=target, at=clock.now(), reason=reason
    )
    attempt.status = target


@dataclass(frozen=True)
class SignedIn:
    user: User
    acr: str
    issuer: str = ""
    subject: str = ""
    sid: str = ""  # the platform session (ID token ``sid``), "" when the platform sent none


@dataclass(frozen=True)
class Redirect:
    attempt: SignInAttempt
    url: str


def sso_begin(*, redirect_uri: str, rp: OidcRelyingParty | None = None) -> Redirect:
    """Open a sign-in attempt (fresh state, nonce and PKCE verifier) and build the URL that
    sends the browser to the provincial platform. The provider's discovery document is read
    (or found in the cache) before the transaction opens."""
    rp = rp or OidcRelyingParty()
    if not rp.configured:
        raise DomainError(
            "sso_not_configured",
            _("Sign-in through the provincial platform is not available here"),
            message_en="Sign-in through the provincial platform is not available here",
        )
    rp.metadata()
    return _begin(redirect_uri=redirect_uri, rp=rp)


@transaction.atomic
def _begin(*, redirect_uri: str, rp: OidcRelyingParty) -> Redirect:
    now = clock.now()
    verifier = secrets.token_urlsafe(64)
    attempt = SignInAttempt.objects.create(
        issuer=rp.issuer,
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        code_verifier_enc=crypto.encrypt(verifier, context=_VERIFIER_CONTEXT),
        redirect_uri=redirect_uri,
        created_at=now,
        expires_at=now + _lifetime(),
    )
    url = rp.authorization_url(
        redirect_uri=redirect_uri, state=attempt.state, nonce=attempt.nonce, code_verifier=verifier
    )
    audit_record(
        actor=Actor.system("single sign-on"),
        action="sso.begin",
        object_type="sso_attempt",
        object_ref=str(attempt.public_id),
        reason=rp.issuer,
    )
    return Redirect(attempt=attempt, url=url)


@transaction.atomic
def _claim(attempt_id: str, state: str) -> tuple[SignInAttempt, str]:
    """Take the attempt for this callback: pending, not expired, same state. One use only."""
    attempt = (
        SignInAttempt.objects.select_for_update().filter(public_id=attempt_id).first()
        if attempt_id
        else None
    )
    if attempt is None or not crypto.constant_time_equal(attempt.state, state or ""):
        raise DomainError(
            "sso_state_mismatch",
            _("This sign-in does not belong to this browser; please start again"),
            message_en="This sign-in does not belong to this browser; please start again",
        )
    if attempt.status == AttemptStatus.PENDING and attempt.expires_at < clock.now():
        raise DomainError(
            "sso_attempt_expired",
            _("The sign-in took too long; please start again"),
            message_en="The sign-in took too long; please start again",
        )
    _transition(attempt, AttemptStatus.EXCHANGING, "callback")
    attempt.save(update_fields=["status"])
    return attempt, crypto.decrypt(attempt.code_verifier_enc, context=_VERIFIER_CONTEXT)


@transaction.atomic
def _refuse(attempt: SignInAttempt, error: DomainError, acr: str = "") -> None:
    attempt = SignInAttempt.objects.select_for_update().get(pk=attempt.pk)
    if attempt.status in (AttemptStatus.COMPLETED, AttemptStatus.REFUSED):
        return
    _transition(attempt, AttemptStatus.REFUSED, error.code)
    attempt.refusal_code = error.code[:40]
    attempt.acr = acr
    attempt.finished_at = clock.now()
    attempt.save(update_fields=["status", "refusal_code", "acr", "finished_at"])
    audit_record(
        actor=Actor.system("single sign-on"),
        action="sso.refused",
        object_type="sso_attempt",
        object_ref=str(attempt.public_id),
        reason=f"{error.code} {acr}".strip(),
    )


def sso_complete(
    *,
    attempt_id: str,
    state: str,
    code: str = "",
    error: str = "",
    rp: OidcRelyingParty | None = None,
) -> SignedIn:
    """Finish a sign-in from the provider's callback: check the state against the attempt
    this browser started, exchange the code with the PKCE verifier, verify the ID token
    (signature, issuer, audience, expiry, nonce), apply the assurance policy
    (:func:`jiaoguan.sso.rules.assurance_decision`) and bind or open the citizen account.
    Every outcome is audited; every refusal raises a :class:`DomainError`."""
    rp = rp or OidcRelyingParty()
    try:
        attempt, verifier = _claim(attempt_id, state)
    except DomainError as exc:
        expired = exc.code == "sso_attempt_expired"
        stale = SignInAttempt.objects.filter(public_id=attempt_id).first() if expired else None
        if stale is not None:
            _refuse(stale, exc)  # recorded as refused, with its history and audit rows
        else:
            _audit_unclaimed(attempt_id, exc)
        raise
    identity: VerifiedIdentity | None = None
    try:
        if error or not code:
            raise DomainError(
                "sso_denied",
                _("The provincial platform did not sign you in"),
                message_en=f"The provincial platform did not sign you in ({error or 'no code'})",
            )
        tokens = rp.exchange(code=code, code_verifier=verifier, redirect_uri=attempt.redirect_uri)
        identity = rp.verify_id_token(
            tokens.id_token, nonce=attempt.nonce, access_token=tokens.access_token
        )
        decision = rules.assurance_decision(identity.acr)
        if not decision.may_sign_in:
            raise Forbidden(
                f"sso_{decision.reason}",
                _(
                    "Your sign-in at the provincial platform does not confirm your real name. "
                    "Please verify your real name there, or sign in with your jiaoguan account"
                ),
                citation=decision.citation,
                message_en=(
                    "Your sign-in at the provincial platform does not confirm your real name "
                    f"(level {decision.acr or '-'}). Please verify your real name there, or "
                    "sign in with your jiaoguan account"
                ),
            )
        sid = identity.claims.get("sid")
        return SignedIn(
            user=_bind(attempt, identity),
            acr=identity.acr,
            issuer=identity.issuer,
            subject=identity.subject,
            sid=sid if isinstance(sid, str) else "",
        )
    except DomainError as exc:
        _refuse(attempt, exc, identity.acr if identity else "")
        raise


@transaction.atomic
def _audit_unclaimed(attempt_id: str, error: DomainError) -> None:
    """A callback that matched no usable attempt (wrong state, none in the session, expired)."""
    audit_record(
        actor=Actor.system("single sign-on"),
        action="sso.refused",
        object_type="sso_attempt",
        object_ref=str(attempt_id)[:64],
        reason=error.code,
    )


def _account_refused(code: str) -> DomainError:
    return Forbidden(
        code,
        _("This identity cannot sign in to a citizen account; please visit a service window"),
        message_en="This identity cannot sign in to a citizen account; please visit a window",
    )


@transaction.atomic
def _bind(attempt: SignInAttempt, identity: VerifiedIdentity) -> User:
    """Find the account for the verified identity (by issuer + subject, else through the
    person's blind index), or open one; record the sign-in."""
    attempt = SignInAttempt.objects.select_for_update().get(pk=attempt.pk)
    now = clock.now()
    try:
        number = str(IdNumber.parse(identity.id_number))
    except DomainError as exc:
        raise IdTokenRefused(
            "id_token_claims", _("The platform sent an ID number that is not valid")
        ) from exc
    index = id_number_index(number)
    link = (
        ExternalIdentity.objects.select_for_update(of=("self",))
        .select_related("user__person")
        .filter(issuer=identity.issuer, subject=identity.subject)
        .first()
    )
    system = Actor.system("single sign-on")
    opened = False
    if link is not None:
        user = link.user
        if user.person is None or user.person.id_number_index != index:
            raise _account_refused("sso_identity_changed")
    else:
        person = Person.objects.filter(id_number_index=index).first()
        user_found = User.objects.filter(person=person).first() if person is not None else None
        if user_found is not None:
            user = user_found
        else:
            if person is None:
                person = person_create(actor=system, name=identity.name, id_number=number)
            user = User(
                username=f"gov-{identity.subject[:24]}",
                kind=AccountKind.CITIZEN,
                person=person,
                real_name_verified_at=now,
            )
            user.set_unusable_password()
            user.save()
            user.groups.add(Group.objects.get(name="citizen"))
            opened = True
        link = ExternalIdentity.objects.create(
            user=user,
            issuer=identity.issuer,
            subject=identity.subject,
            bound_at=now,
            last_sign_in_at=now,
            last_acr=identity.acr,
        )
        audit_record(
            actor=Actor.of(user),
            action="account.open_sso" if opened else "account.bind_sso",
            object_type="user",
            object_ref=str(user.public_id),
            reason=f"{identity.issuer} acr {identity.acr}",
            subject_person_ref=str(user.person.public_id) if user.person else "",
        )
    if user.kind != AccountKind.CITIZEN or not user.is_active:
        raise _account_refused("sso_not_citizen")
    ExternalIdentity.objects.filter(pk=link.pk).update(last_sign_in_at=now, last_acr=identity.acr)
    User.objects.filter(pk=user.pk).update(last_login=now, failed_logins=0, locked_until=None)
    _transition(attempt, AttemptStatus.COMPLETED, "signed in")
    attempt.user = user
    attempt.acr = identity.acr
    attempt.finished_at = now
    attempt.save(update_fields=["status", "user", "acr", "finished_at"])
    audit_record(
        actor=Actor.of(user),
        action="account.login",
        object_type="user",
        object_ref=str(user.public_id),
        reason=f"sso {identity.acr} policy {rules.POLICY_VERSION}",
        subject_person_ref=str(user.person.public_id) if user.person else "",
    )
    return User.objects.get(pk=user.pk)


@transaction.atomic
def platform_session_record(*, signed_in: SignedIn, session_key: str) -> PlatformSession:
    """Remember which jiaoguan session a sign-on at the platform opened, so that the
    platform's back-channel logout can end it."""
    return PlatformSession.objects.create(
        user=signed_in.user,
        issuer=signed_in.issuer,
        subject=signed_in.subject,
        sid=signed_in.sid,
        session_key=session_key,
        signed_in_at=clock.now(),
    )


def sso_backchannel_logout(*, logout_token: str, rp: OidcRelyingParty | None = None) -> int:
    """The platform says a citizen's session there has ended (OpenID Connect Back-Channel
    Logout 1.0): the logout token is verified (``client.verify_logout_token``), then every
    jiaoguan session opened from that platform session (its ``sid``; every session of the
    subject when the token names no ``sid``) is ended, each with its audit row. Returns how
    many; a token naming no open session ends nothing and is not an error."""
    rp = rp or OidcRelyingParty()
    try:
        claims = verify_logout_token(rp, logout_token)
    except DomainError as exc:
        with transaction.atomic():
            audit_record(
                actor=Actor.system("single sign-on"),
                action="sso.logout_refused",
                object_type="sso_logout",
                reason=exc.code,
            )
        raise
    return _end_platform_sessions(rp.issuer, claims)


@transaction.atomic
def _end_platform_sessions(issuer: str, claims: LogoutClaims) -> int:
    from importlib import import_module

    from django.conf import settings

    open_ = PlatformSession.objects.select_for_update(of=("self",)).filter(
        issuer=issuer, ended_at=None
    )
    open_ = open_.filter(sid=claims.sid) if claims.sid else open_.filter(subject=claims.subject)
    if claims.sid and claims.subject:
        open_ = open_.filter(subject=claims.subject)
    store = import_module(settings.SESSION_ENGINE).SessionStore
    now = clock.now()
    ended = 0
    for ps in open_.select_related("user__person"):
        store(session_key=ps.session_key).delete()
        ps.ended_at, ps.end_reason = now, "backchannel_logout"
        ps.save(update_fields=["ended_at", "end_reason"])
        user = ps.user
        audit_record(
            actor=Actor.system("single sign-on"),
            action="account.logout_sso",
            object_type="user",
            object_ref=str(user.public_id),
            reason=f"{issuer} back-channel logout",
            subject_person_ref=str(user.person.public_id) if user.person else "",
        )
        ended += 1
    return ended


def platform_logout_url(*, session_key: str, post_logout_redirect_uri: str) -> str | None:
    """The citizen signs out at jiaoguan. The platform sessions this session came from are
    marked ended (audited), and the URL that ends the platform's session too is returned
    (OpenID Connect RP-Initiated Logout 1.0: the provider's ``end_session_endpoint`` with our
    ``client_id`` and where to come back), so that on a shared computer the next person cannot
    sign straight back in. None when the session did not come from the platform, or the
    provider cannot be reached (the sign-out here happens anyway)."""
    with transaction.atomic():
        rows = list(
            PlatformSession.objects.select_for_update(of=("self",))
            .select_related("user__person")
            .filter(session_key=session_key, ended_at=None)
        )
        now = clock.now()
        for ps in rows:
            ps.ended_at, ps.end_reason = now, "signed_out_here"
            ps.save(update_fields=["ended_at", "end_reason"])
            audit_record(
                actor=Actor.of(ps.user),
                action="account.logout",
                object_type="user",
                object_ref=str(ps.user.public_id),
                reason=f"{ps.issuer} sign-on ended here",
                subject_person_ref=str(ps.user.person.public_id) if ps.user.person else "",
            )
    if not rows:
        return None
    rp = OidcRelyingParty()
    try:
        endpoint = rp.metadata().get("end_session_endpoint")
    except DomainError:
        return None
    if not isinstance(endpoint, str) or not endpoint:
        return None
    query = urlencode(
        {"client_id": rp.client_id, "post_logout_redirect_uri": post_logout_redirect_uri}
    )
    return f"{endpoint}?{query}"
