"""Simulated market-regulation data link (市场监管 enterprise register) with the electronic
business licence (电子营业执照) signing service.

Organisations registered by market regulation carry a USCC (GB 32100-2015) whose first
character is ``9`` (registration authority: industry and commerce / market regulation). The
sandbox is an independent party: it checks the USCC's check character itself (GB 32100,
ISO 7064 MOD 31-3 style weights) rather than importing jiaoguan's kernel.

``GET /market/v1/enterprises?uscc=<USCC>`` -> ``200 {"uscc", "name", "status",
"legal_representative": {"name", "id_number"}, "registered_on", "region_code"}`` where
``status`` is ``"active"`` (存续), ``"revoked"`` (吊销, about 4 %) or ``"deregistered"``
(注销, about 4 %). A malformed USCC is ``400 {"error": "invalid_uscc"}``; a well-formed code
of another registration authority (public institutions, social organisations) is
``404 {"error": "not_registered_here"}``.

The legal representative is a deterministic sandbox citizen (:func:`legal_representative`),
named by :func:`sandbox.population.name_for`, so tests can sign in as that person.

``GET /market/v1/signing-key?uscc=<USCC>`` -> ``{"uscc", "key_id", "public_key_pem"}``:
the public key of the enterprise's electronic business licence (ECDSA P-256).

``POST /market/v1/signatures`` with ``{"uscc", "signer_id_number", "digest"}`` (``digest``:
64 hex digits, the SHA-256 of the document) simulates the representative confirming the
signature in the electronic business licence app: ``200 {"signature", "key_id",
"algorithm": "ES256-DER", "signed_at"}`` (``signature``: base64 of the DER ECDSA signature
over the digest bytes, prehashed SHA-256), or ``422 {"error": "not_legal_representative"}`` /
``409 {"error": "not_active"}``.
"""

from __future__ import annotations

import base64
import datetime as dt

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

from sandbox import population, vehicles
from sandbox.routes import BadRequest, JsonObject, Request, Response, RouteTable, require_str

SERVICE = "market"
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714 organisation code
WORDS = ("恒通", "顺达", "安泰", "华运", "金陵", "苏新", "远航", "宏盛", "康宁", "瑞丰")
TRADES = ("汽车销售服务有限公司", "机动车驾驶员培训有限公司", "运输有限公司", "医院有限公司")


def normalise(uscc: str) -> str:
    return uscc.strip().upper()


def org_check(first8: str) -> str:
    """The GB 11714 check character of an 8-character organisation code body."""
    total = sum(int(c, 36) * w for c, w in zip(first8, ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return "X" if value == 10 else "0" if value == 11 else str(value)


def is_valid(uscc: str) -> bool:
    """18 characters of the USCC set, a correct embedded organisation code check character
    (GB 11714) and a correct final check character (GB 32100)."""
    text = normalise(uscc)
    if len(text) != 18 or not all(c in CHARSET for c in text):
        return False
    if org_check(text[8:16]) != text[16]:
        return False
    total = sum(CHARSET.index(c) * w for c, w in zip(text[:17], WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31] == text[17]


def legal_representative(uscc: str) -> str:
    """The ID number of the enterprise's legal representative (a living sandbox citizen)."""
    data = vehicles.digest("market-representative", normalise(uscc))
    region = normalise(uscc)[2:8]
    if not population.is_valid(population.make_id_number(region, dt.date(1980, 1, 1), 1)):
        region = "320102"
    for attempt in range(50):
        day = dt.date(1970, 1, 1) + dt.timedelta(days=vehicles.number(data, 0, 2) % 10_000)
        number = population.make_id_number(region, day, (data[2] + attempt * 7) % 1000)
        if population.is_valid(number) and not population.is_deceased(number):
            return number
    raise LookupError("no living representative found")  # pragma: no cover


def enterprise(uscc: str) -> JsonObject:
    text = normalise(uscc)
    data = vehicles.digest("market-enterprise", text)
    status = "active"
    if data[0] < 10:
        status = "revoked"
    elif data[0] < 20:
        status = "deregistered"
    representative = legal_representative(text)
    registered = dt.date(2000, 1, 1) + dt.timedelta(days=vehicles.number(data, 1, 2) % 8000)
    return {
        "uscc": text,
        "name": "南京" + WORDS[data[3] % len(WORDS)] + TRADES[data[4] % len(TRADES)],
        "status": status,
        "legal_representative": {
            "name": population.name_for(representative),
            "id_number": representative,
        },
        "registered_on": registered.isoformat(),
        "region_code": text[2:8],
    }


def example_uscc(status: str = "active", start: int = 0) -> str:
    """A market-regulation USCC whose enterprise has ``status`` (for tests and the demo)."""
    for n in range(start, start + 5000):
        body = f"{n:08d}"
        first17 = "91320102" + body + org_check(body)
        total = sum(CHARSET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
        code = first17 + CHARSET[(31 - total % 31) % 31]
        if enterprise(code)["status"] == status:
            return code
    raise LookupError("no USCC found")  # pragma: no cover


def _private_key(uscc: str) -> ec.EllipticCurvePrivateKey:
    secret = vehicles.number(vehicles.digest("market-signing-key", normalise(uscc)), 0, 31)
    return ec.derive_private_key(secret + 1, ec.SECP256R1())


def _key_id(uscc: str) -> str:
    return "ebl-" + vehicles.digest("market-key-id", normalise(uscc)).hex()[:16]


def _uscc_param(request: Request) -> str:
    uscc = normalise(request.query_param("uscc"))
    if not is_valid(uscc):
        raise BadRequest("uscc must be a well-formed 18-character USCC", error="invalid_uscc")
    return uscc


def _enterprise(request: Request) -> Response:
    uscc = _uscc_param(request)
    if uscc[0] != "9":
        return 404, {"error": "not_registered_here"}
    return 200, enterprise(uscc)


def _signing_key(request: Request) -> Response:
    uscc = _uscc_param(request)
    if uscc[0] != "9":
        return 404, {"error": "not_registered_here"}
    pem = (
        _private_key(uscc)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return 200, {"uscc": uscc, "key_id": _key_id(uscc), "public_key_pem": pem.decode()}


def _sign(request: Request) -> Response:
    body = request.json()
    uscc = normalise(require_str(body, "uscc"))
    signer = population.normalise(require_str(body, "signer_id_number"))
    digest = require_str(body, "digest").lower()
    if not is_valid(uscc):
        raise BadRequest("uscc must be a well-formed USCC", error="invalid_uscc")
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise BadRequest("digest must be 64 hex digits (SHA-256)")
    if uscc[0] != "9":
        return 404, {"error": "not_registered_here"}
    record = enterprise(uscc)
    if record["status"] != "active":
        return 409, {"error": "not_active"}
    if signer != record["legal_representative"]["id_number"]:
        return 422, {"error": "not_legal_representative"}
    signature = _private_key(uscc).sign(bytes.fromhex(digest), ec.ECDSA(Prehashed(hashes.SHA256())))
    return 200, {
        "signature": base64.b64encode(signature).decode(),
        "key_id": _key_id(uscc),
        "algorithm": "ES256-DER",
        "signed_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def register(table: RouteTable) -> None:
    table.add("GET", "/market/v1/enterprises", _enterprise, service=SERVICE)
    table.add("GET", "/market/v1/signing-key", _signing_key, service=SERVICE)
    table.add("POST", "/market/v1/signatures", _sign, service=SERVICE)
