"""Simulated public randomness beacon, drand-style (https://drand.love, "unchained" mode).

* ``GET /beacon/info`` -> ``200 {"public_key", "period", "genesis_time", "scheme"}``.
* ``GET /beacon/public/<round>`` -> ``200 {"round", "randomness", "signature"}`` once the round
  is published (``genesis_time + (round - 1) * period`` seconds since the epoch, real time),
  else ``404 {"error": "not_yet"}``; a round that is not a positive integer is
  ``400 {"error": "bad_round"}``.

A round's ``signature`` is the Ed25519 signature (hex) of ``SHA-256(round as 8 bytes
big-endian)`` under the beacon's key, and ``randomness`` is ``SHA-256(signature bytes)``, hex.
Ed25519 signatures are deterministic, so every round has exactly one valid value: the operator
of jiaoguan cannot choose it, and anyone holding the public key checks it (drand uses BLS
signatures on BLS12-381 for the same property; Ed25519 keeps the sandbox to the
``cryptography`` package). The key is a fixed sandbox key (:data:`PUBLIC_KEY_HEX`), which a
deployment configures as ``PLATES_BEACON["public_key"]``.
"""

from __future__ import annotations

import hashlib
import time

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from sandbox.routes import JsonObject, Request, Response, RouteTable

SERVICE = "beacon"
GENESIS_TIME = 1_577_836_800  # 2020-01-01T00:00:00Z
PERIOD = 30  # seconds, as drand's default network
_KEY = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"jiaoguan sandbox beacon v1").digest())
PUBLIC_KEY_HEX = _KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
MAX_ROUND = 2**40


def round_message(number: int) -> bytes:
    return hashlib.sha256(number.to_bytes(8, "big")).digest()


def beacon_round(number: int) -> JsonObject:
    """The published value of round ``number`` (whether published yet or not)."""
    signature = _KEY.sign(round_message(number))
    return {
        "round": number,
        "randomness": hashlib.sha256(signature).hexdigest(),
        "signature": signature.hex(),
    }


def published_at(number: int) -> int:
    return GENESIS_TIME + (number - 1) * PERIOD


def _info(request: Request) -> Response:
    return 200, {
        "public_key": PUBLIC_KEY_HEX,
        "period": PERIOD,
        "genesis_time": GENESIS_TIME,
        "scheme": "ed25519-sha256-unchained",
    }


def _public(request: Request) -> Response:
    raw = request.path.rsplit("/", 1)[-1]
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_ROUND:
        return 400, {"error": "bad_round", "detail": "the round is a positive integer"}
    number = int(raw)
    if published_at(number) > time.time():
        return 404, {"error": "not_yet"}
    return 200, beacon_round(number)


def register(table: RouteTable) -> None:
    table.add("GET", "/beacon/info", _info, service=SERVICE)
    table.add("GET", "/beacon/public/*", _public, service=SERVICE)
