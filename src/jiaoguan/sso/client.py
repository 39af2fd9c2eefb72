"""The OpenID Connect relying party: jiaoguan's side of the provincial platform's sign-on.

Built on maintained libraries: authlib's OAuth 2.0 client (``OAuth2Session``: the
authorization URL with PKCE ``S256``, the token request with client authentication) and
joserfc (authlib's JOSE library) to verify the ID token:

* the signature, with a key from the provider's JWKS, ``RS256`` only (never ``none`` or a
  symmetric algorithm chosen by the token);
* the keys are fetched from ``jwks_uri`` and cached (:data:`JWKS_CACHE_SECONDS`); a token
  whose ``kid`` is not in the cached set makes one refetch (the provider rotated its keys),
  and a ``kid`` still unknown after that is refused;
* the claims: ``iss`` is the configured issuer, ``aud`` contains our client id, ``azp`` (when
  present, and always when there are several audiences) is our client id, ``exp`` is in the
  future and ``iat`` not in the future (:data:`LEEWAY_SECONDS` of clock skew), and ``nonce``
  is the one this sign-in attempt sent; ``at_hash``, when present, matches the access token.

The discovery document is read once and cached; its ``issuer`` must be the configured one.
Failures reaching the provider become :class:`~jiaoguan.kernel.errors.PartnerUnavailable`;
a token that fails a check becomes :class:`IdTokenRefused` with a stable code.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _
from joserfc import jws, jwt
from joserfc.errors import JoseError, MissingClaimError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry

from jiaoguan.kernel import clock, crypto
from jiaoguan.kernel.errors import DomainError, PartnerUnavailable

JWKS_CACHE_SECONDS = 3600
DISCOVERY_CACHE_SECONDS = 3600
LEEWAY_SECONDS = 60
ALGORITHMS = ["RS256"]
SCOPE = "openid profile id_number"


class IdTokenRefused(DomainError):
    """The ID token failed a check; ``code`` says which (``id_token_signature``, …)."""

    status = 401
    title = "Sign-in refused"


@dataclass(frozen=True)
class VerifiedIdentity:
    """What a verified ID token says about the person."""

    issuer: str
    subject: str
    name: str
    id_number: str
    acr: str
    amr: tuple[str, ...]
    auth_time: int | None
    claims: dict[str, Any]


@dataclass(frozen=True)
class TokenAnswer:
    id_token: str
    access_token: str


def _refused(code: str, detail: str) -> IdTokenRefused:
    return IdTokenRefused(
        code,
        _("The provincial platform's sign-in could not be verified; please try again"),
        message_en=f"The sign-in could not be verified ({detail})",
    )


class OidcRelyingParty:
    """The port to the provincial identity platform (``settings.PORTS["oidc"]``)."""

    def __init__(
        self,
        *,
        issuer: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        timeout: float | None = None,
    ) -> None:
        self.issuer = (issuer if issuer is not None else settings.SSO_ISSUER).rstrip("/")
        self.client_id = client_id if client_id is not None else settings.SSO_CLIENT_ID
        self.client_secret = (
            client_secret if client_secret is not None else settings.SSO_CLIENT_SECRET
        )
        self.timeout = timeout if timeout is not None else settings.PARTNER_TIMEOUT

    @property
    def configured(self) -> bool:
        return bool(self.issuer and self.client_id and self.client_secret)

    # -- provider metadata ----------------------------------------------------------------

    def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = requests.get(url, timeout=self.timeout)
            data = response.json()
        except requests.Timeout as exc:
            raise self._unavailable("partner_timeout", exc) from exc
        except (requests.RequestException, ValueError) as exc:
            raise self._unavailable("partner_unreachable", exc) from exc
        if response.status_code != 200 or not isinstance(data, dict):
            raise self._unavailable("partner_error", f"{url} answered {response.status_code}")
        return data

    def _unavailable(self, code: str, detail: object) -> PartnerUnavailable:
        return PartnerUnavailable(
            code,
            _("The provincial identity platform cannot be reached; please try again later"),
            message_en=f"The provincial identity platform cannot be reached ({detail})",
        )

    def metadata(self) -> dict[str, Any]:
        key = f"sso:discovery:{crypto.sm3_hex(self.issuer)}"
        data = cache.get(key)
        if data is None:
            data = self._get_json(f"{self.issuer}/.well-known/openid-configuration")
            needed = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
            if data.get("issuer") != self.issuer or not all(
                isinstance(data.get(k), str) for k in needed
            ):
                raise self._unavailable("partner_error", "discovery document malformed")
            cache.set(key, data, DISCOVERY_CACHE_SECONDS)
        return dict(data)

    def _jwks(self, *, refresh: bool) -> KeySet:
        uri = self.metadata()["jwks_uri"]
        key = f"sso:jwks:{crypto.sm3_hex(uri)}"
        data = None if refresh else cache.get(key)
        if data is None:
            data = self._get_json(uri)
            try:
                KeySet.import_key_set(data)  # type: ignore[arg-type]
            except (JoseError, ValueError, TypeError, KeyError) as exc:
                raise self._unavailable("partner_error", "JWKS malformed") from exc
            cache.set(key, data, JWKS_CACHE_SECONDS)
        return KeySet.import_key_set(data)  # type: ignore[arg-type]

    # -- the flow -------------------------------------------------------------------------

    def _session(self, redirect_uri: str) -> OAuth2Session:
        return OAuth2Session(
            client_id=self.client_id,
            client_secret=self.client_secret,
            scope=SCOPE,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            token_endpoint_auth_method="client_secret_basic",  # noqa: S106 (a method name)
        )

    def authorization_url(
        self, *, redirect_uri: str, state: str, nonce: str, code_verifier: str
    ) -> str:
        endpoint = self.metadata()["authorization_endpoint"]
        with self._session(redirect_uri) as session:
            url, _state = session.create_authorization_url(
                endpoint, state=state, code_verifier=code_verifier, nonce=nonce
            )
        return str(url)

    def exchange(self, *, code: str, code_verifier: str, redirect_uri: str) -> TokenAnswer:
        """Trade the authorization code (and the PKCE verifier) for the tokens."""
        endpoint = self.metadata()["token_endpoint"]
        with self._session(redirect_uri) as session:
            try:
                token = session.fetch_token(
                    endpoint,
                    grant_type="authorization_code",
                    code=code,
                    code_verifier=code_verifier,
                    timeout=self.timeout,
                )
            except OAuthError as exc:
                raise _refused("token_refused", f"token endpoint: {exc.error}") from exc
            except requests.Timeout as exc:
                raise self._unavailable("partner_timeout", exc) from exc
            except (requests.RequestException, ValueError) as exc:
                raise self._unavailable("partner_unreachable", exc) from exc
        id_token, access_token = token.get("id_token"), token.get("access_token")
        if not isinstance(id_token, str) or not isinstance(access_token, str):
            raise _refused("id_token_missing", "no ID token in the token answer")
        return TokenAnswer(id_token=id_token, access_token=access_token)

    def signed_claims(
        self, raw: str, kind: str, check_header: Callable[[dict[str, Any]], None] | None = None
    ) -> dict[str, Any]:
        """The claims of a compact JWS signed with a key of the provider's JWKS (``RS256``
        only); refusals are coded ``<kind>_malformed``, ``_algorithm``, ``_unknown_key`` (after
        one refetch: the provider may have rotated its keys) and ``_signature``."""
        try:
            header = jws.extract_compact(raw.encode("ascii")).protected
        except (JoseError, ValueError, UnicodeError) as exc:
            raise _refused(f"{kind}_malformed", "not a compact JWS") from exc
        if header.get("alg") not in ALGORITHMS:
            raise _refused(f"{kind}_algorithm", f"alg {header.get('alg')!r}")
        if check_header is not None:
            check_header(dict(header))
        kid = header.get("kid")
        keys = self._jwks(refresh=False)
        if not isinstance(kid, str) or not any(k.kid == kid for k in keys.keys):
            keys = self._jwks(refresh=True)
            if not isinstance(kid, str) or not any(k.kid == kid for k in keys.keys):
                raise _refused(f"{kind}_unknown_key", f"kid {kid!r} not in the JWKS")
        try:
            return dict(jwt.decode(raw, keys, algorithms=ALGORITHMS).claims)
        except (JoseError, ValueError) as exc:
            raise _refused(f"{kind}_signature", "signature does not verify") from exc

    def verify_id_token(
        self, raw: str, *, nonce: str, access_token: str | None = None
    ) -> VerifiedIdentity:
        """Check the ID token's signature and claims; see the module docstring. With
        ``access_token``, an ``at_hash`` claim must match it (OpenID Connect Core 3.1.3.8)."""
        claims = self.signed_claims(raw, "id_token")
        now = int(clock.now().timestamp())
        registry = JWTClaimsRegistry(
            now=now,
            leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": self.issuer},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        try:
            registry.validate(claims)
        except JoseError as exc:
            code = {
                "iss": "id_token_issuer",
                "exp": "id_token_expired",
                "iat": "id_token_issued_at",
                "nonce": "id_token_nonce",
            }.get(str(getattr(exc, "claim", "")), "id_token_claims")
            if isinstance(exc, MissingClaimError):
                code = "id_token_claims"
            raise _refused(code, str(exc)) from exc
        iat = claims.get("iat")
        if not isinstance(iat, int) or iat > now + LEEWAY_SECONDS:
            raise _refused("id_token_issued_at", "iat in the future")
        audience = claims.get("aud")
        audiences = [audience] if isinstance(audience, str) else audience
        if not isinstance(audiences, list) or self.client_id not in audiences:
            raise _refused("id_token_audience", "aud does not name this client")
        azp = claims.get("azp")
        if (len(audiences) > 1 or azp is not None) and azp != self.client_id:
            raise _refused("id_token_audience", "azp is not this client")
        at_hash = claims.get("at_hash")
        if access_token is not None and at_hash is not None and at_hash != _at_hash(access_token):
            raise _refused("id_token_at_hash", "at_hash does not match the access token")
        name, id_number, acr = claims.get("name"), claims.get("id_number"), claims.get("acr")
        if not all(isinstance(v, str) and v for v in (name, id_number)):
            raise _refused("id_token_claims", "name and id_number are required")
        amr = claims.get("amr")
        auth_time = claims.get("auth_time")
        return VerifiedIdentity(
            issuer=self.issuer,
            subject=str(claims["sub"]),
            name=str(name),
            id_number=str(id_number),
            acr=acr if isinstance(acr, str) else "",
            amr=tuple(str(a) for a in amr) if isinstance(amr, list) else (),
            auth_time=auth_time if isinstance(auth_time, int) else None,
            claims=claims,
        )


BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
#: how long a logout token's ``jti`` is remembered (replays refused), and its oldest ``iat``
LOGOUT_TOKEN_SECONDS = 300


@dataclass(frozen=True)
class LogoutClaims:
    subject: str
    sid: str


def verify_logout_token(rp: OidcRelyingParty, raw: str) -> LogoutClaims:
    """Check a back-channel logout token (OpenID Connect Back-Channel Logout 1.0, 2.6):
    signed by the provider (a key of its JWKS, ``RS256``), ``typ`` ``logout+jwt`` or ``JWT``,
    ``iss`` the issuer, ``aud`` this client, ``iat`` recent and not in the future, ``exp``
    (when given) not passed, a ``jti`` never seen before, the back-channel ``events`` member,
    a ``sub`` or a ``sid``, and no ``nonce``. Refusals are :class:`IdTokenRefused`."""

    def typed(header: dict[str, Any]) -> None:
        # explicitly typed logout+jwt, or a plain JWT (the events claim and the absent nonce
        # already keep an ID token from passing for a logout token); no other type
        if header.get("typ") not in (None, "JWT", "logout+jwt"):
            raise _refused("logout_token_type", f"typ {header.get('typ')!r}")

    claims = rp.signed_claims(raw, "logout_token", typed)
    now = int(clock.now().timestamp())
    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else audience
    iat, exp = claims.get("iat"), claims.get("exp")
    events = claims.get("events")
    subject, sid, jti = claims.get("sub"), claims.get("sid"), claims.get("jti")
    problems = [
        ("logout_token_issuer", claims.get("iss") != rp.issuer),
        ("logout_token_audience", not isinstance(audiences, list) or rp.client_id not in audiences),
        (
            "logout_token_issued_at",
            not isinstance(iat, int)
            or iat > now + LEEWAY_SECONDS
            or iat < now - LOGOUT_TOKEN_SECONDS,
        ),
        ("logout_token_expired", exp is not None and (not isinstance(exp, int) or exp < now)),
        (
            "logout_token_events",
            not isinstance(events, dict) or not isinstance(events.get(BACKCHANNEL_EVENT), dict),
        ),
        (
            "logout_token_subject",
            not (isinstance(subject, str) and subject) and not (isinstance(sid, str) and sid),
        ),
        ("logout_token_nonce", "nonce" in claims),
        ("logout_token_jti", not isinstance(jti, str) or not jti),
    ]
    for code, failed in problems:
        if failed:
            raise _refused(code, code.removeprefix("logout_token_"))
    seen = f"sso:logout-jti:{crypto.sm3_hex(f'{rp.issuer} {jti}')}"
    if not cache.add(seen, 1, LOGOUT_TOKEN_SECONDS + LEEWAY_SECONDS):
        raise _refused("logout_token_replayed", "jti already used")
    return LogoutClaims(
        subject=subject if isinstance(subject, str) else "",
        sid=sid if isinstance(sid, str) else "",
    )


def _at_hash(access_token: str) -> str:
    """The left half of the SHA-256 of the access token, base64url without padding (RS256)."""
    digest = hashlib.sha256(access_token.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode()


def attempt_lifetime() -> dt.timedelta:
    """How long a sign-in attempt waits for the provider's callback."""
    return dt.timedelta(minutes=10)
