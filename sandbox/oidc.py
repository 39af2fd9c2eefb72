"""Simulated provincial government service platform: a real OpenID Connect provider.

The provincial "government service network" (政务服务网) signs citizens on once and lets the
departments' portals rely on that sign-on (measure 6: 单点登录、全网通办). This module is an
OpenID provider built with authlib's OAuth 2.0 / OpenID Connect server components (the
authorization code grant, the PKCE extension of RFC 7636 and the OpenID ``code`` extension),
served by the standard library's ``http.server``. It is not a mock of the protocol: jiaoguan's
relying party speaks to it exactly as it would to the real platform.

Endpoints (the issuer is the server's URL, e.g. ``http://127.0.0.1:8766``):

* ``GET /.well-known/openid-configuration``: discovery (OpenID Connect Discovery 1.0).
* ``GET /jwks``: the public signing keys (RS256). :meth:`OidcProvider.rotate_keys` (or
  ``POST /_admin/rotate-keys`` with ``Authorization: Bearer <admin key>``) makes a new
  current key with a new ``kid``; the previous key stays published so that ID tokens already
  issued still verify.
* ``GET /authorize``: authorization code flow. PKCE (``S256``) is required, and so is a
  ``nonce`` with ``scope=openid``. A citizen already signed in at the platform (the
  ``gov_sso`` cookie) is sent straight back with a code; otherwise a sign-in page asks for
  the ID number, the name and the way of signing in, which sets the assurance level (``acr``):
  ``L1`` a mobile number only (self-declared identity), ``L2`` real name checked against the
  population register, ``L3`` real name plus a face check.
* ``POST /authorize``: the sign-in form. The name must be the registered one
  (:func:`sandbox.population.name_for`) and the person alive.
* ``GET /`` and ``POST /login``: the platform's own home page and sign-in (a citizen who
  signs in here first then reaches departments' portals without signing in again).
* ``POST /token``: code for tokens (``client_secret_basic`` or ``client_secret_post``); the
  code is single use and bound to the client, the redirect URI and the PKCE verifier.
* ``GET /userinfo``: the claims for a bearer access token.
* ``GET /end-session``: RP-initiated logout: a portal sends the citizen here when they sign
  out there (``client_id``, a registered ``post_logout_redirect_uri``, ``state``); the
  platform session ends as with ``POST /logout`` and the browser goes back.
* ``POST /logout``: the citizen signs out at the platform (the ``gov_sso`` session ends);
  every client registered with a ``backchannel_logout_uri`` is sent a signed logout token
  (OpenID Connect Back-Channel Logout 1.0: ``typ`` ``logout+jwt``, ``iss``, ``aud``, ``iat``,
  ``exp``, ``jti``, ``sub``, ``sid`` and the back-channel ``events`` claim), so that the
  sessions the portals opened from this sign-on end with it.

ID token claims: ``iss``, ``sub`` (a stable pseudonym of the ID number), ``aud``, ``azp``,
``exp`` (10 minutes), ``iat``, ``auth_time``, ``nonce``, ``acr``, ``amr``, ``name``,
``id_number`` (GB 11643; only with scope ``id_number``) and ``sid`` (the platform session the
sign-on came from: a public identifier, not the session cookie).

Run it alone with ``python -m sandbox.oidc --port 8766 --client ID:SECRET:REDIRECT_URI``.
"""

from __future__ import annotations

import argparse
import hmac
import html
import json
import secrets
import sys
import threading
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import requests
from authlib.oauth2 import AuthorizationServer, OAuth2Request
from authlib.oauth2.rfc6749 import ClientMixin, InvalidRequestError, OAuth2Error
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import AuthorizationCodeMixin
from authlib.oidc.core.grants import OpenIDCode
from cryptography.hazmat.primitives import hashes
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from sandbox import population

DEFAULT_PORT = 8766
SESSION_COOKIE = "gov_sso"
ID_TOKEN_SECONDS = 600
CODE_SECONDS = 300
SESSION_SECONDS = 8 * 3600
SCOPES = ("openid", "profile", "id_number")
BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
#: Ways of signing in at the platform and the assurance level (acr) each gives.
METHODS = {
    "sms": ("L1", ["sms"], "手机号码 (仅自述身份) / Mobile number only"),
    "realname": ("L2", ["pwd", "realname"], "实名核验 / Real name checked"),
    "face": ("L3", ["pwd", "realname", "face"], "实名 + 人脸识别 / Real name and face"),
}
MAX_FORM_BYTES = 16 * 1024


def subject_for(id_number: str) -> str:
    """The ``sub`` claim: a stable pseudonym of the ID number (SM3, first 32 hex digits)."""
    h = hashes.Hash(hashes.SM3())
    h.update(f"jiaoguan-sandbox:oidc-sub:{population.normalise(id_number)}".encode())
    return h.finalize().hex()[:32]


@dataclass(frozen=True)
class Citizen:
    id_number: str
    name: str
    acr: str
    amr: tuple[str, ...]
    auth_time: int
    #: the platform session this sign-in opened (the ``sid`` claim), "" before it has one
    session: str = ""

    @property
    def sub(self) -> str:
        return subject_for(self.id_number)


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str
    redirect_uris: list[str]
    backchannel_logout_uri: str = ""
    post_logout_redirect_uris: list[str] = field(default_factory=list)

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(s for s in (scope or "").split() if s in SCOPES)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(client_secret.encode(), self.client_secret.encode())

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class Code(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    citizen: Citizen
    nonce: str
    code_challenge: str
    code_challenge_method: str
    expires_at: float

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.citizen.auth_time

    def get_acr(self) -> str:
        return self.citizen.acr

    def get_amr(self) -> list[str]:
        return list(self.citizen.amr)


@dataclass
class _State:
    """Everything the provider remembers (in memory: the sandbox is disposable)."""

    clients: dict[str, Client] = field(default_factory=dict)
    codes: dict[str, Code] = field(default_factory=dict)
    used_nonces: set[tuple[str, str]] = field(default_factory=set)
    tokens: dict[str, tuple[Citizen, str, float]] = field(default_factory=dict)
    sessions: dict[str, tuple[Citizen, float]] = field(default_factory=dict)
    keys: list[RSAKey] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Request(OAuth2Request):
    """An authlib request over the parsed standard-library request."""

    def __init__(self, method: str, uri: str, data: dict[str, str], headers: dict[str, str]):
        super().__init__(method=method, uri=uri, headers=headers)
        self.payload = BasicOAuth2Payload(data)
        self._data = data

    @property
    def args(self) -> dict[str, str]:
        return self._data

    @property
    def form(self) -> dict[str, str]:
        return self._data


def _claims(citizen: Citizen, scope: str) -> dict[str, Any]:
    claims: dict[str, Any] = {"sub": citizen.sub}
    scopes = scope.split()
    if "profile" in scopes:
        claims["name"] = citizen.name
    if "id_number" in scopes:
        claims["id_number"] = citizen.id_number
    return claims


class _OpenIDCode(OpenIDCode):
    def __init__(self, provider: OidcProvider) -> None:
        super().__init__(require_nonce=True)
        self.provider = provider

    def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
        key = (request.payload.client_id, nonce)
        with self.provider.state.lock:
            return key in self.provider.state.used_nonces

    def resolve_client_private_key(self, client: Client) -> RSAKey:
        return self.provider.current_key

    def get_client_algorithm(self, client: Client) -> str:
        return "RS256"

    def get_encode_header(self, client: Client) -> dict[str, str]:
        return {"alg": "RS256", "kid": str(self.provider.current_key.kid), "typ": "JWT"}

    def get_client_claims(self, client: Client) -> dict[str, Any]:
        now = int(time.time())
        return {
            "iss": self.provider.issuer,
            "aud": [client.client_id],
            "azp": client.client_id,
            "iat": now,
            "exp": now + ID_TOKEN_SECONDS,
        }

    def generate_user_info(self, user: Citizen, scope: str) -> dict[str, Any]:
        claims = _claims(user, scope)
        if user.session:
            claims["sid"] = user.session
        return claims


class _RequiredPkce(CodeChallenge):
    """PKCE for every client, confidential ones too (authlib's ``required`` covers public
    clients only), and ``S256`` only (RFC 9700, 2.1.1)."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge") or data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("PKCE with code_challenge_method=S256 is required")
        super().validate_code_challenge(grant, redirect_uri)


class _CodeGrant(AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        provider: OidcProvider = self.server.provider
        data = request.payload.data
        client = request.client
        entry = Code(
            code=code,
            client_id=client.client_id,
            redirect_uri=data.get("redirect_uri") or client.get_default_redirect_uri(),
            scope=client.get_allowed_scope(data.get("scope", "")),
            citizen=request.user,
            nonce=data.get("nonce", ""),
            code_challenge=data.get("code_challenge", ""),
            code_challenge_method=data.get("code_challenge_method", ""),
            expires_at=time.time() + CODE_SECONDS,
        )
        with provider.state.lock:
            provider.state.codes[code] = entry
            if entry.nonce:
                provider.state.used_nonces.add((entry.client_id, entry.nonce))

    def query_authorization_code(self, code: str, client: Client) -> Code | None:
        provider: OidcProvider = self.server.provider
        with provider.state.lock:
            entry = provider.state.codes.get(code)
        if entry is None or entry.client_id != client.client_id or entry.expires_at < time.time():
            return None
        return entry

    def delete_authorization_code(self, authorization_code: Code) -> None:
        provider: OidcProvider = self.server.provider
        with provider.state.lock:
            provider.state.codes.pop(authorization_code.code, None)

    def authenticate_user(self, authorization_code: Code) -> Citizen:
        return authorization_code.citizen


class _Server(AuthorizationServer):
    def __init__(self, provider: OidcProvider) -> None:
        super().__init__(scopes_supported=list(SCOPES))
        self.provider = provider
        self.register_token_generator(
            "default",
            BearerTokenGenerator(
                lambda *a, **k: secrets.token_urlsafe(32), None, lambda c, g: ID_TOKEN_SECONDS
            ),
        )
        self.register_grant(_CodeGrant, [_RequiredPkce(required=True), _OpenIDCode(provider)])

    def query_client(self, client_id: str) -> Client | None:
        with self.provider.state.lock:
            return self.provider.state.clients.get(client_id)

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        with self.provider.state.lock:
            self.provider.state.tokens[token["access_token"]] = (
                request.user,
                token.get("scope", ""),
                time.time() + int(token.get("expires_in", ID_TOKEN_SECONDS)),
            )

    def create_oauth2_request(self, request: Any) -> OAuth2Request:
        return request  # the handler builds the _Request itself

    def handle_response(self, status: int, body: Any, headers: Any) -> tuple[int, Any, Any]:
        return status, body, headers

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None


class OidcProvider(ThreadingHTTPServer):
    """The OpenID provider: a threading HTTP server with its clients, codes and keys."""

    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], *, admin_key: str, log_requests: bool = False
    ) -> None:
        if not admin_key:
            raise ValueError("the OpenID provider needs a non-empty admin key")
        self.admin_key = admin_key
        self.log_requests = log_requests
        self.state = _State()
        self.state.keys.append(self._new_key())
        self.authorization = _Server(self)
        self.key_fetches = 0
        self._thread: threading.Thread | None = None
        super().__init__(address, _Handler)

    # -- configuration --------------------------------------------------------------------

    @property
    def issuer(self) -> str:
        host, port = self.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else host
        return f"http://{host}:{port}"

    url = issuer

    @staticmethod
    def _new_key() -> RSAKey:
        kid = f"gov-{int(time.time())}-{secrets.token_hex(4)}"
        return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})

    @property
    def current_key(self) -> RSAKey:
        with self.state.lock:
            return self.state.keys[-1]

    def rotate_keys(self) -> str:
        """Make a new current signing key; keep the previous one published (two at most)."""
        key = self._new_key()
        with self.state.lock:
            self.state.keys = [*self.state.keys[-1:], key]
        return str(key.kid)

    def register_client(
        self,
        client_id: str,
        client_secret: str,
        redirect_uris: list[str],
        backchannel_logout_uri: str = "",
        post_logout_redirect_uris: Sequence[str] = (),
    ) -> None:
        with self.state.lock:
            self.state.clients[client_id] = Client(
                client_id,
                client_secret,
                list(redirect_uris),
                backchannel_logout_uri,
                list(post_logout_redirect_uris),
            )

    def logout_token(self, client_id: str, citizen: Citizen, *, key: RSAKey | None = None) -> str:
        """The signed logout token telling ``client_id`` that ``citizen``'s platform session
        has ended (OpenID Connect Back-Channel Logout 1.0, section 2.4)."""
        key = key or self.current_key
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": client_id,
            "iat": now,
            "exp": now + 120,
            "jti": secrets.token_urlsafe(16),
            "sub": citizen.sub,
            "sid": citizen.session,
            "events": {BACKCHANNEL_EVENT: {}},
        }
        header = {"alg": "RS256", "kid": str(key.kid), "typ": "logout+jwt"}
        return jwt.encode(header, claims, key)

    def end_session(self, sid: str | None) -> list[tuple[str, int]]:
        """End a platform session and send each client with a back-channel logout URI its
        logout token; returns (client, HTTP status, 0 when it did not answer)."""
        with self.state.lock:
            entry = self.state.sessions.pop(sid or "", None)
            clients = [c for c in self.state.clients.values() if c.backchannel_logout_uri]
        if entry is None:
            return []
        citizen = entry[0]
        told = []
        for client in clients:
            token = self.logout_token(client.client_id, citizen)
            try:
                answer = requests.post(
                    client.backchannel_logout_uri, data={"logout_token": token}, timeout=5
                )
                told.append((client.client_id, answer.status_code))
            except requests.RequestException:
                told.append((client.client_id, 0))
        return told

    def jwks(self) -> dict[str, Any]:
        with self.state.lock:
            keys: list[Any] = list(self.state.keys)
        return dict(KeySet(keys).as_dict(private=False))

    def discovery(self) -> dict[str, Any]:
        base = self.issuer
        return {
            "issuer": base,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "userinfo_endpoint": f"{base}/userinfo",
            "jwks_uri": f"{base}/jwks",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": list(SCOPES),
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "end_session_endpoint": f"{base}/end-session",
            "backchannel_logout_supported": True,
            "backchannel_logout_session_supported": True,
            "acr_values_supported": ["L1", "L2", "L3"],
            "claims_supported": [
                "sub",
                "iss",
                "aud",
                "azp",
                "exp",
                "iat",
                "auth_time",
                "nonce",
                "acr",
                "amr",
                "name",
                "id_number",
                "sid",
            ],
        }

    # -- sessions -------------------------------------------------------------------------

    def sign_in(self, *, id_number: str, name: str, method: str) -> Citizen | str:
        """Check a citizen's sign-in; returns the citizen or an error message."""
        id_number = population.normalise(id_number)
        if method not in METHODS:
            return "请选择登录方式 / Choose a way of signing in"
        if not population.is_valid(id_number) or population.is_deceased(id_number):
            return "身份证号码无效 / The ID number is not valid"
        if name.strip() != population.name_for(id_number):
            return "姓名与身份证号码不符 / The name does not match the ID number"
        acr, amr, _label = METHODS[method]
        return Citizen(id_number, name.strip(), acr, tuple(amr), int(time.time()))

    def open_session(self, citizen: Citizen) -> str:
        """A platform session for ``citizen``: returns the cookie's secret; the citizen is
        kept with the session's public identifier (the ``sid`` claim)."""
        sid = secrets.token_urlsafe(24)
        citizen = replace(citizen, session=secrets.token_urlsafe(16))
        with self.state.lock:
            self.state.sessions[sid] = (citizen, time.time() + SESSION_SECONDS)
        return sid

    def session_citizen(self, sid: str | None) -> Citizen | None:
        if not sid:
            return None
        with self.state.lock:
            entry = self.state.sessions.get(sid)
        if entry is None or entry[1] < time.time():
            return None
        return entry[0]

    def userinfo(self, access_token: str) -> dict[str, Any] | None:
        with self.state.lock:
            entry = self.state.tokens.get(access_token)
        if entry is None or entry[2] < time.time():
            return None
        citizen, scope, _expires = entry
        return _claims(citizen, scope)

    # -- running --------------------------------------------------------------------------

    def start_in_thread(self) -> threading.Thread:
        if self._thread is not None:
            raise RuntimeError("the OpenID provider is already running")
        self._thread = threading.Thread(
            target=self.serve_forever, args=(0.05,), name="sandbox-oidc", daemon=True
        )
        self._thread.start()
        return self._thread

    def close(self) -> None:
        if self._thread is not None:
            self.shutdown()
            self._thread.join()
            self._thread = None
        self.server_close()


_PAGE = """<!doctype html>
<html lang="zh-hans"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem}}
label{{display:block;margin:.6rem 0 .2rem}}input,select{{font-size:1rem;width:100%}}
.error{{color:#a00}}button{{margin-top:1rem;font-size:1rem}}</style></head>
<body><header><strong>江苏政务服务网 (沙箱) / Jiangsu government service platform (sandbox)</strong>
</header><main>{body}</main></body></html>"""


def _sign_in_form(action: str, hidden: dict[str, str], error: str, client_name: str) -> str:
    fields = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in hidden.items()
    )
    options = "".join(
        f'<option value="{key}"{" selected" if key == "realname" else ""}>{label}</option>'
        for key, (_acr, _amr, label) in METHODS.items()
    )
    asking = (
        f"<p>{html.escape(client_name)} 请求使用您的政务服务网身份 / "
        f"{html.escape(client_name)} asks to use your identity</p>"
        if client_name
        else ""
    )
    body = f"""<h1>统一身份认证登录 / Sign in</h1>{asking}
<form method="post" action="{html.escape(action)}">{fields}
{f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""}
<label for="id_number">身份证号码 / ID number</label>
<input id="id_number" name="id_number" autocomplete="off" required>
<label for="name">姓名 / Name</label><input id="name" name="name" required>
<label for="method">登录方式 / Way of signing in</label>
<select id="method" name="method">{options}</select>
<button type="submit">登录 / Sign in</button></form>"""
    return _PAGE.format(title="统一身份认证 / Sign in", body=body)


class _Handler(BaseHTTPRequestHandler):
    server: OidcProvider
    server_version = "JiaoguanSandboxOidc/1"
    sys_version = ""

    # -- plumbing -------------------------------------------------------------------------

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        try:
            self._route()
        except Exception:
            traceback.print_exc(file=sys.stderr)
            self._json(500, {"error": "server_error"})

    def _form(self) -> dict[str, str] | None:
        try:
            length = int(self.headers.get("Content-Length") or "0")
        except ValueError:
            return None
        if length < 0 or length > MAX_FORM_BYTES:
            return None
        raw = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        return {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}

    def _query(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}

    def _send(self, status: int, body: bytes, headers: list[tuple[str, str]]) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, data: Any, headers: Sequence[tuple[str, str]] = ()) -> None:
        body = json.dumps(data, ensure_ascii=False).encode()
        self._send(status, body, [("Content-Type", "application/json"), *headers])

    def _html(self, status: int, text: str, headers: Sequence[tuple[str, str]] = ()) -> None:
        self._send(status, text.encode(), [("Content-Type", "text/html; charset=utf-8"), *headers])

    def _authlib(self, answer: tuple[int, Any, Any], extra: Sequence[tuple[str, str]] = ()) -> None:
        status, body, raw_headers = answer
        headers = [(str(h[0]), str(h[1])) for h in (raw_headers or [])] + list(extra)
        if isinstance(body, dict):
            self._json(status, body, [h for h in headers if h[0].lower() != "content-type"])
        else:
            self._send(status, (body or "").encode(), headers)

    def _sid(self) -> str | None:
        cookie = SimpleCookie(self.headers.get("Cookie") or "")
        morsel = cookie.get(SESSION_COOKIE)
        return morsel.value if morsel else None

    def _session_cookie(self, sid: str) -> tuple[str, str]:
        return ("Set-Cookie", f"{SESSION_COOKIE}={sid}; Path=/; HttpOnly; SameSite=Lax")

    def _oauth_request(self, data: dict[str, str]) -> _Request:
        headers = {k: v for k, v in self.headers.items()}
        return _Request(self.command, self.server.issuer + self.path, data, headers)

    # -- routes ---------------------------------------------------------------------------

    def _route(self) -> None:
        path = urlsplit(self.path).path
        routes = {
            ("GET", "/.well-known/openid-configuration"): lambda: self._json(
                200, self.server.discovery()
            ),
            ("GET", "/jwks"): self._jwks,
            ("GET", "/authorize"): lambda: self._authorize(self._query(), None),
            ("POST", "/authorize"): self._authorize_post,
            ("POST", "/token"): self._token,
            ("GET", "/userinfo"): self._userinfo,
            ("GET", "/"): self._home,
            ("POST", "/login"): self._login,
            ("POST", "/logout"): self._logout,
            ("GET", "/end-session"): self._end_session,
            ("POST", "/_admin/rotate-keys"): self._rotate,
        }
        handler = routes.get((self.command, path))
        if handler is None:
            self._json(404, {"error": "not_found"})
            return
        handler()

    def _jwks(self) -> None:
        self.server.key_fetches += 1
        self._json(200, self.server.jwks(), [("Content-Type", "application/jwk-set+json")])

    def _authorize(
        self,
        params: dict[str, str],
        citizen: Citizen | None,
        extra: Sequence[tuple[str, str]] = (),
    ) -> None:
        server = self.server.authorization
        request = self._oauth_request(params)
        try:
            grant = server.get_authorization_grant(request)
            grant.validate_authorization_request()
        except OAuth2Error as error:
            error.state = params.get("state")
            if getattr(error, "redirect_uri", None):
                self._authlib(server.handle_error_response(request, error))
            else:
                self._json(400, {"error": error.error, "error_description": error.description})
            return
        if citizen is None:
            citizen = self.server.session_citizen(self._sid())
        if citizen is None:
            client = request.client
            self._html(200, _sign_in_form("/authorize", params, "", client.client_id))
            return
        self._authlib(server.create_authorization_response(request, citizen, grant), extra)

    def _authorize_post(self) -> None:
        form = self._form()
        if form is None:
            self._json(400, {"error": "invalid_request"})
            return
        credentials = {k: form.pop(k, "") for k in ("id_number", "name", "method")}
        result = self.server.sign_in(**credentials)
        if isinstance(result, str):
            self._html(200, _sign_in_form("/authorize", form, result, form.get("client_id", "")))
            return
        sid = self.server.open_session(result)
        self._authorize(form, self.server.session_citizen(sid), [self._session_cookie(sid)])

    def _token(self) -> None:
        form = self._form()
        if form is None:
            self._json(400, {"error": "invalid_request"})
            return
        server = self.server.authorization
        self._authlib(server.create_token_response(self._oauth_request(form)))

    def _userinfo(self) -> None:
        auth = self.headers.get("Authorization") or ""
        token = auth[7:] if auth.startswith("Bearer ") else ""
        claims = self.server.userinfo(token) if token else None
        if claims is None:
            self._json(401, {"error": "invalid_token"}, [("WWW-Authenticate", "Bearer")])
            return
        self._json(200, claims)

    def _home(self) -> None:
        citizen = self.server.session_citizen(self._sid())
        if citizen is None:
            self._html(200, _sign_in_form("/login", {}, "", ""))
            return
        body = (
            f'<h1>您好，<span data-testid="gov-name">{html.escape(citizen.name)}</span></h1>'
            f"<p>已登录 / Signed in (acr {citizen.acr})</p>"
            '<form method="post" action="/logout"><button type="submit" data-testid="gov-logout">'
            "退出登录 / Sign out</button></form>"
        )
        self._html(200, _PAGE.format(title="政务服务网 / Service platform", body=body))

    def _login(self) -> None:
        form = self._form() or {}
        result = self.server.sign_in(
            id_number=form.get("id_number", ""),
            name=form.get("name", ""),
            method=form.get("method", ""),
        )
        if isinstance(result, str):
            self._html(200, _sign_in_form("/login", {}, result, ""))
            return
        sid = self.server.open_session(result)
        self._send(303, b"", [("Location", "/"), self._session_cookie(sid)])

    def _logout(self) -> None:
        told = self.server.end_session(self._sid())
        names = ", ".join(f"{html.escape(c)} ({status})" for c, status in told) or "—"
        body = (
            '<h1 data-testid="gov-signed-out">已退出 / Signed out</h1>'
            f"<p>已通知 / Portals told: {names}</p>"
        )
        expire = ("Set-Cookie", f"{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax")
        self._html(200, _PAGE.format(title="已退出 / Signed out", body=body), [expire])

    def _end_session(self) -> None:
        """RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): a portal sends the
        citizen here when they sign out there; the platform session ends (the other portals
        are told through the back channel) and the browser goes back to a registered
        ``post_logout_redirect_uri`` (with ``state``), or sees the signed-out page."""
        params = self._query()
        with self.server.state.lock:
            client = self.server.state.clients.get(params.get("client_id", ""))
        back = params.get("post_logout_redirect_uri", "")
        self.server.end_session(self._sid())
        expire = ("Set-Cookie", f"{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax")
        if client is not None and back and back in client.post_logout_redirect_uris:
            state = params.get("state")
            target = back + ("?" + urlencode({"state": state}) if state else "")
            self._send(302, b"", [("Location", target), expire])
            return
        body = '<h1 data-testid="gov-signed-out">已退出 / Signed out</h1>'
        self._html(200, _PAGE.format(title="已退出 / Signed out", body=body), [expire])

    def _rotate(self) -> None:
        given = (self.headers.get("Authorization") or "").encode()
        if not hmac.compare_digest(given, f"Bearer {self.server.admin_key}".encode()):
            self._json(401, {"error": "unauthorized"})
            return
        self._json(200, {"kid": self.server.rotate_keys()})

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.log_requests:
            super().log_message(format, *args)


def make_provider(
    host: str = "127.0.0.1", port: int = 0, *, admin_key: str, log_requests: bool = False
) -> OidcProvider:
    """A bound, listening OpenID provider (port 0 picks a free port; see ``.issuer``)."""
    return OidcProvider((host, port), admin_key=admin_key, log_requests=log_requests)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="sandbox.oidc", description="The sandbox provincial OpenID provider."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--admin-key", default="sandbox-dev-key")
    parser.add_argument(
        "--client", action="append", default=[], help="CLIENT_ID:SECRET:REDIRECT_URI (repeatable)"
    )
    args = parser.parse_args(argv)
    provider = make_provider(args.host, args.port, admin_key=args.admin_key, log_requests=True)
    for spec in args.client:
        client_id, secret, redirect = spec.split(":", 2)
        provider.register_client(client_id, secret, [redirect])
    print(f"OpenID provider at {provider.issuer}", flush=True)
    try:
        provider.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        provider.server_close()
    return 0


def authorize_url(issuer: str, **params: str) -> str:
    """Helper for tests and scripts: the authorization URL with ``params``."""
    return f"{issuer}/authorize?{urlencode(params)}"


if __name__ == "__main__":
    sys.exit(main())
