"""The sandbox OpenID provider and market-regulation link over real HTTP: bad input is a clean
4xx answer, never a 500, and the signing service signs only what it should."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

from sandbox import market
from tests.conftest import SANDBOX_KEY

AUTH = {"Authorization": f"Bearer {SANDBOX_KEY}"}


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("GET", "/authorize", None),
        ("GET", "/authorize?client_id=nobody&response_type=code", None),
        ("GET", "/authorize?client_id=x&response_type=token&redirect_uri=http://evil", None),
        ("POST", "/authorize", "id_number=1&name=%FF%FE&method=face"),
        ("POST", "/token", "grant_type=password&username=a&password=b"),
        ("POST", "/token", "grant_type=authorization_code&code=nope"),
        ("GET", "/userinfo", None),
        ("POST", "/login", "id_number=320102&name=x&method=x"),
        ("GET", "/nowhere", None),
    ],
)
def test_provider_answers_bad_input_without_a_500(
    oidc_provider: Any, method: str, path: str, data: str | None
) -> None:
    answer = requests.request(
        method,
        oidc_provider.issuer + path,
        data=data,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        allow_redirects=False,
        timeout=5,
    )
    assert answer.status_code < 500
    assert "evil" not in answer.headers.get("Location", "")


def test_provider_never_redirects_to_an_unregistered_uri(oidc_provider: Any) -> None:
    oidc_provider.register_client("sandbox-test", "s", ["http://127.0.0.1:1/cb"])
    answer = requests.get(
        f"{oidc_provider.issuer}/authorize",
        params={
            "client_id": "sandbox-test",
            "response_type": "code",
            "redirect_uri": "http://evil.example/cb",
            "scope": "openid",
            "nonce": "n",
            "code_challenge": "x" * 43,
            "code_challenge_method": "S256",
        },
        allow_redirects=False,
        timeout=5,
    )
    assert answer.status_code == 400 and "Location" not in answer.headers


def _call(sandbox_server: Any, method: str, path: str, **kw: Any) -> requests.Response:
    return requests.request(method, sandbox_server.url + path, headers=AUTH, timeout=5, **kw)


def test_market_register_answers(sandbox_server: Any) -> None:
    uscc = market.example_uscc()
    found = _call(sandbox_server, "GET", "/market/v1/enterprises", params={"uscc": uscc})
    assert found.status_code == 200 and found.json()["status"] == "active"
    bad = _call(sandbox_server, "GET", "/market/v1/enterprises", params={"uscc": uscc[:-1] + "Y"})
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_uscc"
    unauthorised = requests.get(
        sandbox_server.url + "/market/v1/enterprises", params={"uscc": uscc}, timeout=5
    )
    assert unauthorised.status_code == 401


def test_market_signs_for_the_legal_representative_only(sandbox_server: Any) -> None:
    uscc = market.example_uscc(start=50)
    digest = hashlib.sha256("协议".encode()).hexdigest()
    body = {"uscc": uscc, "signer_id_number": market.legal_representative(uscc), "digest": digest}
    signed = _call(sandbox_server, "POST", "/market/v1/signatures", json=body)
    assert signed.status_code == 200
    pem = _call(sandbox_server, "GET", "/market/v1/signing-key", params={"uscc": uscc}).json()
    key = serialization.load_pem_public_key(pem["public_key_pem"].encode())
    assert isinstance(key, ec.EllipticCurvePublicKey)
    key.verify(
        base64.b64decode(signed.json()["signature"]),
        bytes.fromhex(digest),
        ec.ECDSA(Prehashed(hashes.SHA256())),
    )
    other = _call(
        sandbox_server,
        "POST",
        "/market/v1/signatures",
        json={**body, "signer_id_number": "110101199003070011"},
    )
    assert other.status_code == 422 and other.json()["error"] == "not_legal_representative"
    revoked = market.example_uscc("revoked")
    gone = _call(
        sandbox_server,
        "POST",
        "/market/v1/signatures",
        json={**body, "uscc": revoked, "signer_id_number": market.legal_representative(revoked)},
    )
    assert gone.status_code == 409
    for junk in ({"uscc": uscc}, {**body, "digest": "xyz"}, {**body, "uscc": 7}):
        assert _call(sandbox_server, "POST", "/market/v1/signatures", json=junk).status_code == 400
