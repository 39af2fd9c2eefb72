"""Every write concerning accounts: real-name registration, sign-in with a second factor,
lock-out, staff accounts and partner API clients. Each is one transaction with its audit row."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

import pyotp
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from jiaoguan.accounts.constants import AccountKind, OtpChannel, PartnerSector
from jiaoguan.accounts.models import ApiClient, OtpChallenge, User
from jiaoguan.accounts.ports import IdentityPlatform, SmsGateway, get_port
from jiaoguan.accounts.principal import SCOPE_PERMISSIONS
from jiaoguan.accounts.roles import ROLE_BY_CODE
from jiaoguan.audit.services import Actor, audit_record
from jiaoguan.kernel import clock, crypto
from jiaoguan.kernel.errors import Conflict, DomainError, Forbidden
from jiaoguan.kernel.idnumber import IdNumber
from jiaoguan.registry.models import Organisation, Person
from jiaoguan.registry.services import id_number_index, normalise_phone, person_create

OTP_TTL = dt.timedelta(minutes=5)
OTP_MAX_ATTEMPTS = 5


def _audit_user(actor: Actor, user: User, action: str, reason: str = "") -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type="user",
        object_ref=str(user.public_id),
        reason=reason,
        subject_person_ref=str(user.person.public_id) if user.person else "",
    )


def _check_username(username: str) -> str:
    username = username.strip()
    if not (3 <= len(username) <= 64) or not all(c.isalnum() or c in "._-@" for c in username):
        raise DomainError(
            "invalid_username",
            _("A username has 3 to 64 letters, digits or . _ - @"),
            field="username",
        )
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict("username_taken", _("This username is taken"), field="username")
    return username


def _check_scope(region_scope: str) -> None:
    """A scope is a GB/T 2260 prefix: 2 (province), 4 (city) or 6 (county) digits."""
    if len(region_scope) not in (2, 4, 6) or not region_scope.isdigit():
        raise DomainError(
            "invalid_scope",
            _("The scope must be a 2, 4 or 6 digit region code"),
            field="region_scope",
        )


def _check_password(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError("weak_password", "；".join(exc.messages), field="password") from exc


@transaction.atomic
def citizen_register(
    *,
    username: str,
    password: str,
    name: str,
    id_number: str,
    phone: str,
    identity: IdentityPlatform | None = None,
    password_hash: str | None = None,
) -> User:
    """Open a citizen account bound to a registry person by real-name verification.

    The identity platform confirms that the name belongs to the ID number; the person record
    is found through the blind index (or created). Nobody types their ID number again after this.
    """
    username = _check_username(username)
    parsed = IdNumber.parse(id_number)
    number = str(parsed)
    phone = normalise_phone(phone)
    name = name.strip()
    verdict = (identity or get_port("identity")).verify(name=name, id_number=number)
    if not verdict.match:
        messages = {
            "name_mismatch": _("The name does not match the ID number"),
            "no_such_person": _("The identity platform has no such person"),
            "deceased": _("This ID number cannot be used for business"),
        }
        raise DomainError(
            f"identity_{verdict.reason}",
            messages.get(verdict.reason, _("Real-name verification failed")),
            field="id_number",
        )
    person = Person.objects.filter(id_number_index=id_number_index(number)).first()
    if person is not None and hasattr(person, "account"):
        raise Conflict(
            "person_has_account",
            _("An account is already open for this ID number"),
            field="id_number",
        )
    system = Actor.system("real-name registration")
    if person is None:
        person = person_create(actor=system, name=name, id_number=number, phone=phone)
    user = User(
        username=username,
        kind=AccountKind.CITIZEN,
        person=person,
        real_name_verified_at=clock.now(),
        phone_enc=crypto.encrypt(phone, context=b"user.phone"),
    )
    if password_hash:
        user.password = password_hash
    else:
        _check_password(password, user)
        user.set_password(password)
    user.save()
    user.groups.add(Group.objects.get(name="citizen"))
    _audit_user(
        Actor.of(user),
        user,
        "account.register",
        reason=f"real-name verified, assurance {verdict.assurance}",
    )
    return user


@dataclass
class LoginStep:
    """Outcome of the password step: a challenge to answer, or a refusal to show."""

    challenge: OtpChallenge | None = None
    error: DomainError | None = None


def _refusal(user: User | None) -> DomainError:
    if user is not None and user.locked_until and user.locked_until > clock.now():
        return Forbidden(
            "account_locked",
            _(
                "Too many failed sign-ins: the account is locked for a while. "
                "Please try again later"
            ),
        )
    return DomainError("bad_credentials", _("Wrong username or password"))


@transaction.atomic
def _record_failure(user: User | None, reason: str) -> None:
    if user is None:
        return
    user = User.objects.select_for_update().get(pk=user.pk)
    user.failed_logins += 1
    fields = ["failed_logins"]
    if user.failed_logins >= settings.LOGIN_MAX_FAILURES:
        user.locked_until = clock.now() + dt.timedelta(minutes=settings.LOGIN_LOCK_MINUTES)
        user.failed_logins = 0
        fields.append("locked_until")
        _audit_user(Actor.system("sign-in guard"), user, "account.locked", reason=reason)
    user.save(update_fields=fields)
    _audit_user(Actor.of(user), user, "account.login_failed", reason=reason)


def login_start(*, username: str, password: str, sms: SmsGateway | None = None) -> LoginStep:
    """Check the password; on success open a one-time-code challenge (SMS for citizens,
    TOTP for staff). Failures are counted; the account locks after too many."""
    user = User.objects.filter(username__iexact=username.strip()).first()
    if user is None or not user.is_active:
        User().set_password(password)  # same work as a real check: no timing oracle
        return LoginStep(error=_refusal(None))
    if user.locked_until and user.locked_until > clock.now():
        return LoginStep(error=_refusal(user))
    if not user.check_password(password):
        _record_failure(user, "wrong password")
        return LoginStep(error=_refusal(User.objects.get(pk=user.pk)))
    return LoginStep(challenge=_open_challenge(user, sms=sms))


@transaction.atomic
def _open_challenge(user: User, *, sms: SmsGateway | None) -> OtpChallenge:
    now = clock.now()
    challenge = OtpChallenge(
        user=user, channel=user.otp_channel, created_at=now, expires_at=now + OTP_TTL
    )
    if challenge.channel == OtpChannel.SMS:
        code = f"{secrets.randbelow(10**6):06d}"
        challenge.code_hash = crypto.sm3_hex(f"{challenge.public_id}:{code}")
        phone = user.phone or (user.person.phone if user.person else "")
        if not phone:
            raise DomainError(
                "no_phone",
                _("No mobile phone is on record for this account; please visit a service window"),
            )
        challenge.save()
        (sms or get_port("sms")).send(
            phone=phone, text=f"【交管】您的登录验证码为{code}，5分钟内有效。请勿告诉他人。"
        )
    else:
        challenge.save()
    audit_record(
        actor=Actor.of(user),
        action="account.otp_sent",
        object_type="user",
        object_ref=str(user.public_id),
        reason=challenge.channel,
    )
    return challenge


def _code_ok(challenge: OtpChallenge, code: str) -> bool:
    code = code.strip()
    if challenge.channel == OtpChannel.SMS:
        return crypto.constant_time_equal(
            challenge.code_hash, crypto.sm3_hex(f"{challenge.public_id}:{code}")
        )
    secret = challenge.user.totp_secret
    return bool(secret) and pyotp.TOTP(secret).verify(code, for_time=clock.now(), valid_window=1)


def login_verify(*, challenge_id: str, code: str) -> tuple[User | None, DomainError | None]:
    """Answer the one-time-code challenge. Returns the user on success, else the refusal."""
    now = clock.now()
    challenge = (
        OtpChallenge.objects.select_related("user", "user__person")
        .filter(public_id=challenge_id)
        .first()
    )
    if challenge is None or challenge.used_at or challenge.expires_at < now:
        return None, DomainError(
            "otp_expired", _("The code has expired; please sign in again"), field="code"
        )
    user = challenge.user
    if user.locked_until and user.locked_until > now:
        return None, _refusal(user)
    if challenge.attempts >= OTP_MAX_ATTEMPTS:
        return None, DomainError(
            "otp_expired", _("The code has expired; please sign in again"), field="code"
        )
    if not _code_ok(challenge, code):
        OtpChallenge.objects.filter(pk=challenge.pk).update(attempts=challenge.attempts + 1)
        _record_failure(user, "wrong one-time code")
        refusal = _refusal(User.objects.get(pk=user.pk))
        if refusal.code == "bad_credentials":
            refusal = DomainError("otp_wrong", _("The code is not correct"), field="code")
        return None, refusal
    _complete_login(challenge)
    return User.objects.get(pk=user.pk), None


@transaction.atomic
def _complete_login(challenge: OtpChallenge) -> None:
    OtpChallenge.objects.filter(pk=challenge.pk).update(used_at=clock.now())
    User.objects.filter(pk=challenge.user_id).update(
        failed_logins=0, locked_until=None, last_login=clock.now()
    )
    _audit_user(Actor.of(challenge.user), challenge.user, "account.login", reason=challenge.channel)


@transaction.atomic
def staff_create(
    *,
    actor: Actor,
    username: str,
    password: str,
    roles: list[str],
    region_scope: str,
    organisation: Organisation | None = None,
    first_name: str = "",
    totp_secret: str | None = None,
    password_hash: str | None = None,
) -> User:
    """Open a staff account with its roles and scope and a TOTP secret (fresh unless given).

    ``password_hash`` takes an already hashed password instead of ``password`` (accounts
    provisioned in bulk from an existing directory, and the demo seed)."""
    username = _check_username(username)
    unknown = [r for r in roles if r not in ROLE_BY_CODE or r == "citizen"]
    if unknown or not roles:
        raise DomainError(
            "invalid_role",
            _("Unknown role: %(roles)s") % {"roles": ", ".join(unknown) or "-"},
            field="roles",
        )
    _check_scope(region_scope)
    kind = ROLE_BY_CODE[roles[0]].kind
    user = User(
        username=username,
        kind=kind,
        region_scope=region_scope,
        organisation=organisation,
        first_name=first_name,
        is_staff=False,
    )
    if password_hash:
        user.password = password_hash
    else:
        _check_password(password, user)
        user.set_password(password)
    secret = totp_secret or pyotp.random_base32()
    user.totp_secret_enc = crypto.encrypt(secret, context=b"user.totp")
    user.save()
    user.groups.set(Group.objects.filter(name__in=roles))
    _audit_user(actor, user, "account.staff_create", reason=",".join(roles))
    return user


@transaction.atomic
def api_client_create(
    *,
    actor: Actor,
    name: str,
    scopes: list[str],
    region_scope: str,
    organisation: Organisation | None = None,
    rate_per_minute: int = 600,
    sector: str = "",
    cert_sha256: str = "",
) -> tuple[ApiClient, str]:
    """Register a partner system; returns the client and its bearer token (shown once).
    ``rate_per_minute`` caps its requests (0: no cap); ``cert_sha256`` binds the credential to
    a client certificate (mutual TLS at the proxy)."""
    if sector and sector not in PartnerSector.values:
        raise DomainError("invalid_sector", _("Unknown kind of partner"), field="sector")
    cert_sha256 = _clean_fingerprint(cert_sha256)
    if not 0 <= rate_per_minute <= 1_000_000:
        raise DomainError(
            "invalid_rate", _("The rate is a number of requests a minute"), field="rate_per_minute"
        )
    bad = [s for s in scopes if s not in SCOPE_PERMISSIONS]
    if bad or not scopes:
        raise DomainError(
            "invalid_scope",
            _("Unknown scope: %(scopes)s") % {"scopes": ", ".join(bad) or "-"},
            field="scopes",
        )
    _check_scope(region_scope)
    token = _new_partner_token()
    client = ApiClient.objects.create(
        sector=sector,
        cert_sha256=cert_sha256,
        name=name,
        organisation=organisation,
        token_hash=crypto.sm3_hex(token),
        token_prefix=token[:10],
        scopes=sorted(set(scopes)),
        region_scope=region_scope,
        rate_per_minute=rate_per_minute,
        created_at=clock.now(),
    )
    audit_record(
        actor=actor,
        action="api_client.create",
        object_type="api_client",
        object_ref=str(client.public_id),
        reason=",".join(client.scopes),
    )
    return client, token


@transaction.atomic
def api_client_revoke(*, actor: Actor, client: ApiClient, reason: str) -> ApiClient:
    client = ApiClient.objects.select_for_update().get(pk=client.pk)
    if client.revoked_at is None:
        client.revoked_at = clock.now()
        client.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="api_client.revoke",
            object_type="api_client",
            object_ref=str(client.public_id),
            reason=reason,
        )
    return client


def _new_partner_token() -> str:
    return "jg_" + secrets.token_urlsafe(32)


def _clean_fingerprint(value: str) -> str:
    """A certificate's SHA-256 fingerprint as 64 lower-case hex digits ('' for none)."""
    cleaned = (value or "").replace(":", "").strip().lower()
    if cleaned and (len(cleaned) != 64 or any(c not in "0123456789abcdef" for c in cleaned)):
        raise DomainError(
            "invalid_fingerprint",
            _("A certificate fingerprint is 64 hexadecimal digits (SHA-256)"),
            field="cert_sha256",
        )
    return cleaned


#: longest grace period a rotated partner token keeps working
MAX_ROTATION_GRACE = dt.timedelta(days=7)


@transaction.atomic
def api_client_rotate(
    *, actor: Actor, client: ApiClient, grace: dt.timedelta = dt.timedelta(hours=24)
) -> tuple[ApiClient, str]:
    """Issue a new bearer token (returned once). The token it replaces keeps working for
    ``grace`` (at most seven days; zero refuses it at once), then is refused; a token replaced
    by an earlier rotation stops now."""
    if not dt.timedelta(0) <= grace <= MAX_ROTATION_GRACE:
        raise DomainError(
            "invalid_grace", _("The grace period is between 0 and 7 days"), field="grace"
        )
    client = ApiClient.objects.select_for_update().get(pk=client.pk)
    if client.revoked_at is not None:
        raise Conflict("client_revoked", _("This client is revoked"), field="client")
    now = clock.now()
    token = _new_partner_token()
    client.previous_token_hash = client.token_hash if grace else ""
    client.previous_valid_until = now + grace if grace else None
    client.token_hash = crypto.sm3_hex(token)
    client.token_prefix = token[:10]
    client.rotated_at = now
    client.save(
        update_fields=[
            "previous_token_hash",
            "previous_valid_until",
            "token_hash",
            "token_prefix",
            "rotated_at",
        ]
    )
    audit_record(
        actor=actor,
        action="api_client.rotate",
        object_type="api_client",
        object_ref=str(client.public_id),
        after={
            "token_prefix": client.token_prefix,
            "previous_valid_until": (
                client.previous_valid_until.isoformat() if client.previous_valid_until else None
            ),
        },
    )
    return client, token


def api_client_for_token(token: str, *, cert_sha256: str | None = None) -> ApiClient | None:
    """The active client whose current token this is, or whose previous token it is within the
    rotation grace period; None otherwise. A client bound to a certificate also needs the
    fingerprint of the certificate the proxy verified."""
    if not token.startswith("jg_") or len(token) > 100:
        return None
    digest = crypto.sm3_hex(token)
    client = ApiClient.objects.filter(token_hash=digest).first()
    if client is None:
        client = ApiClient.objects.filter(
            previous_token_hash=digest, previous_valid_until__gt=clock.now()
        ).first()
    if client is None or client.revoked_at is not None:
        return None
    if client.cert_sha256:
        presented = (cert_sha256 or "").replace(":", "").strip().lower()
        if not secrets.compare_digest(presented, client.cert_sha256):
            return None
    return client
